import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgrestDbUri, postgrestRts } from '../../scripts/lib/services.ts';
import { cli, createOrg, login, ownerPool, rest, stack, uniqueEmail } from './helpers.ts';

/**
 * PostgREST's speed settings (issue 23, README → Benchmarks → rest): GHC runtime options and
 * generic plans for its prepared statements. A generic plan is made once per connection and
 * query shape and then reused for every org and user: RLS must still filter by the claims of
 * each request, not of the request that happened to make the plan.
 */
const owner = ownerPool();
let a: Awaited<ReturnType<typeof createOrg>>;
let b: Awaited<ReturnType<typeof createOrg>>;
let aToken = '';
let bToken = '';
let memberToken = '';
let memberId = '';

beforeAll(async () => {
  [a, b] = await Promise.all([createOrg('Plan Org A'), createOrg('Plan Org B')]);
  [aToken, bToken] = await Promise.all([login(a.email, a.password), login(b.email, b.password)]);
  const member = { email: uniqueEmail('plan-member'), password: 'member password 1' };
  const added = await cli('user', 'add', '--org', a.orgId, '--email', member.email, '--password', member.password, '--role', 'member');
  memberId = added.user_id;
  memberToken = await login(member.email, member.password);
  // 30 leads in A (3 of them assigned to the member), 30 in B.
  for (const [org, tag] of [[a.orgId, 'A'], [b.orgId, 'B']] as const) {
    await owner.query(
      `insert into app_public.leads (org_id, mak, first_name, lead_score, assigned_to)
       select $1, 'plan-' || $2 || '-' || g || '-' || $3, $2 || g, g, case when $2 = 'A' and g % 10 = 0 then $4::uuid end
         from generate_series(1, 30) g`,
      [org, tag, Date.now(), memberId]);
  }
}, 60_000);
afterAll(async () => {
  await owner.end();
});

describe('PostgREST speed settings', () => {
  it('runs with the measured GHC runtime options and plan_cache_mode in its connection string', () => {
    const environ = readFileSync(`/proc/${stack().postgrestPid}/environ`, 'utf8').split('\0');
    expect(environ).toContain(`GHCRTS=${postgrestRts()}`);
    // Half the cores, at least one: -N1 on the 2-core box it was measured on.
    expect([postgrestRts(1), postgrestRts(2), postgrestRts(8)]).toEqual(['-N1 -A64m', '-N1 -A64m', '-N4 -A64m']);
    const uri = environ.find((e) => e.startsWith('PGRST_DB_URI='))!;
    expect(uri.endsWith('options=-c%20plan_cache_mode%3Dforce_generic_plan')).toBe(true);
  });

  it('adds the option to a multi-host URI that has a query string already, and can be turned off', () => {
    const ha = 'postgres://authenticator:p@h1:5432,h2:5432/switchboard?target_session_attrs=read-write';
    expect(postgrestDbUri(ha, 'force_generic_plan')).toBe(`${ha}&options=-c%20plan_cache_mode%3Dforce_generic_plan`);
    expect(postgrestDbUri('postgres://u:p@h/db', '')).toBe('postgres://u:p@h/db');
    expect(() => postgrestDbUri('postgres://u:p@h/db', 'x; drop')).toThrow(/plan_cache_mode/);
  });

  it('the same leads page, requested in turn by two orgs and a member far past the plan cache threshold, shows each only its own rows', async () => {
    const page = (org: string) => `/leads?org_id=eq.${org}&select=org_id,first_name,assigned_to&order=lead_score.desc&limit=20`;
    const everyone = [
      { token: aToken, org: a.orgId, expect: 20, only: (r: { org_id: string }) => r.org_id === a.orgId },
      { token: bToken, org: b.orgId, expect: 20, only: (r: { org_id: string }) => r.org_id === b.orgId },
      // The member sees the 3 leads assigned to them, whatever the admins' plans were.
      { token: memberToken, org: a.orgId, expect: 3, only: (r: { org_id: string; assigned_to: string | null }) => r.org_id === a.orgId && r.assigned_to === memberId },
      // An admin filtering on another org's id gets nothing: RLS, not the filter, decides.
      { token: aToken, org: b.orgId, expect: 0, only: () => false },
    ];
    // 12 rounds × 4 requests over PostgREST's pool: every connection runs this query shape
    // more than the 5 custom plans after which PostgreSQL would pick a plan by itself.
    for (let round = 0; round < 12; round++) {
      const answers = await Promise.all(everyone.map(async (who) => {
        const res = await rest(page(who.org), who.token);
        expect(res.status).toBe(200);
        return (await res.json()) as Array<{ org_id: string; first_name: string; assigned_to: string | null }>;
      }));
      answers.forEach((rows, i) => {
        expect(rows).toHaveLength(everyone[i].expect);
        expect(rows.every(everyone[i].only)).toBe(true);
      });
    }
  });
});
