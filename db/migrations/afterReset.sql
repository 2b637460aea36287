-- Cluster-level setup, run as a superuser against the application database by the
-- bootstrap step (and by `graphile-migrate reset`). Idempotent: safe on every start.
-- Passwords are never set here; the bootstrap sets them from the environment.

do $$
begin
  -- PostgREST connects as authenticator and switches to anon/authenticated per request.
  if not exists (select from pg_roles where rolname = 'anon') then
    create role anon nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then
    create role authenticated nologin;
  end if;
  if not exists (select from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;
  -- The gateway and worker may only EXECUTE the security definer functions granted to them.
  if not exists (select from pg_roles where rolname = 'switchboard_gateway') then
    create role switchboard_gateway login;
  end if;
  if not exists (select from pg_roles where rolname = 'switchboard_worker') then
    create role switchboard_worker login;
  end if;
end
$$;

alter role authenticator noinherit;
grant anon, authenticated to authenticator;

create extension if not exists pgcrypto with schema public;
create extension if not exists citext with schema public;
create extension if not exists btree_gist with schema public;

-- Nobody but the owner creates objects in public.
revoke create on schema public from public;

-- Transcript search under row-level security: PostgreSQL evaluates a policy's quals before
-- any non-leakproof qual of the query, and an index condition counts as evaluated first, so
-- without this the GIN index on transcripts.search is never used for RLS-filtered callers
-- (every console user). The tsvector @@ tsquery match reports nothing about a row but
-- whether it matches and raises no data-dependent errors, so it is safe to mark leakproof
-- (which only a superuser may do). db/tests/91-console-calls-search proves the plan.
alter function pg_catalog.ts_match_vq(tsvector, tsquery) leakproof;

-- The owner's security definer functions read the standbys' replication lag (HA).
do $$
begin
  if exists (select from pg_roles where rolname = 'switchboard_owner') then
    grant pg_read_all_stats to switchboard_owner;
  end if;
end
$$;
