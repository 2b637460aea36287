import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface TapResult {
  file: string;
  passed: number;
  failed: number;
  ok: boolean;
  output: string;
}

/** Runs one pgTAP file through psql and checks every assertion and the plan. */
function runFile(psql: string, url: string, file: string): Promise<TapResult> {
  return new Promise((resolve) => {
    const child = spawn(psql, ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => {
      const lines = output.split('\n');
      const passed = lines.filter((l) => /^ok \d+/.test(l)).length;
      const failed = lines.filter((l) => /^not ok \d+/.test(l)).length;
      const plan = /^1\.\.(\d+)/m.exec(output);
      const planOk = plan !== null && Number(plan[1]) === passed + failed;
      resolve({ file, passed, failed, ok: code === 0 && failed === 0 && planOk, output });
    });
  });
}

export async function runPgtapSuite(psql: string, url: string, dir: string, parallel = 4): Promise<TapResult[]> {
  // PGTAP=<substring> runs only matching files (PGTAP=none skips them), for quick iteration.
  const only = process.env.PGTAP;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.test.sql') && (!only || f.includes(only)))
    .sort()
    .map((f) => join(dir, f));
  const results: TapResult[] = [];
  const queue = [...files];
  await Promise.all(
    Array.from({ length: Math.min(parallel, files.length) }, async () => {
      for (let file = queue.shift(); file; file = queue.shift()) results.push(await runFile(psql, url, file));
    }),
  );
  return results.sort((a, b) => a.file.localeCompare(b.file));
}
