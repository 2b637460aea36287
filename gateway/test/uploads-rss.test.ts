import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADER, signUpload } from '../../bench/lead-file.ts';
import { projectRoot } from '../../lib/paths.ts';
import { freePort } from '../../lib/ports.ts';
import { cli, createOrg, stack } from './helpers.ts';

/**
 * A 200 MB upload is streamed, never buffered: the gateway's resident memory (its own
 * prom-client gauge, sampled during the upload) stays under 300 MB. The file is signed
 * with a deliberately wrong X-Content-SHA256, so the gateway streams and COPYs all of it,
 * then answers 400 content_hash_mismatch and rolls back: the full streaming path is
 * measured without leaving a million leads for the worker to merge during other tests.
 * It runs against a gateway process of its own (same code, same database), so the shared
 * gateway the other suites use is not slowed down meanwhile.
 */
const TARGET_BYTES = Number(process.env.RSS_TEST_BYTES ?? 200 * 1024 * 1024);

let gateway: ChildProcess | undefined;
let gatewayUrl = '';

beforeAll(async () => {
  const port = await freePort();
  gatewayUrl = `http://127.0.0.1:${port}`;
  gateway = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'gateway/src/main.ts')], {
    env: { ...stack().env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${gatewayUrl}/health`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (i > 300) throw new Error('the test gateway did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(() => {
  gateway?.kill('SIGTERM');
});

async function gatewayRss(): Promise<number> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('process_resident_memory_bytes'));
  return Number(line?.split(' ')[1] ?? NaN);
}

function csvStream(targetBytes: number): { stream: ReadableStream<Uint8Array>; sent: () => number } {
  let sent = 0;
  let row = 0;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= targetBytes) return controller.close();
      let chunk = row === 0 ? HEADER.join(',') + '\n' : '';
      while (chunk.length < 256 * 1024) {
        row++;
        chunk += `First${row},Last${row},rss${row}@example.test,(415) 555-${String(row % 10000).padStart(4, '0')},` +
          `${row} North Main Street,Springfield,CA,02110,06037,${row},RSS-${row},PO Box ${row},Springfield,CA,02110,` +
          `$250000,Y,V,V,RSS list\n`;
      }
      const bytes = encoder.encode(chunk);
      sent += bytes.length;
      controller.enqueue(bytes);
    },
  });
  return { stream, sent: () => sent };
}

describe('streamed upload memory', () => {
  it(`keeps the gateway under 300 MB RSS while streaming ${Math.round(TARGET_BYTES / 1024 / 1024)} MB`, async () => {
    const org = await createOrg('RSS');
    const { source_id, secret } = await cli('source', 'create', '--org', org.orgId, '--provider', 'csv');
    const before = await gatewayRss();
    let peak = before;
    let done = false;
    const sampler = (async () => {
      while (!done) {
        peak = Math.max(peak, await gatewayRss());
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const { stream, sent } = csvStream(TARGET_BYTES);
    const res = await fetch(`${gatewayUrl}/uploads/leads/${source_id}`, {
      method: 'POST',
      headers: signUpload(secret, 'f'.repeat(64)),
      body: stream,
      duplex: 'half',
    } as RequestInit);
    done = true;
    await sampler;
    peak = Math.max(peak, await gatewayRss());
    expect(res.status).toBe(400);
    expect((await res.json()).error).toBe('content_hash_mismatch');
    expect(sent()).toBeGreaterThanOrEqual(TARGET_BYTES);
    console.log(`uploads-rss: streamed ${(sent() / 1024 / 1024).toFixed(0)} MB; gateway RSS before ${(before / 1048576).toFixed(0)} MB, peak ${(peak / 1048576).toFixed(0)} MB`);
    expect(peak).toBeLessThan(300 * 1024 * 1024);
  }, 600_000);
});
