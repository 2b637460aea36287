-- The auth trail is append-only and kept 90 days; the worker's cleanup removes older
-- entries, old login attempts and stale quota windows, and nothing else.
begin;
select plan(7);

insert into app_public.organizations (id, name) values ('44000000-0000-0000-0000-00000000000a', 'Retention A');
insert into app_public.users (id, email) values ('44100000-0000-0000-0000-000000000001', 'old@retention44.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('44000000-0000-0000-0000-00000000000a', '44100000-0000-0000-0000-000000000001', 'owner');
insert into app_public.auth_events (org_id, user_id, event, at) values
  ('44000000-0000-0000-0000-00000000000a', '44100000-0000-0000-0000-000000000001', 'login_succeeded', now() - interval '91 days'),
  ('44000000-0000-0000-0000-00000000000a', '44100000-0000-0000-0000-000000000001', 'login_succeeded', now() - interval '89 days');
insert into app_private.login_attempts (email, outcome, at) values
  ('old@retention44.test', 'invalid_credentials', now() - interval '91 days'),
  ('old@retention44.test', 'invalid_credentials', now() - interval '1 day');
insert into app_private.request_counters (subject, window_start, shard, count) values
  ('44100000-0000-0000-0000-000000000001', date_trunc('minute', now()) - interval '10 minutes', 0, 5),
  ('44100000-0000-0000-0000-000000000001', date_trunc('minute', now()), 0, 5);

select throws_ok($$update app_public.auth_events set event = 'logout'$$, '42501', null, 'auth events cannot be edited');
select throws_ok($$delete from app_public.auth_events$$, '42501', null, 'nor deleted outside the retention job');

set local role switchboard_worker;
select ok(app_private.purge_auth_events('90 days', 5000) >= 2, 'the cleanup purges what is older than 90 days');
select ok(app_private.purge_request_counters() >= 1, 'and stale quota windows');
reset role;
select is((select count(*)::int from app_public.auth_events where org_id = '44000000-0000-0000-0000-00000000000a'), 1,
  'the 89-day-old event stays');
select is((select count(*)::int from app_private.login_attempts where email = 'old@retention44.test'), 1,
  'recent login attempts stay');
select is((select count(*)::int from app_private.request_counters where subject = '44100000-0000-0000-0000-000000000001'), 1,
  'the current quota window stays');

select * from finish();
rollback;
