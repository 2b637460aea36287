-- SMS through Twilio: per-org credentials (the auth token or an API key's secret,
-- pgcrypto-encrypted under ENCRYPTION_KEY, never readable back), appointment reminders
-- queued with the booking and moved or cancelled with it, sent inside the org's
-- quiet-hours window, exactly one per (appointment, offset). A job per message
-- (tasks/send_sms.ts) claims it in SQL before the one POST to Twilio.

create or replace function app_private.sms_template_problem(template text) returns text
  language sql immutable parallel safe
as $$
  select case when exists (select 1 from regexp_matches(template, '\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}', 'g') m
                            where m[1] not in ('first_name', 'last_name', 'starts_at_local', 'resource', 'cancel_url'))
              then 'templates may use {{first_name}}, {{last_name}}, {{starts_at_local}}, {{resource}} and {{cancel_url}}' end
$$;

create or replace function app_private.tg_sms_settings__validate() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if app_private.sms_template_problem(new.reminder_template) is not null then
    raise exception '%', app_private.sms_template_problem(new.reminder_template) using errcode = '22023';
  end if;
  if exists (select 1 from unnest(new.reminder_offsets) o where o <= interval '0' or o > interval '30 days')
     or cardinality(new.reminder_offsets) > 5 then
    raise exception 'reminder offsets are up to five intervals between 1 minute and 30 days' using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end
$$;

-- Operator/CLI (`sms configure`): the org's Twilio account. secret = the auth token, or
-- the API key's secret when api_key_sid (SK…) is given.
create or replace function app_private.configure_sms(
  org_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text,
  base_url text, status_callback_url text, encryption_key text, allow_private boolean)
  returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  problem text := case when base_url is null then null else app_private.delivery_url_problem(base_url, allow_private) end;
begin
  if problem is not null then
    raise exception 'base URL refused: %', problem using errcode = '22023';
  end if;
  if secret is null or length(secret) not between 16 and 200 then
    raise exception 'the auth token or API key secret is required' using errcode = '22023';
  end if;
  insert into app_public.sms_settings (org_id, account_sid, api_key_sid, from_number, messaging_service_sid, base_url, status_callback_url)
  values (configure_sms.org_id, account_sid, api_key_sid, app_private.normalize_e164(from_number), messaging_service_sid,
          rtrim(base_url, '/'), status_callback_url)
  on conflict on constraint sms_settings_pkey do update
     set account_sid = excluded.account_sid, api_key_sid = excluded.api_key_sid, from_number = excluded.from_number,
         messaging_service_sid = excluded.messaging_service_sid, base_url = excluded.base_url,
         status_callback_url = excluded.status_callback_url;
  insert into app_private.sms_credentials (org_id, secret_encrypted)
  values (configure_sms.org_id, pgp_sym_encrypt(secret, encryption_key))
  on conflict on constraint sms_credentials_pkey do update set secret_encrypted = excluded.secret_encrypted, updated_at = now();
end
$$;

-- When a message due at `due` may go out: outside quiet hours (quiet_start..quiet_end on
-- the org's wall clock, e.g. 21:00-08:00) it is `due`; inside, the window's end (08:00).
-- If that is past `deadline` (the appointment), the last moment before the quiet hours
-- began; null when even that has passed.
create or replace function app_private.sms_send_time(
  tz text, due timestamptz, quiet_start time, quiet_end time, deadline timestamptz default null, now_at timestamptz default now())
  returns timestamptz
  language plpgsql stable
  set search_path = pg_catalog, public
as $$
declare
  t timestamptz := greatest(due, now_at);
  lt timestamp := t at time zone tz;
  quiet boolean;
  window_end timestamp;
  window_start timestamp;
begin
  quiet := case when quiet_start > quiet_end then lt::time >= quiet_start or lt::time < quiet_end
                else lt::time >= quiet_start and lt::time < quiet_end end;
  if not quiet then
    return case when deadline is null or t < deadline then t end;
  end if;
  window_end := case when quiet_start > quiet_end and lt::time >= quiet_start then lt::date + 1 + quiet_end
                     else lt::date + quiet_end end;
  if deadline is null or (window_end at time zone tz) < deadline then
    return window_end at time zone tz;
  end if;
  -- Too late after the quiet hours: the minute before they began, if still ahead.
  window_start := case when quiet_start > quiet_end and lt::time < quiet_end then lt::date - 1 + quiet_start
                       else lt::date + quiet_start end;
  if (window_start at time zone tz) - interval '1 minute' > now_at then
    return (window_start at time zone tz) - interval '1 minute';
  end if;
  return null;
end
$$;

create or replace function app_private.schedule_sms(org_id uuid, message_id uuid, run_at timestamptz default now())
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select graphile_worker.add_job('send_sms', json_build_object('org_id', org_id, 'message_id', message_id),
    run_at => run_at, job_key => 'send_sms:' || message_id, job_key_mode => 'replace', max_attempts => 5)
$$;

create or replace function app_private.phone_suppressed(org_id uuid, phone text) returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select exists (select 1 from app_public.suppressions s where s.org_id = phone_suppressed.org_id and s.phone = phone_suppressed.phone)
$$;

-- Reminders follow their appointment: queued at booking (one row per offset), moved with a
-- reschedule (those not sent yet), cancelled with it.
create or replace function app_private.sync_appointment_reminders(appt app_public.appointments) returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  cfg app_public.sms_settings;
  tz text;
  phone text;
  m record;
begin
  if appt.status = 'cancelled' then
    update app_public.sms_messages s set status = 'cancelled', updated_at = now()
     where s.org_id = appt.org_id and s.appointment_id = appt.id and s.kind = 'reminder' and s.status = 'scheduled';
    return;
  end if;
  select * into cfg from app_public.sms_settings s where s.org_id = appt.org_id and s.enabled;
  if cfg.org_id is null or appt.contact_id is null then
    return;
  end if;
  select app_private.normalize_e164(k.phone) into phone from app_public.contacts k where k.org_id = appt.org_id and k.id = appt.contact_id;
  if phone is null then
    return;
  end if;
  select g.timezone into tz from app_public.organizations g where g.id = appt.org_id;
  for m in
    insert into app_public.sms_messages as s (org_id, kind, contact_id, appointment_id, reminder_offset, to_number, status, send_at)
    select appt.org_id, 'reminder', appt.contact_id, appt.id, o.off, phone,
           case when app_private.phone_suppressed(appt.org_id, phone) then 'suppressed'
                when x.at is null then 'skipped' else 'scheduled' end,
           coalesce(x.at, appt.starts_at - o.off)
      from unnest(cfg.reminder_offsets) o (off)
      cross join lateral (select app_private.sms_send_time(tz, appt.starts_at - o.off, cfg.quiet_start, cfg.quiet_end, appt.starts_at) as at) x
    on conflict (org_id, appointment_id, reminder_offset) where kind = 'reminder'
    do update set send_at = excluded.send_at, status = excluded.status, to_number = excluded.to_number, updated_at = now()
       where s.status in ('scheduled', 'skipped', 'cancelled')
    returning s.org_id, s.id, s.status, s.send_at
  loop
    if m.status = 'scheduled' then
      perform app_private.schedule_sms(m.org_id, m.id, m.send_at);
    end if;
  end loop;
end
$$;

create or replace function app_private.tg_appointments__sms_reminders() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if tg_op = 'UPDATE' and new.starts_at is not distinct from old.starts_at and new.status is not distinct from old.status then
    return null;
  end if;
  perform app_private.sync_appointment_reminders(new);
  return null;
end
$$;

-- Worker: claims a due message (exactly one worker wins the scheduled → sending update),
-- or moves it (not due, quiet hours) or drops it (suppressed, appointment gone). Returns
-- what the POST needs, the secret decrypted for it.
create or replace function app_private.begin_sms_send(org_id uuid, message_id uuid, encryption_key text)
  returns table (base_url text, account_sid text, username text, password text, from_number text,
                 messaging_service_sid text, status_callback_url text, to_number text, body text, kind text,
                 first_name text, last_name text, starts_at timestamptz, timezone text, resource text, appointment_id uuid)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  msg app_public.sms_messages;
  cfg app_public.sms_settings;
  appt app_public.appointments;
  tz text;
  at_ts timestamptz;
begin
  select * into msg from app_public.sms_messages s
   where s.org_id = begin_sms_send.org_id and s.id = begin_sms_send.message_id and s.status = 'scheduled' for update skip locked;
  if msg.id is null then
    return;
  end if;
  select * into cfg from app_public.sms_settings s where s.org_id = msg.org_id;
  select g.timezone into tz from app_public.organizations g where g.id = msg.org_id;
  if cfg.org_id is null or not cfg.enabled then
    update app_public.sms_messages s set status = 'skipped', error = 'SMS is not configured or disabled', updated_at = now()
     where s.org_id = msg.org_id and s.id = msg.id;
    return;
  end if;
  if app_private.phone_suppressed(msg.org_id, msg.to_number) then
    update app_public.sms_messages s set status = 'suppressed', updated_at = now() where s.org_id = msg.org_id and s.id = msg.id;
    return;
  end if;
  if msg.appointment_id is not null then
    select * into appt from app_public.appointments a where a.org_id = msg.org_id and a.id = msg.appointment_id;
    if msg.kind = 'reminder' and (appt.id is null or appt.status = 'cancelled' or appt.starts_at <= now()) then
      update app_public.sms_messages s set status = 'cancelled', updated_at = now() where s.org_id = msg.org_id and s.id = msg.id;
      return;
    end if;
  end if;
  if msg.send_at > now() + interval '1 second' then
    perform app_private.schedule_sms(msg.org_id, msg.id, msg.send_at);
    return;
  end if;
  -- Quiet hours are checked again at sending time (a late worker, a backlog).
  if msg.kind = 'reminder' then
    at_ts := app_private.sms_send_time(tz, now(), cfg.quiet_start, cfg.quiet_end, appt.starts_at);
    if at_ts is null then
      update app_public.sms_messages s set status = 'skipped', error = 'no time outside quiet hours before the appointment', updated_at = now()
       where s.org_id = msg.org_id and s.id = msg.id;
      return;
    elsif at_ts > now() + interval '1 second' then
      update app_public.sms_messages s set send_at = at_ts, updated_at = now() where s.org_id = msg.org_id and s.id = msg.id;
      perform app_private.schedule_sms(msg.org_id, msg.id, at_ts);
      return;
    end if;
  end if;
  update app_public.sms_messages s set status = 'sending', attempts = s.attempts + 1, updated_at = now()
   where s.org_id = msg.org_id and s.id = msg.id;
  base_url := cfg.base_url;
  account_sid := cfg.account_sid;
  username := coalesce(cfg.api_key_sid, cfg.account_sid);
  select pgp_sym_decrypt(c.secret_encrypted, encryption_key) into password from app_private.sms_credentials c where c.org_id = msg.org_id;
  from_number := cfg.from_number;
  messaging_service_sid := cfg.messaging_service_sid;
  status_callback_url := cfg.status_callback_url;
  to_number := msg.to_number;
  kind := msg.kind;
  body := case when msg.kind = 'reminder' then cfg.reminder_template else msg.body end;
  select k.first_name, k.last_name into first_name, last_name from app_public.contacts k where k.org_id = msg.org_id and k.id = msg.contact_id;
  starts_at := appt.starts_at;
  timezone := tz;
  appointment_id := appt.id;
  select r.name into resource from app_public.resources r where r.org_id = msg.org_id and r.id = appt.resource_id;
  return next;
end
$$;

-- Worker: the outcome of the POST. sid + status on success; Twilio's error code otherwise.
-- 21610 (the recipient unsubscribed from this number) suppresses the number, never retried.
-- 429 and 5xx (Twilio created nothing) and requests that never left (status 0) go again
-- with backoff; no answer at all (timeout, connection lost mid-request) leaves the message
-- `in_doubt`, never re-sent: one SMS at most.
create or replace function app_private.finish_sms_send(
  org_id uuid, message_id uuid, http_status int, sid text, twilio_status text, error_code int, error text, rendered_body text)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  msg app_public.sms_messages;
  st text;
begin
  select * into msg from app_public.sms_messages s
   where s.org_id = finish_sms_send.org_id and s.id = finish_sms_send.message_id for update;
  if msg.id is null or msg.status <> 'sending' then
    return msg.status;
  end if;
  if http_status between 200 and 299 and sid is not null then
    st := case when twilio_status in ('accepted', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed')
               then case twilio_status when 'sending' then 'sending_twilio' else twilio_status end else 'queued' end;
    update app_public.sms_messages s
       set status = st, twilio_sid = sid, twilio_status = finish_sms_send.twilio_status, body = rendered_body,
           sent_at = now(), error = null, updated_at = now()
     where s.org_id = msg.org_id and s.id = msg.id;
    insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, data)
    values (msg.org_id, 'sms_sent', msg.contact_id, coalesce(msg.appointment_id, msg.id),
            jsonb_build_object('message_id', msg.id, 'sms_kind', msg.kind, 'twilio_sid', sid, 'to', msg.to_number,
                               'reminder_offset', msg.reminder_offset));
    return st;
  end if;
  if error_code = 21610 then
    insert into app_public.suppressions (org_id, phone, reason, source)
    values (msg.org_id, msg.to_number, 'unsubscribed', 'twilio:21610') on conflict do nothing;
    update app_public.sms_messages s set status = 'suppressed', error_code = 21610, error = left(finish_sms_send.error, 300), updated_at = now()
     where s.org_id = msg.org_id and s.id = msg.id;
    update app_public.sms_messages s set status = 'suppressed', updated_at = now()
     where s.org_id = msg.org_id and s.to_number = msg.to_number and s.status = 'scheduled';
    return 'suppressed';
  end if;
  if http_status is null then
    update app_public.sms_messages s set status = 'in_doubt', error = left(finish_sms_send.error, 300), updated_at = now()
     where s.org_id = msg.org_id and s.id = msg.id;
    return 'in_doubt';
  end if;
  -- 0: the request never left (no connection, refused by the SSRF guard): safe to retry.
  if (http_status in (0, 429) or http_status >= 500) and msg.attempts < 5 then
    update app_public.sms_messages s
       set status = 'scheduled', send_at = now() + make_interval(secs => 5 * power(4, msg.attempts - 1)),
           error_code = finish_sms_send.error_code, error = left(finish_sms_send.error, 300), updated_at = now()
     where s.org_id = msg.org_id and s.id = msg.id
    returning s.send_at into msg.send_at;
    perform app_private.schedule_sms(msg.org_id, msg.id, msg.send_at);
    return 'scheduled';
  end if;
  update app_public.sms_messages s set status = 'failed', error_code = finish_sms_send.error_code,
         error = left(coalesce(finish_sms_send.error, 'HTTP ' || http_status), 300), updated_at = now()
   where s.org_id = msg.org_id and s.id = msg.id;
  insert into app_public.dead_letters (org_id, kind, ref_id, error)
  values (msg.org_id, 'sms', msg.id, left(coalesce(finish_sms_send.error, 'HTTP ' || http_status), 500));
  return 'failed';
end
$$;

-- A message sent now (the cancel-by-reply confirmation).
create or replace function app_private.queue_sms(org_id uuid, kind text, contact_id uuid, appointment_id uuid, to_number text, body text)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  id uuid;
begin
  insert into app_public.sms_messages (org_id, kind, contact_id, appointment_id, to_number, body, status, send_at)
  values (queue_sms.org_id, kind, contact_id, appointment_id, to_number, body, 'scheduled', now())
  returning sms_messages.id into id;
  perform app_private.schedule_sms(queue_sms.org_id, id);
  return id;
end
$$;

-- The reminder's {{cancel_url}} page (gateway/src/routes/appointment-cancel.ts; the signed
-- token names the org and the appointment).
create or replace function app_private.appointment_cancel_page(org_id uuid, appointment_id uuid)
  returns table (org_name text, starts_at_local text, resource text, status text)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select g.name, trim(to_char(a.starts_at at time zone g.timezone, 'FMDay, FMMonth FMDD "at" FMHH12:MI AM')), r.name, a.status
    from app_public.appointments a
    join app_public.organizations g on g.id = a.org_id
    join app_public.resources r on r.org_id = a.org_id and r.id = a.resource_id
   where a.org_id = appointment_cancel_page.org_id and a.id = appointment_cancel_page.appointment_id
$$;

create or replace function app_private.cancel_appointment_by_link(org_id uuid, appointment_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  appt app_public.appointments;
begin
  update app_public.appointments a set status = 'cancelled', cancelled_at = coalesce(a.cancelled_at, now())
   where a.org_id = cancel_appointment_by_link.org_id and a.id = cancel_appointment_by_link.appointment_id and a.status = 'booked'
  returning * into appt;
  if appt.id is not null then
    insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, data)
    values (appt.org_id, 'appointment_cancelled', appt.contact_id, appt.id, jsonb_build_object('by', 'sms_link', 'starts_at', appt.starts_at));
  end if;
  return exists (select 1 from app_public.appointments a
                  where a.org_id = cancel_appointment_by_link.org_id and a.id = cancel_appointment_by_link.appointment_id);
end
$$;

-- Safety net (cron, with requeue_lead_pushes): an SMS claimed by a worker that died before
-- Twilio answered is `in_doubt` (never re-sent: one SMS at most), visible in system_health.
create or replace function app_private.expire_sms_in_flight(older_than interval default '5 minutes') returns int
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  with gone as (
    update app_public.sms_messages m set status = 'in_doubt', error = 'the worker stopped before Twilio answered', updated_at = now()
     where m.status = 'sending' and m.updated_at < now() - older_than
    returning m.id)
  select count(*)::int from gone
$$;
