-- Appointments: conflict-free bookings. The invariant is the exclusion constraint
-- appointments_no_overlap; these functions only add validation, idempotency, stable
-- errors and pipeline events around it.
--
-- Errors (PostgREST maps PTxyz to HTTP xyz; `hint` carries the stable code):
--   PT409 slot_taken            details: {"resource_id","starts_at","ends_at"} of the conflicting booking,
--                               or of the calendar busy block with "source":"calendar" 
--   PT404 appointment_not_found | resource_not_found | contact_not_found
--   22023 invalid_time_range | in_the_past | outside_business_hours | appointment_cancelled
--   42501 not_authenticated

-- The blocked range is the slot widened by the resource's buffers. The booking functions
-- compute it themselves (one look-up fewer on the hot path); any other insert, and every
-- change of the slot or resource, gets it from the resource here. The check constraint
-- appointments_blocked_covers_slot keeps a supplied range from ever being narrower than
-- the slot, so the exclusion constraint always protects the slots themselves.
create or replace function app_private.tg_appointments__blocked_range() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
declare
  before_buf interval;
  after_buf interval;
begin
  if tg_op = 'INSERT' and new.blocked is not null then
    return new;
  end if;
  if tg_op = 'UPDATE' then
    new.updated_at := now();
    if new.starts_at = old.starts_at and new.ends_at = old.ends_at and new.resource_id = old.resource_id
       and new.blocked is not distinct from old.blocked then
      return new;
    end if;
  end if;
  select r.buffer_before, r.buffer_after into before_buf, after_buf
    from app_public.resources r
   where r.org_id = new.org_id and r.id = new.resource_id;
  new.blocked := tstzrange(new.starts_at - coalesce(before_buf, '0'::interval),
                           new.ends_at + coalesce(after_buf, '0'::interval), '[)');
  return new;
end
$$;

-- The org's default resource (created on first use) when no resource is named.
create or replace function app_private.resolve_resource(org_id uuid, resource_id uuid) returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  rid uuid;
begin
  if resource_id is not null then
    select r.id into rid from app_public.resources r
     where r.org_id = resolve_resource.org_id and r.id = resolve_resource.resource_id and r.active;
    if rid is null then
      raise exception 'resource not found' using errcode = 'PT404', hint = 'resource_not_found';
    end if;
    return rid;
  end if;
  select r.id into rid from app_public.resources r
   where r.org_id = resolve_resource.org_id and r.is_default;
  if rid is null then
    insert into app_public.resources (org_id, name, is_default)
    values (resolve_resource.org_id, 'Default', true)
    on conflict (org_id) where is_default do nothing
    returning id into rid;
    if rid is null then
      select r.id into rid from app_public.resources r
       where r.org_id = resolve_resource.org_id and r.is_default;
    else
      -- A new default resource opens Monday to Friday, 09:00-17:00 in the org's time zone.
      insert into app_public.resource_hours (org_id, resource_id, weekday, opens_at, closes_at)
      select resolve_resource.org_id, rid, d, '09:00', '17:00' from generate_series(1, 5) d;
    end if;
  end if;
  return rid;
end
$$;

-- True when [starts_at, ends_at) lies inside one business-hours window of the resource,
-- read in the org's time zone. A resource without hours is open around the clock.
create or replace function app_private.within_business_hours(
  org_id uuid, resource_id uuid, starts_at timestamptz, ends_at timestamptz) returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  with tz as (
    select o.timezone from app_public.organizations o where o.id = within_business_hours.org_id
  ), local as (
    select (starts_at at time zone tz.timezone) as s, (ends_at at time zone tz.timezone) as e from tz
  )
  select not exists (select 1 from app_public.resource_hours h
                      where h.org_id = within_business_hours.org_id
                        and h.resource_id = within_business_hours.resource_id)
      or exists (
        select 1 from local, app_public.resource_hours h
         where h.org_id = within_business_hours.org_id
           and h.resource_id = within_business_hours.resource_id
           and h.weekday = extract(isodow from local.s)
           and local.s - date_trunc('day', local.s) >= h.opens_at - time '00:00'
           and local.e - date_trunc('day', local.s) <= h.closes_at - time '00:00')
$$;

create or replace function app_private.raise_slot_taken(
  org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid default null) returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  taken record;
begin
  select a.starts_at, a.ends_at into taken
    from app_public.appointments a
   where a.org_id = raise_slot_taken.org_id and a.resource_id = raise_slot_taken.resource_id
     and a.status <> 'cancelled' and a.blocked && raise_slot_taken.blocked
     and a.id is distinct from except_id
   order by a.starts_at limit 1;
  raise exception 'the requested slot is already booked'
    using errcode = 'PT409', hint = 'slot_taken',
          detail = json_build_object('resource_id', resource_id,
                                     'starts_at', taken.starts_at, 'ends_at', taken.ends_at)::text;
end
$$;

-- Bookings whose blocked ranges could overlap are serialized on per-hour advisory locks
-- of their resource (taken in ascending order, so they cannot deadlock). Without this,
-- concurrent inserters of one slot wait on each other's exclusion checks and deadlock;
-- with it, a loser sees the winner committed and fails at once. Bookings of other hours
-- or resources do not wait. The constraint stays the invariant for every write path.
create or replace function app_private.lock_booking_range(resource_id uuid, blocked tstzrange) returns void
  language plpgsql volatile
  set search_path = pg_catalog, public
as $$
declare
  h bigint;
begin
  for h in select generate_series(floor(extract(epoch from lower(blocked)) / 3600)::bigint,
                                  floor((extract(epoch from upper(blocked)) - 0.000001) / 3600)::bigint)
  loop
    perform pg_catalog.pg_advisory_xact_lock(hashtext(resource_id::text), h::int);
  end loop;
end
$$;

-- A conflicting live booking (other than except_id) raises PT409 with the taken slot.
create or replace function app_private.assert_slot_free(
  org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid default null) returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  if exists (select 1 from app_public.appointments a
              where a.org_id = assert_slot_free.org_id and a.resource_id = assert_slot_free.resource_id
                and a.status <> 'cancelled' and a.blocked && assert_slot_free.blocked
                and a.id is distinct from except_id) then
    perform app_private.raise_slot_taken(org_id, resource_id, blocked, except_id);
  end if;
end
$$;

-- A busy block from one of the resource's calendars (app_public.external_busy) overlapping
-- the range raises the same PT409 slot_taken, with details.source = "calendar" and the
-- block's bounds. Callers hold FOR KEY SHARE on the resource row (see
-- app_private.calendar_sync_apply), so a concurrent sync cannot slip a block in between
-- this check and the booking's commit.
create or replace function app_private.assert_not_busy(org_id uuid, resource_id uuid, blocked tstzrange) returns void
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
declare
  b tstzrange;
begin
  select x.busy into b from app_public.external_busy x
   where x.org_id = assert_not_busy.org_id and x.resource_id = assert_not_busy.resource_id
     and x.busy && assert_not_busy.blocked
   order by lower(x.busy) limit 1;
  if b is not null then
    raise exception 'the requested slot is busy in the resource''s calendar'
      using errcode = 'PT409', hint = 'slot_taken',
            detail = json_build_object('resource_id', resource_id, 'starts_at', lower(b), 'ends_at', upper(b),
                                       'source', 'calendar')::text;
  end if;
end
$$;

create or replace function app_private.validate_slot(
  org_id uuid, resource_id uuid, starts_at timestamptz, ends_at timestamptz) returns void
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
begin
  if starts_at is null or ends_at is null or ends_at <= starts_at
     or ends_at - starts_at > interval '24 hours' then
    raise exception 'ends_at must be after starts_at (at most 24 hours)'
      using errcode = '22023', hint = 'invalid_time_range';
  end if;
  if starts_at < now() then
    raise exception 'the slot is in the past' using errcode = '22023', hint = 'in_the_past';
  end if;
  if not app_private.within_business_hours(org_id, resource_id, starts_at, ends_at) then
    raise exception 'the slot is outside the resource''s business hours'
      using errcode = '22023', hint = 'outside_business_hours';
  end if;
end
$$;

-- The one booking function: REST (app_public.book_appointment) and the voice agent's
-- tool calls both end here. A retried request with the same idempotency key returns
-- the appointment the first one created.
--
-- It is the hot path, so it is written out in one function (measured: every nested
-- SECURITY DEFINER call with its own search_path costs a GUC save/restore and a fresh
-- namespace look-up): the resource, its buffers, the org's time zone and whether it has
-- business hours in ONE look-up; the per-hour locks in one statement; the overlap and
-- calendar checks inline. The same checks as validate_slot, lock_booking_range,
-- assert_slot_free and assert_not_busy (which reschedule_appointment still uses), with the
-- same errors.
create or replace function app_private.book_appointment(
  org_id uuid, starts_at timestamptz, ends_at timestamptz, contact_id uuid,
  resource_id uuid default null, idempotency_key text default null,
  source text default 'api', actor_id uuid default null, call_id uuid default null)
  returns app_public.appointments
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  appt app_public.appointments;
  res record;
  rid uuid;
  want tstzrange;
  chk record;
  taken record;
  local_start timestamp;
  local_end timestamp;
  lock_key int;
  hour bigint;
  ignored text;
begin
  if idempotency_key is not null then
    select * into appt from app_public.appointments a
     where a.org_id = book_appointment.org_id and a.idempotency_key = book_appointment.idempotency_key;
    if found then
      return appt;
    end if;
  end if;
  if starts_at is null or ends_at is null or ends_at <= starts_at
     or ends_at - starts_at > interval '24 hours' then
    raise exception 'ends_at must be after starts_at (at most 24 hours)'
      using errcode = '22023', hint = 'invalid_time_range';
  end if;
  if starts_at < now() then
    raise exception 'the slot is in the past' using errcode = '22023', hint = 'in_the_past';
  end if;
  rid := coalesce(resource_id, app_private.resolve_resource(org_id, null));
  -- The resource, its buffers and whether it has business hours, in one look-up; the org's
  -- time zone only when it has hours (the organization row is the one every pipeline
  -- event's foreign-key check locks, so it is not read when nothing needs it).
  select r.id, r.buffer_before, r.buffer_after, hh.has_hours,
         case when hh.has_hours then
           (select o.timezone from app_public.organizations o where o.id = r.org_id) end as timezone
    into res
    from app_public.resources r
   cross join lateral (
     select exists (select 1 from app_public.resource_hours h
                     where h.org_id = r.org_id and h.resource_id = r.id) as has_hours) hh
   where r.org_id = book_appointment.org_id and r.active
     and r.id = rid
   -- Held to commit: a calendar sync of this resource (FOR UPDATE) waits for this booking,
   -- or this booking waits for the sync and then sees its busy blocks.
   for key share of r;
  if res.id is null then
    raise exception 'resource not found' using errcode = 'PT404', hint = 'resource_not_found';
  end if;
  if contact_id is not null then
    -- (Nested, so a booking without a contact runs no statement for it.)
    if not exists (
         select 1 from app_public.contacts c where c.org_id = book_appointment.org_id and c.id = book_appointment.contact_id) then
      raise exception 'contact not found' using errcode = 'PT404', hint = 'contact_not_found';
    end if;
  end if;
  -- Business hours (as app_private.within_business_hours): inside one window of the
  -- weekday, read in the org's time zone.
  if res.has_hours then
    local_start := book_appointment.starts_at at time zone res.timezone;
    local_end := book_appointment.ends_at at time zone res.timezone;
    if not exists (
         select 1 from app_public.resource_hours h
          where h.org_id = book_appointment.org_id and h.resource_id = res.id
            and h.weekday = extract(isodow from local_start)
            and local_start - date_trunc('day', local_start) >= h.opens_at - time '00:00'
            and local_end - date_trunc('day', local_start) <= h.closes_at - time '00:00') then
      raise exception 'the slot is outside the resource''s business hours'
        using errcode = '22023', hint = 'outside_business_hours';
    end if;
  end if;
  want := tstzrange(book_appointment.starts_at - res.buffer_before, book_appointment.ends_at + res.buffer_after, '[)');
  -- The per-hour advisory locks of app_private.lock_booking_range, ascending. A loop of
  -- plain expressions: PL/pgSQL evaluates them without the executor, where the one
  -- statement over generate_series was planned again on every call (a custom plan each time).
  lock_key := hashtext(res.id::text);
  for hour in floor(extract(epoch from lower(want)) / 3600)::bigint
           .. floor((extract(epoch from upper(want)) - 0.000001) / 3600)::bigint loop
    ignored := pg_catalog.pg_advisory_xact_lock(lock_key, hour::int)::text;
  end loop;
  if idempotency_key is not null then
    -- A concurrent retry may have committed while this one waited for the lock.
    select * into appt from app_public.appointments a
     where a.org_id = book_appointment.org_id and a.idempotency_key = book_appointment.idempotency_key;
    if found then
      return appt;
    end if;
  end if;
  -- Under the lock no other booking through here can be inserting an overlapping range,
  -- so this check is exact and a loser fails before writing anything. (A raw INSERT that
  -- bypasses this function still meets the exclusion constraint: 23P01.)
  -- The overlap (an EXISTS probe of the exclusion constraint's GiST index) and the
  -- calendar's busy blocks in ONE statement; the taken slot's details are read only for a
  -- loser (a generic plan of the ORDER BY … LIMIT 1 form walks the org's whole starts_at
  -- index instead).
  select exists (select 1 from app_public.appointments a
                  where a.org_id = book_appointment.org_id and a.resource_id = res.id
                    and a.status <> 'cancelled' and a.blocked && want) as taken,
         (select x.busy from app_public.external_busy x
           where x.org_id = book_appointment.org_id and x.resource_id = res.id and x.busy && want
           order by lower(x.busy) limit 1) as busy
    into chk;
  if chk.taken then
    select a.starts_at, a.ends_at into taken
      from app_public.appointments a
     where a.org_id = book_appointment.org_id and a.resource_id = res.id
       and a.status <> 'cancelled' and a.blocked && want
     order by a.starts_at limit 1;
    raise exception 'the requested slot is already booked'
      using errcode = 'PT409', hint = 'slot_taken',
            detail = json_build_object('resource_id', res.id,
                                       'starts_at', taken.starts_at, 'ends_at', taken.ends_at)::text;
  end if;
  if chk.busy is not null then
    raise exception 'the requested slot is busy in the resource''s calendar'
      using errcode = 'PT409', hint = 'slot_taken',
            detail = json_build_object('resource_id', res.id, 'starts_at', lower(chk.busy), 'ends_at', upper(chk.busy),
                                       'source', 'calendar')::text;
  end if;
  -- The appointment and its pipeline event in ONE statement (one plan, one executor
  -- start-up; the triggers and foreign-key checks of both fire at its end, as before).
  if idempotency_key is null then
    -- Without a key there is nothing to conflict on: a plain insert (ON CONFLICT makes it a
    -- speculative insertion, one more WAL record and a pre-check per booking).
    with ins as (
      insert into app_public.appointments
        (org_id, resource_id, contact_id, starts_at, ends_at, blocked, source, call_id, created_by)
      values (book_appointment.org_id, res.id, book_appointment.contact_id, book_appointment.starts_at,
              book_appointment.ends_at, want, book_appointment.source, book_appointment.call_id, actor_id)
      returning *
    ), ev as (
      insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
      select i.org_id, 'appointment_booked', i.contact_id, i.id, actor_id,
             jsonb_build_object('resource_id', i.resource_id, 'starts_at', i.starts_at,
                                'ends_at', i.ends_at, 'source', i.source)
        from ins i
    )
    select * into appt from ins;
  else
    with ins as (
      insert into app_public.appointments
        (org_id, resource_id, contact_id, starts_at, ends_at, blocked, idempotency_key, source, call_id, created_by)
      values (book_appointment.org_id, res.id, book_appointment.contact_id, book_appointment.starts_at,
              book_appointment.ends_at, want, book_appointment.idempotency_key, book_appointment.source,
              book_appointment.call_id, actor_id)
      on conflict (org_id, idempotency_key) where idempotency_key is not null do nothing
      returning *
    ), ev as (
      insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
      select i.org_id, 'appointment_booked', i.contact_id, i.id, actor_id,
             jsonb_build_object('resource_id', i.resource_id, 'starts_at', i.starts_at,
                                'ends_at', i.ends_at, 'source', i.source)
        from ins i
    )
    select * into appt from ins;
    if appt.id is null then
      -- A concurrent request with the same idempotency key won (and wrote the event).
      select * into appt from app_public.appointments a
       where a.org_id = book_appointment.org_id and a.idempotency_key = book_appointment.idempotency_key;
      return appt;
    end if;
  end if;
  return appt;
end
$$;

-- What a new booking sets off, in ONE after-insert trigger (it was three, each a
-- SECURITY DEFINER call with its own look-up): the domain event appointment.booked to the
-- org's subscribed endpoints (tg_appointments__emit), a write-back job per writable
-- calendar of the resource (tg_appointments__calendar_push) and the SMS reminders
-- (tg_appointments__sms_reminders), in that order. One statement tells which of the three
-- have anything to do; those three triggers still handle updates.
create or replace function app_private.tg_appointments__after_insert() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
declare
  subscribed boolean;
  calendars boolean;
  reminders boolean;
begin
  if new.status <> 'booked' then
    return null;
  end if;
  select exists (select 1 from app_public.delivery_endpoints e
                  where e.org_id = new.org_id and e.enabled
                    and (cardinality(e.event_types) = 0 or 'appointment.booked' = any (e.event_types))),
         exists (select 1 from app_public.calendar_sources c
                  where c.org_id = new.org_id and c.resource_id = new.resource_id and c.write and c.enabled),
         new.contact_id is not null
           and exists (select 1 from app_public.sms_settings x where x.org_id = new.org_id and x.enabled)
    into subscribed, calendars, reminders;
  if calendars then
    perform app_private.queue_calendar_pushes(new.org_id, new.resource_id, new.id);
  end if;
  if subscribed then
    perform app_private.emit_event(new.org_id, 'appointment.booked', jsonb_build_object(
      'appointment_id', new.id, 'resource_id', new.resource_id, 'contact_id', new.contact_id,
      'starts_at', new.starts_at, 'ends_at', new.ends_at, 'source', new.source));
  end if;
  if reminders then
    perform app_private.sync_appointment_reminders(new);
  end if;
  return null;
end
$$;

create or replace function app_private.require_member() returns uuid
  language plpgsql stable
  set search_path = pg_catalog, public
as $$
begin
  if app_public.current_org_id() is null or app_public.current_user_id() is null
     or app_public.current_org_role() is null then
    raise exception 'sign in to an organization first' using errcode = '42501', hint = 'not_authenticated';
  end if;
  return app_public.current_org_id();
end
$$;

create or replace function app_public.book_appointment(
  starts_at timestamptz, ends_at timestamptz, contact_id uuid,
  resource_id uuid default null, idempotency_key text default null)
  returns app_public.appointments
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  -- The claims parsed once (app_private.require_member and current_user_id would parse
  -- them four times); the same check and error as require_member.
  claims jsonb := coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb;
  org uuid := nullif(claims ->> 'org_id', '')::uuid;
  actor uuid := nullif(claims ->> 'sub', '')::uuid;
begin
  if org is null or actor is null or claims ->> 'org_role' is null then
    raise exception 'sign in to an organization first' using errcode = '42501', hint = 'not_authenticated';
  end if;
  -- PL/pgSQL, not SQL: a SQL function that cannot be inlined is parsed and planned again
  -- on every call; this plan is cached for the session.
  return app_private.book_appointment(org, starts_at, ends_at, contact_id,
                                      resource_id, idempotency_key, 'api', actor);
end
$$;

create or replace function app_public.cancel_appointment(appointment_id uuid)
  returns app_public.appointments
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_member();
  appt app_public.appointments;
begin
  update app_public.appointments a set status = 'cancelled', cancelled_at = coalesce(a.cancelled_at, now())
   where a.org_id = org and a.id = appointment_id
  returning * into appt;
  if appt.id is null then
    raise exception 'appointment not found' using errcode = 'PT404', hint = 'appointment_not_found';
  end if;
  insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
  values (org, 'appointment_cancelled', appt.contact_id, appt.id, app_public.current_user_id(),
          jsonb_build_object('resource_id', appt.resource_id, 'starts_at', appt.starts_at, 'ends_at', appt.ends_at));
  return appt;
end
$$;

-- One UPDATE: into a taken slot it fails as a whole and the original booking stays.
create or replace function app_public.reschedule_appointment(appointment_id uuid, starts_at timestamptz, ends_at timestamptz)
  returns app_public.appointments
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_member();
  appt app_public.appointments;
  prev app_public.appointments;
  want tstzrange;
begin
  select * into prev from app_public.appointments a
   where a.org_id = org and a.id = appointment_id for update;
  if not found then
    raise exception 'appointment not found' using errcode = 'PT404', hint = 'appointment_not_found';
  end if;
  if prev.status = 'cancelled' then
    raise exception 'a cancelled appointment cannot be rescheduled; book a new one'
      using errcode = '22023', hint = 'appointment_cancelled';
  end if;
  perform app_private.validate_slot(org, prev.resource_id, starts_at, ends_at);
  select tstzrange(reschedule_appointment.starts_at - r.buffer_before, reschedule_appointment.ends_at + r.buffer_after, '[)')
    into want from app_public.resources r where r.org_id = org and r.id = prev.resource_id for key share of r;
  perform app_private.lock_booking_range(prev.resource_id, want);
  perform app_private.assert_slot_free(org, prev.resource_id, want, prev.id);
  perform app_private.assert_not_busy(org, prev.resource_id, want);
  begin
    update app_public.appointments a
       set starts_at = reschedule_appointment.starts_at, ends_at = reschedule_appointment.ends_at
     where a.org_id = org and a.id = appointment_id
    returning * into appt;
  exception when exclusion_violation then
    perform app_private.raise_slot_taken(org, prev.resource_id, want, prev.id);
  end;
  insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
  values (org, 'appointment_rescheduled', appt.contact_id, appt.id, app_public.current_user_id(),
          jsonb_build_object('resource_id', appt.resource_id,
                             'from', jsonb_build_object('starts_at', prev.starts_at, 'ends_at', prev.ends_at),
                             'starts_at', appt.starts_at, 'ends_at', appt.ends_at));
  return appt;
end
$$;

-- Free slots of a resource on a local day (org time zone): slot_minutes apart inside
-- the business hours, not in the past, not overlapping a booking or a busy block from the
-- resource's calendars (buffers included).
create or replace function app_private.available_slots(org_id uuid, resource_id uuid, day date)
  returns table (starts_at timestamptz, ends_at timestamptz)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  with r as (
    select r.*, o.timezone, make_interval(mins => r.slot_minutes) as len
      from app_public.resources r join app_public.organizations o on o.id = r.org_id
     where r.org_id = available_slots.org_id and r.id = available_slots.resource_id
  ), windows as (
    select h.opens_at - time '00:00' as opens, h.closes_at - time '00:00' as closes
      from app_public.resource_hours h
     where h.org_id = available_slots.org_id and h.resource_id = available_slots.resource_id
       and h.weekday = extract(isodow from day)
    union all
    select interval '0', interval '24 hours'
     where not exists (select 1 from app_public.resource_hours h
                        where h.org_id = available_slots.org_id and h.resource_id = available_slots.resource_id)
  ), slots as (
    select (s at time zone r.timezone) as s_at, ((s + r.len) at time zone r.timezone) as e_at,
           r.buffer_before, r.buffer_after
      from r, windows w,
           generate_series(day + w.opens, day + w.closes - r.len, r.len) s
  )
  select s.s_at, s.e_at from slots s
   where s.s_at >= now()
     and not exists (
       select 1 from app_public.appointments a
        where a.org_id = available_slots.org_id and a.resource_id = available_slots.resource_id
          and a.status <> 'cancelled'
          and a.blocked && tstzrange(s.s_at - s.buffer_before, s.e_at + s.buffer_after, '[)'))
     and not exists (
       select 1 from app_public.external_busy b
        where b.org_id = available_slots.org_id and b.resource_id = available_slots.resource_id
          and b.busy && tstzrange(s.s_at - s.buffer_before, s.e_at + s.buffer_after, '[)'))
   order by 1
$$;

create or replace function app_public.check_availability(resource_id uuid default null, day date default null)
  returns table (starts_at timestamptz, ends_at timestamptz)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_member();
  rid uuid := app_private.resolve_resource(org, resource_id);
  local_day date := coalesce(day, (now() at time zone (select o.timezone from app_public.organizations o where o.id = org))::date);
begin
  return query select * from app_private.available_slots(org, rid, local_day);
end
$$;
