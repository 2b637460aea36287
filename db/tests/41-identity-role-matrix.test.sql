-- Role matrix: owner / admin / member × every protected action, each tried as the role
-- PostgREST uses, each in its own subtransaction (so every row starts from the same state).
-- Plus the last-owner rule.
begin;
select plan(59);

insert into app_public.organizations (id, name) values
  ('41000000-0000-0000-0000-00000000000a', 'Matrix A'),
  ('41000000-0000-0000-0000-00000000000b', 'Matrix B');
insert into app_public.users (id, email) values
  ('41100000-0000-0000-0000-000000000001', 'owner@matrix41.test'),
  ('41100000-0000-0000-0000-000000000002', 'admin@matrix41.test'),
  ('41100000-0000-0000-0000-000000000003', 'member@matrix41.test'),
  ('41100000-0000-0000-0000-000000000004', 'target@matrix41.test'),
  ('41100000-0000-0000-0000-000000000005', 'loner@matrix41.test'),
  ('41100000-0000-0000-0000-000000000006', 'owner-b@matrix41.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('41000000-0000-0000-0000-00000000000a', '41100000-0000-0000-0000-000000000001', 'owner'),
  ('41000000-0000-0000-0000-00000000000a', '41100000-0000-0000-0000-000000000002', 'admin'),
  ('41000000-0000-0000-0000-00000000000a', '41100000-0000-0000-0000-000000000003', 'member'),
  ('41000000-0000-0000-0000-00000000000a', '41100000-0000-0000-0000-000000000004', 'member'),
  ('41000000-0000-0000-0000-00000000000b', '41100000-0000-0000-0000-000000000006', 'owner');
-- A session of the target member, one of each caller (for "revoke my own session"), a dead
-- letter, auth events of the target, and two flags.
insert into app_private.sessions (id, user_id, org_id, refresh_token_hash, expires_at) values
  ('41200000-0000-0000-0000-000000000004', '41100000-0000-0000-0000-000000000004', '41000000-0000-0000-0000-00000000000a', '\x4104', now() + interval '1 day'),
  ('41200000-0000-0000-0000-000000000001', '41100000-0000-0000-0000-000000000001', '41000000-0000-0000-0000-00000000000a', '\x4101', now() + interval '1 day'),
  ('41200000-0000-0000-0000-000000000002', '41100000-0000-0000-0000-000000000002', '41000000-0000-0000-0000-00000000000a', '\x4102', now() + interval '1 day'),
  ('41200000-0000-0000-0000-000000000003', '41100000-0000-0000-0000-000000000003', '41000000-0000-0000-0000-00000000000a', '\x4103', now() + interval '1 day');
insert into app_public.dead_letters (org_id, kind, ref_id, error)
values ('41000000-0000-0000-0000-00000000000a', 'matrix_test', gen_random_uuid(), 'boom');
select app_private.record_auth_event('login_failed', '41100000-0000-0000-0000-000000000004');
select app_private.set_feature_flag('matrix41.beta', false, 0, true);
select app_private.set_feature_flag('matrix41.locked', false, 0, false);

-- true when the statement ran and touched (or returned) at least one row; its effects are
-- always rolled back.
create function pg_temp.allowed(stmt text) returns boolean language plpgsql as $$
declare
  n bigint;
begin
  begin
    execute stmt;
    get diagnostics n = row_count;
    raise exception using errcode = 'P0004', message = n::text;
  exception
    when sqlstate 'P0004' then return sqlerrm::bigint > 0;
    when others then return false;
  end;
end
$$;

create temp table actions (n int, action text, stmt text, owner_ok boolean, admin_ok boolean, member_ok boolean) on commit drop;
grant select on actions to authenticated;
insert into actions values
  (1, 'change org settings (time zone)', $$update app_public.organizations set timezone = 'Europe/Paris'$$, true, true, false),
  (2, 'require MFA for the org', $$update app_public.organizations set require_mfa = true$$, true, true, false),
  (3, 'change thresholds (workspace settings)', $$update app_public.workspace_settings set reply_rate_warning = 0.05$$, true, true, false),
  (4, 'invite a member', $$select app_public.invite_member('invitee@matrix41.test', 'member')$$, true, true, false),
  (5, 'change a member''s role', $$update app_public.memberships set role = 'admin' where user_id = '41100000-0000-0000-0000-000000000004'$$, true, true, false),
  (6, 'remove a member', $$delete from app_public.memberships where user_id = '41100000-0000-0000-0000-000000000004'$$, true, true, false),
  (7, 'grant the owner role', $$update app_public.memberships set role = 'owner' where user_id = '41100000-0000-0000-0000-000000000004'$$, true, false, false),
  (8, 'override a feature flag', $$insert into app_public.feature_flag_overrides (flag_key, enabled) values ('matrix41.beta', true)$$, true, true, false),
  (9, 'override a flag that allows no override', $$insert into app_public.feature_flag_overrides (flag_key, enabled) values ('matrix41.locked', true)$$, false, false, false),
  (10, 'change a global flag', $$update app_public.feature_flags set rollout_percent = 50 where key = 'matrix41.beta'$$, false, false, false),
  (11, 'retry a dead letter', $$select app_public.retry_dead_letter((select id from app_public.dead_letters where kind = 'matrix_test'))$$, true, true, false),
  (12, 'read the audit log', $$select * from app_public.audit_log$$, true, true, false),
  (13, 'read another member''s auth events', $$select * from app_public.auth_events where user_id = '41100000-0000-0000-0000-000000000004'$$, true, true, false),
  (14, 'revoke another member''s session', $$select 1 where app_public.revoke_session('41200000-0000-0000-0000-000000000004')$$, true, true, false),
  (15, 'end all sessions of a member', $$select 1 where app_public.revoke_user_sessions('41100000-0000-0000-0000-000000000004') > 0$$, true, true, false),
  (16, 'see another member''s sessions', $$select * from app_public.user_sessions where user_id = '41100000-0000-0000-0000-000000000004'$$, true, true, false),
  (17, 'revoke one''s own session', $$select 1 where app_public.revoke_session(app_public.current_session_id())$$, true, true, true),
  (18, 'read the org''s feature flags', $$select * from app_public.org_feature_flags where key = 'matrix41.beta'$$, true, true, true);

create function pg_temp.act_as(uid text, sid text, role text) returns void language sql as $$
  select set_config('request.jwt.claims', json_build_object('role', 'authenticated', 'sub', uid,
    'org_id', '41000000-0000-0000-0000-00000000000a', 'org_role', role, 'sid', sid)::text, true)
$$;

set local role authenticated;
select pg_temp.act_as('41100000-0000-0000-0000-000000000001', '41200000-0000-0000-0000-000000000001', 'owner');
select is(pg_temp.allowed(stmt), owner_ok, 'owner: ' || action) from actions order by n;
select pg_temp.act_as('41100000-0000-0000-0000-000000000002', '41200000-0000-0000-0000-000000000002', 'admin');
select is(pg_temp.allowed(stmt), admin_ok, 'admin: ' || action) from actions order by n;
select pg_temp.act_as('41100000-0000-0000-0000-000000000003', '41200000-0000-0000-0000-000000000003', 'member');
select is(pg_temp.allowed(stmt), member_ok, 'member: ' || action) from actions order by n;

-- Last-owner rule: the only owner can neither leave nor be demoted; with a second owner they can.
select pg_temp.act_as('41100000-0000-0000-0000-000000000001', '41200000-0000-0000-0000-000000000001', 'owner');
select throws_ok($$delete from app_public.memberships where user_id = '41100000-0000-0000-0000-000000000001'$$,
  '23514', null, 'the last owner cannot be removed');
select throws_ok($$update app_public.memberships set role = 'member' where user_id = '41100000-0000-0000-0000-000000000001'$$,
  '23514', null, 'the last owner cannot be demoted');
select lives_ok($$update app_public.memberships set role = 'owner' where user_id = '41100000-0000-0000-0000-000000000002'$$,
  'the owner promotes an admin to owner');
select lives_ok($$update app_public.memberships set role = 'member' where user_id = '41100000-0000-0000-0000-000000000001'$$,
  'with another owner in place, the first one may step down');
-- Nothing of org B is reachable from org A, whatever the role.
select is_empty($$select 1 from app_public.user_sessions where org_id = '41000000-0000-0000-0000-00000000000b'$$,
  'no sessions of another org are visible');

select * from finish();
rollback;
