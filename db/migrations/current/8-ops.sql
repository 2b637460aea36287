-- Ops: retention jobs (batched, logged), operational events, system health, backup
-- verification log, alert rules, and the compliance RPCs export_contact / erase_contact.

------------------------------------------------------------------------------------------
-- Retention windows: per workspace where a tenant may choose, platform-wide otherwise.

alter table app_public.workspace_settings
  -- Inbox bodies are nulled after this; the dedupe key stays until webhook_key_retention.
  add column webhook_body_retention interval not null default '7 days'
    check (webhook_body_retention between '1 hour' and '10 years'),
  add column webhook_key_retention interval not null default '30 days'
    check (webhook_key_retention between '1 day' and '10 years'),
  add check (webhook_key_retention >= webhook_body_retention);
grant update (webhook_body_retention, webhook_key_retention) on app_public.workspace_settings to authenticated;

-- Platform settings (operators: `update app_private.platform_settings ...` as owner).
create table app_private.platform_settings (
  key text primary key,
  value interval not null,
  description text
);
insert into app_private.platform_settings (key, value, description) values
  ('replay_guard_retention', '7 days', 'lead upload content hashes (the 7-day duplicate-upload guard)'),
  ('consent_token_retention', '7 days', 'consent nonces, counted from their expiry'),
  ('job_failure_retention', '7 days', 'permanently failed graphile-worker jobs'),
  ('retention_run_retention', '90 days', 'the retention job''s own log'),
  ('operational_event_retention', '90 days', 'operational events');

-- What each retention run removed, per step.
create table app_private.retention_runs (
  id bigint generated always as identity primary key,
  step text not null,
  removed bigint not null,
  started_at timestamptz not null,
  finished_at timestamptz not null default now()
);
create index retention_runs_finished_at_idx on app_private.retention_runs (finished_at);

-- Operational events (failed backups, disabled endpoints, alerts): org_id null = platform.
create table app_private.operational_events (
  id bigint generated always as identity primary key,
  org_id uuid references app_public.organizations on delete cascade,
  kind text not null,
  severity text not null default 'warning' check (severity in ('info', 'warning', 'critical')),
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index operational_events_created_at_idx on app_private.operational_events (created_at);
create index operational_events_org_id_idx on app_private.operational_events (org_id, created_at);

--!include ops/retention.sql

grant execute on function
  app_private.retention_steps(),
  app_private.retention_step(text, int),
  app_private.log_retention_run(text, bigint, timestamptz)
  to switchboard_worker;

------------------------------------------------------------------------------------------
-- Compliance: export_contact / erase_contact (admin RPCs, catalog-driven).

--!include ops/compliance.sql

grant execute on function app_public.export_contact(uuid), app_public.erase_contact(uuid) to authenticated;

------------------------------------------------------------------------------------------
-- Backups: every verification (CLI `backup verify`, daily cron) is logged here.

create table app_private.backup_verification_log (
  id bigint generated always as identity primary key,
  verified_at timestamptz not null default now(),
  ok boolean not null,
  -- counts (per table, from the dump's snapshot), problems, dump size, duration.
  details jsonb not null default '{}',
  error text
);
create index backup_verification_log_verified_at_idx on app_private.backup_verification_log (verified_at);

--!include ops/backups.sql

------------------------------------------------------------------------------------------
-- Observability: system_health (admins, own org) and the platform gauges behind /metrics.

--!include ops/system_health.sql

create view app_public.system_health with (security_invoker = true) as
  select * from app_private.system_health_for_current_org();
grant select on app_public.system_health to authenticated;
grant execute on function app_private.system_health_for_current_org() to authenticated;
grant execute on function app_private.ops_metrics() to switchboard_gateway;
grant execute on function app_private.current_request_id() to authenticated, switchboard_gateway, switchboard_worker;

------------------------------------------------------------------------------------------
-- Alerts: rules in ops/alerts.sql, evaluated by the evaluate_alerts cron job.

-- Signature failures of known sources per minute (the gateway records them; unlogged:
-- only the last 15 minutes matter).
create unlogged table app_private.signature_failures (
  source_id uuid not null references app_public.sources (id) on delete cascade,
  minute timestamptz not null,
  failures int not null default 0,
  primary key (source_id, minute)
);

create table app_private.alert_state (
  id bigint generated always as identity primary key,
  org_id uuid references app_public.organizations on delete cascade,
  rule text not null,
  key text not null,
  severity text not null,
  message text not null,
  raised_at timestamptz not null default now(),
  resolved_at timestamptz
);
create unique index alert_state_open_key on app_private.alert_state (coalesce(org_id, '00000000-0000-0000-0000-000000000000'), rule, key)
  where resolved_at is null;
create index alert_state_org_id_idx on app_private.alert_state (org_id);

--!include ops/alerts.sql

grant execute on function app_private.record_signature_failure(uuid) to switchboard_gateway;
grant execute on function app_private.evaluate_alerts(uuid) to switchboard_worker;
