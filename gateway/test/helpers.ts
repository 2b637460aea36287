import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { inject } from 'vitest';
import { resolveConfig } from '../../lib/config.ts';
import { projectRoot } from '../../lib/paths.ts';

const run = promisify(execFile);

export const stack = () => inject('stack');

/** Runs the real CLI (`switchboard …  --json`) against the test cluster. */
export async function cli<T = Record<string, string>>(...args: string[]): Promise<T> {
  const { stdout } = await run(process.execPath, [join(projectRoot, 'scripts/switchboard.mjs'), ...args, '--json'], {
    env: stack().env,
  });
  return JSON.parse(stdout) as T;
}

export const uniqueEmail = (tag = 'user') => `${tag}-${randomUUID().slice(0, 8)}@example.test`;

export async function createOrg(name = 'Acme') {
  const email = uniqueEmail('admin');
  const password = 'correct horse battery';
  const { org_id, user_id } = await cli('org', 'create', '--name', name, '--admin-email', email, '--admin-password', password);
  return { orgId: org_id, userId: user_id, email, password };
}

export async function login(email: string, password: string): Promise<string> {
  const res = await fetch(`${stack().gatewayUrl}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export function rest(path: string, token?: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack().postgrestUrl}${path}`, {
    ...init,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json', ...init.headers },
  });
}

/** An owner connection to the test database, for assertions a client cannot make. */
export function ownerPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: resolveConfig(stack().env).ownerUrl, max: 4 });
  // An idle connection closed by the server shutting down is not a test failure.
  pool.on('error', () => {});
  return pool;
}
