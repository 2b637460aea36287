-- Appointments: the exclusion constraint holds for every write path, buffers and business
-- hours apply in the org's time zone, reschedule is atomic, cancelled slots reopen,
-- idempotency keys return the first booking, and nothing crosses orgs.
begin;
select plan(42);

insert into app_public.organizations (id, name, timezone) values
  ('a5000000-0000-0000-0000-00000000000a', 'Calls A', 'America/New_York'),
  ('b5000000-0000-0000-0000-00000000000b', 'Calls B', 'UTC');
insert into app_public.users (id, email) values
  ('a5100000-0000-0000-0000-000000000001', 'owner-a@calls50.test'),
  ('a5200000-0000-0000-0000-000000000002', 'member-a@calls50.test'),
  ('b5100000-0000-0000-0000-000000000001', 'owner-b@calls50.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a5000000-0000-0000-0000-00000000000a', 'a5100000-0000-0000-0000-000000000001', 'owner'),
  ('a5000000-0000-0000-0000-00000000000a', 'a5200000-0000-0000-0000-000000000002', 'member'),
  ('b5000000-0000-0000-0000-00000000000b', 'b5100000-0000-0000-0000-000000000001', 'owner');
insert into app_public.contacts (org_id, id, email, first_name) values
  ('a5000000-0000-0000-0000-00000000000a', 'a5300000-0000-0000-0000-000000000001', 'pat@calls50.test', 'Pat'),
  ('b5000000-0000-0000-0000-00000000000b', 'b5300000-0000-0000-0000-000000000001', 'kim@calls50.test', 'Kim');

-- Returns the detail of the error a statement raises (to read the conflicting slot).
create function pg_temp.error_detail(sql text) returns jsonb language plpgsql as $f$
declare d text;
begin
  execute sql;
  return null;
exception when others then
  get stacked diagnostics d = pg_exception_detail;
  return jsonb_build_object('sqlstate', sqlstate, 'detail', nullif(d, '')::jsonb);
end
$f$;

-- The owner of A sets up a resource: 15 min buffer after, Monday 09:00-17:00 New York time.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a5100000-0000-0000-0000-000000000001","org_id":"a5000000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
select lives_ok($$insert into app_public.resources (name, buffer_after) values ('Dr. Who', '15 minutes')$$,
  'an owner adds a resource');
-- Clients cannot choose ids (issue 19); the test pins the new resource's id as the owner role.
reset role;
update app_public.resources set id = 'a5400000-0000-0000-0000-000000000001' where name = 'Dr. Who' and org_id = 'a5000000-0000-0000-0000-00000000000a';
set local role authenticated;
select lives_ok($$insert into app_public.resource_hours (resource_id, weekday, opens_at, closes_at) values ('a5400000-0000-0000-0000-000000000001', 1, '09:00', '17:00')$$,
  'an owner sets business hours');

-- A member books. 2030-01-07 is a Monday; New York is UTC-5 in January.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a5200000-0000-0000-0000-000000000002","org_id":"a5000000-0000-0000-0000-00000000000a","org_role":"member"}', true);
select throws_ok($$insert into app_public.resources (name) values ('nope')$$, '42501', null, 'a member cannot add resources');
select lives_ok($$select app_public.book_appointment('2030-01-07 15:00Z', '2030-01-07 15:30Z', 'a5300000-0000-0000-0000-000000000001', 'a5400000-0000-0000-0000-000000000001')$$,
  'a member books 10:00-10:30 New York time');
select is((select count(*)::int from app_public.appointments where status = 'booked'), 1, 'the booking is visible to the member');
select is((select kind from app_public.pipeline_events where contact_id = 'a5300000-0000-0000-0000-000000000001'), 'appointment_booked',
  'a booked appointment writes a pipeline event');
select throws_ok($$select app_public.book_appointment('2030-01-07 15:15Z', '2030-01-07 15:45Z', 'a5300000-0000-0000-0000-000000000001', 'a5400000-0000-0000-0000-000000000001')$$,
  'PT409', 'the requested slot is already booked', 'an overlapping booking is refused with PT409');
select throws_ok($$select app_public.book_appointment('2030-01-07 15:30Z', '2030-01-07 16:00Z', null, 'a5400000-0000-0000-0000-000000000001')$$,
  'PT409', null, 'a booking inside the 15 minute buffer after is refused');
select lives_ok($$select app_public.book_appointment('2030-01-07 15:45Z', '2030-01-07 16:15Z', null, 'a5400000-0000-0000-0000-000000000001')$$,
  'a booking right after the buffer is accepted');
select throws_ok($$select app_public.book_appointment('2030-01-07 13:30Z', '2030-01-07 14:00Z', null, 'a5400000-0000-0000-0000-000000000001')$$,
  '22023', null, '08:30 New York time is outside business hours');
select throws_ok($$select app_public.book_appointment('2030-01-07 21:45Z', '2030-01-07 22:15Z', null, 'a5400000-0000-0000-0000-000000000001')$$,
  '22023', null, 'a slot running past 17:00 New York time is refused');
select lives_ok($$select app_public.book_appointment('2030-01-07 21:30Z', '2030-01-07 22:00Z', null, 'a5400000-0000-0000-0000-000000000001')$$,
  'the last slot before closing is accepted');
select throws_ok($$select app_public.book_appointment('2030-01-08 15:00Z', '2030-01-08 15:30Z', null, 'a5400000-0000-0000-0000-000000000001')$$,
  '22023', null, 'a Tuesday is outside the Monday-only hours');
select throws_ok($$select app_public.book_appointment('2030-01-07 16:30Z', '2030-01-07 16:00Z', null, 'a5400000-0000-0000-0000-000000000001')$$,
  '22023', null, 'an inverted range is refused');
select throws_ok($$select app_public.book_appointment('2020-01-06 15:00Z', '2020-01-06 15:30Z', null, 'a5400000-0000-0000-0000-000000000001')$$,
  '22023', null, 'a slot in the past is refused');

-- The conflict answer names the slot that is taken and carries a stable hint.
select is((pg_temp.error_detail($$select app_public.book_appointment('2030-01-07 15:10Z', '2030-01-07 15:20Z', null, 'a5400000-0000-0000-0000-000000000001')$$)
           -> 'detail' ->> 'starts_at')::timestamptz, '2030-01-07 15:00Z'::timestamptz,
  'the conflict details carry the start of the taken slot');
select is((pg_temp.error_detail($$select app_public.book_appointment('2030-01-07 15:10Z', '2030-01-07 15:20Z', null, 'a5400000-0000-0000-0000-000000000001')$$)
           ->> 'sqlstate'), 'PT409', 'the conflict code is PT409 (HTTP 409 through PostgREST)');

-- Idempotency: a retried request returns the first appointment.
select is(
  (select id from app_public.book_appointment('2030-01-07 18:00Z', '2030-01-07 18:30Z', null, 'a5400000-0000-0000-0000-000000000001', 'tool-call-1')),
  (select id from app_public.book_appointment('2030-01-07 18:00Z', '2030-01-07 18:30Z', null, 'a5400000-0000-0000-0000-000000000001', 'tool-call-1')),
  'the same idempotency key returns the same appointment');
select is((select count(*)::int from app_public.appointments where idempotency_key = 'tool-call-1'), 1, 'and stores it once');

-- Reschedule into a taken slot keeps the original; into a free one moves it.
select throws_ok($$select app_public.reschedule_appointment((select id from app_public.appointments where idempotency_key = 'tool-call-1'), '2030-01-07 15:00Z', '2030-01-07 15:30Z')$$,
  'PT409', null, 'rescheduling into a taken slot is refused');
select is((select starts_at from app_public.appointments where idempotency_key = 'tool-call-1'), '2030-01-07 18:00Z'::timestamptz,
  'the original booking is intact after the refused reschedule');
select lives_ok($$select app_public.reschedule_appointment((select id from app_public.appointments where idempotency_key = 'tool-call-1'), '2030-01-07 18:15Z', '2030-01-07 18:45Z')$$,
  'rescheduling into an overlapping range of its own slot works');
select is((select starts_at from app_public.appointments where idempotency_key = 'tool-call-1'), '2030-01-07 18:15Z'::timestamptz,
  'the booking moved');

-- Cancelled slots become bookable.
select lives_ok($$select app_public.cancel_appointment((select id from app_public.appointments where starts_at = '2030-01-07 15:00Z'))$$,
  'a member cancels');
select lives_ok($$select app_public.book_appointment('2030-01-07 15:00Z', '2030-01-07 15:30Z', 'a5300000-0000-0000-0000-000000000001', 'a5400000-0000-0000-0000-000000000001')$$,
  'the cancelled slot is bookable again');
select throws_ok($$select app_public.reschedule_appointment((select id from app_public.appointments where status = 'cancelled'), '2030-01-07 19:00Z', '2030-01-07 19:30Z')$$,
  '22023', null, 'a cancelled appointment cannot be rescheduled');

-- Availability: 30 minute slots from 09:00 to 17:00 minus what is booked (buffers included).
select is((select count(*)::int from app_public.check_availability('a5400000-0000-0000-0000-000000000001', '2030-01-07')),
  16 - 8, 'check_availability lists the free slots of the day');
select ok(not exists (select 1 from app_public.check_availability('a5400000-0000-0000-0000-000000000001', '2030-01-07') where starts_at = '2030-01-07 15:30Z'),
  'the slot inside a buffer is not offered');
select is((select count(*)::int from app_public.check_availability('a5400000-0000-0000-0000-000000000001', '2030-01-08')), 0,
  'no slots on a day without hours');

-- Org B sees and touches nothing of A.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"b5100000-0000-0000-0000-000000000001","org_id":"b5000000-0000-0000-0000-00000000000b","org_role":"owner"}', true);
select is((select count(*)::int from app_public.appointments), 0, 'org B sees no appointments of A');
select is((select count(*)::int from app_public.resources), 0, 'org B sees no resources of A');
select is((select count(*)::int from app_public.resource_hours), 0, 'org B sees no business hours of A');
select is((select count(*)::int from app_public.pipeline_events), 0, 'org B sees no pipeline events of A');
select throws_ok($$select app_public.book_appointment('2030-01-07 20:00Z', '2030-01-07 20:30Z', null, 'a5400000-0000-0000-0000-000000000001')$$,
  'PT404', null, 'org B cannot book on a resource of A');
select throws_ok($$select app_public.book_appointment('2030-01-07 20:00Z', '2030-01-07 20:30Z', 'a5300000-0000-0000-0000-000000000001')$$,
  'PT404', null, 'org B cannot book for a contact of A');
select throws_ok(format('select app_public.cancel_appointment(%L)', (select id from app_public.appointments limit 1)),
  'PT404', null, 'org B cannot cancel what it cannot see');
select lives_ok($$select app_public.book_appointment('2030-01-07 15:00Z', '2030-01-07 15:30Z', 'b5300000-0000-0000-0000-000000000001')$$,
  'org B books the same time on its own default resource');

-- The invariant holds for direct INSERTs too (no RPC, no RLS: as the superuser).
reset role;
select throws_ok($$insert into app_public.appointments (org_id, resource_id, starts_at, ends_at) values ('a5000000-0000-0000-0000-00000000000a', 'a5400000-0000-0000-0000-000000000001', '2030-01-07 15:20Z', '2030-01-07 15:25Z')$$,
  '23P01', null, 'a direct overlapping INSERT violates appointments_no_overlap');
select lives_ok($$insert into app_public.appointments (org_id, resource_id, starts_at, ends_at, status) values ('a5000000-0000-0000-0000-00000000000a', 'a5400000-0000-0000-0000-000000000001', '2030-01-07 15:20Z', '2030-01-07 15:25Z', 'cancelled')$$,
  'a cancelled row may overlap');
select throws_ok($$update app_public.appointments set status = 'booked' where starts_at = '2030-01-07 15:20Z'$$,
  '23P01', null, 'un-cancelling into a taken slot violates the constraint');

select throws_ok($$insert into app_public.appointments (org_id, resource_id, starts_at, ends_at, blocked) values ('a5000000-0000-0000-0000-00000000000a', 'a5400000-0000-0000-0000-000000000001', '2030-01-07 19:00Z', '2030-01-07 20:00Z', tstzrange('2030-01-07 19:00Z', '2030-01-07 19:01Z'))$$,
  '23514', null, 'a supplied blocked range narrower than the slot is refused');
select is((select blocked from app_public.appointments where starts_at = '2030-01-07 15:45Z' and status = 'booked'),
  tstzrange('2030-01-07 15:45Z', '2030-01-07 16:30Z'), 'the blocked range carries the resource''s 15 minute buffer');

select * from finish();
rollback;
