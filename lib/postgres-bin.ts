import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Finds the PostgreSQL server binaries: pg_config first, then /usr/lib/postgresql/<newest>/bin. */
export function postgresBinDir(): string | undefined {
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (existsSync(join(dir, 'initdb'))) return dir;
  } catch {
    /* no pg_config on PATH */
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb')));
  majors.sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0], 'bin') : undefined;
}

export function postgresMajor(bin: string): number {
  const out = execFileSync(join(bin, 'pg_ctl'), ['--version'], { encoding: 'utf8' });
  return Number(/(\d+)/.exec(out)?.[1]);
}
