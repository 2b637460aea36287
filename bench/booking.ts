import pg from 'pg';
import type { BenchContext, BenchResult } from '../scripts/bench.ts';

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/**
 * booking: app_public.book_appointment (validation, per-hour advisory lock, exclusion
 * constraint, idempotency index, pipeline event) from 32 connections, each acting as a
 * member the way PostgREST does (role authenticated + JWT claims):
 *   - 10,000 bookings over distinct 30-minute slots on 8 resources;
 *   - 1,000 bookings racing for one slot (exactly one may win).
 * Baseline in the same run: plain INSERTs of the same 10,000 rows into a table without
 * the constraint (and the 1,000 racers, which it happily double-books).
 * double_booked = overlapping live bookings in ours + race winners beyond one (must be 0);
 * lost = distinct-slot bookings that did not end up stored exactly once (must be 0).
 */
export default async function booking(ctx: BenchContext): Promise<BenchResult> {
  const smoke = process.env.BENCH_SMOKE === '1';
  const total = Number(process.env.BENCH_BOOKINGS ?? (smoke ? 800 : 10_000));
  const racers = Number(process.env.BENCH_BOOKING_RACERS ?? (smoke ? 100 : 1_000));
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
  const resources = 8;

  const owner = new pg.Pool({ connectionString: ctx.config.ownerUrl, max: 2 });
  const { rows: [org] } = await owner.query(
    "select org_id, user_id from app_private.create_organization('Bench', 'booking-bench@example.test', 'bench password', 'UTC')",
  );
  const { rows: res } = await owner.query<{ id: string }>(
    `insert into app_public.resources (org_id, name) select $1, 'Resource ' || i from generate_series(1, $2) i returning id`,
    [org.org_id, resources],
  );
  await owner.query(`
    create table public.bench_plain_appointments (
      org_id uuid not null, id uuid not null default gen_random_uuid(), resource_id uuid not null,
      contact_id uuid, starts_at timestamptz not null, ends_at timestamptz not null,
      status text not null default 'booked', created_at timestamptz not null default now(),
      primary key (org_id, id))`);

  const claims = JSON.stringify({ role: 'authenticated', sub: org.user_id, org_id: org.org_id, org_role: 'member' });
  // PostgREST's login role, switched to authenticated as PostgREST does.
  const pool = new pg.Pool({ connectionString: ctx.config.authenticatorUrl, max: connections });
  pool.on('connect', (client) => {
    void client.query(`set role authenticated; select set_config('request.jwt.claims', '${claims.replace(/'/g, "''")}', false)`);
  });
  // Open every connection before timing.
  await Promise.all(Array.from({ length: connections }, async () => (await pool.connect()).release()));
  const plainPool = new pg.Pool({ connectionString: ctx.config.ownerUrl, max: connections });
  await Promise.all(Array.from({ length: connections }, async () => (await plainPool.connect()).release()));
  // An idle client cut off by the cluster's shutdown after the run must not crash the
  // whole `bench all` (an unhandled pool 'error' event does).
  for (const p of [owner, pool, plainPool]) p.on('error', () => {});

  const base = Date.UTC(2031, 0, 6, 0, 0, 0);
  const perResource = Math.ceil(total / resources);
  const slot = (i: number) => {
    // Resource i % 8; its slots visited in a scattered order (7919 is prime, so this is a
    // permutation), as bookings for many days arrive at once in practice.
    const n = (Math.floor(i / resources) * 7919) % perResource;
    const start = new Date(base + n * 30 * 60_000);
    return { resource: res[i % resources].id, starts: start.toISOString(), ends: new Date(start.getTime() + 30 * 60_000).toISOString() };
  };

  async function drive(count: number, one: (i: number) => Promise<boolean>) {
    let next = 0;
    let ok = 0;
    let refused = 0;
    let errors = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (next < count) {
          const i = next++;
          try {
            if (await one(i)) ok++;
            else refused++;
          } catch {
            errors++;
          }
        }
      }),
    );
    return { ok, refused, errors, seconds: (performance.now() - t0) / 1000 };
  }

  const book = (s: ReturnType<typeof slot>) =>
    pool
      .query('select id from app_public.book_appointment($1, $2, null, $3)', [s.starts, s.ends, s.resource])
      .then(() => true)
      .catch((error: { code?: string }) => {
        if (error.code === 'PT409') return false;
        throw error;
      });
  const plain = (s: ReturnType<typeof slot>) =>
    plainPool
      .query('insert into public.bench_plain_appointments (org_id, resource_id, starts_at, ends_at) values ($1, $2, $3, $4)', [
        org.org_id,
        s.resource,
        s.starts,
        s.ends,
      ])
      .then(() => true);

  try {
    // Alternating rounds, so drift in machine load affects both sides alike.
    const rounds = 4;
    const per = Math.ceil(total / rounds);
    const baseRun = { ok: 0, refused: 0, errors: 0, seconds: 0 };
    const ourRun = { ok: 0, refused: 0, errors: 0, seconds: 0 };
    for (let r = 0; r < rounds; r++) {
      const from = r * per;
      const count = Math.min(per, total - from);
      const b = await drive(count, (i) => plain(slot(from + i)));
      const o = await drive(count, (i) => book(slot(from + i)));
      for (const [acc, run] of [[baseRun, b], [ourRun, o]] as const) {
        acc.ok += run.ok;
        acc.refused += run.refused;
        acc.errors += run.errors;
        acc.seconds += run.seconds;
      }
      ctx.log(`round ${r + 1}/${rounds}: plain ${round(count / b.seconds, 0)}/s, bookings ${round(count / o.seconds, 0)}/s`);
    }
    const raceSlot = { resource: res[0].id, starts: new Date(base - 24 * 3600_000).toISOString(), ends: new Date(base - 23.5 * 3600_000).toISOString() };
    ctx.log(`race: ${racers} bookings for one slot from ${connections} connections`);
    const race = await drive(racers, () => book(raceSlot));
    const baseRace = await drive(racers, () => plain(raceSlot));

    const { rows: [check] } = await owner.query(
      `select
         (select count(*)::int from app_public.appointments a join app_public.appointments b
             on a.org_id = b.org_id and a.resource_id = b.resource_id and a.id < b.id and a.blocked && b.blocked
          where a.org_id = $1 and a.status <> 'cancelled' and b.status <> 'cancelled') as overlaps,
         (select count(*)::int from app_public.appointments where org_id = $1 and starts_at >= $2) as stored,
         (select count(*)::int from public.bench_plain_appointments where starts_at < $2) as baseline_race_rows`,
      [org.org_id, new Date(base).toISOString()],
    );
    const bookingsPerS = total / ourRun.seconds;
    const baselinePerS = total / baseRun.seconds;
    return {
      bookings_per_s: round(bookingsPerS, 0),
      baseline_per_s: round(baselinePerS, 0),
      ratio: round(bookingsPerS / baselinePerS, 2),
      race_winners: race.ok,
      race_conflicts: race.refused,
      race_errors: race.errors,
      baseline_race_rows: check.baseline_race_rows,
      double_booked: check.overlaps + Math.max(0, race.ok - 1),
      errors: ourRun.errors + race.errors,
      lost: Math.abs(total - check.stored) + ourRun.refused + ourRun.errors + (race.ok === 1 ? 0 : 1),
    };
  } finally {
    await pool.end();
    await plainPool.end();
    await owner.end();
  }
}
