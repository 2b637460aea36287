import * as OTPAuth from 'otpauth';
import { describe, expect, it } from 'vitest';
import { cli, createOrg, ownerPool, rest, stack, uniqueEmail } from './helpers.ts';

const post = (path: string, body: unknown, token?: string) =>
  fetch(`${stack().gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body ?? {}),
  });

async function loginToken(email: string, password: string, totp_code?: string): Promise<string> {
  const res = await post('/auth/login', { email, password, ...(totp_code ? { totp_code } : {}) });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function enroll(token: string) {
  const res = await post('/auth/mfa/enroll', {}, token);
  expect(res.status, await res.clone().text()).toBe(200);
  const body = (await res.json()) as { otpauth_url: string; secret: string; qr_svg: string };
  const totp = OTPAuth.URI.parse(body.otpauth_url) as OTPAuth.TOTP;
  return { body, totp };
}

/** A code for the step after the current one (accepted for clock drift), so it was never used. */
const nextCode = (totp: OTPAuth.TOTP) => totp.generate({ timestamp: Date.now() + 30_000 });

describe('identity: TOTP MFA', () => {
  it('enroll → verify → login needs a code; a code works once; a recovery code works once', async () => {
    const a = await createOrg('MFA');
    const token = await loginToken(a.email, a.password);
    const { body, totp } = await enroll(token);
    expect(body.otpauth_url).toMatch(/^otpauth:\/\/totp\/Switchboard:.+\?.*secret=/);
    expect(body.otpauth_url).toContain(encodeURIComponent(a.email));
    expect(body.qr_svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(totp.secret.base32).toBe(body.secret);

    // Not yet enabled: a password still logs in.
    await loginToken(a.email, a.password);
    expect((await post('/auth/mfa/verify', { code: '000000' }, token)).status).toBe(400);
    const verify = await post('/auth/mfa/verify', { code: totp.generate() }, token);
    expect(verify.status).toBe(200);
    const { recovery_codes } = (await verify.json()) as { recovery_codes: string[] };
    expect(recovery_codes).toHaveLength(10);
    expect(new Set(recovery_codes).size).toBe(10);
    expect((await post('/auth/mfa/enroll', {}, token)).status).toBe(409);

    // The password alone now answers mfa_required; so does a wrong code.
    const noCode = await post('/auth/login', { email: a.email, password: a.password });
    expect(noCode.status).toBe(401);
    expect(((await noCode.json()) as { error: string }).error).toBe('mfa_required');
    const wrongCode = await post('/auth/login', { email: a.email, password: a.password, totp_code: '123456' === nextCode(totp) ? '654321' : '123456' });
    expect(((await wrongCode.json()) as { error: string }).error).toBe('mfa_required');
    // The wrong password with a good code is still invalid_credentials.
    const wrongPassword = await post('/auth/login', { email: a.email, password: 'nope', totp_code: nextCode(totp) });
    expect(((await wrongPassword.json()) as { error: string }).error).toBe('invalid_credentials');

    // A fresh code logs in, once: the same code a second time is refused.
    const code = nextCode(totp);
    const mfaToken = await loginToken(a.email, a.password, code);
    expect((await rest('/organizations', mfaToken)).status).toBe(200);
    const again = await post('/auth/login', { email: a.email, password: a.password, totp_code: code });
    expect(again.status).toBe(401);
    expect(((await again.json()) as { error: string }).error).toBe('mfa_required');

    // Recovery codes: once each.
    const recovery = await post('/auth/login', { email: a.email, password: a.password, totp_code: recovery_codes[0] });
    expect(recovery.status).toBe(200);
    const reused = await post('/auth/login', { email: a.email, password: a.password, totp_code: recovery_codes[0] });
    expect(reused.status).toBe(401);

    // Only hashes are stored, and the secret is encrypted.
    const pool = ownerPool();
    try {
      const { rows } = await pool.query(
        `select encode(secret, 'escape') like '%' || $2 || '%' as plain,
                (select count(*)::int from app_private.mfa_recovery_codes r where r.user_id = m.user_id and r.used_at is null) as unused
           from app_private.user_mfa m where m.user_id = $1`,
        [a.userId, body.secret],
      );
      expect(rows[0]).toEqual({ plain: false, unused: 9 });
    } finally {
      await pool.end();
    }

    // The admin reads the MFA events in the auth trail.
    const events = (await (await rest('/auth_events?select=event&order=id', mfaToken)).json()) as Array<{ event: string }>;
    const names = events.map((e) => e.event);
    expect(names).toEqual(expect.arrayContaining(['mfa_enrollment_started', 'mfa_enabled', 'mfa_failed', 'mfa_recovery_code_used', 'login_succeeded']));
  });

  it('an org that requires MFA lets members without it only enroll', async () => {
    const a = await createOrg('Strict');
    const memberEmail = uniqueEmail('member');
    await cli('user', 'add', '--org', a.orgId, '--email', memberEmail, '--password', 'member password 1', '--role', 'member');
    const memberToken = await loginToken(memberEmail, 'member password 1');
    expect((await rest('/organizations', memberToken)).status).toBe(200);

    // A member cannot turn the requirement on; the owner can.
    const denied = await rest(`/organizations?id=eq.${a.orgId}`, memberToken, { method: 'PATCH', body: JSON.stringify({ require_mfa: true }), headers: { prefer: 'return=representation' } });
    expect(await denied.json()).toEqual([]);
    const ownerToken = await loginToken(a.email, a.password);
    const patched = await rest(`/organizations?id=eq.${a.orgId}`, ownerToken, { method: 'PATCH', body: JSON.stringify({ require_mfa: true }) });
    expect(patched.status).toBe(204);

    // Effective at once for existing sessions: 403 from PostgREST until enrolled.
    const blocked = await rest('/organizations', memberToken);
    expect(blocked.status).toBe(403);
    expect(((await blocked.json()) as { details: string }).details).toBe('mfa_enrollment_required');
    const { totp } = await enroll(memberToken);
    expect((await post('/auth/mfa/verify', { code: totp.generate() }, memberToken)).status).toBe(200);
    expect((await rest('/organizations', memberToken)).status).toBe(200);

    // MFA cannot be switched off while the org requires it.
    const disable = await post('/auth/mfa/disable', { code: nextCode(totp) }, memberToken);
    expect(disable.status).toBe(403);
  });

  it('refuses MFA routes without a live session', async () => {
    const a = await createOrg();
    const token = await loginToken(a.email, a.password);
    expect((await post('/auth/mfa/enroll', {})).status).toBe(401);
    expect((await post('/auth/mfa/enroll', {}, `${token}x`)).status).toBe(401);
    expect((await post('/auth/logout', {}, token)).status).toBe(204);
    expect((await post('/auth/mfa/enroll', {}, token)).status).toBe(401);
    expect((await post('/auth/mfa/verify', { code: '123456' }, token)).status).toBe(401);
  });
});
