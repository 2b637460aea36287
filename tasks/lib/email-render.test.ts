import { describe, expect, it } from 'vitest';
import { addPixel, htmlToText, MissingVariableError, renderEmail, rewriteLinks } from './email-render.ts';

/** Template rendering for sequence steps: escaping per part, missing variables, derived text. */
describe('renderEmail', () => {
  const t = { subject: 'Hi {{ first_name }}', html: '<p>Hello {{first_name}} of <b>{{company}}</b></p><p><a href="https://x.test/?a=1&amp;b=2">Offer</a></p>', text: null };

  it('escapes values in the HTML part, keeps them raw in the text part, strips CR/LF from the subject', () => {
    const r = renderEmail(t, { first_name: '<script>alert(1)</script>\r\nBcc: evil@x.test', company: 'A & "B"' });
    expect(r.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(r.html).toContain('A &amp; &quot;B&quot;');
    expect(r.html).not.toContain('<script>');
    expect(r.subject).toBe('Hi <script>alert(1)</script> Bcc: evil@x.test');
    expect(r.subject).not.toMatch(/[\r\n]/);
    expect(r.text).toContain('Hello <script>alert(1)</script>');
    expect(r.text).toContain('Offer (https://x.test/?a=1&b=2)');
  });

  it('refuses to render with a missing, null or blank variable, naming them all', () => {
    expect(() => renderEmail(t, { first_name: 'Ann' })).toThrow(new MissingVariableError(['company']));
    expect(() => renderEmail(t, { first_name: ' ', company: null })).toThrow('missing template variables: company, first_name');
  });

  it('uses an explicit text template when given', () => {
    expect(renderEmail({ ...t, text: 'Plain {{first_name}}' }, { first_name: 'Ann', company: 'C' }).text).toBe('Plain Ann');
  });

  it('derives readable text from HTML', () => {
    expect(htmlToText('<p>One &amp; two</p><ul><li>a</li><li>b</li></ul><br>end')).toBe('One & two\n\n- a\n\n- b\n\nend');
  });

  it('wraps absolute links and appends the pixel', () => {
    const html = rewriteLinks('<a href="https://x.test/?a=1&amp;b=2">x</a> <a href="mailto:a@b.test">m</a>', (u) => `https://t.test/c/${encodeURIComponent(u)}`);
    expect(html).toBe('<a href="https://t.test/c/https%3A%2F%2Fx.test%2F%3Fa%3D1%26b%3D2">x</a> <a href="mailto:a@b.test">m</a>');
    expect(addPixel('<html><body>x</body></html>', 'https://t.test/o/1.gif')).toBe(
      '<html><body>x<img src="https://t.test/o/1.gif" width="1" height="1" alt="" style="display:none"></body></html>');
  });
});
