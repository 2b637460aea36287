-- Outbound events: one message per event, one delivery per matching endpoint, sent by
-- the worker task deliver_webhook. The SQL side decides everything but the HTTP call:
-- whether an attempt may run (endpoint enabled, circuit closed, due), and after it the
-- next attempt time (schedule + jitter, Retry-After), dead letters and disabling.

create or replace function app_private.schedule_delivery(org_id uuid, delivery_id uuid, run_at timestamptz default now())
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select graphile_worker.add_job(
    'deliver_webhook',
    json_build_object('org_id', org_id, 'delivery_id', delivery_id),
    run_at => run_at,
    job_key => 'deliver_webhook:' || delivery_id,
    job_key_mode => 'replace',
    max_attempts => 10)
$$;

-- Publishes an event to every enabled endpoint of the org subscribed to its type (or only
-- to `only_endpoint`). Called inside the transaction that produced the event.
-- Whether an enabled endpoint of the org takes this event type (one index probe): the
-- cheap test that lets every emitter skip orgs nobody listens to.
create or replace function app_private.has_subscriber(org_id uuid, event_type text, only_endpoint uuid default null)
  returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select exists (select 1 from app_public.delivery_endpoints e
                  where e.org_id = has_subscriber.org_id and e.enabled
                    and (has_subscriber.only_endpoint is null or e.id = has_subscriber.only_endpoint)
                    and (cardinality(e.event_types) = 0 or has_subscriber.event_type = any (e.event_types)))
$$;

create or replace function app_private.emit_event(org_id uuid, event_type text, data jsonb, only_endpoint uuid default null)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  msg_id uuid;
  d record;
begin
  if not app_private.has_subscriber(emit_event.org_id, emit_event.event_type, only_endpoint) then
    return null;
  end if;
  insert into app_public.delivery_messages (org_id, event_type, payload)
  values (emit_event.org_id, emit_event.event_type,
          jsonb_build_object('type', emit_event.event_type,
                             'timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                             'data', coalesce(data, '{}'::jsonb))
          -- A top-level "text" (alerts) makes the body readable by Slack-compatible incoming webhooks.
          || case when data ? 'text' then jsonb_build_object('text', data ->> 'text') else '{}'::jsonb end)
  returning id into msg_id;
  for d in
    insert into app_public.deliveries (org_id, message_id, endpoint_id)
    select e.org_id, msg_id, e.id
      from app_public.delivery_endpoints e
     where e.org_id = emit_event.org_id and e.enabled
       and (only_endpoint is null or e.id = only_endpoint)
       and (cardinality(e.event_types) = 0 or emit_event.event_type = any (e.event_types))
    returning deliveries.org_id, deliveries.id
  loop
    perform app_private.schedule_delivery(d.org_id, d.id);
  end loop;
  return msg_id;
end
$$;

create or replace function app_private.dead_letter_delivery(org_id uuid, delivery_id uuid, error text) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  update app_public.deliveries d set status = 'dead', last_error = left(error, 500)
   where d.org_id = dead_letter_delivery.org_id and d.id = delivery_id;
  insert into app_public.dead_letters (org_id, kind, ref_id, error)
  values (dead_letter_delivery.org_id, 'delivery', delivery_id, left(error, 500));
$$;

-- Disables an endpoint and tells the org through an event (to its other endpoints).
create or replace function app_private.disable_delivery_endpoint(org_id uuid, endpoint_id uuid, reason text) returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ep app_public.delivery_endpoints;
begin
  update app_public.delivery_endpoints e
     set enabled = false, disabled_reason = reason, disabled_at = now()
   where e.org_id = disable_delivery_endpoint.org_id and e.id = endpoint_id and e.enabled
  returning * into ep;
  if ep.id is not null then
    perform app_private.emit_event(ep.org_id, 'endpoint.disabled',
      jsonb_build_object('endpoint_id', ep.id, 'url', ep.url, 'reason', reason));
  end if;
end
$$;

-- Worker: what to send now, or no row when nothing is due (the job is rescheduled as
-- needed). Takes a lease: the delivery is not due again for `lease` unless finished.
create or replace function app_private.begin_delivery_attempt(org_id uuid, delivery_id uuid, encryption_key text)
  returns table (url text, secrets text[], message_id uuid, body text, attempt int)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  dl app_public.deliveries;
  ep app_public.delivery_endpoints;
  st app_public.workspace_settings;
begin
  select * into dl from app_public.deliveries d
   where d.org_id = begin_delivery_attempt.org_id and d.id = begin_delivery_attempt.delivery_id for update;
  if dl.id is null or dl.status <> 'pending' then
    return;
  end if;
  if dl.next_attempt_at > now() + interval '1 second' then
    perform app_private.schedule_delivery(dl.org_id, dl.id, dl.next_attempt_at);
    return;
  end if;
  select * into ep from app_public.delivery_endpoints e where e.id = dl.endpoint_id for update;
  if not ep.enabled then
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, 'endpoint disabled: ' || coalesce(ep.disabled_reason, 'by an admin'));
    return;
  end if;
  if ep.circuit_open_until > now() then
    update app_public.deliveries d set next_attempt_at = ep.circuit_open_until where d.org_id = dl.org_id and d.id = dl.id;
    perform app_private.schedule_delivery(dl.org_id, dl.id, ep.circuit_open_until);
    return;
  end if;
  select * into st from app_public.workspace_settings s where s.org_id = dl.org_id;
  if ep.consecutive_failures >= st.delivery_circuit_failures then
    -- Half-open: this attempt is the probe; others wait for its outcome.
    update app_public.delivery_endpoints e set circuit_open_until = now() + st.delivery_circuit_cooldown
     where e.id = ep.id;
  end if;
  update app_public.deliveries d
     set attempts = d.attempts + 1, next_attempt_at = now() + interval '1 minute'
   where d.org_id = dl.org_id and d.id = dl.id
  returning d.attempts into attempt;
  url := ep.url;
  select array_agg(pgp_sym_decrypt(k.secret_encrypted, encryption_key) order by k.created_at desc) into secrets
    from app_private.delivery_endpoint_secrets k
   where k.endpoint_id = ep.id and (k.expires_at is null or k.expires_at > now());
  select m.id, m.payload::text into message_id, body from app_public.delivery_messages m where m.id = dl.message_id;
  return next;
end
$$;

-- Worker: records an attempt's outcome and decides what happens next.
-- Returns the delivery's status: delivered, pending (retry scheduled) or dead.
create or replace function app_private.finish_delivery_attempt(
  org_id uuid, delivery_id uuid, attempt int, status_code int, latency_ms int,
  response_excerpt text, error text, retry_after_seconds int)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  dl app_public.deliveries;
  ep app_public.delivery_endpoints;
  st app_public.workspace_settings;
  problem text := coalesce(error, 'HTTP ' || status_code);
  delay interval;
  next_at timestamptz;
begin
  select * into dl from app_public.deliveries d
   where d.org_id = finish_delivery_attempt.org_id and d.id = finish_delivery_attempt.delivery_id for update;
  if dl.id is null then
    return null;
  end if;
  insert into app_public.delivery_attempts (org_id, delivery_id, endpoint_id, attempt, status_code, latency_ms, response_excerpt, error)
  values (dl.org_id, dl.id, dl.endpoint_id, finish_delivery_attempt.attempt, status_code, latency_ms,
          left(response_excerpt, 500), left(error, 500));
  if dl.status <> 'pending' then
    return dl.status;
  end if;
  select * into st from app_public.workspace_settings s where s.org_id = dl.org_id;

  if status_code between 200 and 299 then
    update app_public.deliveries d
       set status = 'delivered', delivered_at = now(), last_status_code = status_code, last_error = null
     where d.org_id = dl.org_id and d.id = dl.id;
    update app_public.delivery_endpoints e
       set consecutive_failures = 0, failing_since = null, circuit_open_until = null, last_success_at = now()
     where e.id = dl.endpoint_id;
    return 'delivered';
  end if;

  update app_public.delivery_endpoints e
     set consecutive_failures = e.consecutive_failures + 1,
         failing_since = coalesce(e.failing_since, now()),
         circuit_open_until = case when e.consecutive_failures + 1 >= st.delivery_circuit_failures
                                   then now() + st.delivery_circuit_cooldown else e.circuit_open_until end
   where e.id = dl.endpoint_id
  returning * into ep;
  update app_public.deliveries d set last_status_code = status_code, last_error = left(problem, 500)
   where d.org_id = dl.org_id and d.id = dl.id;

  if status_code = 410 then
    perform app_private.disable_delivery_endpoint(dl.org_id, dl.endpoint_id, 'endpoint answered 410 Gone');
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, 'HTTP 410: endpoint disabled');
    return 'dead';
  end if;
  if ep.failing_since <= now() - st.delivery_disable_after then
    perform app_private.disable_delivery_endpoint(dl.org_id, dl.endpoint_id,
      'failing continuously since ' || ep.failing_since);
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, problem || '; endpoint disabled');
    return 'dead';
  end if;
  if finish_delivery_attempt.attempt >= cardinality(st.delivery_retry_schedule) then
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, problem);
    return 'dead';
  end if;

  delay := st.delivery_retry_schedule[finish_delivery_attempt.attempt + 1]
           * (1 + st.delivery_retry_jitter::float8 * (2 * random() - 1));
  if status_code in (429, 503) and retry_after_seconds > 0 then
    delay := greatest(delay, make_interval(secs => least(retry_after_seconds, 86400)));
  end if;
  next_at := now() + delay;
  update app_public.deliveries d set next_attempt_at = next_at where d.org_id = dl.org_id and d.id = dl.id;
  perform app_private.schedule_delivery(dl.org_id, dl.id, next_at);
  return 'pending';
end
$$;

-- Back to pending with a fresh attempt budget; open dead letters of it count as retried.
create or replace function app_private.requeue_delivery(org_id uuid, delivery_id uuid, actor uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  update app_public.deliveries d
     set status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = null
   where d.org_id = requeue_delivery.org_id and d.id = requeue_delivery.delivery_id;
  if not found then
    return false;
  end if;
  update app_public.dead_letters l set retried_at = now(), retried_by = actor
   where l.org_id = requeue_delivery.org_id and l.kind = 'delivery' and l.ref_id = requeue_delivery.delivery_id
     and l.retried_at is null;
  perform app_private.schedule_delivery(org_id, delivery_id);
  return true;
end
$$;

-- Admin RPC: sends one delivery again (whatever its state).
create or replace function app_public.replay_delivery(delivery_id uuid) returns app_public.deliveries
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  dl app_public.deliveries;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins replay deliveries' using errcode = '42501';
  end if;
  if not app_private.requeue_delivery(app_public.current_org_id(), delivery_id, app_public.current_user_id()) then
    raise exception 'delivery not found' using errcode = 'PT404';
  end if;
  select * into dl from app_public.deliveries d where d.org_id = app_public.current_org_id() and d.id = delivery_id;
  return dl;
end
$$;

-- Admin RPC: every dead delivery of an endpoint created since a time goes out again.
create or replace function app_public.replay_failed_deliveries(endpoint_id uuid, since timestamptz) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  n int := 0;
  d record;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins replay deliveries' using errcode = '42501';
  end if;
  for d in
    select x.org_id, x.id from app_public.deliveries x
     where x.org_id = app_public.current_org_id() and x.endpoint_id = replay_failed_deliveries.endpoint_id
       and x.status = 'dead' and x.created_at >= since
     order by x.created_at
  loop
    perform app_private.requeue_delivery(d.org_id, d.id, app_public.current_user_id());
    n := n + 1;
  end loop;
  return n;
end
$$;

-- Safety net (cron): pending deliveries overdue by a minute get a job again
-- (a worker killed mid-attempt leaves its job locked for hours).
create or replace function app_private.requeue_due_deliveries() returns int
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select count(app_private.schedule_delivery(d.org_id, d.id, now()))::int
    from app_public.deliveries d
   where d.status = 'pending' and d.next_attempt_at < now() - interval '1 minute'
$$;
