-- Citus readiness (issue 17): every table with an org_id column keeps org_id in its primary
-- key, in every unique constraint and unique index, and in every foreign key to another table
-- with org_id — unless it is on the allow-list below, with its reason. db/citus/distribute.sql
-- is run against stand-ins of Citus' functions and must name every other table exactly once.
begin;
select plan(8);

-- Tables that stay on the coordinator (not distributed), each with its reason.
create temp table citus_coordinator_only (tbl regclass primary key, reason text not null) on commit drop;
insert into citus_coordinator_only values
  -- with org_id
  ('app_private.sessions', 'looked up by session id (every PostgREST request) and refresh token hash before the org is known; lives with users'),
  ('app_private.sso_states', 'keyed by the OAuth state hash the identity provider sends back, before the org is known'),
  ('app_private.alert_state', 'operator alerting across all orgs; org_id is null for platform-wide alerts'),
  ('app_private.operational_events', 'operator event stream across all orgs; org_id is null for platform-wide events'),
  -- without org_id
  ('app_private.user_secrets', 'identity: per user, not per org'),
  ('app_private.user_mfa', 'identity: per user, not per org'),
  ('app_private.mfa_recovery_codes', 'identity: per user, not per org'),
  ('app_private.password_reset_tokens', 'identity: looked up by token hash before login'),
  ('app_private.user_identities', 'identity: SSO subjects per user'),
  ('app_private.login_attempts', 'identity: per email and address, before login'),
  ('app_private.account_lockouts', 'identity: per email, before login'),
  ('app_private.used_refresh_tokens', 'identity: refresh-token reuse detection, with sessions'),
  ('app_private.request_counters', 'per-minute quota counters keyed by user or org id, read by the session check with sessions'),
  ('app_private.worker_heartbeats', 'one row per worker process'),
  ('app_private.retention_runs', 'platform-wide retention job log'),
  ('app_private.backup_verification_log', 'platform-wide backup verification log'),
  ('app_private.feature_flag_history', 'platform-wide audit of global flags'),
  ('app_private.lead_staging', 'per-upload scratch rows, merged into leads by the coordinator'),
  ('app_private.signature_failures', 'unlogged per-minute counters for alerting, purged hourly'),
  ('app_private.source_signature_failures', 'hourly signature failures per source for the console, purged after 48 hours'),
  ('app_private.connection_calls', 'the hand-off''s pacing log per campaign-tool connection, kept an hour'),
  ('app_private.opaque_id_permutation', 'one platform-wide secret permutation behind the opaque ids'),
  ('app_private.calendar_feed_key', 'one platform-wide key that signs calendar feed tokens');

-- Stand-ins for Citus' functions record what distribute.sql asks for.
create schema citus_stub;
create table citus_stub.calls (tbl regclass not null, kind text not null, col text);
create function citus_stub.create_distributed_table(table_name regclass, distribution_column text,
    distribution_type text default 'hash', colocate_with text default 'default') returns void
  language sql as $$ insert into citus_stub.calls values (table_name, 'distributed', distribution_column) $$;
create function citus_stub.create_reference_table(table_name regclass) returns void
  language sql as $$ insert into citus_stub.calls values (table_name, 'reference', null) $$;
set local search_path = citus_stub, public;
\o /dev/null
\ir ../citus/distribute.sql
\o
reset search_path;

create temp view tenant_tables as
  select c.oid as tbl, a.attnum as org_att
    from pg_class c
    join pg_attribute a on a.attrelid = c.oid and a.attname = 'org_id' and not a.attisdropped
   where c.relnamespace in ('app_public'::regnamespace, 'app_private'::regnamespace)
     and c.relkind in ('r', 'p') and not c.relispartition
     and c.oid not in (select tbl from citus_coordinator_only);

select is_empty($$
  select t.tbl::regclass::text from tenant_tables t
   where not exists (select 1 from pg_constraint p where p.conrelid = t.tbl and p.contype = 'p' and t.org_att = any (p.conkey))
$$, 'every tenant table has org_id in its primary key');

select is_empty($$
  select t.tbl::regclass::text || ': ' || i.indexrelid::regclass::text from tenant_tables t
    join pg_index i on i.indrelid = t.tbl and i.indisunique
   where not t.org_att = any (i.indkey::int2[])
$$, 'every unique constraint and unique index of a tenant table includes org_id');

select is_empty($$
  select t.tbl::regclass::text || ': ' || f.conname from tenant_tables t
    join pg_constraint f on f.conrelid = t.tbl and f.contype = 'f'
   where exists (select 1 from pg_attribute a where a.attrelid = f.confrelid and a.attname = 'org_id' and not a.attisdropped)
     and not (t.org_att = any (f.conkey)
              and (select a.attnum from pg_attribute a where a.attrelid = f.confrelid and a.attname = 'org_id') = any (f.confkey))
$$, 'every foreign key from a tenant table to another table with org_id goes through org_id on both sides');

select set_eq(
  $$ select tbl::regclass::text from citus_stub.calls where kind = 'distributed' $$,
  $$ select tbl::regclass::text from tenant_tables $$,
  'distribute.sql distributes exactly the tenant tables');

select is_empty($$ select tbl::regclass::text from citus_stub.calls group by tbl having count(*) > 1 $$,
  'distribute.sql names each table once');

select is_empty($$ select tbl::regclass::text from citus_stub.calls where kind = 'distributed' and col is distinct from 'org_id' $$,
  'every tenant table is distributed by org_id');

select is_empty($$
  select c.oid::regclass::text from pg_class c
   where c.relnamespace in ('app_public'::regnamespace, 'app_private'::regnamespace)
     and c.relkind in ('r', 'p') and not c.relispartition
     and c.oid not in (select tbl from citus_stub.calls) and c.oid not in (select tbl from citus_coordinator_only)
$$, 'every other table is a reference table in distribute.sql or on the coordinator-only list');

select is_empty($$
  select tbl::regclass::text from citus_stub.calls where tbl in (select tbl from citus_coordinator_only)
$$, 'no coordinator-only table is distributed or replicated');

select * from finish();
rollback;
