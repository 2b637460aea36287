import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Installs a missing Debian/Ubuntu package when we are root and apt is there;
 * otherwise stops with the exact command to run.
 */
export function ensureOsPackage(pkg: string, why: string): void {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error(`${why} is missing. Install it with:\n  sudo apt-get update && sudo apt-get install -y ${pkg}`);
  }
  console.log(`Installing ${pkg} (${why}) with apt-get…`);
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', pkg]]) {
    const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed; install ${pkg} by hand`);
  }
}
