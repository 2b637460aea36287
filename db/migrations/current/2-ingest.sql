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
