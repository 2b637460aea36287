-- Calendars: row-level security on the new tables. Other orgs see nothing; members read
-- their org's busy blocks and sources (never a URL or credential: those live encrypted in
-- app_private); feeds and every change are for admins only, through the RPCs.
begin;
select plan(22);

insert into app_public.organizations (id, name, timezone) values
  ('a5500000-0000-0000-0000-00000000000a', 'Cal A', 'America/New_York'),
  ('b5500000-0000-0000-0000-00000000000b', 'Cal B', 'UTC');
insert into app_public.users (id, email) values
  ('a5510000-0000-0000-0000-000000000001', 'owner-a@cal55.test'),
  ('a5520000-0000-0000-0000-000000000002', 'member-a@cal55.test'),
  ('b5510000-0000-0000-0000-000000000001', 'owner-b@cal55.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a5500000-0000-0000-0000-00000000000a', 'a5510000-0000-0000-0000-000000000001', 'owner'),
  ('a5500000-0000-0000-0000-00000000000a', 'a5520000-0000-0000-0000-000000000002', 'member'),
  ('b5500000-0000-0000-0000-00000000000b', 'b5510000-0000-0000-0000-000000000001', 'owner');
insert into app_public.resources (org_id, id, name) values
  ('a5500000-0000-0000-0000-00000000000a', 'a5540000-0000-0000-0000-000000000001', 'Dr. A'),
  ('b5500000-0000-0000-0000-00000000000b', 'b5540000-0000-0000-0000-000000000001', 'Dr. B');

-- One source per org (as the CLI adds them), with busy blocks from a sync.
select lives_ok($$select app_private.create_calendar_source('a5540000-0000-0000-0000-000000000001', 'caldav', 'A cal',
  'https://user:pw@caldav.example.com/dav/calendars/a/work/', 'alice', 'app-password-a', true, '5 minutes', 'k', false)$$,
  'the CLI adds a CalDAV source with an app password');
select lives_ok($$select app_private.create_calendar_source('b5540000-0000-0000-0000-000000000001', 'ics', null,
  'https://calendar.example.com/calendar/ical/secret-token-b/basic.ics', null, null, false, null, 'k', false)$$,
  'the CLI adds an iCalendar URL source');
select throws_ok($$select app_private.create_calendar_source('b5540000-0000-0000-0000-000000000001', 'ics', null,
  'http://169.254.169.254/latest/meta-data', null, null, false, null, 'k', false)$$,
  '22023', null, 'a private address is refused like an outbound endpoint');
select throws_ok($$select app_private.create_calendar_source('b5540000-0000-0000-0000-000000000001', 'ics', null,
  'https://calendar.example.com/x.ics', null, null, true, null, 'k', false)$$,
  '22023', null, 'only CalDAV sources may be written to');
do $$
begin
  perform app_private.calendar_sync_apply(s.org_id, s.id,
    jsonb_build_array(jsonb_build_object('uid', 'busy@' || s.org_id, 'starts_at', '2031-03-03T15:00:00Z', 'ends_at', '2031-03-03T16:00:00Z')),
    null, 'ctag-1', 'h')
    from app_public.calendar_sources s
   where s.org_id in ('a5500000-0000-0000-0000-00000000000a', 'b5500000-0000-0000-0000-00000000000b');
  perform app_private.create_calendar_feed('a5500000-0000-0000-0000-00000000000a', null, false, 'A feed');
  perform app_private.create_calendar_feed('b5500000-0000-0000-0000-00000000000b', null, false, 'B feed');
end
$$;

select is((select count(*)::int from app_private.calendar_source_secrets k
            where k.org_id in ('a5500000-0000-0000-0000-00000000000a', 'b5500000-0000-0000-0000-00000000000b')
              and k.password_encrypted is not null and position('app-password-a' in encode(k.password_encrypted, 'escape')) = 0), 1,
  'the app password is stored encrypted');

-- A member of A.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a5520000-0000-0000-0000-000000000002","org_id":"a5500000-0000-0000-0000-00000000000a","org_role":"member"}', true);
select is((select count(*)::int from app_public.external_busy), 1, 'a member reads the busy blocks of their org');
select is((select count(*)::int from app_public.external_busy where org_id <> 'a5500000-0000-0000-0000-00000000000a'), 0, '… and none of another org');
select is((select url_display from app_public.calendar_sources), 'https://caldav.example.com/…', 'a member sees where a source points, not its path or user info');
select is_empty($$select 1 from app_public.calendar_sources s where s.url_display ~ 'secret|alice|pw@|work'$$, 'no credential in what members read');
select throws_ok($$select * from app_private.calendar_source_secrets$$, '42501', null, 'the encrypted secrets are out of reach');
select throws_ok($$select * from app_private.calendar_source_for_sync('a5500000-0000-0000-0000-00000000000a', (select id from app_public.calendar_sources), 'k')$$,
  '42501', null, 'the worker''s decrypting function is not callable by members');
select is((select count(*)::int from app_public.calendar_feeds), 0, 'members do not see feeds (their links are secrets)');
select throws_ok($$select * from app_public.create_calendar_feed()$$, '42501', null, 'members cannot create feeds');
select throws_ok($$select app_public.sync_calendar_source((select id from app_public.calendar_sources))$$, '42501', null, 'members cannot start a sync');
select throws_ok($$insert into app_public.external_busy (org_id, resource_id, source_id, busy, uid)
  select org_id, resource_id, id, tstzrange(now(), now() + interval '1 hour'), 'x' from app_public.calendar_sources$$,
  '42501', null, 'nobody writes busy blocks through the API');
select throws_ok($$update app_public.calendar_sources set write = false$$, '42501', null, 'sources change only through the RPCs');

-- The owner of A.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a5510000-0000-0000-0000-000000000001","org_id":"a5500000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
select is((select name from app_public.calendar_feeds), 'A feed', 'an admin sees the feeds of their org only');
select isnt((select token from app_public.create_calendar_feed('a5540000-0000-0000-0000-000000000001', true)), null, 'an admin creates a feed and gets its token');
select throws_ok($$select * from app_public.create_calendar_feed('b5540000-0000-0000-0000-000000000001')$$, 'PT404', null,
  'another org''s resource is not found');
select throws_ok($$select app_public.revoke_calendar_feed((select id from app_public.calendar_feeds where false union all
  select 'b0000000-0000-0000-0000-000000000000'::uuid))$$, 'PT404', null, 'revoking an unknown feed: not found');
select throws_ok($$select app_public.delete_calendar_source('00000000-0000-0000-0000-000000000000')$$, 'PT404', null,
  'another org''s (or no) source cannot be deleted');

reset role;
select is((select count(*)::int from app_private.calendar_feed_events(app_private.calendar_feed_token(
  (select id from app_public.calendar_feeds where name = 'B feed')))), 1,
  'a valid token returns its feed (an empty calendar: one row with its name)');

select * from finish();
rollback;
