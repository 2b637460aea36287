import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalCluster } from './lib/cluster.ts';
import { projectRoot } from '../lib/paths.ts';
import { answers, freePort, waitFor } from '../lib/ports.ts';

const alive = (pid: number) => {
  // A zombie (exited, not yet reaped by an init that never reaps) is not running.
  if (pid > 0 && /\) Z /.test(readFileSafe(`/proc/${pid}/stat`))) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Live processes whose command line mentions `needle` (a postmaster and its backends name their data directory). */
function processesMentioning(needle: string): string[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && alive(Number(name)))
    .map((name) => readFileSafe(`/proc/${name}/cmdline`).replace(/\0/g, ' ').trim())
    .filter((cmd) => cmd.includes(needle));
}

/** Owner, group and mode: what `npm start` must leave as it found them. */
const ownership = (path: string) => {
  const { uid, gid, mode } = statSync(path);
  return { path, uid, gid, mode: (mode & 0o7777).toString(8) };
};

/**
 * `npm start` as a new user runs it: in a fresh copy of the checkout (no SWITCHBOARD_HOME, so
 * `.env` and `.data/` land in the checkout itself), as whoever runs the tests — root in CI,
 * where the cluster belongs to the postgres OS user. The copy holds the working tree's files
 * (tracked and not ignored), the console's build (timestamps kept, so it is not rebuilt) and
 * a symlink to node_modules; its parent is reachable by the postgres user, as a home is.
 */
describe('npm start', () => {
  let parent = '';
  let checkout = '';
  let port = 0;
  let pgrstPort = 0;
  const dataDir = () => join(checkout, '.data');
  const pgdata = () => new LocalCluster({ dataDir: dataDir(), port: 0, superuserPassword: '' }).pgdata;

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'switchboard-start-'));
    chmodSync(parent, 0o755);
    checkout = join(parent, 'switchboard');
    const skip = new Set(['node_modules', '.data', '.env', '.git', 'bench/results', 'console/screenshots']);
    cpSync(projectRoot, checkout, {
      recursive: true,
      preserveTimestamps: true,
      filter: (src) => !skip.has(relative(projectRoot, src)),
    });
    chmodSync(checkout, 0o755);
    symlinkSync(join(projectRoot, 'node_modules'), join(checkout, 'node_modules'));
    [port, pgrstPort] = [await freePort(), await freePort()];
  });

  afterAll(() => {
    if (!checkout) return;
    try {
      new LocalCluster({ dataDir: dataDir(), port: 0, superuserPassword: '' }).destroy();
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  /** Runs `npm start` in the copy (its own process group) until /ready answers. */
  async function startUntilReady(): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), PGRST_PORT: String(pgrstPort) };
    const child = spawn('npm', ['start'], { cwd: checkout, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error('npm start exited early');
        return answers(`http://127.0.0.1:${port}/ready`);
      }, '/ready', 120_000);
    } catch (error) {
      if (alive(-child.pid!)) process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`${(error as Error).message}\n--- npm start output ---\n${output.slice(-4000)}`);
    }
    return { child, output: () => output, exited };
  }

  /** Sends the signal to npm alone or to its whole process group (a terminal's Ctrl-C), then checks nothing of ours is left. */
  async function stopAndCheck(run: Awaited<ReturnType<typeof startUntilReady>>, signal: NodeJS.Signals, target: 'npm' | 'group'): Promise<void> {
    const { child, output, exited } = run;
    try {
      const pidFile = join(pgdata(), 'postmaster.pid');
      const postmasterPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      expect(alive(postmasterPid)).toBe(true);

      process.kill(target === 'group' ? -child.pid! : child.pid!, signal);
      expect(await exited).toBe(0);
      await waitFor(async () => !alive(-child.pid!), 'every started process to exit', 30_000);
      expect(output().trimEnd().split('\n').at(-1)).toBe('Stopped.');
      expect(alive(postmasterPid)).toBe(false);
      expect(existsSync(pidFile)).toBe(false);
      expect(processesMentioning(pgdata())).toEqual([]);
      await expect(fetch(`http://127.0.0.1:${pgrstPort}/`)).rejects.toThrow();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- npm start output ---\n${output().slice(-4000)}`);
    } finally {
      if (alive(-child.pid!)) process.kill(-child.pid!, 'SIGKILL');
    }
  }

  it('creates the cluster in a fresh checkout, reaches /ready, stops cleanly on SIGTERM to npm, and leaves the owner and mode of the checkout and its parent alone', async () => {
    const before = [ownership(checkout), ownership(parent)];
    const run = await startUntilReady();
    expect(readFileSync(join(checkout, '.env'), 'utf8')).toMatch(/^JWT_SECRET=[0-9a-f]{64}$/m);
    expect(existsSync(join(checkout, '.data'))).toBe(true);
    // The operator console is served at / (built by npm start when missing or stale).
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"></div>');
    await stopAndCheck(run, 'SIGTERM', 'npm');
    // Running as root, the cluster belongs to postgres; the checkout and its parent do not.
    expect([ownership(checkout), ownership(parent)]).toEqual(before);
  }, 180_000);

  it.each([
    ['SIGINT', 'group'],
    ['SIGTERM', 'group'],
    ['SIGINT', 'npm'],
  ] as const)('restarts on the existing cluster and stops everything on %s sent to the %s', async (signal, target) => {
    const before = [ownership(checkout), ownership(parent)];
    await stopAndCheck(await startUntilReady(), signal, target);
    expect([ownership(checkout), ownership(parent)]).toEqual(before);
  }, 120_000);
});
