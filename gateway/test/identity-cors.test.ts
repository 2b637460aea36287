import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { originMatcher, registerCors } from '../src/routes/auth-cors.ts';
import { stack } from './helpers.ts';

describe('identity: CORS allow-list', () => {
  const allowed = originMatcher(['https://app.example.com', 'https://*.example.org', 'http://localhost:5173']);

  it('matches exact origins and wildcard subdomains, nothing else', () => {
    expect(allowed('https://app.example.com')).toBe(true);
    expect(allowed('HTTPS://APP.EXAMPLE.COM')).toBe(true);
    expect(allowed('http://localhost:5173')).toBe(true);
    expect(allowed('https://eu.example.org')).toBe(true);
    expect(allowed('https://a.b.example.org')).toBe(true);
    for (const origin of [
      'http://app.example.com', // scheme
      'https://app.example.com:8443', // port
      'https://example.org', // the bare domain is not a subdomain
      'https://evil-example.org',
      'https://example.org.evil.com',
      'http://eu.example.org',
      'http://localhost:3000',
      'null',
      'https://app.example.com/path',
    ]) {
      expect(allowed(origin), origin).toBe(false);
    }
  });

  it('answers preflights and tags responses only for allowed origins', async () => {
    const app = Fastify();
    registerCors(app, { allowedOrigins: ['https://*.example.org'] });
    app.post('/auth/login', async () => ({ ok: true }));
    const preflight = await app.inject({
      method: 'OPTIONS', url: '/auth/login',
      headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.org');
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();

    const denied = await app.inject({
      method: 'OPTIONS', url: '/auth/login',
      headers: { origin: 'https://example.org.evil.com', 'access-control-request-method': 'POST' },
    });
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await app.inject({ method: 'POST', url: '/auth/login', headers: { origin: 'https://evil.test' }, payload: {} });
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
    expect(simple.headers.vary).toContain('Origin');
    await app.close();
  });

  it('the running gateway allows no cross-origin browser access unless configured', async () => {
    const res = await fetch(`${stack().gatewayUrl}/auth/login`, {
      method: 'OPTIONS',
      headers: { origin: 'https://attacker.example', 'access-control-request-method': 'POST' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
