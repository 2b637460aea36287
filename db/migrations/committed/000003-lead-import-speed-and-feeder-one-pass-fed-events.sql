--! Previous: sha1:2639b4234fe85f304bbf78e7b5b32ccd6223944f
--! Hash: sha1:03d2e184192c760bf8a882ca92f7b9fbeb0b16d1
--! Message: lead import speed and feeder one-pass fed events

--! split: 1-current.sql
-- Feeder speed: a feed raises its leads' `lead.fed` events in one pass instead of one
-- trigger call per lead (≈ 40 % of a 250-lead feed). Re-runnable.

--! Included delivery/deliveries.sql
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
--! EndIncluded delivery/deliveries.sql
--! Included delivery/domain_events.sql
-- Switchboard events published to outbound endpoints, raised by triggers on the tables that
-- record them (so every write path publishes, in the same transaction). emit_event skips
-- orgs with no endpoint subscribed, so the cost for everyone else is one index probe.

create or replace function app_private.tg_appointments__emit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if tg_op = 'INSERT' and new.status = 'booked' then
    perform app_private.emit_event(new.org_id, 'appointment.booked', jsonb_build_object(
      'appointment_id', new.id, 'resource_id', new.resource_id, 'contact_id', new.contact_id,
      'starts_at', new.starts_at, 'ends_at', new.ends_at, 'source', new.source));
  elsif tg_op = 'UPDATE' and new.status = 'cancelled' and old.status <> 'cancelled' then
    perform app_private.emit_event(new.org_id, 'appointment.cancelled', jsonb_build_object(
      'appointment_id', new.id, 'contact_id', new.contact_id, 'starts_at', new.starts_at));
  end if;
  return null;
end
$$;

create or replace function app_private.tg_calls__emit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.status = 'ended' and (tg_op = 'INSERT' or old.status is distinct from 'ended') then
    perform app_private.emit_event(new.org_id, 'call.ended', jsonb_build_object(
      'call_id', new.id, 'external_id', new.external_id, 'contact_id', new.contact_id, 'campaign_id', new.campaign_id,
      'direction', new.direction, 'duration_seconds', new.duration_seconds, 'ended_reason', new.ended_reason));
  end if;
  return null;
end
$$;

create or replace function app_private.tg_lead_import_batches__emit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.status in ('merged', 'failed') and old.status is distinct from new.status then
    perform app_private.emit_event(new.org_id, 'import.finished', jsonb_build_object(
      'batch_id', new.id, 'status', new.status, 'rows_total', new.rows_total, 'rows_merged', new.rows_merged,
      'rows_rejected', new.rows_rejected, 'leads_created', new.leads_created, 'leads_updated', new.leads_updated));
  end if;
  return null;
end
$$;

-- A lead fed to the campaign tool (queued → active): pushed with what the tool needs.
create or replace function app_private.lead_fed_payload(l app_public.leads) returns jsonb
  language sql immutable
as $$
  select jsonb_build_object(
    'lead_id', l.id, 'first_name', l.first_name, 'last_name', l.last_name, 'email', l.email,
    'phone', l.phone, 'property_address', l.property_address, 'property_city', l.property_city,
    'property_state', l.property_state, 'property_zip', l.property_zip, 'lead_score', l.lead_score)
$$;

-- Any path that moves a lead to active raises `lead.fed`. The feeder (feed_leads) raises
-- its run's events itself, in one pass after its UPDATE, and sets switchboard.feeding for
-- that UPDATE: the trigger's WHEN clause then keeps it from firing 250 times per feed.
create or replace function app_private.tg_leads__emit_fed() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  perform app_private.emit_event(new.org_id, 'lead.fed', app_private.lead_fed_payload(new));
  return null;
end
$$;

create or replace function app_private.tg_email_events__emit_reply() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.kind = 'replied' then
    perform app_private.emit_event(new.org_id, 'reply.received', jsonb_build_object(
      'email_event_id', new.id, 'campaign_id', new.campaign_id, 'contact_id', new.contact_id,
      'category', new.category, 'occurred_at', new.occurred_at));
  end if;
  return null;
end
$$;
--! EndIncluded delivery/domain_events.sql
--! Included leads/feeder.sql
-- The weekday feeder. Exactly once per org per local date: the (org_id, local_date) key
-- of lead_feed_runs is claimed in the same transaction as the feed, so a second worker,
-- a retried job or a restart finds it taken and does nothing.
create or replace function app_private.feed_leads(org_id uuid, at timestamptz default now()) returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  tz text;
  local_ts timestamp;
  lim int;
  enabled boolean;
  fed_ids uuid[];
  t0 timestamptz := clock_timestamp();
begin
  select g.timezone, w.lead_feed_daily_limit, w.lead_feed_enabled into tz, lim, enabled
    from app_public.organizations g join app_public.workspace_settings w on w.org_id = g.id
   where g.id = feed_leads.org_id;
  if not found then
    return jsonb_build_object('status', 'unknown_org');
  end if;
  local_ts := feed_leads.at at time zone tz;
  if extract(isodow from local_ts) > 5 or local_ts::time < time '06:00' or not enabled then
    return jsonb_build_object('status', 'not_due', 'local_time', local_ts);
  end if;
  insert into app_private.lead_feed_runs (org_id, local_date) values (feed_leads.org_id, local_ts::date)
  on conflict do nothing;
  if not found then
    return jsonb_build_object('status', 'already_ran', 'local_date', local_ts::date);
  end if;
  -- Do not interleave with a merge of the same org.
  perform pg_advisory_xact_lock(app_private.lead_lock_key(feed_leads.org_id));

  -- This UPDATE's lead.fed events are raised below in one pass (see tg_leads__emit_fed).
  perform set_config('switchboard.feeding', 'on', true);
  with picked as (
    select l.id
      from app_public.leads l
     where l.org_id = feed_leads.org_id
       and l.campaign_status = 'queued'
       and (l.email_verified or l.phone_verified)
       and l.consent_given
       and not exists (select 1 from app_public.suppressions s where s.org_id = l.org_id and s.email = l.email)
     order by l.lead_score desc, l.id
     limit lim
     -- NO KEY UPDATE: the feed changes no key, so it neither waits for nor skips rows a
     -- concurrent refresh of the contactable set holds KEY SHARE on (its foreign key).
     for no key update of l skip locked
  ), fed as (
    update app_public.leads l set campaign_status = 'active'
      from picked p
     where l.org_id = feed_leads.org_id and l.id = p.id
    returning l.id, l.created_at
  ), events as (
    insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, duration_ms, data, occurred_at)
    select feed_leads.org_id, 'fed', f.id, 1,
           greatest(0, (extract(epoch from feed_leads.at - f.created_at) * 1000))::bigint,
           jsonb_build_object('local_date', local_ts::date), feed_leads.at
      from fed f
    returning subject_id
  )
  select coalesce(array_agg(e.subject_id), '{}') into fed_ids from events e;
  perform set_config('switchboard.feeding', 'off', true);
  if cardinality(fed_ids) > 0 and app_private.has_subscriber(feed_leads.org_id, 'lead.fed') then
    perform app_private.emit_event(l.org_id, 'lead.fed', app_private.lead_fed_payload(l))
       from app_public.leads l
      where l.org_id = feed_leads.org_id and l.id = any (fed_ids)
      order by l.lead_score desc, l.id;
  end if;

  -- The run keeps the ids it fed: the hand-off reads them from here (a small job payload,
  -- and a retried hand-off sends the same leads).
  update app_private.lead_feed_runs r set fed = cardinality(fed_ids), lead_ids = fed_ids
   where r.org_id = feed_leads.org_id and r.local_date = local_ts::date;
  if cardinality(fed_ids) > 0 then
    perform graphile_worker.add_job('handoff_leads',
      json_build_object('org_id', feed_leads.org_id, 'local_date', local_ts::date),
      job_key => 'handoff_leads:' || feed_leads.org_id || ':' || local_ts::date, max_attempts => 10);
  end if;
  return jsonb_build_object('status', 'fed', 'local_date', local_ts::date, 'fed', cardinality(fed_ids),
                            'ms', round(extract(epoch from clock_timestamp() - t0) * 1000, 1));
end
$$;
--! EndIncluded leads/feeder.sql

drop trigger if exists tg_leads__emit_fed on app_public.leads;
create trigger tg_leads__emit_fed after update of campaign_status on app_public.leads
  for each row
  when (new.campaign_status = 'active' and old.campaign_status is distinct from 'active'
        and current_setting('switchboard.feeding', true) is distinct from 'on')
  execute function app_private.tg_leads__emit_fed();

-- The contactable refresh keeps to hash anti-joins (see the function).
--! Included leads/contactable.sql
-- Contactable leads: app_private.contactable_lead_set (org_id, lead_id), kept by a
-- set-based diff under an advisory lock, so two refreshes never overlap and readers (plain
-- MVCC reads) never block. app_public.contactable_leads reads it through
-- contactable_lead_ids(), which returns only the caller's org; RLS on leads then applies
-- (members: assigned leads only).

create or replace function app_private.contactable_lead_ids() returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select m.lead_id from app_private.contactable_lead_set m where m.org_id = app_public.current_org_id()
$$;

-- Verified (email or phone), consented, not do-not-contact, not suppressed. One scan of
-- leads, then two anti-joins against the stored set: only rows that stopped or started
-- being contactable are written.
create or replace function app_private.refresh_contactable_leads() returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  set work_mem = '256MB'
  -- Both diffs as hash anti-joins. The planner's alternatives sort every contactable lead
  -- twice (merge anti-joins) or probe the set's index once per lead (nested loop): measured
  -- 5–8 s instead of ≈ 3 s on 1,000,000 leads.
  set enable_mergejoin = off
  set enable_nestloop = off
as $$
declare
  t0 timestamptz := clock_timestamp();
  waited_ms numeric;
  n_removed int;
  n_added int;
begin
  perform pg_advisory_xact_lock(hashtextextended('switchboard.contactable_leads_refresh', 0));
  waited_ms := round(extract(epoch from clock_timestamp() - t0) * 1000);
  with cur as materialized (
    select l.org_id, l.id as lead_id
      from app_public.leads l
     where (l.email_verified or l.phone_verified)
       and l.consent_given
       and l.campaign_status <> 'do_not_contact'
       and not exists (select 1 from app_public.suppressions s where s.org_id = l.org_id and s.email = l.email)
  ), removed as (
    delete from app_private.contactable_lead_set t
     where not exists (select 1 from cur where cur.org_id = t.org_id and cur.lead_id = t.lead_id)
    returning 1
  ), added as (
    insert into app_private.contactable_lead_set (org_id, lead_id)
    select cur.org_id, cur.lead_id from cur
     where not exists (select 1 from app_private.contactable_lead_set t where t.org_id = cur.org_id and t.lead_id = cur.lead_id)
    on conflict do nothing
    returning 1
  )
  select (select count(*) from removed), (select count(*) from added) into n_removed, n_added;
  return jsonb_build_object('refreshed', true, 'waited_ms', waited_ms, 'added', n_added, 'removed', n_removed,
                            'ms', round(extract(epoch from clock_timestamp() - t0) * 1000) - waited_ms);
end
$$;

-- Called every minute by the worker's cron (UTC). Per org, in its own time zone:
--   * from 05:30 local, once per local date: refresh the contactable view;
--   * weekdays from 06:00 local, once per local date: the feeder (feed_leads claims the
--     (org, local date) key itself, so a duplicate job or a second worker is a no-op).
-- Catch-up: a worker that was down at 06:00 feeds at its first tick later the same day.
create or replace function app_private.leads_cron_tick(at timestamptz default now()) returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  refreshes int;
  feeds int := 0;
  o record;
begin
  with due as (
    insert into app_private.contactable_refresh_runs (org_id, local_date)
    select g.id, (leads_cron_tick.at at time zone g.timezone)::date
      from app_public.organizations g
     where (leads_cron_tick.at at time zone g.timezone)::time >= time '05:30'
    on conflict do nothing
    returning 1
  )
  select count(*) into refreshes from due;
  if refreshes > 0 then
    perform graphile_worker.add_job('refresh_contactable_leads', '{}'::json, job_key => 'refresh_contactable_leads');
  end if;

  for o in
    select g.id, (leads_cron_tick.at at time zone g.timezone)::date as local_date
      from app_public.organizations g
      join app_public.workspace_settings w on w.org_id = g.id
     where w.lead_feed_enabled
       and extract(isodow from (leads_cron_tick.at at time zone g.timezone)) between 1 and 5
       and (leads_cron_tick.at at time zone g.timezone)::time >= time '06:00'
       and not exists (select 1 from app_private.lead_feed_runs r
                        where r.org_id = g.id and r.local_date = (leads_cron_tick.at at time zone g.timezone)::date)
  loop
    perform graphile_worker.add_job('feed_leads', json_build_object('org_id', o.id, 'at', leads_cron_tick.at),
                                    job_key => 'feed_leads:' || o.id || ':' || o.local_date, max_attempts => 5);
    feeds := feeds + 1;
  end loop;
  return jsonb_build_object('refreshes', refreshes, 'feeds', feeds);
end
$$;
--! EndIncluded leads/contactable.sql

--! split: 2-import-speed.sql
-- Lead import speed: each upload COPYs its raw rows straight into a durable staging table of
-- its own (no temporary table, no second copy, no normalisation on the upload's single
-- core), and the merge normalises them in a parallel CREATE TABLE AS, then drops the table.
-- Re-runnable.

-- begin_lead_upload now also names the upload's staging table (a new return type).
drop function if exists app_private.begin_lead_upload(uuid, uuid, text, text);
--! Included leads/normalize.sql
-- Lead field normalisation. Every function here is immutable and parallel safe (the merge
-- runs them in parallel workers); all but the address are single SQL expressions the planner
-- inlines. Each returns NULL for a value it cannot read.

-- USPS Publication 28 abbreviations used for address matching: street suffixes (C1),
-- directionals (C2: NORTH → N, NORTHEAST → NE …) and secondary unit designators (C2:
-- APARTMENT → APT, SUITE → STE …). Tokens not listed stay as written.
create or replace function app_private.usps_abbreviations() returns jsonb
  language sql immutable parallel safe
as $$
  select '{
    "ALLEY":"ALY","ALLEE":"ALY","ALLY":"ALY","ANNEX":"ANX","ANNX":"ANX","ARCADE":"ARC",
    "AVENUE":"AVE","AV":"AVE","AVEN":"AVE","AVENU":"AVE","AVN":"AVE","AVNUE":"AVE",
    "BAYOU":"BYU","BEACH":"BCH","BEND":"BND","BLUFF":"BLF","BOTTOM":"BTM","BOULEVARD":"BLVD","BOULV":"BLVD","BOUL":"BLVD",
    "BRANCH":"BR","BRIDGE":"BRG","BROOK":"BRK","BYPASS":"BYP","CAMP":"CP","CANYON":"CYN","CAPE":"CPE",
    "CAUSEWAY":"CSWY","CENTER":"CTR","CENTRE":"CTR","CENTR":"CTR","CIRCLE":"CIR","CIRCL":"CIR","CIRC":"CIR",
    "CLIFF":"CLF","CLUB":"CLB","COMMON":"CMN","CORNER":"COR","COURSE":"CRSE","COURT":"CT","COVE":"CV",
    "CREEK":"CRK","CRESCENT":"CRES","CROSSING":"XING","CRSSNG":"XING","DALE":"DL","DAM":"DM","DIVIDE":"DV",
    "DRIVE":"DR","DRIV":"DR","DRV":"DR","ESTATE":"EST","ESTATES":"ESTS","EXPRESSWAY":"EXPY","EXPRESS":"EXPY",
    "EXTENSION":"EXT","FALLS":"FLS","FERRY":"FRY","FIELD":"FLD","FIELDS":"FLDS","FLAT":"FLT","FORD":"FRD",
    "FOREST":"FRST","FORGE":"FRG","FORK":"FRK","FORT":"FT","FREEWAY":"FWY","GARDEN":"GDN","GARDENS":"GDNS",
    "GATEWAY":"GTWY","GLEN":"GLN","GREEN":"GRN","GROVE":"GRV","HARBOR":"HBR","HAVEN":"HVN","HEIGHTS":"HTS",
    "HIGHWAY":"HWY","HIGHWY":"HWY","HIWAY":"HWY","HILL":"HL","HILLS":"HLS","HOLLOW":"HOLW","ISLAND":"IS",
    "JUNCTION":"JCT","KNOLL":"KNL","LAKE":"LK","LAKES":"LKS","LANDING":"LNDG","LANE":"LN","LIGHT":"LGT",
    "LOOP":"LOOP","MANOR":"MNR","MEADOW":"MDW","MEADOWS":"MDWS","MILL":"ML","MISSION":"MSN","MOUNT":"MT",
    "MOUNTAIN":"MTN","ORCHARD":"ORCH","OVERPASS":"OPAS","PARKWAY":"PKWY","PARKWY":"PKWY","PKY":"PKWY",
    "PASSAGE":"PSGE","PINE":"PNE","PINES":"PNES","PLACE":"PL","PLAIN":"PLN","PLAINS":"PLNS","PLAZA":"PLZ",
    "POINT":"PT","POINTS":"PTS","PORT":"PRT","PRAIRIE":"PR","RANCH":"RNCH","RAPIDS":"RPDS","REST":"RST",
    "RIDGE":"RDG","RIVER":"RIV","ROAD":"RD","ROADS":"RDS","ROUTE":"RTE","SHORE":"SHR","SHORES":"SHRS",
    "SKYWAY":"SKWY","SPRING":"SPG","SPRINGS":"SPGS","SQUARE":"SQ","SQR":"SQ","STATION":"STA","STREAM":"STRM",
    "STREET":"ST","STR":"ST","STRT":"ST","SUMMIT":"SMT","TERRACE":"TER","TERR":"TER","THROUGHWAY":"TRWY",
    "TRACE":"TRCE","TRACK":"TRAK","TRAIL":"TRL","TRAILS":"TRL","TUNNEL":"TUNL","TURNPIKE":"TPKE",
    "UNION":"UN","VALLEY":"VLY","VIADUCT":"VIA","VIEW":"VW","VILLAGE":"VLG","VILLE":"VL","VISTA":"VIS",
    "WALK":"WALK","WELL":"WL","WELLS":"WLS",
    "NORTH":"N","SOUTH":"S","EAST":"E","WEST":"W","NORTHEAST":"NE","NORTHWEST":"NW","SOUTHEAST":"SE","SOUTHWEST":"SW",
    "APARTMENT":"APT","BUILDING":"BLDG","BASEMENT":"BSMT","DEPARTMENT":"DEPT","FLOOR":"FL","FRONT":"FRNT",
    "HANGAR":"HNGR","LOBBY":"LBBY","LOWER":"LOWR","OFFICE":"OFC","PENTHOUSE":"PH","ROOM":"RM","SPACE":"SPC",
    "SUITE":"STE","TRAILER":"TRLR","UPPER":"UPPR","NUMBER":"#","NO":"#"
  }'::jsonb
$$;

-- Upper case, punctuation to spaces (keeping # and the - of ranges like 12-14 only
-- between digits), whitespace collapsed, each token mapped to its USPS abbreviation.
-- '123 North Main Street, Apt. 4' and '123 n main st apt 4' both give '123 N MAIN ST APT 4';
-- '#4' becomes '# 4'.
create or replace function app_private.normalize_address(address text) returns text
  language plpgsql immutable parallel safe
as $$
-- A loop over the tokens: 2.3× faster per row than the same rule as one SQL query over
-- unnest (which cannot be inlined, so it paid an executor start per call). The
-- abbreviations' jsonb is folded into this function's cached plan once per session.
declare
  token text;
  result text;
begin
  if address is null then
    return null;
  end if;
  foreach token in array string_to_array(
      btrim(regexp_replace(regexp_replace(upper(address), '#', ' # ', 'g'), '[^A-Z0-9#]+', ' ', 'g')), ' ') loop
    result := case when result is null then '' else result || ' ' end
              || coalesce(app_private.usps_abbreviations() ->> token, token);
  end loop;
  return result;
end
$$;

-- US ZIP or ZIP+4 (12345, 12345-6789, 123456789) → '12345' or '12345-6789'; 4-digit ZIPs
-- that lost their leading zero in a spreadsheet are repaired.
create or replace function app_private.normalize_zip(zip text) returns text
  language sql immutable parallel safe
as $$
  -- One expression (no FROM) so the planner inlines it into the merge.
  select case
    when translate(zip, E' -\t', '') ~ '^[0-9]{4,5}$' then lpad(translate(zip, E' -\t', ''), 5, '0')
    when translate(zip, E' -\t', '') ~ '^[0-9]{9}$' then left(translate(zip, E' -\t', ''), 5) || '-' || right(translate(zip, E' -\t', ''), 4)
  end
$$;

-- North American numbers to E.164 (+1 and ten digits); anything else is unreadable.
create or replace function app_private.normalize_phone(phone text) returns text
  language sql immutable parallel safe
as $$
  -- Separators people type ( ) - . + / and spaces are dropped; anything else makes it unreadable.
  select case when translate(phone, E' ()-.+/\t', '') ~ '^1?[2-9][0-9]{9}$'
              then '+1' || right(translate(phone, E' ()-.+/\t', ''), 10) end
$$;

create or replace function app_private.normalize_email(email text) returns public.citext
  language sql immutable parallel safe
as $$
  select case when btrim(email) ~ '^[^@\s,;<>()]+@[^@\s,;<>()]+\.[A-Za-z]{2,}$' then lower(btrim(email))::public.citext end
$$;

-- County FIPS: five digits (a 4-digit value lost its leading zero).
create or replace function app_private.normalize_fips(fips text) returns text
  language sql immutable parallel safe
as $$
  select case when btrim(fips) ~ '^[0-9]{4,5}$' then lpad(btrim(fips), 5, '0') end
$$;

-- APN without separators: '123-45-678.0' and '12345 6780' compare equal.
create or replace function app_private.normalize_apn(apn text) returns text
  language sql immutable parallel safe
as $$
  select nullif(upper(regexp_replace(apn, '[^A-Za-z0-9]', '', 'g')), '')
$$;

create or replace function app_private.normalize_mak(mak text) returns text
  language sql immutable parallel safe
as $$
  select nullif(upper(regexp_replace(mak, '\s', '', 'g')), '')
$$;

-- '$250,000', '250000.50' → numeric; NULL when unreadable.
create or replace function app_private.parse_money(value text) returns numeric
  language sql immutable parallel safe
as $$
  select case when translate(value, E'$, \t', '') ~ '^-?[0-9]{1,13}(\.[0-9]{1,2})?$' then translate(value, E'$, \t', '')::numeric end
$$;

create or replace function app_private.parse_boolean(value text) returns boolean
  language sql immutable parallel safe
as $$
  select case lower(btrim(value))
    when 'y' then true when 'yes' then true when 'true' then true when '1' then true when 't' then true
    when 'n' then false when 'no' then false when 'false' then false when '0' then false when 'f' then false
  end
$$;

-- The address key: normalised street line + 5-digit ZIP (city and state are implied by
-- the ZIP and spelled too inconsistently to help). NULL without both parts.
create or replace function app_private.address_hash(address text, zip text) returns bytea
  language sql immutable parallel safe
as $$
  select case when app_private.normalize_address(address) is not null and app_private.normalize_zip(zip) is not null
              then sha224(convert_to(app_private.normalize_address(address) || '|' || left(app_private.normalize_zip(zip), 5), 'UTF8')) end
$$;

-- Lead score 0–100 (documented in the README):
--   phone verified 30, email verified 20, estimated equity up to 25 (linear to $250,000),
--   owner-occupied 10, data freshness up to 15 (full when new, 0 after a year).
create or replace function app_private.lead_score(
  email_verified boolean, phone_verified boolean, estimated_equity numeric,
  owner_occupied boolean, data_age interval) returns smallint
  language sql immutable parallel safe
as $$
  select greatest(0, least(100, round(
      case when phone_verified then 30 else 0 end
    + case when email_verified then 20 else 0 end
    + 25 * greatest(0, least(1, coalesce(estimated_equity, 0) / 250000.0))
    + case when owner_occupied then 10 else 0 end
    + 15 * greatest(0, 1 - extract(epoch from greatest(data_age, '0'::interval)) / (365 * 86400.0))
  )))::smallint
$$;

------------------------------------------------------------------------------------------
-- PII at rest. Lookups go through hash_email (SHA-256 of the trimmed, lower-cased
-- address), so a hash index finds a person without storing the address a second time.
-- Fields listed as sensitive in the README are encrypted with pgcrypto under the key
-- from the environment (ENCRYPTION_KEY), passed per call and never stored.

-- pgcrypto's digest (immutable; the database is UTF-8, so the same bytes as
-- sha256(convert_to(…, 'UTF8'))) keeps this function inlinable: the generated
-- leads.email_hash column costs an expression per row, not a function call.
create or replace function app_private.hash_email(email text) returns bytea
  language sql immutable parallel safe
as $$
  select case when nullif(btrim(email), '') is not null then public.digest(lower(btrim(email)), 'sha256') end
$$;

create or replace function app_private.encrypt_pii(value text, encryption_key text) returns bytea
  language sql volatile
  set search_path = pg_catalog, public
as $$
  select case when value is not null then pgp_sym_encrypt(value, encryption_key, 'cipher-algo=aes256') end
$$;

create or replace function app_private.decrypt_pii(value bytea, encryption_key text) returns text
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select case when value is not null then pgp_sym_decrypt(value, encryption_key) end
$$;
--! EndIncluded leads/normalize.sql
--! Included leads/uploads.sql
-- Signed lead uploads. The gateway, in ONE transaction:
--   1. select batch_id, staging_table from app_private.begin_lead_upload(source, org, sha256,
--      provider) → the new batch and the name of its staging table, or no row when the same
--      content was uploaded to this org in the last 7 days (409);
--   2. COPY app_private.<staging_table> (row_number, <file columns>, attributes) FROM STDIN:
--      the raw rows go straight into durable storage, once;
--   3. select app_private.finish_lead_upload(batch, rows, bytes) — closes the staging table
--      to the gateway, queues the batch and enqueues the merge job;
--   4. COMMIT, then answers 202. A hash mismatch rolls everything back (400).
-- Each upload stages into a table of its own, named by its batch id (lead_upload_table):
-- the gateway role, which otherwise may only EXECUTE functions, gets INSERT on that one
-- table for the length of its transaction; the merge reads it with a parallel scan and
-- drops it (no million-row DELETE, nothing left for vacuum). Rows staged any other way go
-- to the shared app_private.lead_staging, tagged with their batch id.

-- The staging table of an upload's batch (in app_private).
create or replace function app_private.lead_upload_table(batch_id uuid) returns text
  language sql immutable parallel safe
as $$
  select 'lead_upload_' || replace(batch_id::text, '-', '')
$$;

create or replace function app_private.begin_lead_upload(
  source_id uuid, org_id uuid, content_sha256 text, verification_provider text default null)
  returns table (batch_id uuid, staging_table text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  new_batch uuid := gen_random_uuid();
  claimed uuid;
begin
  -- Replay guard by constraint: the (org, hash) key is taken unless its holder is over 7 days old.
  insert into app_private.lead_upload_hashes as h (org_id, content_sha256, batch_id)
  values (begin_lead_upload.org_id, lower(begin_lead_upload.content_sha256), new_batch)
  on conflict on constraint lead_upload_hashes_pkey do update
     set batch_id = excluded.batch_id, received_at = now()
   where h.received_at < now() - interval '7 days'
  returning h.batch_id into claimed;
  if claimed is null then
    return;
  end if;

  insert into app_public.lead_import_batches (org_id, id, source_id, content_sha256, status, verification_provider)
  values (begin_lead_upload.org_id, new_batch, begin_lead_upload.source_id, lower(begin_lead_upload.content_sha256), 'receiving',
          coalesce(nullif(btrim(begin_lead_upload.verification_provider), ''),
                   (select w.lead_verification_provider from app_public.workspace_settings w where w.org_id = begin_lead_upload.org_id),
                   'default'));
  batch_id := new_batch;
  staging_table := app_private.lead_upload_table(new_batch);
  -- The file's rows, as lead_staging holds them but without the batch id (the name has it).
  execute format($ddl$
    create table app_private.%I (
      row_number int not null,
      first_name text, last_name text, email text, phone text,
      property_address text, property_city text, property_state text, property_zip text,
      county_fips text, apn text, mak text,
      mailing_address text, mailing_city text, mailing_state text, mailing_zip text,
      estimated_equity text, owner_occupied text,
      email_verification_code text, phone_verification_code text,
      attributes jsonb)
  $ddl$, staging_table);
  execute format('grant insert on app_private.%I to switchboard_gateway', staging_table);
  return next;
end
$$;

create or replace function app_private.finish_lead_upload(batch_id uuid, rows_total int, bytes bigint)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  b app_public.lead_import_batches;
begin
  select * into b from app_public.lead_import_batches x where x.id = finish_lead_upload.batch_id and x.status = 'receiving'
     for update;
  if not found then
    raise exception 'no batch % is receiving', finish_lead_upload.batch_id using errcode = 'P0002';
  end if;
  execute format('revoke all on app_private.%I from switchboard_gateway', app_private.lead_upload_table(b.id));

  update app_public.lead_import_batches x
     set status = 'queued', rows_total = finish_lead_upload.rows_total, bytes = finish_lead_upload.bytes
   where x.id = b.id;
  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
  values (b.org_id, 'upload_received', b.id, finish_lead_upload.rows_total,
          jsonb_build_object('batch_id', b.id, 'bytes', finish_lead_upload.bytes));
  perform graphile_worker.add_job('merge_lead_batch', json_build_object('batch_id', b.id),
                                  job_key => 'merge_lead_batch:' || b.id, max_attempts => 10);
  return b.id;
end
$$;

-- The merge job gave up (after its retries): the batch says so; its staged rows stay for
-- inspection.
create or replace function app_private.mark_lead_batch_failed(batch_id uuid, error text)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  update app_public.lead_import_batches b
     set status = 'failed', error = left(mark_lead_batch_failed.error, 500)
   where b.id = mark_lead_batch_failed.batch_id and b.status <> 'merged'
$$;
--! EndIncluded leads/uploads.sql
--! Included leads/merge.sql
-- The set-based merge of one import batch into app_public.leads.
--
-- Serialised per org by a transaction-level advisory lock, so two batches of the same org
-- never interleave (no duplicate leads, no key races); batches of different orgs run in
-- parallel. Idempotent: a merged batch is a no-op; re-merging the same rows changes nothing.
--
-- Steps (each one SQL statement over the whole batch, no per-row loop):
--   1. read + validate + normalise staging rows; bad rows → lead_import_rejects;
--   2. match each row to an existing lead: MAK, else (county FIPS, APN), else address hash;
--   3. group rows of the batch that share any key (connected components: a few
--      label-propagation passes over the rows whose keys repeat);
--   4. one unit per group (groups matching the same lead join it), values per field:
--      newest non-null (last row in the file), booleans OR, code arrays union;
--   5. update matched leads / insert new ones with the merge rules:
--      - a NULL never overwrites a value;
--      - contact and property data: the newer data (by received time) wins when non-null;
--      - booleans OR; verification-code arrays union; attributes merge key by key;
--      - keys already set stay; a missing key is filled unless another lead holds it;
--   6. re-derive verification flags and score; log pipeline events; drop staging rows.

create or replace function app_private.lead_lock_key(org_id uuid) returns bigint
  language sql immutable parallel safe
as $$
  select hashtextextended('switchboard.leads:' || org_id::text, 0)
$$;

-- jsonb objects merged left to right (later keys win); NULLs skipped.
create or replace function app_private.jsonb_merge_all(objects jsonb[]) returns jsonb
  language sql immutable parallel safe
as $$
  select coalesce((select jsonb_object_agg(k, v)
                     from (select e.key as k, (array_agg(e.value order by o.i desc))[1] as v
                             from unnest(objects) with ordinality o(obj, i),
                                  lateral jsonb_each(case when jsonb_typeof(o.obj) = 'object' then o.obj else '{}' end) e
                            group by e.key) x), '{}'::jsonb)
$$;

-- Absorb leads that a batch showed to be one property (matched by different keys) into
-- the chosen target: pg_temp.lm_losers (loser_id, target_id, round). One set-based round
-- per loser rank (a target rarely has more than one). The loser's data only fills the
-- target's gaps; booleans OR, code arrays union, consent kept, do_not_contact wins.
create or replace function app_private.absorb_leads(org_id uuid) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  k int := 0;
  total int := 0;
  n int;
begin
  loop
    k := k + 1;
    exit when not exists (select 1 from pg_temp.lm_losers x where x.round = k);
    with gone as (
      delete from app_public.leads l using pg_temp.lm_losers x
       where x.round = k and l.org_id = absorb_leads.org_id and l.id = x.loser_id
      returning x.target_id, l.*
    )
    update app_public.leads t set
      first_name = coalesce(t.first_name, a.first_name),
      last_name = coalesce(t.last_name, a.last_name),
      email = coalesce(t.email, a.email),
      phone = coalesce(t.phone, a.phone),
      property_address = coalesce(t.property_address, a.property_address),
      property_city = coalesce(t.property_city, a.property_city),
      property_state = coalesce(t.property_state, a.property_state),
      property_zip = coalesce(t.property_zip, a.property_zip),
      mak = coalesce(t.mak, a.mak),
      county_fips = case when t.apn_normalized is null then a.county_fips else t.county_fips end,
      apn = case when t.apn_normalized is null then a.apn else t.apn end,
      apn_normalized = coalesce(t.apn_normalized, a.apn_normalized),
      address_normalized = case when t.addr_hash is null then a.address_normalized else t.address_normalized end,
      addr_hash = coalesce(t.addr_hash, a.addr_hash),
      mailing_address = coalesce(t.mailing_address, a.mailing_address),
      mailing_city = coalesce(t.mailing_city, a.mailing_city),
      mailing_state = coalesce(t.mailing_state, a.mailing_state),
      mailing_zip = coalesce(t.mailing_zip, a.mailing_zip),
      estimated_equity = coalesce(t.estimated_equity, a.estimated_equity),
      owner_occupied = case when t.owner_occupied is null and a.owner_occupied is null then null
                            else coalesce(t.owner_occupied, false) or coalesce(a.owner_occupied, false) end,
      email_verification_codes = array(select distinct c from unnest(t.email_verification_codes || a.email_verification_codes) c order by c),
      phone_verification_codes = array(select distinct c from unnest(t.phone_verification_codes || a.phone_verification_codes) c order by c),
      email_verified = t.email_verified or a.email_verified,
      phone_verified = t.phone_verified or a.phone_verified,
      lead_score = greatest(t.lead_score, a.lead_score),
      attributes = a.attributes || t.attributes,
      pii_encrypted = coalesce(t.pii_encrypted, a.pii_encrypted),
      campaign_status = case when 'do_not_contact' in (t.campaign_status, a.campaign_status) then 'do_not_contact'
                             when t.campaign_status = 'new' then a.campaign_status else t.campaign_status end,
      added_to_campaign_at = least(t.added_to_campaign_at, a.added_to_campaign_at),
      assigned_to = coalesce(t.assigned_to, a.assigned_to),
      consent_given = t.consent_given or a.consent_given,
      consented_at = least(t.consented_at, a.consented_at),
      data_as_of = greatest(t.data_as_of, a.data_as_of),
      created_at = least(t.created_at, a.created_at),
      updated_at = now()
    from gone a
    where t.org_id = absorb_leads.org_id and t.id = a.target_id;
    get diagnostics n = row_count;
    total := total + n;
  end loop;
  return total;
end
$$;

-- A time-ordered UUID (the UUIDv7 layout: 48-bit Unix milliseconds, version 7, random
-- rest). New leads get these ids so the two id indexes grow at their right edge during a
-- bulk merge instead of touching a random leaf per row.
create or replace function app_private.time_ordered_uuid() returns uuid
  language sql volatile parallel safe
as $$
  -- One random UUID's text, its first 13 hex digits replaced by the time and version 7
  -- (its variant digit and 74 random bits kept): a third of the cost of byte surgery.
  select (lpad(to_hex((extract(epoch from clock_timestamp()) * 1000)::bigint), 12, '0') || '7'
          || substr(gen_random_uuid()::text, 16))::uuid
$$;

create or replace function app_private.merge_lead_batch(batch_id uuid)
  returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  set client_min_messages = warning
  -- Sorts and hashes of a whole batch stay in memory (reset when the call returns).
  set work_mem = '256MB'
  set maintenance_work_mem = '256MB'
  -- A batch's scan is worth splitting across the cores: each row costs a normalisation,
  -- which the default costs do not see.
  set parallel_setup_cost = 100
  set parallel_tuple_cost = 0.01
as $$
declare
  b app_public.lead_import_batches;
  t0 timestamptz := clock_timestamp();
  n_rejected int;
  n_valid int;
  n_updated int;
  n_created int;
  passes int := 0;
  changed int;
  email_ok text[];
  n_absorbed int := 0;
  work text;
  staged text;
begin
  -- Room for the batch's temporary tables in memory (the default 8 MB spills a large batch
  -- to files read back several times). Only possible before the session's first temporary
  -- table: a session that already has its local buffers keeps them.
  begin
    perform set_config('temp_buffers', '128MB', true);
  exception when invalid_parameter_value then
    null;
  end;
  select * into b from app_public.lead_import_batches x where x.id = merge_lead_batch.batch_id;
  if not found then
    raise exception 'no batch %', merge_lead_batch.batch_id using errcode = 'P0002';
  end if;
  perform pg_advisory_xact_lock(app_private.lead_lock_key(b.org_id));
  select * into b from app_public.lead_import_batches x where x.id = merge_lead_batch.batch_id for update;
  if b.status = 'merged' then
    return jsonb_build_object('batch_id', b.id, 'status', 'merged', 'already', true);
  end if;
  if b.status not in ('queued', 'merging', 'failed') then
    raise exception 'batch % is %', b.id, b.status using errcode = '55000';
  end if;
  update app_public.lead_import_batches x set status = 'merging', merge_started_at = t0, attempts = x.attempts + 1
   where x.id = b.id;

  -- Codes the org's map calls valid for this batch's provider.
  select coalesce(array_agg(upper(m.code)), '{}') into email_ok
    from app_public.verification_code_map m
   where m.org_id = b.org_id and m.provider = b.verification_provider and m.verdict = 'valid';

  -- 1. Read, normalise and validate the batch's rows, in one statement. The working set is
  --    an unlogged table made by CREATE TABLE AS, so the normalisation (most of the CPU of
  --    a merge) runs in parallel workers; temporary tables never get parallel plans. The
  --    steps below name it through the temporary view pg_temp.lm. Both are dropped when the
  --    merge ends (or vanish with its rollback).
  work := 'lead_merge_' || replace(b.id::text, '-', '');
  -- An upload's rows are in its own table (leads/uploads.sql); rows staged otherwise in
  -- lead_staging under the batch id.
  staged := app_private.lead_upload_table(b.id);
  if to_regclass(format('app_private.%I', staged)) is null then
    staged := null;
  end if;
  drop view if exists pg_temp.lm;
  execute format('drop table if exists app_private.%I', work);
  execute format($q$create unlogged table app_private.%I as
  select r.*,
         -- The address key needs a street line and a ZIP.
         case when r.addr_n is not null and r.zip_n is not null
              then sha224(convert_to(r.addr_n || '|' || left(r.zip_n, 5), 'UTF8')) end as addr_hash,
         null::uuid as m1, null::uuid as m2, null::uuid as m3,
         case
           when r.mak_n is null and (r.fips_n is null or r.apn_n is null) and (r.addr_n is null or r.zip_n is null)
             then case
               when r.apn_raw_n is not null and r.county_fips is not null and r.fips_n is null then 'invalid county_fips'
               when r.addr_n is not null and r.property_zip is not null and r.zip_n is null then 'invalid property_zip'
               else 'missing key: needs mak, or county_fips and apn, or property_address and property_zip' end
           when r.email is not null and r.email_n is null then 'invalid email'
           when r.phone is not null and r.phone_n is null then 'invalid phone'
           when r.property_zip is not null and r.zip_n is null then 'invalid property_zip'
           when r.mailing_zip is not null and r.mailing_zip_n is null then 'invalid mailing_zip'
           when r.county_fips is not null and r.fips_n is null then 'invalid county_fips'
           when r.property_state is not null and r.property_state !~ '^[A-Za-z]{2}$' then 'invalid property_state'
           when r.mailing_state is not null and r.mailing_state !~ '^[A-Za-z]{2}$' then 'invalid mailing_state'
           when r.estimated_equity is not null and (r.equity_n is null or abs(r.equity_n) >= 1e12) then 'invalid estimated_equity'
           when r.owner_occupied is not null and r.owner_occupied_n is null then 'invalid owner_occupied'
         end as reason
    from (
      select s.row_number,
             nullif(btrim(s.first_name), '') as first_name,
             nullif(btrim(s.last_name), '') as last_name,
             nullif(btrim(s.email), '') as email,
             app_private.normalize_email(s.email) as email_n,
             nullif(btrim(s.phone), '') as phone,
             app_private.normalize_phone(s.phone) as phone_n,
             nullif(btrim(s.property_address), '') as property_address,
             app_private.normalize_address(s.property_address) as addr_n,
             nullif(btrim(s.property_city), '') as property_city,
             upper(nullif(btrim(s.property_state), '')) as property_state,
             nullif(btrim(s.property_zip), '') as property_zip,
             app_private.normalize_zip(s.property_zip) as zip_n,
             nullif(btrim(s.county_fips), '') as county_fips,
             app_private.normalize_fips(s.county_fips) as fips_n,
             nullif(btrim(s.apn), '') as apn,
             -- An APN without a valid FIPS is no key (apn_raw_n only explains the reject).
             case when app_private.normalize_fips(s.county_fips) is not null then app_private.normalize_apn(s.apn) end as apn_n,
             app_private.normalize_apn(s.apn) as apn_raw_n,
             app_private.normalize_mak(s.mak) as mak_n,
             nullif(btrim(s.mailing_address), '') as mailing_address,
             nullif(btrim(s.mailing_city), '') as mailing_city,
             upper(nullif(btrim(s.mailing_state), '')) as mailing_state,
             nullif(btrim(s.mailing_zip), '') as mailing_zip,
             app_private.normalize_zip(s.mailing_zip) as mailing_zip_n,
             nullif(btrim(s.estimated_equity), '') as estimated_equity,
             app_private.parse_money(s.estimated_equity) as equity_n,
             nullif(btrim(s.owner_occupied), '') as owner_occupied,
             app_private.parse_boolean(s.owner_occupied) as owner_occupied_n,
             nullif(upper(btrim(s.email_verification_code)), '') as email_code,
             nullif(upper(btrim(s.phone_verification_code)), '') as phone_code,
             coalesce(s.attributes, '{}') as attributes
        from %s
      -- A fence: each normalised value is computed once per row (in the parallel scan),
      -- not once per use below.
      offset 0
    ) r
  $q$, work, case when staged is not null then format('app_private.%I s', staged)
                  else format('app_private.lead_staging s where s.batch_id = %L', b.id) end);
  execute format('create temporary view lm as select * from app_private.%I', work);


  insert into app_public.lead_import_rejects (org_id, batch_id, row_number, reason, row_data)
  select b.org_id, b.id, r.row_number, r.reason,
         jsonb_strip_nulls(jsonb_build_object(
           'first_name', r.first_name, 'last_name', r.last_name, 'email', r.email, 'phone', r.phone,
           'property_address', r.property_address, 'property_zip', r.property_zip, 'county_fips', r.county_fips,
           'apn', r.apn, 'mak', r.mak_n, 'mailing_zip', r.mailing_zip, 'estimated_equity', r.estimated_equity,
           'owner_occupied', r.owner_occupied))
    from pg_temp.lm r
   where r.reason is not null
  on conflict do nothing;
  get diagnostics n_rejected = row_count;
  delete from pg_temp.lm r where r.reason is not null;

  select count(*) into n_valid from pg_temp.lm;
  execute format('create index on app_private.%I (row_number)', work);
  execute format('analyze app_private.%I', work);

  -- 2. Match existing leads by each key (an org's first import has none to match: skipped;
  --    the org's lock makes that check safe).
  if exists (select 1 from app_public.leads l where l.org_id = b.org_id) then
    update pg_temp.lm r
       set m1 = l1.id, m2 = l2.id, m3 = l3.id
      from pg_temp.lm r0
      left join app_public.leads l1 on l1.org_id = b.org_id and l1.mak = r0.mak_n
      left join app_public.leads l2 on l2.org_id = b.org_id and l2.county_fips = r0.fips_n and l2.apn_normalized = r0.apn_n
      left join app_public.leads l3 on l3.org_id = b.org_id and l3.addr_hash = r0.addr_hash
     where r.row_number = r0.row_number
       and coalesce(l1.id, l2.id, l3.id) is not null;
  end if;

  -- 3. Connected components over rows and existing leads: rows sharing a key, and rows
  --    matching a lead, end up in one group. Only rows with a repeated key or a match take
  --    part (the others are groups of one). Label propagation until stable.
  --    The rows taking part are copied whole (lm_dupdata) in the scan that finds them, so
  --    the steps below join that small table instead of hashing all of lm again; lm_dup
  --    holds just (row, group) for the propagation.
  drop table if exists pg_temp.lm_dupdata;
  create temporary table lm_dupdata on commit drop as
  select r.*
    from pg_temp.lm r
   where r.m1 is not null or r.m2 is not null or r.m3 is not null
      or r.mak_n in (select x.mak_n from pg_temp.lm x where x.mak_n is not null group by 1 having count(*) > 1)
      or (r.fips_n, r.apn_n) in (select x.fips_n, x.apn_n from pg_temp.lm x where x.apn_n is not null group by 1, 2 having count(*) > 1)
      or r.addr_hash in (select x.addr_hash from pg_temp.lm x where x.addr_hash is not null group by 1 having count(*) > 1);
  drop table if exists pg_temp.lm_dup;
  create temporary table lm_dup on commit drop as
  select r.row_number, r.row_number as grp from pg_temp.lm_dupdata r;
  create index on pg_temp.lm_dup (row_number);
  analyze pg_temp.lm_dupdata;
  analyze pg_temp.lm_dup;
  drop table if exists pg_temp.lm_edge;
  create temporary table lm_edge on commit drop as
  select d.row_number, k.node
    from pg_temp.lm_dup d
    join pg_temp.lm_dupdata r on r.row_number = d.row_number
   cross join lateral (values ('m' || r.mak_n), ('a' || r.fips_n || '/' || r.apn_n), ('h' || encode(r.addr_hash, 'hex')),
                              ('l' || r.m1), ('l' || r.m2), ('l' || r.m3)) k(node)
   where k.node is not null;
  loop
    passes := passes + 1;
    with nl as (
      select e.node, min(d.grp) as g from pg_temp.lm_edge e join pg_temp.lm_dup d on d.row_number = e.row_number group by e.node
    ), rl as (
      select e.row_number, min(nl.g) as g from pg_temp.lm_edge e join nl on nl.node = e.node group by e.row_number
    )
    update pg_temp.lm_dup d set grp = rl.g from rl where rl.row_number = d.row_number and rl.g < d.grp;
    get diagnostics changed = row_count;
    exit when changed = 0 or passes > 100;
  end loop;
  -- Rows outside lm_dup are groups of one without a match: they become new leads as they
  -- are (5b), skipping the aggregation below.

  -- 4. A group's target: its best matched lead (a MAK match before an APN match before an
  --    address match, then the oldest id). Other leads the group matched are the same
  --    property seen through different keys: they are absorbed into the target.
  drop table if exists pg_temp.lm_leadmatch;
  create temporary table lm_leadmatch on commit drop as
  select distinct d.grp, m.lead_id, m.rank
    from pg_temp.lm_dup d
    join pg_temp.lm_dupdata r on r.row_number = d.row_number
   cross join lateral (values (r.m1, 1), (r.m2, 2), (r.m3, 3)) m(lead_id, rank)
   where m.lead_id is not null;
  drop table if exists pg_temp.lm_target;
  create temporary table lm_target on commit drop as
  select m.grp, (array_agg(m.lead_id order by m.rank, m.lead_id))[1] as target_id
    from pg_temp.lm_leadmatch m
   group by m.grp;
  drop table if exists pg_temp.lm_losers;
  create temporary table lm_losers on commit drop as
  select distinct m.lead_id as loser_id, t.target_id,
         dense_rank() over (partition by t.target_id order by m.lead_id) as round
    from pg_temp.lm_leadmatch m
    join pg_temp.lm_target t on t.grp = m.grp
   where m.lead_id <> t.target_id;
  if exists (select 1 from pg_temp.lm_losers) then
    n_absorbed := app_private.absorb_leads(b.org_id);
  end if;

  drop table if exists pg_temp.lm_units;

  create temporary table lm_units on commit drop as
  select t.target_id,
         case when t.target_id is null then min(d.grp) end as new_grp,
         count(*) as n_rows,
         max(r.row_number) as last_row,
         (array_agg(r.first_name order by r.row_number desc) filter (where r.first_name is not null))[1] as first_name,
         (array_agg(r.last_name order by r.row_number desc) filter (where r.last_name is not null))[1] as last_name,
         (array_agg(r.email_n order by r.row_number desc) filter (where r.email_n is not null))[1] as email,
         (array_agg(r.phone_n order by r.row_number desc) filter (where r.phone_n is not null))[1] as phone,
         (array_agg(r.property_address order by r.row_number desc) filter (where r.property_address is not null))[1] as property_address,
         (array_agg(r.property_city order by r.row_number desc) filter (where r.property_city is not null))[1] as property_city,
         (array_agg(r.property_state order by r.row_number desc) filter (where r.property_state is not null))[1] as property_state,
         (array_agg(r.zip_n order by r.row_number desc) filter (where r.zip_n is not null))[1] as property_zip,
         (array_agg(r.fips_n order by r.row_number desc) filter (where r.fips_n is not null and r.apn_n is not null))[1] as county_fips,
         (array_agg(r.apn order by r.row_number desc) filter (where r.fips_n is not null and r.apn_n is not null))[1] as apn,
         (array_agg(r.apn_n order by r.row_number desc) filter (where r.fips_n is not null and r.apn_n is not null))[1] as apn_normalized,
         (array_agg(r.mak_n order by r.row_number desc) filter (where r.mak_n is not null))[1] as mak,
         (array_agg(r.addr_n order by r.row_number desc) filter (where r.addr_hash is not null))[1] as address_normalized,
         (array_agg(r.addr_hash order by r.row_number desc) filter (where r.addr_hash is not null))[1] as addr_hash,
         (array_agg(r.mailing_address order by r.row_number desc) filter (where r.mailing_address is not null))[1] as mailing_address,
         (array_agg(r.mailing_city order by r.row_number desc) filter (where r.mailing_city is not null))[1] as mailing_city,
         (array_agg(r.mailing_state order by r.row_number desc) filter (where r.mailing_state is not null))[1] as mailing_state,
         (array_agg(r.mailing_zip_n order by r.row_number desc) filter (where r.mailing_zip_n is not null))[1] as mailing_zip,
         (array_agg(r.equity_n order by r.row_number desc) filter (where r.equity_n is not null))[1] as estimated_equity,
         bool_or(r.owner_occupied_n) as owner_occupied,
         coalesce(array_agg(distinct r.email_code) filter (where r.email_code is not null), '{}') as email_codes,
         coalesce(array_agg(distinct r.phone_code) filter (where r.phone_code is not null), '{}') as phone_codes,
         case when count(*) = 1 then (array_agg(r.attributes))[1]
              else app_private.jsonb_merge_all(array_agg(r.attributes order by r.row_number)) end as attributes
    from pg_temp.lm_dup d
    join pg_temp.lm_dupdata r on r.row_number = d.row_number
    left join pg_temp.lm_target t on t.grp = d.grp
   group by t.target_id, case when t.target_id is null then d.grp end;

  -- 5a. Matched leads. Newer data (this batch was received at or after the lead's data)
  --     wins where non-null; older data only fills gaps. Keys fill gaps only when free.
  with u as (
    select u.*, l.data_as_of <= b.received_at as newer
      from pg_temp.lm_units u
      join app_public.leads l on l.org_id = b.org_id and l.id = u.target_id
  )
  update app_public.leads l set
    first_name = case when u.newer then coalesce(u.first_name, l.first_name) else coalesce(l.first_name, u.first_name) end,
    last_name = case when u.newer then coalesce(u.last_name, l.last_name) else coalesce(l.last_name, u.last_name) end,
    email = case when u.newer then coalesce(u.email, l.email) else coalesce(l.email, u.email) end,
    phone = case when u.newer then coalesce(u.phone, l.phone) else coalesce(l.phone, u.phone) end,
    property_address = case when u.newer then coalesce(u.property_address, l.property_address) else coalesce(l.property_address, u.property_address) end,
    property_city = case when u.newer then coalesce(u.property_city, l.property_city) else coalesce(l.property_city, u.property_city) end,
    property_state = case when u.newer then coalesce(u.property_state, l.property_state) else coalesce(l.property_state, u.property_state) end,
    property_zip = case when u.newer then coalesce(u.property_zip, l.property_zip) else coalesce(l.property_zip, u.property_zip) end,
    mailing_address = case when u.newer then coalesce(u.mailing_address, l.mailing_address) else coalesce(l.mailing_address, u.mailing_address) end,
    mailing_city = case when u.newer then coalesce(u.mailing_city, l.mailing_city) else coalesce(l.mailing_city, u.mailing_city) end,
    mailing_state = case when u.newer then coalesce(u.mailing_state, l.mailing_state) else coalesce(l.mailing_state, u.mailing_state) end,
    mailing_zip = case when u.newer then coalesce(u.mailing_zip, l.mailing_zip) else coalesce(l.mailing_zip, u.mailing_zip) end,
    estimated_equity = case when u.newer then coalesce(u.estimated_equity, l.estimated_equity) else coalesce(l.estimated_equity, u.estimated_equity) end,
    owner_occupied = case when l.owner_occupied is null and u.owner_occupied is null then null
                          else coalesce(l.owner_occupied, false) or coalesce(u.owner_occupied, false) end,
    mak = coalesce(l.mak, case when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.mak = u.mak) then u.mak end),
    county_fips = case when l.apn_normalized is not null then l.county_fips
                       when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                         then u.county_fips end,
    apn = case when l.apn_normalized is not null then l.apn
               when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                 then u.apn end,
    apn_normalized = case when l.apn_normalized is not null then l.apn_normalized
                          when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                            then u.apn_normalized end,
    address_normalized = case when l.addr_hash is not null then l.address_normalized
                              when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.addr_hash = u.addr_hash)
                                then u.address_normalized end,
    addr_hash = coalesce(l.addr_hash, case when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.addr_hash = u.addr_hash) then u.addr_hash end),
    email_verification_codes = array(select distinct c from unnest(l.email_verification_codes || u.email_codes) c order by c),
    phone_verification_codes = array(select distinct c from unnest(l.phone_verification_codes || u.phone_codes) c order by c),
    attributes = case when u.newer then l.attributes || u.attributes else u.attributes || l.attributes end,
    data_as_of = greatest(l.data_as_of, b.received_at),
    last_batch_id = b.id,
    updated_at = now()
  from u
  where l.org_id = b.org_id and l.id = u.target_id;
  get diagnostics n_updated = row_count;

  -- 5b. New leads.
  insert into app_public.leads (
    id, org_id, first_name, last_name, email, phone, property_address, property_city, property_state, property_zip,
    county_fips, apn, apn_normalized, mak, address_normalized, addr_hash, mailing_address, mailing_city, mailing_state,
    mailing_zip, estimated_equity, owner_occupied, email_verification_codes, phone_verification_codes,
    verification_provider, email_verified, phone_verified, lead_score, attributes, data_as_of, first_batch_id, last_batch_id)
  select app_private.time_ordered_uuid(), b.org_id, u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city, u.property_state,
         u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
         u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
         u.email_codes, u.phone_codes, b.verification_provider,
         u.email_codes && email_ok, u.phone_codes && email_ok,
         app_private.lead_score(u.email_codes && email_ok, u.phone_codes && email_ok, u.estimated_equity, u.owner_occupied,
                                now() - b.received_at),
         u.attributes, b.received_at, b.id, b.id
    from (
      select u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city, u.property_state,
             u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
             u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
             u.email_codes, u.phone_codes, u.attributes, u.new_grp as ord
        from pg_temp.lm_units u
       where u.target_id is null
      union all
      select r.first_name, r.last_name, r.email_n, r.phone_n, r.property_address, r.property_city, r.property_state,
             r.zip_n, case when r.apn_n is not null then r.fips_n end, case when r.apn_n is not null then r.apn end, r.apn_n,
             r.mak_n, case when r.addr_hash is not null then r.addr_n end, r.addr_hash,
             r.mailing_address, r.mailing_city, r.mailing_state, r.mailing_zip_n, r.equity_n, r.owner_occupied_n,
             case when r.email_code is not null then array[r.email_code] else '{}' end,
             case when r.phone_code is not null then array[r.phone_code] else '{}' end,
             r.attributes, r.row_number
        from pg_temp.lm r
       where not exists (select 1 from pg_temp.lm_dup d where d.row_number = r.row_number)
    ) u;
  get diagnostics n_created = row_count;

  -- 6. Flags and score of the updated leads (new ones were computed on insert).
  update app_public.leads l
     set email_verified = l.email_verification_codes && email_ok,
         phone_verified = l.phone_verification_codes && email_ok,
         lead_score = app_private.lead_score(l.email_verification_codes && email_ok, l.phone_verification_codes && email_ok,
                                             l.estimated_equity, l.owner_occupied, now() - l.data_as_of)
    from pg_temp.lm_units u
   where u.target_id is not null and l.org_id = b.org_id and l.id = u.target_id
     and l.verification_provider = b.verification_provider;

  if staged is not null then
    execute format('drop table app_private.%I', staged);
  else
    delete from app_private.lead_staging s where s.batch_id = b.id;
  end if;
  drop view pg_temp.lm;
  execute format('drop table app_private.%I', work);
  update app_public.lead_import_batches x
     set status = 'merged', rows_merged = n_valid, rows_rejected = n_rejected,
         leads_created = n_created, leads_updated = n_updated, merged_at = clock_timestamp(), error = null
   where x.id = b.id;

  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, duration_ms, data)
  values (b.org_id, 'merged', b.id, n_valid,
          (extract(epoch from clock_timestamp() - b.received_at) * 1000)::bigint,
          jsonb_build_object('batch_id', b.id, 'created', n_created, 'updated', n_updated, 'absorbed', n_absorbed, 'passes', passes));
  if n_rejected > 0 then
    insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
    values (b.org_id, 'rows_rejected', b.id, n_rejected, jsonb_build_object('batch_id', b.id));
  end if;
  return jsonb_build_object('batch_id', b.id, 'status', 'merged', 'rows_merged', n_valid, 'rows_rejected', n_rejected,
                            'leads_created', n_created, 'leads_updated', n_updated, 'leads_absorbed', n_absorbed, 'passes', passes,
                            'ms', round(extract(epoch from clock_timestamp() - t0) * 1000));
end
$$;
--! EndIncluded leads/merge.sql
grant execute on function app_private.begin_lead_upload(uuid, uuid, text, text) to switchboard_gateway;

-- Normalised values are no longer staged: the merge computes them.
alter table app_private.lead_staging
  drop column if exists email_n, drop column if exists phone_n, drop column if exists addr_n,
  drop column if exists zip_n, drop column if exists fips_n, drop column if exists apn_n,
  drop column if exists mak_n, drop column if exists mailing_zip_n, drop column if exists equity_n,
  drop column if exists owner_occupied_n, drop column if exists normalized;
-- The gateway no longer evaluates the normalisation (the merge does, as the owner).
revoke execute on function app_private.usps_abbreviations(), app_private.normalize_address(text),
  app_private.normalize_zip(text), app_private.normalize_phone(text), app_private.normalize_email(text),
  app_private.normalize_fips(text), app_private.normalize_apn(text), app_private.normalize_mak(text),
  app_private.parse_money(text), app_private.parse_boolean(text) from switchboard_gateway;

-- leads.org_id is checked once per statement (leads/org_reference.sql), not by a per-row
-- foreign key.
--! Included leads/org_reference.sql
-- leads.org_id → organizations, checked once per statement instead of once per row.
--
-- A foreign key runs one lookup (and one row lock) per inserted lead: about 4 µs each,
-- a tenth of a million-row import. These two triggers keep the same guarantees set-based:
--   * an insert locks the orgs it names FOR KEY SHARE (as the foreign key would, so an
--     org being deleted waits for the import or is seen gone) and fails with 23503 when
--     one does not exist;
--   * deleting an org deletes its leads (the foreign key's ON DELETE CASCADE).
-- A lead never moves to another org (tg_leads__org_fixed).

create or replace function app_private.tg_leads__org_exists() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  missing uuid;
begin
  perform 1 from app_public.organizations o where o.id in (select distinct n.org_id from new_leads n) for key share of o;
  select n.org_id into missing
    from (select distinct x.org_id from new_leads x) n
   where not exists (select 1 from app_public.organizations o where o.id = n.org_id)
   limit 1;
  if found then
    raise exception 'insert on table "leads" violates foreign key "leads_org_id_fkey"'
      using errcode = 'foreign_key_violation', detail = format('Key (org_id)=(%s) is not present in table "organizations".', missing),
            table = 'leads', schema = 'app_public', constraint = 'leads_org_id_fkey';
  end if;
  return null;
end
$$;

create or replace function app_private.tg_leads__org_fixed() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog, public
as $$
begin
  raise exception 'a lead does not move to another org' using errcode = 'foreign_key_violation';
end
$$;

create or replace function app_private.tg_organizations__delete_leads() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  delete from app_public.leads l using gone_orgs g where l.org_id = g.id;
  return null;
end
$$;
--! EndIncluded leads/org_reference.sql
drop trigger if exists tg_leads__org_exists on app_public.leads;
create trigger tg_leads__org_exists after insert on app_public.leads
  referencing new table as new_leads for each statement execute function app_private.tg_leads__org_exists();
drop trigger if exists tg_leads__org_fixed on app_public.leads;
create trigger tg_leads__org_fixed before update of org_id on app_public.leads
  for each row when (new.org_id is distinct from old.org_id) execute function app_private.tg_leads__org_fixed();
drop trigger if exists tg_organizations__delete_leads on app_public.organizations;
create trigger tg_organizations__delete_leads after delete on app_public.organizations
  referencing old table as gone_orgs for each statement execute function app_private.tg_organizations__delete_leads();
alter table app_public.leads drop constraint if exists leads_org_id_fkey;
