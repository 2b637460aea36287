import type { FastifyInstance } from 'fastify';

/**
 * CORS for browser frontends, from an allow-list (`CORS_ALLOWED_ORIGINS`, comma-separated).
 * Entries are exact origins (`https://app.example.com`, `http://localhost:5173`) or a
 * wildcard for subdomains (`https://*.example.com` matches `https://eu.app.example.com`
 * but not `https://example.com` nor `https://evil-example.com`). Scheme and port must
 * match. No credentials mode: the API takes bearer tokens, not cookies. Origins not on the
 * list get no CORS headers, so browsers refuse the response.
 */
export function originMatcher(allowList: string[]): (origin: string) => boolean {
  const exact = new Set<string>();
  const wildcards: Array<{ scheme: string; suffix: string; port: string }> = [];
  for (const raw of allowList.map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean)) {
    const match = /^(https?):\/\/\*\.([a-z0-9.-]+)(?::(\d+))?$/i.exec(raw);
    if (match) wildcards.push({ scheme: match[1].toLowerCase(), suffix: `.${match[2].toLowerCase()}`, port: match[3] ?? '' });
    else exact.add(raw.toLowerCase());
  }
  return (origin: string) => {
    const candidate = origin.toLowerCase();
    if (exact.has(candidate)) return true;
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      return false;
    }
    if (url.origin !== candidate) return false; // paths, credentials or odd forms
    const scheme = url.protocol.slice(0, -1);
    return wildcards.some(
      (w) => w.scheme === scheme && w.port === url.port && url.hostname.endsWith(w.suffix) && url.hostname.length > w.suffix.length,
    );
  };
}

export interface CorsOptions {
  allowedOrigins: string[];
  maxAgeSeconds?: number;
}

/** Adds the hook to the root instance, so it covers every route (and 404s). */
export function registerCors(app: FastifyInstance, options: CorsOptions): void {
  const allowed = originMatcher(options.allowedOrigins);
  const maxAge = String(options.maxAgeSeconds ?? 600);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    reply.header('vary', 'Origin');
    const ok = typeof origin === 'string' && allowed(origin);
    if (ok) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', 'Retry-After, X-Request-Id');
    }
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      if (ok) {
        reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
        reply.header('access-control-allow-headers', 'authorization, content-type, x-request-id');
        reply.header('access-control-max-age', maxAge);
      }
      return reply.code(204).send();
    }
  });
}

/** The allow-list from the environment (empty: no cross-origin browser access). */
export const allowedOriginsFromEnv = (env: NodeJS.ProcessEnv = process.env) =>
  (env.CORS_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
