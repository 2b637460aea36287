-- Issue 22 (reach out): campaign-tool connections (SmartLead, Reply.io v3, Instantly v2) that
-- the feeder's hand-off pushes each run's leads to, and SMS through Twilio (reminders,
-- status callbacks, inbound STOP/START and replies). Idempotent: re-run on every migrate.

------------------------------------------------------------------------------------------
-- Campaign-tool connections. The API key lives encrypted in app_private; admins read and
-- edit everything else (name, field mapping, enabled, used by the feeder). base_url is
-- operator-set (CLI/SQL), never through the API: the worker sends the key there.

create table if not exists app_public.campaign_connections (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  provider text not null check (provider in ('smartlead', 'replyio', 'instantly')),
  name text not null check (length(name) between 1 and 200),
  -- SmartLead campaign id, Reply.io sequence id, Instantly campaign id.
  external_campaign_id text not null check (length(external_campaign_id) between 1 and 200),
  base_url text,
  field_mapping jsonb not null default '{"email":"email","first_name":"first_name","last_name":"last_name","phone":"phone","company":"attributes.company","custom_fields":{"score":"lead_score","property_address":"property_address","equity":"estimated_equity"}}',
  use_for_feed boolean not null default true,
  enabled boolean not null default true,
  validation_status text not null default 'pending' check (validation_status in ('pending', 'valid', 'invalid')),
  validation_error text,
  validated_at timestamptz,
  consecutive_failures int not null default 0,
  failing_since timestamptz,
  circuit_open_until timestamptz,
  -- A 429's Retry-After: no call to this connection before then.
  paused_until timestamptz,
  last_success_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id)
);

create table if not exists app_private.campaign_connection_secrets (
  org_id uuid not null references app_public.organizations on delete cascade,
  connection_id uuid not null references app_public.campaign_connections (id) on delete cascade,
  api_key_encrypted bytea not null,
  updated_at timestamptz not null default now(),
  primary key (org_id, connection_id)
);
create unique index if not exists campaign_connection_secrets_connection_idx on app_private.campaign_connection_secrets (connection_id);

-- Every call made to a connection (the pacing log; kept an hour and a bit).
create table if not exists app_private.connection_calls (
  connection_id uuid not null references app_public.campaign_connections (id) on delete cascade,
  at timestamptz not null
);
create index if not exists connection_calls_connection_at_idx on app_private.connection_calls (connection_id, at desc);

-- One API call's worth of a run's leads (≤ 100 for SmartLead, one lead for Reply.io and
-- Instantly, whose APIs take one contact per request). A job per chunk.
create table if not exists app_public.lead_push_chunks (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  connection_id uuid not null references app_public.campaign_connections (id) on delete cascade,
  local_date date not null,
  position int not null,
  status text not null default 'pending' check (status in ('pending', 'done', 'dead')),
  attempts int not null default 0,
  -- Set when a call starts; a call that never reported back (worker killed) is in doubt.
  in_flight_since timestamptz,
  resent_in_doubt boolean not null default false,
  next_attempt_at timestamptz not null default now(),
  last_status_code int,
  last_error text,
  answer jsonb,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (org_id, id),
  unique (org_id, connection_id, local_date, position)
);
create index if not exists lead_push_chunks_pending_idx on app_public.lead_push_chunks (next_attempt_at) where status = 'pending';

-- Each lead's push: at most one row per (connection, run, lead), written with the chunks.
create table if not exists app_public.lead_pushes (
  org_id uuid not null references app_public.organizations on delete cascade,
  connection_id uuid not null references app_public.campaign_connections (id) on delete cascade,
  local_date date not null,
  lead_id uuid not null references app_public.leads (id) on delete cascade,
  chunk_id uuid not null references app_public.lead_push_chunks (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'pushed', 'duplicate', 'refused', 'failed')),
  reason text,
  answer jsonb,
  attempts int not null default 0,
  pushed_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (org_id, connection_id, local_date, lead_id)
);
create index if not exists lead_pushes_chunk_idx on app_public.lead_pushes (chunk_id);
create index if not exists lead_pushes_lead_idx on app_public.lead_pushes (lead_id);

-- The audit of every call (status, latency, answer excerpt), like delivery_attempts.
create table if not exists app_public.lead_push_attempts (
  org_id uuid not null references app_public.organizations on delete cascade,
  -- Time-ordered ids that tell nothing of other orgs (app_private.opaque_id, 4-security.sql).
  id bigint not null default app_private.opaque_id(),
  chunk_id uuid not null references app_public.lead_push_chunks (id) on delete cascade,
  connection_id uuid not null,
  attempt int not null,
  status_code int,
  latency_ms int,
  response_excerpt text,
  error text,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index if not exists lead_push_attempts_chunk_idx on app_public.lead_push_attempts (chunk_id);

------------------------------------------------------------------------------------------
-- SMS through Twilio.

create table if not exists app_public.sms_settings (
  org_id uuid primary key references app_public.organizations on delete cascade,
  account_sid text not null check (account_sid ~ '^AC[0-9a-fA-F]{32}$'),
  -- An API key SID (SK…) with its secret, or null to authenticate with the auth token.
  api_key_sid text check (api_key_sid ~ '^SK[0-9a-fA-F]{32}$'),
  from_number text check (from_number ~ '^\+[1-9][0-9]{7,14}$'),
  messaging_service_sid text check (messaging_service_sid ~ '^MG[0-9a-fA-F]{32}$'),
  base_url text,
  -- Passed as StatusCallback with every message: the twilio source's URL on this gateway.
  status_callback_url text check (status_callback_url ~ '^https?://'),
  enabled boolean not null default true,
  reminder_offsets interval[] not null default '{24 hours,2 hours}',
  reminder_template text not null default 'Hi {{first_name}}, a reminder of your appointment ({{resource}}) on {{starts_at_local}}. To cancel: {{cancel_url}}'
    check (length(reminder_template) between 1 and 1600),
  quiet_start time not null default '21:00',
  quiet_end time not null default '08:00',
  cancel_by_reply boolean not null default false,
  updated_at timestamptz not null default now(),
  check (from_number is not null or messaging_service_sid is not null)
);

alter table app_public.sms_settings add column if not exists status_callback_url text check (status_callback_url ~ '^https?://');

create table if not exists app_private.sms_credentials (
  org_id uuid primary key references app_public.organizations on delete cascade,
  -- The auth token, or the API key's secret when api_key_sid is set.
  secret_encrypted bytea not null,
  updated_at timestamptz not null default now()
);

create table if not exists app_public.sms_messages (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  kind text not null check (kind in ('reminder', 'cancel_confirmation', 'message')),
  contact_id uuid,
  appointment_id uuid references app_public.appointments (id) on delete cascade,
  reminder_offset interval,
  to_number text not null check (to_number ~ '^\+[1-9][0-9]{7,14}$'),
  body text,
  status text not null default 'scheduled'
    check (status in ('scheduled', 'sending', 'accepted', 'queued', 'sending_twilio', 'sent', 'delivered', 'undelivered',
                      'failed', 'cancelled', 'suppressed', 'skipped', 'in_doubt')),
  send_at timestamptz not null default now(),
  twilio_sid text,
  twilio_status text,
  error_code int,
  error text,
  attempts int not null default 0,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, contact_id) references app_public.contacts (org_id, id) on delete set null (contact_id)
);
-- Exactly one reminder per (appointment, offset), whatever the number of workers.
create unique index if not exists sms_messages_reminder_idx on app_public.sms_messages (org_id, appointment_id, reminder_offset)
  where kind = 'reminder';
create unique index if not exists sms_messages_twilio_sid_idx on app_public.sms_messages (twilio_sid) where twilio_sid is not null;
create index if not exists sms_messages_due_idx on app_public.sms_messages (send_at) where status = 'scheduled';
create index if not exists sms_messages_contact_idx on app_public.sms_messages (contact_id) where contact_id is not null;
create index if not exists sms_messages_to_idx on app_public.sms_messages (org_id, to_number, created_at desc);

-- Suppressions by phone (E.164) beside email: a row has one or the other.
alter table app_public.suppressions add column if not exists phone text;
alter table app_public.suppressions add column if not exists id bigint not null default app_private.opaque_id();
do $$
begin
  if exists (select 1 from pg_constraint where conname = 'suppressions_pkey'
              and conrelid = 'app_public.suppressions'::regclass
              and pg_get_constraintdef(oid) = 'PRIMARY KEY (org_id, email)') then
    alter table app_public.suppressions drop constraint suppressions_pkey;
    alter table app_public.suppressions add constraint suppressions_pkey primary key (org_id, id);
  end if;
  alter table app_public.suppressions alter column email drop not null;
  if not exists (select 1 from pg_constraint where conname = 'suppressions_org_id_email_key') then
    alter table app_public.suppressions add constraint suppressions_org_id_email_key unique (org_id, email);
  end if;
  if not exists (select 1 from pg_constraint where conname = 'suppressions_org_id_phone_key') then
    alter table app_public.suppressions add constraint suppressions_org_id_phone_key unique (org_id, phone);
  end if;
  if not exists (select 1 from pg_constraint where conname = 'suppressions_phone_e164') then
    alter table app_public.suppressions add constraint suppressions_phone_e164 check (phone ~ '^\+[1-9][0-9]{7,14}$');
  end if;
  if not exists (select 1 from pg_constraint where conname = 'suppressions_email_or_phone') then
    alter table app_public.suppressions add constraint suppressions_email_or_phone check (email is not null or phone is not null);
  end if;
end
$$;

-- Twilio is a webhook provider like the others (status callbacks and inbound SMS).
-- MERGE NOTE (issue 16): the only change to the sources table is this check constraint.
alter table app_public.sources drop constraint if exists sources_provider_check;
alter table app_public.sources add constraint sources_provider_check
  check (provider in ('smartlead', 'replyio', 'vapi', 'standard', 'csv', 'twilio'));
insert into app_private.provider_tasks (provider, task_identifier) values ('twilio', 'process_sms_events')
on conflict (provider) do update set task_identifier = excluded.task_identifier;

-- system_health gains columns: its view is rebuilt around the new function.
drop view if exists app_public.system_health;
drop function if exists app_private.system_health_for_current_org();

--!include handoff/connections.sql
--!include handoff/push.sql
--!include leads/handoff.sql
--!include handoff/sms.sql
--!include handoff/twilio_inbound.sql
--!include delivery/dead_letters.sql
--!include ops/system_health.sql
--!include ops/alerts.sql

alter table app_public.campaign_connections alter column field_mapping set default app_private.default_field_mapping();

create view app_public.system_health with (security_invoker = true) as
  select * from app_private.system_health_for_current_org();
grant select on app_public.system_health to authenticated;
grant execute on function app_private.system_health_for_current_org() to authenticated;

------------------------------------------------------------------------------------------
-- Triggers.

drop trigger if exists tg_campaign_connections__validate on app_public.campaign_connections;
create trigger tg_campaign_connections__validate before insert or update on app_public.campaign_connections
  for each row execute function app_private.tg_campaign_connections__validate();
drop trigger if exists tg_campaign_connections__audit on app_public.campaign_connections;
create trigger tg_campaign_connections__audit after insert or update or delete on app_public.campaign_connections
  for each row execute function app_private.tg__audit();
drop trigger if exists tg_sms_settings__audit on app_public.sms_settings;
create trigger tg_sms_settings__audit after insert or update or delete on app_public.sms_settings
  for each row execute function app_private.tg__audit();
drop trigger if exists tg_sms_settings__validate on app_public.sms_settings;
create trigger tg_sms_settings__validate before insert or update on app_public.sms_settings
  for each row execute function app_private.tg_sms_settings__validate();
drop trigger if exists tg_appointments__sms_reminders on app_public.appointments;
create trigger tg_appointments__sms_reminders after insert or update of starts_at, status on app_public.appointments
  for each row execute function app_private.tg_appointments__sms_reminders();
drop trigger if exists tg_webhook_events__twilio on app_public.webhook_events;
create trigger tg_webhook_events__twilio before insert on app_public.webhook_events
  for each row when (new.provider = 'twilio') execute function app_private.tg_webhook_events__twilio();

------------------------------------------------------------------------------------------
-- Row-level security: admins only, their org. Members see pushes and SMS on timelines
-- (pipeline_events), not the connection settings.

alter table app_public.campaign_connections enable row level security;
alter table app_public.campaign_connections force row level security;
alter table app_public.lead_push_chunks enable row level security;
alter table app_public.lead_push_chunks force row level security;
alter table app_public.lead_pushes enable row level security;
alter table app_public.lead_pushes force row level security;
alter table app_public.lead_push_attempts enable row level security;
alter table app_public.lead_push_attempts force row level security;
alter table app_public.sms_settings enable row level security;
alter table app_public.sms_settings force row level security;
alter table app_public.sms_messages enable row level security;
alter table app_public.sms_messages force row level security;

do $$
declare
  t text;
begin
  foreach t in array array['campaign_connections', 'lead_push_chunks', 'lead_pushes', 'lead_push_attempts', 'sms_settings', 'sms_messages'] loop
    execute format('drop policy if exists admins_select on app_public.%I', t);
    execute format('create policy admins_select on app_public.%I for select to authenticated
                      using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))', t);
  end loop;
  foreach t in array array['campaign_connections', 'sms_settings'] loop
    execute format('drop policy if exists admins_update on app_public.%I', t);
    execute format('create policy admins_update on app_public.%I for update to authenticated
                      using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
                      with check (org_id = (select app_public.current_org_id()))', t);
  end loop;
end
$$;
drop policy if exists admins_delete on app_public.campaign_connections;
create policy admins_delete on app_public.campaign_connections for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

revoke all on app_public.campaign_connections, app_public.lead_push_chunks, app_public.lead_pushes,
  app_public.lead_push_attempts, app_public.sms_settings, app_public.sms_messages from authenticated;
grant select (org_id, id, provider, name, external_campaign_id, base_url, field_mapping, use_for_feed, enabled,
              validation_status, validation_error, validated_at, consecutive_failures, failing_since, circuit_open_until,
              paused_until, last_success_at, last_error, created_at, updated_at) on app_public.campaign_connections to authenticated;
grant update (name, field_mapping, use_for_feed, enabled) on app_public.campaign_connections to authenticated;
grant delete on app_public.campaign_connections to authenticated;
grant select on app_public.lead_push_chunks, app_public.lead_pushes, app_public.lead_push_attempts, app_public.sms_messages to authenticated;
grant select on app_public.sms_settings to authenticated;
grant update (enabled, reminder_offsets, reminder_template, quiet_start, quiet_end, cancel_by_reply) on app_public.sms_settings to authenticated;
-- Suppressions by phone are visible to admins like the email ones (existing policies).
grant select (phone, id) on app_public.suppressions to authenticated;

grant execute on function app_public.retry_dead_letter(bigint) to authenticated;
grant execute on function app_public.replay_lead_push(uuid) to authenticated;

-- The worker's calls (it may only EXECUTE what its tasks need).
grant execute on function app_private.begin_lead_push(uuid, uuid, text, int), app_private.finish_lead_push(uuid, uuid, int, text, int, int, text, text, int, jsonb),
  app_private.confirm_lead_pushes(uuid, uuid, uuid[], jsonb), app_private.reserve_connection_call(uuid, uuid),
  app_private.requeue_due_lead_pushes(), app_private.campaign_connection_credentials(uuid, uuid, text),
  app_private.record_connection_validation(uuid, uuid, boolean, text), app_private.begin_sms_send(uuid, uuid, text),
  app_private.finish_sms_send(uuid, uuid, int, text, text, int, text, text),
  app_private.process_sms_events(uuid, smallint, int, uuid), app_private.due_sms_events(uuid, smallint, int)
  to switchboard_worker;
grant execute on function app_private.appointment_cancel_page(uuid, uuid), app_private.cancel_appointment_by_link(uuid, uuid)
  to switchboard_gateway;
grant execute on function app_private.admin_create_campaign_connection(uuid, text, text, text, text, jsonb, text),
  app_private.admin_set_campaign_connection_key(uuid, uuid, text, text),
  app_private.admin_configure_sms(uuid, text, text, text, text, text, text, text)
  to switchboard_gateway;
grant execute on function app_private.expire_sms_in_flight(interval) to switchboard_worker;
