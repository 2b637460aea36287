-- Bookings, issue 23, second pass (14-booking-speed-2.sql): app_private.book_appointment writes
-- the appointment and its pipeline event in ONE statement, checks overlap and calendar busy
-- blocks in one statement, takes its per-hour advisory locks in a loop of expressions, reads
-- the org's time zone only for a resource with business hours and runs no contact look-up
-- without a contact. What each of these could break is pinned here: exactly one pipeline
-- event per booking (none for a retried idempotency key), business hours read in the org's
-- time zone, the contact check, which PT409 wins when a slot is both taken and busy, and one
-- advisory lock per hour the slot (with its buffers) touches.
begin;
select plan(17);

insert into app_public.organizations (id, name, timezone) values ('a9500000-0000-0000-0000-00000000000a', 'One 95', 'America/New_York');
insert into app_public.users (id, email) values ('a9510000-0000-0000-0000-000000000001', 'owner@one95.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a9500000-0000-0000-0000-00000000000a', 'a9510000-0000-0000-0000-000000000001', 'owner');
insert into app_public.resources (org_id, id, name, buffer_before, buffer_after) values
  ('a9500000-0000-0000-0000-00000000000a', 'a9540000-0000-0000-0000-000000000001', 'Open room', '0', '0'),
  ('a9500000-0000-0000-0000-00000000000a', 'a9540000-0000-0000-0000-000000000002', 'Office hours', '0', '0'),
  ('a9500000-0000-0000-0000-00000000000a', 'a9540000-0000-0000-0000-000000000003', 'Buffered', '15 minutes', '0');
-- Monday 09:00–17:00 in New York (14:00–22:00 UTC in January).
insert into app_public.resource_hours (org_id, resource_id, weekday, opens_at, closes_at) values
  ('a9500000-0000-0000-0000-00000000000a', 'a9540000-0000-0000-0000-000000000002', 1, '09:00', '17:00');
insert into app_public.contacts (org_id, id) values ('a9500000-0000-0000-0000-00000000000a', 'a9560000-0000-0000-0000-000000000001');
select app_private.create_calendar_source('a9540000-0000-0000-0000-000000000001', 'caldav', 'cal',
  'https://caldav.example.com/cal95/', 'u', 'p', false, null, 'k', false) as source \gset
insert into app_public.external_busy (org_id, resource_id, source_id, busy, uid) values
  ('a9500000-0000-0000-0000-00000000000a', 'a9540000-0000-0000-0000-000000000001', :'source',
   tstzrange('2031-01-06 16:00Z', '2031-01-06 17:00Z', '[)'), 'busy-95');

\ir fixtures/error-of.sql

set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a9510000-0000-0000-0000-000000000001","org_id":"a9500000-0000-0000-0000-00000000000a","org_role":"owner"}', true);

-- One booking, one pipeline event naming it.
select id as plain_appt from app_public.book_appointment('2031-01-06 10:00Z', '2031-01-06 10:30Z', null,
  'a9540000-0000-0000-0000-000000000001') \gset
reset role;
select is((select count(*)::int from app_public.pipeline_events where subject_id = :'plain_appt' and kind = 'appointment_booked'), 1,
  'a booking writes exactly one appointment_booked pipeline event');
select is((select data from app_public.pipeline_events where subject_id = :'plain_appt'),
  jsonb_build_object('resource_id', 'a9540000-0000-0000-0000-000000000001'::uuid, 'starts_at', '2031-01-06 10:00Z'::timestamptz,
                     'ends_at', '2031-01-06 10:30Z'::timestamptz, 'source', 'api'),
  'the event carries the resource, the slot and the source');
select is((select actor_id from app_public.pipeline_events where subject_id = :'plain_appt'), 'a9510000-0000-0000-0000-000000000001'::uuid,
  'the event names the member who booked');

-- A keyed booking: one event, and a retry with the same key none.
set local role authenticated;
select id as keyed_appt from app_public.book_appointment('2031-01-06 11:00Z', '2031-01-06 11:30Z',
  'a9560000-0000-0000-0000-000000000001', 'a9540000-0000-0000-0000-000000000001', 'key-95') \gset
select is((select id from app_public.book_appointment('2031-01-06 11:00Z', '2031-01-06 11:30Z',
  'a9560000-0000-0000-0000-000000000001', 'a9540000-0000-0000-0000-000000000001', 'key-95')), :'keyed_appt'::uuid,
  'a retried idempotency key returns the first booking');
reset role;
select is((select count(*)::int from app_public.pipeline_events where subject_id = :'keyed_appt'), 1,
  'and writes no second pipeline event');
select is((select contact_id from app_public.pipeline_events where subject_id = :'keyed_appt'), 'a9560000-0000-0000-0000-000000000001'::uuid,
  'the event of a booking with a contact names the contact');
select is((select count(*)::int from app_public.appointments where org_id = 'a9500000-0000-0000-0000-00000000000a'), 2,
  'two bookings stored');

set local role authenticated;
-- The contact check still runs when there is a contact.
select is(pg_temp.error_of($$select app_public.book_appointment('2031-01-06 12:00Z', '2031-01-06 12:30Z',
  'a9560000-0000-0000-0000-0000000000ff', 'a9540000-0000-0000-0000-000000000001')$$) ->> 'hint', 'contact_not_found',
  'an unknown contact: contact_not_found');

-- Business hours read in the org's time zone (New York), not UTC.
select is(pg_temp.error_of($$select app_public.book_appointment('2031-01-06 10:00Z', '2031-01-06 10:30Z', null,
  'a9540000-0000-0000-0000-000000000002')$$) ->> 'hint', 'outside_business_hours',
  '10:00 UTC is 05:00 in New York: outside business hours');
select isnt((select id from app_public.book_appointment('2031-01-06 14:00Z', '2031-01-06 14:30Z', null,
  'a9540000-0000-0000-0000-000000000002')), null, '14:00 UTC is 09:00 in New York: booked');
select is(pg_temp.error_of($$select app_public.book_appointment('2031-01-06 21:45Z', '2031-01-06 22:15Z', null,
  'a9540000-0000-0000-0000-000000000002')$$) ->> 'hint', 'outside_business_hours',
  'a slot past 17:00 New York time: outside business hours');

-- Busy in the calendar; taken and busy at once: slot_taken names the booking (checked first).
select is(pg_temp.error_of($$select app_public.book_appointment('2031-01-06 16:30Z', '2031-01-06 17:00Z', null,
  'a9540000-0000-0000-0000-000000000001')$$),
  '{"sqlstate":"PT409","hint":"slot_taken","detail":{"resource_id":"a9540000-0000-0000-0000-000000000001","starts_at":"2031-01-06T16:00:00+00:00","ends_at":"2031-01-06T17:00:00+00:00","source":"calendar"}}'::jsonb,
  'a slot busy in the calendar: PT409 slot_taken naming the busy block and its source');
reset role;
insert into app_public.appointments (org_id, resource_id, starts_at, ends_at) values
  ('a9500000-0000-0000-0000-00000000000a', 'a9540000-0000-0000-0000-000000000001', '2031-01-06 15:30Z', '2031-01-06 16:15Z');
set local role authenticated;
select is(pg_temp.error_of($$select app_public.book_appointment('2031-01-06 16:00Z', '2031-01-06 16:30Z', null,
  'a9540000-0000-0000-0000-000000000001')$$),
  '{"sqlstate":"PT409","hint":"slot_taken","detail":{"resource_id":"a9540000-0000-0000-0000-000000000001","starts_at":"2031-01-06T15:30:00+00:00","ends_at":"2031-01-06T16:15:00+00:00"}}'::jsonb,
  'taken and busy at once: the booking that holds it is named');
reset role;
select is((select count(*)::int from app_public.pipeline_events p
            where p.org_id = 'a9500000-0000-0000-0000-00000000000a' and p.kind = 'appointment_booked'
              and not exists (select 1 from app_public.appointments a where a.org_id = p.org_id and a.id = p.subject_id)), 0,
  'a refused booking leaves no pipeline event behind');

-- One advisory lock per hour the slot touches, its buffer included: 09:50–11:30 is three hours.
set local role authenticated;
select isnt((select id from app_public.book_appointment('2031-01-07 10:05Z', '2031-01-07 11:30Z', null,
  'a9540000-0000-0000-0000-000000000003')), null, 'a buffered slot over three clock hours is booked');
reset role;
select is((select count(*)::int from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()
            and classid::int = hashtext('a9540000-0000-0000-0000-000000000003')
            and objid::bigint in (select floor(extract(epoch from h) / 3600)::bigint
                                    from generate_series(timestamptz '2031-01-07 09:00Z', timestamptz '2031-01-07 11:00Z', interval '1 hour') h)), 3,
  'it holds one advisory lock for each of the three hours (09, 10, 11) until commit');
select is((select count(*)::int from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()
            and classid::int = hashtext('a9540000-0000-0000-0000-000000000003')), 3, 'and no other hour of that resource');

select * from finish();
rollback;
