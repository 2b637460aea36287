import { PostgrestClient } from '@supabase/postgrest-js';

/**
 * The console's two backends: the gateway for authentication (/auth/*) and PostgREST for
 * data, reached through the gateway's same-origin /rest/ proxy (so no CORS is involved).
 */
export interface Session {
  access_token: string;
  refresh_token: string;
  email: string;
}

export interface Claims {
  sub: string;
  org_id: string;
  org_role: 'owner' | 'admin' | 'member';
  sid: string;
  exp: number;
}

const KEY = 'switchboard.console.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

export function claimsOf(token: string): Claims {
  const part = token.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
  return JSON.parse(json) as Claims;
}

export const isAdmin = (claims: Claims) => claims.org_role === 'owner' || claims.org_role === 'admin';

export interface GatewayAnswer<T = Record<string, unknown>> {
  status: number;
  body: T & { error?: string; message?: string };
}

export async function gateway<T = Record<string, unknown>>(path: string, body: unknown, token?: string): Promise<GatewayAnswer<T>> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body ?? {}),
  });
  const text = await res.text();
  let parsed: T & { error?: string; message?: string };
  try {
    parsed = (text ? JSON.parse(text) : {}) as typeof parsed;
  } catch {
    parsed = { message: text } as typeof parsed;
  }
  return { status: res.status, body: parsed };
}

interface TokenPair {
  access_token: string;
  refresh_token: string;
}

export async function login(email: string, password: string, totpCode?: string): Promise<GatewayAnswer<TokenPair>> {
  const answer = await gateway<TokenPair>('/auth/login', { email, password, device: 'Switchboard console', ...(totpCode ? { totp_code: totpCode } : {}) });
  if (answer.status === 200) saveSession({ access_token: answer.body.access_token, refresh_token: answer.body.refresh_token, email });
  return answer;
}

export async function logout(): Promise<void> {
  const session = loadSession();
  saveSession(null);
  if (session) await gateway('/auth/logout', {}, session.access_token).catch(() => undefined);
}

/** The access token, refreshed when it expires within a minute; null when signed out. */
export async function accessToken(): Promise<string | null> {
  const session = loadSession();
  if (!session) return null;
  if (claimsOf(session.access_token).exp - Date.now() / 1000 > 60) return session.access_token;
  const answer = await gateway<TokenPair>('/auth/refresh', { refresh_token: session.refresh_token });
  if (answer.status !== 200) {
    saveSession(null);
    return null;
  }
  saveSession({ ...session, ...answer.body });
  return answer.body.access_token;
}

export class SignedOut extends Error {}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = PostgrestClient<any, any, any>;

/** A PostgREST client for the signed-in user (through the same-origin /rest/ proxy). */
export async function db(): Promise<Db> {
  const token = await accessToken();
  if (!token) throw new SignedOut();
  return new PostgrestClient(new URL('/rest', window.location.origin).href, {
    headers: { Authorization: `Bearer ${token}` },
  });
}

/** A console call's answer, shaped like a PostgREST one ({data, error, status}). */
export interface RpcAnswer<T> {
  data: T | null;
  error: { message: string; code?: string; hint?: string | null } | null;
  status: number;
}

/**
 * The calls that issue or take secrets (create/rotate a source or an endpoint, add a sending
 * account or set its password) go to the gateway's POST /console/rpc/{name}: it holds the
 * encryption key, which PostgREST never does. Same session token, same rules in SQL.
 */
export async function consoleRpc<T>(name: string, args: Record<string, unknown>): Promise<RpcAnswer<T>> {
  const token = await accessToken();
  if (!token) throw new SignedOut();
  const answer = await gateway<T>(`/console/rpc/${name}`, args, token);
  if (answer.status === 200) return { data: answer.body as T, error: null, status: 200 };
  return { data: null, error: { message: answer.body?.message ?? 'Request failed', code: answer.body?.error }, status: answer.status };
}

/** Whether a PostgREST answer is the API refusing the caller (not just an empty list). */
export const denied = (status: number) => status === 401 || status === 403;
