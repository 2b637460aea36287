import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalCluster } from './lib/cluster.ts';
import { projectRoot } from './lib/paths.ts';
import { answers, freePort, waitFor } from './lib/ports.ts';

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

describe('npm start', () => {
  it('creates a cluster in an empty home, reaches /ready, and stops cleanly on SIGTERM', async () => {
    const home = mkdtempSync(join(tmpdir(), 'switchboard-start-'));
    const [port, pgrstPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, SWITCHBOARD_HOME: home, PORT: String(port), PGRST_PORT: String(pgrstPort) };
    const child = spawn('npm', ['start'], { cwd: projectRoot, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(async () => {
        if (child.exitCode !== null) throw new Error('npm start exited early');
        return answers(`http://127.0.0.1:${port}/ready`);
      }, '/ready', 120_000);
      expect(readFileSync(join(home, '.env'), 'utf8')).toMatch(/^JWT_SECRET=[0-9a-f]{64}$/m);
      // The operator console is served at / (built by npm start when missing or stale).
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="app"></div>');
      const pidFile = join(new LocalCluster({ dataDir: join(home, '.data'), port: 0, superuserPassword: '' }).pgdata, 'postmaster.pid');
      const postmasterPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // Nothing of ours remains: the process group empties and PostgreSQL is down.
      await waitFor(async () => !alive(-child.pid!), 'every started process to exit', 30_000);
      expect(alive(postmasterPid)).toBe(false);
      expect(existsSync(pidFile)).toBe(false);
      await expect(fetch(`http://127.0.0.1:${pgrstPort}/`)).rejects.toThrow();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- npm start output ---\n${output.slice(-4000)}`);
    } finally {
      if (alive(-child.pid!)) process.kill(-child.pid!, 'SIGKILL');
      rmSync(home, { recursive: true, force: true });
    }
  }, 180_000);
});
