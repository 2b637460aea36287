import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../scripts/lib/paths.ts';
import { answers, freePort, waitFor } from '../../scripts/lib/ports.ts';
import { createOrg, stack } from './helpers.ts';
import { createSource, deliver, pathFor, signedDelivery } from './webhook-senders.ts';

/** A second gateway on the same database, with its own settings. */
const extra: ChildProcess[] = [];
async function gatewayWith(env: Record<string, string>): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'gateway/src/main.ts')], {
    env: { ...process.env, ...stack().env, LOG_LEVEL: 'error', ...env, PORT: String(port) },
    stdio: 'ignore',
  });
  extra.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => answers(`${url}/health`), 'the extra gateway', 30_000);
  return url;
}
afterAll(() => extra.forEach((child) => child.kill('SIGTERM')));

describe('webhook limits and durability', () => {
  it('answers 429 with Retry-After once a source exceeds its rate', async () => {
    const url = await gatewayWith({ WEBHOOK_RATE_PER_SOURCE_PER_MINUTE: '3' });
    const org = await createOrg();
    const source = await createSource(org.orgId, 'smartlead');
    const path = `/webhooks/smartlead/${source.sourceId}`;
    const send = (i: number) =>
      fetch(url + path, { method: 'POST', ...(({ headers, body }) => ({ headers, body }))(signedDelivery(source, { metric: 'sent', campaignId: 'r', campaignName: 'R', email: `l${i}@example.test` })) });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await send(i));
    expect(statuses.map((r) => r.status)).toEqual([202, 202, 202, 429]);
    expect(Number(statuses[3].headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await statuses[3].json()).toMatchObject({ error: 'rate_limited' });
    // Other sources are not affected by this one's limit.
    const other = await createSource(org.orgId, 'smartlead');
    const d = signedDelivery(other, { metric: 'sent', campaignId: 'r', campaignName: 'R', email: 'o@example.test' });
    expect((await fetch(`${url}/webhooks/smartlead/${other.sourceId}`, { method: 'POST', headers: d.headers, body: d.body })).status).toBe(202);
  });

  it('answers 503, not 2xx, when the event cannot be stored', async () => {
    const deadPort = await freePort();
    const url = await gatewayWith({ GATEWAY_DATABASE_URL: `postgres://switchboard_gateway:x@127.0.0.1:${deadPort}/switchboard` });
    const org = await createOrg();
    const source = await createSource(org.orgId, 'replyio');
    const d = signedDelivery(source, { metric: 'sent', campaignId: 'r', campaignName: 'R', email: 'x@example.test' });
    const res = await fetch(`${url}${pathFor(source)}`, { method: 'POST', headers: d.headers, body: d.body });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBeTruthy();
    expect(await res.json()).toMatchObject({ error: 'unavailable' });
    // The shared gateway, whose database is up, still accepts the same delivery.
    expect((await deliver(d)).status).toBe(202);
  });
});
