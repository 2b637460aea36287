import { describe, expect, it } from 'vitest';
import { cli, createOrg, login, rest, uniqueEmail } from './helpers.ts';

describe('identity: feature flags end to end', () => {
  it('operators set global flags with the CLI; org admins override where allowed; members read', async () => {
    const key = `e2e.${uniqueEmail('flag').split('@')[0].replace(/[^a-z0-9]/g, '')}`;
    const set = await cli<Record<string, unknown>>('flag', 'set', '--key', key, '--rollout', '0', '--description', 'e2e flag');
    expect(set).toMatchObject({ key, default_enabled: false, rollout_percent: 0, allow_org_override: true });

    const a = await createOrg();
    const memberEmail = uniqueEmail('member');
    await cli('user', 'add', '--org', a.orgId, '--email', memberEmail, '--password', 'member password 1', '--role', 'member');
    const owner = await login(a.email, a.password);
    const member = await login(memberEmail, 'member password 1');
    const enabled = async (token: string) =>
      (await (await rest(`/rpc/is_feature_enabled?flag=${key}`, token)).json()) as boolean;
    expect(await enabled(member)).toBe(false);

    // Members cannot override or touch global flags; the owner overrides for the org.
    const denied = await rest('/feature_flag_overrides', member, { method: 'POST', body: JSON.stringify({ flag_key: key, enabled: true }) });
    expect(denied.status).toBe(403);
    const global = await rest(`/feature_flags?key=eq.${key}`, owner, { method: 'PATCH', body: JSON.stringify({ rollout_percent: 100 }) });
    expect(global.status).toBe(403);
    const override = await rest('/feature_flag_overrides', owner, { method: 'POST', body: JSON.stringify({ flag_key: key, enabled: true }) });
    expect(override.status).toBe(201);
    expect(await enabled(member)).toBe(true);
    const flags = (await (await rest(`/org_feature_flags?key=eq.${key}`, member)).json()) as Array<{ enabled: boolean; source: string }>;
    expect(flags).toEqual([expect.objectContaining({ enabled: true, source: 'override' })]);

    // Operators can close overrides; the org's override then no longer applies.
    await cli('flag', 'set', '--key', key, '--allow-override', 'false');
    expect(await enabled(member)).toBe(false);
  });
});
