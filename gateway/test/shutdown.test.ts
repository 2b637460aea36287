import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/ports.ts';
import { projectRoot } from '../../lib/paths.ts';
import { createOrg, ownerPool, stack } from './helpers.ts';
import { createSource, payloadFor, signedHeaders } from './webhook-senders.ts';

/**
 * SIGTERM in the middle of a burst of 500 webhooks, against a gateway of our own (the
 * shared one keeps serving the other test files): every request gets a 2xx whose event is
 * stored, or a 503 — no connection errors, nothing lost after a 2xx.
 */
const pool = ownerPool();
afterAll(() => pool.end());

describe('graceful shutdown', () => {
  it('SIGTERM during 500 concurrent webhooks: each answered 2xx (and stored) or 503', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'gateway/src/main.ts')], {
      cwd: projectRoot,
      env: { ...stack().env, PORT: String(port), SHUTDOWN_DRAIN_MS: '60000', SHUTDOWN_QUIET_MS: '2000', SHUTDOWN_TIMEOUT_MS: '90000', SHUTDOWN_READY_DELAY_MS: '0', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The gateway's own log lines about stopping, shown if it does not exit cleanly.
    const log: string[] = [];
    const keep = (c: Buffer) => log.push(...c.toString().split('\n').filter((l) => /stop|drain|closed|timed out|rror/.test(l)));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/health`).then((r) => r.ok, () => false);
      if (ok) break;
      if (i > 200) throw new Error('gateway did not start');
      await new Promise((r) => setTimeout(r, 100));
    }

    const t0 = Date.now();
    const phase = (what: string) => console.log(`shutdown test: ${what} at ${Date.now() - t0} ms`);
    const org = await createOrg('Shutdown');
    const source = await createSource(org.orgId, 'standard');
    const requests = Array.from({ length: 500 }, (_, i) => {
      const body = JSON.stringify(payloadFor('standard', { metric: 'sent', campaignId: 'shutdown-1', campaignName: 'Shutdown', email: `p${i}@shutdown.test` }));
      return { body, headers: signedHeaders(source, body, `msg_shutdown_${i}`) };
    });

    phase('source ready');
    let answered = 0;
    let signalled = false;
    const results = await Promise.all(
      requests.map(async ({ body, headers }) => {
        try {
          const res = await fetch(`${base}/webhooks/standard/${source.sourceId}`, { method: 'POST', headers, body });
          const json = (await res.json()) as { event_id?: string; error?: string };
          if (++answered >= 50 && !signalled) {
            signalled = true;
            child.kill('SIGTERM');
          }
          return { status: res.status, eventId: json.event_id, error: json.error };
        } catch (error) {
          return { status: 0, error: String((error as Error).cause ?? error) };
        }
      }),
    );
    phase('all answered');
    expect(signalled).toBe(true);
    // /ready is refused while draining.
    const ready = await fetch(`${base}/ready`).then((r) => r.status, () => 0);
    expect([503, 0]).toContain(ready);
    const code = await exited;
    phase(`gateway exited (${code})`);
    expect(code, log.join('\n')).toBe(0);

    const accepted = results.filter((r) => r.status >= 200 && r.status < 300);
    const refused = results.filter((r) => r.status === 503);
    const other = results.filter((r) => !(r.status >= 200 && r.status < 300) && r.status !== 503);
    expect(other).toEqual([]);
    expect(accepted.length + refused.length).toBe(500);
    expect(accepted.length).toBeGreaterThanOrEqual(50);
    for (const r of refused) expect(r.error).toMatch(/shutting_down|unavailable/);

    const ids = accepted.map((r) => r.eventId);
    const { rows } = await pool.query<{ n: number }>('select count(*)::int as n from app_public.webhook_events where id = any ($1::uuid[])', [ids]);
    expect(rows[0].n).toBe(accepted.length);
    console.log(`shutdown burst: ${accepted.length} accepted and stored, ${refused.length} refused with 503`);
  }, 150_000);
});
