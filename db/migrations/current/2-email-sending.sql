-- Email sending (issue 9): sending accounts with encrypted SMTP passwords, sequences, the
-- email queue with exact per-account daily caps, tracking, and reply/bounce handling.
-- Re-runnable: npm start re-applies current/ on every start.

------------------------------------------------------------------------------------------
-- Sending accounts

create table if not exists app_public.sending_accounts (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  name text not null check (length(name) between 1 and 200),
  from_email citext not null check (from_email ~ '^[^@\s]+@[^@\s]+$'),
  from_name text check (from_name is null or (length(from_name) <= 200 and from_name !~ '[\r\n]')),
  smtp_host text not null check (length(smtp_host) between 1 and 255),
  smtp_port int not null default 587 check (smtp_port between 1 and 65535),
  -- true: TLS from the first byte (port 465); false: STARTTLS when the server offers it.
  smtp_secure boolean not null default false,
  smtp_user text not null check (length(smtp_user) between 1 and 320),
  daily_cap int not null default 50 check (daily_cap between 1 and 10000),
  -- ISO weekdays (1 = Monday) and wall-clock hours in the org's time zone, end exclusive.
  window_days smallint[] not null default '{1,2,3,4,5}' check (window_days <@ '{1,2,3,4,5,6,7}' and cardinality(window_days) > 0),
  window_start time not null default '08:00',
  window_end time not null default '18:00',
  min_gap_seconds int not null default 90 check (min_gap_seconds between 0 and 86400),
  jitter_seconds int not null default 60 check (jitter_seconds between 0 and 86400),
  enabled boolean not null default true,
  disabled_reason text,
  last_sent_at timestamptz,
  next_send_at timestamptz not null default '-infinity',
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  check (window_end > window_start)
);

create table if not exists app_private.sending_account_secrets (
  org_id uuid not null,
  account_id uuid not null unique references app_public.sending_accounts (id) on delete cascade,
  password_encrypted bytea not null,
  updated_at timestamptz not null default now(),
  primary key (org_id, account_id)
);

-- The daily cap's counter: one row per account and local day, incremented atomically.
create table if not exists app_private.sending_account_usage (
  org_id uuid not null,
  account_id uuid not null references app_public.sending_accounts (id) on delete cascade,
  local_day date not null,
  sent int not null default 0 check (sent >= 0),
  primary key (account_id, local_day)
);

------------------------------------------------------------------------------------------
-- Sequences, enrollments and the email queue

alter table app_public.campaigns add column if not exists stop_on_reply boolean not null default true;
alter table app_public.campaigns add column if not exists track_opens boolean not null default false;
alter table app_public.campaigns add column if not exists track_clicks boolean not null default false;
grant insert (stop_on_reply, track_opens, track_clicks), update (stop_on_reply, track_opens, track_clicks)
  on app_public.campaigns to authenticated;

create table if not exists app_public.sequence_steps (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  campaign_id uuid not null,
  position int not null check (position between 1 and 100),
  -- null on a follow-up: "Re: <the first subject>", in the same thread.
  subject_template text check (length(subject_template) <= 998),
  html_template text not null check (length(html_template) between 1 and 100000),
  -- null: the text part is derived from the HTML.
  text_template text check (length(text_template) <= 100000),
  delay_days int not null default 0 check (delay_days between 0 and 365),
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, campaign_id) references app_public.campaigns (org_id, id) on delete cascade,
  unique (campaign_id, position)
);

create table if not exists app_public.sequence_enrollments (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  campaign_id uuid not null,
  contact_id uuid not null references app_public.contacts (id) on delete cascade,
  lead_id uuid references app_public.leads (id) on delete set null,
  status text not null default 'active' check (status in ('active', 'completed', 'stopped')),
  stop_reason text,
  current_step int,
  -- The thread: the sending account, the first Message-ID and subject, all Message-IDs.
  account_id uuid references app_public.sending_accounts (id) on delete set null,
  thread_message_id text,
  thread_subject text,
  refs text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, campaign_id) references app_public.campaigns (org_id, id) on delete cascade,
  unique (org_id, campaign_id, contact_id)
);
create index if not exists sequence_enrollments_contact_idx on app_public.sequence_enrollments (contact_id);

create table if not exists app_public.emails (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  enrollment_id uuid not null references app_public.sequence_enrollments (id) on delete cascade,
  campaign_id uuid not null references app_public.campaigns (id) on delete cascade,
  contact_id uuid references app_public.contacts (id) on delete set null,
  step_id uuid references app_public.sequence_steps (id) on delete set null,
  step_position int not null,
  to_email citext not null,
  status text not null default 'queued' check (status in ('queued', 'sending', 'sent', 'failed', 'skipped')),
  scheduled_at timestamptz not null default now(),
  account_id uuid references app_public.sending_accounts (id) on delete set null,
  -- The local day whose cap slot this send holds.
  cap_day date,
  attempts int not null default 0,
  last_error text,
  message_id text,
  in_reply_to text,
  refs text,
  subject text,
  claimed_at timestamptz,
  sent_at timestamptz,
  open_count int not null default 0,
  click_count int not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index if not exists emails_due_idx on app_public.emails (scheduled_at, id) where status = 'queued';
create index if not exists emails_sending_idx on app_public.emails (claimed_at) where status = 'sending';
create unique index if not exists emails_message_id_key on app_public.emails (org_id, message_id) where message_id is not null;
create index if not exists emails_enrollment_idx on app_public.emails (enrollment_id);
create index if not exists emails_org_status_idx on app_public.emails (org_id, status, scheduled_at);

--!include outreach/sending_accounts.sql
--!include outreach/sequences.sql
--!include outreach/emails.sql
--!include outreach/tracking.sql
--!include outreach/events.sql

do $$
begin
  if not exists (select 1 from pg_trigger where tgname = 'tg_sending_accounts__audit') then
    create trigger tg_sending_accounts__audit after insert or update or delete on app_public.sending_accounts
      for each row execute function app_private.tg__audit();
  end if;
  if not exists (select 1 from pg_trigger where tgname = 'tg_sequence_steps__audit') then
    create trigger tg_sequence_steps__audit after insert or update or delete on app_public.sequence_steps
      for each row execute function app_private.tg__audit();
  end if;
end
$$;

------------------------------------------------------------------------------------------
-- Row-level security: own org; admins manage accounts and steps.

alter table app_public.sending_accounts enable row level security;
alter table app_public.sending_accounts force row level security;
alter table app_public.sequence_steps enable row level security;
alter table app_public.sequence_steps force row level security;
alter table app_public.sequence_enrollments enable row level security;
alter table app_public.sequence_enrollments force row level security;
alter table app_public.emails enable row level security;
alter table app_public.emails force row level security;

drop policy if exists admins_select on app_public.sending_accounts;
create policy admins_select on app_public.sending_accounts for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
drop policy if exists admins_update on app_public.sending_accounts;
create policy admins_update on app_public.sending_accounts for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
drop policy if exists admins_delete on app_public.sending_accounts;
create policy admins_delete on app_public.sending_accounts for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

drop policy if exists select_own_org on app_public.sequence_steps;
create policy select_own_org on app_public.sequence_steps for select to authenticated
  using (org_id = (select app_public.current_org_id()));
drop policy if exists admins_insert on app_public.sequence_steps;
create policy admins_insert on app_public.sequence_steps for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
drop policy if exists admins_update on app_public.sequence_steps;
create policy admins_update on app_public.sequence_steps for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
drop policy if exists admins_delete on app_public.sequence_steps;
create policy admins_delete on app_public.sequence_steps for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

drop policy if exists select_own_org on app_public.sequence_enrollments;
create policy select_own_org on app_public.sequence_enrollments for select to authenticated
  using (org_id = (select app_public.current_org_id()));
drop policy if exists admins_update on app_public.sequence_enrollments;
create policy admins_update on app_public.sequence_enrollments for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));

drop policy if exists select_own_org on app_public.emails;
create policy select_own_org on app_public.emails for select to authenticated
  using (org_id = (select app_public.current_org_id()));

grant select on app_public.sending_accounts to authenticated;
grant update (name, from_name, smtp_host, smtp_port, smtp_secure, smtp_user, daily_cap, window_days, window_start,
              window_end, min_gap_seconds, jitter_seconds, enabled) on app_public.sending_accounts to authenticated;
grant delete on app_public.sending_accounts to authenticated;
grant select, delete on app_public.sequence_steps to authenticated;
grant insert (org_id, campaign_id, position, subject_template, html_template, text_template, delay_days),
      update (position, subject_template, html_template, text_template, delay_days) on app_public.sequence_steps to authenticated;
grant select on app_public.sequence_enrollments to authenticated;
-- Admins stop (or resume) an enrollment by hand.
grant update (status, stop_reason) on app_public.sequence_enrollments to authenticated;
grant select on app_public.emails to authenticated;

grant execute on function app_public.enroll_contacts(uuid, uuid[]) to authenticated;
grant execute on function app_public.enroll_leads(uuid, uuid[]) to authenticated;
grant execute on function app_public.batch_update_email_status(uuid[], text) to authenticated;
grant execute on function app_private.claim_emails(int, text, uuid) to switchboard_worker;
grant execute on function app_private.finish_email(uuid, text, text, text) to switchboard_worker;
grant execute on function app_private.requeue_stale_sending(interval) to switchboard_worker;
grant execute on function app_private.emails_due(uuid) to switchboard_worker;
grant execute on function app_private.record_tracking_hit(uuid, uuid, text) to switchboard_gateway;
