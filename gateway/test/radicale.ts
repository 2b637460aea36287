import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureOsPackage } from '../../scripts/lib/os-packages.ts';
import { freePort, waitFor } from '../../lib/ports.ts';

/**
 * A real CalDAV server for the calendar tests: Debian's `radicale` (installed with apt-get
 * when missing and running as root, else the exact command is printed), on a free loopback
 * port, with a throwaway storage folder and htpasswd authentication.
 */
export interface Radicale {
  url: string;
  user: string;
  password: string;
  /** Creates a calendar collection and returns its URL (with a trailing slash). */
  makeCalendar(name: string): Promise<string>;
  auth(password?: string): Record<string, string>;
  stop(): void;
}

export async function startRadicale(): Promise<Radicale> {
  if (spawnSync('radicale', ['--version']).error) ensureOsPackage('radicale', 'Radicale (the CalDAV server of the calendar tests)');
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-radicale-'));
  const port = await freePort();
  const user = 'closer';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'users'), `${user}:${password}\n`);
  writeFileSync(join(dir, 'config'), [
    '[server]', `hosts = 127.0.0.1:${port}`,
    '[auth]', 'type = htpasswd', `htpasswd_filename = ${join(dir, 'users')}`, 'htpasswd_encryption = plain', 'delay = 0',
    '[storage]', `filesystem_folder = ${join(dir, 'collections')}`,
    '[rights]', 'type = owner_only',
    '[logging]', 'level = warning',
  ].join('\n'));
  const child: ChildProcess = spawn('radicale', ['--config', join(dir, 'config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr += String(c);
  });
  const url = `http://127.0.0.1:${port}`;
  const auth = (pw = password) => ({ authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`radicale exited: ${stderr}`);
      try {
        const res = await fetch(`${url}/.web/`);
        return res.status < 500;
      } catch {
        return false;
      }
    }, 'radicale', 20_000);
  } catch (error) {
    child.kill();
    throw error;
  }
  return {
    url,
    user,
    password,
    auth,
    async makeCalendar(name: string) {
      const href = `${url}/${user}/${name}/`;
      const res = await fetch(href, { method: 'MKCALENDAR', headers: auth() });
      if (res.status !== 201) throw new Error(`MKCALENDAR ${href}: ${res.status} ${await res.text()}`);
      return href;
    },
    stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
