-- Group commit (issue 23): app_private.ingest_webhook_events stores a batch of webhooks in one
-- statement with exactly the results app_private.ingest_webhook_event gives one at a time:
-- dedupe (a key repeated inside the batch: the first copy is accepted), shards, one job per
-- (task, org, shard), and a bad event failing the whole statement (the gateway then stores
-- the batch one event at a time).
begin;
select plan(18);

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

-- A shard whose job is waiting gets no new job version (add_job's revision bump was half of
-- the inbox's SQL time), only a key-share lock that keeps graphile-worker (FOR UPDATE SKIP
-- LOCKED) from starting it before this transaction commits.
create temp table jobs_before as
select j.key, j.revision from graphile_worker._private_jobs j where j.key like 'process_outreach_events:a9400000-%';
-- Three new events for the contact of event 'a', so on its shard, which has a waiting job.
select * from app_private.ingest_webhook_events(array_fill((select a from src), array[3]), array_fill('smartlead'::text, array[3]),
  array['later-1', 'later-2', 'later-3'], array_fill('a@example.test'::text, array[3]), array_fill('EMAIL_SENT'::text, array[3]),
  array_fill(now(), array[3]), array_fill('{"event_type":"EMAIL_SENT","to_email":"a@example.test"}'::text, array[3]));
select is((select count(*)::int from graphile_worker._private_jobs j where j.key like 'process_outreach_events:a9400000-%'),
  (select count(distinct e.shard)::int from app_public.webhook_events e where e.source_id = (select a from src)),
  'still exactly one job per shard with events: a shard that already has a waiting job gets no second one');
select is((select count(*)::int from graphile_worker._private_jobs j join jobs_before b using (key) where j.revision <> b.revision), 0,
  'the waiting jobs are not rewritten (no revision bump)');
select ok(exists (select 1 from graphile_worker._private_jobs j join jobs_before b using (key)
                   join app_public.webhook_events e on e.dedupe_key like 'later-%' and b.key = 'process_outreach_events:' || e.org_id || ':' || e.shard
                  where j.xmax = xid(pg_current_xact_id())),
  'the waiting job of a shard that received an event is locked by this transaction until it commits');
-- A job already running (locked by a worker) may have read its last batch: a new one is queued.
update graphile_worker._private_jobs set locked_at = now(), locked_by = 'test-worker'
 where key like 'process_outreach_events:a9400000-%';
select * from pg_temp.batch(array['while-running']);
select is((select count(*)::int from graphile_worker._private_jobs j where j.key like 'process_outreach_events:a9400000-%' and j.locked_at is null), 0,
  'while the job runs, add_job''s unsafe_dedupe decides (as before: the running job keeps the key)');

-- The inbox has no foreign key of its own to organizations (it only locked the org's row for
-- every webhook): its key to the org's source still refuses a row of another org, and
-- deleting an org still removes its inbox through its sources.
insert into app_public.organizations (id, name, timezone) values ('a9400000-0000-0000-0000-00000000000b', 'Batch B', 'UTC');
select throws_ok($$insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard)
                   values ('a9400000-0000-0000-0000-00000000000b', (select a from src), 'smartlead', 'other-org', 0)$$,
  '23503', null, 'an inbox row naming another org''s source is refused');
delete from app_public.organizations where id = 'a9400000-0000-0000-0000-00000000000a';
select is((select count(*)::int from app_public.webhook_events where org_id = 'a9400000-0000-0000-0000-00000000000a'), 0,
  'deleting an org deletes its inbox (through its sources)');

select * from finish();
rollback;
