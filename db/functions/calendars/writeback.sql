-- CalDAV write-back: each booking of a resource with a CalDAV source marked `write` is
-- PUT into that calendar as an event whose UID is the appointment id; a reschedule PUTs it
-- again with a higher SEQUENCE and If-Match on the stored ETag; a cancel DELETEs it. The
-- worker task calendar_push does the HTTP; it is queued here, in the transaction of the
-- appointment change (the same changes that raise appointment.booked / .cancelled for
-- outbound deliveries), one job per (source, appointment) whose key makes a burst of
-- changes collapse into one push of the latest state. A retried push compares the stored
-- SEQUENCE and changes nothing when the calendar already has it.

-- SEQUENCE (RFC 5545): raised when the slot moves and when the booking is cancelled.
create or replace function app_private.tg_appointments__sequence() returns trigger
  language plpgsql
  set search_path = pg_catalog, public
as $$
begin
  if new.starts_at is distinct from old.starts_at or new.ends_at is distinct from old.ends_at
     or (new.status = 'cancelled' and old.status <> 'cancelled') then
    new.sequence := old.sequence + 1;
  end if;
  return new;
end
$$;

-- One calendar_push job per writable CalDAV source of the resource, keyed per (source,
-- appointment) so that a burst of changes collapses into one push of the latest state.
-- Called from the appointment triggers (this file's, and the booking fast path's).
create or replace function app_private.queue_calendar_pushes(org uuid, resource uuid, appointment uuid) returns void
  language plpgsql
  set search_path = pg_catalog, public
as $$
declare
  s record;
begin
  for s in select c.id from app_public.calendar_sources c
            where c.org_id = org and c.resource_id = resource and c.write and c.enabled
  loop
    perform graphile_worker.add_job('calendar_push',
      json_build_object('org_id', org, 'source_id', s.id, 'appointment_id', appointment),
      job_key => 'calendar_push:' || s.id || ':' || appointment, job_key_mode => 'replace', max_attempts => 10);
  end loop;
end
$$;

create or replace function app_private.tg_appointments__calendar_push() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if tg_op = 'UPDATE' and new.starts_at = old.starts_at and new.ends_at = old.ends_at and new.status = old.status then
    return null;
  end if;
  if tg_op = 'INSERT' and new.status <> 'booked' then
    return null;
  end if;
  perform app_private.queue_calendar_pushes(new.org_id, new.resource_id, new.id);
  return null;
end
$$;

-- The worker's view of one push: the calendar (decrypted), the appointment as it is now,
-- and what the calendar already holds from earlier pushes.
create or replace function app_private.calendar_write_state(org_id uuid, source_id uuid, appointment_id uuid, encryption_key text)
  returns table (url text, username text, password text, write boolean, status text, starts_at timestamptz,
                 ends_at timestamptz, sequence int, summary text, created_at timestamptz, updated_at timestamptz,
                 href text, etag text, written_sequence int)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select pgp_sym_decrypt(k.url_encrypted, encryption_key), k.username,
         case when k.password_encrypted is not null then pgp_sym_decrypt(k.password_encrypted, encryption_key) end,
         s.write and s.enabled, a.status, a.starts_at, a.ends_at, a.sequence,
         'Booked' || coalesce(': ' || nullif(trim(concat_ws(' ', c.first_name, c.last_name)), ''), ''),
         a.created_at, a.updated_at, w.href, w.etag, w.sequence
    from app_public.calendar_sources s
    join app_private.calendar_source_secrets k on k.org_id = s.org_id and k.source_id = s.id
    left join app_public.appointments a on a.org_id = s.org_id and a.id = calendar_write_state.appointment_id
    left join app_public.contacts c on c.org_id = a.org_id and c.id = a.contact_id
    left join app_private.calendar_writes w on w.org_id = s.org_id and w.source_id = s.id and w.appointment_id = calendar_write_state.appointment_id
   where s.org_id = calendar_write_state.org_id and s.id = calendar_write_state.source_id
$$;

create or replace function app_private.calendar_write_done(org_id uuid, source_id uuid, appointment_id uuid,
  href text, etag text, sequence int)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_private.calendar_writes (org_id, source_id, appointment_id, href, etag, sequence)
  values (org_id, source_id, appointment_id, href, etag, sequence)
  on conflict (org_id, source_id, appointment_id) do update
    set href = excluded.href, etag = excluded.etag, sequence = excluded.sequence, written_at = now()
$$;

create or replace function app_private.calendar_write_forget(org_id uuid, source_id uuid, appointment_id uuid)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  delete from app_private.calendar_writes w
   where w.org_id = calendar_write_forget.org_id and w.source_id = calendar_write_forget.source_id
     and w.appointment_id = calendar_write_forget.appointment_id
$$;
