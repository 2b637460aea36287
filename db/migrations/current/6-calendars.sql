-- Calendars (issue 21): a read-only iCalendar feed per resource or org, busy times from the
-- team's own calendars (iCalendar URLs and CalDAV) that bookings respect in SQL, and CalDAV
-- write-back of bookings. Re-runnable: every statement is idempotent.

------------------------------------------------------------------------------------------
-- Appointments carry an iCalendar SEQUENCE, raised on each reschedule and on cancel.
alter table app_public.appointments add column if not exists sequence int not null default 0;

------------------------------------------------------------------------------------------
-- Feeds. A feed's token is an HMAC of its id under a key that lives only in the database
-- (app_private.calendar_feed_key), so PostgREST's RPC can issue it and the gateway's
-- lookup can verify it; revoking sets revoked_at and the token answers 404 at once.
create table if not exists app_private.calendar_feed_key (
  id boolean primary key default true check (id),
  key bytea not null
);
insert into app_private.calendar_feed_key (key) values (gen_random_bytes(32)) on conflict (id) do nothing;

create table if not exists app_public.calendar_feeds (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid(),
  -- Null: every resource of the org.
  resource_id uuid,
  name text check (length(name) between 1 and 200),
  with_names boolean not null default false,
  created_by uuid,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  last_fetched_at timestamptz,
  primary key (org_id, id),
  foreign key (org_id, resource_id) references app_public.resources (org_id, id) on delete cascade
);

------------------------------------------------------------------------------------------
-- Busy sources. What a member may read lives in app_public.calendar_sources; the URL
-- (a Google "secret address" is itself a credential) and the CalDAV app password are
-- pgcrypto-encrypted in app_private.calendar_source_secrets under ENCRYPTION_KEY.
create table if not exists app_public.calendar_sources (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid(),
  resource_id uuid not null,
  kind text not null check (kind in ('ics', 'caldav')),
  name text not null check (length(name) between 1 and 200),
  -- scheme://host/… only: never the path, query or user info.
  url_display text not null,
  -- CalDAV only: PUT bookings into this calendar and delete them on cancel.
  write boolean not null default false check (not write or kind = 'caldav'),
  enabled boolean not null default true,
  sync_interval interval not null default '5 minutes' check (sync_interval between '1 minute' and '1 day'),
  etag text,
  ctag text,
  content_hash text,
  last_attempt_at timestamptz,
  last_synced_at timestamptz,
  last_changed_at timestamptz,
  busy_blocks int not null default 0,
  last_error text,
  last_error_at timestamptz,
  consecutive_failures int not null default 0,
  -- An alert is raised after this many failed syncs in a row.
  alert_after int not null default 3 check (alert_after between 1 and 1000),
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, resource_id) references app_public.resources (org_id, id) on delete cascade
);
create index if not exists calendar_feeds_id_idx on app_public.calendar_feeds (id);
create index if not exists calendar_sources_id_idx on app_public.calendar_sources (id);
create index if not exists calendar_sources_resource_idx on app_public.calendar_sources (org_id, resource_id);

create table if not exists app_private.calendar_source_secrets (
  org_id uuid not null,
  source_id uuid not null,
  url_encrypted bytea not null,
  username text,
  password_encrypted bytea,
  updated_at timestamptz not null default now(),
  primary key (org_id, source_id),
  foreign key (org_id, source_id) references app_public.calendar_sources (org_id, id) on delete cascade
);

-- Busy blocks from the sources: replaced as a whole per source by each changed sync.
create table if not exists app_public.external_busy (
  org_id uuid not null,
  -- Time-ordered ids that tell nothing of other orgs (app_private.opaque_id, 4-security.sql).
  id bigint not null default app_private.opaque_id(),
  resource_id uuid not null,
  source_id uuid not null,
  busy tstzrange not null check (not isempty(busy)),
  uid text not null,
  all_day boolean not null default false,
  synced_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, source_id) references app_public.calendar_sources (org_id, id) on delete cascade,
  foreign key (org_id, resource_id) references app_public.resources (org_id, id) on delete cascade
);
create index if not exists external_busy_resource_busy_idx on app_public.external_busy using gist (org_id, resource_id, busy);
create index if not exists external_busy_source_idx on app_public.external_busy (org_id, source_id);

-- What write-back put into a CalDAV calendar: one object per (source, appointment).
create table if not exists app_private.calendar_writes (
  org_id uuid not null,
  source_id uuid not null,
  appointment_id uuid not null,
  href text not null,
  etag text,
  sequence int not null,
  written_at timestamptz not null default now(),
  primary key (org_id, source_id, appointment_id),
  foreign key (org_id, source_id) references app_public.calendar_sources (org_id, id) on delete cascade
);

------------------------------------------------------------------------------------------
-- Row-level security: members read their org's feeds metadata, sources (no secrets) and
-- busy blocks; only admins change anything, and only through the RPCs.
alter table app_public.calendar_feeds enable row level security;
alter table app_public.calendar_feeds force row level security;
alter table app_public.calendar_sources enable row level security;
alter table app_public.calendar_sources force row level security;
alter table app_public.external_busy enable row level security;
alter table app_public.external_busy force row level security;

drop policy if exists admins_select_own_org on app_public.calendar_feeds;
create policy admins_select_own_org on app_public.calendar_feeds for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
drop policy if exists select_own_org on app_public.calendar_sources;
create policy select_own_org on app_public.calendar_sources for select to authenticated
  using (org_id = (select app_public.current_org_id()));
drop policy if exists select_own_org on app_public.external_busy;
create policy select_own_org on app_public.external_busy for select to authenticated
  using (org_id = (select app_public.current_org_id()));

revoke all on app_public.calendar_feeds, app_public.calendar_sources, app_public.external_busy from authenticated, anon;
grant select on app_public.calendar_feeds, app_public.calendar_sources, app_public.external_busy to authenticated;
revoke all on app_private.calendar_feed_key, app_private.calendar_source_secrets, app_private.calendar_writes
  from authenticated, anon, switchboard_gateway, switchboard_worker;

--!include calendars/sources.sql
--!include calendars/feeds.sql
--!include calendars/writeback.sql
--!include calls/appointments.sql
-- system_health and the alert rules gain calendar columns; they are rebuilt once, in
-- 7-reachout.sql, when every table they read exists.

drop trigger if exists tg_appointments__sequence on app_public.appointments;
create trigger tg_appointments__sequence before update of starts_at, ends_at, status on app_public.appointments
  for each row execute function app_private.tg_appointments__sequence();
drop trigger if exists tg_appointments__calendar_push on app_public.appointments;
create trigger tg_appointments__calendar_push after insert or update of starts_at, ends_at, status on app_public.appointments
  for each row execute function app_private.tg_appointments__calendar_push();

grant execute on function
  app_public.create_calendar_feed(uuid, boolean, text),
  app_public.revoke_calendar_feed(uuid),
  app_public.sync_calendar_source(uuid),
  app_public.delete_calendar_source(uuid),
  app_public.set_calendar_source(uuid, boolean, interval, boolean)
  to authenticated;
grant execute on function app_private.calendar_feed_events(text) to switchboard_gateway;
grant execute on function
  app_private.calendar_source_for_sync(uuid, uuid, text),
  app_private.calendar_sync_unchanged(uuid, uuid, text, text),
  app_private.calendar_sync_apply(uuid, uuid, jsonb, text, text, text),
  app_private.calendar_sync_failed(uuid, uuid, text),
  app_private.due_calendar_sources(int),
  app_private.calendar_write_state(uuid, uuid, uuid, text),
  app_private.calendar_write_done(uuid, uuid, uuid, text, text, int),
  app_private.calendar_write_forget(uuid, uuid, uuid)
  to switchboard_worker;
