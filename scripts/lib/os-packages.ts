import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { postgresBinDir, postgresMajor } from '../../lib/postgres-bin.ts';

/** What a command needs from the OS: `npm start` (a local cluster), `npm test` (everything its suites and the benchmark smoke run use). */
export type Purpose = 'start' | 'test';

export interface OsPackage {
  /** The Debian/Ubuntu package; `{pg}` stands for the installed PostgreSQL major (e.g. 15). */
  pkg: string;
  /** Why Switchboard needs it (printed when it is installed or missing). */
  why: string;
  /** The commands that need it. */
  for: Purpose[];
  /** True when it is already there (no apt query: works without dpkg and for files installed by hand). */
  present: (pg: number | undefined) => boolean;
}

const onPath = (command: string) => () =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, command)));
const anyOf = (...paths: string[]) => () => paths.some((p) => existsSync(p));

/**
 * Every OS package Switchboard needs, in one place: `npm start` and `npm test` install the
 * missing ones for their purpose (as root with apt-get, else they stop and print the exact
 * command), and `.ci/run` has no list of its own. Adding a package is one line here.
 */
export const OS_PACKAGES: OsPackage[] = [
  { pkg: 'postgresql', why: 'the PostgreSQL server (initdb, pg_ctl, psql, pg_dump)', for: ['start', 'test'], present: () => installedPostgresMajor() !== undefined },
  { pkg: 'postgresql-{pg}-pgtap', why: 'pgTAP, the SQL test framework of db/tests', for: ['test'], present: (pg) => existsSync(`/usr/share/postgresql/${pg}/extension/pgtap.control`) },
  { pkg: 'chromium', why: "Debian's browser, driven by playwright-core in gateway/test/console.test.ts", for: ['test'], present: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') },
  { pkg: 'wrk', why: "the rest benchmark's HTTP load generator (its smoke run is part of npm test)", for: ['test'], present: onPath('wrk') },
  { pkg: 'pgbouncer', why: "the rest benchmark's connection pooler", for: ['test'], present: anyOf('/usr/sbin/pgbouncer', '/usr/bin/pgbouncer') },
  { pkg: 'postgresql-{pg}-auto-failover', why: 'pg_auto_failover (npm start -- --ha, gateway/test/ha-replica.test.ts, the failover drill)', for: ['test'], present: (pg) => existsSync(`/usr/share/postgresql/${pg}/extension/pgautofailover.control`) },
  { pkg: 'pg-auto-failover-cli', why: 'pg_autoctl, which runs the monitor and each node of an HA formation', for: ['test'], present: onPath('pg_autoctl') },
  { pkg: 'radicale', why: 'the CalDAV server gateway/test/calendars.test.ts starts (gateway/test/radicale.ts)', for: ['test'], present: onPath('radicale') },
];

/** The major of the PostgreSQL server that the clusters use (the one postgresBinDir finds). */
function installedPostgresMajor(): number | undefined {
  const bin = postgresBinDir();
  return bin ? postgresMajor(bin) : undefined;
}

const canInstall = () => process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
let aptUpdated = false;

function aptGet(args: string[], what: string): void {
  const result = spawnSync('apt-get', args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed; install ${what} by hand`);
}

/** Installs packages with one apt-get call (after one `apt-get update` per process) when root; otherwise stops with the exact command. */
function install(packages: Array<{ pkg: string; why: string }>): void {
  if (!packages.length) return;
  const names = packages.map((p) => p.pkg);
  if (!canInstall()) {
    const list = packages.map((p) => `  ${p.pkg}: ${p.why}`).join('\n');
    throw new Error(`Missing OS packages:\n${list}\nInstall them with:\n  sudo apt-get update && sudo apt-get install -y ${names.join(' ')}`);
  }
  for (const p of packages) console.log(`Installing ${p.pkg} (${p.why}) with apt-get…`);
  if (!aptUpdated) {
    aptGet(['update', '-qq'], names.join(' '));
    aptUpdated = true;
  }
  aptGet(['install', '-y', '-qq', ...names], names.join(' '));
}

/**
 * Installs what `purpose` needs and is missing: PostgreSQL first (the pgTAP package is named
 * after its major), then everything else in one apt-get call.
 */
export function ensureOsPackages(purpose: Purpose): void {
  const wanted = OS_PACKAGES.filter((p) => p.for.includes(purpose));
  const postgres = wanted.filter((p) => p.pkg === 'postgresql' && !p.present(undefined));
  install(postgres);
  const pg = installedPostgresMajor();
  const missing = wanted
    .filter((p) => p.pkg !== 'postgresql' && !p.present(pg))
    .map((p) => ({ pkg: p.pkg.replace('{pg}', String(pg)), why: p.why }));
  install(missing);
}

/**
 * Installs one missing Debian/Ubuntu package when we are root and apt is there; otherwise
 * stops with the exact command to run. The caller decides that it is missing. For a package
 * `npm test` should install up front, add a line to OS_PACKAGES too.
 */
export function ensureOsPackage(pkg: string, why: string): void {
  install([{ pkg, why }]);
}
