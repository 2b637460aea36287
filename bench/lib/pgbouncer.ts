import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../lib/ports.ts';

/**
 * A throwaway PgBouncer in transaction mode in front of a bench cluster, when the machine has
 * one (Debian: `apt-get install pgbouncer`). PgBouncer refuses to run as root, so as root it
 * runs as the postgres OS user, like the cluster. Settings mirror db/pgbouncer/pgbouncer.ini.
 */
export interface PgBouncer {
  /** `url` with its host and port pointed at PgBouncer. */
  through(url: string): string;
  stop(): Promise<void>;
}

const BINARIES = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'];

export function pgbouncerBinary(): string | undefined {
  return BINARIES.find((b) => existsSync(b));
}

export async function startPgBouncer(serverUrl: string, users: Record<string, string>, poolSize = 20): Promise<PgBouncer | undefined> {
  const binary = pgbouncerBinary();
  if (!binary) return undefined;
  const server = new URL(serverUrl);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pgbouncer-'));
  const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
  writeFileSync(join(dir, 'userlist.txt'), Object.entries(users).map(([u, p]) => `${quote(u)} ${quote(p)}`).join('\n') + '\n');
  writeFileSync(join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `* = host=${server.hostname} port=${server.port} pool_mode=transaction`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    "unix_socket_dir = ''",
    'auth_type = scram-sha-256',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    'max_client_conn = 2000',
    `default_pool_size = ${poolSize}`,
    'ignore_startup_parameters = extra_float_digits,options,application_name',
    '',
  ].join('\n'));
  const root = process.getuid?.() === 0;
  if (root) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    for (const f of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, f), id('-u'), id('-g'));
  }
  const [command, args] = root ? ['runuser', ['-u', 'postgres', '--', binary, join(dir, 'pgbouncer.ini')]] : [binary, [join(dir, 'pgbouncer.ini')]];
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr += d));
  await waitForPort(port, child, () => stderr);
  return {
    through(url) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        // runuser forwards SIGTERM to PgBouncer.
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const { connect } = await import('node:net');
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited: ${stderr().trim()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('pgbouncer did not start listening');
}
