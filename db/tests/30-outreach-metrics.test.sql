-- Outreach metrics are exact: re-delivery and re-processing never change counts;
-- categorisations can turn a reply positive once; unsubscribes and hard bounces suppress;
-- hourly buckets follow the org's time zone; thresholds are admin-only and versioned.
begin;
select plan(26);

insert into app_public.organizations (id, name, timezone) values
  ('a3000000-0000-0000-0000-00000000000a', 'Outreach A', 'Asia/Kolkata'),
  ('b3000000-0000-0000-0000-00000000000b', 'Outreach B', 'UTC');
insert into app_public.users (id, email) values
  ('a3100000-0000-0000-0000-000000000001', 'admin-a@outreach.test'),
  ('a3200000-0000-0000-0000-000000000002', 'member-a@outreach.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a3000000-0000-0000-0000-00000000000a', 'a3100000-0000-0000-0000-000000000001', 'owner'),
  ('a3000000-0000-0000-0000-00000000000a', 'a3200000-0000-0000-0000-000000000002', 'member');

create temp table src as
select (app_private.create_source('a3000000-0000-0000-0000-00000000000a', 'smartlead', 'SL', 'test-key')).source_id as a;

create function pg_temp.sl(event_type text, email text, ts text, category text default null) returns jsonb
  language sql as $$
  select jsonb_strip_nulls(jsonb_build_object('event_type', event_type, 'campaign_id', 'camp-1', 'campaign_name', 'Spring Outreach',
    'to_email', email, 'event_timestamp', ts, 'lead_category', category))
$$;
create function pg_temp.ingest(payload jsonb) returns boolean
  language sql as $$
  select duplicate from app_private.ingest_webhook_event((select a from src), 'smartlead', md5(payload::text),
    payload ->> 'to_email', payload ->> 'event_type', (payload ->> 'event_timestamp')::timestamptz, payload)
$$;
create function pg_temp.process() returns int
  language sql as $$
  select sum(app_private.process_outreach_events('a3000000-0000-0000-0000-00000000000a', s::smallint))::int
    from generate_series(0, 7) s
$$;
create function pg_temp.metric(col text) returns bigint
  language plpgsql as $$
declare v bigint;
begin
  execute format('select %I from app_public.campaign_counters k join app_public.campaigns c on c.id = k.campaign_id
                   where c.external_id = ''camp-1'' and c.org_id = ''a3000000-0000-0000-0000-00000000000a''', col) into v;
  return v;
end $$;

select is(pg_temp.ingest(pg_temp.sl('EMAIL_SENT', 'ann@x.test', '2026-03-01T10:10:00Z')), false, 'a new event is accepted');
select is(pg_temp.ingest(pg_temp.sl('EMAIL_SENT', 'ann@x.test', '2026-03-01T10:10:00Z')), true, 'the same body again is a duplicate');
select pg_temp.ingest(pg_temp.sl('EMAIL_SENT', 'bob@x.test', '2026-03-01T10:40:00Z'));
select pg_temp.ingest(pg_temp.sl('EMAIL_OPEN', 'ann@x.test', '2026-03-01T11:00:00Z'));
select pg_temp.ingest(pg_temp.sl('EMAIL_REPLY', 'ann@x.test', '2026-03-01T12:00:00Z', 'Not_Interested'));
select pg_temp.ingest(pg_temp.sl('EMAIL_REPLY', 'bob@x.test', '2026-03-01T12:05:00Z', 'Interested'));
select pg_temp.ingest(pg_temp.sl('LEAD_UNSUBSCRIBED', 'cid@x.test', '2026-03-01T12:06:00Z'));
select pg_temp.ingest(pg_temp.sl('EMAIL_BOUNCE', 'dee@x.test', '2026-03-01T12:07:00Z'));
select pg_temp.ingest(pg_temp.sl('EMAIL_BOUNCE', 'eve@x.test', '2026-03-01T12:08:00Z') || '{"bounce_type":"soft"}');

select is(pg_temp.process(), 8, 'eight distinct events are processed');
select is(pg_temp.metric('sent'), 2::bigint, 'sent counted once per event');
select is(pg_temp.metric('replied'), 2::bigint, 'two replies');
select is(pg_temp.metric('positive_replies'), 1::bigint, 'one positive reply (category match is case-insensitive)');
select is(pg_temp.metric('bounced'), 2::bigint, 'two bounces');
select is((select name from app_public.campaigns where external_id = 'camp-1'), 'Spring Outreach', 'an unknown campaign is created with its real name');

-- Re-processing (a re-run job, a reset event) never changes the counts.
update app_public.webhook_events set status = 'pending' where org_id = 'a3000000-0000-0000-0000-00000000000a';
select is(pg_temp.process(), 8, 'the events are read again');
select is(pg_temp.metric('sent'), 2::bigint, 'sent unchanged after re-processing');
select is(pg_temp.metric('positive_replies'), 1::bigint, 'positive replies unchanged after re-processing');
select is((select count(*)::int from app_public.email_events where org_id = 'a3000000-0000-0000-0000-00000000000a'), 8,
  'one email_event per inbox event');

-- A later categorisation turns Ann's reply positive, once.
select pg_temp.ingest(pg_temp.sl('LEAD_CATEGORY_UPDATED', 'ann@x.test', '2026-03-01T13:00:00Z', 'Meeting_Request'));
select pg_temp.ingest(pg_temp.sl('LEAD_CATEGORY_UPDATED', 'ann@x.test', '2026-03-01T13:30:00Z', 'interested'));
select pg_temp.process();
select is(pg_temp.metric('positive_replies'), 2::bigint, 'a categorisation turns an earlier reply positive, counted once');
select is(pg_temp.metric('replied'), 2::bigint, 'categorisations are not replies');

select results_eq($$select email::text, reason from app_public.suppressions where org_id = 'a3000000-0000-0000-0000-00000000000a' order by email$$,
  $$values ('cid@x.test', 'unsubscribed'), ('dee@x.test', 'bounced')$$, 'unsubscribes and hard bounces are suppressed; soft bounces are not');

-- Hourly buckets on the org's wall clock (Asia/Kolkata is UTC+05:30).
select results_eq($$select local_hour, sent from app_public.campaign_hourly_metrics h join app_public.campaigns c on c.id = h.campaign_id
                     where c.external_id = 'camp-1' and h.sent > 0 order by local_hour$$,
  $$values ('2026-03-01 15:00'::timestamp, 1::bigint), ('2026-03-01 16:00'::timestamp, 1::bigint)$$,
  '10:10Z and 10:40Z fall into the 15:00 and 16:00 local hours');

-- RLS on the new tables: org B sees nothing of org A, members read, only admins change thresholds.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a3200000-0000-0000-0000-000000000002","org_id":"b3000000-0000-0000-0000-00000000000b","org_role":"owner"}', true);
select is((select count(*)::int from app_public.campaign_metrics) + (select count(*)::int from app_public.email_events)
          + (select count(*)::int from app_public.webhook_events) + (select count(*)::int from app_public.campaign_hourly_metrics)
          + (select count(*)::int from app_public.suppressions) + (select count(*)::int from app_public.sources)
          + (select count(*)::int from app_public.contacts) + (select count(*)::int from app_public.dead_letters), 0,
  'another org sees 0 rows of metrics, events, inbox, hourly, suppressions, sources, contacts, dead letters');
select is_empty($$update app_public.workspace_settings set stale_after = '1 minute' where org_id = 'a3000000-0000-0000-0000-00000000000a' returning org_id$$,
  'another org cannot change thresholds');

select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a3200000-0000-0000-0000-000000000002","org_id":"a3000000-0000-0000-0000-00000000000a","org_role":"member"}', true);
select results_eq($$select sent, replied, positive_replies, freshness from app_public.campaign_metrics$$,
  $$values (2::bigint, 2::bigint, 2::bigint, 'fresh')$$, 'a member reads campaign_metrics with freshness');
select is_empty($$update app_public.workspace_settings set positive_categories = '{yes}' returning org_id$$,
  'a member cannot change thresholds');
select is_empty($$select * from app_public.sources$$, 'members do not see webhook sources');

select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a3100000-0000-0000-0000-000000000001","org_id":"a3000000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
select isnt_empty($$update app_public.workspace_settings set stale_after = '1 second', expired_after = '2 hours' returning org_id$$,
  'an admin changes thresholds');
select results_eq($$select changed_by, old_values ->> 'stale_after', new_values ->> 'stale_after' from app_public.workspace_settings_history$$,
  $$values ('a3100000-0000-0000-0000-000000000001'::uuid, '01:00:00', '00:00:01')$$, 'the change is versioned with who, old and new');
select throws_ok($$update app_public.workspace_settings set expired_after = '1 second'$$, '23514', null,
  'expired_after must exceed stale_after');

reset role;
-- Freshness follows the thresholds: synced 10 minutes ago with stale_after = 1 s → stale.
update app_public.campaign_counters set synced_at = now() - interval '10 minutes';
select is((select freshness from app_public.campaign_metrics where org_id = 'a3000000-0000-0000-0000-00000000000a'), 'stale',
  'older than stale_after is stale');
update app_public.campaign_counters set synced_at = now() - interval '3 hours';
select is((select freshness from app_public.campaign_metrics where org_id = 'a3000000-0000-0000-0000-00000000000a'), 'expired',
  'older than expired_after is expired');

select * from finish();
rollback;
