-- Operator console: members and settings history are for owners and admins only, and the
-- API refuses members (42501, PostgREST 403) instead of answering an empty list; nothing of
-- another org is visible.
begin;
select plan(9);

insert into app_public.organizations (id, name) values
  ('90000000-0000-0000-0000-0000000000a1', 'Console A'),
  ('90000000-0000-0000-0000-0000000000b1', 'Console B');
insert into app_public.users (id, email, display_name) values
  ('90000000-0000-0000-0000-000000000001', 'owner@console-a.test', 'Owner A'),
  ('90000000-0000-0000-0000-000000000002', 'member@console-a.test', null),
  ('90000000-0000-0000-0000-000000000003', 'admin@console-a.test', null),
  ('90000000-0000-0000-0000-000000000009', 'owner@console-b.test', null);
insert into app_public.memberships (org_id, user_id, role) values
  ('90000000-0000-0000-0000-0000000000a1', '90000000-0000-0000-0000-000000000001', 'owner'),
  ('90000000-0000-0000-0000-0000000000a1', '90000000-0000-0000-0000-000000000002', 'member'),
  ('90000000-0000-0000-0000-0000000000a1', '90000000-0000-0000-0000-000000000003', 'admin'),
  ('90000000-0000-0000-0000-0000000000b1', '90000000-0000-0000-0000-000000000009', 'owner');
insert into app_public.workspace_settings (org_id) values
  ('90000000-0000-0000-0000-0000000000a1'), ('90000000-0000-0000-0000-0000000000b1')
  on conflict do nothing;

-- The admin of org A changes a threshold.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"90000000-0000-0000-0000-000000000003","org_id":"90000000-0000-0000-0000-0000000000a1","org_role":"admin"}', true);
update app_public.workspace_settings set stale_after = '2 hours' where org_id = '90000000-0000-0000-0000-0000000000a1';
select results_eq($$select email::text, role from app_public.org_members order by email$$,
  $$values ('admin@console-a.test', 'admin'), ('member@console-a.test', 'member'), ('owner@console-a.test', 'owner')$$,
  'an admin sees the members of the org with emails and roles');
select results_eq($$select changed_by_email::text, old_values->>'stale_after', new_values->>'stale_after' from app_public.workspace_settings_changes$$,
  $$values ('admin@console-a.test', '01:00:00', '02:00:00')$$,
  'an admin sees the settings history with who changed what');

-- A member of org A is refused, not shown an empty list.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"90000000-0000-0000-0000-000000000002","org_id":"90000000-0000-0000-0000-0000000000a1","org_role":"member"}', true);
select throws_ok('select * from app_public.org_members', '42501', 'owners and admins only', 'members are refused the member list');
select throws_ok('select * from app_public.workspace_settings_changes', '42501', 'owners and admins only', 'members are refused the settings history');
select throws_ok('select app_public.require_org_admin()', '42501', 'owners and admins only', 'the check itself refuses members');

-- The owner of org B sees only org B.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"90000000-0000-0000-0000-000000000009","org_id":"90000000-0000-0000-0000-0000000000b1","org_role":"owner"}', true);
select results_eq($$select email::text from app_public.org_members$$, $$values ('owner@console-b.test')$$,
  'another org''s owner sees only their own members');
select is_empty('select * from app_public.workspace_settings_changes', 'and none of the other org''s settings history');

-- Without a JWT nothing is reachable.
reset role;
set local role anon;
select throws_ok('select * from app_public.org_members', '42501', null, 'anon cannot read the member list');
select throws_ok('select * from app_public.workspace_settings_changes', '42501', null, 'anon cannot read the settings history');

select * from finish();
rollback;
