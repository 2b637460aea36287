import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CsvRecords } from '../csv-records.ts';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import { type TokenIssuer, bearerClaims } from '../jwt.ts';

/** The lead file columns (CONTRACT.md), in staging order. Other columns become attributes. */
export const LEAD_COLUMNS = [
  'first_name', 'last_name', 'email', 'phone',
  'property_address', 'property_city', 'property_state', 'property_zip',
  'county_fips', 'apn', 'mak',
  'mailing_address', 'mailing_city', 'mailing_state', 'mailing_zip',
  'estimated_equity', 'owner_occupied',
  'email_verification_code', 'phone_verification_code',
] as const;

const TOLERANCE_SECONDS = 300;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface UploadLimits {
  /** Uploads in progress at once, gateway-wide (each holds one connection of the upload pool). */
  maxConcurrent: number;
  /** Uploads in progress at once for one source. */
  maxPerSource: number;
  /** A body that sends no byte for this long is aborted (ms). */
  idleTimeoutMs: number;
  /** A body slower than this over any rate window is aborted (bytes per second). */
  minBytesPerSecond: number;
  /** The window over which the minimum rate is measured (ms). */
  rateWindowMs: number;
  /** How long an upload waits for the same file's upload in progress before a 409 (ms). */
  lockTimeoutMs: number;
}

export function uploadLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): UploadLimits {
  const num = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    return Number.isFinite(value) && value >= 0 ? value : fallback;
  };
  return {
    maxConcurrent: Math.max(1, num('UPLOAD_MAX_CONCURRENT', 4)),
    maxPerSource: Math.max(1, num('UPLOAD_MAX_PER_SOURCE', 2)),
    idleTimeoutMs: Math.max(100, num('UPLOAD_IDLE_TIMEOUT_MS', 10_000)),
    minBytesPerSecond: num('UPLOAD_MIN_BYTES_PER_SECOND', 1024),
    rateWindowMs: Math.max(1000, num('UPLOAD_RATE_WINDOW_MS', 15_000)),
    lockTimeoutMs: num('UPLOAD_LOCK_TIMEOUT_MS', 2_000),
  };
}

interface UploadOptions {
  /** Credentials are read through the shared pool (one short query). */
  db: Db;
  /** The upload's transaction runs on this pool of its own, so uploads never take the connections logins and webhooks need. */
  uploadDb: Db;
  encryptionKey: string;
  maxBytes?: number;
  limits?: UploadLimits;
  /** Verifies console sessions for POST /uploads/leads (absent: that route is not offered). */
  tokens?: TokenIssuer;
}

/**
 * Aborts a body that goes idle or crawls: no byte for `idleTimeoutMs`, or fewer than
 * `minBytesPerSecond` over a `rateWindowMs` window. The pipeline then fails, the upload's
 * connection is destroyed and its transaction rolled back by the server.
 */
function watchBody(target: Transform, limits: UploadLimits): { onBytes(n: number): void; stop(): void } {
  let idle: NodeJS.Timeout;
  let windowBytes = 0;
  const abort = (message: string) => target.destroy(new ApiError(408, 'upload_too_slow', message));
  const armIdle = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort(`No data arrived for ${Math.round(limits.idleTimeoutMs / 1000)} s; the upload was aborted.`), limits.idleTimeoutMs);
  };
  armIdle();
  const rate = setInterval(() => {
    if (windowBytes < (limits.minBytesPerSecond * limits.rateWindowMs) / 1000) {
      abort(`The upload was slower than ${limits.minBytesPerSecond} bytes/s and was aborted.`);
    }
    windowBytes = 0;
  }, limits.rateWindowMs);
  return {
    onBytes(n: number) {
      windowBytes += n;
      armIdle();
    },
    stop() {
      clearTimeout(idle);
      clearInterval(rate);
    },
  };
}

/** Header names: lower-cased, trimmed, spaces and hyphens read as underscores. */
export const normalizeHeader = (name: string) => name.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** COPY text format: \N for NULL, backslash escapes for \, tab, newline and carriage return. */
function copyField(value: string | undefined): string {
  if (value === undefined || value === '') return '\\N';
  if (!/[\\\t\n\r]/.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const invalidSignature = () => new ApiError(401, 'invalid_signature', 'The signature is missing, stale or does not match.');

/** The signature check (CONTRACT.md, csv): hex HMAC-SHA256 of "{timestamp}.{sha256hex}" under any valid secret. */
export function verifyCsvSignature(secrets: string[], timestamp: string, sha256hex: string, signature: string, now = Date.now()): boolean {
  if (!RFC3339.test(timestamp)) return false;
  const at = Date.parse(timestamp);
  if (!Number.isFinite(at) || Math.abs(now - at) > TOLERANCE_SECONDS * 1000) return false;
  if (!/^[0-9a-f]{64}$/i.test(signature)) return false;
  const given = Buffer.from(signature, 'hex');
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.${sha256hex}`).digest();
    // Check every secret (no early exit) with a constant-time compare.
    if (timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

/** Batches of lead records (the header first) → COPY text lines for the upload's staging table, ~64 KiB chunks. */
class CsvToCopy extends Transform {
  rows = 0;
  private mapping: Array<number | string> | null = null;
  private pending: string[] = [];
  private pendingBytes = 0;

  constructor() {
    super({ writableObjectMode: true, readableObjectMode: false, writableHighWaterMark: 4 });
  }

  _transform(records: string[][], _enc: BufferEncoding, done: (error?: Error | null) => void): void {
    for (const record of records) this.add(record);
    done();
  }

  private add(record: string[]): void {
    if (!this.mapping) {
      this.mapping = record.map((name) => {
        const n = normalizeHeader(name);
        const index = (LEAD_COLUMNS as readonly string[]).indexOf(n);
        return index >= 0 ? index : n;
      });
      return;
    }
    this.rows++;
    const fields: string[] = new Array(LEAD_COLUMNS.length);
    let attributes: Record<string, string> | null = null;
    for (let i = 0; i < record.length; i++) {
      const target = this.mapping[i];
      const value = record[i];
      if (typeof target === 'number') fields[target] = value;
      else if (value !== '' && target !== undefined && target !== '') (attributes ??= {})[target] = value;
    }
    let line = String(this.rows + 1);
    for (let i = 0; i < LEAD_COLUMNS.length; i++) line += '\t' + copyField(fields[i]);
    line += '\t' + (attributes ? copyField(JSON.stringify(attributes)) : '\\N') + '\n';
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= 65536) this.flushPending();
  }

  _flush(done: (error?: Error | null) => void): void {
    if (!this.mapping) return done(new ApiError(400, 'invalid_csv', 'The file has no header row.'));
    this.flushPending();
    done();
  }

  private flushPending(): void {
    if (this.pending.length === 0) return;
    this.push(this.pending.join(''));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

interface Staging {
  batchId: string;
  stagingTable: string;
  orgId: string;
}

/**
 * The one way a lead file is received, whoever authenticated it: in ONE transaction on the
 * upload pool, `begin` opens the batch (no row: the same content within 7 days, 409; the same
 * file uploading right now: 409 after lockTimeoutMs), the body streams through the size limit,
 * the idle/min-rate watchdog, the SHA-256 check and the CSV parser into the batch's staging
 * table by COPY, finish_lead_upload queues the merge, COMMIT, 202.
 */
async function receiveLeadFile(
  db: Db,
  limits: UploadLimits,
  request: FastifyRequest,
  reply: FastifyReply,
  body: Readable,
  claimed: string,
  maxBytes: number,
  begin: (client: PoolClient) => Promise<Staging | null>,
): Promise<FastifyReply> {
  const client = await db.connect();
  let broken = false;
  let watchdog: { stop(): void } | undefined;
  try {
    await client.query('begin');
    // The same file arriving twice at once: the second waits on the first's replay-guard
    // row. It must not wait (holding a slot) for as long as the first one's body takes.
    await client.query(`set local lock_timeout = ${Math.max(100, Math.round(limits.lockTimeoutMs))}`);
    let opened: Staging | null;
    try {
      opened = await begin(client);
    } catch (error) {
      if ((error as { code?: string }).code === '55P03') {
        throw new ApiError(409, 'upload_in_progress', 'The same file is being uploaded right now; retry later.', { 'retry-after': '30' });
      }
      throw error;
    }
    await client.query('set local lock_timeout = 0');
    if (!opened) {
      throw new ApiError(409, 'duplicate_upload', 'This file was already uploaded in the last 7 days.');
    }
    const { batchId, stagingTable, orgId } = opened;

    const hash = createHash('sha256');
    let bytes = 0;
    const tap: Transform = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        watch.onBytes(chunk.length);
        if (bytes > maxBytes) return done(new ApiError(413, 'payload_too_large', 'The file is larger than this endpoint accepts.'));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const watch = watchBody(tap, limits);
    watchdog = watch;
    const parser = new CsvRecords();
    const toCopy = new CsvToCopy();
    const columns = ['row_number', ...LEAD_COLUMNS, 'attributes'].join(', ');
    // The upload's own staging table, named by the database (an identifier it made).
    const target = `app_private.${client.escapeIdentifier(stagingTable)}`;
    const copy = client.query(copyFrom(`copy ${target} (${columns}) from stdin`)) as Writable & { rowCount: number };
    try {
      await pipeline(body, tap, parser, toCopy, copy);
      watch.stop();
    } catch (error) {
      // The COPY may be half-way: this connection is not reused.
      broken = true;
      if (error instanceof ApiError) throw error;
      const code = (error as { code?: string }).code ?? '';
      if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') throw new ApiError(400, 'invalid_payload', 'The upload was interrupted.');
      throw error;
    }
    if (hash.digest('hex') !== claimed) {
      throw new ApiError(400, 'content_hash_mismatch', 'The body does not match X-Content-SHA256.');
    }
    await client.query('select app_private.finish_lead_upload($1, $2, $3)', [batchId, copy.rowCount, bytes]);
    await client.query('commit');
    request.log.info({ org_id: orgId, batch_id: batchId, rows: toCopy.rows, bytes }, 'lead file received');
    return reply.code(202).send({ batch_id: batchId, status: 'queued' });
  } catch (error) {
    if (!broken) {
      try {
        await client.query('rollback');
      } catch {
        broken = true;
      }
    }
    throw error;
  } finally {
    watchdog?.stop();
    client.release(broken);
  }
}

function streamedBody(request: FastifyRequest): Readable {
  const body = request.body as Readable | undefined;
  if (!body || typeof (body as Readable).pipe !== 'function') {
    throw new ApiError(415, 'unsupported_media_type', 'Send the lead file as text/csv.');
  }
  return body;
}

function verificationProvider(request: FastifyRequest): string | null {
  const provider = request.headers['x-verification-provider'];
  return typeof provider === 'string' ? provider.slice(0, 100) : null;
}

export async function uploadRoutes(app: FastifyInstance, options: UploadOptions): Promise<void> {
  const maxBytes = options.maxBytes ?? Number(process.env.UPLOAD_MAX_BYTES ?? 2 * 1024 ** 3);
  const limits = options.limits ?? uploadLimitsFromEnv();
  // text/csv bodies are handed over as the raw stream: nothing is buffered. This parser is
  // registered inside this plugin only; every other route keeps the 256 KiB JSON limit.
  app.addContentTypeParser(['text/csv', 'application/csv'], (_request, payload, done) => done(null, payload));
  const tooLarge = (request: FastifyRequest) => {
    if (Number(request.headers['content-length'] ?? 0) > maxBytes) {
      throw new ApiError(413, 'payload_too_large', 'The file is larger than this endpoint accepts.');
    }
  };

  // Uploads in progress, gateway-wide and per uploader (a source, or an org's console):
  // a slot is taken before a connection is.
  let active = 0;
  const perUploader = new Map<string, number>();
  const admitted = async (uploader: string, receive: () => Promise<FastifyReply>): Promise<FastifyReply> => {
    if (active >= limits.maxConcurrent) {
      throw new ApiError(503, 'uploads_busy', 'Too many uploads are in progress; retry shortly.', { 'retry-after': '10' });
    }
    if ((perUploader.get(uploader) ?? 0) >= limits.maxPerSource) {
      throw new ApiError(429, 'rate_limited', 'Too many uploads for this source are in progress; retry shortly.', { 'retry-after': '10' });
    }
    active += 1;
    perUploader.set(uploader, (perUploader.get(uploader) ?? 0) + 1);
    try {
      return await receive();
    } finally {
      active -= 1;
      const left = (perUploader.get(uploader) ?? 1) - 1;
      if (left > 0) perUploader.set(uploader, left);
      else perUploader.delete(uploader);
    }
  };

  // Signed uploads (CONTRACT.md, csv sources): HMAC over the timestamp and the content hash.
  app.post<{ Params: { source_id: string } }>('/uploads/leads/:source_id', async (request, reply) => {
    const body = streamedBody(request);
    const { source_id } = request.params;
    const timestamp = String(request.headers['x-signature-timestamp'] ?? '');
    const claimed = String(request.headers['x-content-sha256'] ?? '').toLowerCase();
    const signature = String(request.headers['x-signature'] ?? '');
    if (!UUID.test(source_id) || !/^[0-9a-f]{64}$/.test(claimed)) throw invalidSignature();
    tooLarge(request);

    const { rows: creds } = await options.db.query<{ org_id: string; secrets: string[] }>(
      'select org_id, secrets from app_private.source_credentials($1, $2, $3)',
      [source_id, 'csv', options.encryptionKey],
    );
    if (creds.length === 0 || !verifyCsvSignature(creds[0].secrets, timestamp, claimed, signature)) throw invalidSignature();
    const orgId = creds[0].org_id;
    return admitted(`source:${source_id}`, () =>
      receiveLeadFile(options.uploadDb, limits, request, reply, body, claimed, maxBytes, async (client) => {
        const { rows } = await client.query<{ batch_id: string; staging_table: string }>(
          'select batch_id, staging_table from app_private.begin_lead_upload($1, $2, $3, $4)',
          [source_id, orgId, claimed, verificationProvider(request)],
        );
        return rows[0] ? { batchId: rows[0].batch_id, stagingTable: rows[0].staging_table, orgId } : null;
      }));
  });

  // Uploads from the console: the Bearer token of a live session of an owner or admin
  // authenticates (no HMAC). X-Content-SHA256 is still required: it is the 7-day duplicate
  // key, and the body must match it.
  if (options.tokens) {
    const tokens = options.tokens;
    app.post('/uploads/leads', async (request, reply) => {
      const claims = await bearerClaims(tokens, request.headers.authorization);
      const body = streamedBody(request);
      const claimed = String(request.headers['x-content-sha256'] ?? '').toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(claimed)) {
        throw new ApiError(400, 'content_hash_required', 'Send the hex SHA-256 of the file in X-Content-SHA256.');
      }
      tooLarge(request);
      return admitted(`org:${claims.org_id}`, () =>
        receiveLeadFile(options.uploadDb, limits, request, reply, body, claimed, maxBytes, async (client) => {
          try {
            const { rows } = await client.query<{ batch_id: string; staging_table: string; org_id: string }>(
              'select batch_id, staging_table, org_id from app_private.begin_session_lead_upload($1, $2, $3)',
              [claims.sid, claimed, verificationProvider(request)],
            );
            return rows[0] ? { batchId: rows[0].batch_id, stagingTable: rows[0].staging_table, orgId: rows[0].org_id } : null;
          } catch (error) {
            const code = (error as { code?: string }).code;
            if (code === '42501') throw new ApiError(403, 'forbidden', 'Only owners and admins upload lead files.');
            if (code === '28000') throw new ApiError(401, 'unauthorized', 'The session has ended.', { 'www-authenticate': 'Bearer error="invalid_token"' });
            throw error;
          }
        }));
    });
  }
}
