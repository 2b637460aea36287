-- The worker beats every few seconds; /ready fails when the newest beat is too old.
create or replace function app_private.record_worker_heartbeat(worker_id text) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_private.worker_heartbeats (worker_id, beat_at) values (worker_id, now())
  on conflict on constraint worker_heartbeats_pkey do update set beat_at = excluded.beat_at
$$;

create or replace function app_private.seconds_since_worker_heartbeat() returns double precision
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select extract(epoch from now() - max(beat_at)) from app_private.worker_heartbeats
$$;
