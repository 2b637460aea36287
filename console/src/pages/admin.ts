import { db, denied } from '../api.ts';
import { h } from '../dom.ts';
import { accessDenied } from './settings.ts';

/**
 * Admin pages ask the API first: rpc/require_org_admin answers 403 for members (42501), and
 * the page shows that refusal. Returns false when the caller was refused.
 */
export async function adminOnly(container: HTMLElement, what: string): Promise<boolean> {
  const answer = await (await db()).rpc('require_org_admin');
  if (denied(answer.status)) {
    accessDenied(container, what);
    return false;
  }
  return true;
}

/** A secret shown exactly once, with what to do with it. */
export function secretOnce(title: string, rows: Array<[string, string]>, extra?: Node): HTMLElement {
  const box = h(
    'div',
    { class: 'secret-once card', role: 'status', 'data-testid': 'secret-once' },
    h('h3', {}, title),
    h('p', { class: 'warn' }, 'Copy these now: the secret is shown only this once.'),
  );
  const list = h('dl', { class: 'kv' });
  for (const [label, value] of rows) {
    const copy = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Copy ${label}`, onclick: () => void navigator.clipboard?.writeText(value).catch(() => undefined) }, 'Copy');
    list.append(h('dt', {}, label), h('dd', {}, h('code', { 'data-field': label.toLowerCase() }, value), ' ', copy));
  }
  box.append(list);
  if (extra) box.append(extra);
  return box;
}

/** Only http(s) links are rendered as links (a stored javascript: URL stays text). */
export function safeLink(url: string | null | undefined, label: string): Node {
  if (!url) return document.createTextNode('—');
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') {
      return h('a', { href: parsed.href, target: '_blank', rel: 'noopener noreferrer' }, label);
    }
  } catch {
    /* not a URL */
  }
  return document.createTextNode(url);
}

/** "1 h 3 min", "42 s". */
export function duration(seconds: number | string | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(Number(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The query part of the page's hash (#/calls?call=…). */
export function hashParams(): URLSearchParams {
  const hash = location.hash;
  const i = hash.indexOf('?');
  return new URLSearchParams(i >= 0 ? hash.slice(i + 1) : '');
}
