-- Calendars and bookings in SQL: busy blocks refuse bookings and reschedules with the same
-- PT409 slot_taken (details.source = "calendar"), disappear from check_availability, our
-- own written events never count, SEQUENCE rises on reschedule and cancel, write-back jobs
-- are queued for `write` sources, and feed tokens are unforgeable and revocable.
begin;
select plan(19);

insert into app_public.organizations (id, name, timezone) values ('a5600000-0000-0000-0000-00000000000a', 'Cal56', 'America/New_York');
insert into app_public.users (id, email) values ('a5610000-0000-0000-0000-000000000001', 'owner@cal56.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a5600000-0000-0000-0000-00000000000a', 'a5610000-0000-0000-0000-000000000001', 'owner');
insert into app_public.resources (org_id, id, name, slot_minutes) values
  ('a5600000-0000-0000-0000-00000000000a', 'a5640000-0000-0000-0000-000000000001', 'Dr. 56', 60);
select isnt(app_private.create_calendar_source('a5640000-0000-0000-0000-000000000001', 'caldav', 'cal',
  'https://caldav.example.com/cal/', 'u', 'p', true, null, 'k', false), null, 'a CalDAV source marked write');

\ir fixtures/error-of.sql

-- 2031-03-03 is a Monday; 15:00-16:00 UTC busy (10:00-11:00 New York).
select is(app_private.calendar_sync_apply('a5600000-0000-0000-0000-00000000000a', s.id,
  '[{"uid":"standup@example.test","starts_at":"2031-03-03T15:00:00Z","ends_at":"2031-03-03T16:00:00Z"},
    {"uid":"a5650000-0000-0000-0000-000000000001","starts_at":"2031-03-03T18:00:00Z","ends_at":"2031-03-03T19:00:00Z"},
    {"uid":"bad","starts_at":"2031-03-03T20:00:00Z","ends_at":"2031-03-03T20:00:00Z"}]', null, 'c1', 'h1'), 2,
  'a sync stores its busy blocks (a UUID that is none of our appointments counts; an empty range is dropped)')
  from app_public.calendar_sources s where s.org_id = 'a5600000-0000-0000-0000-00000000000a';

set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a5610000-0000-0000-0000-000000000001","org_id":"a5600000-0000-0000-0000-00000000000a","org_role":"owner"}', true);

select is(pg_temp.error_of($$select app_public.book_appointment('2031-03-03T15:30:00Z', '2031-03-03T16:30:00Z', null, 'a5640000-0000-0000-0000-000000000001')$$),
  '{"sqlstate":"PT409","hint":"slot_taken","detail":{"resource_id":"a5640000-0000-0000-0000-000000000001","starts_at":"2031-03-03T15:00:00+00:00","ends_at":"2031-03-03T16:00:00+00:00","source":"calendar"}}'::jsonb,
  'booking into a busy block: PT409 slot_taken with the block and source "calendar"');
select lives_ok($$select app_public.book_appointment('2031-03-03T16:00:00Z', '2031-03-03T17:00:00Z', null, 'a5640000-0000-0000-0000-000000000001')$$,
  'the slot right after the block books');
select ok(not exists (select 1 from app_public.check_availability('a5640000-0000-0000-0000-000000000001', '2031-03-03')
                       where starts_at = '2031-03-03T15:00:00Z'), 'check_availability skips the busy slot');
select ok(exists (select 1 from app_public.check_availability('a5640000-0000-0000-0000-000000000001', '2031-03-03')
                   where starts_at = '2031-03-03T14:00:00Z'), '… and offers the free one before it');
select is((select count(*)::int from app_public.check_availability('a5640000-0000-0000-0000-000000000001', '2031-03-03')),
  24 - 3, 'the day has 24 hourly slots minus two busy ones and the booked one (check_availability and the Vapi tools read app_private.available_slots)');

-- Reschedule into the block: refused the same way, the booking stays.
select id as appt from app_public.appointments where starts_at = '2031-03-03T16:00:00Z' \gset
select is(pg_temp.error_of(format($$select app_public.reschedule_appointment(%L, '2031-03-03T14:30:00Z', '2031-03-03T15:30:00Z')$$, :'appt')) ->> 'hint',
  'slot_taken', 'a reschedule into a busy block is refused');
select is((select starts_at from app_public.appointments where id = :'appt'), '2031-03-03T16:00:00Z'::timestamptz, 'and the booking stays where it was');
select is((select sequence from app_public.appointments where id = :'appt'), 0, 'a new booking has SEQUENCE 0');
select lives_ok(format($$select app_public.reschedule_appointment(%L, '2031-03-03T20:00:00Z', '2031-03-03T21:00:00Z')$$, :'appt'), 'a reschedule to a free slot');
select is((select sequence from app_public.appointments where id = :'appt'), 1, 'a reschedule raises SEQUENCE');
select lives_ok(format($$select app_public.cancel_appointment(%L)$$, :'appt'), 'a cancel');
select is((select sequence from app_public.appointments where id = :'appt'), 2, 'a cancel raises SEQUENCE too');
reset role;
select is((select count(*)::int from graphile_worker._private_jobs j where j.key like 'calendar_push:%:' || :'appt'
             and j.payload ->> 'appointment_id' = :'appt'), 1,
  'one write-back job per (source, appointment): the changes collapse into one push of the latest state');

-- Our own events (UID = an appointment id of the org) never block.
insert into app_public.appointments (org_id, id, resource_id, starts_at, ends_at)
values ('a5600000-0000-0000-0000-00000000000a', 'a5650000-0000-0000-0000-000000000002', 'a5640000-0000-0000-0000-000000000001', '2031-03-04T18:00:00Z', '2031-03-04T19:00:00Z');
select is(app_private.calendar_sync_apply('a5600000-0000-0000-0000-00000000000a', s.id,
  '[{"uid":"a5650000-0000-0000-0000-000000000002","starts_at":"2031-03-04T18:00:00Z","ends_at":"2031-03-04T19:00:00Z"}]', null, 'c2', 'h2'), 0,
  'an event whose UID is one of our appointments is ours: not a busy block')
  from app_public.calendar_sources s where s.org_id = 'a5600000-0000-0000-0000-00000000000a';

-- Feed tokens: forged or revoked → nothing.
select f.feed_id as feed, f.token as token from app_private.create_calendar_feed('a5600000-0000-0000-0000-00000000000a', null, false, null) f \gset
select is((select count(*)::int from app_private.calendar_feed_events(replace(:'token', right(:'token', 4), 'AAAA'))), 0, 'a forged token finds nothing');
select ok(app_private.revoke_calendar_feed('a5600000-0000-0000-0000-00000000000a', :'feed'), 'the feed is revoked');
select is((select count(*)::int from app_private.calendar_feed_events(:'token')), 0, 'a revoked token finds nothing');

select * from finish();
rollback;
