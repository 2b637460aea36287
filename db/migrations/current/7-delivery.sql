-- Delivery: outbound webhooks signed with Standard Webhooks headers, sent by the worker,
-- retried on a configurable schedule with jitter, circuit breaker per endpoint,
-- dead letters and replay, attempt log with retention, SSRF guard on endpoint URLs.

------------------------------------------------------------------------------------------
-- Settings owned by this domain (per workspace).

alter table app_public.workspace_settings
  -- Delay before each attempt (the first is "immediately"): the Standard Webhooks schedule.
  add column delivery_retry_schedule interval[] not null
    default '{0,5 seconds,5 minutes,30 minutes,2 hours,5 hours,10 hours,10 hours}'
    check (cardinality(delivery_retry_schedule) between 1 and 30),
  -- Each delay is stretched or shrunk by up to this fraction at random.
  add column delivery_retry_jitter numeric(4, 3) not null default 0.1 check (delivery_retry_jitter between 0 and 1),
  -- Consecutive failures that open an endpoint's circuit, and how long it stays open.
  add column delivery_circuit_failures int not null default 5 check (delivery_circuit_failures between 1 and 1000),
  add column delivery_circuit_cooldown interval not null default '5 minutes'
    check (delivery_circuit_cooldown between '0' and '1 day'),
  -- An endpoint failing without a single success for this long is disabled.
  add column delivery_disable_after interval not null default '5 days' check (delivery_disable_after >= '1 minute'),
  add column delivery_attempt_retention interval not null default '30 days'
    check (delivery_attempt_retention between '1 day' and '10 years');
grant update (delivery_retry_schedule, delivery_retry_jitter, delivery_circuit_failures, delivery_circuit_cooldown,
              delivery_disable_after, delivery_attempt_retention)
  on app_public.workspace_settings to authenticated;

------------------------------------------------------------------------------------------
-- Endpoints and their secrets

create table app_public.delivery_endpoints (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  url text not null check (length(url) <= 2000),
  description text check (length(description) <= 500),
  -- Empty means every event type.
  event_types text[] not null default '{}',
  enabled boolean not null default true,
  disabled_reason text,
  disabled_at timestamptz,
  consecutive_failures int not null default 0,
  -- First failure since the last success (null while healthy).
  failing_since timestamptz,
  circuit_open_until timestamptz,
  last_success_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);

create table app_private.delivery_endpoint_secrets (
  org_id uuid not null,
  id bigint generated always as identity,
  endpoint_id uuid not null references app_public.delivery_endpoints (id) on delete cascade,
  secret_encrypted bytea not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  primary key (org_id, id)
);
create index delivery_endpoint_secrets_endpoint_id_idx on app_private.delivery_endpoint_secrets (endpoint_id);

-- One row per event sent out: the Standard Webhooks message (its id is webhook-id).
create table app_public.delivery_messages (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  event_type text not null check (length(event_type) between 1 and 100),
  -- Null once past the attempt retention window.
  payload jsonb,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index delivery_messages_org_id_created_at_idx on app_public.delivery_messages (org_id, created_at);

-- One row per (message, endpoint).
create table app_public.deliveries (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  message_id uuid not null references app_public.delivery_messages (id) on delete cascade,
  endpoint_id uuid not null references app_public.delivery_endpoints (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_status_code int,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (message_id, endpoint_id)
);
create index deliveries_endpoint_id_status_idx on app_public.deliveries (endpoint_id, status, created_at);
create index deliveries_org_id_created_at_idx on app_public.deliveries (org_id, created_at);

create table app_public.delivery_attempts (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  delivery_id uuid not null references app_public.deliveries (id) on delete cascade,
  endpoint_id uuid not null,
  attempt int not null,
  attempted_at timestamptz not null default now(),
  status_code int,
  latency_ms int,
  response_excerpt text,
  error text,
  primary key (org_id, id)
);
create index delivery_attempts_delivery_id_idx on app_public.delivery_attempts (delivery_id);
create index delivery_attempts_org_id_attempted_at_idx on app_public.delivery_attempts (org_id, attempted_at);
create index delivery_attempts_attempted_at_idx on app_public.delivery_attempts (attempted_at);

--!include delivery/endpoints.sql
--!include delivery/deliveries.sql

create trigger tg_delivery_endpoints__reenable before update on app_public.delivery_endpoints
  for each row execute function app_private.tg_delivery_endpoints__reenable();
create trigger tg_delivery_endpoints__audit after insert or update or delete on app_public.delivery_endpoints
  for each row execute function app_private.tg__audit();

alter table app_public.delivery_endpoints enable row level security;
alter table app_public.delivery_endpoints force row level security;
alter table app_public.delivery_messages enable row level security;
alter table app_public.delivery_messages force row level security;
alter table app_public.deliveries enable row level security;
alter table app_public.deliveries force row level security;
alter table app_public.delivery_attempts enable row level security;
alter table app_public.delivery_attempts force row level security;

create policy admins_select on app_public.delivery_endpoints for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.delivery_endpoints for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
create policy admins_delete on app_public.delivery_endpoints for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_select on app_public.delivery_messages for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_select on app_public.deliveries for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_select on app_public.delivery_attempts for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

grant select, delete on app_public.delivery_endpoints to authenticated;
grant update (description, event_types, enabled) on app_public.delivery_endpoints to authenticated;
grant select on app_public.delivery_messages, app_public.deliveries, app_public.delivery_attempts to authenticated;

grant execute on function
  app_public.replay_delivery(uuid),
  app_public.replay_failed_deliveries(uuid, timestamptz)
  to authenticated;
grant execute on function
  app_private.begin_delivery_attempt(uuid, uuid, text),
  app_private.finish_delivery_attempt(uuid, uuid, int, int, int, text, text, int),
  app_private.requeue_due_deliveries()
  to switchboard_worker;

-- retry_dead_letter learns kind 'delivery' (the webhook_event branch is unchanged).
--!include delivery/dead_letters.sql

------------------------------------------------------------------------------------------
-- Switchboard events: lead fed, reply received, appointment booked/cancelled, call ended,
-- import finished (plus endpoint.disabled above), raised where the data is written.

--!include delivery/domain_events.sql

create trigger tg_appointments__emit after insert or update of status on app_public.appointments
  for each row execute function app_private.tg_appointments__emit();
create trigger tg_calls__emit after insert or update of status on app_public.calls
  for each row when (new.status = 'ended') execute function app_private.tg_calls__emit();
create trigger tg_lead_import_batches__emit after update of status on app_public.lead_import_batches
  for each row when (new.status in ('merged', 'failed')) execute function app_private.tg_lead_import_batches__emit();
create trigger tg_leads__emit_fed after update of campaign_status on app_public.leads
  for each row when (new.campaign_status = 'active') execute function app_private.tg_leads__emit_fed();
create trigger tg_email_events__emit_reply after insert on app_public.email_events
  for each row when (new.kind = 'replied') execute function app_private.tg_email_events__emit_reply();
