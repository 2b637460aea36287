import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { postgresMajor } from '../../lib/postgres-bin.ts';
import { asOwner, giveToPostgres, postgresCanReach, requirePostgres } from './cluster.ts';
import { formatDbUrl, parseDbUrl } from '../../lib/multihost.ts';
import { ensureOsPackage } from './os-packages.ts';
import { waitFor } from '../../lib/ports.ts';

/**
 * The local high-availability topology on pg_auto_failover (Debian's
 * postgresql-<major>-auto-failover and pg-auto-failover-cli): one monitor and two data nodes
 * in `.data/ha/`, synchronous replication between the nodes (replication quorum: a commit is
 * acknowledged once the standby holds it, while the standby is healthy), each node supervised
 * by its own `pg_autoctl run`. pg_autoctl refuses root, so as root everything runs as the
 * postgres OS user, like the single local cluster.
 *
 * The formation survives restarts: a second start runs the same monitor and nodes again,
 * whichever of them is primary by then.
 */
export interface HaOptions {
  dataDir: string;
  monitorPort: number;
  nodePorts: [number, number];
  superuserPassword: string;
  /** Throwaway formations (drills, tests) use a temporary dataDir; nothing else changes. */
  quiet?: boolean;
}

export interface NodeState {
  name: string;
  port: number;
  reported: string;
  assigned: string;
  health: number;
}

const NODE_NAMES = ['node1', 'node2'] as const;
const SOCKET_DIR = '/var/run/postgresql';

export function haPackages(major: number): Array<[string, string]> {
  return [
    [`postgresql-${major}-auto-failover`, 'the pg_auto_failover extension for the HA monitor'],
    ['pg-auto-failover-cli', 'pg_autoctl, which runs the HA monitor and nodes'],
  ];
}

/** Installs pg_auto_failover when missing (as root with apt; otherwise says the exact command). */
export function requireAutoFailover(bin: string): void {
  const major = postgresMajor(bin);
  const control = `/usr/share/postgresql/${major}/extension/pgautofailover.control`;
  const cli = ['/usr/bin/pg_autoctl', join(bin, 'pg_autoctl')].some((p) => existsSync(p));
  const [[extPkg, extWhy], [cliPkg, cliWhy]] = haPackages(major);
  if (!existsSync(control)) ensureOsPackage(extPkg, extWhy);
  if (!cli) ensureOsPackage(cliPkg, cliWhy);
}

export class HaFormation {
  readonly bin = requirePostgres();
  /** Where the formation's files live: dataDir, or a stable spot under /var/lib/postgresql when postgres cannot reach it. */
  readonly root: string;
  private readonly children = new Map<string, ChildProcess>();

  constructor(readonly options: HaOptions) {
    requireAutoFailover(this.bin);
    // .data/ belongs to postgres, as the single local cluster makes it.
    if (!existsSync(dirname(options.dataDir))) {
      mkdirSync(dirname(options.dataDir), { recursive: true, mode: 0o700 });
      giveToPostgres(dirname(options.dataDir));
    }
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    giveToPostgres(options.dataDir);
    this.root = postgresCanReach(options.dataDir)
      ? options.dataDir
      : join('/var/lib/postgresql/switchboard', createHash('sha256').update(options.dataDir).digest('hex').slice(0, 16), 'ha');
    this.mkdir(this.root);
    this.mkdir(join(this.root, 'xdg'));
  }

  private mkdir(dir: string): void {
    if (!existsSync(dirname(dir))) this.mkdir(dirname(dir));
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    giveToPostgres(dir);
  }

  pgdata(name: string): string {
    return join(this.root, name);
  }

  get monitorUrl(): string {
    return `postgres://autoctl_node@127.0.0.1:${this.options.monitorPort}/pg_auto_failover?sslmode=disable`;
  }

  private nodePort(name: string): number {
    return this.options.nodePorts[NODE_NAMES.indexOf(name as (typeof NODE_NAMES)[number])];
  }

  /** pg_autoctl keeps its state under XDG_CONFIG_HOME / XDG_DATA_HOME: inside the formation's directory. */
  private autoctl(args: string[]): [string, string[]] {
    const xdg = join(this.root, 'xdg');
    return asOwner('env', [`XDG_CONFIG_HOME=${xdg}`, `XDG_DATA_HOME=${xdg}`, `XDG_RUNTIME_DIR=${xdg}`, `PGHOST=${SOCKET_DIR}`, 'pg_autoctl', ...args]);
  }

  private run(args: string[], input?: string): string {
    const [cmd, argv] = this.autoctl(args);
    const result = spawnSync(cmd, argv, { encoding: 'utf8', input, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], cwd: '/' });
    if (result.status !== 0) throw new Error(`pg_autoctl ${args.slice(0, 2).join(' ')} failed: ${(result.stderr || result.stdout || '').trim().split('\n').slice(-5).join('\n')}`);
    return result.stdout;
  }

  private psql(port: number, sql: string, database = 'postgres'): string {
    const [cmd, argv] = asOwner(join(this.bin, 'psql'), ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-h', SOCKET_DIR, '-p', String(port), '-d', database, '-f', '-']);
    const result = spawnSync(cmd, argv, { encoding: 'utf8', input: sql, cwd: '/' });
    if (result.status !== 0) throw new Error(`psql on port ${port} failed: ${(result.stderr || '').trim()}`);
    return result.stdout.trim();
  }

  private tryPsql(port: number, sql: string): boolean {
    try {
      this.psql(port, sql);
      return true;
    } catch {
      return false;
    }
  }

  isInitialized(name = 'monitor'): boolean {
    return existsSync(join(this.pgdata(name), 'PG_VERSION')) && existsSync(join(this.pgdata(name), 'postgresql-auto-failover.conf'));
  }

  private isRunning(name: string): boolean {
    const [cmd, argv] = this.autoctl(['status', '--pgdata', this.pgdata(name)]);
    return spawnSync(cmd, argv, { stdio: 'ignore', cwd: '/' }).status === 0;
  }

  /** `pg_autoctl run` for one member, detached (Ctrl-C reaches us, and we stop them in order). */
  private launch(name: string): void {
    if (this.isRunning(name)) return;
    const log = join(this.root, `${name}.log`);
    if (!existsSync(log)) {
      writeFileSync(log, '');
      giveToPostgres(log);
    }
    const fd = openSync(log, 'a');
    const [cmd, argv] = this.autoctl(['run', '--pgdata', this.pgdata(name)]);
    const child = spawn(cmd, argv, { detached: true, stdio: ['ignore', fd, fd], cwd: '/' });
    closeSync(fd);
    child.unref();
    this.children.set(name, child);
  }

  /** Our settings after pg_auto_failover's: modest memory for a laptop, bounded WAL kept for standbys. */
  private writeSettings(name: string, listen = true): void {
    const pgdata = this.pgdata(name);
    const settings = [
      ...(listen ? ["listen_addresses = '127.0.0.1'"] : []),
      'max_connections = 300',
      'shared_buffers = 256MB',
      "wal_keep_size = '1GB'",
      'logging_collector = off',
      // A commit is acknowledged once the standby has applied it (pg_auto_failover names the
      // standby in synchronous_standby_names while it is healthy): a read on the standby
      // right after a write (a logout, say) sees it.
      ...(name === 'monitor' ? [] : ['synchronous_commit = remote_apply']),
    ];
    writeFileSync(join(pgdata, 'switchboard.conf'), settings.join('\n') + '\n');
    giveToPostgres(join(pgdata, 'switchboard.conf'));
    const conf = join(pgdata, 'postgresql.conf');
    if (!readFileSync(conf, 'utf8').includes("include 'switchboard.conf'")) appendFileSync(conf, "\ninclude 'switchboard.conf'\n");
  }

  /**
   * Authentication we own (pg_autoctl's own edits are off): pg_auto_failover's roles may reach
   * each other on loopback only, every other role needs its SCRAM password; over the Unix
   * socket only the postgres OS user gets in (peer), as pg_autoctl itself does.
   */
  private writeHba(name: string): void {
    const lines = name === 'monitor'
      ? [
          'local   all          postgres                                   peer',
          'local   pg_auto_failover autoctl_node                           trust',
          'host    pg_auto_failover autoctl_node           127.0.0.1/32    trust',
          'host    all          all                        127.0.0.1/32    scram-sha-256',
        ]
      : [
          'local   all          postgres                                   peer',
          'local   replication  postgres                                   peer',
          'host    all          pgautofailover_monitor     127.0.0.1/32    trust',
          'host    replication  pgautofailover_replicator  127.0.0.1/32    trust',
          'host    all          pgautofailover_replicator  127.0.0.1/32    trust',
          'host    all          all                        127.0.0.1/32    scram-sha-256',
        ];
    const file = join(this.pgdata(name), 'pg_hba.conf');
    writeFileSync(file, '# Written by Switchboard (scripts/lib/ha.ts); pg_autoctl runs with --skip-pg-hba.\n' + lines.join('\n') + '\n');
    giveToPostgres(file);
  }

  private createMonitor(): void {
    this.run(['create', 'monitor', '--pgdata', this.pgdata('monitor'), '--pgport', String(this.options.monitorPort), '--pgctl', join(this.bin, 'pg_ctl'),
      '--hostname', '127.0.0.1', '--skip-pg-hba', '--no-ssl']);
    this.writeHba('monitor');
    this.writeSettings('monitor');
    // The monitor's own start command would listen on every address: loopback only.
    this.run(['config', 'set', '--pgdata', this.pgdata('monitor'), 'postgresql.listen_addresses', '127.0.0.1']);
  }

  private createNode(name: string): void {
    this.run(['create', 'postgres', '--pgdata', this.pgdata(name), '--pgport', String(this.nodePort(name)), '--pgctl', join(this.bin, 'pg_ctl'),
      '--listen', '127.0.0.1', '--hostname', '127.0.0.1', '--name', name, '--dbname', 'switchboard', '--monitor', this.monitorUrl,
      '--skip-pg-hba', '--no-ssl', '--replication-quorum', 'true', '--candidate-priority', '50']);
    this.writeHba(name);
    this.writeSettings(name);
  }

  /** Creates what is missing, runs the monitor and both nodes, and waits for a primary and a synchronous standby. */
  async start(): Promise<void> {
    if (!this.isInitialized('monitor')) {
      rmSync(this.pgdata('monitor'), { recursive: true, force: true });
      this.createMonitor();
    }
    // The monitor first (a node's pg_autoctl gives up when it cannot reach it), then at once
    // the nodes: stop() stopped the monitor first, so it last saw them healthy and its
    // start-up grace period covers their start.
    this.launch('monitor');
    await waitFor(async () => this.monitorAnswers(), 'the pg_auto_failover monitor', 60_000);
    for (const name of NODE_NAMES) {
      if (this.isInitialized(name)) {
        this.writeSettings(name);
        this.launch(name);
      }
    }
    for (const [i, name] of NODE_NAMES.entries()) {
      if (!this.isInitialized(name)) {
        rmSync(this.pgdata(name), { recursive: true, force: true });
        this.createNode(name);
        this.launch(name);
        if (i === 0) {
          await waitFor(async () => this.states().some((s) => s.name === name && ['single', 'primary', 'wait_primary'].includes(s.reported)), `${name} to become primary`, 60_000);
          // Bootstrap and migrations log in as postgres over TCP with the generated password.
          const sql = `alter role postgres password ${quote(this.options.superuserPassword)};`;
          await waitFor(async () => this.tryPsql(this.nodePort(name), sql), `${name} to accept connections`, 60_000);
        }
      } else {
        this.writeSettings(name);
        this.launch(name);
      }
    }
    await waitFor(async () => this.healthy(), 'a primary and a synchronous standby', 180_000);
  }

  private monitorAnswers(): boolean {
    try {
      this.states();
      return true;
    } catch {
      return false;
    }
  }

  /** The formation as the monitor sees it (`pg_autoctl show state --json`). */
  states(): NodeState[] {
    const out = this.run(['show', 'state', '--pgdata', this.pgdata('monitor'), '--json']);
    const rows = JSON.parse(out || '[]') as Array<{ nodename: string; nodeport: number; current_group_state: string; assigned_group_state: string; health: number }>;
    return rows.map((r) => ({ name: r.nodename, port: r.nodeport, reported: r.current_group_state, assigned: r.assigned_group_state, health: r.health }));
  }

  /** One primary and one secondary, both where the monitor wants them. */
  healthy(): boolean {
    try {
      const states = this.states();
      return states.length === 2 && states.every((s) => s.reported === s.assigned)
        && states.some((s) => s.reported === 'primary') && states.some((s) => s.reported === 'secondary');
    } catch {
      return false;
    }
  }

  primary(): NodeState | undefined {
    return this.states().find((s) => s.reported === 'primary' || s.reported === 'wait_primary' || s.reported === 'single');
  }

  /** The `pg_autoctl show state` table, for people. */
  showState(): string {
    return this.run(['show', 'state', '--pgdata', this.pgdata('monitor')]);
  }

  /** The formation URI the monitor hands out (both nodes, target_session_attrs=read-write). */
  formationUri(): string {
    return this.run(['show', 'uri', '--pgdata', this.pgdata('monitor'), '--formation', 'default']).trim();
  }

  /** kill -9 of the primary node's postmaster (drills): returns the node that was primary. */
  killPrimaryPostmaster(): NodeState {
    const primary = this.primary();
    if (!primary) throw new Error('no primary to kill');
    const pid = Number(readFileSync(join(this.pgdata(primary.name), 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    return primary;
  }

  /**
   * Stops the monitor first (so that stopping a node is not taken for a failure and no failover
   * starts), then the standby, then the primary: the next start finds the same roles.
   * `pg_autoctl stop` signals each running service.
   */
  async stop(): Promise<void> {
    let primaryName: string | undefined;
    try {
      primaryName = this.primary()?.name;
    } catch {
      /* the monitor is down already */
    }
    const nodes = [...NODE_NAMES].sort((a, b) => Number(a === primaryName) - Number(b === primaryName));
    for (const name of ['monitor', ...nodes]) {
      if (!existsSync(this.pgdata(name))) continue;
      try {
        if (this.isRunning(name)) this.run(['stop', '--pgdata', this.pgdata(name)]);
      } catch {
        /* already stopping */
      }
      const child = this.children.get(name);
      if (child && child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 30_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      await waitFor(async () => !this.isRunning(name), `${name} to stop`, 30_000).catch(() => {});
    }
  }

  /**
   * Processes of this formation that outlived `pg_autoctl stop` (a service child whose
   * supervisor died, a postmaster restarted after a kill): found by this formation's own paths
   * in their environment or command line, and ended. Nothing else is touched.
   */
  private reapLeftovers(): void {
    if (!existsSync('/proc')) return;
    const xdg = `XDG_CONFIG_HOME=${join(this.root, 'xdg')}`;
    const pgdataArg = `${this.root}/`;
    const found: Array<{ pid: number; postmaster: boolean }> = [];
    for (const entry of readdirSync('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === process.pid) continue;
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        const postmaster = /\/postgres$/.test(cmdline[0] ?? '') && cmdline.some((arg) => arg.startsWith(pgdataArg));
        const environ = postmaster ? '' : readFileSync(`/proc/${pid}/environ`, 'utf8');
        if (postmaster || environ.split('\0').includes(xdg)) found.push({ pid, postmaster });
      } catch {
        /* gone, or not ours to read */
      }
    }
    for (const { pid, postmaster } of found) {
      try {
        process.kill(pid, postmaster ? 'SIGQUIT' : 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }

  /** Copies the monitor's and nodes' logs (pg_autoctl's, and PostgreSQL's own) into dir, for a drill's post-mortem. */
  copyLogs(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (const name of ['monitor', ...NODE_NAMES]) {
      const log = join(this.root, `${name}.log`);
      if (existsSync(log)) copyFileSync(log, join(dir, `${name}.log`));
      // PostgreSQL's own log (pg_auto_failover turns its logging collector on).
      const pgLogs = join(this.pgdata(name), 'log');
      if (existsSync(pgLogs)) for (const file of readdirSync(pgLogs)) copyFileSync(join(pgLogs, file), join(dir, `${name}-${file}`));
    }
  }

  async destroy(): Promise<void> {
    await this.stop();
    this.reapLeftovers();
    rmSync(this.root, { recursive: true, force: true });
    // The per-formation directory under /var/lib/postgresql/switchboard, when one was used.
    if (this.root !== this.options.dataDir) rmSync(dirname(this.root), { recursive: true, force: true });
    rmSync(this.options.dataDir, { recursive: true, force: true });
  }
}

const quote = (value: string) => `'${value.replace(/'/g, "''")}'`;


/** The config with its owner and superuser URLs on one node (bootstrap and migrations run on the primary). */
export function configOnNode<T extends { ownerUrl: string; rootUrl?: string }>(config: T, port: number): T {
  const pin = (url: string) => formatDbUrl({ ...parseDbUrl(url), hosts: [{ host: '127.0.0.1', port }], params: new URLSearchParams() });
  return { ...config, ownerUrl: pin(config.ownerUrl), rootUrl: config.rootUrl ? pin(config.rootUrl) : undefined };
}
