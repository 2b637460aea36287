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
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  resource_id uuid not null,
  contact_id uuid,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  -- The slot widened by the resource's buffers; set by tg_appointments__blocked_range.
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
  foreign key (org_id, resource_id) references app_public.resources (org_id, id),
  foreign key (org_id, contact_id) references app_public.contacts (org_id, id) on delete set null (contact_id),
  check (ends_at > starts_at),
  constraint appointments_no_overlap exclude using gist
    (org_id with =, resource_id with =, blocked with &&) where (status <> 'cancelled')
);
create unique index appointments_idempotency_key_idx on app_public.appointments (org_id, idempotency_key)
  where idempotency_key is not null;
create index appointments_org_id_starts_at_idx on app_public.appointments (org_id, starts_at);
create index appointments_contact_id_idx on app_public.appointments (contact_id) where contact_id is not null;
create index appointments_resource_id_idx on app_public.appointments (resource_id);

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
