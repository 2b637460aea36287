/**
 * Identity part of `npm run bench -- rest`: what the PostgREST db-pre-request costs.
 *
 * The same authenticated list query (`GET /memberships`, RLS-filtered, 25 rows) is sent
 * to two PostgREST processes of the same binary and pool size against the same database:
 * the stack's own (db-pre-request = app_private.check_session: live session, current
 * role, org MFA requirement, quota) and a second one started here without the hook.
 * Short blocks (500 requests) alternate between them, each server measured alone, so
 * machine noise hits both alike; ratio = throughput with the hook ÷ without.
 *
 * Use from bench/rest.ts:
 *   import { measurePreRequest } from './rest-prerequest.ts';
 *   const identity = await measurePreRequest(ctx);           // starts the stack if needed
 *   → { prerequest_rps, no_hook_rps, prerequest_ratio, prerequest_p50_ms, …, lost }
 */
import { type ChildProcess, spawn } from 'node:child_process';
import pg from 'pg';
import type { BenchContext } from '../scripts/bench.ts';
import type { StackConfig } from '../lib/config.ts';
import { freePort, waitFor } from '../lib/ports.ts';
import { createPool } from '../lib/multihost.ts';
import { postgrestBinary, postgrestEnv } from '../scripts/lib/services.ts';
import { percentile, round, runLoad } from './lib/stats.ts';

export interface PreRequestOptions {
  /** Requests per round and target. */
  requestsPerRound?: number;
  rounds?: number;
  concurrency?: number;
  /** An already started stack (from ctx.startStack); started here when absent. */
  stack?: { gatewayUrl: string; postgrestUrl: string; config: StackConfig; env: NodeJS.ProcessEnv };
}

export async function measurePreRequest(ctx: BenchContext, options: PreRequestOptions = {}): Promise<Record<string, number>> {
  const requestsPerRound = options.requestsPerRound ?? 4000;
  const rounds = options.rounds ?? 3;
  const concurrency = options.concurrency ?? 16;
  const stack = options.stack ?? (await ctx.startStack());

  // One org with 25 members; the bench user is its owner.
  // A pool of one: the owner URL may name several hosts (the HA formation of BENCH_REST_REPLICA=1).
  const owner = createPool(stack.config.ownerUrl, { max: 1 });
  const email = `bench-${Date.now()}@prerequest.bench`;
  const password = 'bench password 1';
  const { rows } = await owner.query<{ org_id: string }>(
    'select org_id from app_private.create_organization($1, $2, $3)', ['Pre-request bench', email, password]);
  const orgId = rows[0].org_id;
  await owner.query(
    `select app_private.add_user($1::uuid, ('member-' || i || '-' || $2)::citext, $3::text, 'member'::text) from generate_series(1, 24) i`,
    [orgId, email, password]);
  await owner.end();

  const login = await fetch(`${stack.gatewayUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`bench login failed: ${login.status}`);
  const token = ((await login.json()) as { access_token: string }).access_token;

  // The same PostgREST, same settings, but no db-pre-request.
  const port = await freePort();
  const env: Record<string, string> = { ...postgrestEnv(stack.config, stack.env), PGRST_SERVER_PORT: String(port) };
  delete env.PGRST_DB_PRE_REQUEST;
  const bare: ChildProcess = spawn(postgrestBinary(), [], { env: { ...process.env, ...env }, stdio: 'ignore' });
  try {
    const bareUrl = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${bareUrl}/memberships`, { headers: { authorization: `Bearer ${token}` } }).catch(() => null))?.status === 200,
      'PostgREST without db-pre-request', 30_000);

    const query = '/memberships?select=user_id,role,created_at&order=created_at';
    const request = (base: string) => async () => {
      const res = await fetch(`${base}${query}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await res.json()) as unknown[];
      return res.status === 200 && body.length === 25 ? 200 : res.status === 200 ? 599 : res.status;
    };
    // Warm both (connection pools, schema cache, plan caches).
    for (const base of [stack.postgrestUrl, bareUrl]) {
      await runLoad(Array.from({ length: 500 }, () => request(base)), concurrency, (s) => s === 200);
    }

    // Short alternating blocks (each server alone while it is measured), so that whatever
    // else the machine does in the meantime hits both alike.
    const block = Math.min(500, requestsPerRound);
    const blocks = Math.max(1, Math.round((requestsPerRound * rounds) / block));
    const totals = {
      hook: { n: 0, seconds: 0, failed: 0, latencies: [] as number[] },
      bare: { n: 0, seconds: 0, failed: 0, latencies: [] as number[] },
    };
    for (let b = 0; b < blocks; b++) {
      const order: Array<['hook' | 'bare', string]> = b % 2 === 0
        ? [['hook', stack.postgrestUrl], ['bare', bareUrl]]
        : [['bare', bareUrl], ['hook', stack.postgrestUrl]];
      for (const [name, base] of order) {
        const result = await runLoad(Array.from({ length: block }, () => request(base)), concurrency, (s) => s === 200);
        const t = totals[name];
        t.n += result.ok + result.failed;
        t.seconds += result.seconds;
        t.failed += result.failed;
        t.latencies.push(...result.latenciesMs);
      }
      if ((b + 1) % 4 === 0 || b === blocks - 1) {
        ctx.log(`after ${b + 1}/${blocks} blocks: hook ${round(totals.hook.n / totals.hook.seconds)} req/s, no hook ${round(totals.bare.n / totals.bare.seconds)} req/s`);
      }
    }
    const rps = (t: typeof totals.hook) => t.n / t.seconds;
    for (const t of Object.values(totals)) t.latencies.sort((a, b) => a - b);
    return {
      prerequest_rps: round(rps(totals.hook), 0),
      no_hook_rps: round(rps(totals.bare), 0),
      prerequest_ratio: round(rps(totals.hook) / rps(totals.bare), 3),
      prerequest_p50_ms: round(percentile(totals.hook.latencies, 50)),
      prerequest_p99_ms: round(percentile(totals.hook.latencies, 99)),
      no_hook_p50_ms: round(percentile(totals.bare.latencies, 50)),
      no_hook_p99_ms: round(percentile(totals.bare.latencies, 99)),
      lost: totals.hook.failed + totals.bare.failed,
    };
  } finally {
    bare.kill('SIGTERM');
  }
}
