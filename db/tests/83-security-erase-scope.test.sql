-- Issue 19, finding 2: erase_contact cannot be turned against the org's users. A contact
-- whose name reads "owner zz" and whose phone is the owner's user id (free text an admin
-- chooses) is erased: the owner's membership, user, sessions and every audit entry stay.
-- Rows are matched on the contact's ids, normalised email and E.164 phone only.
begin;
select plan(12);

insert into app_public.organizations (id, name) values ('a8300000-0000-0000-0000-00000000000a', 'Scope A');
insert into app_public.users (id, email) values
  ('a8310000-0000-0000-0000-000000000001', 'owner@scope.test'),
  ('a8320000-0000-0000-0000-000000000002', 'admin@scope.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a8300000-0000-0000-0000-00000000000a', 'a8310000-0000-0000-0000-000000000001', 'owner'),
  ('a8300000-0000-0000-0000-00000000000a', 'a8320000-0000-0000-0000-000000000002', 'admin');
insert into app_private.sessions (id, user_id, org_id, refresh_token_hash, expires_at)
values ('a8330000-0000-0000-0000-000000000001', 'a8310000-0000-0000-0000-000000000001', 'a8300000-0000-0000-0000-00000000000a',
        digest('scope-refresh', 'sha256'), now() + interval '1 day');
insert into app_public.contacts (org_id, id, email, first_name, last_name, phone) values
  ('a8300000-0000-0000-0000-00000000000a', 'a8340000-0000-0000-0000-000000000009', 'bystander@scope.test', 'Bystander', 'Person', 'call a8310000-0000-0000-0000-000000000001');

create temp table audit_before as
select * from app_public.audit_log where org_id = 'a8300000-0000-0000-0000-00000000000a';

set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8320000-0000-0000-0000-000000000002","org_id":"a8300000-0000-0000-0000-00000000000a","org_role":"admin"}', true);

-- The repro, as the admin: POST /contacts {"first_name":"owner","last_name":"zz","phone":"<owner's user id>"}
insert into app_public.contacts (first_name, last_name, phone)
values ('owner', 'zz', 'a8310000-0000-0000-0000-000000000001');
-- and variations on the theme: the owner's email as a contact's name, the org id as phone.
insert into app_public.contacts (first_name, last_name, phone, company)
values ('owner@scope.test', 'admin', 'a8300000-0000-0000-0000-00000000000a', 'a8320000-0000-0000-0000-000000000002');

select ok((app_public.erase_contact((select id from app_public.contacts where last_name = 'zz')) ->> 'erased')::boolean,
  'the admin erases the contact named "owner zz" whose phone is the owner''s user id');
select ok((app_public.erase_contact((select id from app_public.contacts where company = 'a8320000-0000-0000-0000-000000000002')) ->> 'erased')::boolean,
  'and the contact named after the owner''s email with the org id as phone');
reset role;

select is((select role from app_public.memberships where org_id = 'a8300000-0000-0000-0000-00000000000a' and user_id = 'a8310000-0000-0000-0000-000000000001'),
  'owner', 'the owner''s membership is still there');
select is((select count(*)::int from app_public.memberships where org_id = 'a8300000-0000-0000-0000-00000000000a'), 2, 'every membership is still there');
select is((select email::text from app_public.users where id = 'a8310000-0000-0000-0000-000000000001'), 'owner@scope.test', 'the owner''s user is untouched');
select is((select count(*)::int from app_private.sessions where id = 'a8330000-0000-0000-0000-000000000001' and revoked_at is null), 1, 'the owner''s session is untouched');
select is_empty($$ select * from audit_before except select * from app_public.audit_log $$, 'every audit entry that existed is still there, unchanged');
select is((select count(*)::int from app_public.audit_log where org_id = 'a8300000-0000-0000-0000-00000000000a' and row_id like 'erased:%'),
  2, 'plus one hashed entry per erasure');
select is((select count(*)::int from app_public.contacts where org_id = 'a8300000-0000-0000-0000-00000000000a'), 1, 'the erased contacts are gone');
select is((select phone from app_public.contacts where id = 'a8340000-0000-0000-0000-000000000009'),
  'call a8310000-0000-0000-0000-000000000001', 'another contact mentioning the same free text keeps it');

-- Matching is on normalised values: a phone typed differently is the same E.164 number.
select is(app_private.phone_e164('(415) 555-0100'), '+14155550100', 'a North American number reads as E.164');
select is(app_private.phone_e164('a8310000-0000-0000-0000-000000000001'), null, 'a user id is no phone number');

select * from finish();
rollback;
