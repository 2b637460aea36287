/** Small helpers shared by the benchmarks. */

export function percentile(sortedMs: number[], p: number): number {
  if (!sortedMs.length) return 0;
  const index = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[index];
}

export const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export interface LoadResult {
  ok: number;
  failed: number;
  /** Count per HTTP status (0: the request itself failed). */
  statuses: Record<number, number>;
  seconds: number;
  perSecond: number;
  latenciesMs: number[];
}

/** Sends every request with at most `concurrency` in flight; counts the statuses `ok` accepts. */
export async function runLoad(
  requests: Array<() => Promise<number>>,
  concurrency: number,
  ok: (status: number) => boolean,
  onProgress?: (done: number) => void,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let good = 0;
  let bad = 0;
  const statuses: Record<number, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const request = requests[next++];
        const t0 = performance.now();
        const status = await request().catch(() => 0);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (ok(status)) good++;
        else bad++;
        if (onProgress && (good + bad) % 2000 === 0) onProgress(good + bad);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { ok: good, failed: bad, statuses, seconds, perSecond: requests.length / seconds, latenciesMs: latencies };
}

/** The full size, or the small one under BENCH_SMOKE=1 (CI checks correctness, not speed). */
export function sized(full: number, smoke: number, override?: string): number {
  if (override) return Number(override);
  return process.env.BENCH_SMOKE ? smoke : full;
}
