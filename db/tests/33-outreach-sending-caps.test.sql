-- Email sending, the queue: the per-account daily cap counter is exact (never above the cap,
-- a released slot is reusable once), accounts rotate, suppressed addresses are skipped in the
-- claim, the rest waits for the next local day's window, outcomes are final or retried.
-- (Concurrent claims from many sessions are proven in gateway/test/sending-cap.test.ts:
-- pgTAP runs one session and cannot open others without a password for dblink.)
begin;
select plan(28);

insert into app_public.organizations (id, name, timezone) values ('33c00000-0000-0000-0000-0000000000a1', 'Caps', 'Pacific/Kiritimati');
create temp table fx as
select app_private.create_sending_account('33c00000-0000-0000-0000-0000000000a1', 'one', 'one@caps.test', 'One', 'h', 25, false, 'u', 'p', 3, 'k') as a1,
       app_private.create_sending_account('33c00000-0000-0000-0000-0000000000a1', 'two', 'two@caps.test', null, 'h', 25, false, 'u', 'p', 2, 'k') as a2,
       app_private.create_campaign('33c00000-0000-0000-0000-0000000000a1', 'Caps', 'manual', null) as c;
update app_public.sending_accounts set window_days = '{1,2,3,4,5,6,7}', window_start = '00:00', window_end = '24:00',
       min_gap_seconds = 0, jitter_seconds = 0 where org_id = '33c00000-0000-0000-0000-0000000000a1';
insert into app_public.sequence_steps (org_id, campaign_id, position, subject_template, html_template)
select '33c00000-0000-0000-0000-0000000000a1', c, 1, 'Hi {{first_name}}', '<p>Hi</p>' from fx;
insert into app_public.sequence_steps (org_id, campaign_id, position, subject_template, html_template, delay_days)
select '33c00000-0000-0000-0000-0000000000a1', c, 2, null, '<p>Again</p>', 2 from fx;
insert into app_public.contacts (org_id, email, first_name)
select '33c00000-0000-0000-0000-0000000000a1', 'r' || g || '@caps.test', 'R' || g from generate_series(1, 10) g;
insert into app_public.suppressions (org_id, email, reason) values ('33c00000-0000-0000-0000-0000000000a1', 'r10@caps.test', 'bounced');
insert into app_public.leads (org_id, mak, email, campaign_status) values ('33c00000-0000-0000-0000-0000000000a1', 'CAPS-9', 'r9@caps.test', 'do_not_contact');

select is(app_private.enroll('33c00000-0000-0000-0000-0000000000a1', (select c from fx),
                             array(select id from app_public.contacts where org_id = '33c00000-0000-0000-0000-0000000000a1')), 10,
  'enrolling ten contacts queues ten first steps');
select is(app_private.enroll('33c00000-0000-0000-0000-0000000000a1', (select c from fx),
                             array(select id from app_public.contacts where org_id = '33c00000-0000-0000-0000-0000000000a1')), 0,
  'enrolling again queues nothing');

create temp table claimed as select * from app_private.claim_emails(100, 'k', '33c00000-0000-0000-0000-0000000000a1');
select is((select count(*)::int from claimed), 5, 'one claim takes exactly the two caps (3 + 2)');
select results_eq($$select account_id, count(*)::int from claimed group by 1 order by 2 desc$$,
  $$select a1, 3 from fx union all select a2, 2 from fx$$, 'each account up to its own cap');
select results_eq($$select sent from app_private.sending_account_usage where org_id = '33c00000-0000-0000-0000-0000000000a1' order by sent desc$$, $$values (3), (2)$$,
  'the counters hold the caps exactly');
select is((select count(*)::int from app_private.claim_emails(100, 'k', '33c00000-0000-0000-0000-0000000000a1')), 0, 'a second claim gets nothing');
select is((select count(*)::int from app_public.emails where org_id = '33c00000-0000-0000-0000-0000000000a1' and status = 'skipped' and last_error like 'suppressed:%'), 2,
  'the suppressed address and the do-not-contact lead are skipped in the claim');
select is((select count(*)::int from app_public.emails e join app_public.organizations o on o.id = e.org_id
            where e.org_id = '33c00000-0000-0000-0000-0000000000a1' and e.status = 'queued' and e.scheduled_at = ((now() at time zone o.timezone)::date + 1 + time '00:00') at time zone o.timezone), 3,
  'the rest waits for the next local day''s window (org time zone)');
select is((select smtp_password from claimed limit 1), 'p', 'the claim decrypts the SMTP password with the key');
select ok((select bool_and(message_id ~ '^<[0-9a-f-]{36}@caps\.test>$') from claimed), 'each claim records a Message-ID');

-- Outcomes
select is(app_private.finish_email((select email_id from claimed order by to_email limit 1 offset 0), 'sent', null, 'Hi R1'), 'sent', 'sent');
select is((select count(*)::int from app_public.emails where org_id = '33c00000-0000-0000-0000-0000000000a1' and step_position = 2 and status = 'queued'
             and in_reply_to = (select message_id from claimed order by to_email limit 1)
             and scheduled_at > now() + interval '47 hours'), 1, 'a sent step queues the next one in the thread after its delay');
select is(app_private.finish_email((select email_id from claimed order by to_email limit 1 offset 1), 'permanent', '550 no such user'), 'failed',
  'a permanent failure is final');
select is(app_private.finish_email((select email_id from claimed order by to_email limit 1 offset 1), 'transient', 'again'), 'ignored',
  'a finished email is never retried');
select is(app_private.finish_email((select email_id from claimed order by to_email limit 1 offset 2), 'transient', '451 later'), 'retry',
  'a transient failure is retried');
select ok((select scheduled_at > now() + interval '20 seconds' from app_public.emails where id = (select email_id from claimed order by to_email limit 1 offset 2)),
  'with backoff');
select is((select sum(sent)::int from app_private.sending_account_usage where org_id = '33c00000-0000-0000-0000-0000000000a1'), 3, 'failed sends gave their slots back');
update app_public.emails set scheduled_at = now() where org_id = '33c00000-0000-0000-0000-0000000000a1' and status = 'queued' and step_position = 1;
select is((select count(*)::int from app_private.claim_emails(100, 'k', '33c00000-0000-0000-0000-0000000000a1')), 2, 'exactly the two released slots are claimed again');
select is((select sum(sent)::int from app_private.sending_account_usage where org_id = '33c00000-0000-0000-0000-0000000000a1'), 5, 'never above the caps');
select is((select sent from app_public.campaign_counters where campaign_id = (select c from fx)), 1::bigint,
  'the sent email is counted once in the campaign metrics');


-- Windows (org time zone) and the minimum gap: an account outside its window sends nothing
-- and the email waits for the window's next opening; after a send, the next one waits the gap.
insert into app_public.organizations (id, name, timezone) values
  ('33c00000-0000-0000-0000-0000000000b1', 'Window', 'America/New_York'),
  ('33c00000-0000-0000-0000-0000000000c1', 'Gap', 'UTC');
create temp table fx2 as
select app_private.create_sending_account('33c00000-0000-0000-0000-0000000000b1', 'w', 'w@caps.test', null, 'h', 25, false, 'u', 'p', 10, 'k') as w,
       app_private.create_sending_account('33c00000-0000-0000-0000-0000000000c1', 'g', 'g@caps.test', null, 'h', 25, false, 'u', 'p', 10, 'k') as g,
       app_private.create_campaign('33c00000-0000-0000-0000-0000000000b1', 'W', 'manual', null) as cw,
       app_private.create_campaign('33c00000-0000-0000-0000-0000000000c1', 'G', 'manual', null) as cg;
-- Only tomorrow (New York's weekday), 09:00–17:00 New York time.
update app_public.sending_accounts set window_days = array[extract(isodow from (now() at time zone 'America/New_York') + interval '1 day')::smallint],
       window_start = '09:00', window_end = '17:00' where id = (select w from fx2);
update app_public.sending_accounts set window_days = '{1,2,3,4,5,6,7}', window_start = '00:00', window_end = '24:00',
       min_gap_seconds = 600, jitter_seconds = 0 where id = (select g from fx2);
insert into app_public.sequence_steps (org_id, campaign_id, position, subject_template, html_template)
select '33c00000-0000-0000-0000-0000000000b1'::uuid, cw, 1, 'Hi', '<p>Hi</p>' from fx2
union all select '33c00000-0000-0000-0000-0000000000c1', cg, 1, 'Hi', '<p>Hi</p>' from fx2;
insert into app_public.contacts (org_id, email) values
  ('33c00000-0000-0000-0000-0000000000b1', 'w1@caps.test'),
  ('33c00000-0000-0000-0000-0000000000c1', 'g1@caps.test'), ('33c00000-0000-0000-0000-0000000000c1', 'g2@caps.test');
select app_private.enroll(o, c, array(select id from app_public.contacts where org_id = o))
  from (select '33c00000-0000-0000-0000-0000000000b1'::uuid o, cw c from fx2 union all select '33c00000-0000-0000-0000-0000000000c1', cg from fx2) x;
select is((select count(*)::int from app_private.claim_emails(10, 'k', '33c00000-0000-0000-0000-0000000000b1')), 0, 'outside its window an account sends nothing');
select is((select scheduled_at from app_public.emails where org_id = '33c00000-0000-0000-0000-0000000000b1'),
          ((now() at time zone 'America/New_York')::date + 1 + time '09:00') at time zone 'America/New_York',
          'the email waits for the window''s next opening, in the org''s time zone');
select is((select count(*)::int from app_private.claim_emails(10, 'k', '33c00000-0000-0000-0000-0000000000c1')), 1, 'one send, then the gap');
select is((select scheduled_at from app_public.emails where org_id = '33c00000-0000-0000-0000-0000000000c1' and status = 'queued'),
          now() + interval '600 seconds', 'the next send waits the minimum gap');

-- An admin requeues the permanently failed email: its sequence resumes.
grant select on claimed to authenticated;
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"33c00000-0000-0000-0000-000000000001","org_id":"33c00000-0000-0000-0000-0000000000a1","org_role":"owner"}', true);
select is(app_public.batch_update_email_status(array[(select email_id from claimed order by to_email limit 1 offset 1)], 'queued'), 1,
  'an admin requeues a failed email');
reset role;
select is((select e.status from app_public.sequence_enrollments e join app_public.emails m on m.enrollment_id = e.id
            where m.id = (select email_id from claimed order by to_email limit 1 offset 1)), 'active', 'and its sequence resumes');
-- A deleted step: its queued email is skipped, no slot is taken.
delete from app_public.sequence_steps where org_id = '33c00000-0000-0000-0000-0000000000a1' and position = 2;
update app_public.emails set scheduled_at = now() where org_id = '33c00000-0000-0000-0000-0000000000a1' and status = 'queued';
select is((select count(*)::int from app_private.claim_emails(100, 'k', '33c00000-0000-0000-0000-0000000000a1')), 0, 'the caps are full: nothing is claimed');
select is((select last_error from app_public.emails where org_id = '33c00000-0000-0000-0000-0000000000a1' and step_position = 2), 'the sequence step was deleted',
  'a queued email whose step was deleted is skipped');
select * from finish();
rollback;
