import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { Task } from 'graphile-worker';
import { loadEnvFile, resolveConfig } from '../lib/config.ts';

interface Payload {
  org_id: string;
  delivery_id: string;
}

interface Attempt {
  url: string;
  secrets: string[] | null;
  message_id: string;
  body: string;
  attempt: number;
}

let encryptionKey: string | undefined;
/** Endpoint secrets are decrypted in SQL with the key from the environment (.env). */
function key(): string {
  if (!encryptionKey) {
    loadEnvFile();
    encryptionKey = resolveConfig().encryptionKey;
  }
  return encryptionKey;
}
const TIMEOUT_MS = Number(process.env.DELIVERY_TIMEOUT_MS ?? 15_000);
/** The operator's allowance for private, loopback and link-local targets (SSRF guard off). */
export const allowPrivateTargets = () => /^(1|true|yes)$/i.test(process.env.DELIVERY_ALLOW_PRIVATE_URLS ?? '');

const privateRanges = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 3],
] as const) privateRanges.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96]] as const) {
  privateRanges.addSubnet(net, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return privateRanges.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Standard Webhooks v1 signatures, one per valid secret (two during a rotation). */
export function signatures(secrets: string[], id: string, timestamp: number, body: string): string {
  return secrets
    .map((s) => `v1,${createHmac('sha256', Buffer.from(s.replace(/^whsec_/, ''), 'base64')).update(`${id}.${timestamp}.${body}`).digest('base64')}`)
    .join(' ');
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date). */
export function retryAfterSeconds(value: string | undefined): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export interface Outcome {
  status: number | null;
  excerpt: string | null;
  error: string | null;
  retryAfter: number | null;
}

/** One POST, no redirects, 15 s budget for the whole exchange, SSRF guard on every resolved address. */
function send(url: string, headers: Record<string, string>, body: string): Promise<Outcome> {
  return httpRequest('POST', url, headers, body);
}

/**
 * One outbound HTTP call with the delivery engine's guards (no redirects, one time budget,
 * SSRF check of every resolved address unless DELIVERY_ALLOW_PRIVATE_URLS). Also used by
 * the campaign-tool pushes and Twilio sends. `excerpt` keeps the first `maxBody` bytes.
 */
export function httpRequest(
  method: string, url: string, headers: Record<string, string>, body: string | null,
  options: { maxBody?: number; timeoutMs?: number } = {},
): Promise<Outcome> {
  const maxBody = options.maxBody ?? 2048;
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const target = new URL(url);
  const guard = !allowPrivateTargets();
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (guard && isIP(host) && isPrivateAddress(host)) {
    return Promise.resolve({ status: null, excerpt: null, error: 'refused: private address', retryAfter: null });
  }
  const lookup = (hostname: string, options: object, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err);
      const bad = guard && addresses.some((a) => isPrivateAddress(a.address));
      if (bad) return callback(new Error(`refused: ${hostname} resolves to a private address`));
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (o: Outcome) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(o);
      }
    };
    const req = client.request(
      target,
      { method, headers: body === null ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup: lookup as never },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < maxBody) chunks.push(c);
          size += c.length;
        });
        const done = () =>
          finish({
            status: res.statusCode ?? null,
            excerpt: Buffer.concat(chunks).toString('utf8').slice(0, maxBody === 2048 ? 500 : maxBody),
            error: null,
            retryAfter: retryAfterSeconds(res.headers['retry-after'] as string | undefined),
          });
        res.on('end', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => finish({ status: null, excerpt: null, error: err.message, retryAfter: null }));
    if (body === null) req.end();
    else req.end(body);
  });
}

/**
 * Sends one outbound delivery (Standard Webhooks headers) and reports the outcome to SQL,
 * which records the attempt and schedules the retry, dead letter or endpoint disabling.
 */
export const deliver_webhook: Task = async (payload, helpers) => {
  const { org_id, delivery_id } = payload as Payload;
  const { rows } = await helpers.query<Attempt>('select * from app_private.begin_delivery_attempt($1, $2, $3)', [
    org_id, delivery_id, key(),
  ]);
  if (!rows.length) return;
  const a = rows[0];
  const id = `msg_${a.message_id}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const started = performance.now();
  const outcome = await send(a.url, {
    'content-type': 'application/json',
    'user-agent': 'Switchboard-Webhooks/1.0',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signatures(a.secrets ?? [], id, timestamp, a.body),
  }, a.body);
  const latency = Math.round(performance.now() - started);
  await helpers.query('select app_private.finish_delivery_attempt($1, $2, $3, $4, $5, $6, $7, $8)', [
    org_id, delivery_id, a.attempt, outcome.status, latency, outcome.excerpt, outcome.error, outcome.retryAfter,
  ]);
};
