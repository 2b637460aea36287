-- Health at a glance, per org (admins, through app_public.system_health) and platform-wide
-- (the gateway's /metrics).

create or replace function app_private.system_health_for_current_org()
  returns table (org_id uuid, pending_events bigint, oldest_pending_event_seconds double precision,
                 open_dead_letters bigint, pending_deliveries bigint, dead_deliveries_24h bigint,
                 disabled_endpoints bigint, queued_jobs bigint, failing_jobs bigint,
                 last_feeder_run_at timestamptz, last_contactable_refresh_at timestamptz,
                 last_backup_verified_at timestamptz, last_backup_ok boolean, worker_heartbeat_seconds double precision,
                 checked_at timestamptz, calendar_sources_failing bigint, calendar_last_sync_error text,
                 pending_lead_pushes bigint, failed_lead_pushes_24h bigint,
                 refused_lead_pushes_24h bigint, failing_connections bigint, failed_sms_24h bigint,
                 replica_lag_seconds double precision)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select o.id,
         (select count(*) from app_public.webhook_events e where e.org_id = o.id and e.status in ('pending', 'failed')),
         (select extract(epoch from now() - min(e.received_at)) from app_public.webhook_events e
           where e.org_id = o.id and e.status in ('pending', 'failed')),
         (select count(*) from app_public.dead_letters d where d.org_id = o.id and d.retried_at is null),
         (select count(*) from app_public.deliveries d where d.org_id = o.id and d.status = 'pending'),
         (select count(*) from app_public.deliveries d where d.org_id = o.id and d.status = 'dead' and d.created_at > now() - interval '1 day'),
         (select count(*) from app_public.delivery_endpoints e where e.org_id = o.id and not e.enabled),
         (select count(*) from graphile_worker._private_jobs j where j.payload ->> 'org_id' = o.id::text and j.attempts < j.max_attempts),
         (select count(*) from graphile_worker._private_jobs j where j.payload ->> 'org_id' = o.id::text and j.last_error is not null),
         (select max(r.started_at) from app_private.lead_feed_runs r where r.org_id = o.id),
         (select max(r.refreshed_at) from app_private.contactable_refresh_runs r where r.org_id = o.id),
         (select max(b.verified_at) from app_private.backup_verification_log b where b.ok),
         (select b.ok from app_private.backup_verification_log b order by b.id desc limit 1),
         app_private.seconds_since_worker_heartbeat(),
         now(),
         (select count(*) from app_public.calendar_sources c where c.org_id = o.id and c.enabled and c.consecutive_failures > 0),
         (select c.name || ': ' || c.last_error from app_public.calendar_sources c
           where c.org_id = o.id and c.enabled and c.consecutive_failures > 0 order by c.last_error_at desc limit 1),
         (select count(*) from app_public.lead_pushes p where p.org_id = o.id and p.status = 'pending'),
         (select count(*) from app_public.lead_pushes p where p.org_id = o.id and p.status = 'failed' and p.updated_at > now() - interval '1 day'),
         (select count(*) from app_public.lead_pushes p where p.org_id = o.id and p.status = 'refused' and p.updated_at > now() - interval '1 day'),
         (select count(*) from app_public.campaign_connections c
           where c.org_id = o.id and c.enabled and (c.consecutive_failures > 0 or c.validation_status = 'invalid')),
         (select count(*) from app_public.sms_messages m
           where m.org_id = o.id and m.status in ('failed', 'undelivered', 'in_doubt') and m.updated_at > now() - interval '1 day'),
         app_private.replica_lag_seconds()
    from app_public.organizations o
   where o.id = app_public.current_org_id() and app_public.current_user_is_admin()
$$;

-- Platform-wide gauges for Prometheus (gateway /metrics).
create or replace function app_private.ops_metrics()
  returns table (name text, value double precision)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select 'switchboard_inbox_depth', count(*)::float8 from app_public.webhook_events where status in ('pending', 'failed')
  union all
  select 'switchboard_inbox_oldest_pending_seconds', coalesce(extract(epoch from now() - min(received_at)), 0)::float8
    from app_public.webhook_events where status in ('pending', 'failed')
  union all
  select 'switchboard_job_queue_depth', count(*)::float8 from graphile_worker.jobs where attempts < max_attempts
  union all
  select 'switchboard_jobs_failing', count(*)::float8 from graphile_worker.jobs where last_error is not null and attempts < max_attempts
  union all
  select 'switchboard_jobs_failed_permanently', count(*)::float8 from graphile_worker.jobs where attempts >= max_attempts
  union all
  select 'switchboard_dead_letters_open', count(*)::float8 from app_public.dead_letters where retried_at is null
  union all
  select 'switchboard_deliveries_pending', count(*)::float8 from app_public.deliveries where status = 'pending'
  union all
  select 'switchboard_worker_heartbeat_age_seconds', coalesce(app_private.seconds_since_worker_heartbeat(), -1)::float8
  union all
  select 'switchboard_lead_pushes_pending', count(*)::float8 from app_public.lead_pushes where status = 'pending'
  union all
  select 'switchboard_lead_pushes_failed', count(*)::float8 from app_public.lead_pushes where status = 'failed'
  union all
  select 'switchboard_lead_push_connections_failing', count(*)::float8 from app_public.campaign_connections
   where enabled and (consecutive_failures > 0 or validation_status = 'invalid')
  union all
  select 'switchboard_sms_failed_24h', count(*)::float8 from app_public.sms_messages
   where status in ('failed', 'undelivered', 'in_doubt') and updated_at > now() - interval '1 day'
  union all
  select 'switchboard_backup_last_ok', coalesce((select ok::int from app_private.backup_verification_log order by id desc limit 1), -1)::float8
  union all
  select 'switchboard_replica_lag_seconds', app_private.replica_lag_seconds()
$$;

-- The gateway prefixes each statement with /* request_id=… */ (gateway/src/main.ts), so
-- SQL (and pg_stat_activity, slow-query logs) can tell which request it serves.
create or replace function app_private.current_request_id() returns text
  language sql stable
  set search_path = pg_catalog, public
as $$
  select substring(current_query() from '^/\* request_id=([A-Za-z0-9._:-]{1,100}) \*/')
$$;
