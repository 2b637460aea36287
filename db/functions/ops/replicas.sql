-- Replication lag of the standbys (HA on pg_auto_failover, or any streaming standby), as the
-- primary sees it: seconds the slowest standby is behind in replaying the primary's WAL
-- (replay_lag; null while it is caught up and idle, so 0). -1 while no standby is streaming
-- (a single node, or a failover under way). Reading pg_stat_replication's lag columns takes
-- pg_read_all_stats, which afterReset.sql grants the owner.
create or replace function app_private.replica_lag_seconds() returns double precision
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select coalesce(max(extract(epoch from coalesce(r.replay_lag, interval '0'))), -1)::float8
    from pg_stat_replication r
   where r.state = 'streaming'
$$;
revoke all on function app_private.replica_lag_seconds() from public;
