-- Issue 19, finding 6: members see neither raw inbox bodies (webhook_events, which carry
-- every contact's data) nor pipeline events about leads that are not theirs; admins see all.
-- A sending account whose SMTP server or login changes forgets its password and is disabled
-- until a password is entered again.
begin;
select plan(13);

insert into app_public.organizations (id, name) values ('a8700000-0000-0000-0000-00000000000a', 'Visibility A');
insert into app_public.users (id, email) values
  ('a8710000-0000-0000-0000-000000000001', 'admin@visibility.test'),
  ('a8720000-0000-0000-0000-000000000002', 'member@visibility.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a8700000-0000-0000-0000-00000000000a', 'a8710000-0000-0000-0000-000000000001', 'owner'),
  ('a8700000-0000-0000-0000-00000000000a', 'a8720000-0000-0000-0000-000000000002', 'member');
create temp table src as
select (app_private.create_source('a8700000-0000-0000-0000-00000000000a', 'smartlead', 'SL', 'k')).source_id as id;
select app_private.ingest_webhook_event((select id from src), 'smartlead', 'vis-1', 'someone@visibility.test', 'EMAIL_SENT', now(),
  '{"event_type":"EMAIL_SENT","campaign_id":"v1","campaign_name":"V","to_email":"someone@visibility.test"}');
insert into app_public.leads (org_id, id, first_name, email, mak, assigned_to) values
  ('a8700000-0000-0000-0000-00000000000a', 'a8730000-0000-0000-0000-000000000001', 'Mine', 'mine@visibility.test', 'MAK-VIS-1', 'a8720000-0000-0000-0000-000000000002'),
  ('a8700000-0000-0000-0000-00000000000a', 'a8730000-0000-0000-0000-000000000002', 'Theirs', 'theirs@visibility.test', 'MAK-VIS-2', null);
insert into app_public.pipeline_events (org_id, kind, subject_id, data) values
  ('a8700000-0000-0000-0000-00000000000a', 'consented', 'a8730000-0000-0000-0000-000000000001', '{"email":"mine@visibility.test"}'),
  ('a8700000-0000-0000-0000-00000000000a', 'consented', 'a8730000-0000-0000-0000-000000000002', '{"email":"theirs@visibility.test"}'),
  ('a8700000-0000-0000-0000-00000000000a', 'lead_import_merged', gen_random_uuid(), '{"rows": 10}');
insert into app_public.pipeline_events (org_id, kind, actor_id, data) values
  ('a8700000-0000-0000-0000-00000000000a', 'callback_requested', 'a8720000-0000-0000-0000-000000000002', '{}');

set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8720000-0000-0000-0000-000000000002","org_id":"a8700000-0000-0000-0000-00000000000a","org_role":"member"}', true);
select is((select count(*)::int from app_public.webhook_events), 0, 'a member reads no inbox bodies');
select is((select count(*)::int from app_public.leads), 1, 'a member reads only the assigned lead');
select set_eq($$ select data ->> 'email' from app_public.pipeline_events where kind = 'consented' $$, array['mine@visibility.test'],
  'and only the pipeline events of that lead');
select is((select count(*)::int from app_public.pipeline_events where kind = 'lead_import_merged'), 0, 'no import events');
select is((select count(*)::int from app_public.pipeline_events where kind = 'callback_requested'), 1, 'but the events of their own actions');

select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8710000-0000-0000-0000-000000000001","org_id":"a8700000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
select is((select count(*)::int from app_public.webhook_events), 1, 'an admin reads the inbox');
select is((select count(*)::int from app_public.pipeline_events), 4, 'and every pipeline event');
reset role;

-- Sending accounts: a changed host forgets the password.
create temp table acct as
select app_private.create_sending_account('a8700000-0000-0000-0000-00000000000a', 'Main', 'me@visibility.test', null, 'smtp.example.test', 587, false,
                                          'me@visibility.test', 'the operator''s password', 50, 'test-key') as id;
grant select on acct to authenticated;
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8710000-0000-0000-0000-000000000001","org_id":"a8700000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
update app_public.sending_accounts set daily_cap = 40 where id = (select id from acct);
reset role;
select is((select count(*)::int from app_private.sending_account_secrets where account_id = (select id from acct)), 1, 'tuning the cap keeps the password');
set local role authenticated;
update app_public.sending_accounts set smtp_host = 'smtp.attacker.test' where id = (select id from acct);
reset role;
select is((select (enabled, disabled_reason) from app_public.sending_accounts where id = (select id from acct)), row(false, 'credentials_changed'::text),
  'pointing the account at another server disables it');
select is((select count(*)::int from app_private.sending_account_secrets where account_id = (select id from acct)), 0, 'and forgets the stored password');
set local role authenticated;
select throws_ok($$update app_public.sending_accounts set enabled = true where id = (select id from acct)$$, '22023', null,
  'an account without a password cannot be enabled');
reset role;
select ok(app_private.set_sending_account_password((select id from acct), 'a new password', 'test-key'), 'the operator enters a password again');
select is((select enabled from app_public.sending_accounts where id = (select id from acct)), true, 'which enables the account');

select * from finish();
rollback;
