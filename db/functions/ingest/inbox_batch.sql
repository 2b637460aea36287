-- Group commit (issue 23): the gateway stores the webhooks that arrive together in one
-- statement and one transaction (gateway/src/webhooks/group-commit.ts), so they share one
-- round trip and one commit instead of one each. Every event gets exactly what
-- app_private.ingest_webhook_event would give it: the same source check (P0002), the same
-- dedupe on (org, source, dedupe_key), the same shard and job. If any event fails, the whole
-- statement fails and the gateway stores the batch one event at a time with
-- ingest_webhook_event, so a bad event never fails its neighbours.
--
-- The arrays are parallel, one element per event; `ord` is the element's 1-based position.
-- Events are stored in (source_id, dedupe_key, ord) order and jobs scheduled in
-- (task, org, shard) order, so concurrent batches take their locks (uncommitted unique keys,
-- job keys) in one global order and cannot deadlock; two events of one batch with the same
-- dedupe key: the first (lower ord) is accepted, the other is its duplicate.
create or replace function app_private.ingest_webhook_events(
  source_ids uuid[], providers text[], dedupe_keys text[], partition_keys text[],
  event_types text[], occurred_ats timestamptz[], payloads text[])
  returns table (ord int, event_id uuid, duplicate boolean)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  n int := coalesce(cardinality(dedupe_keys), 0);
  i int;
  src_org uuid;
  event_shard smallint;
  job_providers text[] := '{}';
  job_orgs uuid[] := '{}';
  job_shards smallint[] := '{}';
begin
  if coalesce(cardinality(source_ids), 0) <> n or coalesce(cardinality(providers), 0) <> n
     or coalesce(cardinality(partition_keys), 0) <> n or coalesce(cardinality(event_types), 0) <> n
     or coalesce(cardinality(occurred_ats), 0) <> n or coalesce(cardinality(payloads), 0) <> n then
    raise exception 'the arrays of a batch must have the same length' using errcode = '22023';
  end if;

  for i in
    select k.i from unnest(source_ids, dedupe_keys) with ordinality k(source_id, dedupe_key, i)
     order by k.source_id, k.dedupe_key, k.i
  loop
    ord := i;
    event_id := null;
    select s.org_id into src_org from app_public.sources s
     where s.id = source_ids[i] and s.provider = providers[i] and s.enabled;
    if src_org is null then
      raise exception 'unknown source' using errcode = 'P0002';
    end if;
    event_shard := abs(hashtext(coalesce(partition_keys[i], dedupe_keys[i]))) % 8;

    insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard, event_type, occurred_at, payload)
    values (src_org, source_ids[i], providers[i], dedupe_keys[i], event_shard, event_types[i], occurred_ats[i], payloads[i]::jsonb)
    on conflict (org_id, source_id, dedupe_key) do nothing
    -- The stored shard: a provider's trigger may place its events on shards of their own.
    returning id, shard into event_id, event_shard;

    if event_id is null then
      select e.id into event_id from app_public.webhook_events e
       where e.org_id = src_org and e.source_id = source_ids[i] and e.dedupe_key = dedupe_keys[i];
      duplicate := true;
    else
      duplicate := false;
      job_providers := job_providers || providers[i];
      job_orgs := job_orgs || src_org;
      job_shards := job_shards || event_shard;
    end if;
    return next;
  end loop;

  -- One job per (task, org, shard) with new events, as ingest_webhook_event schedules per event.
  perform app_private.schedule_event_processing(j.task, j.org_id, j.shard)
     from (select distinct t.task_identifier as task, k.org_id, k.shard
             from unnest(job_providers, job_orgs, job_shards) k(provider, org_id, shard)
             left join app_private.provider_tasks t on t.provider = k.provider) j
    order by j.task, j.org_id, j.shard;
end
$$;
