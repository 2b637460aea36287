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

--!include outreach/campaigns.sql

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

------------------------------------------------------------------------------------------
-- Email events and exact campaign metrics.

create table app_private.outreach_event_types (
  provider text not null,
  provider_type text not null,
  metric text not null check (metric in ('sent', 'opened', 'clicked', 'replied', 'bounced', 'unsubscribed', 'categorized')),
  primary key (provider, provider_type)
);
insert into app_private.outreach_event_types (provider, provider_type, metric) values
  ('smartlead', 'EMAIL_SENT', 'sent'), ('replyio', 'email_sent', 'sent'), ('standard', 'email.sent', 'sent'),
  ('smartlead', 'EMAIL_OPEN', 'opened'), ('replyio', 'email_opened', 'opened'), ('standard', 'email.opened', 'opened'),
  ('smartlead', 'EMAIL_LINK_CLICK', 'clicked'), ('replyio', 'email_link_clicked', 'clicked'), ('standard', 'email.clicked', 'clicked'),
  ('smartlead', 'EMAIL_REPLY', 'replied'), ('replyio', 'email_replied', 'replied'), ('standard', 'email.replied', 'replied'),
  ('smartlead', 'EMAIL_BOUNCE', 'bounced'), ('replyio', 'email_bounced', 'bounced'), ('standard', 'email.bounced', 'bounced'),
  ('smartlead', 'LEAD_UNSUBSCRIBED', 'unsubscribed'), ('replyio', 'contact_opted_out', 'unsubscribed'), ('standard', 'email.unsubscribed', 'unsubscribed'),
  ('smartlead', 'LEAD_CATEGORY_UPDATED', 'categorized'), ('replyio', 'reply_categorized', 'categorized'), ('standard', 'email.categorized', 'categorized');

create table app_public.email_events (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid(),
  webhook_event_id uuid not null,
  campaign_id uuid not null references app_public.campaigns (id) on delete cascade,
  contact_id uuid references app_public.contacts (id) on delete set null,
  kind text not null,
  category text,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (org_id, webhook_event_id)
);
create index email_events_campaign_idx on app_public.email_events (org_id, campaign_id, occurred_at desc);
create index email_events_contact_idx on app_public.email_events (contact_id);

-- Per (campaign, contact): has replied, has a positive category. Drives positive_replies.
create table app_private.campaign_replies (
  org_id uuid not null,
  campaign_id uuid not null references app_public.campaigns (id) on delete cascade,
  contact_id uuid not null references app_public.contacts (id) on delete cascade,
  replied boolean not null default false,
  positive boolean not null default false,
  primary key (org_id, campaign_id, contact_id)
);

create table app_public.campaign_counters (
  org_id uuid not null references app_public.organizations on delete cascade,
  campaign_id uuid not null references app_public.campaigns (id) on delete cascade,
  sent bigint not null default 0,
  opened bigint not null default 0,
  clicked bigint not null default 0,
  replied bigint not null default 0,
  positive_replies bigint not null default 0,
  bounced bigint not null default 0,
  unsubscribed bigint not null default 0,
  synced_at timestamptz,
  primary key (org_id, campaign_id)
);

create table app_public.campaign_hourly_metrics (
  org_id uuid not null references app_public.organizations on delete cascade,
  campaign_id uuid not null references app_public.campaigns (id) on delete cascade,
  -- The hour on the org's wall clock, and the instant it starts.
  local_hour timestamp not null,
  hour_start timestamptz not null,
  sent bigint not null default 0,
  opened bigint not null default 0,
  clicked bigint not null default 0,
  replied bigint not null default 0,
  positive_replies bigint not null default 0,
  bounced bigint not null default 0,
  unsubscribed bigint not null default 0,
  primary key (org_id, campaign_id, local_hour)
);

--!include outreach/events.sql

-- One row per campaign with exact counts, rates and freshness against the org's thresholds.
create view app_public.campaign_metrics with (security_invoker = true) as
select c.org_id, c.id as campaign_id, c.name, c.provider, c.external_id,
       coalesce(k.sent, 0) as sent, coalesce(k.opened, 0) as opened, coalesce(k.clicked, 0) as clicked,
       coalesce(k.replied, 0) as replied, coalesce(k.positive_replies, 0) as positive_replies,
       coalesce(k.bounced, 0) as bounced, coalesce(k.unsubscribed, 0) as unsubscribed,
       round(k.replied::numeric / nullif(k.sent, 0), 4) as reply_rate,
       round(k.positive_replies::numeric / nullif(k.replied, 0), 4) as positive_rate,
       round(k.bounced::numeric / nullif(k.sent, 0), 4) as bounce_rate,
       coalesce(k.replied::numeric / nullif(k.sent, 0) < s.reply_rate_warning, false) as reply_rate_warning,
       k.synced_at,
       case when k.synced_at is null or now() - k.synced_at >= s.expired_after then 'expired'
            when now() - k.synced_at >= s.stale_after then 'stale'
            else 'fresh' end as freshness
  from app_public.campaigns c
  left join app_public.campaign_counters k on k.org_id = c.org_id and k.campaign_id = c.id
  join app_public.workspace_settings s on s.org_id = c.org_id;

alter table app_public.email_events enable row level security;
alter table app_public.email_events force row level security;
alter table app_public.campaign_counters enable row level security;
alter table app_public.campaign_counters force row level security;
alter table app_public.campaign_hourly_metrics enable row level security;
alter table app_public.campaign_hourly_metrics force row level security;
create policy select_own_org on app_public.email_events for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.campaign_counters for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.campaign_hourly_metrics for select to authenticated
  using (org_id = (select app_public.current_org_id()));
grant select on app_public.email_events, app_public.campaign_counters, app_public.campaign_hourly_metrics,
  app_public.campaign_metrics to authenticated;

grant execute on function app_private.process_outreach_events(uuid, smallint, int, uuid) to switchboard_worker;
grant execute on function app_private.due_webhook_events(uuid, smallint, int) to switchboard_worker;
