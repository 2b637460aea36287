-- Calls domain: bookable resources, conflict-free appointments, pipeline events,
-- voice calls, redacted transcripts, voice agents and outbound callback requests.

------------------------------------------------------------------------------------------
-- Pipeline events: an append-only trail of what moved a contact along (bookings here;
-- other domains add their kinds). Written only by security definer functions.

create table if not exists app_public.pipeline_events (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  kind text not null check (length(kind) between 1 and 100),
  contact_id uuid,
  -- What the event is about: an appointment, a call, a lead…
  subject_id uuid,
  actor_id uuid,
  data jsonb not null default '{}',
  occurred_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index if not exists pipeline_events_org_id_occurred_at_idx on app_public.pipeline_events (org_id, occurred_at desc);
create index if not exists pipeline_events_contact_id_idx on app_public.pipeline_events (contact_id) where contact_id is not null;
create index if not exists pipeline_events_subject_id_idx on app_public.pipeline_events (subject_id) where subject_id is not null;

alter table app_public.pipeline_events enable row level security;
alter table app_public.pipeline_events force row level security;
create policy select_own_org on app_public.pipeline_events for select to authenticated
  using (org_id = (select app_public.current_org_id()));
grant select on app_public.pipeline_events to authenticated;

------------------------------------------------------------------------------------------
-- Resources (a person, room or calendar that takes appointments) and their business
-- hours, read in the org's IANA time zone.

create table app_public.resources (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  name text not null check (length(name) between 1 and 200),
  is_default boolean not null default false,
  slot_minutes int not null default 30 check (slot_minutes between 5 and 480),
  buffer_before interval not null default '0' check (buffer_before between '0' and '4 hours'),
  buffer_after interval not null default '0' check (buffer_after between '0' and '4 hours'),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);
create unique index resources_one_default_idx on app_public.resources (org_id) where is_default;

create table app_public.resource_hours (
  org_id uuid not null default app_public.current_org_id(),
  resource_id uuid not null,
  -- ISO weekday: 1 = Monday … 7 = Sunday.
  weekday smallint not null check (weekday between 1 and 7),
  opens_at time not null,
  closes_at time not null check (closes_at > opens_at),
  primary key (org_id, resource_id, weekday, opens_at),
  foreign key (org_id, resource_id) references app_public.resources (org_id, id) on delete cascade
);

------------------------------------------------------------------------------------------
-- Appointments. The exclusion constraint is the invariant: on one resource of one org,
-- no two live (not cancelled) bookings overlap, buffers included — whatever the write path.

create table app_public.appointments (
  -- The org is enforced through the (org_id, resource_id) key of resources, whose rows
  -- cascade from organizations; a second FK on the org row would only add lock traffic
  -- (FOR KEY SHARE on one hot row per booking).
  org_id uuid not null default app_public.current_org_id(),
  id uuid not null default gen_random_uuid() unique,
  resource_id uuid not null,
  contact_id uuid,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  -- The slot widened by the resource's buffers (see tg_appointments__blocked_range).
  blocked tstzrange not null,
  status text not null default 'booked' check (status in ('booked', 'cancelled')),
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  source text not null default 'api' check (source in ('api', 'vapi')),
  call_id uuid,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  cancelled_at timestamptz,
  primary key (org_id, id),
  foreign key (org_id, resource_id) references app_public.resources (org_id, id) on delete cascade,
  foreign key (org_id, contact_id) references app_public.contacts (org_id, id) on delete set null (contact_id),
  check (ends_at > starts_at),
  constraint appointments_blocked_covers_slot check (blocked @> tstzrange(starts_at, ends_at, '[)')),
  constraint appointments_no_overlap exclude using gist
    (org_id with =, resource_id with =, blocked with &&) where (status <> 'cancelled')
);
create unique index appointments_idempotency_key_idx on app_public.appointments (org_id, idempotency_key)
  where idempotency_key is not null;
create index appointments_org_id_starts_at_idx on app_public.appointments (org_id, starts_at);
create index appointments_contact_id_idx on app_public.appointments (contact_id) where contact_id is not null;

--!include calls/appointments.sql

create trigger tg_appointments__blocked_range before insert or update on app_public.appointments
  for each row execute function app_private.tg_appointments__blocked_range();
create trigger tg_resources__audit after insert or update or delete on app_public.resources
  for each row execute function app_private.tg__audit();

alter table app_public.resources enable row level security;
alter table app_public.resources force row level security;
alter table app_public.resource_hours enable row level security;
alter table app_public.resource_hours force row level security;
alter table app_public.appointments enable row level security;
alter table app_public.appointments force row level security;

create policy select_own_org on app_public.resources for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.resources for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.resources for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));

create policy select_own_org on app_public.resource_hours for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.resource_hours for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.resource_hours for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
create policy admins_delete on app_public.resource_hours for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

create policy select_own_org on app_public.appointments for select to authenticated
  using (org_id = (select app_public.current_org_id()));

grant select on app_public.resources to authenticated;
grant insert (org_id, id, name, slot_minutes, buffer_before, buffer_after) on app_public.resources to authenticated;
grant update (name, slot_minutes, buffer_before, buffer_after, active) on app_public.resources to authenticated;
grant select, delete on app_public.resource_hours to authenticated;
grant insert (org_id, resource_id, weekday, opens_at, closes_at) on app_public.resource_hours to authenticated;
grant update (opens_at, closes_at) on app_public.resource_hours to authenticated;
-- Bookings change only through the RPCs below.
grant select on app_public.appointments to authenticated;

grant execute on function
  app_public.book_appointment(timestamptz, timestamptz, uuid, uuid, text),
  app_public.cancel_appointment(uuid),
  app_public.reschedule_appointment(uuid, timestamptz, timestamptz),
  app_public.check_availability(uuid, date)
  to authenticated;

------------------------------------------------------------------------------------------
-- Voice agents, calls, transcripts (PHI redacted at the door), outbound callback requests.

alter table app_public.workspace_settings
  add column transcript_retention interval not null default '90 days'
    check (transcript_retention between '1 day' and '10 years'),
  -- The voice platform's API for outbound calls; null means the worker's VAPI_API_URL
  -- (default https://api.vapi.ai). Operator-set only: the worker sends its API key there,
  -- so org admins must not be able to point it elsewhere.
  add column voice_api_base_url text check (voice_api_base_url ~ '^https?://[^\s]+$');
grant update (transcript_retention) on app_public.workspace_settings to authenticated;

create table app_public.agents (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  name text not null check (length(name) between 1 and 200),
  platform text not null default 'vapi' check (platform in ('vapi')),
  direction text not null check (direction in ('inbound', 'outbound')),
  -- The platform's ids. Never created or replaced from here: configured on the platform.
  assistant_id text check (length(assistant_id) <= 200),
  -- Checked to be a UUID when a callback is requested (a phone number here is the classic mistake).
  phone_number_id text check (length(phone_number_id) <= 200),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index agents_assistant_id_idx on app_public.agents (org_id, assistant_id);

create table app_public.calls (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  platform text not null default 'vapi' check (platform in ('vapi')),
  external_id text not null check (length(external_id) between 1 and 200),
  direction text check (direction in ('inbound', 'outbound', 'web')),
  status text not null default 'queued'
    check (status in ('scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended')),
  agent_id uuid,
  contact_id uuid,
  campaign_id uuid,
  customer_number text check (length(customer_number) <= 40),
  started_at timestamptz,
  ended_at timestamptz,
  duration_seconds numeric(10, 2),
  ended_reason text check (length(ended_reason) <= 200),
  cost numeric(12, 4),
  recording_url text check (length(recording_url) <= 2000),
  summary text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (org_id, platform, external_id),
  foreign key (org_id, agent_id) references app_public.agents (org_id, id) on delete set null (agent_id),
  foreign key (org_id, contact_id) references app_public.contacts (org_id, id) on delete set null (contact_id),
  foreign key (org_id, campaign_id) references app_public.campaigns (org_id, id) on delete set null (campaign_id)
);
create index calls_org_id_created_at_idx on app_public.calls (org_id, created_at desc);
create index calls_contact_id_idx on app_public.calls (contact_id) where contact_id is not null;
create index calls_campaign_id_idx on app_public.calls (campaign_id) where campaign_id is not null;
create index calls_agent_id_idx on app_public.calls (agent_id) where agent_id is not null;

create table app_public.transcripts (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  call_id uuid not null,
  -- Always redacted: tg_transcripts__redact runs before every insert and update.
  content text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (org_id, call_id),
  foreign key (org_id, call_id) references app_public.calls (org_id, id) on delete cascade
);
create index transcripts_created_at_idx on app_public.transcripts (created_at);

create table app_public.callback_requests (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  contact_id uuid,
  agent_id uuid not null,
  customer_number text not null,
  status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
  call_id uuid,
  external_call_id text,
  attempts int not null default 0,
  last_error text,
  requested_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, agent_id) references app_public.agents (org_id, id),
  foreign key (org_id, contact_id) references app_public.contacts (org_id, id) on delete set null (contact_id)
);
create index callback_requests_org_id_created_at_idx on app_public.callback_requests (org_id, created_at desc);
create index callback_requests_contact_id_idx on app_public.callback_requests (contact_id) where contact_id is not null;

--!include calls/redaction.sql
--!include calls/calls.sql
--!include calls/agents.sql
--!include calls/vapi.sql

create trigger tg_calls__redact before insert or update on app_public.calls
  for each row execute function app_private.tg_calls__redact();
create trigger tg_transcripts__redact before insert or update on app_public.transcripts
  for each row execute function app_private.tg_transcripts__redact();
create trigger tg_agents__audit after insert or update or delete on app_public.agents
  for each row execute function app_private.tg__audit();
-- Vapi bodies (transcripts, summaries, tool arguments) are redacted before the inbox stores
-- them, and Vapi events get shards 8-15 of their own (see app_private.tg_webhook_events__vapi).
create trigger tg_webhook_events__vapi before insert on app_public.webhook_events
  for each row execute function app_private.tg_webhook_events__vapi();
insert into app_private.provider_tasks (provider, task_identifier) values ('vapi', 'process_call_events');

alter table app_public.agents enable row level security;
alter table app_public.agents force row level security;
alter table app_public.calls enable row level security;
alter table app_public.calls force row level security;
alter table app_public.transcripts enable row level security;
alter table app_public.transcripts force row level security;
alter table app_public.callback_requests enable row level security;
alter table app_public.callback_requests force row level security;

create policy select_own_org on app_public.agents for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.agents for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.agents for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.calls for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.transcripts for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.callback_requests for select to authenticated
  using (org_id = (select app_public.current_org_id()));

grant select on app_public.agents to authenticated;
grant insert (org_id, id, name, platform, direction, assistant_id, phone_number_id, active) on app_public.agents to authenticated;
grant update (name, assistant_id, phone_number_id, active) on app_public.agents to authenticated;
grant select on app_public.calls to authenticated;
grant select on app_public.transcripts to authenticated;
grant select on app_public.callback_requests to authenticated;

grant execute on function app_public.request_callback(uuid) to authenticated;
grant execute on function app_private.vapi_tool_calls(uuid, jsonb) to switchboard_gateway;
grant execute on function
  app_private.process_call_events(uuid, smallint, int, uuid),
  app_private.due_call_events(uuid, smallint, int),
  app_private.callback_dispatch(uuid, uuid),
  app_private.record_callback_sent(uuid, uuid, text),
  app_private.record_callback_failure(uuid, uuid, text, boolean),
  app_private.purge_call_data(int)
  to switchboard_worker;
