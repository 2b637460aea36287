import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { allowPrivateTargets, isPrivateAddress } from '../deliver_webhook.ts';

/**
 * A `fetch` for calendar servers with the same SSRF guard as outbound deliveries: every
 * address a host name resolves to is checked at connect time (no DNS rebinding between a
 * check and the connection), private, loopback and link-local targets are refused unless
 * the operator allows them (DELIVERY_ALLOW_PRIVATE_URLS=1), redirects are followed only to
 * http(s) URLs and re-checked, the whole exchange has a time budget, and the body a size cap.
 * tsdav takes it as its `fetch` override; the .ics source uses it directly.
 */
export interface SafeFetchOptions {
  timeoutMs?: number;
  maxBytes?: number;
  maxRedirects?: number;
}

const TIMEOUT_MS = Number(process.env.CALENDAR_TIMEOUT_MS ?? 20_000);
const MAX_BYTES = Number(process.env.CALENDAR_MAX_BYTES ?? 20 * 1024 * 1024);

export class RefusedTarget extends Error {}

function guardedLookup(guard: boolean) {
  return (hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err);
      if (guard && addresses.some((a) => isPrivateAddress(a.address))) {
        return callback(new RefusedTarget(`refused: ${hostname} resolves to a private address`));
      }
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers ?? {}).forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

async function once(url: URL, method: string, headers: Record<string, string>, body: string | undefined,
  options: Required<SafeFetchOptions>): Promise<{ status: number; statusText: string; headers: Headers; body: Buffer }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RefusedTarget(`refused: ${url.protocol} URLs`);
  const guard = !allowPrivateTargets();
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (guard && isIP(host) && isPrivateAddress(host)) throw new RefusedTarget('refused: private address');
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
      lookup: guardedLookup(guard) as never,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > options.maxBytes) {
          req.destroy(new Error(`response larger than ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (Array.isArray(v)) v.forEach((x) => h.append(k, x));
          else if (v !== undefined) h.set(k, String(v));
        }
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: h, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => reject(e));
    });
    const timer = setTimeout(() => req.destroy(new Error(`timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end(body);
  });
}

export function safeFetch(options: SafeFetchOptions = {}): typeof fetch {
  const opts = { timeoutMs: TIMEOUT_MS, maxBytes: MAX_BYTES, maxRedirects: 3, ...options };
  const fn = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    let url = new URL(typeof input === 'string' || input instanceof URL ? input.toString() : input.url);
    let method = (init?.method ?? 'GET').toUpperCase();
    const headers = headersOf(init);
    let body = init?.body == null ? undefined : String(init.body);
    for (let hop = 0; ; hop++) {
      const r = await once(url, method, headers, body, opts);
      const location = r.headers.get('location');
      if ([301, 302, 303, 307, 308].includes(r.status) && location && hop < opts.maxRedirects) {
        const next = new URL(location, url);
        // Credentials never follow a redirect to another origin.
        if (next.origin !== url.origin) delete headers.authorization;
        if (r.status === 303 || ((r.status === 301 || r.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      const nullBody = r.status === 204 || r.status === 304 || method === 'HEAD';
      const res = new Response(nullBody ? null : new Uint8Array(r.body), { status: r.status, statusText: r.statusText, headers: r.headers });
      Object.defineProperty(res, 'url', { value: url.toString() });
      return res;
    }
  };
  return fn as typeof fetch;
}
