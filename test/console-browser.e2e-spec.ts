import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createCustomer, createMeter } from './support/catalogue';
import { closedPeriod, controlOf, eventNameOf, HOUR, type MeterFixture } from './support/closed-period';
import { eventually } from './support/eventually';
import { advanceClock, FAST_VERIFICATION, startBillingStack, type BillingStack } from './support/period-close';
import { emulatorControl } from '../packages/stripe-emulator/test/support/stripe-contract';
import { startWebhookReceiver, type WebhookReceiver } from '../packages/stripe-emulator/test/support/webhook-receiver';

/**
 * The operator console in Debian's Chromium, driven by playwright-core (no downloaded browser),
 * against the app on the Stripe emulator. Skipped, saying so, only where no Chromium is installed
 * (.ci/debian-packages installs it).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The README's screenshot is refreshed with CONSOLE_SCREENSHOT=docs/console-overview.png; otherwise it goes to a temporary folder, so a test run leaves the checkout as it was. */
const screenshotPath = (userDataDir: string) => (process.env.CONSOLE_SCREENSHOT ? resolve(process.env.CONSOLE_SCREENSHOT) : join(userDataDir, 'overview.png'));
const browserInstalled = existsSync(CHROMIUM);
if (!browserInstalled) console.warn(`console browser tests skipped: no Chromium at ${CHROMIUM} (install Debian's chromium, or set CHROMIUM_PATH)`);
const describeInBrowser = browserInstalled ? describe : describe.skip;

/** A page on another origin whose form posts a release to the console: what a forged cross-site request looks like. */
async function startForgeryPage(target: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end(`<form method="post" action="${target}"><input name="reason" value="forged"><button type="submit">Win a prize</button></form>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

describeInBrowser('operator console in a browser (e2e, Chromium)', () => {
  let stack: BillingStack;
  let receiver: WebhookReceiver;
  let meter: MeterFixture;
  let heldInvoiceId: string;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let base: string;

  const stateOf = async (invoiceId: string) => (await stack.app.http.get(`/v1/invoices/${invoiceId}/verification`).expect(200)).body.state as string;

  async function signIn(key: string): Promise<void> {
    await page.goto(`${base}/console`);
    await page.getByLabel(/API key/).fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  }

  async function signOut(): Promise<void> {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  }

  beforeAll(async () => {
    stack = await startBillingStack(FAST_VERIFICATION);
    receiver = await startWebhookReceiver();
    await stack.app.http.post('/v1/notification-endpoints').send({ url: receiver.url, events: ['invoice.released'], description: 'billing team' }).expect(201);
    base = `http://127.0.0.1:${(stack.app.app.getHttpServer().address() as AddressInfo).port}`;
    meter = await createMeter(stack.app.http, { key: 'api_calls', aggregation: 'sum', unitAmountDecimal: '2' });
    // Stripe's meter carries 5 units the ledger does not have: the verification holds the invoice
    const { clockId, periodEnd, invoice } = await closedPeriod(stack, meter, 10, async (stripeCustomerId, end) => {
      await emulatorControl(controlOf(stack), 'POST', '/meter_events/inject', { event_name: eventNameOf(stack, meter), customer: stripeCustomerId, value: 5, timestamp: end - 100 });
    });
    await advanceClock(stack.stripe, clockId, periodEnd + HOUR - 300);
    heldInvoiceId = invoice.id;
    await eventually(async () => expect(await stateOf(heldInvoiceId)).toBe('held'), 20_000);

    userDataDir = mkdtempSync(join(tmpdir(), 'meterbridge-console-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    await stack?.close();
    await receiver?.close();
  });

  it('signs in with an admin key, by keyboard alone, and shows the overview with the held invoice', async () => {
    await page.goto(`${base}/console`);
    await page.keyboard.press('Tab');
    await expect(page.locator(':focus').textContent()).resolves.toBe('Skip to content');
    await page.keyboard.press('Tab');
    await expect(page.locator(':focus').getAttribute('id')).resolves.toBe('api-key');
    await page.keyboard.type(stack.app.adminKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const heldTile = page.locator('.tile', { hasText: 'Held invoices' });
    await expect(heldTile.locator('dd').textContent()).resolves.toBe('1');
    await expect(page.getByRole('link', { name: heldInvoiceId }).count()).resolves.toBe(1);
    // the key lives in no cookie or storage of the browser, only the session id does
    const cookies = await context.cookies();
    expect(cookies.map((cookie) => cookie.name)).toEqual(['meterbridge_console']);
    expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(JSON.stringify(cookies)).not.toContain(stack.app.adminKey);
    const screenshot = screenshotPath(userDataDir);
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(readFileSync(screenshot).subarray(1, 4).toString()).toBe('PNG');
  });

  it('refuses a release posted from another site, even with the session cookie', async () => {
    const forgery = await startForgeryPage(`${base}/console/invoices/${heldInvoiceId}/release`);
    try {
      await page.goto(forgery.url);
      const [response] = await Promise.all([page.waitForResponse((candidate) => candidate.url().endsWith('/release')), page.getByRole('button', { name: 'Win a prize' }).click()]);
      expect(response.status()).toBe(403);
      expect(await stateOf(heldInvoiceId)).toBe('held');
    } finally {
      forgery.server.close();
    }
  });

  it('shows a usage:read session the held invoice without Release, and refuses its release', async () => {
    await page.goto(`${base}/console`);
    await signOut();
    await signIn(await stack.app.createKey('usage:read'));
    await page.goto(`${base}/console/invoices/${heldInvoiceId}`);
    await page.getByText('Signed in with a read-only key').waitFor();
    expect(await page.getByRole('button', { name: 'Release invoice' }).count()).toBe(0);
    const csrf = await page.locator('input[name="csrf"]').first().inputValue();
    const refused = await page.request.post(`${base}/console/invoices/${heldInvoiceId}/release`, { form: { csrf, reason: 'read-only try' }, headers: { origin: base } });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error).toBe('FORBIDDEN_SCOPE');
    expect(await stateOf(heldInvoiceId)).toBe('held');
    await signOut();
  });

  it('releases the held invoice from its page, with a reason, after showing the per-line difference', async () => {
    await signIn(stack.app.adminKey);
    await page.getByRole('link', { name: 'Invoices', exact: true }).click();
    await page.getByLabel('State').selectOption('held');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('link', { name: heldInvoiceId }).click();
    const line = page.getByRole('row', { name: /api_calls/ });
    await expect(line.getByRole('cell').allTextContents()).resolves.toEqual(['api_calls', '10', '15', '5', '0.10 USD']);
    await page.getByLabel('Reason to release (required)').fill('customer agreed to the extra 5 calls');
    await page.getByRole('button', { name: 'Release invoice' }).click();
    await page.getByText('Released: Stripe finalizes the invoice.').waitFor();
    expect(await stateOf(heldInvoiceId)).toBe('released');
    expect((await stack.app.http.get(`/v1/invoices/${heldInvoiceId}/verification`).expect(200)).body.releaseReason).toBe('customer agreed to the extra 5 calls');
  });

  it('traces a usage event by external id and idempotency key, and corrects it with a reason', async () => {
    const customer = await createCustomer(stack.app.http, 'acct_trace');
    await stack.app.http.post('/v1/usage').send({ customerId: customer.id, meter: meter.key, value: 1000, idempotencyKey: 'req_7f3a' }).expect(202);
    await page.getByRole('link', { name: 'Usage trace' }).click();
    await page.getByLabel('Customer (external id or id)').fill('acct_trace');
    await page.getByLabel('Idempotency key').fill('req_7f3a');
    await page.getByRole('button', { name: 'Trace' }).click();
    await page.getByRole('heading', { name: 'Correct this event' }).waitFor();
    await page.getByLabel('Corrected value (0 voids it)').fill('10');
    await page.getByLabel('Reason (required, kept with the correction)').fill('client sent 1000 instead of 10');
    await page.getByRole('button', { name: 'Correct' }).click();
    await page.getByText('Corrected: the trace below includes the correction.').waitFor();
    const correction = page.getByRole('row', { name: /client sent 1000 instead of 10/ });
    await expect(correction.getByRole('cell').nth(2).textContent()).resolves.toBe('10');
    const trace = (await stack.app.http.get('/v1/usage/events').query({ customerId: customer.id, idempotencyKey: 'req_7f3a' }).expect(200)).body;
    expect(trace.event.currentValue).toBe('10');
  });

  it("finds a customer by external id and shows its current-period usage per meter with a chart per day", async () => {
    await page.getByRole('link', { name: 'Customers' }).click();
    await page.getByLabel('External id').fill('acct_trace');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'acct_trace' }).click();
    const usage = page.getByRole('row', { name: /api_calls/ });
    await expect(usage.getByRole('cell').nth(2).textContent()).resolves.toBe('10');
    const chart = page.getByRole('img', { name: /api_calls: units per day/ });
    await expect(chart.locator('rect').count()).resolves.toBeGreaterThan(0);
  });

  it('lists notification endpoints and deliveries, and redelivers one', async () => {
    await receiver.waitFor(1, (webhook) => webhook.rawBody.includes('"invoice.released"'), 15_000);
    await page.getByRole('link', { name: 'Notifications' }).click();
    await expect(page.getByRole('row', { name: /billing team/ }).count()).resolves.toBe(1);
    const delivery = page.getByRole('table', { name: 'Delivery log, newest first' }).getByRole('row', { name: /invoice\.released/ });
    // the receiver has the body; the delivery is marked delivered once its answer is recorded
    await eventually(async () => {
      await page.reload();
      expect(await delivery.getByRole('cell').nth(3).textContent()).toBe('delivered');
    });
    await delivery.getByRole('button', { name: /Redeliver/ }).click();
    await page.getByText('Queued for delivery now.').waitFor();
    await receiver.waitFor(2, (webhook) => webhook.rawBody.includes('"invoice.released"'), 15_000);
  });

  it('signs out: the session is gone and the pages ask to sign in again', async () => {
    await signOut();
    await page.goto(`${base}/console/invoices`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    expect(await context.cookies()).toEqual([]);
  });
});
