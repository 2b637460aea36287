-- Two orgs: a member of A sees and changes nothing of B; members cannot manage
-- memberships; the last owner stays; the audit log records and refuses edits.
begin;
select plan(31);

insert into app_public.organizations (id, name) values
  ('a0000000-0000-0000-0000-00000000000a', 'Org A'),
  ('b0000000-0000-0000-0000-00000000000b', 'Org B');
insert into app_public.users (id, email) values
  ('a1000000-0000-0000-0000-000000000001', 'owner-a@tenancy.test'),
  ('a2000000-0000-0000-0000-000000000002', 'member-a@tenancy.test'),
  ('b1000000-0000-0000-0000-000000000001', 'owner-b@tenancy.test'),
  ('c1000000-0000-0000-0000-000000000001', 'loner@tenancy.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a0000000-0000-0000-0000-00000000000a', 'a1000000-0000-0000-0000-000000000001', 'owner'),
  ('a0000000-0000-0000-0000-00000000000a', 'a2000000-0000-0000-0000-000000000002', 'member'),
  ('b0000000-0000-0000-0000-00000000000b', 'b1000000-0000-0000-0000-000000000001', 'owner');

-- Act as the member of org A, the way PostgREST does.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a2000000-0000-0000-0000-000000000002","org_id":"a0000000-0000-0000-0000-00000000000a","org_role":"member"}', true);

select results_eq('select id from app_public.organizations', $$values ('a0000000-0000-0000-0000-00000000000a'::uuid)$$,
  'member sees only their own organization');
select is((select count(*)::int from app_public.memberships where org_id = 'b0000000-0000-0000-0000-00000000000b'), 0,
  'member sees no memberships of org B');
select is((select count(*)::int from app_public.users where email = 'owner-b@tenancy.test'), 0,
  'member sees no users of org B');
select is((select count(*)::int from app_public.users), 2, 'member sees the two users of org A');
select is((select count(*)::int from app_public.audit_log), 0, 'a member reads no audit entries');

select is_empty($$update app_public.organizations set name = 'pwned' where id = 'b0000000-0000-0000-0000-00000000000b' returning id$$,
  'update of org B changes 0 rows');
select is_empty($$delete from app_public.memberships where org_id = 'b0000000-0000-0000-0000-00000000000b' returning user_id$$,
  'delete of org B memberships changes 0 rows');
select is_empty($$update app_public.memberships set role = 'member' where org_id = 'b0000000-0000-0000-0000-00000000000b' returning user_id$$,
  'update of org B memberships changes 0 rows');
select throws_ok($$insert into app_public.memberships (org_id, user_id, role) values ('b0000000-0000-0000-0000-00000000000b', 'c1000000-0000-0000-0000-000000000001', 'member')$$,
  '42501', null, 'insert into org B is refused');
select throws_ok($$insert into app_public.organizations (name) values ('new org')$$,
  '42501', null, 'members cannot create organizations through the API');

-- A member cannot manage memberships or org settings in their own org either.
select throws_ok($$insert into app_public.memberships (user_id, role) values ('c1000000-0000-0000-0000-000000000001', 'member')$$,
  '42501', null, 'a member cannot add members');
select is_empty($$update app_public.memberships set role = 'admin' where user_id = 'a2000000-0000-0000-0000-000000000002' returning user_id$$,
  'a member cannot promote themselves');
select is_empty($$delete from app_public.memberships where user_id = 'a1000000-0000-0000-0000-000000000001' returning user_id$$,
  'a member cannot remove the owner');
select is_empty($$update app_public.organizations set timezone = 'Europe/Paris' returning id$$,
  'a member cannot change org settings');
select throws_ok($$update app_public.users set email = 'x@y.z'$$, '42501', null, 'nobody changes emails through the API');

-- The owner of org A manages their own org.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a1000000-0000-0000-0000-000000000001","org_id":"a0000000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
-- Memberships come from invitations (issue 19): a direct insert is refused even to the owner.
select throws_ok($$insert into app_public.memberships (user_id, role) values ('c1000000-0000-0000-0000-000000000001', 'admin')$$,
  '42501', null, 'the owner cannot insert a membership directly');
select lives_ok($$select app_public.invite_member('loner@tenancy.test', 'admin')$$, 'the owner invites an address');
reset role;
select is((select status from app_private.accept_invitation(
            (select j.payload ->> 'token' from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
              where t.identifier = 'send_invitation_email' order by j.id desc limit 1),
            'c1000000-0000-0000-0000-000000000001')),
  'ok', 'the invited user accepts');
set local role authenticated;
select is((select org_id from app_public.memberships where user_id = 'c1000000-0000-0000-0000-000000000001'),
  'a0000000-0000-0000-0000-00000000000a'::uuid, 'the new membership belongs to the inviting org');
select isnt_empty($$update app_public.organizations set timezone = 'America/Los_Angeles' returning id$$,
  'the owner changes the org time zone');
select throws_ok($$update app_public.organizations set timezone = 'Mars/Olympus'$$, '23514', null,
  'an unknown IANA time zone is refused');
select throws_ok($$delete from app_public.memberships where user_id = 'a1000000-0000-0000-0000-000000000001'$$,
  '23514', null, 'the last owner cannot be removed');
select throws_ok($$update app_public.memberships set role = 'admin' where user_id = 'a1000000-0000-0000-0000-000000000001'$$,
  '23514', null, 'the last owner cannot be demoted');

-- An admin cannot hand out or take away ownership.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"c1000000-0000-0000-0000-000000000001","org_id":"a0000000-0000-0000-0000-00000000000a","org_role":"admin"}', true);
select throws_ok($$update app_public.memberships set role = 'owner' where user_id = 'a2000000-0000-0000-0000-000000000002'$$,
  '42501', null, 'an admin cannot grant the owner role');

-- The audit log saw all of it, and admins read it.
select ok((select count(*) from app_public.audit_log where table_name = 'app_public.memberships' and action = 'insert'
             and row_id = 'c1000000-0000-0000-0000-000000000001') = 1, 'membership insert is audited');
select is((select actor_id from app_public.audit_log where table_name = 'app_public.organizations' and action = 'update' order by at desc limit 1),
  'a1000000-0000-0000-0000-000000000001'::uuid, 'the org update is audited with its actor');
select is((select count(*)::int from app_public.audit_log where org_id <> 'a0000000-0000-0000-0000-00000000000a'), 0,
  'an admin reads only their own org''s audit entries');

reset role;
select throws_ok($$update app_public.audit_log set action = 'delete'$$, '42501', 'audit_log is append-only',
  'audit_log refuses UPDATE even for a superuser');
select throws_ok($$delete from app_public.audit_log$$, '42501', 'audit_log is append-only',
  'audit_log refuses DELETE outside the retention job');

-- Only the retention job (a security definer function the worker may run) deletes.
set local role switchboard_worker;
select ok(app_private.purge_audit_log('-1 day') > 0, 'the retention job purges old entries');
reset role;
select is((select count(*)::int from app_public.audit_log), 0, 'nothing older than the window remains');

select * from finish();
rollback;
