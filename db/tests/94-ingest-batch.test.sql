-- Group commit (issue 23): app_private.ingest_webhook_events stores a batch of webhooks in one
-- statement with exactly the results app_private.ingest_webhook_event gives one at a time:
-- dedupe (a key repeated inside the batch: the first copy is accepted), shards, one job per
-- (task, org, shard), and a bad event failing the whole statement (the gateway then stores
-- the batch one event at a time).
begin;
select plan(12);

insert into app_public.organizations (id, name, timezone) values
  ('a9400000-0000-0000-0000-00000000000a', 'Batch A', 'UTC');
create temp table src as
select (app_private.create_source('a9400000-0000-0000-0000-00000000000a', 'smartlead', 'SL', 'test-key')).source_id as a;

create function pg_temp.batch(keys text[], payloads text[] default null)
  returns table (ord int, event_id uuid, duplicate boolean)
  language sql as $$
  select * from app_private.ingest_webhook_events(
    array_fill((select a from src), array[cardinality(keys)]), array_fill('smartlead'::text, array[cardinality(keys)]),
    keys, (select array_agg(k || '@example.test' order by i) from unnest(keys) with ordinality u(k, i)),
    array_fill('EMAIL_SENT'::text, array[cardinality(keys)]), array_fill(now(), array[cardinality(keys)]),
    coalesce(payloads, (select array_agg(format('{"event_type":"EMAIL_SENT","to_email":"%s@example.test"}', k) order by i)
                          from unnest(keys) with ordinality u(k, i))))
$$;

create temp table first as select * from pg_temp.batch(array['b', 'a', 'k', 'c', 'k']);
select results_eq('select ord, duplicate from first order by ord',
  $$values (1, false), (2, false), (3, false), (4, false), (5, true)$$,
  'one row per event, in the caller''s positions; the second copy of a key is a duplicate');
select is((select event_id from first where ord = 5), (select event_id from first where ord = 3),
  'the duplicate answers with the first copy''s event');
select is((select count(*)::int from app_public.webhook_events where source_id = (select a from src)), 4, 'four events stored');
select is((select count(*)::int from app_public.webhook_events e
            where e.source_id = (select a from src) and e.shard = abs(hashtext(e.dedupe_key || '@example.test')) % 8), 4,
  'each on the shard of its partition key, as ingest_webhook_event places it');
select is((select count(*)::int from (select distinct shard from app_public.webhook_events where source_id = (select a from src)) s),
          (select count(*)::int from graphile_worker._private_jobs j
            where j.key in (select 'process_outreach_events:a9400000-0000-0000-0000-00000000000a:' || shard
                              from app_public.webhook_events where source_id = (select a from src))),
  'one processing job per shard with new events');

-- A later batch, and the single-event function, see the stored events as duplicates.
create temp table second as select * from pg_temp.batch(array['a', 'd']);
select results_eq('select ord, duplicate from second order by ord', $$values (1, true), (2, false)$$,
  'a key stored by an earlier batch is a duplicate; a new one is accepted');
select is((select event_id from second where ord = 1), (select event_id from first where ord = 2), 'with the stored event''s id');
select is((select duplicate from app_private.ingest_webhook_event((select a from src), 'smartlead', 'c', 'c@example.test', 'EMAIL_SENT', now(), '{}')),
  true, 'the single-event function sees a batched event as a duplicate');

-- One bad event fails the whole statement, storing nothing of the batch.
select throws_ok($$select * from pg_temp.batch(array['e', 'nul', 'f'], array['{}', '{"x": "a\u0000b"}', '{}'])$$,
  '22P05', null, 'a value jsonb cannot hold fails the batch (the gateway then stores each alone)');
select throws_ok($$select * from app_private.ingest_webhook_events(array[(select a from src), gen_random_uuid()], array['smartlead', 'smartlead'],
    array['g', 'h'], array[null, null]::text[], array[null, null]::text[], array[null, null]::timestamptz[], array['{}', '{}'])$$,
  'P0002', null, 'an unknown or disabled source fails the batch with P0002, as alone');
select throws_ok($$select * from app_private.ingest_webhook_events(array[(select a from src)], array['smartlead', 'smartlead'],
    array['g'], array[null]::text[], array[null]::text[], array[null]::timestamptz[], array['{}'])$$,
  '22023', null, 'arrays of different lengths are refused');
select is((select count(*)::int from app_public.webhook_events where source_id = (select a from src) and dedupe_key in ('e', 'f', 'g', 'h')), 0,
  'nothing of a failed batch was stored');

select * from finish();
rollback;
