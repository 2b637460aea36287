-- Ingest: sources (webhook senders and lead uploaders) and their encrypted secrets.

create table app_public.sources (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  provider text not null check (provider in ('smartlead', 'replyio', 'vapi', 'standard', 'csv')),
  name text not null check (length(name) between 1 and 200),
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);

create table app_private.source_secrets (
  org_id uuid not null,
  id bigint generated always as identity,
  source_id uuid not null references app_public.sources (id) on delete cascade,
  secret_encrypted bytea not null,
  created_at timestamptz not null default now(),
  -- null while current; set when rotated out (the grace period's end).
  expires_at timestamptz,
  primary key (org_id, id)
);
create index source_secrets_source_id_idx on app_private.source_secrets (source_id);

--!include ingest/sources.sql

alter table app_public.sources enable row level security;
alter table app_public.sources force row level security;
create policy admins_select on app_public.sources for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.sources for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
grant select on app_public.sources to authenticated;
grant update (name, enabled) on app_public.sources to authenticated;

create trigger tg_sources__audit after insert or update or delete on app_public.sources
  for each row execute function app_private.tg__audit();

grant execute on function app_private.source_credentials(uuid, text, text) to switchboard_gateway;

------------------------------------------------------------------------------------------
-- The inbox: every accepted webhook, unique per (org, source, dedupe key).

create table app_public.webhook_events (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid(),
  source_id uuid not null references app_public.sources (id) on delete cascade,
  provider text not null,
  dedupe_key text not null,
  shard smallint not null,
  event_type text,
  occurred_at timestamptz,
  -- Set to null by retention once the body is older than the window; the key stays.
  payload jsonb,
  status text not null default 'pending' check (status in ('pending', 'processed', 'failed', 'dead')),
  attempts int not null default 0,
  last_error text,
  next_attempt_at timestamptz not null default now(),
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  primary key (org_id, id),
  unique (org_id, source_id, dedupe_key)
);
create index webhook_events_todo_idx on app_public.webhook_events (org_id, shard, received_at)
  where status in ('pending', 'failed');
create index webhook_events_received_at_idx on app_public.webhook_events (org_id, received_at desc);

create table app_public.dead_letters (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  kind text not null,
  ref_id uuid not null,
  error text,
  created_at timestamptz not null default now(),
  retried_at timestamptz,
  retried_by uuid,
  primary key (org_id, id),
  unique (id)
);

-- Which worker task processes a provider's events (other domains add their providers).
create table app_private.provider_tasks (
  provider text primary key,
  task_identifier text not null
);
insert into app_private.provider_tasks (provider, task_identifier) values
  ('smartlead', 'process_outreach_events'),
  ('replyio', 'process_outreach_events'),
  ('standard', 'process_outreach_events');

--!include ingest/inbox.sql

alter table app_public.webhook_events enable row level security;
alter table app_public.webhook_events force row level security;
alter table app_public.dead_letters enable row level security;
alter table app_public.dead_letters force row level security;
create policy select_own_org on app_public.webhook_events for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.dead_letters for select to authenticated
  using (org_id = (select app_public.current_org_id()));
grant select on app_public.webhook_events to authenticated;
grant select on app_public.dead_letters to authenticated;

grant execute on function app_private.ingest_webhook_event(uuid, text, text, text, text, timestamptz, jsonb) to switchboard_gateway;
grant execute on function app_private.fail_webhook_event(uuid, uuid, text, int) to switchboard_worker;
grant execute on function app_private.reschedule_due_events(interval) to switchboard_worker;
grant execute on function app_public.retry_dead_letter(bigint) to authenticated;
