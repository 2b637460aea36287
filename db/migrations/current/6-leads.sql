-- Leads: signed CSV imports (staging, rejects, replay guard), normalised triple-key
-- dedupe merge, scoring, verification codes, assignment, campaign status, contactable
-- view, weekday feeder, pipeline funnel, consent and unsubscribe.

--!include leads/normalize.sql

------------------------------------------------------------------------------------------
-- Settings owned by this domain.

alter table app_public.workspace_settings
  add column lead_feed_daily_limit int not null default 250 check (lead_feed_daily_limit between 0 and 100000),
  add column lead_feed_enabled boolean not null default true,
  add column lead_verification_provider text not null default 'default' check (length(lead_verification_provider) between 1 and 100);
grant update (lead_feed_daily_limit, lead_feed_enabled, lead_verification_provider) on app_public.workspace_settings to authenticated;

------------------------------------------------------------------------------------------
-- Imports

create table app_public.lead_import_batches (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  source_id uuid references app_public.sources (id) on delete set null,
  content_sha256 text not null check (content_sha256 ~ '^[0-9a-f]{64}$'),
  status text not null default 'receiving' check (status in ('receiving', 'queued', 'merging', 'merged', 'failed')),
  rows_total int not null default 0 check (rows_total >= 0),
  rows_merged int not null default 0 check (rows_merged >= 0),
  rows_rejected int not null default 0 check (rows_rejected >= 0),
  leads_created int not null default 0,
  leads_updated int not null default 0,
  bytes bigint not null default 0,
  verification_provider text not null default 'default',
  received_at timestamptz not null default now(),
  merge_started_at timestamptz,
  merged_at timestamptz,
  attempts int not null default 0,
  error text,
  primary key (org_id, id)
);
create index lead_import_batches_org_id_received_at_idx on app_public.lead_import_batches (org_id, received_at desc);
create index lead_import_batches_source_id_idx on app_public.lead_import_batches (source_id);

-- Replay guard: one upload of the same content per org per 7 days. The unique key is the
-- guard; an expired entry is taken over by the next upload (see begin_lead_upload).
create table app_private.lead_upload_hashes (
  org_id uuid not null references app_public.organizations on delete cascade,
  content_sha256 text not null,
  batch_id uuid not null,
  received_at timestamptz not null default now(),
  primary key (org_id, content_sha256)
);

-- Raw rows as uploaded (text, validated by the merge). Tagged by batch; removed by the merge.
create table app_private.lead_staging (
  batch_id uuid not null,
  row_number int not null,
  first_name text, last_name text, email text, phone text,
  property_address text, property_city text, property_state text, property_zip text,
  county_fips text, apn text, mak text,
  mailing_address text, mailing_city text, mailing_state text, mailing_zip text,
  estimated_equity text, owner_occupied text,
  email_verification_code text, phone_verification_code text,
  attributes jsonb
);
create index lead_staging_batch_id_idx on app_private.lead_staging (batch_id);

create table app_public.lead_import_rejects (
  org_id uuid not null references app_public.organizations on delete cascade,
  batch_id uuid not null references app_public.lead_import_batches (id) on delete cascade,
  -- The row in the file as a spreadsheet numbers it: the header is row 1.
  row_number int not null,
  reason text not null,
  row_data jsonb not null default '{}',
  primary key (org_id, batch_id, row_number)
);
create index lead_import_rejects_batch_id_idx on app_public.lead_import_rejects (batch_id);

------------------------------------------------------------------------------------------
-- Leads

create type app_public.lead_campaign_status as enum ('new', 'queued', 'active', 'replied', 'converted', 'do_not_contact');

create table app_public.leads (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  first_name text,
  last_name text,
  email citext,
  email_hash bytea generated always as (app_private.hash_email(email::text)) stored,
  phone text check (phone ~ '^\+[0-9]{8,15}$'),
  property_address text,
  property_city text,
  property_state text,
  property_zip text,
  county_fips text check (county_fips ~ '^[0-9]{5}$'),
  apn text,
  -- Dedupe keys, in match order: MAK, (county FIPS, APN without separators), address hash.
  mak text,
  apn_normalized text,
  address_normalized text,
  addr_hash bytea,
  mailing_address text,
  mailing_city text,
  mailing_state text,
  mailing_zip text,
  estimated_equity numeric(14, 2),
  owner_occupied boolean,
  email_verification_codes text[] not null default '{}',
  phone_verification_codes text[] not null default '{}',
  verification_provider text not null default 'default',
  email_verified boolean not null default false,
  phone_verified boolean not null default false,
  lead_score smallint not null default 0 constraint leads_lead_score_range check (lead_score between 0 and 100),
  attributes jsonb not null default '{}',
  -- Sensitive columns from the file (README), pgcrypto-encrypted under ENCRYPTION_KEY.
  pii_encrypted bytea,
  campaign_status app_public.lead_campaign_status not null default 'new',
  added_to_campaign_at timestamptz,
  assigned_to uuid,
  consent_given boolean not null default false,
  consented_at timestamptz,
  -- When the newest merged data was received: newer non-null contact data wins.
  data_as_of timestamptz not null default now(),
  first_batch_id uuid,
  last_batch_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, assigned_to) references app_public.memberships (org_id, user_id) on delete set null (assigned_to),
  constraint leads_consent_needs_timestamp check (not consent_given or consented_at is not null)
);
-- NULL-safe unique keys per org: a NULL key never collides, a present one exists once.
create unique index leads_org_id_mak_key on app_public.leads (org_id, mak) where mak is not null;
create unique index leads_org_id_fips_apn_key on app_public.leads (org_id, county_fips, apn_normalized)
  where county_fips is not null and apn_normalized is not null;
create unique index leads_org_id_addr_hash_key on app_public.leads (org_id, addr_hash) where addr_hash is not null;
create index leads_org_id_assigned_to_idx on app_public.leads (org_id, assigned_to) where assigned_to is not null;
create index leads_org_id_email_idx on app_public.leads (org_id, email) where email is not null;
create index leads_email_hash_idx on app_public.leads using hash (email_hash);
-- The feeder's path: queued leads of an org by score.
create index leads_org_id_queued_score_idx on app_public.leads (org_id, lead_score desc, id)
  where campaign_status = 'queued';

create table app_public.verification_code_map (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  provider text not null default 'default' check (length(provider) between 1 and 100),
  code text not null check (length(code) between 1 and 100),
  verdict text not null check (verdict in ('valid', 'invalid', 'risky', 'unknown')),
  primary key (org_id, provider, code)
);

------------------------------------------------------------------------------------------
-- Pipeline events (shared with the calls domain, which may have created the table).

create table if not exists app_public.pipeline_events (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  kind text not null check (length(kind) between 1 and 100),
  contact_id uuid,
  subject_id uuid,
  actor_id uuid,
  data jsonb not null default '{}',
  occurred_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index if not exists pipeline_events_org_id_occurred_at_idx on app_public.pipeline_events (org_id, occurred_at desc);
create index if not exists pipeline_events_subject_id_idx on app_public.pipeline_events (subject_id) where subject_id is not null;
alter table app_public.pipeline_events enable row level security;
alter table app_public.pipeline_events force row level security;
do $$
begin
  if not exists (select 1 from pg_policies where schemaname = 'app_public' and tablename = 'pipeline_events' and policyname = 'select_own_org') then
    create policy select_own_org on app_public.pipeline_events for select to authenticated
      using (org_id = (select app_public.current_org_id()));
  end if;
end
$$;
grant select on app_public.pipeline_events to authenticated;
alter table app_public.pipeline_events add column if not exists duration_ms bigint check (duration_ms >= 0);
alter table app_public.pipeline_events add column if not exists quantity int not null default 1 check (quantity >= 0);

-- The funnel per org and day (in the org's time zone): how many moved through each
-- stage and how long the stage took on average.
create view app_public.pipeline_funnel with (security_invoker = true) as
  select e.org_id,
         (e.occurred_at at time zone o.timezone)::date as day,
         e.kind as stage,
         sum(e.quantity)::bigint as quantity,
         count(*)::bigint as events,
         round(avg(e.duration_ms))::bigint as avg_duration_ms,
         max(e.duration_ms) as max_duration_ms
    from app_public.pipeline_events e
    join app_public.organizations o on o.id = e.org_id
   where e.kind in ('upload_received', 'rows_rejected', 'merged', 'verified', 'fed', 'replied', 'booked')
   group by e.org_id, (e.occurred_at at time zone o.timezone)::date, e.kind;
grant select on app_public.pipeline_funnel to authenticated;

------------------------------------------------------------------------------------------
-- Feeder, refresh and consent bookkeeping (exactly-once keys).

create table app_private.lead_feed_runs (
  org_id uuid not null references app_public.organizations on delete cascade,
  local_date date not null,
  started_at timestamptz not null default now(),
  fed int not null default 0,
  primary key (org_id, local_date)
);

create table app_private.contactable_refresh_runs (
  org_id uuid not null references app_public.organizations on delete cascade,
  local_date date not null,
  refreshed_at timestamptz not null default now(),
  primary key (org_id, local_date)
);

create table app_private.consent_nonces (
  nonce uuid primary key default gen_random_uuid(),
  org_id uuid not null references app_public.organizations on delete cascade,
  lead_id uuid not null references app_public.leads (id) on delete cascade,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  used_at timestamptz
);
create index consent_nonces_lead_id_idx on app_private.consent_nonces (lead_id);

------------------------------------------------------------------------------------------
-- Contactable leads: verified, consented, not suppressed, not do-not-contact. A
-- materialized view (refreshed concurrently under an advisory lock) read through a
-- security-invoker view, so RLS on leads still decides what each caller sees.

create materialized view app_private.contactable_leads_mv as
  select l.org_id, l.id as lead_id, l.lead_score, l.campaign_status
    from app_public.leads l
   where (l.email_verified or l.phone_verified)
     and l.consent_given
     and l.campaign_status <> 'do_not_contact'
     and not exists (select 1 from app_public.suppressions s where s.org_id = l.org_id and s.email = l.email);
create unique index contactable_leads_mv_lead_id_key on app_private.contactable_leads_mv (lead_id);
create index contactable_leads_mv_org_id_queued_score_idx on app_private.contactable_leads_mv (org_id, lead_score desc, lead_id)
  where campaign_status = 'queued';
create index contactable_leads_mv_org_id_idx on app_private.contactable_leads_mv (org_id);

--!include leads/uploads.sql
--!include leads/merge.sql
--!include leads/verification.sql
--!include leads/contactable.sql
--!include leads/feeder.sql
--!include leads/consent.sql

create view app_public.contactable_leads with (security_invoker = true) as
  select l.*
    from app_public.leads l
   where l.id in (select app_private.contactable_lead_ids());
grant select on app_public.contactable_leads to authenticated;

create trigger tg_leads__campaign_status_insert before insert on app_public.leads
  for each row when (new.campaign_status <> 'new')
  execute function app_private.tg_leads__campaign_status();
create trigger tg_leads__campaign_status_update before update of campaign_status on app_public.leads
  for each row when (old.campaign_status is distinct from new.campaign_status)
  execute function app_private.tg_leads__campaign_status();
create trigger tg_verification_code_map__rederive after insert or update or delete on app_public.verification_code_map
  for each row execute function app_private.tg_verification_code_map__rederive();
create trigger tg_verification_code_map__audit after insert or update or delete on app_public.verification_code_map
  for each row execute function app_private.tg__audit();

------------------------------------------------------------------------------------------
-- Row-level security

alter table app_public.lead_import_batches enable row level security;
alter table app_public.lead_import_batches force row level security;
alter table app_public.lead_import_rejects enable row level security;
alter table app_public.lead_import_rejects force row level security;
alter table app_public.leads enable row level security;
alter table app_public.leads force row level security;
alter table app_public.verification_code_map enable row level security;
alter table app_public.verification_code_map force row level security;

-- Imports and their rejected rows (raw personal data of every lead in a file) are for owners
-- and admins; members only ever see the leads assigned to them.
create policy admins_select on app_public.lead_import_batches for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_select on app_public.lead_import_rejects for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

-- Members (brokers) see and work only the leads assigned to them; owners and admins see all.
create policy select_assigned_or_admin on app_public.leads for select to authenticated
  using (org_id = (select app_public.current_org_id())
         and ((select app_public.current_user_is_admin()) or assigned_to = (select app_public.current_user_id())));
create policy update_assigned_or_admin on app_public.leads for update to authenticated
  using (org_id = (select app_public.current_org_id())
         and ((select app_public.current_user_is_admin()) or assigned_to = (select app_public.current_user_id())))
  with check (org_id = (select app_public.current_org_id())
              and ((select app_public.current_user_is_admin()) or assigned_to = (select app_public.current_user_id())));

create policy select_own_org on app_public.verification_code_map for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.verification_code_map for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.verification_code_map for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
create policy admins_delete on app_public.verification_code_map for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

grant select on app_public.lead_import_batches to authenticated;
grant select on app_public.lead_import_rejects to authenticated;
grant select on app_public.leads to authenticated;
grant update (assigned_to, campaign_status) on app_public.leads to authenticated;
grant select on app_public.verification_code_map to authenticated;
grant insert (org_id, provider, code, verdict) on app_public.verification_code_map to authenticated;
grant update (verdict) on app_public.verification_code_map to authenticated;
grant delete on app_public.verification_code_map to authenticated;

------------------------------------------------------------------------------------------
-- Who may call what

grant execute on function
  app_private.begin_lead_upload(uuid, uuid, text, text),
  app_private.finish_lead_upload(uuid, int, bigint)
  to switchboard_gateway;
grant execute on function
  app_private.unsubscribe_page(uuid, citext),
  app_private.unsubscribe(uuid, citext, text),
  app_private.consent_page(uuid, uuid, uuid),
  app_private.record_consent(uuid, uuid, uuid)
  to switchboard_gateway;
grant execute on function
  app_private.merge_lead_batch(uuid),
  app_private.mark_lead_batch_failed(uuid, text),
  app_private.refresh_contactable_leads(),
  app_private.leads_cron_tick(timestamptz),
  app_private.feed_leads(uuid, timestamptz)
  to switchboard_worker;
grant execute on function app_private.contactable_lead_ids() to authenticated;
grant execute on function app_public.assign_leads(uuid[], uuid) to authenticated;
grant execute on function app_private.issue_consent_nonce(uuid, interval) to switchboard_gateway, switchboard_worker;
-- The generated email_hash column is computed with the writer's privileges.
grant execute on function app_private.hash_email(text) to authenticated;
