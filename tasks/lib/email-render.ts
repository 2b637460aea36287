/**
 * Safe template rendering for sequence steps: `{{ name }}` placeholders filled from the
 * contact's (and lead's) fields. Values are HTML-escaped in HTML parts, CR/LF-free in the
 * subject, raw in the text part. A missing (absent, null or blank) variable is an error:
 * the email is not sent.
 */
export class MissingVariableError extends Error {
  constructor(readonly names: string[]) {
    super(`missing template variable${names.length > 1 ? 's' : ''}: ${names.join(', ')}`);
  }
}

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };
export const escapeHtml = (value: string) => value.replace(/[&<>"'`]/g, (c) => ESCAPES[c]);

type Vars = Record<string, unknown>;

function fill(template: string, vars: Vars, encode: (v: string) => string, missing: Set<string>): string {
  return template.replace(VARIABLE, (_m, name: string) => {
    const value = vars[name];
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || typeof value === 'object') {
      missing.add(name);
      return '';
    }
    return encode(String(value));
  });
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", apos: "'", nbsp: ' ', '#96': '`' };
const decodeEntities = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|apos|nbsp|#96);/g, (_m, e: string) => ENTITIES[e]);

/** A readable plain-text version of an HTML template (placeholders survive untouched). */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
      .replace(/<a\s[^>]*href\s*=\s*"([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_m, href: string, text: string) => {
        const label = text.replace(/<[^>]*>/g, '').trim();
        return label && label !== href ? `${label} (${href})` : href;
      })
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(p|div|h[1-6]|li|tr|blockquote)>/gi, '\n\n')
      .replace(/<li[^>]*>/gi, '- ')
      .replace(/<[^>]*>/g, ''),
  )
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface Rendered {
  subject: string;
  html: string;
  text: string;
}

export function renderEmail(t: { subject: string; html: string; text: string | null }, vars: Vars): Rendered {
  const missing = new Set<string>();
  const subject = fill(t.subject, vars, (v) => v, missing).replace(/[\r\n]+/g, ' ').trim();
  const html = fill(t.html, vars, escapeHtml, missing);
  const text = fill(t.text ?? htmlToText(t.html), vars, (v) => v, missing);
  if (missing.size) throw new MissingVariableError([...missing].sort());
  return { subject, html, text };
}

/** Click tracking: every absolute http(s) href goes through the signed redirect. */
export function rewriteLinks(html: string, wrap: (url: string) => string): string {
  return html.replace(/(<a\s[^>]*?href\s*=\s*)"(https?:\/\/[^"]+)"/gi, (_m, head: string, href: string) =>
    `${head}"${escapeHtml(wrap(decodeEntities(href)))}"`);
}

/** Open tracking: a 1×1 image at the end of the body. */
export function addPixel(html: string, src: string): string {
  const img = `<img src="${escapeHtml(src)}" width="1" height="1" alt="" style="display:none">`;
  return /<\/body>/i.test(html) ? html.replace(/<\/body>/i, `${img}</body>`) : html + img;
}
