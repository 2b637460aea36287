-- Issue 23 (metrics): the inbox's and email_events' ids are time-ordered (version 7, the
-- RFC variant, the millisecond in front), so their primary keys grow at the right edge.
begin;
select plan(3);

insert into app_public.organizations (id, name, timezone) values
  ('a9700000-0000-0000-0000-00000000000a', 'Ordered ids', 'UTC');
create temp table src as
select (app_private.create_source('a9700000-0000-0000-0000-00000000000a', 'smartlead', 'SL', 'test-key')).source_id as a;
create function pg_temp.ingest(n int) returns uuid
  language sql as $$
  select event_id from app_private.ingest_webhook_event((select a from src), 'smartlead', 'ordered-' || n,
    'lead' || n || '@example.test', 'EMAIL_SENT', now(),
    jsonb_build_object('event_type', 'EMAIL_SENT', 'campaign_id', 'camp-1', 'to_email', 'lead' || n || '@example.test'))
$$;

-- Two events a few milliseconds apart.
create temp table stored as select 1 as n, pg_temp.ingest(1) as id;
select pg_sleep(0.005);
insert into stored select 2, pg_temp.ingest(2);
select app_private.process_outreach_events('a9700000-0000-0000-0000-00000000000a', s::smallint) from generate_series(0, 7) s;

select is((select count(*)::int from stored
            where substr(id::text, 15, 1) = '7' and substr(id::text, 20, 1) in ('8', '9', 'a', 'b')
              and abs(('x' || lpad(translate(left(id::text, 13), '-', ''), 16, '0'))::bit(64)::bigint
                      - (extract(epoch from clock_timestamp()) * 1000)::bigint) < 60000), 2,
  'inbox ids are version 7, the RFC variant, with the current millisecond in front');
select ok((select id from stored where n = 2) > (select id from stored where n = 1),
  'a later webhook gets a greater inbox id');
select is((select count(*)::int from app_public.email_events e join stored s on s.id = e.webhook_event_id
            where substr(e.id::text, 15, 1) = '7' and substr(e.id::text, 20, 1) in ('8', '9', 'a', 'b')), 2,
  'email events get version-7 ids');
select * from finish();
rollback;
