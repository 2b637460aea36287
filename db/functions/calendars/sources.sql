-- Busy sources: iCalendar URLs and CalDAV calendars per resource. The worker's
-- calendar_sync task fetches and expands them (tasks/lib/calendar-sync.ts); these functions
-- hold the rules: what is stored, what counts as ours, how failures are recorded, and the
-- lock that keeps a sync and a booking of the same resource from crossing.
--
-- Errors: PT404 calendar_source_not_found | resource_not_found; 22023 invalid_calendar_source;
--         42501 not_authorized (members calling admin RPCs).

-- scheme://host/… — what members may see of a source's address.
create or replace function app_private.calendar_url_display(url text) returns text
  language sql immutable parallel safe
as $$
  select coalesce((regexp_match(url, '^(https?://)(?:[^@/?#]*@)?([^/?#]+)'))[1] || (regexp_match(url, '^(https?://)(?:[^@/?#]*@)?([^/?#]+)'))[2] || '/…', '…')
$$;

create or replace function app_private.require_admin() returns uuid
  language plpgsql stable
  set search_path = pg_catalog, public
as $$
begin
  if app_public.current_org_id() is null or app_public.current_user_id() is null then
    raise exception 'sign in to an organization first' using errcode = '42501', hint = 'not_authenticated';
  end if;
  if not app_public.current_user_is_admin() then
    raise exception 'only admins may do this' using errcode = '42501', hint = 'not_authorized';
  end if;
  return app_public.current_org_id();
end
$$;

-- Operator/CLI (the encryption key comes from the environment): adds a source to a
-- resource. `url`: the .ics address, or the CalDAV calendar collection's URL.
create or replace function app_private.create_calendar_source(
  resource_id uuid, kind text, name text, url text, username text, password text, write boolean,
  sync_interval interval, encryption_key text, allow_private boolean)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid;
  problem text;
  sid uuid;
begin
  select r.org_id into org from app_public.resources r where r.id = create_calendar_source.resource_id;
  if org is null then
    raise exception 'resource not found' using errcode = 'PT404', hint = 'resource_not_found';
  end if;
  if kind not in ('ics', 'caldav') then
    raise exception 'kind must be ics or caldav' using errcode = '22023', hint = 'invalid_calendar_source';
  end if;
  -- webcal:// is how many calendars publish an .ics address; it is plain https.
  url := regexp_replace(url, '^webcals?://', 'https://');
  problem := app_private.delivery_url_problem(url, allow_private);
  if problem is not null then
    raise exception 'calendar URL refused: %', problem using errcode = '22023', hint = 'invalid_calendar_source';
  end if;
  if kind = 'caldav' and (coalesce(username, '') = '' or coalesce(password, '') = '') then
    raise exception 'a CalDAV source needs a user name and an app password' using errcode = '22023', hint = 'invalid_calendar_source';
  end if;
  if write and kind <> 'caldav' then
    raise exception 'only CalDAV sources can be written to' using errcode = '22023', hint = 'invalid_calendar_source';
  end if;
  insert into app_public.calendar_sources (org_id, resource_id, kind, name, url_display, write, sync_interval)
  values (org, create_calendar_source.resource_id, kind, coalesce(nullif(name, ''), kind || ' ' || app_private.calendar_url_display(url)),
          app_private.calendar_url_display(url), coalesce(write, false), coalesce(sync_interval, '5 minutes'))
  returning id into sid;
  insert into app_private.calendar_source_secrets (org_id, source_id, url_encrypted, username, password_encrypted)
  values (org, sid, pgp_sym_encrypt(url, encryption_key), nullif(username, ''),
          case when coalesce(password, '') <> '' then pgp_sym_encrypt(password, encryption_key) end);
  perform app_private.schedule_calendar_sync(org, sid);
  return sid;
end
$$;

-- Operator/CLI: a new app password (e.g. after a wrong one put the source in error).
create or replace function app_private.set_calendar_source_password(source_id uuid, password text, encryption_key text)
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  src app_public.calendar_sources;
begin
  select * into src from app_public.calendar_sources s where s.id = set_calendar_source_password.source_id;
  if src.id is null then
    raise exception 'calendar source not found' using errcode = 'PT404', hint = 'calendar_source_not_found';
  end if;
  update app_private.calendar_source_secrets k set password_encrypted = pgp_sym_encrypt(password, encryption_key), updated_at = now()
   where k.org_id = src.org_id and k.source_id = src.id;
  perform app_private.schedule_calendar_sync(src.org_id, src.id);
  return true;
end
$$;

create or replace function app_private.schedule_calendar_sync(org_id uuid, source_id uuid, run_at timestamptz default now())
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select graphile_worker.add_job('calendar_sync', json_build_object('org_id', org_id, 'source_id', source_id),
    run_at => run_at, job_key => 'calendar_sync:' || source_id, job_key_mode => 'replace', max_attempts => 1)
$$;

-- Admins: sync now (the worker picks it up within seconds).
create or replace function app_public.sync_calendar_source(source_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_admin();
begin
  if not exists (select 1 from app_public.calendar_sources s where s.org_id = org and s.id = source_id) then
    raise exception 'calendar source not found' using errcode = 'PT404', hint = 'calendar_source_not_found';
  end if;
  perform app_private.schedule_calendar_sync(org, source_id);
  return true;
end
$$;

create or replace function app_public.set_calendar_source(source_id uuid, enabled boolean default null,
  sync_interval interval default null, write boolean default null)
  returns app_public.calendar_sources
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_admin();
  src app_public.calendar_sources;
begin
  update app_public.calendar_sources s
     set enabled = coalesce(set_calendar_source.enabled, s.enabled),
         sync_interval = coalesce(set_calendar_source.sync_interval, s.sync_interval),
         write = coalesce(set_calendar_source.write, s.write)
   where s.org_id = org and s.id = source_id
  returning * into src;
  if src.id is null then
    raise exception 'calendar source not found' using errcode = 'PT404', hint = 'calendar_source_not_found';
  end if;
  return src;
end
$$;

-- Removes the source and its busy blocks (the slots it blocked open again).
create or replace function app_public.delete_calendar_source(source_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_admin();
begin
  delete from app_public.calendar_sources s where s.org_id = org and s.id = source_id;
  if not found then
    raise exception 'calendar source not found' using errcode = 'PT404', hint = 'calendar_source_not_found';
  end if;
  return true;
end
$$;

-- Cron (calendar_sync_tick, every minute): a sync job for every enabled source whose
-- interval has passed since its last attempt.
create or replace function app_private.due_calendar_sources(max_count int default 500) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  s record;
  n int := 0;
begin
  for s in select c.org_id, c.id from app_public.calendar_sources c
            where c.enabled and (c.last_attempt_at is null or c.last_attempt_at + c.sync_interval <= now())
            order by c.last_attempt_at nulls first limit max_count
  loop
    perform app_private.schedule_calendar_sync(s.org_id, s.id);
    n := n + 1;
  end loop;
  return n;
end
$$;

-- The worker's view of one source, decrypted (the key comes from the worker's environment).
create or replace function app_private.calendar_source_for_sync(org_id uuid, source_id uuid, encryption_key text)
  returns table (kind text, url text, username text, password text, resource_id uuid, enabled boolean,
                 etag text, ctag text, content_hash text, timezone text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  update app_public.calendar_sources s set last_attempt_at = now()
   where s.org_id = calendar_source_for_sync.org_id and s.id = calendar_source_for_sync.source_id;
  return query
  select s.kind, pgp_sym_decrypt(k.url_encrypted, encryption_key), k.username,
         case when k.password_encrypted is not null then pgp_sym_decrypt(k.password_encrypted, encryption_key) end,
         s.resource_id, s.enabled, s.etag, s.ctag, s.content_hash, o.timezone
    from app_public.calendar_sources s
    join app_private.calendar_source_secrets k on k.org_id = s.org_id and k.source_id = s.id
    join app_public.organizations o on o.id = s.org_id
   where s.org_id = calendar_source_for_sync.org_id and s.id = calendar_source_for_sync.source_id;
end
$$;

create or replace function app_private.calendar_sync_succeeded(src app_public.calendar_sources) returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  if src.consecutive_failures > 0 then
    update app_private.alert_state a set resolved_at = now()
     where a.org_id = src.org_id and a.rule = 'calendar_sync_failed' and a.key = src.id::text and a.resolved_at is null;
    if found then
      perform app_private.emit_event(src.org_id, 'alert.resolved', jsonb_build_object(
        'rule', 'calendar_sync_failed', 'key', src.id::text, 'text', format('[RESOLVED] calendar source %s syncs again', src.name)));
    end if;
  end if;
end
$$;

-- Nothing changed (304, same ETag/ctag or same content): no busy block is touched.
create or replace function app_private.calendar_sync_unchanged(org_id uuid, source_id uuid, etag text, ctag text)
  returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  prev app_public.calendar_sources;
begin
  select * into prev from app_public.calendar_sources s
   where s.org_id = calendar_sync_unchanged.org_id and s.id = calendar_sync_unchanged.source_id;
  update app_public.calendar_sources s
     set last_synced_at = now(), last_error = null, consecutive_failures = 0,
         etag = coalesce(calendar_sync_unchanged.etag, s.etag), ctag = coalesce(calendar_sync_unchanged.ctag, s.ctag)
   where s.org_id = calendar_sync_unchanged.org_id and s.id = calendar_sync_unchanged.source_id;
  perform app_private.calendar_sync_succeeded(prev);
end
$$;

-- A changed calendar: the source's busy blocks are replaced as a whole. blocks is a JSON
-- array of {"uid","starts_at","ends_at","all_day"}. Events whose UID is one of the org's
-- appointment ids are the ones write-back put there: they are ours and never block.
--
-- The lock: FOR UPDATE on the resource row. Every booking and reschedule of the resource
-- takes FOR KEY SHARE on the same row before it looks at busy blocks, and holds it to its
-- commit. So a booking either commits before this sync may replace the blocks (and the
-- sync's blocks, committed later, do not apply to it), or waits until the sync commits and
-- then sees its blocks. Bookings do not wait on each other for it (KEY SHARE is shared).
create or replace function app_private.calendar_sync_apply(org_id uuid, source_id uuid, blocks jsonb,
  etag text, ctag text, content_hash text)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  src app_public.calendar_sources;
  n int;
begin
  select * into src from app_public.calendar_sources s
   where s.org_id = calendar_sync_apply.org_id and s.id = calendar_sync_apply.source_id;
  if src.id is null then
    return 0;
  end if;
  perform 1 from app_public.resources r where r.org_id = src.org_id and r.id = src.resource_id for update;
  delete from app_public.external_busy b where b.org_id = src.org_id and b.source_id = src.id;
  insert into app_public.external_busy (org_id, resource_id, source_id, busy, uid, all_day)
  select src.org_id, src.resource_id, src.id, tstzrange((x ->> 'starts_at')::timestamptz, (x ->> 'ends_at')::timestamptz, '[)'),
         left(coalesce(x ->> 'uid', ''), 500), coalesce((x ->> 'all_day')::boolean, false)
    from jsonb_array_elements(coalesce(blocks, '[]'::jsonb)) x
   where (x ->> 'ends_at')::timestamptz > (x ->> 'starts_at')::timestamptz
     and not (app_private.is_uuid(x ->> 'uid') and exists (
       select 1 from app_public.appointments a where a.org_id = src.org_id and a.id = (x ->> 'uid')::uuid));
  get diagnostics n = row_count;
  update app_public.calendar_sources s
     set last_synced_at = now(), last_changed_at = now(), last_error = null, consecutive_failures = 0, busy_blocks = n,
         etag = calendar_sync_apply.etag, ctag = calendar_sync_apply.ctag, content_hash = calendar_sync_apply.content_hash
   where s.org_id = src.org_id and s.id = src.id;
  perform app_private.calendar_sync_succeeded(src);
  return n;
end
$$;

-- A failed fetch keeps the last good busy blocks; the error is shown to admins
-- (calendar_sources.last_error, system_health) and after alert_after failures in a row an
-- alert is raised at once (the evaluate_alerts cron keeps it open until a sync succeeds).
create or replace function app_private.calendar_sync_failed(org_id uuid, source_id uuid, error text)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  src app_public.calendar_sources;
  msg text;
begin
  update app_public.calendar_sources s
     set last_error = left(error, 500), last_error_at = now(), consecutive_failures = s.consecutive_failures + 1
   where s.org_id = calendar_sync_failed.org_id and s.id = calendar_sync_failed.source_id
  returning * into src;
  if src.id is null then
    return 0;
  end if;
  if src.consecutive_failures >= src.alert_after then
    msg := format('Calendar source %s failed %s syncs in a row: %s', src.name, src.consecutive_failures, left(error, 200));
    insert into app_private.alert_state (org_id, rule, key, severity, message)
    select src.org_id, 'calendar_sync_failed', src.id::text, 'warning', msg
     where not exists (select 1 from app_private.alert_state a where a.org_id = src.org_id and a.rule = 'calendar_sync_failed'
                          and a.key = src.id::text and a.resolved_at is null);
    if found then
      insert into app_private.operational_events (org_id, kind, severity, details)
      values (src.org_id, 'alert.calendar_sync_failed', 'warning',
              jsonb_build_object('key', src.id, 'message', msg, 'value', src.consecutive_failures, 'threshold', src.alert_after));
      perform app_private.emit_event(src.org_id, 'alert.raised', jsonb_build_object(
        'rule', 'calendar_sync_failed', 'key', src.id::text, 'severity', 'warning', 'value', src.consecutive_failures,
        'threshold', src.alert_after, 'text', format('[WARNING] %s', msg)));
    end if;
  end if;
  return src.consecutive_failures;
end
$$;
