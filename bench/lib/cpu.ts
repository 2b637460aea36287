import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds (utime + stime) used so far by each live process, by pid, with its program name. */
export type CpuSnapshot = Map<number, { name: string; seconds: number; parent: number }>;

/**
 * A snapshot of every live process's CPU time (from /proc), so a bench can say where the
 * machine's time went during its measured window. Linux only; empty elsewhere.
 */
export function cpuByProgram(): CpuSnapshot {
  const snapshot: CpuSnapshot = new Map();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return snapshot;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // The parent is field 4 of stat, utime and stime fields 14 and 15; fields[] starts at field 3.
      snapshot.set(Number(pid), { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100, parent: Number(fields[1]) });
    } catch {
      /* the process exited meanwhile */
    }
  }
  return snapshot;
}

/**
 * "postgres 61% · postgrest 48% · …": each program's share of one core between two
 * snapshots, over the processes alive at the end (one that exited in between is not counted;
 * one started in between counts whole).
 */
export function cpuShare(before: CpuSnapshot, after: CpuSnapshot, seconds: number, top = 6): string {
  const used = new Map<string, number>();
  for (const [pid, { name, seconds: total }] of after) {
    const earlier = before.get(pid);
    // A kernel worker renames itself after its current queue: not one program, skipped.
    if (earlier && earlier.name !== name) continue;
    used.set(name, (used.get(name) ?? 0) + total - (earlier?.seconds ?? 0));
  }
  return [...used]
    .map(([name, s]) => [name, s / seconds] as const)
    .filter(([, share]) => share > 0.01)
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, share]) => `${name} ${Math.round(share * 100)}%`)
    .join(' · ');
}

/** A snapshot of the CPU seconds of each process under the named roots (e.g. a postmaster and its backends), by pid. */
export type TreeSnapshot = Map<number, { tree: string; seconds: number }>;

/**
 * The processes of each named tree and their CPU so far: unlike cpuByProgram, other work on a
 * shared machine is not mixed in. Compare two with treeCpu.
 */
export function cpuOfTrees(roots: Record<string, number | undefined>): TreeSnapshot {
  const processes = cpuByProgram();
  const treeOf = (pid: number): string | undefined => {
    for (let p: number | undefined = pid, depth = 0; p && depth < 20; p = processes.get(p)?.parent, depth++) {
      for (const [name, root] of Object.entries(roots)) if (root === p) return name;
    }
    return undefined;
  };
  const snapshot: TreeSnapshot = new Map();
  for (const [pid, { seconds }] of processes) {
    const tree = treeOf(pid);
    if (tree) snapshot.set(pid, { tree, seconds });
  }
  return snapshot;
}

/** CPU seconds each tree used between two snapshots (a process that exited in between is not counted). */
export function treeCpu(before: TreeSnapshot, after: TreeSnapshot): Record<string, number> {
  const used: Record<string, number> = {};
  for (const [pid, { tree, seconds }] of after) used[tree] = (used[tree] ?? 0) + seconds - (before.get(pid)?.seconds ?? 0);
  return used;
}
