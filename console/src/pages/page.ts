import type { Claims } from '../api.ts';

export interface PageContext {
  claims: Claims;
  admin: boolean;
  /** Renders the current page again (after a change). */
  reload: () => void;
}

export type Page = (container: HTMLElement, ctx: PageContext) => Promise<void>;

/** PostgREST errors become plain text; the API's message, never markup. */
export function apiError(error: { message?: string; hint?: string | null; code?: string } | null, status?: number): string {
  if (!error) return '';
  const hint = error.hint ? ` (${error.hint})` : '';
  return `${error.message ?? 'Request failed'}${hint}${status ? ` [${status}]` : ''}`;
}
