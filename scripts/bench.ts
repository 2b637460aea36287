import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kind, available, run } from './lib/bench-harness.ts';
import { projectRoot } from '../lib/paths.ts';

export type { Bench, BenchContext, BenchResult } from './lib/bench-harness.ts';

/** npm run bench -- <name>|all, npm run drill -- <name>|all: prints each closing line, exits non-zero on loss. */
const kind = (process.argv[2] === 'drill' ? 'drill' : 'bench') as Kind;
const requested = process.argv[3];
const names = available(kind);
if (!requested || (requested !== 'all' && !names.includes(requested))) {
  console.error(`usage: npm run ${kind} -- <${[...names, 'all'].join('|')}>`);
  process.exit(64);
}
// Benches that have a longer full-run variant (rest: 5 minutes) use it under `all`.
if (requested === 'all') process.env.BENCH_ALL = '1';
let failed = false;
for (const name of requested === 'all' ? names : [requested]) {
  try {
    const result = await run(kind, name);
    const line = `${kind} ${name}: ${Object.entries(result).map(([k, v]) => `${k}=${v}`).join(' ')}`;
    console.log(line);
    mkdirSync(join(projectRoot, 'bench/results'), { recursive: true });
    const record = { kind, name, at: new Date().toISOString(), smoke: Boolean(process.env.BENCH_SMOKE), result, line };
    writeFileSync(join(projectRoot, 'bench/results', `${kind}-${name}-${Date.now()}.json`), JSON.stringify(record, null, 2));
    if (result.lost === undefined || Number(result.lost) !== 0) failed = true;
  } catch (error) {
    failed = true;
    console.error(`${kind} ${name}: failed: ${(error as Error).stack ?? error}`);
  }
}
process.exit(failed ? 1 : 0);
