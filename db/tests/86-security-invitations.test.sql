-- Issue 19, finding 4: memberships come from invitations. An admin invites an address; the
-- single-use, expiring token (stored hashed) goes out through the mail hand-off job; the
-- invitee accepts logged in as that address, or as a new user with a password. Direct
-- membership inserts are refused to everyone, whatever user id they name.
begin;
select plan(21);

insert into app_public.organizations (id, name) values
  ('a8600000-0000-0000-0000-00000000000a', 'Invite A'), ('b8600000-0000-0000-0000-00000000000b', 'Invite B');
insert into app_public.users (id, email) values
  ('a8610000-0000-0000-0000-000000000001', 'owner@invite.test'),
  ('a8620000-0000-0000-0000-000000000002', 'admin@invite.test'),
  ('a8630000-0000-0000-0000-000000000003', 'member@invite.test'),
  ('b8610000-0000-0000-0000-000000000001', 'stranger@invite.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a8600000-0000-0000-0000-00000000000a', 'a8610000-0000-0000-0000-000000000001', 'owner'),
  ('a8600000-0000-0000-0000-00000000000a', 'a8620000-0000-0000-0000-000000000002', 'admin'),
  ('a8600000-0000-0000-0000-00000000000a', 'a8630000-0000-0000-0000-000000000003', 'member'),
  ('b8600000-0000-0000-0000-00000000000b', 'b8610000-0000-0000-0000-000000000001', 'owner');

create function pg_temp.last_token() returns text language sql as $$
  select j.payload ->> 'token' from graphile_worker._private_jobs j join graphile_worker._private_tasks t on t.id = j.task_id
   where t.identifier = 'send_invitation_email' order by j.id desc limit 1
$$;

set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8620000-0000-0000-0000-000000000002","org_id":"a8600000-0000-0000-0000-00000000000a","org_role":"admin"}', true);
-- The finding's repro: an admin adds any user by id.
select throws_ok($$insert into app_public.memberships (org_id, user_id, role) values ('a8600000-0000-0000-0000-00000000000a', 'b8610000-0000-0000-0000-000000000001', 'member')$$,
  '42501', null, 'an admin cannot insert another user''s membership');
select throws_ok($$insert into app_public.memberships (user_id, role) values ('a8699999-0000-0000-0000-000000000009', 'member')$$,
  '42501', null, 'nor probe for user ids (no foreign-key answer)');
select is((select count(*)::int from app_public.users where id = 'b8610000-0000-0000-0000-000000000001'), 0, 'the stranger''s user stays invisible');

select throws_ok($$select app_public.invite_member('new@invite.test', 'owner')$$, '42501', null, 'an admin cannot invite an owner');
select throws_ok($$select app_public.invite_member('not an address', 'member')$$, '22023', null, 'an invalid address is refused');
create temp table inv as select app_public.invite_member('New@Invite.test', 'member') as doc;
select is((select doc ->> 'email' from inv), 'new@invite.test', 'the admin invites an address (normalised)');
select ok((select not (doc ? 'token') from inv), 'the answer carries no token');
select is((select count(*)::int from app_public.invitations where email = 'new@invite.test' and accepted_at is null), 1, 'admins see the pending invitation');
select throws_ok($$select token_hash from app_public.invitations$$, '42501', null, 'but never its token hash');

select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8630000-0000-0000-0000-000000000003","org_id":"a8600000-0000-0000-0000-00000000000a","org_role":"member"}', true);
select throws_ok($$select app_public.invite_member('x@invite.test', 'member')$$, '42501', null, 'a member cannot invite');
select is((select count(*)::int from app_public.invitations), 0, 'a member sees no invitations');
reset role;

create temp table tok as select pg_temp.last_token() as t;
select is((select count(*)::int from app_public.invitations where token_hash = digest((select t from tok), 'sha256')), 1,
  'the token went to the mail hand-off job, and only its hash is stored');
select is((select status from app_private.accept_invitation_with_password((select t from tok), 'short')), 'weak_password', 'a weak password is refused');
select is((select status from app_private.accept_invitation((select t from tok), 'b8610000-0000-0000-0000-000000000001')), 'wrong_user',
  'another logged-in user cannot use the link');
create temp table accepted as select * from app_private.accept_invitation_with_password((select t from tok), 'a new good password');
select is((select status from accepted), 'ok', 'the invitee accepts as a new user with a password');
select is((select role from app_public.memberships m join app_public.users u on u.id = m.user_id
            where u.email = 'new@invite.test' and m.org_id = 'a8600000-0000-0000-0000-00000000000a'), 'member', 'and is a member of the org');
select is((select status from app_private.accept_invitation_with_password((select t from tok), 'a new good password')), 'invalid_token', 'the link works once');

-- An existing user accepts while logged in; an expired link does nothing.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8610000-0000-0000-0000-000000000001","org_id":"a8600000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
select lives_ok($$select app_public.invite_member('stranger@invite.test', 'admin')$$, 'the owner invites an existing user of another org');
reset role;
update tok set t = pg_temp.last_token();
select is((select status from app_private.accept_invitation_with_password((select t from tok), 'a new good password')), 'login_required',
  'an address that already has a user must log in to accept');
select is((select status || ':' || role from app_private.accept_invitation((select t from tok), 'b8610000-0000-0000-0000-000000000001')), 'ok:admin',
  'the invited user accepts while logged in');
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8610000-0000-0000-0000-000000000001","org_id":"a8600000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
select app_public.invite_member('late@invite.test', 'member');
reset role;
update app_public.invitations set expires_at = now() - interval '1 second' where email = 'late@invite.test';
select is((select status from app_private.accept_invitation_with_password(pg_temp.last_token(), 'a new good password')), 'invalid_token', 'an expired link does nothing');

select * from finish();
rollback;
