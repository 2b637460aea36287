-- The durable inbox. A 2xx is only sent after this function's transaction commits:
-- the event row and the job that will process it are written together.
--
-- Events are spread over 8 shards by partition key (the contact's email for outreach,
-- the call id for voice), and each (task, org, shard) has one graphile-worker job key.
-- So events of one contact are never processed concurrently, a hot org is processed
-- by up to 8 jobs at once, and concurrent ingests contend on 8 job rows, not one.
create or replace function app_private.ingest_webhook_event(
  source_id uuid, provider text, dedupe_key text, partition_key text,
  event_type text, occurred_at timestamptz, payload jsonb)
  returns table (event_id uuid, duplicate boolean)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  src_org uuid;
  event_shard smallint := abs(hashtext(coalesce(partition_key, dedupe_key))) % 8;
  task text;
begin
  select s.org_id into src_org from app_public.sources s
   where s.id = ingest_webhook_event.source_id and s.provider = ingest_webhook_event.provider and s.enabled;
  if src_org is null then
    raise exception 'unknown source' using errcode = 'P0002';
  end if;

  insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard, event_type, occurred_at, payload)
  values (src_org, ingest_webhook_event.source_id, provider, dedupe_key, event_shard, event_type, occurred_at, payload)
  on conflict (org_id, source_id, dedupe_key) do nothing
  -- The stored shard: a provider's trigger may place its events on shards of their own.
  returning id, shard into event_id, event_shard;

  if event_id is null then
    select e.id into event_id from app_public.webhook_events e
     where e.org_id = src_org and e.source_id = ingest_webhook_event.source_id
       and e.dedupe_key = ingest_webhook_event.dedupe_key;
    duplicate := true;
    return next;
    return;
  end if;

  select t.task_identifier into task from app_private.provider_tasks t where t.provider = ingest_webhook_event.provider;
  perform app_private.schedule_event_processing(task, src_org, event_shard);
  duplicate := false;
  return next;
end
$$;

-- Ingest uses unsafe_dedupe: a shard that already has a job waiting to start needs no other.
-- That job is locked FOR KEY SHARE until this transaction commits: graphile-worker takes jobs
-- FOR UPDATE SKIP LOCKED, so it cannot start before this event is visible to it. (add_job's
-- unsafe_dedupe did the same with an ON CONFLICT DO UPDATE that bumped the job's revision: a
-- new row version per webhook, ≈ 0.7 ms, half of the inbox's SQL time, and concurrent ingest
-- transactions queued on the row; key-share locks are shared.) A job already running may
-- have read its last batch; reschedule_due_events closes that narrow race within seconds,
-- using preserve_run_at, which always leaves a runnable job behind.
create or replace function app_private.schedule_event_processing(
  task text, org_id uuid, shard smallint, run_at timestamptz default now(),
  mode text default 'unsafe_dedupe', key_suffix text default '') returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  job_key constant text := task || ':' || org_id || ':' || shard || key_suffix;
begin
  if mode = 'unsafe_dedupe' then
    perform 1 from graphile_worker._private_jobs j
     where j.key = job_key and j.locked_at is null
       for key share;
    if found then
      return;
    end if;
  end if;
  perform graphile_worker.add_job(
    task,
    json_build_object('org_id', org_id, 'shard', shard),
    run_at => run_at,
    job_key => job_key,
    job_key_mode => mode,
    max_attempts => 25);
end
$$;

-- Safety net (worker start-up, every few seconds from each worker, and a cron every
-- minute): every shard with events waiting longer than `older_than` gets a runnable job.
-- Covers the ingest race above and a worker killed while holding a job (graphile-worker
-- would unlock it only hours later); extra jobs are harmless (shards are serialised by an
-- advisory lock and skip locked rows).
create or replace function app_private.reschedule_due_events(older_than interval default '0') returns int
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  with due as (
    select distinct e.org_id, e.shard, t.task_identifier
      from app_public.webhook_events e
      join app_private.provider_tasks t on t.provider = e.provider
     where e.status in ('pending', 'failed') and e.next_attempt_at <= now()
       and e.received_at < now() - older_than)
  select count(app_private.schedule_event_processing(due.task_identifier, due.org_id, due.shard, now(), 'preserve_run_at'))::int
    from due
$$;

-- Records a processing failure. After max_attempts the event is dead and lands in
-- dead_letters, from where an admin can retry it.
create or replace function app_private.fail_webhook_event(org_id uuid, event_id uuid, error text, max_attempts int default 5)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ev app_public.webhook_events;
begin
  update app_public.webhook_events e
     set attempts = e.attempts + 1,
         last_error = left(error, 500),
         status = case when e.attempts + 1 >= max_attempts then 'dead' else 'failed' end,
         -- exponential backoff: 2, 4, 8, 16 … seconds
         next_attempt_at = now() + make_interval(secs => power(2, e.attempts + 1))
   where e.org_id = fail_webhook_event.org_id and e.id = event_id
  returning * into ev;
  if ev.status = 'dead' then
    insert into app_public.dead_letters (org_id, kind, ref_id, error)
    values (ev.org_id, 'webhook_event', ev.id, ev.last_error);
  else
    perform app_private.schedule_event_processing(
      (select t.task_identifier from app_private.provider_tasks t where t.provider = ev.provider),
      ev.org_id, ev.shard, ev.next_attempt_at, 'preserve_run_at', ':retry');
  end if;
  return ev.status;
end
$$;

-- The admin RPC that sends a dead event back to processing, app_public.retry_dead_letter,
-- lives in delivery/dead_letters.sql (one function for every kind of dead letter).
