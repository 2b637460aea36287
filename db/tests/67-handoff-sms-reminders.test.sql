-- SMS reminders: queued with the booking (one per offset), moved by a reschedule, cancelled
-- with the appointment, kept out of the org's quiet hours (21:00-08:00 local), exactly one
-- per (appointment, offset); sending claims a message once; 21610 suppresses the number.
begin;
select plan(21);

insert into app_public.organizations (id, name, timezone) values ('67000000-0000-0000-0000-00000000000a', 'SMS A', 'America/New_York');
select app_private.configure_sms('67000000-0000-0000-0000-00000000000a', 'AC' || repeat('b', 32), null, 'twilio_auth_token_67_secret',
  '+14155550100', null, null, null, 'k', false);
insert into app_public.resources (org_id, id, name) values ('67000000-0000-0000-0000-00000000000a', '67400000-0000-0000-0000-000000000001', 'Dr. Ada');
insert into app_public.contacts (org_id, id, email, first_name, phone) values
  ('67000000-0000-0000-0000-00000000000a', '67500000-0000-0000-0000-000000000001', 'ann@sms.test', 'Ann', '+1 (415) 555-0123'),
  ('67000000-0000-0000-0000-00000000000a', '67500000-0000-0000-0000-000000000002', 'bob@sms.test', 'Bob', '+14155550199'),
  ('67000000-0000-0000-0000-00000000000a', '67500000-0000-0000-0000-000000000003', 'cy@sms.test', 'Cy', null);

-- Quiet hours on the org's wall clock.
select is(app_private.sms_send_time('America/New_York', '2030-01-08 23:00 America/New_York', '21:00', '08:00', null, '2030-01-01'),
  '2030-01-09 08:00 America/New_York'::timestamptz, 'a reminder due at 23:00 local goes out at 08:00');
select is(app_private.sms_send_time('America/New_York', '2030-01-09 03:00 America/New_York', '21:00', '08:00', null, '2030-01-01'),
  '2030-01-09 08:00 America/New_York'::timestamptz, 'one due at 03:00 too');
select is(app_private.sms_send_time('America/New_York', '2030-01-09 12:00 America/New_York', '21:00', '08:00', null, '2030-01-01'),
  '2030-01-09 12:00 America/New_York'::timestamptz, 'one due at noon goes at noon');
select is(app_private.sms_send_time('America/New_York', '2030-01-08 23:00 America/New_York', '21:00', '08:00',
                                    '2030-01-09 07:30 America/New_York', '2030-01-01'),
  '2030-01-08 20:59 America/New_York'::timestamptz, 'when 08:00 is too late for the appointment, the last minute before the quiet hours');

insert into app_public.appointments (org_id, id, resource_id, contact_id, starts_at, ends_at) values
  ('67000000-0000-0000-0000-00000000000a', '67600000-0000-0000-0000-000000000001', '67400000-0000-0000-0000-000000000001',
   '67500000-0000-0000-0000-000000000001', '2030-01-09 23:00 America/New_York', '2030-01-09 23:30 America/New_York');
select results_eq($$ select reminder_offset, send_at, status, to_number from app_public.sms_messages
                      where appointment_id = '67600000-0000-0000-0000-000000000001' order by reminder_offset desc $$,
  $$ values ('24 hours'::interval, '2030-01-09 08:00 America/New_York'::timestamptz, 'scheduled'::text, '+14155550123'::text),
            ('2 hours'::interval, '2030-01-09 20:59 America/New_York'::timestamptz, 'scheduled', '+14155550123') $$,
  'a booking queues one reminder per offset, outside quiet hours, to the contact''s E.164 number');
select is((select count(*)::int from graphile_worker.jobs j join app_public.sms_messages m on j.key = 'send_sms:' || m.id
            where m.appointment_id = '67600000-0000-0000-0000-000000000001' and j.run_at = m.send_at), 2,
  'each reminder has its job at its time');
select throws_ok($$ insert into app_public.sms_messages (org_id, kind, appointment_id, reminder_offset, to_number)
                    values ('67000000-0000-0000-0000-00000000000a', 'reminder', '67600000-0000-0000-0000-000000000001', '2 hours', '+14155550123') $$,
  '23505', null, 'a second reminder for the same (appointment, offset) cannot exist');

update app_public.appointments set starts_at = '2030-01-15 15:00 America/New_York', ends_at = '2030-01-15 15:30 America/New_York'
 where id = '67600000-0000-0000-0000-000000000001';
select results_eq($$ select send_at from app_public.sms_messages where appointment_id = '67600000-0000-0000-0000-000000000001' order by reminder_offset desc $$,
  $$ values ('2030-01-14 15:00 America/New_York'::timestamptz), ('2030-01-15 13:00 America/New_York') $$,
  'a reschedule moves the pending reminders');
select is((select count(*)::int from graphile_worker.jobs j join app_public.sms_messages m on j.key = 'send_sms:' || m.id
            where m.appointment_id = '67600000-0000-0000-0000-000000000001' and j.run_at = m.send_at), 2, 'and their jobs');
update app_public.appointments set status = 'cancelled' where id = '67600000-0000-0000-0000-000000000001';
select is((select array_agg(status) from app_public.sms_messages where appointment_id = '67600000-0000-0000-0000-000000000001'),
  array['cancelled', 'cancelled'], 'a cancel removes them');
create temp table gone as select id from app_public.sms_messages where appointment_id = '67600000-0000-0000-0000-000000000001' limit 1;
select is_empty($$ select * from app_private.begin_sms_send('67000000-0000-0000-0000-00000000000a', (select id from gone), 'k') $$,
  'a cancelled reminder''s job sends nothing');

-- No phone, no reminder; a suppressed number gets none.
insert into app_public.appointments (org_id, resource_id, contact_id, starts_at, ends_at) values
  ('67000000-0000-0000-0000-00000000000a', '67400000-0000-0000-0000-000000000001', '67500000-0000-0000-0000-000000000003',
   '2030-02-01 15:00Z', '2030-02-01 15:30Z');
select is((select count(*)::int from app_public.sms_messages m join app_public.appointments a on a.id = m.appointment_id
            where a.contact_id = '67500000-0000-0000-0000-000000000003'), 0, 'a contact without a phone gets no reminder');
insert into app_public.suppressions (org_id, phone, reason) values ('67000000-0000-0000-0000-00000000000a', '+14155550199', 'unsubscribed');
insert into app_public.appointments (org_id, id, resource_id, contact_id, starts_at, ends_at) values
  ('67000000-0000-0000-0000-00000000000a', '67600000-0000-0000-0000-000000000002', '67400000-0000-0000-0000-000000000001',
   '67500000-0000-0000-0000-000000000002', '2030-02-02 15:00Z', '2030-02-02 15:30Z');
select is((select array_agg(distinct status) from app_public.sms_messages where appointment_id = '67600000-0000-0000-0000-000000000002'),
  array['suppressed'], 'an opted-out number gets no reminder');

-- Sending: one claim per message.
create temp table m1 as select app_private.queue_sms('67000000-0000-0000-0000-00000000000a', 'message', '67500000-0000-0000-0000-000000000001',
  null, '+14155550123', 'Hello Ann') as id;
create temp table claim as select * from app_private.begin_sms_send('67000000-0000-0000-0000-00000000000a', (select id from m1), 'k');
select is((select (username, password, from_number, to_number, body) from claim),
  row('AC' || repeat('b', 32), 'twilio_auth_token_67_secret'::text, '+14155550100'::text, '+14155550123'::text, 'Hello Ann'::text),
  'a claim gets the account, the decrypted token and the message');
select is_empty($$ select * from app_private.begin_sms_send('67000000-0000-0000-0000-00000000000a', (select id from m1), 'k') $$,
  'a second worker gets nothing: one SMS per message');
select is(app_private.finish_sms_send('67000000-0000-0000-0000-00000000000a', (select id from m1), 201, 'SM' || repeat('1', 32), 'queued', null, null, 'Hello Ann'),
  'queued', 'the sid and status are recorded');
select ok(exists (select 1 from app_public.pipeline_events where kind = 'sms_sent' and contact_id = '67500000-0000-0000-0000-000000000001'),
  'the SMS is on the contact''s timeline');

-- 21610: the recipient unsubscribed at the carrier; suppressed, never retried.
create temp table m2 as select app_private.queue_sms('67000000-0000-0000-0000-00000000000a', 'message', '67500000-0000-0000-0000-000000000001',
  null, '+14155550123', 'Again') as id;
create temp table m3 as select app_private.queue_sms('67000000-0000-0000-0000-00000000000a', 'message', '67500000-0000-0000-0000-000000000001',
  null, '+14155550123', 'And again') as id;
update app_public.sms_messages set send_at = now() + interval '1 hour' where id = (select id from m3);
select count(*) from app_private.begin_sms_send('67000000-0000-0000-0000-00000000000a', (select id from m2), 'k');
select is(app_private.finish_sms_send('67000000-0000-0000-0000-00000000000a', (select id from m2), 400, null, null, 21610,
  'Attempt to send to unsubscribed recipient', null), 'suppressed', 'error 21610 is not retried');
select is((select reason from app_public.suppressions where phone = '+14155550123'), 'unsubscribed', 'it suppresses the number (E.164)');
select is((select status from app_public.sms_messages where id = (select id from m3)), 'suppressed', 'and what was still queued for it');
select is((select count(*)::int from app_public.dead_letters where ref_id = (select id from m2)), 0, 'an opt-out is not a dead letter');

select * from finish();
rollback;
