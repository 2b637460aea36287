import type { FastifyInstance } from 'fastify';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import { type TokenIssuer, bearerClaims } from '../jwt.ts';

/**
 * POST /console/rpc/{name}: the console's secret-issuing calls. They encrypt under
 * ENCRYPTION_KEY, which PostgREST never holds, so they run here instead of through /rest/:
 *
 *   1. the Bearer token is verified exactly as PostgREST verifies it (HS256, JWT_SECRET,
 *      role `authenticated`);
 *   2. in one transaction on the gateway's pool: its claims become `request.jwt.claims` for
 *      that transaction, app_private.check_session() runs as PostgREST's db-pre-request does
 *      (revoked session, changed role, MFA requirement, request quota), then the whitelisted
 *      function, with the key as its first argument (never a setting, never logged);
 *   3. errors answer with the statuses PostgREST gives, as `{error, message}`.
 *
 * The gateway's database role may execute only these functions (and check_session).
 */
export interface ConsoleRpcOptions {
  db: Db;
  tokens: TokenIssuer;
  encryptionKey: string;
  /** The operator's DELIVERY_ALLOW_PRIVATE_URLS: private and plain-http endpoint URLs allowed. */
  allowPrivateUrls: boolean;
}

type ArgType = 'text' | 'uuid' | 'interval' | 'jsonb' | 'text[]' | 'int' | 'boolean';

interface Rpc {
  fn: string;
  args: Record<string, ArgType>;
  /** Arguments the caller must give (the rest keep the function's defaults). */
  required: string[];
  /** The function returns one value (answered as that JSON value) rather than a row. */
  scalar?: boolean;
  /** The function takes the operator's private-URL allowance after the key. */
  allowPrivateUrls?: boolean;
}

/** Exactly the calls that need the key; everything else stays on PostgREST. */
export const CONSOLE_RPCS: Record<string, Rpc> = {
  create_source: {
    fn: 'app_private.console_create_source',
    args: { provider: 'text', name: 'text', given_secret: 'text', auth: 'jsonb' },
    required: ['provider'],
  },
  rotate_source: {
    fn: 'app_private.console_rotate_source',
    args: { source: 'uuid', grace: 'interval', given_secret: 'text' },
    required: ['source'],
  },
  create_endpoint: {
    fn: 'app_private.console_create_endpoint',
    args: { url: 'text', event_types: 'text[]', description: 'text' },
    required: ['url'],
    allowPrivateUrls: true,
  },
  rotate_endpoint: {
    fn: 'app_private.console_rotate_endpoint',
    args: { endpoint: 'uuid', grace: 'interval' },
    required: ['endpoint'],
  },
  create_sending_account: {
    fn: 'app_private.console_create_sending_account',
    args: {
      from_email: 'text', smtp_host: 'text', smtp_user: 'text', smtp_password: 'text', name: 'text',
      from_name: 'text', smtp_port: 'int', smtp_secure: 'boolean', daily_cap: 'int',
    },
    required: ['from_email', 'smtp_host', 'smtp_user', 'smtp_password'],
    scalar: true,
  },
  set_sending_account_password: {
    fn: 'app_private.console_set_sending_account_password',
    args: { account_id: 'uuid', smtp_password: 'text' },
    required: ['account_id', 'smtp_password'],
    scalar: true,
  },
};

const invalid = (message: string) => new ApiError(400, 'invalid_payload', message);

function checkValue(name: string, type: ArgType, value: unknown): unknown {
  if (value === null) return null;
  switch (type) {
    case 'text':
    case 'uuid':
    case 'interval':
      if (typeof value !== 'string') throw invalid(`${name}: a string is expected.`);
      return value;
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw invalid(`${name}: an integer is expected.`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(`${name}: true or false is expected.`);
      return value;
    case 'text[]':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw invalid(`${name}: a list of strings is expected.`);
      return value;
    case 'jsonb':
      if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`${name}: an object is expected.`);
      return JSON.stringify(value);
  }
}

/** The SQL call with named arguments: the key first, then only the arguments given. */
export function buildCall(rpc: Rpc, body: unknown, encryptionKey: string, allowPrivateUrls: boolean): { sql: string; params: unknown[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('The body must be a JSON object of the arguments.');
  const given = body as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in rpc.args)) throw invalid(`${key}: not an argument of this call.`);
  }
  for (const key of rpc.required) {
    if (given[key] === undefined || given[key] === null) throw invalid(`${key}: required.`);
  }
  const params: unknown[] = [encryptionKey];
  const named = ['encryption_key => $1'];
  if (rpc.allowPrivateUrls) {
    params.push(allowPrivateUrls);
    named.push(`allow_private_urls => $${params.length}::boolean`);
  }
  for (const [key, type] of Object.entries(rpc.args)) {
    if (given[key] === undefined) continue;
    params.push(checkValue(key, type, given[key]));
    named.push(`${key} => $${params.length}::${type}`);
  }
  const call = `${rpc.fn}(${named.join(', ')})`;
  return { sql: rpc.scalar ? `select ${call} as value` : `select * from ${call}`, params };
}

interface PgError {
  code?: string;
  message?: string;
  detail?: string;
  hint?: string;
}

const snake = (value: string | undefined) => (value && /^[a-z][a-z0-9_]{1,60}$/.test(value) ? value : undefined);
const DEFAULT_CODES: Record<number, string> = { 400: 'invalid_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 429: 'quota_exceeded' };

/** A database error as PostgREST would answer it, or null for our own faults (a 500). */
export function mapDbError(error: PgError): ApiError | null {
  const code = error.code ?? '';
  const message = error.message ?? 'The request could not be processed.';
  // app_private.raise_quota_exceeded: PostgREST's own raise form (status and headers in detail).
  if (code === 'PGRST') {
    try {
      const body = JSON.parse(message) as { code?: string; message?: string };
      const detail = JSON.parse(error.detail ?? '{}') as { status?: number; headers?: Record<string, string> };
      const status = detail.status ?? 400;
      return new ApiError(status, snake(body.code) ?? DEFAULT_CODES[status] ?? 'invalid_request', body.message ?? 'The request was refused.', detail.headers ?? {});
    } catch {
      return null;
    }
  }
  let status: number | undefined;
  const pt = /^PT(\d{3})$/.exec(code);
  if (pt) status = Number(pt[1]);
  else if (code === '42501') status = 403;
  else if (code === '28000' || code === '28P01') status = 401;
  else if (code === 'P0002') status = 404;
  else if (code === '23505' || code === '23P01') status = 409;
  else if (code.startsWith('22') || code.startsWith('23') || code === 'P0001') status = 400;
  if (status === undefined) return null;
  const headers: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {};
  return new ApiError(status, snake(error.detail) ?? snake(error.hint) ?? DEFAULT_CODES[status] ?? 'invalid_request', message, headers);
}

export async function consoleRpcRoutes(app: FastifyInstance, options: ConsoleRpcOptions): Promise<void> {
  app.post<{ Params: { name: string } }>('/console/rpc/:name', async (request, reply) => {
    const rpc = Object.hasOwn(CONSOLE_RPCS, request.params.name) ? CONSOLE_RPCS[request.params.name] : undefined;
    if (!rpc) throw new ApiError(404, 'not_found', 'No such console call.');
    const claims = await bearerClaims(options.tokens, request.headers.authorization);
    const call = buildCall(rpc, request.body ?? {}, options.encryptionKey, options.allowPrivateUrls);
    const client = await options.db.connect();
    let done = false;
    try {
      await client.query('begin');
      await client.query("select set_config('request.jwt.claims', $1, true), set_config('statement_timeout', '15s', true)", [JSON.stringify(claims)]);
      await client.query('select app_private.check_session()');
      const { rows } = await client.query(call.sql, call.params);
      await client.query('commit');
      done = true;
      if (rpc.scalar) return reply.type('application/json').send(JSON.stringify(rows[0]?.value ?? null));
      if (rows.length === 0) throw new ApiError(404, 'not_found', 'Nothing was returned.');
      return reply.send(rows[0]);
    } catch (error) {
      if (!done) await client.query('rollback').catch(() => undefined);
      if (error instanceof ApiError) throw error;
      const mapped = mapDbError(error as PgError);
      if (mapped) throw mapped;
      // Our own fault: logged by code only (the parameters hold the key and the secrets).
      request.log.error({ code: (error as PgError).code, rpc: request.params.name }, 'console rpc failed');
      throw new ApiError(500, 'internal_error', 'Something went wrong on our side.');
    } finally {
      client.release();
    }
  });
}
