import { html } from './html';

describe('html', () => {
  it('escapes interpolated text, attributes included, and keeps nested fragments as they are', () => {
    const name = `<script>alert("x")</script>' onmouseover='y`;
    expect(html`<p title="${name}">${name}${html`<b>${'&'}</b>`}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;y<b>&amp;</b></p>',
    );
  });

  it('renders lists and leaves out null, undefined and false', () => {
    expect(html`<ul>${[1, 2].map((n) => html`<li>${n}</li>`)}</ul>${null}${undefined}${false}`.value).toBe('<ul><li>1</li><li>2</li></ul>');
  });
});
