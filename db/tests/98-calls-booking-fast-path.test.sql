-- The booking fast path (issue 23): app_private.book_appointment does its look-ups inline and
-- a new appointment fires ONE after-insert trigger instead of three. What the three did must
-- still happen on every write path (the booking function and a direct INSERT): the domain
-- event to subscribed endpoints only, a write-back job per writable calendar, the pipeline
-- event; the blocked range from the resource's buffers when the writer gives none; the same
-- errors (not_authenticated, slot_taken with the taken slot, idempotency).
begin;
select plan(16);

insert into app_public.organizations (id, name, timezone) values ('a9800000-0000-0000-0000-00000000000a', 'Fast 98', 'UTC');
insert into app_public.users (id, email) values ('a9810000-0000-0000-0000-000000000001', 'owner@fast98.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a9800000-0000-0000-0000-00000000000a', 'a9810000-0000-0000-0000-000000000001', 'owner');
insert into app_public.resources (org_id, id, name, buffer_before, buffer_after) values
  ('a9800000-0000-0000-0000-00000000000a', 'a9840000-0000-0000-0000-000000000001', 'Room 98', '10 minutes', '5 minutes'),
  ('a9800000-0000-0000-0000-00000000000a', 'a9840000-0000-0000-0000-000000000002', 'Room 98b', '0', '0');

\ir fixtures/error-of.sql

-- A direct INSERT without a range gets it from the buffers (the insert trigger's WHEN).
insert into app_public.appointments (org_id, id, resource_id, starts_at, ends_at) values
  ('a9800000-0000-0000-0000-00000000000a', 'a9850000-0000-0000-0000-000000000001', 'a9840000-0000-0000-0000-000000000001',
   '2031-05-05 10:00Z', '2031-05-05 10:30Z');
select is((select blocked from app_public.appointments where id = 'a9850000-0000-0000-0000-000000000001'),
  tstzrange('2031-05-05 09:50Z', '2031-05-05 10:35Z', '[)'), 'a direct insert without a range gets the buffered range');
select is((select count(*)::int from app_public.delivery_messages where org_id = 'a9800000-0000-0000-0000-00000000000a'), 0,
  'no endpoint subscribed: no domain event is stored');

-- An endpoint for other event types only, one for appointment.booked, and a writable calendar.
select endpoint_id as other_ep from app_private.create_delivery_endpoint('a9800000-0000-0000-0000-00000000000a',
  'https://hooks.example.com/other', '{lead.fed}', null, 'k', false) \gset
select endpoint_id as booked_ep from app_private.create_delivery_endpoint('a9800000-0000-0000-0000-00000000000a',
  'https://hooks.example.com/booked', '{appointment.booked,appointment.cancelled}', null, 'k', false) \gset
select isnt(app_private.create_calendar_source('a9840000-0000-0000-0000-000000000001', 'caldav', 'cal',
  'https://caldav.example.com/cal/', 'u', 'p', true, null, 'k', false), null, 'a CalDAV source marked write');

set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a9810000-0000-0000-0000-000000000001","org_id":"a9800000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
select id as appt from app_public.book_appointment('2031-05-05 12:00Z', '2031-05-05 12:30Z', null,
  'a9840000-0000-0000-0000-000000000001', 'key-98') \gset
select is((select id from app_public.book_appointment('2031-05-05 12:00Z', '2031-05-05 12:30Z', null,
  'a9840000-0000-0000-0000-000000000001', 'key-98')), :'appt'::uuid, 'a retried idempotency key returns the first booking');
select is(pg_temp.error_of($$select app_public.book_appointment('2031-05-05 12:20Z', '2031-05-05 12:50Z', null,
  'a9840000-0000-0000-0000-000000000001')$$),
  '{"sqlstate":"PT409","hint":"slot_taken","detail":{"resource_id":"a9840000-0000-0000-0000-000000000001","starts_at":"2031-05-05T12:00:00+00:00","ends_at":"2031-05-05T12:30:00+00:00"}}'::jsonb,
  'an overlapping booking: PT409 slot_taken naming the taken slot');
select is(pg_temp.error_of($$select app_public.book_appointment('2031-05-05 14:00Z', '2031-05-05 14:30Z', null,
  'a9840000-0000-0000-0000-0000000000ff')$$) ->> 'hint', 'resource_not_found', 'an unknown resource: resource_not_found');
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a9810000-0000-0000-0000-000000000001","org_id":"a9800000-0000-0000-0000-00000000000a"}', true);
select is(pg_temp.error_of($$select app_public.book_appointment('2031-05-05 14:00Z', '2031-05-05 14:30Z', null, null)$$),
  '{"sqlstate":"42501","hint":"not_authenticated","detail":null}'::jsonb, 'claims without an org role: not_authenticated');
select set_config('request.jwt.claims', '', true);
select is(pg_temp.error_of($$select app_public.book_appointment('2031-05-05 14:00Z', '2031-05-05 14:30Z', null, null)$$) ->> 'sqlstate',
  '42501', 'no claims at all: not_authenticated');
reset role;

select is((select array_agg(p.kind) from app_public.pipeline_events p where p.subject_id = :'appt'), array['appointment_booked'],
  'one pipeline event for the booking (the retry added none)');
select is((select count(*)::int from app_public.deliveries d join app_public.delivery_messages m on m.id = d.message_id
            where m.event_type = 'appointment.booked' and m.payload #>> '{data,appointment_id}' = :'appt'), 1,
  'the booking''s domain event reaches the one subscribed endpoint');
select is((select count(*)::int from app_public.deliveries where endpoint_id = :'other_ep'), 0,
  'an endpoint of other event types gets nothing');
select is((select count(*)::int from graphile_worker._private_jobs j where j.key like 'calendar_push:%:' || :'appt'), 1,
  'one write-back job for the writable calendar');

-- A direct INSERT (any write path) sets off the same; on a resource without calendars no job.
insert into app_public.appointments (org_id, id, resource_id, starts_at, ends_at) values
  ('a9800000-0000-0000-0000-00000000000a', 'a9850000-0000-0000-0000-000000000002', 'a9840000-0000-0000-0000-000000000002',
   '2031-05-06 10:00Z', '2031-05-06 10:30Z');
select is((select count(*)::int from app_public.delivery_messages m
            where m.event_type = 'appointment.booked' and m.payload #>> '{data,appointment_id}' = 'a9850000-0000-0000-0000-000000000002'), 1,
  'a direct insert emits appointment.booked too');
select is((select count(*)::int from graphile_worker._private_jobs j where j.key like 'calendar_push:%:a9850000-0000-0000-0000-000000000002'), 0,
  'no write-back job for a resource without a writable calendar');
-- An appointment inserted already cancelled sets off nothing.
insert into app_public.appointments (org_id, id, resource_id, starts_at, ends_at, status) values
  ('a9800000-0000-0000-0000-00000000000a', 'a9850000-0000-0000-0000-000000000003', 'a9840000-0000-0000-0000-000000000001',
   '2031-05-07 10:00Z', '2031-05-07 10:30Z', 'cancelled');
select is((select count(*)::int from app_public.delivery_messages m where m.payload #>> '{data,appointment_id}' = 'a9850000-0000-0000-0000-000000000003')
          + (select count(*)::int from graphile_worker._private_jobs j where j.key like 'calendar_push:%:a9850000-0000-0000-0000-000000000003'), 0,
  'an appointment inserted cancelled sends nothing');

-- Updates keep their own triggers: a cancel emits appointment.cancelled.
update app_public.appointments set status = 'cancelled' where id = :'appt';
select is((select count(*)::int from app_public.delivery_messages m
            where m.event_type = 'appointment.cancelled' and m.payload #>> '{data,appointment_id}' = :'appt'), 1,
  'a cancel still emits appointment.cancelled');

select * from finish();
rollback;
