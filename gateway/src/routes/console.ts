import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';

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
}

const REQUEST_HEADERS = ['authorization', 'content-type', 'accept', 'prefer', 'range', 'range-unit', 'accept-profile', 'content-profile', 'x-request-id'];
const RESPONSE_HEADERS = ['content-type', 'content-range', 'content-location', 'location', 'preference-applied', 'retry-after', 'www-authenticate'];
const PROXY_TIMEOUT_MS = 30_000;

/** Content-Security-Policy for the console: its own scripts and styles only, data to its own origin. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export async function consoleRoutes(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  await app.register(restProxy, { postgrestUrl: options.postgrestUrl, postgrestReadUrl: options.postgrestReadUrl });

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

async function restProxy(app: FastifyInstance, options: { postgrestUrl: string; postgrestReadUrl?: string }): Promise<void> {
  const base = options.postgrestUrl.replace(/\/+$/, '');
  const readBase = (options.postgrestReadUrl ?? options.postgrestUrl).replace(/\/+$/, '');
  // Bodies pass through as bytes (this plugin's parsers only; the other routes keep theirs).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.route({
    method: ['GET', 'HEAD', 'POST', 'PATCH', 'PUT', 'DELETE'],
    url: '/rest/*',
    handler: async (request, reply) => {
      const path = request.url.slice('/rest'.length) || '/';
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
