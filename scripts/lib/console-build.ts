import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { consoleDir, consoleDist } from '../../lib/paths.ts';

export { consoleDir, consoleDist };

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

/** True when console/dist is missing or older than any source file. */
export function consoleBuildIsStale(): boolean {
  const index = join(consoleDist, 'index.html');
  if (!existsSync(index)) return true;
  const sources = ['index.html', 'src', 'tsconfig.json'].map((p) => join(consoleDir, p)).filter((p) => existsSync(p));
  return Math.max(...sources.map(newestSource)) > statSync(index).mtimeMs;
}

export async function buildConsole(): Promise<void> {
  const { build } = await import('vite');
  await build({
    root: consoleDir,
    configFile: false,
    logLevel: 'warn',
    base: '/',
    build: { outDir: consoleDist, emptyOutDir: true, sourcemap: false, target: 'es2022' },
  });
}

/** Builds the console when its build is missing or stale; returns whether it built. */
export async function ensureConsoleBuilt(): Promise<boolean> {
  if (!consoleBuildIsStale()) return false;
  await buildConsole();
  return true;
}
