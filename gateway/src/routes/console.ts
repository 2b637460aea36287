import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { bearerClaims, type TokenIssuer } from '../jwt.ts';

/**
 * The operator console: its built static files (console/dist) at `/`, and PostgREST under
 * `/rest/` on the same origin, so the browser needs no CORS and no second address. The proxy
 * passes the request through unchanged (PostgREST checks the JWT and RLS decides); only the
 * headers PostgREST reads and answers with cross it.
 */
export interface ConsoleOptions {
  postgrestUrl: string;
  /** A read-only PostgREST on a standby: GET and HEAD go there, everything else to postgrestUrl. */
  postgrestReadUrl?: string;
  distDir: string;
  tokens: TokenIssuer;
  limits?: RestLimits;
}

/**
 * What /rest/ lets through to PostgREST. Every check runs in the gateway, before PostgREST
 * parses anything: a request PostgREST would spend CPU on just to refuse never reaches it.
 */
export interface RestLimits {
  /** Longest query string, in bytes (414 beyond). */
  maxQueryBytes: number;
  /** Logical operators (or/and groups, nested ones included) per request (400 beyond). */
  maxLogicalOperators: number;
  /** Conditions inside logical operators per request (400 beyond). */
  maxLogicalTerms: number;
  /** Requests per client IP per minute, with or without a token (429 beyond). */
  perIpPerMinute: number;
  /** Requests per session (the token's `sid`) per minute (429 beyond). */
  perTokenPerMinute: number;
}

export function restLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): RestLimits {
  const num = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  return {
    maxQueryBytes: num('REST_MAX_QUERY_BYTES', 4096),
    maxLogicalOperators: num('REST_MAX_LOGICAL_OPERATORS', 8),
    maxLogicalTerms: num('REST_MAX_LOGICAL_TERMS', 50),
    perIpPerMinute: num('REST_RATE_PER_IP_PER_MINUTE', 3000),
    perTokenPerMinute: num('REST_RATE_PER_TOKEN_PER_MINUTE', 1200),
  };
}

/** A fixed one-minute window of counts per key (memory: the keys seen this minute). */
class MinuteCounter {
  private window = 0;
  private counts = new Map<string, number>();
  constructor(private readonly limit: number) {}

  /** Counts a hit; the seconds until the window ends when the key is over its limit, else 0. */
  hit(key: string, now = Date.now()): number {
    const window = Math.floor(now / 60_000);
    if (window !== this.window) {
      this.window = window;
      this.counts.clear();
    }
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n > this.limit ? Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000)) : 0;
  }
}

const LOGIC_KEY = /^(?:[^=]*\.)?(?:not\.)?(?:or|and)$/i;
const NESTED_LOGIC = /(?:^|[(,])(?:not\.)?(?:or|and)\(/gi;

/** The or/and groups and the conditions inside them, in a decoded query string. */
export function countLogic(query: string): { operators: number; terms: number } {
  let operators = 0;
  let terms = 0;
  for (const [key, value] of new URLSearchParams(query)) {
    if (!LOGIC_KEY.test(key)) continue;
    operators += 1 + (value.match(NESTED_LOGIC)?.length ?? 0);
    terms += (value.match(/,/g)?.length ?? 0) + 1;
  }
  return { operators, terms };
}

const REQUEST_HEADERS = ['authorization', 'content-type', 'accept', 'prefer', 'range', 'range-unit', 'accept-profile', 'content-profile', 'x-request-id'];
const RESPONSE_HEADERS = ['content-type', 'content-range', 'content-location', 'location', 'preference-applied', 'retry-after', 'www-authenticate'];
const PROXY_TIMEOUT_MS = 30_000;

/** Content-Security-Policy for the console: its own scripts and styles only, data to its own origin. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export async function consoleRoutes(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  await app.register(restProxy, { postgrestUrl: options.postgrestUrl, postgrestReadUrl: options.postgrestReadUrl, tokens: options.tokens, limits: options.limits ?? restLimitsFromEnv() });

  if (existsSync(join(options.distDir, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: options.distDir,
      prefix: '/',
      // Routes for the files present at start-up only: unknown paths keep the JSON 404.
      wildcard: false,
      index: ['index.html'],
      setHeaders: (res, path) => {
        res.header('content-security-policy', CSP);
        res.header('x-content-type-options', 'nosniff');
        res.header('referrer-policy', 'no-referrer');
        // Hashed asset names never change content; index.html must be revalidated.
        res.header('cache-control', path.includes(`${join('dist', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  } else {
    app.get('/', async () => {
      throw new ApiError(503, 'console_not_built', 'The operator console is not built: run `npm run console:build` (npm start builds it).');
    });
  }
}

async function restProxy(app: FastifyInstance, options: { postgrestUrl: string; postgrestReadUrl?: string; tokens: TokenIssuer; limits: RestLimits }): Promise<void> {
  const base = options.postgrestUrl.replace(/\/+$/, '');
  const readBase = (options.postgrestReadUrl ?? options.postgrestUrl).replace(/\/+$/, '');
  const { limits } = options;
  const perIp = new MinuteCounter(limits.perIpPerMinute);
  const perToken = new MinuteCounter(limits.perTokenPerMinute);
  const limited = (retryAfter: number) =>
    new ApiError(429, 'rate_limited', 'Too many requests; retry later.', { 'retry-after': String(retryAfter) });
  // Bodies pass through as bytes (this plugin's parsers only; the other routes keep theirs).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
    url: '/rest/*',
    handler: async (request, reply) => {
      const ipWait = perIp.hit(request.ip);
      if (ipWait) throw limited(ipWait);
      const path = request.url.slice('/rest'.length) || '/';
      const q = path.indexOf('?');
      const query = q >= 0 ? path.slice(q + 1) : '';
      if (Buffer.byteLength(query) > limits.maxQueryBytes) {
        throw new ApiError(414, 'uri_too_long', `The query string is longer than ${limits.maxQueryBytes} bytes.`);
      }
      let logic: { operators: number; terms: number };
      try {
        logic = countLogic(query);
      } catch {
        throw new ApiError(400, 'invalid_query', 'The query string cannot be read.');
      }
      if (logic.operators > limits.maxLogicalOperators || logic.terms > limits.maxLogicalTerms) {
        throw new ApiError(400, 'too_many_conditions',
          `At most ${limits.maxLogicalOperators} logical operators with ${limits.maxLogicalTerms} conditions in all per request.`);
      }
      // PostgREST checks the token again (and the session, in its pre-request hook); this
      // check only keeps requests without a valid one from costing PostgREST anything.
      const claims = await bearerClaims(options.tokens, request.headers.authorization);
      const tokenWait = perToken.hit(claims.sid);
      if (tokenWait) throw limited(tokenWait);
      const headers: Record<string, string> = {};
      for (const name of REQUEST_HEADERS) {
        const value = request.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      let upstream: Response;
      const reads = request.method === 'GET' || request.method === 'HEAD';
      try {
        upstream = await fetch(`${reads ? readBase : base}${path}`, {
          method: request.method,
          headers,
          body: request.method === 'GET' || request.method === 'HEAD' ? undefined : bodyOf(request.body),
          signal: AbortSignal.timeout(PROXY_TIMEOUT_MS),
        });
      } catch {
        throw new ApiError(503, 'rest_unavailable', 'The REST API is not reachable; retry shortly.');
      }
      reply.code(upstream.status);
      for (const name of RESPONSE_HEADERS) {
        const value = upstream.headers.get(name);
        if (value !== null) reply.header(name, value);
      }
      reply.header('cache-control', 'no-store');
      return reply.send(Buffer.from(await upstream.arrayBuffer()));
    },
  });
}

const bodyOf = (body: unknown): Blob | undefined => (Buffer.isBuffer(body) && body.length > 0 ? new Blob([new Uint8Array(body)]) : undefined);
