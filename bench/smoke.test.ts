import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/paths.ts';
import { available } from '../scripts/lib/bench-harness.ts';

/**
 * Every bench and drill in smoke mode (BENCH_SMOKE=1: small sizes): correctness only —
 * the closing line has the contract's shape and nothing was lost. No timing assertions.
 */
function runHarness(kind: 'bench' | 'drill', name: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts/bench.ts'), kind, name], {
      cwd: projectRoot,
      env: { ...process.env, BENCH_SMOKE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

for (const kind of ['bench', 'drill'] as const) {
  describe(`${kind} smoke runs`, () => {
    for (const name of available(kind)) {
      it(`${kind} ${name} prints its closing line with lost=0`, async () => {
        const { code, output } = await runHarness(kind, name);
        const line = output.split('\n').find((l) => l.startsWith(`${kind} ${name}: `));
        expect(line, output.slice(-3000)).toBeDefined();
        expect(line).toMatch(/ lost=0( |$)/);
        if (kind === 'bench') expect(line).toMatch(/ ratio=\d+(\.\d+)?( |$)/);
        // The HA failover drill (pg_auto_failover, kill -9 of the primary's postmaster).
        if (name === 'failover') expect(line).toMatch(/ counters_exact=true rejoined=true lost=0$/);
        expect(code, output.slice(-3000)).toBe(0);
      }, 300_000);
    }
  });
}
