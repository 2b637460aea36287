-- Outreach: campaigns, contacts, suppression list and workspace settings.

create table app_public.workspace_settings (
  org_id uuid primary key references app_public.organizations on delete cascade,
  -- campaign_metrics.freshness: fresh under stale_after, stale until expired_after, then expired.
  stale_after interval not null default '1 hour' check (stale_after > '0'::interval),
  expired_after interval not null default '24 hours',
  positive_categories text[] not null default '{interested,meeting_request,information_request}',
  reply_rate_warning numeric(5, 4) not null default 0.02 check (reply_rate_warning between 0 and 1),
  updated_at timestamptz not null default now(),
  updated_by uuid,
  check (expired_after > stale_after)
);

create table app_public.workspace_settings_history (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  changed_by uuid,
  changed_at timestamptz not null default now(),
  old_values jsonb not null,
  new_values jsonb not null,
  primary key (org_id, id)
);

--!include outreach/settings.sql

create trigger tg_organizations__create_settings after insert on app_public.organizations
  for each row execute function app_private.tg_organizations__create_settings();
create trigger tg_workspace_settings__history before update on app_public.workspace_settings
  for each row execute function app_private.tg_workspace_settings__history();

create table app_public.campaigns (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  name text not null check (length(name) between 1 and 300),
  provider text not null default 'manual' check (provider in ('manual', 'smartlead', 'replyio', 'standard')),
  -- The provider's own campaign id; unique per org and provider.
  external_id text,
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (org_id, provider, external_id)
);

create table app_public.contacts (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  email citext check (email is null or email ~ '^[^@\s]+@[^@\s]+$'),
  first_name text,
  last_name text,
  phone text,
  company text,
  attributes jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (org_id, email)
);

-- Who must never be contacted again, by email, per org (unsubscribes, hard bounces, requests).
create table app_public.suppressions (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  email citext not null,
  reason text not null check (reason in ('unsubscribed', 'bounced', 'complaint', 'do_not_contact')),
  source text,
  created_at timestamptz not null default now(),
  primary key (org_id, email)
);

create trigger tg_campaigns__audit after insert or update or delete on app_public.campaigns
  for each row execute function app_private.tg__audit();
create trigger tg_suppressions__audit after insert or update or delete on app_public.suppressions
  for each row execute function app_private.tg__audit();
create trigger tg_workspace_settings__audit after update on app_public.workspace_settings
  for each row execute function app_private.tg__audit();

alter table app_public.workspace_settings enable row level security;
alter table app_public.workspace_settings force row level security;
alter table app_public.workspace_settings_history enable row level security;
alter table app_public.workspace_settings_history force row level security;
alter table app_public.campaigns enable row level security;
alter table app_public.campaigns force row level security;
alter table app_public.contacts enable row level security;
alter table app_public.contacts force row level security;
alter table app_public.suppressions enable row level security;
alter table app_public.suppressions force row level security;

create policy select_own_org on app_public.workspace_settings for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_update on app_public.workspace_settings for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
create policy admins_select on app_public.workspace_settings_history for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

create policy select_own_org on app_public.campaigns for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.campaigns for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.campaigns for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));

create policy select_own_org on app_public.contacts for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy insert_own_org on app_public.contacts for insert to authenticated
  with check (org_id = (select app_public.current_org_id()));
create policy update_own_org on app_public.contacts for update to authenticated
  using (org_id = (select app_public.current_org_id()))
  with check (org_id = (select app_public.current_org_id()));

create policy select_own_org on app_public.suppressions for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy insert_own_org on app_public.suppressions for insert to authenticated
  with check (org_id = (select app_public.current_org_id()));
create policy admins_delete on app_public.suppressions for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

grant select on app_public.workspace_settings to authenticated;
grant update (stale_after, expired_after, positive_categories, reply_rate_warning) on app_public.workspace_settings to authenticated;
grant select on app_public.workspace_settings_history to authenticated;
grant select on app_public.campaigns to authenticated;
grant insert (org_id, name, provider, external_id) on app_public.campaigns to authenticated;
grant update (name) on app_public.campaigns to authenticated;
grant select on app_public.contacts to authenticated;
grant insert (org_id, email, first_name, last_name, phone, company, attributes) on app_public.contacts to authenticated;
grant update (email, first_name, last_name, phone, company, attributes) on app_public.contacts to authenticated;
grant select on app_public.suppressions to authenticated;
grant insert (org_id, email, reason, source) on app_public.suppressions to authenticated;
grant delete on app_public.suppressions to authenticated;
