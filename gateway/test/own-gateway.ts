import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../lib/ports.ts';
import { projectRoot } from '../../lib/paths.ts';
import { stack } from './helpers.ts';

/**
 * A gateway of a test's own (same database, PostgREST and worker as the shared stack), for
 * tests that load it on purpose or need other settings: the shared gateway keeps serving
 * the other test files undisturbed.
 */
export interface OwnGateway {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startOwnGateway(env: Record<string, string> = {}): Promise<OwnGateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'gateway/src/main.ts')], {
    cwd: projectRoot,
    env: { ...stack().env, PORT: String(port), LOG_LEVEL: 'warn', SHUTDOWN_DRAIN_MS: '200', SHUTDOWN_QUIET_MS: '100', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (c: Buffer) => stderr.push(c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (i > 300 || child.exitCode !== null) throw new Error(`gateway did not start: ${stderr.join('')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
