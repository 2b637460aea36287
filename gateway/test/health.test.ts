import { describe, expect, it } from 'vitest';
import { stack } from './helpers.ts';

describe('health endpoints', () => {
  it('GET /health answers ok', async () => {
    const res = await fetch(`${stack().gatewayUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready reports database, PostgREST and worker heartbeat', async () => {
    const res = await fetch(`${stack().gatewayUrl}/ready`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ checks: { database: true, postgrest: true, worker: true } });
  });

  it('GET /metrics serves Prometheus text', async () => {
    const res = await fetch(`${stack().gatewayUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('http_requests_total');
  });
});
