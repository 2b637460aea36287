-- High availability (issue 17): what the read replica and the lag gauge need. The Citus
-- readiness of every table is 99-citus.sql, which runs after every other file of current/.

-- Replication lag (HA): on /metrics (switchboard_replica_lag_seconds) and in system_health.
--!include ops/replicas.sql
-- system_health gains a column; it is rebuilt once, in 7-reachout.sql, when every table it reads exists.

-- The session check (PostgREST's db-pre-request) also runs on a read replica, where the
-- unlogged request counters cannot be read: see app_private.check_session.
--!include identity/login.sql
