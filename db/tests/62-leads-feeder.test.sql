-- The weekday feeder: the top N queued leads by score, never a suppressed, unconsented or
-- unverified one; at 06:00 in the org's time zone (across a DST change); once per org per
-- local date however many workers call it; pipeline events and the hand-off job.
begin;
select plan(21);

insert into app_public.organizations (id, name, timezone) values
  ('62000000-0000-0000-0000-0000000000a1', 'Feeder NY', 'America/New_York'),
  ('62000000-0000-0000-0000-0000000000b1', 'Feeder Berlin', 'Europe/Berlin');
update app_public.workspace_settings set lead_feed_daily_limit = 3 where org_id = '62000000-0000-0000-0000-0000000000a1';

insert into app_public.leads (org_id, mak, first_name, email, lead_score, campaign_status, email_verified, phone_verified, consent_given, consented_at)
select '62000000-0000-0000-0000-0000000000a1', 'F' || s, 'score ' || s, 'f' || s || '@feeder.test', s, 'queued', s % 2 = 0, s % 2 = 1, true, now()
  from unnest(array[90, 80, 70, 60, 50, 40]) s;
insert into app_public.leads (org_id, mak, first_name, email, lead_score, campaign_status, email_verified, consent_given, consented_at) values
  ('62000000-0000-0000-0000-0000000000a1', 'X99', 'suppressed', 'gone@feeder.test', 99, 'queued', true, true, now()),
  ('62000000-0000-0000-0000-0000000000a1', 'X98', 'unconsented', 'nope@feeder.test', 98, 'queued', true, false, null),
  ('62000000-0000-0000-0000-0000000000a1', 'X96', 'not queued', 'new@feeder.test', 96, 'new', true, true, now());
insert into app_public.leads (org_id, mak, first_name, lead_score, campaign_status, email_verified, phone_verified, consent_given, consented_at) values
  ('62000000-0000-0000-0000-0000000000a1', 'X97', 'unverified', 97, 'queued', false, false, true, now());
insert into app_public.suppressions (org_id, email, reason) values ('62000000-0000-0000-0000-0000000000a1', 'gone@feeder.test', 'unsubscribed');
insert into app_public.leads (org_id, mak, first_name, lead_score, campaign_status, email_verified, consent_given, consented_at) values
  ('62000000-0000-0000-0000-0000000000b1', 'B1', 'berlin', 50, 'queued', true, true, now());

select throws_ok($$update app_public.leads set consent_given = true, consented_at = null where mak = 'X98'$$,
  '23514', null, 'consent requires a timestamp');

-- Friday 2026-03-06 (EST, UTC-5): 10:30 UTC is 05:30 local — not yet; 11:00 UTC is 06:00.
select is(app_private.feed_leads('62000000-0000-0000-0000-0000000000a1', '2026-03-06 10:30Z') ->> 'status', 'not_due', '05:30 local is before the feed');
select is(app_private.feed_leads('62000000-0000-0000-0000-0000000000a1', '2026-03-06 11:00Z') ->> 'fed', '3', 'at 06:00 EST the feeder takes N = 3');
select results_eq($$select first_name from app_public.leads where org_id = '62000000-0000-0000-0000-0000000000a1' and campaign_status = 'active' order by lead_score desc$$,
  $$values ('score 90'), ('score 80'), ('score 70')$$, 'the top 3 by score, skipping suppressed, unconsented, unverified and non-queued leads');
select is((select count(*)::int from app_public.leads where org_id = '62000000-0000-0000-0000-0000000000a1' and added_to_campaign_at is not null), 3,
  'fed leads are stamped added_to_campaign_at');
select is(app_private.feed_leads('62000000-0000-0000-0000-0000000000a1', '2026-03-06 11:00Z') ->> 'status', 'already_ran', 'a second worker at the same minute does nothing');
select is(app_private.feed_leads('62000000-0000-0000-0000-0000000000a1', '2026-03-07 04:59Z') ->> 'status', 'already_ran',
  'still the same local date (23:59 Friday in New York) — nothing');
select is((select count(*)::int from app_public.leads where org_id = '62000000-0000-0000-0000-0000000000a1' and campaign_status = 'active'), 3,
  'exactly one feed for the local date');
select is((select fed from app_private.lead_feed_runs where org_id = '62000000-0000-0000-0000-0000000000a1' and local_date = '2026-03-06'), 3,
  'the run is recorded under the org''s local date');
select is((select sum(quantity)::int from app_public.pipeline_events where org_id = '62000000-0000-0000-0000-0000000000a1' and kind = 'fed'), 3,
  'one fed pipeline event per lead');
select is((select count(*)::int from graphile_worker.jobs where key = 'handoff_leads:62000000-0000-0000-0000-0000000000a1:2026-03-06'), 1,
  'the hand-off to the campaign tool is enqueued');

-- The weekend: nothing. Saturday 12:00 UTC.
select is(app_private.feed_leads('62000000-0000-0000-0000-0000000000a1', '2026-03-07 12:00Z') ->> 'status', 'not_due', 'no feed on Saturday');

-- Monday 2026-03-09, the day after the DST change (EDT, UTC-4): 06:00 local is 10:00 UTC.
select is(app_private.feed_leads('62000000-0000-0000-0000-0000000000a1', '2026-03-09 09:59Z') ->> 'status', 'not_due', '09:59 UTC is 05:59 EDT: not yet');
select lives_ok($$select app_private.leads_cron_tick('2026-03-09 09:59Z')$$, 'cron tick at 09:59 UTC');
select is((select count(*)::int from graphile_worker.jobs where key = 'feed_leads:62000000-0000-0000-0000-0000000000a1:2026-03-09'), 0,
  'the cron tick enqueues no New York feed before 06:00 EDT');
select ok((app_private.leads_cron_tick('2026-03-09 10:00Z') ->> 'feeds')::int >= 1, 'the cron tick at 10:00 UTC enqueues the feed (06:00 EDT)');
select is((select count(*)::int from graphile_worker.jobs where key = 'feed_leads:62000000-0000-0000-0000-0000000000a1:2026-03-09'), 1,
  'one feed job for the org and local date');
select is(app_private.feed_leads('62000000-0000-0000-0000-0000000000a1', '2026-03-09 10:00Z') ->> 'fed', '3', 'Monday feeds the next three');
select is(app_private.feed_leads('62000000-0000-0000-0000-0000000000a1', '2026-03-09 10:01Z') ->> 'status', 'already_ran', 'and only once');
select is((select count(*)::int from app_public.leads where first_name in ('suppressed', 'unconsented', 'unverified', 'not queued') and campaign_status = 'active'), 0,
  'a suppressed, unconsented, unverified or non-queued lead is never fed');

-- Berlin: 06:00 CET on Monday 2026-03-09 is 05:00 UTC, while New York is still asleep.
select is(app_private.feed_leads('62000000-0000-0000-0000-0000000000b1', '2026-03-09 05:00Z') ->> 'fed', '1', 'a non-US org feeds at its own 06:00');

select * from finish();
rollback;
