import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postgresBinDir } from '../../lib/postgres-bin.ts';
import { ensureOsPackages } from './os-packages.ts';

export function requirePostgres(): string {
  let bin = postgresBinDir();
  if (!bin) {
    ensureOsPackages('start');
    bin = postgresBinDir();
  }
  if (!bin) throw new Error('PostgreSQL binaries not found even after installing postgresql');
  return bin;
}

export const isRoot = () => process.getuid?.() === 0;

/** initdb refuses root, so as root the cluster belongs to and runs as the postgres OS user. */
export function asOwner(command: string, args: string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

function runAsOwner(command: string, args: string[]): void {
  const result = spawnSync(...asOwner(command, args), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) {
    throw new Error(`${command} ${args[0] ?? ''} failed: ${(result.stderr || result.stdout || '').trim()}`);
  }
}

export function giveToPostgres(path: string): void {
  if (!isRoot()) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(path, uid, gid);
}

export interface ClusterOptions {
  dataDir: string;
  port: number;
  superuserPassword: string;
  /** Throwaway test clusters trade durability for speed; never set for real data. */
  ephemeral?: boolean;
}

/** Whether the postgres OS user can reach a directory (a root-owned home is often 0700). */
export function postgresCanReach(dir: string): boolean {
  if (!isRoot()) return true;
  return spawnSync('runuser', ['-u', 'postgres', '--', 'test', '-x', dir], { stdio: 'ignore' }).status === 0;
}

/** Where clusters live whose data directory the postgres OS user cannot reach (a root-owned home is often 0700). */
const FALLBACK_ROOT = '/var/lib/postgresql/switchboard';

/**
 * A project-local PostgreSQL cluster. As root it belongs to the postgres OS user; the only
 * things ever given to postgres are the data directory itself (`.data/`, or a throwaway
 * test directory) and what lies inside it, or the fallback under /var/lib/postgresql:
 * never the checkout, the home or any other parent (git refuses a checkout owned by
 * someone else, and other tools with it).
 */
export class LocalCluster {
  readonly bin = requirePostgres();
  /** Where PostgreSQL's files live: dataDir, or, when postgres cannot reach it, a stable spot under /var/lib/postgresql. */
  readonly clusterDir: string;

  constructor(readonly options: ClusterOptions) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    giveToPostgres(options.dataDir);
    this.clusterDir = postgresCanReach(options.dataDir)
      ? options.dataDir
      : join(FALLBACK_ROOT, createHash('sha256').update(options.dataDir).digest('hex').slice(0, 16));
  }

  get pgdata(): string {
    return join(this.clusterDir, 'pg');
  }

  get logFile(): string {
    return join(this.clusterDir, 'postgres.log');
  }

  isInitialized(): boolean {
    return existsSync(join(this.pgdata, 'PG_VERSION'));
  }

  init(): void {
    const { port, superuserPassword, ephemeral } = this.options;
    if (this.clusterDir !== this.options.dataDir && !existsSync(FALLBACK_ROOT)) {
      // /var/lib/postgresql is the postgres user's home (the postgresql package makes it).
      mkdirSync(FALLBACK_ROOT, { recursive: true, mode: 0o755 });
      giveToPostgres(FALLBACK_ROOT);
    }
    mkdirSync(this.clusterDir, { recursive: true, mode: 0o700 });
    giveToPostgres(this.clusterDir);
    const pwfile = join(this.clusterDir, '.pwfile');
    writeFileSync(pwfile, superuserPassword + '\n', { mode: 0o600 });
    giveToPostgres(pwfile);
    try {
      runAsOwner(join(this.bin, 'initdb'), [
        '-D', this.pgdata, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`,
        '--encoding=UTF8', '--locale=C.UTF-8',
      ]);
    } finally {
      rmSync(pwfile, { force: true });
    }
    const settings = [
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${this.pgdata}'`,
      'max_connections = 300',
      'shared_buffers = 256MB',
      ...(ephemeral ? ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off'] : []),
    ];
    writeFileSync(join(this.pgdata, 'switchboard.conf'), settings.join('\n') + '\n');
    giveToPostgres(join(this.pgdata, 'switchboard.conf'));
    appendFileSync(join(this.pgdata, 'postgresql.conf'), "\ninclude 'switchboard.conf'\n");
  }

  isRunning(): boolean {
    const status = spawnSync(...asOwner(join(this.bin, 'pg_ctl'), ['status', '-D', this.pgdata]), { stdio: 'ignore' });
    return status.status === 0;
  }

  start(): void {
    if (!this.isInitialized()) this.init();
    if (this.isRunning()) return;
    if (!existsSync(this.logFile)) {
      writeFileSync(this.logFile, '');
      giveToPostgres(this.logFile);
    }
    runAsOwner(join(this.bin, 'pg_ctl'), ['start', '-D', this.pgdata, '-l', this.logFile, '-w', '-t', '60']);
  }

  stop(): void {
    if (!this.isRunning()) return;
    runAsOwner(join(this.bin, 'pg_ctl'), ['stop', '-D', this.pgdata, '-m', 'fast', '-w', '-t', '60']);
  }

  /** A fast restart without blocking the event loop (drills): active transactions abort, committed ones survive. */
  restart(): Promise<void> {
    const [cmd, argv] = asOwner(join(this.bin, 'pg_ctl'), ['restart', '-D', this.pgdata, '-m', 'fast', '-w', '-t', '60', '-l', this.logFile]);
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, argv, { stdio: 'ignore' });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctl restart exited ${code}`))));
    });
  }

  destroy(): void {
    this.stop();
    rmSync(this.clusterDir, { recursive: true, force: true });
    rmSync(this.options.dataDir, { recursive: true, force: true });
  }
}
