-- Console sequences RPCs: sending accounts (password encrypted, never readable, a new one
-- re-enables), today's use against the cap, step reordering, preview variables. Owners and
-- admins only; another org sees nothing.
begin;
select plan(15);

insert into app_public.organizations (id, name, timezone) values
  ('93000000-0000-0000-0000-0000000000a1', 'Seq A', 'America/New_York'),
  ('93000000-0000-0000-0000-0000000000b1', 'Seq B', 'UTC');
insert into app_public.users (id, email) values
  ('93000000-0000-0000-0000-000000000001', 'admin@seq-a.test'),
  ('93000000-0000-0000-0000-000000000002', 'member@seq-a.test'),
  ('93000000-0000-0000-0000-000000000009', 'owner@seq-b.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('93000000-0000-0000-0000-0000000000a1', '93000000-0000-0000-0000-000000000001', 'admin'),
  ('93000000-0000-0000-0000-0000000000a1', '93000000-0000-0000-0000-000000000002', 'member'),
  ('93000000-0000-0000-0000-0000000000b1', '93000000-0000-0000-0000-000000000009', 'owner');
insert into app_public.campaigns (org_id, id, name) values
  ('93000000-0000-0000-0000-0000000000a1', '93000000-0000-0000-0000-0000000000c1', 'Seq campaign');
insert into app_public.contacts (org_id, id, email, first_name, attributes) values
  ('93000000-0000-0000-0000-0000000000a1', '93000000-0000-0000-0000-0000000000d1', 'x@seq-a.test', '<img src=x onerror=alert(1)>', '{"city":"Austin"}');
create temp table ids (what text primary key, id uuid);
grant all on ids to authenticated, switchboard_gateway;

set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"93000000-0000-0000-0000-000000000001","org_id":"93000000-0000-0000-0000-0000000000a1","org_role":"admin"}', true);
-- Through the gateway (POST /console/rpc/create_sending_account): its role, the key as an argument.
set local role switchboard_gateway;
insert into ids select 'account', app_private.console_create_sending_account('pgtap-93-key', 'sales@seq-a.test', 'smtp.seq-a.test', 'sales', 's3cret-pass', 'Sales', 'Sam', 587, false, 40);
set local role authenticated;
select results_eq($$select name, from_email::text, daily_cap, enabled from app_public.sending_accounts$$,
  $$values ('Sales', 'sales@seq-a.test', 40, true)$$, 'an admin adds a sending account');
select throws_ok($$select * from app_private.sending_account_secrets$$, '42501', null, 'the password is never readable');
reset role;
select is((select pgp_sym_decrypt(password_encrypted, 'pgtap-93-key') from app_private.sending_account_secrets where account_id = (select id from ids)),
  's3cret-pass', 'the password is stored encrypted under the key');
update app_public.sending_accounts set enabled = false, disabled_reason = 'SMTP authentication failed' where id = (select id from ids);
insert into app_private.sending_account_usage (org_id, account_id, local_day, sent)
values ('93000000-0000-0000-0000-0000000000a1', (select id from ids), app_private.local_day('America/New_York'), 7);
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"93000000-0000-0000-0000-000000000001","org_id":"93000000-0000-0000-0000-0000000000a1","org_role":"admin"}', true);
select results_eq($$select sent, daily_cap from app_public.sending_account_usage_today()$$, $$values (7, 40)$$, 'today''s use against the cap');
set local role switchboard_gateway;
select ok(app_private.console_set_sending_account_password('pgtap-93-key', (select id from ids), 'new-pass'), 'a new password is accepted');
set local role authenticated;
select results_eq($$select enabled, disabled_reason from app_public.sending_accounts$$, $$values (true, null::text)$$, 'and re-enables the account');
reset role;
select ok(exists (select 1 from app_public.audit_log where table_name = 'app_public.sending_accounts' and action = 'insert'
                   and actor_id = '93000000-0000-0000-0000-000000000001'), 'adding the account is audited with the admin as actor');
select ok(not exists (select 1 from app_public.audit_log where new_values::text like '%pass%' and table_name <> 'app_private.sending_account_secrets')
          and exists (select 1 from app_public.audit_log where table_name = 'app_private.sending_account_secrets' and new_values = '{"password":"changed"}'),
  'the password change is audited, no password ever is');
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"93000000-0000-0000-0000-000000000001","org_id":"93000000-0000-0000-0000-0000000000a1","org_role":"admin"}', true);

-- Steps: add three, move the third up.
insert into app_public.sequence_steps (campaign_id, position, subject_template, html_template) values
  ('93000000-0000-0000-0000-0000000000c1', 1, 'Hi {{first_name}}', '<p>One</p>'),
  ('93000000-0000-0000-0000-0000000000c1', 2, null, '<p>Two</p>'),
  ('93000000-0000-0000-0000-0000000000c1', 3, null, '<p>Three</p>');
select app_public.move_sequence_step((select id from app_public.sequence_steps where html_template = '<p>Three</p>'), -1);
select results_eq($$select html_template from app_public.sequence_steps order by position$$,
  $$values ('<p>One</p>'), ('<p>Three</p>'), ('<p>Two</p>')$$, 'a step moves one place up');
select app_public.move_sequence_step((select id from app_public.sequence_steps where html_template = '<p>One</p>'), -1);
select results_eq($$select position from app_public.sequence_steps where html_template = '<p>One</p>'$$, $$values (1)$$, 'the first step cannot move up');
select is(app_public.email_preview_variables('93000000-0000-0000-0000-0000000000d1'),
  '{"city":"Austin","email":"x@seq-a.test","first_name":"<img src=x onerror=alert(1)>"}'::jsonb, 'the preview gets the contact''s variables as the sender builds them');

select set_config('request.jwt.claims', '{"role":"authenticated","sub":"93000000-0000-0000-0000-000000000002","org_id":"93000000-0000-0000-0000-0000000000a1","org_role":"member"}', true);
set local role switchboard_gateway;
select throws_ok($$select app_private.console_create_sending_account('pgtap-93-key', 'm@seq-a.test', 'h', 'u', 'p')$$, '42501', 'owners and admins only', 'members cannot add accounts');
set local role authenticated;
select throws_ok($$select * from app_public.sending_account_usage_today()$$, '42501', 'owners and admins only', 'members cannot see usage');
select throws_ok($$select app_public.move_sequence_step((select id from app_public.sequence_steps limit 1), 1)$$, '42501', 'owners and admins only', 'members cannot reorder steps');
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"93000000-0000-0000-0000-000000000009","org_id":"93000000-0000-0000-0000-0000000000b1","org_role":"owner"}', true);
set local role switchboard_gateway;
select throws_ok($$select app_private.console_set_sending_account_password('pgtap-93-key', (select id from ids), 'x')$$, 'PT404', null, 'another org cannot set the password');
reset role;

select * from finish();
rollback;
