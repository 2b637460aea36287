import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds used per program name (utime + stime of every live process, from /proc), so a
 * bench can say where the machine's time went during its measured window. Linux only; an
 * empty map elsewhere. Processes that exit inside the window are not counted.
 */
export function cpuByProgram(): Map<string, number> {
  const totals = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return totals;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close).replace(/:.*$/, '');
      const fields = stat.slice(close + 2).split(' ');
      // Fields 14 and 15 of stat (utime, stime), counted after the ")" from field 3.
      const ticks = Number(fields[11]) + Number(fields[12]);
      totals.set(name, (totals.get(name) ?? 0) + ticks / 100);
    } catch {
      /* the process exited meanwhile */
    }
  }
  return totals;
}

/** "postgres 61% · postgrest 48% · …": share of one core per program between two snapshots. */
export function cpuShare(before: Map<string, number>, after: Map<string, number>, seconds: number, top = 6): string {
  return [...after]
    .map(([name, s]) => [name, (s - (before.get(name) ?? 0)) / seconds] as const)
    .filter(([, share]) => share > 0.01)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, share]) => `${name} ${Math.round(share * 100)}%`)
    .join(' · ');
}
