import { html, type Html } from './html.js';
import type { ConsoleOperator } from './console-sessions.service.js';

export type ConsoleSection = 'overview' | 'invoices' | 'trace' | 'customers' | 'notifications';

const SECTIONS: { section: ConsoleSection; path: string; label: string }[] = [
  { section: 'overview', path: '/console', label: 'Overview' },
  { section: 'invoices', path: '/console/invoices', label: 'Invoices' },
  { section: 'trace', path: '/console/trace', label: 'Usage trace' },
  { section: 'customers', path: '/console/customers', label: 'Customers' },
  { section: 'notifications', path: '/console/notifications', label: 'Notifications' },
];

/** Where a page tells the operator how the last action went. */
export interface Notice {
  kind: 'success' | 'error';
  text: string;
}

function document(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Meterbridge console</title>
<link rel="stylesheet" href="/console/static/console.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${body}
</body>
</html>`;
}

/** The CSRF token every form of a signed-in page carries (checked on every POST). */
export const csrfField = (operator: ConsoleOperator) => html`<input type="hidden" name="csrf" value="${operator.csrfToken}">`;

export function noticeBlock(notice: Notice | undefined): Html {
  if (!notice) return html``;
  return html`<p class="notice notice-${notice.kind}" role="${notice.kind === 'error' ? 'alert' : 'status'}">${notice.text}</p>`;
}

/** A signed-in page: navigation, who is signed in, sign-out, then the page's content. */
export function consolePage(options: { title: string; section: ConsoleSection; operator: ConsoleOperator; notice?: Notice; content: Html }): Html {
  const { title, section, operator, notice, content } = options;
  const links = SECTIONS.map(
    (entry) => html`<li><a href="${entry.path}"${entry.section === section ? html` aria-current="page"` : ''}>${entry.label}</a></li>`,
  );
  return document(
    title,
    html`<header class="top">
<p class="brand">Meterbridge console</p>
<nav aria-label="Console"><ul>${links}</ul></nav>
<form method="post" action="/console/sign-out" class="sign-out">
${csrfField(operator)}
<span class="who">Signed in with <code>${operator.apiKeyPrefix}</code>${operator.canAct ? '' : ' (read only)'}</span>
<button type="submit">Sign out</button>
</form>
</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${noticeBlock(notice)}
${content}
</main>`,
  );
}

export function signInPage(notice?: Notice): Html {
  return document(
    'Sign in',
    html`<main id="main" class="sign-in" tabindex="-1">
<h1>Meterbridge console</h1>
${noticeBlock(notice)}
<form method="post" action="/console/sign-in">
<label for="api-key">API key (admin, or usage:read to look only)</label>
<input id="api-key" name="apiKey" type="password" autocomplete="off" required spellcheck="false">
<p class="hint">The key is exchanged for a session of this browser and not kept in it.</p>
<button type="submit">Sign in</button>
</form>
</main>`,
  );
}
