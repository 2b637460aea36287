-- iCalendar subscription feeds: GET /calendar/{token}.ics (gateway/src/routes/calendar.ts).
-- A token is cal_<feed id, hex>_<HMAC-SHA256 of the id under app_private.calendar_feed_key>,
-- so it cannot be guessed or forged, is checked without storing it, and stops working the
-- moment its feed is revoked.

create or replace function app_private.calendar_feed_token(feed_id uuid) returns text
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select 'cal_' || replace(feed_id::text, '-', '') || '_'
         || rtrim(translate(encode(hmac(convert_to(feed_id::text, 'UTF8'), k.key, 'sha256'), 'base64'), '+/', '-_'), '=')
    from app_private.calendar_feed_key k
$$;

create or replace function app_private.create_calendar_feed(org_id uuid, resource_id uuid, with_names boolean,
  name text, actor_id uuid default null)
  returns table (feed_id uuid, token text, path text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  fid uuid;
begin
  if resource_id is not null and not exists (
       select 1 from app_public.resources r where r.org_id = create_calendar_feed.org_id and r.id = create_calendar_feed.resource_id) then
    raise exception 'resource not found' using errcode = 'PT404', hint = 'resource_not_found';
  end if;
  insert into app_public.calendar_feeds (org_id, resource_id, with_names, name, created_by)
  values (create_calendar_feed.org_id, create_calendar_feed.resource_id, coalesce(with_names, false), nullif(name, ''), actor_id)
  returning id into fid;
  feed_id := fid;
  token := app_private.calendar_feed_token(fid);
  path := '/calendar/' || token || '.ics';
  return next;
end
$$;

-- Admins (POST /rpc/create_calendar_feed): the token is shown here; keep it like a password.
create or replace function app_public.create_calendar_feed(resource_id uuid default null, with_names boolean default false,
  name text default null)
  returns table (feed_id uuid, token text, path text)
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select * from app_private.create_calendar_feed(app_private.require_admin(), resource_id, with_names, name,
                                                 app_public.current_user_id())
$$;

create or replace function app_private.revoke_calendar_feed(org_id uuid, feed_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  update app_public.calendar_feeds f set revoked_at = coalesce(f.revoked_at, now())
   where f.org_id = revoke_calendar_feed.org_id and f.id = feed_id;
  if not found then
    raise exception 'calendar feed not found' using errcode = 'PT404', hint = 'calendar_feed_not_found';
  end if;
  return true;
end
$$;

create or replace function app_public.revoke_calendar_feed(feed_id uuid) returns boolean
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select app_private.revoke_calendar_feed(app_private.require_admin(), feed_id)
$$;

-- The gateway's one call: the feed's events when the token is valid and not revoked,
-- otherwise no rows. Live appointments that ended in the last 30 days or later, and
-- cancelled ones during 30 days after the cancellation (STATUS:CANCELLED). The summary is
-- the contact's name only for feeds created --with-names; otherwise "Booked".
create or replace function app_private.calendar_feed_events(token text)
  returns table (feed_id uuid, feed_name text, org_name text, timezone text, uid uuid, starts_at timestamptz,
                 ends_at timestamptz, status text, sequence int, summary text, created_at timestamptz, updated_at timestamptz)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  m text[] := regexp_match(token, '^cal_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$');
  feed app_public.calendar_feeds;
begin
  if m is null then
    return;
  end if;
  select * into feed from app_public.calendar_feeds f where f.id = m[1]::uuid and f.revoked_at is null;
  -- Hashes compared, so the comparison's timing says nothing about the expected token.
  if feed.id is null or digest(app_private.calendar_feed_token(feed.id), 'sha256') <> digest(token, 'sha256') then
    return;
  end if;
  update app_public.calendar_feeds f set last_fetched_at = now()
   where f.org_id = feed.org_id and f.id = feed.id and (f.last_fetched_at is null or f.last_fetched_at < now() - interval '1 minute');
  return query
  select feed.id,
         coalesce(feed.name, o.name || coalesce(' — ' || r1.name, '')),
         o.name, o.timezone, a.id, a.starts_at, a.ends_at, a.status, a.sequence,
         case when feed.with_names then coalesce(nullif(trim(concat_ws(' ', c.first_name, c.last_name)), ''), c.email, 'Booked')
              else 'Booked' end,
         a.created_at, a.updated_at
    from app_public.organizations o
    left join app_public.resources r1 on r1.org_id = feed.org_id and r1.id = feed.resource_id
    join app_public.appointments a on a.org_id = o.id
    left join app_public.contacts c on c.org_id = a.org_id and c.id = a.contact_id
   where o.id = feed.org_id
     and (feed.resource_id is null or a.resource_id = feed.resource_id)
     and a.starts_at > now() - interval '1 year'
     and ((a.status = 'booked' and a.ends_at > now() - interval '30 days')
          or (a.status = 'cancelled' and a.cancelled_at > now() - interval '30 days'))
   order by a.starts_at
   limit 10000;
  if not found then
    -- An empty calendar is still a calendar: one row with no event carries its name.
    return query
    select feed.id, coalesce(feed.name, o.name || coalesce(' — ' || r1.name, '')), o.name, o.timezone,
           null::uuid, null::timestamptz, null::timestamptz, null::text, null::int, null::text, null::timestamptz, null::timestamptz
      from app_public.organizations o
      left join app_public.resources r1 on r1.org_id = feed.org_id and r1.id = feed.resource_id
     where o.id = feed.org_id;
  end if;
end
$$;
