-- Email sending, row-level security: every new table (sending_accounts, sequence_steps,
-- sequence_enrollments, emails) is invisible across orgs; admins manage accounts and steps,
-- members only read steps, enrollments and emails; the RPCs stay inside the caller's org.
begin;
select plan(22);

insert into app_public.organizations (id, name) values
  ('33000000-0000-0000-0000-0000000000a1', 'Send RLS A'),
  ('33000000-0000-0000-0000-0000000000b1', 'Send RLS B');
insert into app_public.users (id, email) values
  ('33000000-0000-0000-0000-000000000001', 'admin@send-rls.test'),
  ('33000000-0000-0000-0000-000000000002', 'member@send-rls.test'),
  ('33000000-0000-0000-0000-000000000009', 'admin-b@send-rls.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('33000000-0000-0000-0000-0000000000a1', '33000000-0000-0000-0000-000000000001', 'owner'),
  ('33000000-0000-0000-0000-0000000000a1', '33000000-0000-0000-0000-000000000002', 'member'),
  ('33000000-0000-0000-0000-0000000000b1', '33000000-0000-0000-0000-000000000009', 'owner');

-- Each org: one account, one campaign with one step, one enrolled contact and its email.
create temp table fx as
select o.org,
       app_private.create_sending_account(o.org, 'acct', ('s@' || o.tag || '.test')::citext, null, '127.0.0.1', 2525, false, 'u', 'secret-pw', 5, 'test-key') as account_id,
       app_private.create_campaign(o.org, 'Seq ' || o.tag, 'manual', null) as campaign_id
  from (values ('33000000-0000-0000-0000-0000000000a1'::uuid, 'a'), ('33000000-0000-0000-0000-0000000000b1'::uuid, 'b')) o(org, tag);
insert into app_public.sequence_steps (org_id, campaign_id, position, subject_template, html_template)
select org, campaign_id, 1, 'Hi', '<p>Hi</p>' from fx;
insert into app_public.contacts (org_id, email) select org, 'c@' || substr(org::text, 8, 3) || '.test' from fx;
select app_private.enroll(fx.org, fx.campaign_id, array(select id from app_public.contacts k where k.org_id = fx.org)) from fx;

grant select on fx to authenticated;
select is((select count(*)::int from app_public.emails where org_id in (select org from fx)), 2, 'fixture: one queued email per org');
select is((select count(*)::int from (select * from app_private.sending_account_secrets where org_id in (select org from fx) offset 0) s
            where pgp_sym_decrypt(password_encrypted, 'test-key') = 'secret-pw' and position('secret-pw' in encode(password_encrypted, 'escape')) = 0), 2,
  'SMTP passwords are stored encrypted (pgcrypto) and decrypt with the key');

-- Admin of A
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"33000000-0000-0000-0000-000000000001","org_id":"33000000-0000-0000-0000-0000000000a1","org_role":"owner"}', true);
select results_eq('select name from app_public.sending_accounts', $$values ('acct')$$, 'an admin sees only their org''s sending accounts');
select is((select count(*)::int from app_public.sequence_steps), 1, 'steps: own org only');
select is((select count(*)::int from app_public.sequence_enrollments), 1, 'enrollments: own org only');
select is((select count(*)::int from app_public.emails), 1, 'emails: own org only');
select is((select count(*)::int from app_public.emails where org_id = '33000000-0000-0000-0000-0000000000b1'), 0, 'another org''s emails are invisible even by id');
select throws_ok($$insert into app_public.sequence_steps (org_id, campaign_id, position, html_template)
                   select '33000000-0000-0000-0000-0000000000b1', campaign_id, 2, 'x' from fx where org = '33000000-0000-0000-0000-0000000000b1'$$,
  '42501', null, 'no step into another org');
select throws_ok($$insert into app_public.sequence_steps (campaign_id, position, html_template)
                   select campaign_id, 2, 'x' from fx where org = '33000000-0000-0000-0000-0000000000b1'$$,
  '23503', null, 'a step of the own org cannot point at another org''s campaign');
select lives_ok($$insert into app_public.sequence_steps (campaign_id, position, html_template)
                  select campaign_id, 2, '<p>Follow-up</p>' from fx where org = '33000000-0000-0000-0000-0000000000a1'$$, 'an admin adds a step');
update app_public.sending_accounts set daily_cap = 1 where org_id = '33000000-0000-0000-0000-0000000000b1';
update app_public.sending_accounts set daily_cap = 7;
select throws_ok($$select app_public.enroll_contacts((select campaign_id from fx where org = '33000000-0000-0000-0000-0000000000b1'), '{}')$$,
  'PT404', null, 'enrolling into another org''s campaign: not found');
select is(app_public.batch_update_email_status(array(select id from app_public.emails), 'skipped'), 1,
  'the batch RPC sees the own org''s email');
select throws_ok($$select app_public.batch_update_email_status(array(select gen_random_uuid() from generate_series(1, 1001)), 'skipped')$$,
  '22023', 'ids must hold at most 1000 ids', 'more than 1,000 ids: a client error (400)');
select throws_ok($$select app_public.batch_update_email_status('{}', 'sent')$$, '22023', null, 'only queued or skipped may be set');
select throws_ok($$select * from app_public.sending_accounts where smtp_host is not null and pg_catalog.length((select password_encrypted::text from app_private.sending_account_secrets limit 1)) > 0$$,
  '42501', null, 'the encrypted passwords are not readable by clients');

-- Member of A
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"33000000-0000-0000-0000-000000000002","org_id":"33000000-0000-0000-0000-0000000000a1","org_role":"member"}', true);
select is((select count(*)::int from app_public.sending_accounts), 0, 'members do not see sending accounts');
select is((select count(*)::int from app_public.emails), 1, 'members see their org''s emails');
select throws_ok($$insert into app_public.sequence_steps (campaign_id, position, html_template)
                   select campaign_id, 3, 'x' from fx where org = '33000000-0000-0000-0000-0000000000a1'$$, '42501', null, 'members do not add steps');
select throws_ok($$select app_public.batch_update_email_status('{}', 'skipped')$$, '42501', null, 'members do not batch-update emails');

reset role;
select results_eq($$select daily_cap from app_public.sending_accounts where org_id in (select org from fx) order by org_id$$, $$values (7), (5)$$,
  'updates reached only the admin''s own org');
select results_eq($$select status from app_public.emails where org_id in (select org from fx) order by org_id$$, $$values ('skipped'), ('queued')$$,
  'the batch RPC changed only the own org''s email');
select is((select count(*)::int from app_public.sequence_steps where org_id = '33000000-0000-0000-0000-0000000000b1'), 1,
  'the other org''s steps are untouched');

select * from finish();
rollback;
