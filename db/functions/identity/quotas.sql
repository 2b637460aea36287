-- REST quotas: fixed one-minute windows per user and per org, counted in an unlogged
-- table that every PostgREST replica shares. Defaults, overridable per org.
create or replace function app_private.default_user_quota() returns int
  language sql immutable parallel safe
as $$ select 3000 $$;

create or replace function app_private.default_org_quota() returns int
  language sql immutable parallel safe
as $$ select 30000 $$;

create or replace function app_private.raise_quota_exceeded(which text) returns void
  language plpgsql volatile
  set search_path = pg_catalog, public
as $$
declare
  retry int := greatest(1, ceil(extract(epoch from (date_trunc('minute', now()) + interval '1 minute' - clock_timestamp())))::int);
begin
  raise sqlstate 'PGRST' using
    message = json_build_object('code', 'quota_exceeded',
                                'message', 'Request quota exceeded; retry after ' || retry || ' s.',
                                'details', which, 'hint', null)::text,
    detail = json_build_object('status', 429, 'headers', json_build_object('Retry-After', retry::text))::text;
end
$$;

create or replace function app_private.quota_limits(org_id uuid, out per_user int, out per_org int)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select coalesce(q.requests_per_user_per_minute, app_private.default_user_quota()),
         coalesce(q.requests_per_org_per_minute, app_private.default_org_quota())
    from (select 1) one
    left join app_private.org_quotas q on q.org_id = quota_limits.org_id
$$;

-- Counts one request for the user and the org and refuses it (429, Retry-After) when
-- either budget for the current window is spent. Each counter is split into 8 shards
-- (picked by backend pid), so concurrent requests on different connections rarely wait
-- on the same row lock; every increment is an atomic upsert, so no request is ever lost
-- from the count. A read-only transaction (PostgREST GET/HEAD) cannot write: there the
-- current counts are only checked.
create or replace function app_private.consume_request_quota(user_id uuid, org_id uuid) returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  win timestamptz := date_trunc('minute', now());
  lim record := app_private.quota_limits(consume_request_quota.org_id);
  my_shard smallint := pg_backend_pid() % 8;
  user_count bigint;
  org_count bigint;
begin
  if current_setting('transaction_read_only') <> 'on' then
    -- User row first, then org row: one lock order for everyone, so no deadlocks.
    insert into app_private.request_counters as c (subject, window_start, shard, count)
    values (consume_request_quota.user_id, win, my_shard, 1), (consume_request_quota.org_id, win, my_shard, 1)
    on conflict on constraint request_counters_pkey do update set count = c.count + 1;
  end if;
  select coalesce(sum(c.count) filter (where c.subject = consume_request_quota.user_id), 0),
         coalesce(sum(c.count) filter (where c.subject = consume_request_quota.org_id), 0)
    into user_count, org_count
    from app_private.request_counters c
   where c.subject in (consume_request_quota.user_id, consume_request_quota.org_id) and c.window_start = win;
  if current_setting('transaction_read_only') = 'on' then
    user_count := user_count + 1;
    org_count := org_count + 1;
  end if;
  if user_count > lim.per_user or org_count > lim.per_org then
    perform app_private.raise_quota_exceeded(case when user_count > lim.per_user then 'per_user' else 'per_org' end);
  end if;
end
$$;

-- Old windows are dropped by the identity cleanup (and cost nothing meanwhile: unlogged).
create or replace function app_private.purge_request_counters() returns bigint
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  with gone as (delete from app_private.request_counters c
                 where c.window_start < date_trunc('minute', now()) - interval '2 minutes' returning 1)
  select count(*) from gone
$$;
