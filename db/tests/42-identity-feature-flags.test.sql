-- Feature flags: deterministic per org, rollout distribution over 10,000 synthetic orgs,
-- overrides where allowed, and every change recorded.
begin;
select plan(12);

select app_private.set_feature_flag('flags42.rollout', false, 30, true, 'thirty percent', 'pgtap');

-- 10,000 synthetic org ids (fixed, so the run is reproducible).
create temp table orgs on commit drop as
  select md5('flags42-org-' || i)::uuid as id from generate_series(1, 10000) i;

select cmp_ok((select count(*) from orgs where app_private.feature_enabled_for(id, 'flags42.rollout'))::int, '>=', 2800,
  'at 30 % rollout at least 28 % of 10,000 orgs are in');
select cmp_ok((select count(*) from orgs where app_private.feature_enabled_for(id, 'flags42.rollout'))::int, '<=', 3200,
  'and at most 32 %');
select is((select count(*)::int from orgs where app_private.feature_enabled_for(id, 'flags42.rollout')
                                        <> app_private.feature_enabled_for(id, 'flags42.rollout')), 0,
  'the answer for an org never changes between calls');
select is((select count(*)::int from orgs o
            where app_private.rollout_bucket(o.id, 'flags42.rollout') <> app_private.rollout_bucket(o.id, 'flags42.rollout')), 0,
  'buckets are a pure function of org and flag');

-- Raising the rollout only adds orgs: nobody who had it loses it.
create temp table before_raise on commit drop as
  select id from orgs where app_private.feature_enabled_for(id, 'flags42.rollout');
select app_private.set_feature_flag('flags42.rollout', rollout_percent := 60);
select is((select count(*)::int from before_raise where not app_private.feature_enabled_for(id, 'flags42.rollout')), 0,
  'raising the rollout keeps every org that had the flag');
select cmp_ok((select count(*) from orgs where app_private.feature_enabled_for(id, 'flags42.rollout'))::int, '>', 5700,
  'and adds about 30 % more');

select is(app_private.feature_enabled_for(md5('x')::uuid, 'flags42.nope'), false, 'unknown flags are off');
select app_private.set_feature_flag('flags42.everyone', true, 0, true);
select is(app_private.feature_enabled_for(md5('x')::uuid, 'flags42.everyone'), true, 'a flag on by default is on');

-- Per-org override through the API (RLS: admins only), and is_feature_enabled for the caller.
insert into app_public.organizations (id, name) values ('42000000-0000-0000-0000-00000000000a', 'Flags A');
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"42100000-0000-0000-0000-000000000001","org_id":"42000000-0000-0000-0000-00000000000a","org_role":"admin"}', true);
insert into app_public.feature_flag_overrides (flag_key, enabled) values ('flags42.everyone', false);
select is(app_public.is_feature_enabled('flags42.everyone'), false, 'an org override wins over the default');
select is((select source from app_public.org_feature_flags where key = 'flags42.everyone'), 'override', 'and is shown as such');
reset role;
select is((select count(*)::int from app_public.audit_log
            where org_id = '42000000-0000-0000-0000-00000000000a' and table_name = 'app_public.feature_flag_overrides'), 1,
  'the override is in the org''s audit log');
select is((select array_agg(action || ':' || actor order by id) from app_private.feature_flag_history where flag_key = 'flags42.rollout'),
  array['insert:pgtap', 'update:' || current_user], 'every global flag change is recorded with its actor');

select * from finish();
rollback;
