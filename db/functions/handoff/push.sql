-- Pushing a feed run's leads into the org's campaign tools: the delivery engine's habits
-- (a job per call, retries on the delivery retry schedule with jitter, Retry-After, a
-- circuit breaker per connection, dead letters, replay, an audit row per attempt) applied
-- to chunks of leads. The SQL side decides everything but the HTTP call.
--
-- At most once per (run, lead): lead_pushes has one row per (connection, local date, lead),
-- written with the chunks in the hand-off's transaction; a chunk's job only sends its leads
-- still `pending`; a chunk whose call never reported back (worker killed) is "in doubt" and
-- is reconciled with the tool before anything is sent again (see tasks/push_leads.ts).

create or replace function app_private.schedule_lead_push(org_id uuid, chunk_id uuid, run_at timestamptz default now())
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select graphile_worker.add_job(
    'push_leads',
    json_build_object('org_id', org_id, 'chunk_id', chunk_id),
    run_at => run_at,
    job_key => 'push_leads:' || chunk_id,
    job_key_mode => 'replace',
    max_attempts => 10)
$$;

-- The connections a feed run goes to: enabled, used by the feeder, not refused at validation.
create or replace function app_private.feed_connections(org_id uuid)
  returns setof app_public.campaign_connections
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select * from app_public.campaign_connections c
   where c.org_id = feed_connections.org_id and c.enabled and c.use_for_feed and c.validation_status <> 'invalid'
   order by c.created_at
$$;

-- Splits a run's leads (score order) into chunks per connection and schedules a job each.
-- Idempotent: a second call for the same run adds nothing.
create or replace function app_private.plan_lead_pushes(org_id uuid, local_date date, lead_ids uuid[]) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  conn app_public.campaign_connections;
  size int;
  n int := 0;
  ch record;
begin
  for conn in select * from app_private.feed_connections(plan_lead_pushes.org_id) loop
    size := app_private.campaign_tool_chunk_size(conn.provider);
    create temp table if not exists pg_temp.push_plan (lead_id uuid, position int) on commit drop;
    truncate pg_temp.push_plan;
    insert into pg_temp.push_plan
    select l.id, ((row_number() over (order by l.lead_score desc, l.id) - 1) / size)::int
      from app_public.leads l
     where l.org_id = plan_lead_pushes.org_id and l.id = any (lead_ids) and l.campaign_status = 'active'
       and not exists (select 1 from app_public.lead_pushes p
                        where p.org_id = plan_lead_pushes.org_id and p.connection_id = conn.id
                          and p.local_date = plan_lead_pushes.local_date and p.lead_id = l.id);
    for ch in
      insert into app_public.lead_push_chunks (org_id, connection_id, local_date, position)
      select plan_lead_pushes.org_id, conn.id, plan_lead_pushes.local_date, p.position
        from (select distinct position from pg_temp.push_plan) p
      on conflict do nothing
      returning id, position
    loop
      insert into app_public.lead_pushes (org_id, connection_id, local_date, lead_id, chunk_id)
      select plan_lead_pushes.org_id, conn.id, plan_lead_pushes.local_date, p.lead_id, ch.id
        from pg_temp.push_plan p where p.position = ch.position
      on conflict do nothing;
      perform app_private.schedule_lead_push(plan_lead_pushes.org_id, ch.id);
    end loop;
    n := n + 1;
  end loop;
  return n;
end
$$;

-- Pacing: reserves a call to the connection now (true), or says when one is allowed.
-- Serialised on the connection row; the windows are widened by 10 % + 250 ms so the
-- tool, which measures arrivals, never sees more than its published limits. One call per
-- connection is in flight at a time (for_chunk: the chunk asking), so a 429 is always
-- known before the next call goes; finishing a call wakes the next chunk at once.
drop function if exists app_private.reserve_connection_call(uuid);
create or replace function app_private.reserve_connection_call(connection_id uuid, for_chunk uuid default null,
                                                               out reserved boolean, out not_before timestamptz)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  conn app_public.campaign_connections;
  at_ts timestamptz := clock_timestamp();
begin
  select * into conn from app_public.campaign_connections c where c.id = reserve_connection_call.connection_id for update;
  if conn.id is null then
    reserved := false;
    return;
  end if;
  select max(x.t) into not_before
    from (select (select k.at from app_private.connection_calls k
                   where k.connection_id = conn.id and k.at > at_ts - (lim.per * 1.1 + interval '250 milliseconds')
                   order by k.at desc offset lim.max_calls - 1 limit 1) + (lim.per * 1.1 + interval '250 milliseconds') as t
            from app_private.campaign_tool_limits(conn.provider) lim) x;
  not_before := greatest(not_before, conn.paused_until);
  if for_chunk is not null then
    not_before := greatest(not_before,
      (select case when min(c.next_attempt_at) is not null then least(min(c.next_attempt_at), at_ts + interval '2 seconds') end
         from app_public.lead_push_chunks c
        where c.connection_id = conn.id and c.status = 'pending' and c.in_flight_since is not null
          and c.next_attempt_at > at_ts and c.id <> for_chunk));
  end if;
  if not_before > at_ts then
    reserved := false;
    return;
  end if;
  insert into app_private.connection_calls (connection_id, at) values (conn.id, at_ts);
  delete from app_private.connection_calls k where k.connection_id = conn.id and k.at < at_ts - interval '2 hours';
  reserved := true;
  not_before := at_ts;
end
$$;

-- Worker: the call to make now, or no row (the job was rescheduled when the chunk waits
-- for its time, the circuit, a Retry-After pause or its pace). Takes a lease.
create or replace function app_private.begin_lead_push(org_id uuid, chunk_id uuid, encryption_key text, lease_seconds int default 60)
  returns table (connection_id uuid, provider text, base_url text, external_campaign_id text, api_key text,
                 attempt int, in_doubt boolean, leads jsonb)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  ch app_public.lead_push_chunks;
  conn app_public.campaign_connections;
  st app_public.workspace_settings;
  pace record;
begin
  select * into ch from app_public.lead_push_chunks c
   where c.org_id = begin_lead_push.org_id and c.id = begin_lead_push.chunk_id for update;
  if ch.id is null or ch.status <> 'pending' then
    return;
  end if;
  if ch.next_attempt_at > now() + interval '1 second' then
    perform app_private.schedule_lead_push(ch.org_id, ch.id, ch.next_attempt_at);
    return;
  end if;
  select * into conn from app_public.campaign_connections c where c.id = ch.connection_id;
  if not conn.enabled then
    perform app_private.dead_letter_lead_push(ch.org_id, ch.id, 'connection disabled');
    return;
  end if;
  if conn.circuit_open_until > now() or conn.paused_until > now() then
    update app_public.lead_push_chunks c set next_attempt_at = greatest(conn.circuit_open_until, conn.paused_until)
     where c.org_id = ch.org_id and c.id = ch.id;
    perform app_private.schedule_lead_push(ch.org_id, ch.id, greatest(conn.circuit_open_until, conn.paused_until));
    return;
  end if;
  select * into pace from app_private.reserve_connection_call(conn.id, ch.id);
  if not pace.reserved then
    update app_public.lead_push_chunks c set next_attempt_at = pace.not_before where c.org_id = ch.org_id and c.id = ch.id;
    perform app_private.schedule_lead_push(ch.org_id, ch.id, pace.not_before);
    return;
  end if;
  select * into st from app_public.workspace_settings s where s.org_id = ch.org_id;
  if conn.consecutive_failures >= st.delivery_circuit_failures then
    -- Half-open: this call is the probe; the connection's other chunks wait for it.
    update app_public.campaign_connections c set circuit_open_until = now() + st.delivery_circuit_cooldown where c.id = conn.id;
  end if;
  in_doubt := ch.in_flight_since is not null;
  update app_public.lead_push_chunks c
     set attempts = c.attempts + 1, in_flight_since = now(), resent_in_doubt = c.resent_in_doubt or begin_lead_push.in_doubt,
         next_attempt_at = now() + make_interval(secs => lease_seconds)
   where c.org_id = ch.org_id and c.id = ch.id
  returning c.attempts into attempt;
  update app_public.lead_pushes p set attempts = p.attempts + 1, updated_at = now()
   where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'pending';
  connection_id := conn.id;
  provider := conn.provider;
  base_url := conn.base_url;
  external_campaign_id := conn.external_campaign_id;
  select pgp_sym_decrypt(s.api_key_encrypted, encryption_key) into api_key
    from app_private.campaign_connection_secrets s where s.connection_id = conn.id;
  select coalesce(jsonb_agg(app_private.map_lead(l, conn.field_mapping) order by l.lead_score desc, l.id), '[]')
    into leads
    from app_public.lead_pushes p join app_public.leads l on l.org_id = p.org_id and l.id = p.lead_id
   where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'pending';
  return next;
end
$$;

-- A reconciled in-doubt chunk: these leads are already in the tool's campaign.
create or replace function app_private.confirm_lead_pushes(org_id uuid, chunk_id uuid, lead_ids uuid[], answer jsonb)
  returns int
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  with done as (
    update app_public.lead_pushes p
       set status = 'pushed', reason = 'found_in_campaign_after_interrupted_call', answer = confirm_lead_pushes.answer,
           pushed_at = now(), updated_at = now()
     where p.org_id = confirm_lead_pushes.org_id and p.chunk_id = confirm_lead_pushes.chunk_id
       and p.lead_id = any (lead_ids) and p.status = 'pending'
    returning p.lead_id)
  select count(*)::int from done
$$;

create or replace function app_private.dead_letter_lead_push(org_id uuid, chunk_id uuid, error text) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  update app_public.lead_push_chunks c
     set status = 'dead', last_error = left(error, 500), in_flight_since = null, finished_at = now()
   where c.org_id = dead_letter_lead_push.org_id and c.id = chunk_id;
  update app_public.lead_pushes p set status = 'failed', reason = left(error, 300), updated_at = now()
   where p.org_id = dead_letter_lead_push.org_id and p.chunk_id = dead_letter_lead_push.chunk_id and p.status = 'pending';
  insert into app_public.dead_letters (org_id, kind, ref_id, error)
  values (dead_letter_lead_push.org_id, 'lead_push', chunk_id, left(error, 500));
$$;

-- The connection's next waiting chunk goes now (a call just finished: the line is free).
create or replace function app_private.wake_next_lead_push(connection_id uuid, after_chunk uuid) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select app_private.schedule_lead_push(c.org_id, c.id, greatest(now(), c.next_attempt_at))
    from app_public.lead_push_chunks c
   where c.connection_id = wake_next_lead_push.connection_id and c.status = 'pending' and c.in_flight_since is null
     and c.id <> after_chunk
   order by c.next_attempt_at, c.local_date, c.position
   limit 1
$$;

-- Worker: records a call's outcome and decides what happens next. outcome:
--   ok            the tool answered for the leads (results: [{lead_id, status: pushed|duplicate|refused, reason, answer}])
--   rate_limited  429: the connection pauses for Retry-After; the attempt does not count
--   retry         network error, timeout, 408, 5xx: backoff, circuit breaker, dead letter at the end
--   auth          401/403 or an unknown campaign (404): as retry, and the connection's last_error says so
-- Returns the chunk's status: done, pending or dead.
create or replace function app_private.finish_lead_push(
  org_id uuid, chunk_id uuid, attempt int, outcome text, status_code int, latency_ms int,
  response_excerpt text, error text, retry_after_seconds int, results jsonb)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ch app_public.lead_push_chunks;
  conn app_public.campaign_connections;
  st app_public.workspace_settings;
  problem text := coalesce(error, 'HTTP ' || status_code);
  delay interval;
  next_at timestamptz;
  r jsonb;
begin
  select * into ch from app_public.lead_push_chunks c
   where c.org_id = finish_lead_push.org_id and c.id = finish_lead_push.chunk_id for update;
  if ch.id is null then
    return null;
  end if;
  insert into app_public.lead_push_attempts (org_id, chunk_id, connection_id, attempt, status_code, latency_ms, response_excerpt, error)
  values (ch.org_id, ch.id, ch.connection_id, finish_lead_push.attempt, status_code, latency_ms, left(response_excerpt, 500), left(error, 500));
  if ch.status <> 'pending' then
    return ch.status;
  end if;
  select * into st from app_public.workspace_settings s where s.org_id = ch.org_id;

  if outcome = 'ok' then
    for r in select * from jsonb_array_elements(coalesce(results, '[]')) loop
      update app_public.lead_pushes p
         set status = r ->> 'status', reason = left(r ->> 'reason', 300), answer = r -> 'answer',
             pushed_at = case when r ->> 'status' in ('pushed', 'duplicate') then now() end, updated_at = now()
       where p.org_id = ch.org_id and p.chunk_id = ch.id and p.lead_id = (r ->> 'lead_id')::uuid and p.status = 'pending'
         and r ->> 'status' in ('pushed', 'duplicate', 'refused');
    end loop;
    -- A refused lead leaves the feed for good: do_not_contact (suppressed when the tool
    -- says it unsubscribed or is blocked), never retried.
    update app_public.leads l set campaign_status = 'do_not_contact'
      from app_public.lead_pushes p
     where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'refused'
       and l.org_id = p.org_id and l.id = p.lead_id and l.campaign_status <> 'do_not_contact';
    insert into app_public.suppressions (org_id, email, reason, source)
    select distinct on (l.email) ch.org_id, l.email,
           case when p.reason ~* 'unsub' then 'unsubscribed' else 'do_not_contact' end, 'handoff:' || conn_provider.provider
      from app_public.lead_pushes p
      join app_public.leads l on l.org_id = p.org_id and l.id = p.lead_id
      cross join lateral (select c.provider from app_public.campaign_connections c where c.id = ch.connection_id) conn_provider
     where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'refused' and l.email is not null
       and p.reason ~* 'unsub|block'
    on conflict do nothing;
    -- The contact's timeline.
    insert into app_public.pipeline_events (org_id, kind, subject_id, contact_id, quantity, data)
    select ch.org_id, case p.status when 'refused' then 'push_refused' else 'pushed' end, p.lead_id,
           (select k.id from app_public.contacts k where k.org_id = ch.org_id and k.email = l.email limit 1), 1,
           jsonb_build_object('connection_id', ch.connection_id, 'local_date', ch.local_date, 'status', p.status, 'reason', p.reason)
      from app_public.lead_pushes p
      join app_public.leads l on l.org_id = p.org_id and l.id = p.lead_id
     where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status in ('pushed', 'duplicate', 'refused');
    -- Leads the tool did not answer for stay pending: the chunk goes again (only them).
    if exists (select 1 from app_public.lead_pushes p where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'pending') then
      update app_public.lead_push_chunks c set in_flight_since = null, last_status_code = status_code, next_attempt_at = now()
       where c.org_id = ch.org_id and c.id = ch.id;
      perform app_private.schedule_lead_push(ch.org_id, ch.id);
    else
      update app_public.lead_push_chunks c
         set status = 'done', in_flight_since = null, last_status_code = status_code, last_error = null, finished_at = now()
       where c.org_id = ch.org_id and c.id = ch.id;
    end if;
    update app_public.campaign_connections c
       set consecutive_failures = 0, failing_since = null, circuit_open_until = null, last_success_at = now(), last_error = null
     where c.id = ch.connection_id;
    perform app_private.wake_next_lead_push(ch.connection_id, ch.id);
    return (select c.status from app_public.lead_push_chunks c where c.org_id = ch.org_id and c.id = ch.id);
  end if;

  if outcome = 'rate_limited' then
    next_at := now() + make_interval(secs => least(greatest(coalesce(retry_after_seconds, 0), 1), 3600));
    update app_public.campaign_connections c set paused_until = greatest(c.paused_until, next_at) where c.id = ch.connection_id;
    update app_public.lead_push_chunks c
       set attempts = greatest(c.attempts - 1, 0), in_flight_since = null, next_attempt_at = next_at,
           last_status_code = status_code, last_error = 'rate limited (429)'
     where c.org_id = ch.org_id and c.id = ch.id;
    update app_public.lead_pushes p set attempts = greatest(p.attempts - 1, 0)
     where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'pending';
    perform app_private.schedule_lead_push(ch.org_id, ch.id, next_at);
    perform app_private.wake_next_lead_push(ch.connection_id, ch.id);
    return 'pending';
  end if;

  -- retry / auth: a failure of the connection.
  update app_public.campaign_connections c
     set consecutive_failures = c.consecutive_failures + 1,
         failing_since = coalesce(c.failing_since, now()),
         last_error = left(case when outcome = 'auth' then 'refused by the tool (check the API key and campaign id): ' else '' end || problem, 300),
         circuit_open_until = case when c.consecutive_failures + 1 >= st.delivery_circuit_failures
                                   then now() + st.delivery_circuit_cooldown else c.circuit_open_until end
   where c.id = ch.connection_id
  returning * into conn;
  update app_public.lead_push_chunks c set in_flight_since = null, last_status_code = status_code, last_error = left(problem, 500)
   where c.org_id = ch.org_id and c.id = ch.id;
  perform app_private.wake_next_lead_push(ch.connection_id, ch.id);
  if finish_lead_push.attempt >= cardinality(st.delivery_retry_schedule) then
    perform app_private.dead_letter_lead_push(ch.org_id, ch.id, problem);
    return 'dead';
  end if;
  delay := st.delivery_retry_schedule[finish_lead_push.attempt + 1]
           * (1 + st.delivery_retry_jitter::float8 * (2 * random() - 1));
  if status_code = 503 and retry_after_seconds > 0 then
    delay := greatest(delay, make_interval(secs => least(retry_after_seconds, 86400)));
  end if;
  next_at := now() + delay;
  update app_public.lead_push_chunks c set next_attempt_at = next_at where c.org_id = ch.org_id and c.id = ch.id;
  perform app_private.schedule_lead_push(ch.org_id, ch.id, next_at);
  return 'pending';
end
$$;

-- Back to pending with a fresh attempt budget (replay, dead-letter retry).
create or replace function app_private.requeue_lead_push(org_id uuid, chunk_id uuid, actor uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  update app_public.lead_push_chunks c
     set status = 'pending', attempts = 0, next_attempt_at = now(), finished_at = null
   where c.org_id = requeue_lead_push.org_id and c.id = requeue_lead_push.chunk_id and c.status = 'dead';
  if not found then
    return false;
  end if;
  update app_public.lead_pushes p set status = 'pending', reason = null, updated_at = now()
   where p.org_id = requeue_lead_push.org_id and p.chunk_id = requeue_lead_push.chunk_id and p.status = 'failed';
  update app_public.dead_letters l set retried_at = now(), retried_by = actor
   where l.org_id = requeue_lead_push.org_id and l.kind = 'lead_push' and l.ref_id = requeue_lead_push.chunk_id
     and l.retried_at is null;
  perform app_private.schedule_lead_push(org_id, chunk_id);
  return true;
end
$$;

-- Admin RPC: a dead chunk goes out again (its failed leads only; pushed ones never twice).
create or replace function app_public.replay_lead_push(chunk_id uuid) returns app_public.lead_push_chunks
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ch app_public.lead_push_chunks;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins replay pushes' using errcode = '42501';
  end if;
  if not app_private.requeue_lead_push(app_public.current_org_id(), chunk_id, app_public.current_user_id()) then
    raise exception 'no dead push chunk with that id' using errcode = 'PT404';
  end if;
  select * into ch from app_public.lead_push_chunks c where c.org_id = app_public.current_org_id() and c.id = chunk_id;
  return ch;
end
$$;

-- Safety net (cron, every minute): pending chunks overdue (a worker killed mid-call leaves
-- its job locked for hours) get a job again; their in-flight call is then in doubt.
create or replace function app_private.requeue_due_lead_pushes() returns int
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select count(app_private.schedule_lead_push(c.org_id, c.id, now()))::int
    from app_public.lead_push_chunks c
   where c.status = 'pending' and c.next_attempt_at < now() - interval '5 seconds'
$$;
