import { createReadStream, createWriteStream, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { BenchContext, BenchResult } from '../scripts/bench.ts';
import { leadFile, signUpload } from './lead-file.ts';
import { sized } from './lib/stats.ts';

/**
 * npm run bench -- import
 * A signed CSV of IMPORT_ROWS rows (default 1,000,000; 10 % duplicates spread over the
 * three keys) uploaded through the gateway, timed from the first byte to "merge complete".
 * Baseline in the same run: plain COPY of the same file into an unindexed table (the
 * physical limit; the faster of one COPY before ours and one after). ratio = ours ÷ COPY. Also: the seeds' per-row upsert on a 20,000-row
 * sample. BENCH_SMOKE=1: 5,000 rows and a 1,000-row sample. lost = |leads − expected|.
 */
export default async function importBench(ctx: BenchContext): Promise<BenchResult> {
  const total = sized(1_000_000, 5_000, process.env.IMPORT_ROWS);
  const entities = Math.round(total / 1.1);
  const file = leadFile({ entities, dupRate: 0.1, prefix: 'B', seed: 1 });
  const path = join(tmpdir(), `switchboard-import-${process.pid}.csv`);
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  let chunk = '';
  for (const line of file.lines) {
    chunk += line;
    if (chunk.length > 1 << 20) {
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  hash.update(chunk);
  out.end(chunk);
  await new Promise<void>((r) => out.on('finish', () => r()));
  const sha = hash.digest('hex');
  const bytes = statSync(path).size;
  ctx.log(`file: ${file.rows} rows, ${(bytes / 1048576).toFixed(0)} MB, ${file.expectedLeads} distinct leads`);

  const owner = new pg.Pool({ connectionString: ctx.config.ownerUrl, max: 4 });
  try {
    // Baseline: COPY into an unindexed table with one text column per CSV column, timed
    // before ours and again after it, and the faster of the two kept (the physical limit: a
    // COPY takes 2–4 s, and on a shared machine one short sample could land in a slow minute
    // as easily as a fast one).
    const copyBaseline = async () => {
      await owner.query(`create table public.bench_copy (${Array.from({ length: 20 }, (_, i) => `c${i} text`).join(', ')})`);
      const client = await owner.connect();
      const started = performance.now();
      try {
        await pipeline(createReadStream(path), client.query(copyFrom('copy public.bench_copy from stdin with (format csv, header true)')));
      } finally {
        client.release();
      }
      const seconds = (performance.now() - started) / 1000;
      await owner.query('drop table public.bench_copy');
      ctx.log(`COPY baseline: ${seconds.toFixed(2)} s, ${Math.round(file.rows / seconds)} rows/s`);
      return seconds;
    };
    let copySeconds = await copyBaseline();
    let t: number;

    // Ours: signed upload through the gateway, then the worker's merge.
    const stack = await ctx.startStack();
    const { rows: orgRows } = await owner.query<{ id: string }>("insert into app_public.organizations (name) values ('Import bench') returning id");
    const orgId = orgRows[0].id;
    const { rows: src } = await owner.query<{ source_id: string; secret: string }>(
      "select * from app_private.create_source($1, 'csv', 'bench', $2)", [orgId, ctx.env.ENCRYPTION_KEY]);
    t = performance.now();
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${stack.gatewayUrl}/uploads/leads/${src[0].source_id}`, {
        method: 'POST', headers: { ...signUpload(src[0].secret, sha), 'content-length': String(bytes) },
      }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      createReadStream(path).pipe(req);
    });
    if (status !== 202) throw new Error(`upload answered ${status}: ${body}`);
    const uploadSeconds = (performance.now() - t) / 1000;
    const batchId = (JSON.parse(body) as { batch_id: string }).batch_id;
    for (;;) {
      const { rows } = await owner.query<{ status: string; error: string | null }>('select status, error from app_public.lead_import_batches where id = $1', [batchId]);
      if (rows[0].status === 'merged') break;
      if (rows[0].status === 'failed') throw new Error(`merge failed: ${rows[0].error}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const oursSeconds = (performance.now() - t) / 1000;
    const oursRate = file.rows / oursSeconds;
    const { rows: counted } = await owner.query<{ n: string }>('select count(*) as n from app_public.leads where org_id = $1', [orgId]);
    const lost = Math.abs(Number(counted[0].n) - file.expectedLeads);
    ctx.log(`ours: upload ${uploadSeconds.toFixed(2)} s, upload→merged ${oursSeconds.toFixed(2)} s, ${Math.round(oursRate)} rows/s, leads ${counted[0].n}`);
    await ctx.stopStack();
    copySeconds = Math.min(copySeconds, await copyBaseline());
    const copyRate = file.rows / copySeconds;

    // The seeds' approach: one upsert per row on a single key, 20,000-row sample.
    const sample = leadFile({ entities: sized(18_182, 500), dupRate: 0.1, prefix: 'U', seed: 2 });
    await owner.query('create table public.bench_upsert (key text primary key, first_name text, last_name text, email text, phone text, address text, zip text, updated_at timestamptz)');
    const one = await owner.connect();
    let n = 0;
    t = performance.now();
    for (const line of sample.lines) {
      if (n++ === 0) continue;
      const f = line.trimEnd().split(',');
      await one.query(
        `insert into public.bench_upsert (key, first_name, last_name, email, phone, address, zip, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, now())
         on conflict (key) do update set first_name = excluded.first_name, last_name = excluded.last_name, email = excluded.email,
           phone = excluded.phone, address = excluded.address, zip = excluded.zip, updated_at = now()`,
        [f[10] || f[9] || f[4] || `row${n}`, f[0], f[1], f[2], f[3], f[4], f[7]]);
    }
    const upsertRate = (n - 1) / ((performance.now() - t) / 1000);
    one.release();
    await owner.query('drop table public.bench_upsert');

    return {
      rows: file.rows,
      mb: Math.round(bytes / 1048576),
      copy_rows_per_s: Math.round(copyRate),
      import_rows_per_s: Math.round(oursRate),
      upload_s: Number(uploadSeconds.toFixed(2)),
      total_s: Number(oursSeconds.toFixed(2)),
      upsert_rows_per_s: Math.round(upsertRate),
      ratio: Number((oursRate / copyRate).toFixed(3)),
      lost,
    };
  } finally {
    await owner.end();
    rmSync(path, { force: true });
  }
}
