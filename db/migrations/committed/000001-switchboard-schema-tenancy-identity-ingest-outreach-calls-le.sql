--! Previous: -
--! Hash: sha1:310da2d4e4b6087a419e2e240b98cdf3e0b6ed59
--! Message: Switchboard schema: tenancy, identity, ingest, outreach, calls, leads, delivery, ops

--! split: 1-foundation.sql
-- Foundation: schemas, tenancy, audit log, sessions, health.

create schema app_public;
create schema app_private;

-- Functions are not executable by everyone unless granted below.
alter default privileges revoke execute on functions from public;

grant usage on schema app_public to anon, authenticated, switchboard_gateway, switchboard_worker;
-- app_private holds no table grants; these roles only reach the functions granted to them.
grant usage on schema app_private to anon, authenticated, switchboard_gateway, switchboard_worker;

--! Included tenancy/claims.sql
-- JWT claim helpers. PostgREST puts the verified claims in `request.jwt.claims`;
-- tests and the worker set the same setting. Policies call these as
-- `(select app_public.current_org_id())` so they are evaluated once per statement.

create or replace function app_public.current_claims() returns jsonb
  language sql stable parallel safe
as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;

create or replace function app_public.current_user_id() returns uuid
  language sql stable parallel safe
as $$
  select nullif(app_public.current_claims() ->> 'sub', '')::uuid
$$;

create or replace function app_public.current_org_id() returns uuid
  language sql stable parallel safe
as $$
  select nullif(app_public.current_claims() ->> 'org_id', '')::uuid
$$;

create or replace function app_public.current_org_role() returns text
  language sql stable parallel safe
as $$
  select app_public.current_claims() ->> 'org_role'
$$;

create or replace function app_public.current_session_id() returns uuid
  language sql stable parallel safe
as $$
  select nullif(app_public.current_claims() ->> 'sid', '')::uuid
$$;

-- True for owners and admins of the caller's org: the roles that may change settings.
create or replace function app_public.current_user_is_admin() returns boolean
  language sql stable parallel safe
as $$
  select coalesce(app_public.current_org_role() in ('owner', 'admin'), false)
$$;
--! EndIncluded tenancy/claims.sql
--! Included tenancy/timezone.sql
-- A check constraint needs an immutable function; the IANA list only changes with a
-- PostgreSQL upgrade, so treating it as immutable is safe for validation.
create or replace function app_private.is_valid_timezone(tz text) returns boolean
  language sql immutable parallel safe
as $$
  select exists (select 1 from pg_catalog.pg_timezone_names where name = tz)
$$;
--! EndIncluded tenancy/timezone.sql

grant execute on function
  app_public.current_claims(), app_public.current_user_id(), app_public.current_org_id(),
  app_public.current_org_role(), app_public.current_session_id(), app_public.current_user_is_admin(),
  app_private.is_valid_timezone(text)
  to authenticated;

------------------------------------------------------------------------------------------
-- Tenancy

create table app_public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(trim(name)) between 1 and 200),
  timezone text not null default 'UTC' check (app_private.is_valid_timezone(timezone)),
  created_at timestamptz not null default now()
);

create table app_public.users (
  id uuid primary key default gen_random_uuid(),
  email citext not null unique,
  display_name text check (length(display_name) <= 200),
  created_at timestamptz not null default now()
);

create table app_private.user_secrets (
  user_id uuid primary key references app_public.users on delete cascade,
  password_hash text not null,
  password_changed_at timestamptz not null default now()
);

create table app_public.memberships (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  user_id uuid not null references app_public.users on delete cascade,
  role text not null default 'member' check (role in ('owner', 'admin', 'member')),
  created_at timestamptz not null default now(),
  primary key (org_id, user_id)
);
create index memberships_user_id_idx on app_public.memberships (user_id);

create table app_public.audit_log (
  org_id uuid not null,
  id bigint generated always as identity,
  actor_id uuid,
  table_name text not null,
  row_id text,
  action text not null check (action in ('insert', 'update', 'delete')),
  old_values jsonb,
  new_values jsonb,
  at timestamptz not null default now(),
  primary key (org_id, id)
);
create index audit_log_org_id_at_idx on app_public.audit_log (org_id, at desc);
create index audit_log_at_idx on app_public.audit_log (at);

--! Included tenancy/audit.sql
-- Generic audit trail. Attach with:
--   create trigger tg_<table>__audit after insert or update or delete on <table>
--     for each row execute function app_private.tg__audit([org_column]);
-- The org column defaults to org_id (organizations pass 'id').
create or replace function app_private.tg__audit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
declare
  org_column text := coalesce(tg_argv[0], 'org_id');
  old_row jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  new_row jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  any_row jsonb := coalesce(new_row, old_row);
begin
  if tg_op = 'UPDATE' and old_row = new_row then
    return null;
  end if;
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (
    (any_row ->> org_column)::uuid,
    app_public.current_user_id(),
    tg_table_schema || '.' || tg_table_name,
    coalesce(any_row ->> 'id', any_row ->> 'user_id'),
    lower(tg_op),
    old_row,
    new_row
  );
  return null;
end
$$;

-- The audit log is append-only. Only app_private.purge_audit_log (the retention job)
-- may delete, and it marks its transaction so this trigger lets it through.
create or replace function app_private.tg_audit_log__append_only() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'DELETE' and current_setting('switchboard.audit_retention', true) = 'on' then
    return old;
  end if;
  raise exception 'audit_log is append-only' using errcode = '42501';
end
$$;

create or replace function app_private.purge_audit_log(older_than interval, batch_size int default 5000)
  returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  removed bigint;
begin
  perform set_config('switchboard.audit_retention', 'on', true);
  delete from app_public.audit_log
   where id in (select id from app_public.audit_log
                 where at < now() - older_than
                 order by id limit batch_size);
  get diagnostics removed = row_count;
  perform set_config('switchboard.audit_retention', 'off', true);
  return removed;
end
$$;
--! EndIncluded tenancy/audit.sql
--! Included tenancy/organizations.sql
-- Operator functions behind `switchboard org create` / `user add`.

create or replace function app_private.ensure_user(email citext, password text) returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  uid uuid;
begin
  if email is null or email::text !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    raise exception 'invalid email address' using errcode = '22023';
  end if;
  select id into uid from app_public.users u where u.email = ensure_user.email;
  if uid is null then
    if password is null or length(password) < 8 then
      raise exception 'password must be at least 8 characters' using errcode = '22023';
    end if;
    insert into app_public.users (email) values (ensure_user.email) returning id into uid;
    insert into app_private.user_secrets (user_id, password_hash)
    values (uid, crypt(password, gen_salt('bf', 10)));
  end if;
  return uid;
end
$$;

create or replace function app_private.create_organization(
  name text, admin_email citext, admin_password text, timezone text default 'UTC',
  out org_id uuid, out user_id uuid)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  insert into app_public.organizations (name, timezone)
  values (create_organization.name, create_organization.timezone)
  returning id into org_id;
  user_id := app_private.ensure_user(admin_email, admin_password);
  insert into app_public.memberships (org_id, user_id, role)
  values (create_organization.org_id, create_organization.user_id, 'owner');
end
$$;

-- Adds a membership; creates the user when the email is new. An existing user's
-- password is never changed here.
create or replace function app_private.add_user(org_id uuid, email citext, password text, role text)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  uid uuid;
begin
  if not exists (select 1 from app_public.organizations o where o.id = add_user.org_id) then
    raise exception 'organization not found' using errcode = 'P0002';
  end if;
  uid := app_private.ensure_user(email, password);
  insert into app_public.memberships (org_id, user_id, role)
  values (add_user.org_id, uid, add_user.role);
  return uid;
end
$$;

-- Every org keeps at least one owner: deleting or demoting the last one is refused.
create or replace function app_private.tg_memberships__keep_an_owner() returns trigger
  language plpgsql
as $$
begin
  if old.role = 'owner'
     and (tg_op = 'DELETE' or new.role <> 'owner')
     and exists (select 1 from app_public.organizations o where o.id = old.org_id)
     and not exists (select 1 from app_public.memberships m
                      where m.org_id = old.org_id and m.role = 'owner' and m.user_id <> old.user_id) then
    raise exception 'an organization must keep at least one owner' using errcode = '23514';
  end if;
  return coalesce(new, old);
end
$$;
--! EndIncluded tenancy/organizations.sql

create trigger tg_audit_log__append_only before update or delete on app_public.audit_log
  for each row execute function app_private.tg_audit_log__append_only();
create trigger tg_audit_log__no_truncate before truncate on app_public.audit_log
  for each statement execute function app_private.tg_audit_log__append_only();

create trigger tg_organizations__audit after insert or update or delete on app_public.organizations
  for each row execute function app_private.tg__audit('id');
create trigger tg_memberships__audit after insert or update or delete on app_public.memberships
  for each row execute function app_private.tg__audit();
create trigger tg_memberships__keep_an_owner before update or delete on app_public.memberships
  for each row execute function app_private.tg_memberships__keep_an_owner();

alter table app_public.organizations enable row level security;
alter table app_public.organizations force row level security;
alter table app_public.users enable row level security;
alter table app_public.users force row level security;
alter table app_public.memberships enable row level security;
alter table app_public.memberships force row level security;
alter table app_public.audit_log enable row level security;
alter table app_public.audit_log force row level security;

create policy select_own_org on app_public.organizations for select to authenticated
  using (id = (select app_public.current_org_id()));
create policy admins_update_own_org on app_public.organizations for update to authenticated
  using (id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (id = (select app_public.current_org_id()));

-- Users see themselves and the members of their current org.
create policy select_self_and_org_members on app_public.users for select to authenticated
  using (id = (select app_public.current_user_id())
         or id in (select m.user_id from app_public.memberships m
                    where m.org_id = (select app_public.current_org_id())));
create policy update_self on app_public.users for update to authenticated
  using (id = (select app_public.current_user_id()))
  with check (id = (select app_public.current_user_id()));

create policy select_own_org on app_public.memberships for select to authenticated
  using (org_id = (select app_public.current_org_id()));
-- Admins manage members; only owners grant, change or remove the owner role.
create policy admins_insert on app_public.memberships for insert to authenticated
  with check (org_id = (select app_public.current_org_id())
              and (select app_public.current_user_is_admin())
              and (role <> 'owner' or (select app_public.current_org_role()) = 'owner'));
create policy admins_update on app_public.memberships for update to authenticated
  using (org_id = (select app_public.current_org_id())
         and (select app_public.current_user_is_admin())
         and (role <> 'owner' or (select app_public.current_org_role()) = 'owner'))
  with check (org_id = (select app_public.current_org_id())
              and (role <> 'owner' or (select app_public.current_org_role()) = 'owner'));
create policy admins_delete on app_public.memberships for delete to authenticated
  using (org_id = (select app_public.current_org_id())
         and (select app_public.current_user_is_admin())
         and (role <> 'owner' or (select app_public.current_org_role()) = 'owner'));

create policy admins_select_own_org on app_public.audit_log for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

grant select on app_public.organizations to authenticated;
grant update (name, timezone) on app_public.organizations to authenticated;
grant select (id, email, display_name, created_at) on app_public.users to authenticated;
grant update (display_name) on app_public.users to authenticated;
grant select on app_public.memberships to authenticated;
grant insert (org_id, user_id, role) on app_public.memberships to authenticated;
grant update (role) on app_public.memberships to authenticated;
grant delete on app_public.memberships to authenticated;
grant select on app_public.audit_log to authenticated;

------------------------------------------------------------------------------------------
-- Identity: sessions (JWT `sid`). Refresh, MFA and lockout build on this table.

create table app_private.sessions (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references app_public.users on delete cascade,
  org_id uuid not null references app_public.organizations on delete cascade,
  refresh_token_hash bytea not null unique,
  ip inet,
  user_agent text,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  revoked_at timestamptz
);
create index sessions_user_id_idx on app_private.sessions (user_id);
create index sessions_org_id_idx on app_private.sessions (org_id);

--! Included identity/login.sql
-- Password login, kept for callers of the original signature: the full flow (lockout,
-- second factor, audit) is app_private.authenticate in identity/sessions.sql; this
-- returns a row only when the login succeeded without needing a second factor.
create or replace function app_private.login(
  email citext, password text, requested_org_id uuid default null,
  ip inet default null, user_agent text default null, session_ttl interval default '30 days')
  returns table (user_id uuid, org_id uuid, org_role text, session_id uuid, refresh_token text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  return query
    select a.user_id, a.org_id, a.org_role, a.session_id, a.refresh_token
      from app_private.authenticate(login.email, login.password, null, login.requested_org_id,
                                    login.ip, login.user_agent, null, null, login.session_ttl) a
     where a.status = 'ok';
end
$$;

-- PostgREST db-pre-request. Every JWT is checked against its live session on every
-- request, whatever the token's own exp says:
--   * a revoked or expired session, or claims that do not match it → 401;
--   * a role that changed since the token was issued (demotion, removal) → 401, so the
--     client refreshes and gets the current role;
--   * an org that requires MFA while a password-session user has none → 403 (they may
--     only enroll; SSO sessions leave the second factor to the identity provider);
--   * then the per-user and per-org request quota (429 with Retry-After).
create or replace function app_private.check_session() returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  claims jsonb := app_public.current_claims();
  sid uuid;
  win timestamptz := date_trunc('minute', now());
  s record;
begin
  -- Anonymous requests carry no claims; every JWT we issue names a session.
  if coalesce(claims ->> 'role', 'anon') = 'anon' then
    return;
  end if;
  if coalesce(claims ->> 'sid', '') ~ '^[0-9a-fA-F-]{36}$' then
    sid := (claims ->> 'sid')::uuid;
  end if;
  -- One statement: the session, the current role, the org's MFA rule and this window's
  -- request counts (a GET runs read-only and only checks them).
  select x.user_id, x.org_id, m.role,
         o.require_mfa and x.auth_method = 'password' and not exists (select 1 from app_private.user_mfa f
                                        where f.user_id = x.user_id and f.enabled_at is not null) as needs_mfa,
         coalesce(q.requests_per_user_per_minute, app_private.default_user_quota()) as per_user,
         coalesce(q.requests_per_org_per_minute, app_private.default_org_quota()) as per_org,
         (select coalesce(sum(c.count), 0) from app_private.request_counters c
           where c.subject = x.user_id and c.window_start = win) as user_count,
         (select coalesce(sum(c.count), 0) from app_private.request_counters c
           where c.subject = x.org_id and c.window_start = win) as org_count
    into s
    from app_private.sessions x
    left join app_public.memberships m on m.org_id = x.org_id and m.user_id = x.user_id
    left join app_public.organizations o on o.id = x.org_id
    left join app_private.org_quotas q on q.org_id = x.org_id
   where x.id = sid and x.revoked_at is null and x.expires_at > now();
  if not found or s.user_id::text is distinct from claims ->> 'sub'
     or s.org_id::text is distinct from claims ->> 'org_id' then
    raise exception 'session is no longer valid'
      using errcode = 'PT401', detail = 'session_revoked', hint = 'log in again';
  end if;
  if s.role is distinct from claims ->> 'org_role' then
    raise exception 'your role in this organization has changed'
      using errcode = 'PT401', detail = 'role_changed', hint = 'refresh the access token';
  end if;
  if s.needs_mfa then
    raise exception 'this organization requires multi-factor authentication'
      using errcode = 'PT403', detail = 'mfa_enrollment_required',
            hint = 'enroll with POST /auth/mfa/enroll on the gateway';
  end if;
  if current_setting('transaction_read_only') = 'on' then
    if s.user_count >= s.per_user or s.org_count >= s.per_org then
      perform app_private.raise_quota_exceeded(case when s.user_count >= s.per_user then 'per_user' else 'per_org' end);
    end if;
  else
    perform app_private.consume_request_quota(s.user_id, s.org_id);
  end if;
end
$$;
--! EndIncluded identity/login.sql

------------------------------------------------------------------------------------------
-- Ops: worker heartbeat for /ready.

create table app_private.worker_heartbeats (
  worker_id text primary key,
  beat_at timestamptz not null
);

--! Included ops/health.sql
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
--! EndIncluded ops/health.sql

grant execute on function app_private.login(citext, text, uuid, inet, text, interval) to switchboard_gateway;
grant execute on function app_private.seconds_since_worker_heartbeat() to switchboard_gateway;
grant execute on function app_private.record_worker_heartbeat(text) to switchboard_worker;
grant execute on function app_private.purge_audit_log(interval, int) to switchboard_worker;
grant execute on function app_private.check_session() to anon, authenticated;

------------------------------------------------------------------------------------------
-- graphile-worker: its schema is installed by the owner before migrations; the worker
-- role gets only what graphile-worker needs to run jobs.

grant usage on schema graphile_worker to switchboard_worker;
grant select, insert, update, delete on all tables in schema graphile_worker to switchboard_worker;
grant usage, select on all sequences in schema graphile_worker to switchboard_worker;
grant execute on all functions in schema graphile_worker to switchboard_worker;
-- graphile-worker enables RLS on its private tables (so they are never exposed); the
-- worker role is not their owner, so it gets an explicit allow-all policy on each.
do $$
declare
  t regclass;
begin
  for t in select c.oid::regclass from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'graphile_worker' and c.relkind = 'r' and c.relrowsecurity loop
    execute format('create policy switchboard_worker_all on %s to switchboard_worker using (true) with check (true)', t);
  end loop;
end
$$;

--! split: 2-ingest.sql
-- Ingest: sources (webhook senders and lead uploaders) and their encrypted secrets.

create table app_public.sources (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  provider text not null check (provider in ('smartlead', 'replyio', 'vapi', 'standard', 'csv')),
  name text not null check (length(name) between 1 and 200),
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);

create table app_private.source_secrets (
  org_id uuid not null,
  id bigint generated always as identity,
  source_id uuid not null references app_public.sources (id) on delete cascade,
  secret_encrypted bytea not null,
  created_at timestamptz not null default now(),
  -- null while current; set when rotated out (the grace period's end).
  expires_at timestamptz,
  primary key (org_id, id)
);
create index source_secrets_source_id_idx on app_private.source_secrets (source_id);

--! Included ingest/sources.sql
-- Webhook and upload sources. Secrets are encrypted with pgcrypto under a key that
-- lives only in the environment: callers pass it per call, it is never stored.

create or replace function app_private.new_source_secret(provider text) returns text
  language sql volatile
  set search_path = pg_catalog, public
as $$
  -- Standard Webhooks secrets are whsec_<base64 key>; the others are hex strings used as UTF-8.
  select case when provider = 'standard'
              then 'whsec_' || encode(gen_random_bytes(32), 'base64')
              else encode(gen_random_bytes(32), 'hex') end
$$;

create or replace function app_private.create_source(
  org_id uuid, provider text, name text, encryption_key text,
  out source_id uuid, out secret text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  insert into app_public.sources (org_id, provider, name)
  values (create_source.org_id, create_source.provider, coalesce(create_source.name, provider))
  returning id into source_id;
  secret := app_private.new_source_secret(provider);
  insert into app_private.source_secrets (org_id, source_id, secret_encrypted)
  values (create_source.org_id, source_id, pgp_sym_encrypt(secret, encryption_key));
end
$$;

-- A new secret takes over at once; the current one keeps working until the grace
-- period ends. Anything older expires now, so at most two secrets are ever valid.
create or replace function app_private.rotate_source_secret(
  source_id uuid, grace interval, encryption_key text,
  out secret text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  src app_public.sources;
begin
  select * into src from app_public.sources s where s.id = rotate_source_secret.source_id for update;
  if not found then
    raise exception 'source not found' using errcode = 'P0002';
  end if;
  update app_private.source_secrets s set expires_at = now()
   where s.source_id = src.id and s.expires_at > now();
  update app_private.source_secrets s set expires_at = now() + greatest(grace, '0'::interval)
   where s.source_id = src.id and s.expires_at is null;
  secret := app_private.new_source_secret(src.provider);
  insert into app_private.source_secrets (org_id, source_id, secret_encrypted)
  values (src.org_id, src.id, pgp_sym_encrypt(secret, encryption_key));
end
$$;

-- What the gateway needs to verify a request: nothing for an unknown or disabled
-- source (the caller answers exactly as for a bad signature), else the valid secrets.
create or replace function app_private.source_credentials(source_id uuid, provider text, encryption_key text)
  returns table (org_id uuid, secrets text[])
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select s.org_id,
         array_agg(pgp_sym_decrypt(k.secret_encrypted, encryption_key) order by k.created_at desc)
    from app_public.sources s
    join app_private.source_secrets k on k.source_id = s.id
   where s.id = source_credentials.source_id
     and s.provider = source_credentials.provider
     and s.enabled
     and (k.expires_at is null or k.expires_at > now())
   group by s.org_id
$$;
--! EndIncluded ingest/sources.sql

alter table app_public.sources enable row level security;
alter table app_public.sources force row level security;
create policy admins_select on app_public.sources for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.sources for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
grant select on app_public.sources to authenticated;
grant update (name, enabled) on app_public.sources to authenticated;

create trigger tg_sources__audit after insert or update or delete on app_public.sources
  for each row execute function app_private.tg__audit();

grant execute on function app_private.source_credentials(uuid, text, text) to switchboard_gateway;

------------------------------------------------------------------------------------------
-- The inbox: every accepted webhook, unique per (org, source, dedupe key).

create table app_public.webhook_events (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid(),
  source_id uuid not null references app_public.sources (id) on delete cascade,
  provider text not null,
  dedupe_key text not null,
  shard smallint not null,
  event_type text,
  occurred_at timestamptz,
  -- Set to null by retention once the body is older than the window; the key stays.
  payload jsonb,
  status text not null default 'pending' check (status in ('pending', 'processed', 'failed', 'dead')),
  attempts int not null default 0,
  last_error text,
  next_attempt_at timestamptz not null default now(),
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  primary key (org_id, id),
  unique (org_id, source_id, dedupe_key)
);
create index webhook_events_todo_idx on app_public.webhook_events (org_id, shard, received_at)
  where status in ('pending', 'failed');
create index webhook_events_received_at_idx on app_public.webhook_events (org_id, received_at desc);

create table app_public.dead_letters (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  kind text not null,
  ref_id uuid not null,
  error text,
  created_at timestamptz not null default now(),
  retried_at timestamptz,
  retried_by uuid,
  primary key (org_id, id),
  unique (id)
);

-- Which worker task processes a provider's events (other domains add their providers).
create table app_private.provider_tasks (
  provider text primary key,
  task_identifier text not null
);
insert into app_private.provider_tasks (provider, task_identifier) values
  ('smartlead', 'process_outreach_events'),
  ('replyio', 'process_outreach_events'),
  ('standard', 'process_outreach_events');

--! Included ingest/inbox.sql
-- The durable inbox. A 2xx is only sent after this function's transaction commits:
-- the event row and the job that will process it are written together.
--
-- Events are spread over 8 shards by partition key (the contact's email for outreach,
-- the call id for voice), and each (task, org, shard) has one graphile-worker job key.
-- So events of one contact are never processed concurrently, a hot org is processed
-- by up to 8 jobs at once, and concurrent ingests contend on 8 job rows, not one.
create or replace function app_private.ingest_webhook_event(
  source_id uuid, provider text, dedupe_key text, partition_key text,
  event_type text, occurred_at timestamptz, payload jsonb)
  returns table (event_id uuid, duplicate boolean)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  src_org uuid;
  event_shard smallint := abs(hashtext(coalesce(partition_key, dedupe_key))) % 8;
  task text;
begin
  select s.org_id into src_org from app_public.sources s
   where s.id = ingest_webhook_event.source_id and s.provider = ingest_webhook_event.provider and s.enabled;
  if src_org is null then
    raise exception 'unknown source' using errcode = 'P0002';
  end if;

  insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard, event_type, occurred_at, payload)
  values (src_org, ingest_webhook_event.source_id, provider, dedupe_key, event_shard, event_type, occurred_at, payload)
  on conflict (org_id, source_id, dedupe_key) do nothing
  -- The stored shard: a provider's trigger may place its events on shards of their own.
  returning id, shard into event_id, event_shard;

  if event_id is null then
    select e.id into event_id from app_public.webhook_events e
     where e.org_id = src_org and e.source_id = ingest_webhook_event.source_id
       and e.dedupe_key = ingest_webhook_event.dedupe_key;
    duplicate := true;
    return next;
    return;
  end if;

  select t.task_identifier into task from app_private.provider_tasks t where t.provider = ingest_webhook_event.provider;
  perform app_private.schedule_event_processing(task, src_org, event_shard);
  duplicate := false;
  return next;
end
$$;

-- Ingest uses unsafe_dedupe: when the shard already has a job, nothing is written, so
-- concurrent webhooks never queue on a job row lock. The price is a narrow race (a job
-- that has just read its last batch still holds the key); reschedule_due_events closes it
-- within seconds, using preserve_run_at, which always leaves a runnable job behind.
create or replace function app_private.schedule_event_processing(
  task text, org_id uuid, shard smallint, run_at timestamptz default now(),
  mode text default 'unsafe_dedupe', key_suffix text default '') returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select graphile_worker.add_job(
    task,
    json_build_object('org_id', org_id, 'shard', shard),
    run_at => run_at,
    job_key => task || ':' || org_id || ':' || shard || key_suffix,
    job_key_mode => mode,
    max_attempts => 25)
$$;

-- Safety net (worker start-up, every few seconds from each worker, and a cron every
-- minute): every shard with events waiting longer than `older_than` gets a runnable job.
-- Covers the ingest race above and a worker killed while holding a job (graphile-worker
-- would unlock it only hours later); extra jobs are harmless (shards are serialised by an
-- advisory lock and skip locked rows).
create or replace function app_private.reschedule_due_events(older_than interval default '0') returns int
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  with due as (
    select distinct e.org_id, e.shard, t.task_identifier
      from app_public.webhook_events e
      join app_private.provider_tasks t on t.provider = e.provider
     where e.status in ('pending', 'failed') and e.next_attempt_at <= now()
       and e.received_at < now() - older_than)
  select count(app_private.schedule_event_processing(due.task_identifier, due.org_id, due.shard, now(), 'preserve_run_at'))::int
    from due
$$;

-- Records a processing failure. After max_attempts the event is dead and lands in
-- dead_letters, from where an admin can retry it.
create or replace function app_private.fail_webhook_event(org_id uuid, event_id uuid, error text, max_attempts int default 5)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ev app_public.webhook_events;
begin
  update app_public.webhook_events e
     set attempts = e.attempts + 1,
         last_error = left(error, 500),
         status = case when e.attempts + 1 >= max_attempts then 'dead' else 'failed' end,
         -- exponential backoff: 2, 4, 8, 16 … seconds
         next_attempt_at = now() + make_interval(secs => power(2, e.attempts + 1))
   where e.org_id = fail_webhook_event.org_id and e.id = event_id
  returning * into ev;
  if ev.status = 'dead' then
    insert into app_public.dead_letters (org_id, kind, ref_id, error)
    values (ev.org_id, 'webhook_event', ev.id, ev.last_error);
  else
    perform app_private.schedule_event_processing(
      (select t.task_identifier from app_private.provider_tasks t where t.provider = ev.provider),
      ev.org_id, ev.shard, ev.next_attempt_at, 'preserve_run_at', ':retry');
  end if;
  return ev.status;
end
$$;

-- Admin RPC: a dead event goes back to pending and is processed again.
create or replace function app_public.retry_dead_letter(dead_letter_id bigint) returns app_public.dead_letters
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  dl app_public.dead_letters;
  ev app_public.webhook_events;
  task text;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins retry dead letters' using errcode = '42501';
  end if;
  update app_public.dead_letters d set retried_at = now(), retried_by = app_public.current_user_id()
   where d.org_id = app_public.current_org_id() and d.id = dead_letter_id and d.retried_at is null
  returning * into dl;
  if dl.id is null then
    raise exception 'dead letter not found or already retried' using errcode = 'PT404';
  end if;
  if dl.kind = 'webhook_event' then
    update app_public.webhook_events e
       set status = 'pending', attempts = 0, next_attempt_at = now()
     where e.org_id = dl.org_id and e.id = dl.ref_id
    returning * into ev;
    select t.task_identifier into task from app_private.provider_tasks t where t.provider = ev.provider;
    perform app_private.schedule_event_processing(task, ev.org_id, ev.shard, now(), 'preserve_run_at');
  end if;
  return dl;
end
$$;
--! EndIncluded ingest/inbox.sql

alter table app_public.webhook_events enable row level security;
alter table app_public.webhook_events force row level security;
alter table app_public.dead_letters enable row level security;
alter table app_public.dead_letters force row level security;
create policy select_own_org on app_public.webhook_events for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.dead_letters for select to authenticated
  using (org_id = (select app_public.current_org_id()));
grant select on app_public.webhook_events to authenticated;
grant select on app_public.dead_letters to authenticated;

grant execute on function app_private.ingest_webhook_event(uuid, text, text, text, text, timestamptz, jsonb) to switchboard_gateway;
grant execute on function app_private.fail_webhook_event(uuid, uuid, text, int) to switchboard_worker;
grant execute on function app_private.reschedule_due_events(interval) to switchboard_worker;
grant execute on function app_public.retry_dead_letter(bigint) to authenticated;

--! split: 3-outreach.sql
-- Outreach: campaigns, contacts, suppression list and workspace settings.

create table app_public.workspace_settings (
  org_id uuid primary key references app_public.organizations on delete cascade,
  -- campaign_metrics.freshness: fresh under stale_after, stale until expired_after, then expired.
  stale_after interval not null default '1 hour' check (stale_after > '0'::interval),
  expired_after interval not null default '24 hours',
  positive_categories text[] not null default '{interested,meeting_request,information_request}',
  reply_rate_warning numeric(5, 4) not null default 0.02 check (reply_rate_warning between 0 and 1),
  updated_at timestamptz not null default now(),
  updated_by uuid,
  check (expired_after > stale_after)
);

create table app_public.workspace_settings_history (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  changed_by uuid,
  changed_at timestamptz not null default now(),
  old_values jsonb not null,
  new_values jsonb not null,
  primary key (org_id, id)
);

--! Included outreach/settings.sql
-- Every org gets its settings row at creation, so readers never need defaults in code.
create or replace function app_private.tg_organizations__create_settings() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  insert into app_public.workspace_settings (org_id) values (new.id) on conflict do nothing;
  return null;
end
$$;

-- Every settings change is versioned: who, when, old and new values.
create or replace function app_private.tg_workspace_settings__history() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  new.updated_at := now();
  new.updated_by := app_public.current_user_id();
  insert into app_public.workspace_settings_history (org_id, changed_by, old_values, new_values)
  values (new.org_id, new.updated_by, to_jsonb(old), to_jsonb(new));
  return new;
end
$$;
--! EndIncluded outreach/settings.sql

create trigger tg_organizations__create_settings after insert on app_public.organizations
  for each row execute function app_private.tg_organizations__create_settings();
create trigger tg_workspace_settings__history before update on app_public.workspace_settings
  for each row execute function app_private.tg_workspace_settings__history();

create table app_public.campaigns (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  name text not null check (length(name) between 1 and 300),
  provider text not null default 'manual' check (provider in ('manual', 'smartlead', 'replyio', 'standard')),
  -- The provider's own campaign id; unique per org and provider.
  external_id text,
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (org_id, provider, external_id)
);

create table app_public.contacts (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  email citext check (email is null or email ~ '^[^@\s]+@[^@\s]+$'),
  first_name text,
  last_name text,
  phone text,
  company text,
  attributes jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (org_id, email)
);

-- Who must never be contacted again, by email, per org (unsubscribes, hard bounces, requests).
create table app_public.suppressions (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  email citext not null,
  reason text not null check (reason in ('unsubscribed', 'bounced', 'complaint', 'do_not_contact')),
  source text,
  created_at timestamptz not null default now(),
  primary key (org_id, email)
);

--! Included outreach/campaigns.sql
-- Operator command `campaign create`; the provider's id makes it findable by webhooks.
create or replace function app_private.create_campaign(org_id uuid, name text, provider text, external_id text)
  returns uuid
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_public.campaigns (org_id, name, provider, external_id)
  values (org_id, name, provider, external_id)
  returning id
$$;
--! EndIncluded outreach/campaigns.sql

create trigger tg_campaigns__audit after insert or update or delete on app_public.campaigns
  for each row execute function app_private.tg__audit();
create trigger tg_suppressions__audit after insert or update or delete on app_public.suppressions
  for each row execute function app_private.tg__audit();
create trigger tg_workspace_settings__audit after update on app_public.workspace_settings
  for each row execute function app_private.tg__audit();

alter table app_public.workspace_settings enable row level security;
alter table app_public.workspace_settings force row level security;
alter table app_public.workspace_settings_history enable row level security;
alter table app_public.workspace_settings_history force row level security;
alter table app_public.campaigns enable row level security;
alter table app_public.campaigns force row level security;
alter table app_public.contacts enable row level security;
alter table app_public.contacts force row level security;
alter table app_public.suppressions enable row level security;
alter table app_public.suppressions force row level security;

create policy select_own_org on app_public.workspace_settings for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_update on app_public.workspace_settings for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
create policy admins_select on app_public.workspace_settings_history for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

create policy select_own_org on app_public.campaigns for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.campaigns for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.campaigns for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));

create policy select_own_org on app_public.contacts for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy insert_own_org on app_public.contacts for insert to authenticated
  with check (org_id = (select app_public.current_org_id()));
create policy update_own_org on app_public.contacts for update to authenticated
  using (org_id = (select app_public.current_org_id()))
  with check (org_id = (select app_public.current_org_id()));

create policy select_own_org on app_public.suppressions for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy insert_own_org on app_public.suppressions for insert to authenticated
  with check (org_id = (select app_public.current_org_id()));
create policy admins_delete on app_public.suppressions for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

grant select on app_public.workspace_settings to authenticated;
grant update (stale_after, expired_after, positive_categories, reply_rate_warning) on app_public.workspace_settings to authenticated;
grant select on app_public.workspace_settings_history to authenticated;
grant select on app_public.campaigns to authenticated;
grant insert (org_id, name, provider, external_id) on app_public.campaigns to authenticated;
grant update (name) on app_public.campaigns to authenticated;
grant select on app_public.contacts to authenticated;
grant insert (org_id, email, first_name, last_name, phone, company, attributes) on app_public.contacts to authenticated;
grant update (email, first_name, last_name, phone, company, attributes) on app_public.contacts to authenticated;
grant select on app_public.suppressions to authenticated;
grant insert (org_id, email, reason, source) on app_public.suppressions to authenticated;
grant delete on app_public.suppressions to authenticated;

------------------------------------------------------------------------------------------
-- Email events and exact campaign metrics.

create table app_private.outreach_event_types (
  provider text not null,
  provider_type text not null,
  metric text not null check (metric in ('sent', 'opened', 'clicked', 'replied', 'bounced', 'unsubscribed', 'categorized')),
  primary key (provider, provider_type)
);
insert into app_private.outreach_event_types (provider, provider_type, metric) values
  ('smartlead', 'EMAIL_SENT', 'sent'), ('replyio', 'email_sent', 'sent'), ('standard', 'email.sent', 'sent'),
  ('smartlead', 'EMAIL_OPEN', 'opened'), ('replyio', 'email_opened', 'opened'), ('standard', 'email.opened', 'opened'),
  ('smartlead', 'EMAIL_LINK_CLICK', 'clicked'), ('replyio', 'email_link_clicked', 'clicked'), ('standard', 'email.clicked', 'clicked'),
  ('smartlead', 'EMAIL_REPLY', 'replied'), ('replyio', 'email_replied', 'replied'), ('standard', 'email.replied', 'replied'),
  ('smartlead', 'EMAIL_BOUNCE', 'bounced'), ('replyio', 'email_bounced', 'bounced'), ('standard', 'email.bounced', 'bounced'),
  ('smartlead', 'LEAD_UNSUBSCRIBED', 'unsubscribed'), ('replyio', 'contact_opted_out', 'unsubscribed'), ('standard', 'email.unsubscribed', 'unsubscribed'),
  ('smartlead', 'LEAD_CATEGORY_UPDATED', 'categorized'), ('replyio', 'reply_categorized', 'categorized'), ('standard', 'email.categorized', 'categorized');

create table app_public.email_events (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid(),
  webhook_event_id uuid not null,
  campaign_id uuid not null references app_public.campaigns (id) on delete cascade,
  contact_id uuid references app_public.contacts (id) on delete set null,
  kind text not null,
  category text,
  occurred_at timestamptz not null,
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (org_id, webhook_event_id)
);
create index email_events_campaign_idx on app_public.email_events (org_id, campaign_id, occurred_at desc);
create index email_events_contact_idx on app_public.email_events (contact_id);

-- Per (campaign, contact): has replied, has a positive category. Drives positive_replies.
create table app_private.campaign_replies (
  org_id uuid not null,
  campaign_id uuid not null references app_public.campaigns (id) on delete cascade,
  contact_id uuid not null references app_public.contacts (id) on delete cascade,
  replied boolean not null default false,
  positive boolean not null default false,
  primary key (org_id, campaign_id, contact_id)
);

create table app_public.campaign_counters (
  org_id uuid not null references app_public.organizations on delete cascade,
  campaign_id uuid not null references app_public.campaigns (id) on delete cascade,
  sent bigint not null default 0,
  opened bigint not null default 0,
  clicked bigint not null default 0,
  replied bigint not null default 0,
  positive_replies bigint not null default 0,
  bounced bigint not null default 0,
  unsubscribed bigint not null default 0,
  synced_at timestamptz,
  primary key (org_id, campaign_id)
);

create table app_public.campaign_hourly_metrics (
  org_id uuid not null references app_public.organizations on delete cascade,
  campaign_id uuid not null references app_public.campaigns (id) on delete cascade,
  -- The hour on the org's wall clock, and the instant it starts.
  local_hour timestamp not null,
  hour_start timestamptz not null,
  sent bigint not null default 0,
  opened bigint not null default 0,
  clicked bigint not null default 0,
  replied bigint not null default 0,
  positive_replies bigint not null default 0,
  bounced bigint not null default 0,
  unsubscribed bigint not null default 0,
  primary key (org_id, campaign_id, local_hour)
);

--! Included outreach/events.sql
-- Provider payload → the fields outreach processing needs (CONTRACT.md "Minimal payloads").
create or replace function app_private.outreach_fields(provider text, payload jsonb)
  returns table (event_type text, external_id text, campaign_name text, email text, category text, bounce_type text)
  language sql immutable parallel safe
as $$
  select
    case provider when 'smartlead' then payload ->> 'event_type'
                  when 'replyio' then payload #>> '{event,type}'
                  else payload ->> 'type' end,
    case provider when 'smartlead' then payload ->> 'campaign_id'
                  when 'replyio' then payload #>> '{payload,sequence,id}'
                  else payload #>> '{data,campaign_id}' end,
    case provider when 'smartlead' then payload ->> 'campaign_name'
                  when 'replyio' then payload #>> '{payload,sequence,name}'
                  else payload #>> '{data,campaign_name}' end,
    lower(case provider when 'smartlead' then payload ->> 'to_email'
                        when 'replyio' then payload #>> '{payload,contact,email}'
                        else payload #>> '{data,email}' end),
    case provider when 'smartlead' then coalesce(payload #>> '{lead_category,new_name}', payload ->> 'lead_category')
                  when 'replyio' then payload #>> '{payload,category}'
                  else payload #>> '{data,category}' end,
    lower(coalesce(payload ->> 'bounce_type', payload #>> '{data,bounce_type}', payload #>> '{payload,bounce_type}'))
$$;

-- Processes up to batch_size due events of one org and shard in ONE transaction:
-- campaigns and contacts upserted set-wise, email_events inserted once per inbox event
-- (so re-running never double-counts), and counters bumped once per campaign and hour.
-- The advisory lock serialises a shard: a contact's events are never processed twice at once.
create or replace function app_private.process_outreach_events(
  org_id uuid, shard smallint, batch_size int default 2000, only_event uuid default null)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  set client_min_messages = warning -- "temp table already exists" notices on every batch
as $$
#variable_conflict use_column
declare
  the_org constant uuid := process_outreach_events.org_id;
  tz text;
  positive_set text[];
  n int;
begin
  perform pg_advisory_xact_lock(hashtext('process_outreach_events'), hashtext(the_org::text || ':' || shard));
  select o.timezone, (select array_agg(lower(c)) from unnest(s.positive_categories) c)
    into tz, positive_set
    from app_public.organizations o join app_public.workspace_settings s on s.org_id = o.id
   where o.id = the_org;

  create temp table if not exists outreach_batch (
    event_id uuid, provider text, metric text, external_id text, campaign_name text,
    email citext, category text, bounce_type text, occurred_at timestamptz,
    campaign_id uuid, contact_id uuid, counted boolean default false
  ) on commit delete rows;
  create temp table if not exists outreach_pairs (
    campaign_id uuid, contact_id uuid, replied boolean, positive boolean, occurred_at timestamptz,
    was_replied boolean default false, was_positive boolean default false
  ) on commit delete rows;
  create temp table if not exists outreach_deltas (
    campaign_id uuid, occurred_at timestamptz, metric text
  ) on commit delete rows;
  -- Several batches may run in one transaction (tests, callers looping over shards).
  truncate outreach_batch, outreach_pairs, outreach_deltas;

  insert into outreach_batch (event_id, provider, metric, external_id, campaign_name, email, category, bounce_type, occurred_at)
  select e.id, e.provider, m.metric, f.external_id, f.campaign_name, f.email, f.category, f.bounce_type,
         coalesce(e.occurred_at, e.received_at)
    from app_public.webhook_events e
    cross join lateral app_private.outreach_fields(e.provider, e.payload) f
    left join app_private.outreach_event_types m on m.provider = e.provider and m.provider_type = f.event_type
   where e.org_id = the_org and e.shard = process_outreach_events.shard
     and e.provider in (select t.provider from app_private.provider_tasks t where t.task_identifier = 'process_outreach_events')
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
     and (only_event is null or e.id = only_event)
   order by e.received_at
   limit batch_size
   for update of e skip locked;
  get diagnostics n = row_count;
  if n = 0 then
    return 0;
  end if;

  -- Unknown campaigns are created on first sight, named by the payload. Sorted, so two
  -- shards creating the same campaigns never wait on each other in opposite orders.
  insert into app_public.campaigns (org_id, provider, external_id, name)
  select distinct on (b.provider, b.external_id) the_org, b.provider, b.external_id,
         coalesce(nullif(trim(b.campaign_name), ''), initcap(b.provider) || ' campaign ' || b.external_id)
    from outreach_batch b
   where b.external_id is not null
   order by b.provider, b.external_id, b.occurred_at desc
  on conflict (org_id, provider, external_id) do nothing;
  update outreach_batch b set campaign_id = c.id
    from app_public.campaigns c
   where c.org_id = the_org and c.provider = b.provider and c.external_id = b.external_id;

  insert into app_public.contacts (org_id, email)
  select distinct the_org, b.email from outreach_batch b where b.email is not null order by 2
  on conflict (org_id, email) do nothing;
  update outreach_batch b set contact_id = k.id
    from app_public.contacts k
   where k.org_id = the_org and k.email = b.email;

  -- One email_event per inbox event: only the rows inserted now are counted.
  with inserted as (
    insert into app_public.email_events (org_id, webhook_event_id, campaign_id, contact_id, kind, category, occurred_at)
    select the_org, b.event_id, b.campaign_id, b.contact_id, b.metric, b.category, b.occurred_at
      from outreach_batch b
     where b.metric is not null and b.campaign_id is not null
    on conflict (org_id, webhook_event_id) do nothing
    returning webhook_event_id)
  update outreach_batch b set counted = true from inserted i where i.webhook_event_id = b.event_id;

  -- Positive replies count (campaign, contact) pairs that have replied with, or were later
  -- categorised into, a positive category — each pair once.
  insert into outreach_pairs (campaign_id, contact_id, replied, positive, occurred_at)
  select b.campaign_id, b.contact_id, bool_or(b.metric = 'replied'),
         bool_or(lower(b.category) = any(positive_set)), max(b.occurred_at)
    from outreach_batch b
   where b.counted and b.metric in ('replied', 'categorized') and b.contact_id is not null
   group by b.campaign_id, b.contact_id;
  update outreach_pairs p set was_replied = r.replied, was_positive = r.positive
    from app_private.campaign_replies r
   where r.org_id = the_org and r.campaign_id = p.campaign_id and r.contact_id = p.contact_id;
  insert into app_private.campaign_replies (org_id, campaign_id, contact_id, replied, positive)
  select the_org, p.campaign_id, p.contact_id, p.replied, p.positive
    from outreach_pairs p order by p.campaign_id, p.contact_id
  on conflict (org_id, campaign_id, contact_id) do update
     set replied = campaign_replies.replied or excluded.replied,
         positive = campaign_replies.positive or excluded.positive;

  insert into outreach_deltas (campaign_id, occurred_at, metric)
  select b.campaign_id, b.occurred_at, b.metric from outreach_batch b
   where b.counted and b.metric <> 'categorized'
  union all
  select p.campaign_id, p.occurred_at, 'positive_replies' from outreach_pairs p
   where (p.was_replied or p.replied) and (p.was_positive or p.positive)
     and not (p.was_replied and p.was_positive);

  -- Counters: one row lock per campaign per batch, always in campaign order.
  insert into app_public.campaign_counters as t (org_id, campaign_id, sent, opened, clicked, replied,
                                                 positive_replies, bounced, unsubscribed, synced_at)
  select the_org, d.campaign_id,
         count(*) filter (where d.metric = 'sent'), count(*) filter (where d.metric = 'opened'),
         count(*) filter (where d.metric = 'clicked'), count(*) filter (where d.metric = 'replied'),
         count(*) filter (where d.metric = 'positive_replies'), count(*) filter (where d.metric = 'bounced'),
         count(*) filter (where d.metric = 'unsubscribed'), now()
    from outreach_deltas d group by d.campaign_id order by d.campaign_id
  on conflict (org_id, campaign_id) do update
     set sent = t.sent + excluded.sent, opened = t.opened + excluded.opened,
         clicked = t.clicked + excluded.clicked, replied = t.replied + excluded.replied,
         positive_replies = t.positive_replies + excluded.positive_replies,
         bounced = t.bounced + excluded.bounced, unsubscribed = t.unsubscribed + excluded.unsubscribed,
         synced_at = now();
  -- Campaigns touched without a countable event (e.g. a categorisation) are still synced.
  insert into app_public.campaign_counters (org_id, campaign_id, synced_at)
  select distinct the_org, b.campaign_id, now() from outreach_batch b
   where b.campaign_id is not null order by 2
  on conflict (org_id, campaign_id) do update set synced_at = now();

  -- Hourly buckets in the org's time zone.
  insert into app_public.campaign_hourly_metrics as t (org_id, campaign_id, local_hour, hour_start, sent, opened,
                                                      clicked, replied, positive_replies, bounced, unsubscribed)
  select the_org, h.campaign_id, h.local_hour, h.local_hour at time zone tz,
         count(*) filter (where h.metric = 'sent'), count(*) filter (where h.metric = 'opened'),
         count(*) filter (where h.metric = 'clicked'), count(*) filter (where h.metric = 'replied'),
         count(*) filter (where h.metric = 'positive_replies'), count(*) filter (where h.metric = 'bounced'),
         count(*) filter (where h.metric = 'unsubscribed')
    from (select d.campaign_id, d.metric, date_trunc('hour', d.occurred_at at time zone tz) as local_hour
            from outreach_deltas d) h
   group by h.campaign_id, h.local_hour order by h.campaign_id, h.local_hour
  on conflict (org_id, campaign_id, local_hour) do update
     set sent = t.sent + excluded.sent, opened = t.opened + excluded.opened,
         clicked = t.clicked + excluded.clicked, replied = t.replied + excluded.replied,
         positive_replies = t.positive_replies + excluded.positive_replies,
         bounced = t.bounced + excluded.bounced, unsubscribed = t.unsubscribed + excluded.unsubscribed;

  -- Unsubscribes and hard bounces suppress the address for the whole org.
  insert into app_public.suppressions (org_id, email, reason, source)
  select distinct on (b.email) the_org, b.email,
         case b.metric when 'unsubscribed' then 'unsubscribed' else 'bounced' end, b.provider
    from outreach_batch b
   where b.counted and b.email is not null
     and (b.metric = 'unsubscribed' or (b.metric = 'bounced' and coalesce(b.bounce_type, 'hard') <> 'soft'))
   order by b.email
  on conflict (org_id, email) do nothing;

  update app_public.webhook_events e
     set status = 'processed', processed_at = now(), attempts = e.attempts + 1, last_error = null
    from outreach_batch b
   where e.org_id = the_org and e.id = b.event_id;
  return n;
end
$$;

-- Due outreach event ids of a shard, for processing one by one after a batch failed.
create or replace function app_private.due_webhook_events(org_id uuid, shard smallint, max_count int default 100)
  returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select e.id from app_public.webhook_events e
   where e.org_id = due_webhook_events.org_id and e.shard = due_webhook_events.shard
     and e.provider in (select t.provider from app_private.provider_tasks t where t.task_identifier = 'process_outreach_events')
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
   order by e.received_at limit max_count
$$;
--! EndIncluded outreach/events.sql

-- One row per campaign with exact counts, rates and freshness against the org's thresholds.
create view app_public.campaign_metrics with (security_invoker = true) as
select c.org_id, c.id as campaign_id, c.name, c.provider, c.external_id,
       coalesce(k.sent, 0) as sent, coalesce(k.opened, 0) as opened, coalesce(k.clicked, 0) as clicked,
       coalesce(k.replied, 0) as replied, coalesce(k.positive_replies, 0) as positive_replies,
       coalesce(k.bounced, 0) as bounced, coalesce(k.unsubscribed, 0) as unsubscribed,
       round(k.replied::numeric / nullif(k.sent, 0), 4) as reply_rate,
       round(k.positive_replies::numeric / nullif(k.replied, 0), 4) as positive_rate,
       round(k.bounced::numeric / nullif(k.sent, 0), 4) as bounce_rate,
       coalesce(k.replied::numeric / nullif(k.sent, 0) < s.reply_rate_warning, false) as reply_rate_warning,
       k.synced_at,
       case when k.synced_at is null or now() - k.synced_at >= s.expired_after then 'expired'
            when now() - k.synced_at >= s.stale_after then 'stale'
            else 'fresh' end as freshness
  from app_public.campaigns c
  left join app_public.campaign_counters k on k.org_id = c.org_id and k.campaign_id = c.id
  join app_public.workspace_settings s on s.org_id = c.org_id;

alter table app_public.email_events enable row level security;
alter table app_public.email_events force row level security;
alter table app_public.campaign_counters enable row level security;
alter table app_public.campaign_counters force row level security;
alter table app_public.campaign_hourly_metrics enable row level security;
alter table app_public.campaign_hourly_metrics force row level security;
create policy select_own_org on app_public.email_events for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.campaign_counters for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.campaign_hourly_metrics for select to authenticated
  using (org_id = (select app_public.current_org_id()));
grant select on app_public.email_events, app_public.campaign_counters, app_public.campaign_hourly_metrics,
  app_public.campaign_metrics to authenticated;

grant execute on function app_private.process_outreach_events(uuid, smallint, int, uuid) to switchboard_worker;
grant execute on function app_private.due_webhook_events(uuid, smallint, int) to switchboard_worker;

--! split: 4-identity.sql
-- Identity and access: refresh-token rotation with reuse detection, session management,
-- lockout, the auth audit trail, TOTP MFA, org-level MFA requirement, feature flags,
-- REST quotas and password changes/resets. The session table itself is in 1-foundation.

------------------------------------------------------------------------------------------
-- Sessions

alter table app_private.sessions
  add column device text check (length(device) <= 200),
  add column last_refreshed_at timestamptz,
  add column revoked_reason text;
create index sessions_user_id_active_idx on app_private.sessions (user_id) where revoked_at is null;

-- Every refresh token a session has rotated away from. Presenting one again means it was
-- copied: the whole session is revoked (token-theft detection).
create table app_private.used_refresh_tokens (
  token_hash bytea primary key,
  session_id uuid not null references app_private.sessions on delete cascade,
  used_at timestamptz not null default now()
);
create index used_refresh_tokens_session_id_idx on app_private.used_refresh_tokens (session_id);

------------------------------------------------------------------------------------------
-- Brute force: every attempt is recorded; 10 failures for an email within 15 minutes lock
-- that email (known or not) for 15 minutes.

create table app_private.login_attempts (
  id bigint generated always as identity primary key,
  email citext not null,
  user_id uuid references app_public.users on delete set null,
  ip inet,
  outcome text not null check (outcome in ('success', 'invalid_credentials', 'mfa_required', 'mfa_failed', 'locked')),
  at timestamptz not null default now()
);
create index login_attempts_email_at_idx on app_private.login_attempts (email, at desc);
create index login_attempts_at_idx on app_private.login_attempts (at);

create table app_private.account_lockouts (
  email citext primary key,
  locked_at timestamptz not null default now(),
  locked_until timestamptz not null
);

------------------------------------------------------------------------------------------
-- Auth audit trail (append-only, 90-day retention). Events about a user that belong to no
-- single session (failed logins, password changes) are written once per org of the user,
-- so each org's admins see them.

create table app_public.auth_events (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  user_id uuid,
  actor_id uuid,
  session_id uuid,
  event text not null check (event in (
    'login_succeeded', 'login_failed', 'login_locked', 'account_locked',
    'mfa_enrollment_started', 'mfa_enabled', 'mfa_disabled', 'mfa_failed', 'mfa_recovery_code_used',
    'session_revoked', 'logout', 'logout_all', 'refresh_token_reused',
    'password_changed', 'password_reset_requested', 'password_reset',
    'org_mfa_requirement_changed', 'feature_flag_changed')),
  ip inet,
  user_agent text,
  detail jsonb not null default '{}',
  at timestamptz not null default now(),
  primary key (org_id, id)
);
create index auth_events_org_id_at_idx on app_public.auth_events (org_id, at desc);
create index auth_events_user_id_idx on app_public.auth_events (user_id);
create index auth_events_at_idx on app_public.auth_events (at);

alter table app_public.auth_events enable row level security;
alter table app_public.auth_events force row level security;
-- Admins read their org's trail; everyone reads their own entries in the current org.
create policy admins_select_own_org on app_public.auth_events for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy select_own_entries on app_public.auth_events for select to authenticated
  using (org_id = (select app_public.current_org_id()) and user_id = (select app_public.current_user_id()));
grant select on app_public.auth_events to authenticated;

create trigger tg_auth_events__append_only before update or delete on app_public.auth_events
  for each row execute function app_private.tg_audit_log__append_only();
create trigger tg_auth_events__no_truncate before truncate on app_public.auth_events
  for each statement execute function app_private.tg_audit_log__append_only();

--! Included identity/auth_events.sql
-- Auth audit trail. With no org given, the event is written once per org of the user
-- (an event about a person rather than a session); unknown users leave no trail here
-- (their attempts stay in app_private.login_attempts).
create or replace function app_private.record_auth_event(
  event text, user_id uuid, org_id uuid default null, session_id uuid default null,
  ip inet default null, user_agent text default null, detail jsonb default '{}',
  actor_id uuid default null)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_public.auth_events (org_id, user_id, actor_id, session_id, event, ip, user_agent, detail)
  select o.org_id, record_auth_event.user_id, coalesce(record_auth_event.actor_id, record_auth_event.user_id),
         record_auth_event.session_id, record_auth_event.event, record_auth_event.ip,
         left(record_auth_event.user_agent, 500), coalesce(record_auth_event.detail, '{}')
    from (select record_auth_event.org_id as org_id where record_auth_event.org_id is not null
          union
          select m.org_id from app_public.memberships m
           where record_auth_event.org_id is null and m.user_id = record_auth_event.user_id) o
$$;

-- Retention: the auth trail and raw login attempts are kept 90 days by default.
create or replace function app_private.purge_auth_events(older_than interval default '90 days', batch_size int default 5000)
  returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  removed bigint;
  attempts bigint;
begin
  perform set_config('switchboard.audit_retention', 'on', true);
  delete from app_public.auth_events
   where (org_id, id) in (select e.org_id, e.id from app_public.auth_events e
                           where e.at < now() - older_than order by e.at limit batch_size);
  get diagnostics removed = row_count;
  perform set_config('switchboard.audit_retention', 'off', true);
  delete from app_private.login_attempts
   where id in (select a.id from app_private.login_attempts a
                 where a.at < now() - older_than order by a.id limit batch_size);
  get diagnostics attempts = row_count;
  delete from app_private.account_lockouts l where l.locked_until < now() - interval '1 day';
  delete from app_private.password_reset_tokens t where t.expires_at < now() - older_than;
  return removed + attempts;
end
$$;
--! EndIncluded identity/auth_events.sql

------------------------------------------------------------------------------------------
-- MFA (TOTP, RFC 6238). The secret is stored encrypted with the gateway's ENCRYPTION_KEY
-- (pgp_sym_encrypt); codes are checked here so a code is consumed atomically.

create table app_private.user_mfa (
  user_id uuid primary key references app_public.users on delete cascade,
  secret bytea not null,
  created_at timestamptz not null default now(),
  enabled_at timestamptz,
  -- The last RFC 6238 time step accepted: a code for this step or an older one is refused.
  last_used_step bigint not null default 0
);

create table app_private.mfa_recovery_codes (
  user_id uuid not null references app_public.users on delete cascade,
  code_hash bytea not null,
  created_at timestamptz not null default now(),
  used_at timestamptz,
  primary key (user_id, code_hash)
);

-- Admins may require MFA for their org: members without it can then only enroll.
alter table app_public.organizations add column require_mfa boolean not null default false;
grant update (require_mfa) on app_public.organizations to authenticated;

--! Included identity/mfa.sql
-- TOTP (RFC 6238 over RFC 4226 HOTP: HMAC-SHA1, 6 digits, 30 s steps).
create or replace function app_private.hotp(secret bytea, counter bigint) returns text
  language sql immutable strict parallel safe
  set search_path = pg_catalog, public
as $$
  select lpad(((((get_byte(h.mac, h.o) & 127)::bigint << 24)
              | (get_byte(h.mac, h.o + 1)::bigint << 16)
              | (get_byte(h.mac, h.o + 2)::bigint << 8)
              |  get_byte(h.mac, h.o + 3)::bigint) % 1000000)::text, 6, '0')
    from (select m.mac, get_byte(m.mac, 19) & 15 as o
            from (select public.hmac(int8send(counter), secret, 'sha1') as mac) m) h
$$;

create or replace function app_private.current_totp_step() returns bigint
  language sql volatile parallel safe
as $$
  select floor(extract(epoch from clock_timestamp()) / 30)::bigint
$$;

-- Recovery codes are compared after lower-casing and dropping spaces and dashes.
create or replace function app_private.normalize_recovery_code(code text) returns text
  language sql immutable strict parallel safe
as $$
  select regexp_replace(lower(code), '[\s-]', '', 'g')
$$;

-- Consumes a second factor for a user with MFA enabled: a TOTP code for the current step
-- (±1 for clock drift) newer than the last accepted one, or an unused recovery code.
-- The row updates make concurrent uses of the same code succeed at most once.
create or replace function app_private.consume_second_factor(uid uuid, code text, secret_key text)
  returns text -- 'totp', 'recovery_code' or null
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  normalized text := app_private.normalize_recovery_code(coalesce(code, ''));
  secret bytea;
  step bigint := app_private.current_totp_step();
  candidate bigint;
begin
  if normalized ~ '^[0-9]{6}$' then
    select public.pgp_sym_decrypt_bytea(m.secret, secret_key) into secret
      from app_private.user_mfa m where m.user_id = uid;
    if secret is null then
      return null;
    end if;
    foreach candidate in array array[step, step - 1, step + 1] loop
      if app_private.hotp(secret, candidate) = normalized then
        update app_private.user_mfa m set last_used_step = candidate
         where m.user_id = uid and m.last_used_step < candidate;
        return case when found then 'totp' end;
      end if;
    end loop;
    return null;
  end if;
  if length(normalized) between 8 and 32 then
    update app_private.mfa_recovery_codes r set used_at = now()
     where r.user_id = uid and r.code_hash = public.digest(normalized, 'sha256') and r.used_at is null;
    if found then
      return 'recovery_code';
    end if;
  end if;
  return null;
end
$$;

-- The session a bearer token names, if it is still live (not revoked, not expired).
create or replace function app_private.live_session(sid uuid)
  returns app_private.sessions
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select s.* from app_private.sessions s
   where s.id = sid and s.revoked_at is null and s.expires_at > now()
$$;

-- Step 1 of enrollment: store a fresh secret (generated by the gateway) for the caller.
-- status: ok | invalid_session | already_enabled.
create or replace function app_private.mfa_begin_enrollment(session_id uuid, secret bytea, secret_key text)
  returns table (status text, email citext)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  s app_private.sessions := app_private.live_session(mfa_begin_enrollment.session_id);
begin
  if s.id is null then
    status := 'invalid_session';
    return next;
    return;
  end if;
  if exists (select 1 from app_private.user_mfa m where m.user_id = s.user_id and m.enabled_at is not null) then
    status := 'already_enabled';
    return next;
    return;
  end if;
  insert into app_private.user_mfa (user_id, secret)
  values (s.user_id, public.pgp_sym_encrypt_bytea(mfa_begin_enrollment.secret, secret_key))
  on conflict (user_id) do update set secret = excluded.secret, created_at = now(), last_used_step = 0;
  perform app_private.record_auth_event('mfa_enrollment_started', s.user_id, s.org_id, s.id, s.ip, s.user_agent);
  status := 'ok';
  email := (select u.email from app_public.users u where u.id = s.user_id);
  return next;
end
$$;

-- Step 2: a valid code from the authenticator app enables MFA and returns 10 single-use
-- recovery codes (shown once; only their SHA-256 is stored).
-- status: ok | invalid_session | not_enrolled | already_enabled | invalid_code.
create or replace function app_private.mfa_enable(session_id uuid, code text, secret_key text)
  returns table (status text, recovery_codes text[])
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  s app_private.sessions := app_private.live_session(mfa_enable.session_id);
  mfa app_private.user_mfa;
  codes text[];
begin
  if s.id is null then
    status := 'invalid_session';
    return next;
    return;
  end if;
  select * into mfa from app_private.user_mfa m where m.user_id = s.user_id for update;
  if not found then
    status := 'not_enrolled';
  elsif mfa.enabled_at is not null then
    status := 'already_enabled';
  elsif coalesce(app_private.consume_second_factor(s.user_id, code, secret_key), '') <> 'totp' then
    status := 'invalid_code';
    perform app_private.record_auth_event('mfa_failed', s.user_id, s.org_id, s.id, s.ip, s.user_agent,
                                          '{"stage":"enrollment"}');
  else
    update app_private.user_mfa m set enabled_at = now() where m.user_id = s.user_id;
    delete from app_private.mfa_recovery_codes r where r.user_id = s.user_id;
    select array_agg(substr(c, 1, 5) || '-' || substr(c, 6, 5)) into codes
      from (select encode(public.gen_random_bytes(5), 'hex') as c from generate_series(1, 10)) g;
    insert into app_private.mfa_recovery_codes (user_id, code_hash)
    select s.user_id, public.digest(app_private.normalize_recovery_code(c), 'sha256') from unnest(codes) c;
    perform app_private.record_auth_event('mfa_enabled', s.user_id, null, s.id, s.ip, s.user_agent);
    status := 'ok';
    recovery_codes := codes;
  end if;
  return next;
end
$$;

-- Turning MFA off takes a current code; refused while the org requires MFA.
-- status: ok | invalid_session | not_enabled | required_by_org | invalid_code.
create or replace function app_private.mfa_disable(session_id uuid, code text, secret_key text)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  s app_private.sessions := app_private.live_session(mfa_disable.session_id);
begin
  if s.id is null then
    return 'invalid_session';
  end if;
  if not exists (select 1 from app_private.user_mfa m where m.user_id = s.user_id and m.enabled_at is not null) then
    return 'not_enabled';
  end if;
  if exists (select 1 from app_public.memberships ms join app_public.organizations o on o.id = ms.org_id
              where ms.user_id = s.user_id and o.require_mfa) then
    return 'required_by_org';
  end if;
  if app_private.consume_second_factor(s.user_id, code, secret_key) is null then
    perform app_private.record_auth_event('mfa_failed', s.user_id, s.org_id, s.id, s.ip, s.user_agent,
                                          '{"stage":"disable"}');
    return 'invalid_code';
  end if;
  delete from app_private.user_mfa m where m.user_id = s.user_id;
  delete from app_private.mfa_recovery_codes r where r.user_id = s.user_id;
  perform app_private.record_auth_event('mfa_disabled', s.user_id, null, s.id, s.ip, s.user_agent);
  return 'ok';
end
$$;
--! EndIncluded identity/mfa.sql
--! Included identity/lockout.sql
-- Brute-force protection keyed by the email as typed (citext), whether or not an account
-- has it, so a locked unknown email looks exactly like a locked real one.
create or replace function app_private.is_locked_out(email citext) returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select exists (select 1 from app_private.account_lockouts l
                  where l.email = is_locked_out.email and l.locked_until > now())
$$;

-- Records a failed attempt; the 10th failure within 15 minutes (since the last success)
-- locks the email for 15 minutes. Serialized per email so concurrent failures all count.
-- Returns true when this failure caused the lock.
create or replace function app_private.record_login_failure(
  email citext, user_id uuid, ip inet, outcome text,
  max_failures int default 10, failure_window interval default '15 minutes',
  lock_for interval default '15 minutes')
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  last_success timestamptz;
  failures int;
begin
  insert into app_private.login_attempts (email, user_id, ip, outcome)
  values (record_login_failure.email, record_login_failure.user_id, record_login_failure.ip, record_login_failure.outcome);
  perform pg_advisory_xact_lock(hashtextextended('switchboard.login:' || lower(record_login_failure.email::text), 0));
  select max(a.at) into last_success from app_private.login_attempts a
   where a.email = record_login_failure.email and a.outcome = 'success' and a.at > now() - failure_window;
  select count(*) into failures from app_private.login_attempts a
   where a.email = record_login_failure.email
     and a.outcome in ('invalid_credentials', 'mfa_failed')
     and a.at > greatest(now() - failure_window, coalesce(last_success, '-infinity'));
  if failures >= max_failures and not app_private.is_locked_out(record_login_failure.email) then
    insert into app_private.account_lockouts as l (email, locked_until)
    values (record_login_failure.email, now() + lock_for)
    on conflict on constraint account_lockouts_pkey do update set locked_at = now(), locked_until = excluded.locked_until;
    if record_login_failure.user_id is not null then
      perform app_private.record_auth_event('account_locked', record_login_failure.user_id, null, null,
                                            record_login_failure.ip, null,
                                            jsonb_build_object('failures', failures, 'locked_until', now() + lock_for));
    end if;
    return true;
  end if;
  return false;
end
$$;
--! EndIncluded identity/lockout.sql
--! Included identity/sessions.sql
-- Password (+ second factor) login. One call decides everything and records it:
-- status ok | invalid_credentials | mfa_required | locked.
-- Unknown emails and wrong passwords cost the same bcrypt work and give the same answer;
-- a locked email (known or not) is refused before any password check.
create or replace function app_private.authenticate(
  email citext, password text, totp_code text default null, requested_org_id uuid default null,
  ip inet default null, user_agent text default null, device text default null,
  secret_key text default null, session_ttl interval default '30 days')
  returns table (status text, user_id uuid, org_id uuid, org_role text, session_id uuid, refresh_token text,
                 retry_after int)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  uid uuid;
  stored_hash text;
  member record;
  factor text;
  token text := encode(public.gen_random_bytes(32), 'hex');
  sid uuid;
begin
  if app_private.is_locked_out(authenticate.email) then
    select u.id into uid from app_public.users u where u.email = authenticate.email;
    insert into app_private.login_attempts (email, user_id, ip, outcome)
    values (authenticate.email, uid, authenticate.ip, 'locked');
    if uid is not null then
      perform app_private.record_auth_event('login_locked', uid, null, null, authenticate.ip, authenticate.user_agent);
    end if;
    status := 'locked';
    retry_after := (select greatest(1, ceil(extract(epoch from max(l.locked_until) - clock_timestamp())))::int
                      from app_private.account_lockouts l where l.email = authenticate.email);
    return next;
    return;
  end if;

  select u.id, s.password_hash into uid, stored_hash
    from app_public.users u join app_private.user_secrets s on s.user_id = u.id
   where u.email = authenticate.email;
  if stored_hash is null then
    perform public.crypt(coalesce(authenticate.password, ''), public.gen_salt('bf', 10));
  end if;
  if stored_hash is null or public.crypt(coalesce(authenticate.password, ''), stored_hash) is distinct from stored_hash then
    perform app_private.record_login_failure(authenticate.email, uid, authenticate.ip, 'invalid_credentials');
    if uid is not null then
      perform app_private.record_auth_event('login_failed', uid, null, null, authenticate.ip, authenticate.user_agent,
                                            '{"reason":"invalid_credentials"}');
    end if;
    status := 'invalid_credentials';
    return next;
    return;
  end if;

  -- A user in several orgs names one; otherwise the oldest membership is used.
  select m.org_id, m.role into member
    from app_public.memberships m
   where m.user_id = uid and (authenticate.requested_org_id is null or m.org_id = authenticate.requested_org_id)
   order by m.created_at, m.org_id
   limit 1;
  if not found then
    perform app_private.record_login_failure(authenticate.email, uid, authenticate.ip, 'invalid_credentials');
    status := 'invalid_credentials';
    return next;
    return;
  end if;

  if exists (select 1 from app_private.user_mfa m where m.user_id = uid and m.enabled_at is not null) then
    if nullif(trim(coalesce(authenticate.totp_code, '')), '') is null then
      insert into app_private.login_attempts (email, user_id, ip, outcome)
      values (authenticate.email, uid, authenticate.ip, 'mfa_required');
      status := 'mfa_required';
      return next;
      return;
    end if;
    factor := app_private.consume_second_factor(uid, authenticate.totp_code, authenticate.secret_key);
    if factor is null then
      perform app_private.record_login_failure(authenticate.email, uid, authenticate.ip, 'mfa_failed');
      perform app_private.record_auth_event('mfa_failed', uid, member.org_id, null, authenticate.ip,
                                            authenticate.user_agent, '{"stage":"login"}');
      status := 'mfa_required';
      return next;
      return;
    end if;
  end if;

  insert into app_private.login_attempts (email, user_id, ip, outcome)
  values (authenticate.email, uid, authenticate.ip, 'success');
  insert into app_private.sessions (user_id, org_id, refresh_token_hash, ip, user_agent, device, expires_at)
  values (uid, member.org_id, public.digest(token, 'sha256'), authenticate.ip, left(authenticate.user_agent, 500),
          left(coalesce(authenticate.device, app_private.device_from_user_agent(authenticate.user_agent)), 200),
          now() + authenticate.session_ttl)
  returning id into sid;
  perform app_private.record_auth_event('login_succeeded', uid, member.org_id, sid, authenticate.ip,
                                        authenticate.user_agent,
                                        jsonb_build_object('second_factor', factor));
  if factor = 'recovery_code' then
    perform app_private.record_auth_event('mfa_recovery_code_used', uid, member.org_id, sid, authenticate.ip,
                                          authenticate.user_agent);
  end if;
  status := 'ok';
  user_id := uid;
  org_id := member.org_id;
  org_role := member.role;
  session_id := sid;
  refresh_token := token;
  return next;
end
$$;

-- A short, human label for the sessions list ("Firefox on Linux").
create or replace function app_private.device_from_user_agent(user_agent text) returns text
  language sql immutable parallel safe
as $$
  select case when user_agent is null then null else
    coalesce(case when user_agent ~* 'edg/' then 'Edge' when user_agent ~* 'chrome/' then 'Chrome'
                  when user_agent ~* 'firefox/' then 'Firefox' when user_agent ~* 'safari/' then 'Safari'
                  when user_agent ~* 'curl/' then 'curl' end, 'Unknown client')
    || coalesce(' on ' || case when user_agent ~* 'android' then 'Android' when user_agent ~* 'iphone|ipad' then 'iOS'
                               when user_agent ~* 'windows' then 'Windows' when user_agent ~* 'mac os' then 'macOS'
                               when user_agent ~* 'linux' then 'Linux' end, '')
  end
$$;

-- Rotates a refresh token. status: ok | invalid | reused.
-- A token that was already rotated away is proof of theft: the session is revoked.
-- The role comes from the membership as it is now; a removed member's session ends.
create or replace function app_private.refresh_session(refresh_token text, ip inet default null, user_agent text default null)
  returns table (status text, user_id uuid, org_id uuid, org_role text, session_id uuid, new_refresh_token text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  presented bytea := public.digest(coalesce(refresh_session.refresh_token, ''), 'sha256');
  s app_private.sessions;
  reused_sid uuid;
  v_role text;
  token text := encode(public.gen_random_bytes(32), 'hex');
begin
  -- FOR UPDATE: a concurrent refresh with the same token waits, then no longer matches
  -- (the hash has moved on) and is treated as reuse.
  select * into s from app_private.sessions x where x.refresh_token_hash = presented for update;
  if not found then
    select u.session_id into reused_sid from app_private.used_refresh_tokens u where u.token_hash = presented;
    if reused_sid is null then
      status := 'invalid';
      return next;
      return;
    end if;
    update app_private.sessions x set revoked_at = now(), revoked_reason = 'refresh_token_reuse'
     where x.id = reused_sid and x.revoked_at is null
    returning * into s;
    if s.id is not null then
      perform app_private.record_auth_event('refresh_token_reused', s.user_id, s.org_id, s.id,
                                            refresh_session.ip, refresh_session.user_agent);
    end if;
    status := 'reused';
    return next;
    return;
  end if;
  if s.revoked_at is not null or s.expires_at <= now() then
    status := 'invalid';
    return next;
    return;
  end if;
  select m.role into v_role from app_public.memberships m where m.org_id = s.org_id and m.user_id = s.user_id;
  if v_role is null then
    update app_private.sessions x set revoked_at = now(), revoked_reason = 'membership_removed' where x.id = s.id;
    perform app_private.record_auth_event('session_revoked', s.user_id, s.org_id, s.id, refresh_session.ip,
                                          refresh_session.user_agent, '{"reason":"membership_removed"}');
    status := 'invalid';
    return next;
    return;
  end if;
  insert into app_private.used_refresh_tokens (token_hash, session_id) values (presented, s.id);
  update app_private.sessions x
     set refresh_token_hash = public.digest(token, 'sha256'), last_refreshed_at = now(),
         ip = coalesce(refresh_session.ip, x.ip)
   where x.id = s.id;
  status := 'ok';
  user_id := s.user_id;
  org_id := s.org_id;
  org_role := v_role;
  session_id := s.id;
  new_refresh_token := token;
  return next;
end
$$;

-- Ends the caller's session. False when it was not live (the gateway answers 401).
create or replace function app_private.logout(session_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  s app_private.sessions;
begin
  update app_private.sessions x set revoked_at = now(), revoked_reason = 'logout'
   where x.id = logout.session_id and x.revoked_at is null and x.expires_at > now()
  returning * into s;
  if s.id is null then
    return false;
  end if;
  perform app_private.record_auth_event('logout', s.user_id, s.org_id, s.id, s.ip, s.user_agent);
  return true;
end
$$;

-- Ends every live session of the caller's user (all orgs). Null when the caller's own
-- session is not live; otherwise the number of sessions ended.
create or replace function app_private.logout_all(session_id uuid) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  s app_private.sessions := app_private.live_session(logout_all.session_id);
  ended int;
begin
  if s.id is null then
    return null;
  end if;
  update app_private.sessions x set revoked_at = now(), revoked_reason = 'logout_all'
   where x.user_id = s.user_id and x.revoked_at is null;
  get diagnostics ended = row_count;
  perform app_private.record_auth_event('logout_all', s.user_id, null, s.id, s.ip, s.user_agent,
                                        jsonb_build_object('sessions', ended));
  return ended;
end
$$;

-- Backs the app_public.user_sessions view: the caller's own sessions, plus every session
-- in their org for owners and admins. Never the refresh-token hash.
create or replace function app_private.visible_sessions()
  returns table (id uuid, user_id uuid, org_id uuid, device text, ip inet, user_agent text,
                 created_at timestamptz, last_refreshed_at timestamptz, expires_at timestamptz,
                 revoked_at timestamptz, revoked_reason text, active boolean, current boolean)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select s.id, s.user_id, s.org_id, s.device, s.ip, s.user_agent, s.created_at, s.last_refreshed_at,
         s.expires_at, s.revoked_at, s.revoked_reason,
         s.revoked_at is null and s.expires_at > now(),
         s.id = app_public.current_session_id()
    from app_private.sessions s
   where app_public.current_user_id() is not null
     and (s.user_id = app_public.current_user_id()
          or (s.org_id = app_public.current_org_id() and app_public.current_user_is_admin()))
$$;

-- POST /rpc/revoke_session {session_id}: a user revokes one of their own sessions; owners
-- and admins revoke any session in their org. True when a live session was revoked.
create or replace function app_public.revoke_session(session_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  s app_private.sessions;
  me uuid := app_public.current_user_id();
begin
  update app_private.sessions x
     set revoked_at = now(),
         revoked_reason = case when x.user_id = me then 'user_revoked' else 'admin_revoked' end
   where x.id = revoke_session.session_id and x.revoked_at is null
     and (x.user_id = me
          or (x.org_id = app_public.current_org_id() and app_public.current_user_is_admin()))
  returning * into s;
  if s.id is null then
    return false;
  end if;
  perform app_private.record_auth_event('session_revoked', s.user_id, s.org_id, s.id, null, null,
                                        jsonb_build_object('reason', s.revoked_reason), me);
  return true;
end
$$;

-- POST /rpc/revoke_user_sessions {user_id}: owners and admins end every session a member
-- holds in their org. Returns how many were ended.
create or replace function app_public.revoke_user_sessions(user_id uuid) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ended int;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only owners and admins revoke other members'' sessions' using errcode = '42501';
  end if;
  update app_private.sessions x set revoked_at = now(), revoked_reason = 'admin_revoked'
   where x.user_id = revoke_user_sessions.user_id and x.org_id = app_public.current_org_id()
     and x.revoked_at is null;
  get diagnostics ended = row_count;
  if ended > 0 then
    perform app_private.record_auth_event('session_revoked', revoke_user_sessions.user_id,
                                          app_public.current_org_id(), null, null, null,
                                          jsonb_build_object('reason', 'admin_revoked', 'sessions', ended),
                                          app_public.current_user_id());
  end if;
  return ended;
end
$$;
--! EndIncluded identity/sessions.sql

------------------------------------------------------------------------------------------
-- Password reset tokens: single-use, stored hashed, 30 minutes.

create table app_private.password_reset_tokens (
  token_hash bytea primary key,
  user_id uuid not null references app_public.users on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  used_at timestamptz
);
create index password_reset_tokens_user_id_idx on app_private.password_reset_tokens (user_id);

--! Included identity/passwords.sql
-- Change with the current password: every other session of the user is revoked.
-- status: ok | invalid_session | invalid_credentials | weak_password.
create or replace function app_private.change_password(session_id uuid, current_password text, new_password text)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  s app_private.sessions := app_private.live_session(change_password.session_id);
  stored_hash text;
  ended int;
begin
  if s.id is null then
    return 'invalid_session';
  end if;
  select x.password_hash into stored_hash from app_private.user_secrets x where x.user_id = s.user_id for update;
  if stored_hash is null or public.crypt(coalesce(current_password, ''), stored_hash) is distinct from stored_hash then
    perform app_private.record_auth_event('login_failed', s.user_id, s.org_id, s.id, s.ip, s.user_agent,
                                          '{"reason":"wrong_current_password"}');
    return 'invalid_credentials';
  end if;
  if new_password is null or length(new_password) < 8 or length(new_password) > 1024 then
    return 'weak_password';
  end if;
  update app_private.user_secrets x
     set password_hash = public.crypt(new_password, public.gen_salt('bf', 10)), password_changed_at = now()
   where x.user_id = s.user_id;
  update app_private.sessions x set revoked_at = now(), revoked_reason = 'password_changed'
   where x.user_id = s.user_id and x.id <> s.id and x.revoked_at is null;
  get diagnostics ended = row_count;
  perform app_private.record_auth_event('password_changed', s.user_id, null, s.id, s.ip, s.user_agent,
                                        jsonb_build_object('other_sessions_revoked', ended));
  return 'ok';
end
$$;

-- Always answers the same way (the caller learns nothing about the email). For a known
-- user: a single-use token (only its SHA-256 stored, 30 minutes) handed to the
-- send_password_reset_email job in the same transaction.
create or replace function app_private.request_password_reset(email citext, ip inet default null)
  returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  uid uuid;
  token text := encode(public.gen_random_bytes(32), 'hex');
begin
  select u.id into uid from app_public.users u where u.email = request_password_reset.email;
  if uid is null then
    return;
  end if;
  -- At most 5 outstanding tokens per user per 30 minutes; older live ones stay valid.
  if (select count(*) from app_private.password_reset_tokens t
       where t.user_id = uid and t.created_at > now() - interval '30 minutes') >= 5 then
    return;
  end if;
  insert into app_private.password_reset_tokens (token_hash, user_id, expires_at)
  values (public.digest(token, 'sha256'), uid, now() + interval '30 minutes');
  perform graphile_worker.add_job('send_password_reset_email',
                                  json_build_object('user_id', uid, 'email', request_password_reset.email, 'token', token),
                                  max_attempts := 5);
  perform app_private.record_auth_event('password_reset_requested', uid, null, null, request_password_reset.ip);
end
$$;

-- Consumes a reset token once; sets the password, ends every session and lifts a lockout.
-- status: ok | invalid_token | weak_password.
create or replace function app_private.reset_password(token text, new_password text)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  uid uuid;
  ended int;
begin
  if new_password is null or length(new_password) < 8 or length(new_password) > 1024 then
    return 'weak_password';
  end if;
  update app_private.password_reset_tokens t set used_at = now()
   where t.token_hash = public.digest(coalesce(token, ''), 'sha256') and t.used_at is null and t.expires_at > now()
  returning t.user_id into uid;
  if uid is null then
    return 'invalid_token';
  end if;
  update app_private.user_secrets x
     set password_hash = public.crypt(new_password, public.gen_salt('bf', 10)), password_changed_at = now()
   where x.user_id = uid;
  update app_private.sessions x set revoked_at = now(), revoked_reason = 'password_reset'
   where x.user_id = uid and x.revoked_at is null;
  get diagnostics ended = row_count;
  delete from app_private.account_lockouts l using app_public.users u where u.id = uid and l.email = u.email;
  perform app_private.record_auth_event('password_reset', uid, null, null, null, null,
                                        jsonb_build_object('sessions_revoked', ended));
  return 'ok';
end
$$;
--! EndIncluded identity/passwords.sql

------------------------------------------------------------------------------------------
-- Grants

grant execute on function
  app_private.authenticate(citext, text, text, uuid, inet, text, text, text, interval),
  app_private.refresh_session(text, inet, text),
  app_private.logout(uuid),
  app_private.logout_all(uuid),
  app_private.mfa_begin_enrollment(uuid, bytea, text),
  app_private.mfa_enable(uuid, text, text),
  app_private.mfa_disable(uuid, text, text),
  app_private.change_password(uuid, text, text),
  app_private.request_password_reset(citext, inet),
  app_private.reset_password(text, text)
  to switchboard_gateway;
grant execute on function app_private.purge_auth_events(interval, int) to switchboard_worker;
grant execute on function
  app_private.visible_sessions(),
  app_public.revoke_session(uuid),
  app_public.revoke_user_sessions(uuid)
  to authenticated;

-- Users list their own sessions (admins: every session in their org) without token hashes.
create view app_public.user_sessions with (security_invoker = true) as
  select * from app_private.visible_sessions();
grant select on app_public.user_sessions to authenticated;

------------------------------------------------------------------------------------------
-- Feature flags: global definitions (platform operators only), per-org overrides (org
-- admins, where the flag allows), deterministic percentage rollout by org.

create table app_public.feature_flags (
  key text primary key check (key ~ '^[a-z][a-z0-9_.-]{0,62}$'),
  description text check (length(description) <= 500),
  default_enabled boolean not null default false,
  rollout_percent numeric(5, 2) not null default 0 check (rollout_percent between 0 and 100),
  allow_org_override boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table app_private.feature_flag_history (
  id bigint generated always as identity primary key,
  flag_key text not null,
  action text not null,
  actor text not null,
  old_values jsonb,
  new_values jsonb,
  at timestamptz not null default now()
);
create index feature_flag_history_flag_key_idx on app_private.feature_flag_history (flag_key, at);

create table app_public.feature_flag_overrides (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  flag_key text not null references app_public.feature_flags on delete cascade on update cascade,
  enabled boolean not null,
  updated_by uuid default app_public.current_user_id(),
  updated_at timestamptz not null default now(),
  primary key (org_id, flag_key)
);
create index feature_flag_overrides_flag_key_idx on app_public.feature_flag_overrides (flag_key);

--! Included identity/flags.sql
-- Deterministic rollout: an org's bucket for a flag (0..9999) comes from a hash of the org
-- id and the flag key, so an org never flips between requests and different flags roll
-- out to different orgs.
create or replace function app_private.rollout_bucket(org_id uuid, flag text) returns int
  language sql immutable strict parallel safe
as $$
  select (('x' || substr(md5(org_id::text || ':' || flag), 1, 8))::bit(32)::bigint % 10000)::int
$$;

-- Effective value of a flag for an org: the org's override when the flag allows one,
-- else on when the flag is on by default or the org's bucket is inside the rollout.
-- Unknown flags are off.
create or replace function app_private.feature_enabled_for(org_id uuid, flag text) returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select coalesce(
    (select case when f.allow_org_override and o.enabled is not null then o.enabled
                 else f.default_enabled
                      or app_private.rollout_bucket(feature_enabled_for.org_id, f.key) < round(f.rollout_percent * 100)
            end
       from app_public.feature_flags f
       left join app_public.feature_flag_overrides o on o.flag_key = f.key and o.org_id = feature_enabled_for.org_id
      where f.key = feature_enabled_for.flag),
    false)
$$;

-- For the caller's org (GET/POST /rpc/is_feature_enabled?flag=…).
create or replace function app_public.is_feature_enabled(flag text) returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select app_public.current_org_id() is not null
     and app_private.feature_enabled_for(app_public.current_org_id(), flag)
$$;

-- Platform operators (CLI, owner connection) create and change global flags.
create or replace function app_private.set_feature_flag(
  key text, default_enabled boolean default null, rollout_percent numeric default null,
  allow_org_override boolean default null, description text default null, actor text default current_user)
  returns app_public.feature_flags
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  result app_public.feature_flags;
begin
  perform set_config('switchboard.flag_actor', coalesce(actor, current_user::text), true);
  insert into app_public.feature_flags as f (key, description, default_enabled, rollout_percent, allow_org_override)
  values (set_feature_flag.key, set_feature_flag.description, coalesce(set_feature_flag.default_enabled, false),
          coalesce(set_feature_flag.rollout_percent, 0), coalesce(set_feature_flag.allow_org_override, true))
  on conflict on constraint feature_flags_pkey do update
    set description = coalesce(set_feature_flag.description, f.description),
        default_enabled = coalesce(set_feature_flag.default_enabled, f.default_enabled),
        rollout_percent = coalesce(set_feature_flag.rollout_percent, f.rollout_percent),
        allow_org_override = coalesce(set_feature_flag.allow_org_override, f.allow_org_override),
        updated_at = now()
  returning * into result;
  return result;
end
$$;

-- Every change to a global flag is kept (there is no org to file it under in audit_log).
create or replace function app_private.tg_feature_flags__history() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  insert into app_private.feature_flag_history (flag_key, action, actor, old_values, new_values)
  values (coalesce(new.key, old.key), lower(tg_op),
          coalesce(nullif(current_setting('switchboard.flag_actor', true), ''), current_user::text),
          case when tg_op <> 'INSERT' then to_jsonb(old) end,
          case when tg_op <> 'DELETE' then to_jsonb(new) end);
  return null;
end
$$;
--! EndIncluded identity/flags.sql

create trigger tg_feature_flags__history after insert or update or delete on app_public.feature_flags
  for each row execute function app_private.tg_feature_flags__history();
create trigger tg_feature_flag_overrides__audit after insert or update or delete on app_public.feature_flag_overrides
  for each row execute function app_private.tg__audit();

alter table app_public.feature_flags enable row level security;
alter table app_public.feature_flags force row level security;
alter table app_public.feature_flag_overrides enable row level security;
alter table app_public.feature_flag_overrides force row level security;

-- Every signed-in user reads the global definitions; nobody changes them through the API.
create policy select_all on app_public.feature_flags for select to authenticated using (true);
create policy select_own_org on app_public.feature_flag_overrides for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.feature_flag_overrides for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin())
              and exists (select 1 from app_public.feature_flags f where f.key = flag_key and f.allow_org_override));
create policy admins_update on app_public.feature_flag_overrides for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id())
              and exists (select 1 from app_public.feature_flags f where f.key = flag_key and f.allow_org_override));
create policy admins_delete on app_public.feature_flag_overrides for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

grant select on app_public.feature_flags to authenticated;
grant select on app_public.feature_flag_overrides to authenticated;
grant insert (org_id, flag_key, enabled) on app_public.feature_flag_overrides to authenticated;
grant update (enabled) on app_public.feature_flag_overrides to authenticated;
grant delete on app_public.feature_flag_overrides to authenticated;
grant execute on function app_public.is_feature_enabled(text) to authenticated;

-- Every flag with its effective value for the caller's org.
create view app_public.org_feature_flags with (security_invoker = true) as
  select f.key, f.description,
         app_public.is_feature_enabled(f.key) as enabled,
         case when f.allow_org_override and o.enabled is not null then 'override'
              when f.default_enabled then 'default'
              when f.rollout_percent > 0 then 'rollout'
              else 'default' end as source
    from app_public.feature_flags f
    left join app_public.feature_flag_overrides o on o.flag_key = f.key and o.org_id = app_public.current_org_id();
grant select on app_public.org_feature_flags to authenticated;

------------------------------------------------------------------------------------------
-- REST quotas, enforced by the PostgREST db-pre-request (app_private.check_session).
-- Defaults: 3000 requests per user and 30000 per org per minute; platform operators
-- override per org.

create table app_private.org_quotas (
  org_id uuid primary key references app_public.organizations on delete cascade,
  requests_per_user_per_minute int check (requests_per_user_per_minute > 0),
  requests_per_org_per_minute int check (requests_per_org_per_minute > 0),
  updated_at timestamptz not null default now()
);

create unlogged table app_private.request_counters (
  subject uuid not null,
  window_start timestamptz not null,
  shard smallint not null,
  count bigint not null,
  constraint request_counters_pkey primary key (subject, window_start, shard)
);

--! Included identity/quotas.sql
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
--! EndIncluded identity/quotas.sql

create or replace function app_private.set_org_quota(org_id uuid, per_user int, per_org int)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_private.org_quotas as q (org_id, requests_per_user_per_minute, requests_per_org_per_minute)
  values (set_org_quota.org_id, per_user, per_org)
  on conflict on constraint org_quotas_pkey do update
    set requests_per_user_per_minute = excluded.requests_per_user_per_minute,
        requests_per_org_per_minute = excluded.requests_per_org_per_minute, updated_at = now()
$$;

grant execute on function app_private.purge_request_counters() to switchboard_worker;

------------------------------------------------------------------------------------------
-- OpenID Connect SSO: per-org provider, one-time login states, linked identities.

alter table app_private.sessions
  add column auth_method text not null default 'password' check (auth_method in ('password', 'sso'));

create table app_private.sso_providers (
  org_id uuid primary key references app_public.organizations on delete cascade,
  issuer text not null,
  client_id text not null,
  client_secret bytea not null,
  allowed_domains text[] not null check (cardinality(allowed_domains) > 0),
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table app_private.sso_states (
  state_hash bytea primary key,
  org_id uuid not null references app_public.organizations on delete cascade,
  code_verifier text not null,
  nonce text not null,
  redirect_uri text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index sso_states_expires_at_idx on app_private.sso_states (expires_at);

create table app_private.user_identities (
  issuer text not null,
  subject text not null,
  user_id uuid not null references app_public.users on delete cascade,
  email citext,
  created_at timestamptz not null default now(),
  last_login_at timestamptz,
  primary key (issuer, subject)
);
create index user_identities_user_id_idx on app_private.user_identities (user_id);

--! Included identity/sso.sql
-- OpenID Connect SSO (authorization code + PKCE). The gateway talks to the provider; these
-- functions keep the per-org configuration, the one-time login states, and decide who may
-- sign in and as what.

-- Operators (CLI) configure an org's provider; the client secret is stored encrypted.
create or replace function app_private.configure_sso(
  org_id uuid, issuer text, client_id text, client_secret text, allowed_domains text[],
  secret_key text, enabled boolean default true)
  returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  if issuer !~ '^https?://' then
    raise exception 'issuer must be an http(s) URL' using errcode = '22023';
  end if;
  if coalesce(cardinality(allowed_domains), 0) = 0 then
    raise exception 'at least one allowed email domain is required' using errcode = '22023';
  end if;
  insert into app_private.sso_providers as p (org_id, issuer, client_id, client_secret, allowed_domains, enabled)
  values (configure_sso.org_id, rtrim(configure_sso.issuer, '/'), configure_sso.client_id,
          public.pgp_sym_encrypt(configure_sso.client_secret, secret_key),
          (select array_agg(lower(trim(d))) from unnest(configure_sso.allowed_domains) d), configure_sso.enabled)
  on conflict on constraint sso_providers_pkey do update
    set issuer = excluded.issuer, client_id = excluded.client_id, client_secret = excluded.client_secret,
        allowed_domains = excluded.allowed_domains, enabled = excluded.enabled, updated_at = now();
end
$$;

-- Start of a login: remembers the state (hashed), PKCE verifier and nonce for 10 minutes
-- and returns where to send the browser. No row: the org has no enabled SSO.
create or replace function app_private.sso_begin(
  org_id uuid, state text, code_verifier text, nonce text, redirect_uri text)
  returns table (issuer text, client_id text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
begin
  delete from app_private.sso_states s where s.expires_at < now() - interval '1 hour';
  return query
    with p as (select x.issuer, x.client_id from app_private.sso_providers x
                where x.org_id = sso_begin.org_id and x.enabled),
    saved as (
      insert into app_private.sso_states (state_hash, org_id, code_verifier, nonce, redirect_uri, expires_at)
      select public.digest(sso_begin.state, 'sha256'), sso_begin.org_id, sso_begin.code_verifier, sso_begin.nonce,
             sso_begin.redirect_uri, now() + interval '10 minutes'
        from p
      returning 1)
    select p.issuer, p.client_id from p, saved;
end
$$;

-- The callback: a state is usable once, within 10 minutes.
create or replace function app_private.sso_take_state(state text, secret_key text)
  returns table (org_id uuid, issuer text, client_id text, client_secret text,
                 code_verifier text, nonce text, redirect_uri text)
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  with taken as (
    delete from app_private.sso_states s
     where s.state_hash = public.digest(coalesce(sso_take_state.state, ''), 'sha256')
    returning s.*)
  select t.org_id, p.issuer, p.client_id, public.pgp_sym_decrypt(p.client_secret, sso_take_state.secret_key),
         t.code_verifier, t.nonce, t.redirect_uri
    from taken t join app_private.sso_providers p on p.org_id = t.org_id and p.enabled
   where t.expires_at > now()
$$;

-- After the gateway verified the ID token: an allowed, verified email gets a session.
-- The identity (issuer, subject) is linked to a user once; a new user joins the org as
-- `member` just in time. An existing account that is not yet in this org is not taken
-- over by an SSO assertion (status email_in_use).
-- status: ok | domain_not_allowed | email_not_verified | email_in_use | sso_not_configured.
create or replace function app_private.sso_login(
  org_id uuid, issuer text, subject text, email citext, email_verified boolean,
  ip inet default null, user_agent text default null, session_ttl interval default '30 days')
  returns table (status text, user_id uuid, org_id_out uuid, org_role text, session_id uuid, refresh_token text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  provider app_private.sso_providers;
  uid uuid;
  v_role text;
  token text := encode(public.gen_random_bytes(32), 'hex');
  sid uuid;
begin
  select * into provider from app_private.sso_providers p
   where p.org_id = sso_login.org_id and p.enabled and p.issuer = rtrim(sso_login.issuer, '/');
  if provider.org_id is null then
    status := 'sso_not_configured';
    return next;
    return;
  end if;
  if not coalesce(sso_login.email_verified, false) then
    status := 'email_not_verified';
    return next;
    return;
  end if;
  if sso_login.email is null or not (lower(split_part(sso_login.email::text, '@', 2)) = any (provider.allowed_domains)) then
    status := 'domain_not_allowed';
    return next;
    return;
  end if;

  select i.user_id into uid from app_private.user_identities i
   where i.issuer = provider.issuer and i.subject = sso_login.subject;
  if uid is null then
    select u.id into uid from app_public.users u where u.email = sso_login.email;
    if uid is not null and not exists (select 1 from app_public.memberships m
                                        where m.user_id = uid and m.org_id = provider.org_id) then
      status := 'email_in_use';
      return next;
      return;
    end if;
    if uid is null then
      insert into app_public.users (email) values (sso_login.email) returning id into uid;
    end if;
    insert into app_private.user_identities (issuer, subject, user_id, email)
    values (provider.issuer, sso_login.subject, uid, sso_login.email);
  end if;
  update app_private.user_identities i set last_login_at = now(), email = sso_login.email
   where i.issuer = provider.issuer and i.subject = sso_login.subject;

  -- Just-in-time membership, once.
  insert into app_public.memberships (org_id, user_id, role)
  values (provider.org_id, uid, 'member')
  on conflict on constraint memberships_pkey do nothing;
  select m.role into v_role from app_public.memberships m where m.org_id = provider.org_id and m.user_id = uid;

  insert into app_private.sessions (user_id, org_id, refresh_token_hash, ip, user_agent, device, expires_at, auth_method)
  values (uid, provider.org_id, public.digest(token, 'sha256'), sso_login.ip, left(sso_login.user_agent, 500),
          app_private.device_from_user_agent(sso_login.user_agent), now() + sso_login.session_ttl, 'sso')
  returning id into sid;
  insert into app_private.login_attempts (email, user_id, ip, outcome) values (sso_login.email, uid, sso_login.ip, 'success');
  perform app_private.record_auth_event('login_succeeded', uid, provider.org_id, sid, sso_login.ip, sso_login.user_agent,
                                        jsonb_build_object('method', 'sso', 'issuer', provider.issuer));
  status := 'ok';
  user_id := uid;
  org_id_out := provider.org_id;
  org_role := v_role;
  session_id := sid;
  refresh_token := token;
  return next;
end
$$;
--! EndIncluded identity/sso.sql

grant execute on function
  app_private.sso_begin(uuid, text, text, text, text),
  app_private.sso_take_state(text, text),
  app_private.sso_login(uuid, text, text, citext, boolean, inet, text, interval)
  to switchboard_gateway;

--! split: 5-calls.sql
-- Calls domain: bookable resources, conflict-free appointments, pipeline events,
-- voice calls, redacted transcripts, voice agents and outbound callback requests.

------------------------------------------------------------------------------------------
-- Pipeline events: an append-only trail of what moved a contact along (bookings here;
-- other domains add their kinds). Written only by security definer functions.

create table if not exists app_public.pipeline_events (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  kind text not null check (length(kind) between 1 and 100),
  contact_id uuid,
  -- What the event is about: an appointment, a call, a lead…
  subject_id uuid,
  actor_id uuid,
  data jsonb not null default '{}',
  occurred_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index if not exists pipeline_events_org_id_occurred_at_idx on app_public.pipeline_events (org_id, occurred_at desc);
create index if not exists pipeline_events_contact_id_idx on app_public.pipeline_events (contact_id) where contact_id is not null;
create index if not exists pipeline_events_subject_id_idx on app_public.pipeline_events (subject_id) where subject_id is not null;

alter table app_public.pipeline_events enable row level security;
alter table app_public.pipeline_events force row level security;
create policy select_own_org on app_public.pipeline_events for select to authenticated
  using (org_id = (select app_public.current_org_id()));
grant select on app_public.pipeline_events to authenticated;

------------------------------------------------------------------------------------------
-- Resources (a person, room or calendar that takes appointments) and their business
-- hours, read in the org's IANA time zone.

create table app_public.resources (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  name text not null check (length(name) between 1 and 200),
  is_default boolean not null default false,
  slot_minutes int not null default 30 check (slot_minutes between 5 and 480),
  buffer_before interval not null default '0' check (buffer_before between '0' and '4 hours'),
  buffer_after interval not null default '0' check (buffer_after between '0' and '4 hours'),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);
create unique index resources_one_default_idx on app_public.resources (org_id) where is_default;

create table app_public.resource_hours (
  org_id uuid not null default app_public.current_org_id(),
  resource_id uuid not null,
  -- ISO weekday: 1 = Monday … 7 = Sunday.
  weekday smallint not null check (weekday between 1 and 7),
  opens_at time not null,
  closes_at time not null check (closes_at > opens_at),
  primary key (org_id, resource_id, weekday, opens_at),
  foreign key (org_id, resource_id) references app_public.resources (org_id, id) on delete cascade
);

------------------------------------------------------------------------------------------
-- Appointments. The exclusion constraint is the invariant: on one resource of one org,
-- no two live (not cancelled) bookings overlap, buffers included — whatever the write path.

create table app_public.appointments (
  -- The org is enforced through the (org_id, resource_id) key of resources, whose rows
  -- cascade from organizations; a second FK on the org row would only add lock traffic
  -- (FOR KEY SHARE on one hot row per booking).
  org_id uuid not null default app_public.current_org_id(),
  id uuid not null default gen_random_uuid() unique,
  resource_id uuid not null,
  contact_id uuid,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  -- The slot widened by the resource's buffers (see tg_appointments__blocked_range).
  blocked tstzrange not null,
  status text not null default 'booked' check (status in ('booked', 'cancelled')),
  idempotency_key text check (length(idempotency_key) between 1 and 200),
  source text not null default 'api' check (source in ('api', 'vapi')),
  call_id uuid,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  cancelled_at timestamptz,
  primary key (org_id, id),
  foreign key (org_id, resource_id) references app_public.resources (org_id, id) on delete cascade,
  foreign key (org_id, contact_id) references app_public.contacts (org_id, id) on delete set null (contact_id),
  check (ends_at > starts_at),
  constraint appointments_blocked_covers_slot check (blocked @> tstzrange(starts_at, ends_at, '[)')),
  constraint appointments_no_overlap exclude using gist
    (org_id with =, resource_id with =, blocked with &&) where (status <> 'cancelled')
);
create unique index appointments_idempotency_key_idx on app_public.appointments (org_id, idempotency_key)
  where idempotency_key is not null;
create index appointments_org_id_starts_at_idx on app_public.appointments (org_id, starts_at);
create index appointments_contact_id_idx on app_public.appointments (contact_id) where contact_id is not null;

--! Included calls/appointments.sql
-- Appointments: conflict-free bookings. The invariant is the exclusion constraint
-- appointments_no_overlap; these functions only add validation, idempotency, stable
-- errors and pipeline events around it.
--
-- Errors (PostgREST maps PTxyz to HTTP xyz; `hint` carries the stable code):
--   PT409 slot_taken            details: {"resource_id","starts_at","ends_at"} of the conflicting booking
--   PT404 appointment_not_found | resource_not_found | contact_not_found
--   22023 invalid_time_range | in_the_past | outside_business_hours | appointment_cancelled
--   42501 not_authenticated

-- The blocked range is the slot widened by the resource's buffers. The booking functions
-- compute it themselves (one look-up fewer on the hot path); any other insert, and every
-- change of the slot or resource, gets it from the resource here. The check constraint
-- appointments_blocked_covers_slot keeps a supplied range from ever being narrower than
-- the slot, so the exclusion constraint always protects the slots themselves.
create or replace function app_private.tg_appointments__blocked_range() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
declare
  before_buf interval;
  after_buf interval;
begin
  if tg_op = 'INSERT' and new.blocked is not null then
    return new;
  end if;
  if tg_op = 'UPDATE' then
    new.updated_at := now();
    if new.starts_at = old.starts_at and new.ends_at = old.ends_at and new.resource_id = old.resource_id
       and new.blocked is not distinct from old.blocked then
      return new;
    end if;
  end if;
  select r.buffer_before, r.buffer_after into before_buf, after_buf
    from app_public.resources r
   where r.org_id = new.org_id and r.id = new.resource_id;
  new.blocked := tstzrange(new.starts_at - coalesce(before_buf, '0'::interval),
                           new.ends_at + coalesce(after_buf, '0'::interval), '[)');
  return new;
end
$$;

-- The org's default resource (created on first use) when no resource is named.
create or replace function app_private.resolve_resource(org_id uuid, resource_id uuid) returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  rid uuid;
begin
  if resource_id is not null then
    select r.id into rid from app_public.resources r
     where r.org_id = resolve_resource.org_id and r.id = resolve_resource.resource_id and r.active;
    if rid is null then
      raise exception 'resource not found' using errcode = 'PT404', hint = 'resource_not_found';
    end if;
    return rid;
  end if;
  select r.id into rid from app_public.resources r
   where r.org_id = resolve_resource.org_id and r.is_default;
  if rid is null then
    insert into app_public.resources (org_id, name, is_default)
    values (resolve_resource.org_id, 'Default', true)
    on conflict (org_id) where is_default do nothing
    returning id into rid;
    if rid is null then
      select r.id into rid from app_public.resources r
       where r.org_id = resolve_resource.org_id and r.is_default;
    else
      -- A new default resource opens Monday to Friday, 09:00-17:00 in the org's time zone.
      insert into app_public.resource_hours (org_id, resource_id, weekday, opens_at, closes_at)
      select resolve_resource.org_id, rid, d, '09:00', '17:00' from generate_series(1, 5) d;
    end if;
  end if;
  return rid;
end
$$;

-- True when [starts_at, ends_at) lies inside one business-hours window of the resource,
-- read in the org's time zone. A resource without hours is open around the clock.
create or replace function app_private.within_business_hours(
  org_id uuid, resource_id uuid, starts_at timestamptz, ends_at timestamptz) returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  with tz as (
    select o.timezone from app_public.organizations o where o.id = within_business_hours.org_id
  ), local as (
    select (starts_at at time zone tz.timezone) as s, (ends_at at time zone tz.timezone) as e from tz
  )
  select not exists (select 1 from app_public.resource_hours h
                      where h.org_id = within_business_hours.org_id
                        and h.resource_id = within_business_hours.resource_id)
      or exists (
        select 1 from local, app_public.resource_hours h
         where h.org_id = within_business_hours.org_id
           and h.resource_id = within_business_hours.resource_id
           and h.weekday = extract(isodow from local.s)
           and local.s - date_trunc('day', local.s) >= h.opens_at - time '00:00'
           and local.e - date_trunc('day', local.s) <= h.closes_at - time '00:00')
$$;

create or replace function app_private.raise_slot_taken(
  org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid default null) returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  taken record;
begin
  select a.starts_at, a.ends_at into taken
    from app_public.appointments a
   where a.org_id = raise_slot_taken.org_id and a.resource_id = raise_slot_taken.resource_id
     and a.status <> 'cancelled' and a.blocked && raise_slot_taken.blocked
     and a.id is distinct from except_id
   order by a.starts_at limit 1;
  raise exception 'the requested slot is already booked'
    using errcode = 'PT409', hint = 'slot_taken',
          detail = json_build_object('resource_id', resource_id,
                                     'starts_at', taken.starts_at, 'ends_at', taken.ends_at)::text;
end
$$;

-- Bookings whose blocked ranges could overlap are serialized on per-hour advisory locks
-- of their resource (taken in ascending order, so they cannot deadlock). Without this,
-- concurrent inserters of one slot wait on each other's exclusion checks and deadlock;
-- with it, a loser sees the winner committed and fails at once. Bookings of other hours
-- or resources do not wait. The constraint stays the invariant for every write path.
create or replace function app_private.lock_booking_range(resource_id uuid, blocked tstzrange) returns void
  language plpgsql volatile
  set search_path = pg_catalog, public
as $$
declare
  h bigint;
begin
  for h in select generate_series(floor(extract(epoch from lower(blocked)) / 3600)::bigint,
                                  floor((extract(epoch from upper(blocked)) - 0.000001) / 3600)::bigint)
  loop
    perform pg_catalog.pg_advisory_xact_lock(hashtext(resource_id::text), h::int);
  end loop;
end
$$;

-- A conflicting live booking (other than except_id) raises PT409 with the taken slot.
create or replace function app_private.assert_slot_free(
  org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid default null) returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  if exists (select 1 from app_public.appointments a
              where a.org_id = assert_slot_free.org_id and a.resource_id = assert_slot_free.resource_id
                and a.status <> 'cancelled' and a.blocked && assert_slot_free.blocked
                and a.id is distinct from except_id) then
    perform app_private.raise_slot_taken(org_id, resource_id, blocked, except_id);
  end if;
end
$$;

create or replace function app_private.validate_slot(
  org_id uuid, resource_id uuid, starts_at timestamptz, ends_at timestamptz) returns void
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
begin
  if starts_at is null or ends_at is null or ends_at <= starts_at
     or ends_at - starts_at > interval '24 hours' then
    raise exception 'ends_at must be after starts_at (at most 24 hours)'
      using errcode = '22023', hint = 'invalid_time_range';
  end if;
  if starts_at < now() then
    raise exception 'the slot is in the past' using errcode = '22023', hint = 'in_the_past';
  end if;
  if not app_private.within_business_hours(org_id, resource_id, starts_at, ends_at) then
    raise exception 'the slot is outside the resource''s business hours'
      using errcode = '22023', hint = 'outside_business_hours';
  end if;
end
$$;

-- The one booking function: REST (app_public.book_appointment) and the voice agent's
-- tool calls both end here. A retried request with the same idempotency key returns
-- the appointment the first one created. Kept to few statements: it is the hot path.
create or replace function app_private.book_appointment(
  org_id uuid, starts_at timestamptz, ends_at timestamptz, contact_id uuid,
  resource_id uuid default null, idempotency_key text default null,
  source text default 'api', actor_id uuid default null, call_id uuid default null)
  returns app_public.appointments
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  appt app_public.appointments;
  res record;
  rid uuid;
  want tstzrange;
begin
  if idempotency_key is not null then
    select * into appt from app_public.appointments a
     where a.org_id = book_appointment.org_id and a.idempotency_key = book_appointment.idempotency_key;
    if found then
      return appt;
    end if;
  end if;
  if starts_at is null or ends_at is null or ends_at <= starts_at
     or ends_at - starts_at > interval '24 hours' then
    raise exception 'ends_at must be after starts_at (at most 24 hours)'
      using errcode = '22023', hint = 'invalid_time_range';
  end if;
  if starts_at < now() then
    raise exception 'the slot is in the past' using errcode = '22023', hint = 'in_the_past';
  end if;
  rid := coalesce(resource_id, app_private.resolve_resource(org_id, null));
  -- The resource, its buffers and whether it has business hours, in one look-up.
  select r.id, r.buffer_before, r.buffer_after,
         exists (select 1 from app_public.resource_hours h where h.org_id = r.org_id and h.resource_id = r.id) as has_hours
    into res
    from app_public.resources r
   where r.org_id = book_appointment.org_id and r.active
     and r.id = rid;
  if res.id is null then
    raise exception 'resource not found' using errcode = 'PT404', hint = 'resource_not_found';
  end if;
  if contact_id is not null and not exists (
       select 1 from app_public.contacts c where c.org_id = book_appointment.org_id and c.id = book_appointment.contact_id) then
    raise exception 'contact not found' using errcode = 'PT404', hint = 'contact_not_found';
  end if;
  if res.has_hours and not app_private.within_business_hours(org_id, res.id, starts_at, ends_at) then
    raise exception 'the slot is outside the resource''s business hours'
      using errcode = '22023', hint = 'outside_business_hours';
  end if;
  want := tstzrange(book_appointment.starts_at - res.buffer_before, book_appointment.ends_at + res.buffer_after, '[)');
  perform app_private.lock_booking_range(res.id, want);
  if idempotency_key is not null then
    -- A concurrent retry may have committed while this one waited for the lock.
    select * into appt from app_public.appointments a
     where a.org_id = book_appointment.org_id and a.idempotency_key = book_appointment.idempotency_key;
    if found then
      return appt;
    end if;
  end if;
  -- Under the lock no other booking through here can be inserting an overlapping range,
  -- so this check is exact and a loser fails before writing anything. (A raw INSERT that
  -- bypasses this function still meets the exclusion constraint: 23P01.)
  perform app_private.assert_slot_free(book_appointment.org_id, res.id, want);
  insert into app_public.appointments
    (org_id, resource_id, contact_id, starts_at, ends_at, blocked, idempotency_key, source, call_id, created_by)
  values (book_appointment.org_id, res.id, book_appointment.contact_id, book_appointment.starts_at,
          book_appointment.ends_at, want, book_appointment.idempotency_key, book_appointment.source,
          book_appointment.call_id, actor_id)
  on conflict (org_id, idempotency_key) where idempotency_key is not null do nothing
  returning * into appt;
  if appt.id is null then
    -- A concurrent request with the same idempotency key won.
    select * into appt from app_public.appointments a
     where a.org_id = book_appointment.org_id and a.idempotency_key = book_appointment.idempotency_key;
    return appt;
  end if;
  insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
  values (appt.org_id, 'appointment_booked', appt.contact_id, appt.id, actor_id,
          jsonb_build_object('resource_id', appt.resource_id, 'starts_at', appt.starts_at,
                             'ends_at', appt.ends_at, 'source', appt.source));
  return appt;
end
$$;

create or replace function app_private.require_member() returns uuid
  language plpgsql stable
  set search_path = pg_catalog, public
as $$
begin
  if app_public.current_org_id() is null or app_public.current_user_id() is null
     or app_public.current_org_role() is null then
    raise exception 'sign in to an organization first' using errcode = '42501', hint = 'not_authenticated';
  end if;
  return app_public.current_org_id();
end
$$;

create or replace function app_public.book_appointment(
  starts_at timestamptz, ends_at timestamptz, contact_id uuid,
  resource_id uuid default null, idempotency_key text default null)
  returns app_public.appointments
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select * from app_private.book_appointment(app_private.require_member(), starts_at, ends_at, contact_id,
                                             resource_id, idempotency_key, 'api', app_public.current_user_id())
$$;

create or replace function app_public.cancel_appointment(appointment_id uuid)
  returns app_public.appointments
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_member();
  appt app_public.appointments;
begin
  update app_public.appointments a set status = 'cancelled', cancelled_at = coalesce(a.cancelled_at, now())
   where a.org_id = org and a.id = appointment_id
  returning * into appt;
  if appt.id is null then
    raise exception 'appointment not found' using errcode = 'PT404', hint = 'appointment_not_found';
  end if;
  insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
  values (org, 'appointment_cancelled', appt.contact_id, appt.id, app_public.current_user_id(),
          jsonb_build_object('resource_id', appt.resource_id, 'starts_at', appt.starts_at, 'ends_at', appt.ends_at));
  return appt;
end
$$;

-- One UPDATE: into a taken slot it fails as a whole and the original booking stays.
create or replace function app_public.reschedule_appointment(appointment_id uuid, starts_at timestamptz, ends_at timestamptz)
  returns app_public.appointments
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_member();
  appt app_public.appointments;
  prev app_public.appointments;
  want tstzrange;
begin
  select * into prev from app_public.appointments a
   where a.org_id = org and a.id = appointment_id for update;
  if not found then
    raise exception 'appointment not found' using errcode = 'PT404', hint = 'appointment_not_found';
  end if;
  if prev.status = 'cancelled' then
    raise exception 'a cancelled appointment cannot be rescheduled; book a new one'
      using errcode = '22023', hint = 'appointment_cancelled';
  end if;
  perform app_private.validate_slot(org, prev.resource_id, starts_at, ends_at);
  select tstzrange(reschedule_appointment.starts_at - r.buffer_before, reschedule_appointment.ends_at + r.buffer_after, '[)')
    into want from app_public.resources r where r.org_id = org and r.id = prev.resource_id;
  perform app_private.lock_booking_range(prev.resource_id, want);
  perform app_private.assert_slot_free(org, prev.resource_id, want, prev.id);
  begin
    update app_public.appointments a
       set starts_at = reschedule_appointment.starts_at, ends_at = reschedule_appointment.ends_at
     where a.org_id = org and a.id = appointment_id
    returning * into appt;
  exception when exclusion_violation then
    perform app_private.raise_slot_taken(org, prev.resource_id, want, prev.id);
  end;
  insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
  values (org, 'appointment_rescheduled', appt.contact_id, appt.id, app_public.current_user_id(),
          jsonb_build_object('resource_id', appt.resource_id,
                             'from', jsonb_build_object('starts_at', prev.starts_at, 'ends_at', prev.ends_at),
                             'starts_at', appt.starts_at, 'ends_at', appt.ends_at));
  return appt;
end
$$;

-- Free slots of a resource on a local day (org time zone): slot_minutes apart inside
-- the business hours, not in the past, not overlapping a booking (buffers included).
create or replace function app_private.available_slots(org_id uuid, resource_id uuid, day date)
  returns table (starts_at timestamptz, ends_at timestamptz)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  with r as (
    select r.*, o.timezone, make_interval(mins => r.slot_minutes) as len
      from app_public.resources r join app_public.organizations o on o.id = r.org_id
     where r.org_id = available_slots.org_id and r.id = available_slots.resource_id
  ), windows as (
    select h.opens_at - time '00:00' as opens, h.closes_at - time '00:00' as closes
      from app_public.resource_hours h
     where h.org_id = available_slots.org_id and h.resource_id = available_slots.resource_id
       and h.weekday = extract(isodow from day)
    union all
    select interval '0', interval '24 hours'
     where not exists (select 1 from app_public.resource_hours h
                        where h.org_id = available_slots.org_id and h.resource_id = available_slots.resource_id)
  ), slots as (
    select (s at time zone r.timezone) as s_at, ((s + r.len) at time zone r.timezone) as e_at,
           r.buffer_before, r.buffer_after
      from r, windows w,
           generate_series(day + w.opens, day + w.closes - r.len, r.len) s
  )
  select s.s_at, s.e_at from slots s
   where s.s_at >= now()
     and not exists (
       select 1 from app_public.appointments a
        where a.org_id = available_slots.org_id and a.resource_id = available_slots.resource_id
          and a.status <> 'cancelled'
          and a.blocked && tstzrange(s.s_at - s.buffer_before, s.e_at + s.buffer_after, '[)'))
   order by 1
$$;

create or replace function app_public.check_availability(resource_id uuid default null, day date default null)
  returns table (starts_at timestamptz, ends_at timestamptz)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_member();
  rid uuid := app_private.resolve_resource(org, resource_id);
  local_day date := coalesce(day, (now() at time zone (select o.timezone from app_public.organizations o where o.id = org))::date);
begin
  return query select * from app_private.available_slots(org, rid, local_day);
end
$$;
--! EndIncluded calls/appointments.sql

create trigger tg_appointments__blocked_range before insert or update on app_public.appointments
  for each row execute function app_private.tg_appointments__blocked_range();
create trigger tg_resources__audit after insert or update or delete on app_public.resources
  for each row execute function app_private.tg__audit();

alter table app_public.resources enable row level security;
alter table app_public.resources force row level security;
alter table app_public.resource_hours enable row level security;
alter table app_public.resource_hours force row level security;
alter table app_public.appointments enable row level security;
alter table app_public.appointments force row level security;

create policy select_own_org on app_public.resources for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.resources for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.resources for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));

create policy select_own_org on app_public.resource_hours for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.resource_hours for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.resource_hours for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
create policy admins_delete on app_public.resource_hours for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

create policy select_own_org on app_public.appointments for select to authenticated
  using (org_id = (select app_public.current_org_id()));

grant select on app_public.resources to authenticated;
grant insert (org_id, id, name, slot_minutes, buffer_before, buffer_after) on app_public.resources to authenticated;
grant update (name, slot_minutes, buffer_before, buffer_after, active) on app_public.resources to authenticated;
grant select, delete on app_public.resource_hours to authenticated;
grant insert (org_id, resource_id, weekday, opens_at, closes_at) on app_public.resource_hours to authenticated;
grant update (opens_at, closes_at) on app_public.resource_hours to authenticated;
-- Bookings change only through the RPCs below.
grant select on app_public.appointments to authenticated;

grant execute on function
  app_public.book_appointment(timestamptz, timestamptz, uuid, uuid, text),
  app_public.cancel_appointment(uuid),
  app_public.reschedule_appointment(uuid, timestamptz, timestamptz),
  app_public.check_availability(uuid, date)
  to authenticated;

------------------------------------------------------------------------------------------
-- Voice agents, calls, transcripts (PHI redacted at the door), outbound callback requests.

alter table app_public.workspace_settings
  add column transcript_retention interval not null default '90 days'
    check (transcript_retention between '1 day' and '10 years'),
  -- The voice platform's API for outbound calls; null means the worker's VAPI_API_URL
  -- (default https://api.vapi.ai). Operator-set only: the worker sends its API key there,
  -- so org admins must not be able to point it elsewhere.
  add column voice_api_base_url text check (voice_api_base_url ~ '^https?://[^\s]+$');
grant update (transcript_retention) on app_public.workspace_settings to authenticated;

create table app_public.agents (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  name text not null check (length(name) between 1 and 200),
  platform text not null default 'vapi' check (platform in ('vapi')),
  direction text not null check (direction in ('inbound', 'outbound')),
  -- The platform's ids. Never created or replaced from here: configured on the platform.
  assistant_id text check (length(assistant_id) <= 200),
  -- Checked to be a UUID when a callback is requested (a phone number here is the classic mistake).
  phone_number_id text check (length(phone_number_id) <= 200),
  active boolean not null default true,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index agents_assistant_id_idx on app_public.agents (org_id, assistant_id);

create table app_public.calls (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  platform text not null default 'vapi' check (platform in ('vapi')),
  external_id text not null check (length(external_id) between 1 and 200),
  direction text check (direction in ('inbound', 'outbound', 'web')),
  status text not null default 'queued'
    check (status in ('scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended')),
  agent_id uuid,
  contact_id uuid,
  campaign_id uuid,
  customer_number text check (length(customer_number) <= 40),
  started_at timestamptz,
  ended_at timestamptz,
  duration_seconds numeric(10, 2),
  ended_reason text check (length(ended_reason) <= 200),
  cost numeric(12, 4),
  recording_url text check (length(recording_url) <= 2000),
  summary text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (org_id, platform, external_id),
  foreign key (org_id, agent_id) references app_public.agents (org_id, id) on delete set null (agent_id),
  foreign key (org_id, contact_id) references app_public.contacts (org_id, id) on delete set null (contact_id),
  foreign key (org_id, campaign_id) references app_public.campaigns (org_id, id) on delete set null (campaign_id)
);
create index calls_org_id_created_at_idx on app_public.calls (org_id, created_at desc);
create index calls_contact_id_idx on app_public.calls (contact_id) where contact_id is not null;
create index calls_campaign_id_idx on app_public.calls (campaign_id) where campaign_id is not null;
create index calls_agent_id_idx on app_public.calls (agent_id) where agent_id is not null;

create table app_public.transcripts (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  call_id uuid not null,
  -- Always redacted: tg_transcripts__redact runs before every insert and update.
  content text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (org_id, call_id),
  foreign key (org_id, call_id) references app_public.calls (org_id, id) on delete cascade
);
create index transcripts_created_at_idx on app_public.transcripts (created_at);

create table app_public.callback_requests (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  contact_id uuid,
  agent_id uuid not null,
  customer_number text not null,
  status text not null default 'queued' check (status in ('queued', 'sent', 'failed')),
  call_id uuid,
  external_call_id text,
  attempts int not null default 0,
  last_error text,
  requested_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, agent_id) references app_public.agents (org_id, id),
  foreign key (org_id, contact_id) references app_public.contacts (org_id, id) on delete set null (contact_id)
);
create index callback_requests_org_id_created_at_idx on app_public.callback_requests (org_id, created_at desc);
create index callback_requests_contact_id_idx on app_public.callback_requests (contact_id) where contact_id is not null;

--! Included calls/redaction.sql
-- PHI redaction for transcripts and call summaries. Runs in a BEFORE INSERT OR UPDATE
-- trigger, so no write path can store the raw text. Typed placeholders:
-- [EMAIL], [CARD] (Luhn-valid 13-19 digit numbers only), [SSN], [DOB], [MRN], [PHONE].
-- Measured against db/tests/fixtures/redaction-corpus.sql (db/tests/51-…).

create or replace function app_private.luhn_valid(digits text) returns boolean
  language plpgsql immutable strict parallel safe
as $$
declare
  total int := 0;
  d int;
  n int := length(digits);
begin
  if digits !~ '^\d{13,19}$' then
    return false;
  end if;
  for i in 0 .. n - 1 loop
    d := substr(digits, n - i, 1)::int;
    if i % 2 = 1 then
      d := d * 2;
      if d > 9 then d := d - 9; end if;
    end if;
    total := total + d;
  end loop;
  return total % 10 = 0;
end
$$;

create or replace function app_private.redact_phi(input text) returns text
  language plpgsql immutable parallel safe
as $$
declare
  t text := input;
  m text;
  -- A date as people say or type it.
  month_name constant text := '(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?';
  any_date text;
  old_date text;
  old_year constant text := '(19\d\d|200\d|201[0-2])';
  -- Numbers after these words are order/tracking/reference numbers, not phones or SSNs.
  not_after constant text := '(?<!(?:order |order number |order no\. |order # |order #|tracking number |tracking |invoice |invoice number |confirmation |confirmation number |reference |reference number |ref |serial |serial number |policy |ticket |account number |order id is |order is ))';
begin
  if t is null or t !~ '[0-9@]|\mat\M' then
    return t;
  end if;
  any_date := '(\m\d{1,2}[/-]\d{1,2}[/-](\d{4}|\d{2})\M|\m\d{4}-\d{1,2}-\d{1,2}\M|\m' || month_name
           || ' \d{1,2}(st|nd|rd|th)?,? \d{4}\M|\m\d{1,2}(st|nd|rd|th)? (of )?' || month_name || ',? \d{4}\M)';
  old_date := '(\m\d{1,2}[/-]\d{1,2}[/-]' || old_year || '\M|\m' || old_year || '-\d{1,2}-\d{1,2}\M|\m' || month_name
           || ' \d{1,2}(st|nd|rd|th)?,? ' || old_year || '\M|\m\d{1,2}(st|nd|rd|th)? (of )?' || month_name || ',? ' || old_year || '\M)';

  -- Email addresses, typed and spoken ("jane dot doe at example dot com").
  t := regexp_replace(t, '[A-Za-z0-9._%+''-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}', '[EMAIL]', 'g');
  t := regexp_replace(t,
    '\m[a-z0-9]+(( dot | underscore | dash |[._-])[a-z0-9]+)* at [a-z0-9-]+( dot [a-z0-9-]+)* dot (com|net|org|edu|gov|io|us|co|info|biz|me)\M',
    '[EMAIL]', 'gi');

  -- Payment cards: 13-19 digits, optionally grouped by spaces or dashes, Luhn-valid only.
  for m in select distinct x[1] from regexp_matches(t, '(\m\d(?:[ -]?\d){12,18}\M)', 'g') x loop
    if app_private.luhn_valid(regexp_replace(m, '\D', '', 'g')) then
      t := replace(t, m, '[CARD]');
    end if;
  end loop;

  -- US social security numbers: AAA-GG-SSSS (valid ranges), or nine digits after "social"/"SSN".
  t := regexp_replace(t, not_after || '\m(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\M', '[SSN]', 'g');
  t := regexp_replace(t, '(\m(social security|social|ssn)( number| no\.?| #)?( is|:)?\s*)\d{3}[- ]?\d{2}[- ]?\d{4}\M', '\1[SSN]', 'gi');

  -- Dates of birth: any date after a birth keyword; otherwise full dates in 1900-2012.
  t := regexp_replace(t, '(\m(date of birth|birth ?date|birthday|born( on)?|d\.?o\.?b\.?)(:| is| was)?\s*)' || any_date, '\1[DOB]', 'gi');
  t := regexp_replace(t, old_date, '[DOB]', 'gi');

  -- Medical record numbers: an identifier after "MRN", "medical record number", "patient ID", "chart number".
  t := regexp_replace(t,
    '(\m(MRN|medical record (number|no\.?|num|#)|medical record|patient (ID|id number|number)|chart (number|no\.?|#))(:| is| was| #)?\s*(is\s+)?#?)[A-Z]{0,3}-?\d[\d-]{3,12}\d\M',
    '\1[MRN]', 'gi');

  -- Phone numbers: international (+CC …) and North American formats.
  t := regexp_replace(t, not_after || '\+\d{1,3}([ .-]?\d{1,4}){2,5}\M', '[PHONE]', 'g');
  t := regexp_replace(t, not_after || '(\m1[-. ]?)?(\(\d{3}\) ?|\m\d{3}[-. ]?)\d{3}[-. ]?\d{4}\M', '[PHONE]', 'g');
  return t;
end
$$;
--! EndIncluded calls/redaction.sql
--! Included calls/calls.sql
-- Voice calls and transcripts. A call is unique per (org, platform, external call id):
-- re-delivered or re-synced events update it, never duplicate it. Status only moves
-- forward (an "in-progress" arriving after "ended" does not reopen the call).

create or replace function app_private.call_status_rank(status text) returns int
  language sql immutable parallel safe
as $$
  select case status when 'scheduled' then 0 when 'queued' then 1 when 'ringing' then 2
                     when 'in-progress' then 3 when 'forwarding' then 4 when 'ended' then 5 else -1 end
$$;

-- Summaries and transcripts are redacted before they are stored, whatever the write path.
create or replace function app_private.tg_calls__redact() returns trigger
  language plpgsql
as $$
begin
  new.summary := app_private.redact_phi(new.summary);
  return new;
end
$$;

create or replace function app_private.tg_transcripts__redact() returns trigger
  language plpgsql
as $$
begin
  new.content := app_private.redact_phi(new.content);
  new.updated_at := now();
  return new;
end
$$;

-- attrs: any of direction, status, agent_id, contact_id, campaign_id, customer_number,
-- started_at, ended_at, duration_seconds, ended_reason, cost, recording_url, summary.
-- Missing keys keep what is stored.
create or replace function app_private.upsert_call(org_id uuid, platform text, external_id text, attrs jsonb)
  returns app_public.calls
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  c app_public.calls;
  new_status text := case when app_private.call_status_rank(attrs ->> 'status') >= 0 then attrs ->> 'status' end;
begin
  insert into app_public.calls as k (
    org_id, platform, external_id, direction, status, agent_id, contact_id, campaign_id, customer_number,
    started_at, ended_at, duration_seconds, ended_reason, cost, recording_url, summary)
  values (
    upsert_call.org_id, upsert_call.platform, upsert_call.external_id,
    attrs ->> 'direction', coalesce(new_status, 'queued'),
    (attrs ->> 'agent_id')::uuid, (attrs ->> 'contact_id')::uuid, (attrs ->> 'campaign_id')::uuid,
    attrs ->> 'customer_number', (attrs ->> 'started_at')::timestamptz, (attrs ->> 'ended_at')::timestamptz,
    (attrs ->> 'duration_seconds')::numeric, attrs ->> 'ended_reason', (attrs ->> 'cost')::numeric,
    attrs ->> 'recording_url', attrs ->> 'summary')
  on conflict (org_id, platform, external_id) do update set
    direction = coalesce(excluded.direction, k.direction),
    status = case when new_status is not null
                   and app_private.call_status_rank(new_status) > app_private.call_status_rank(k.status)
                  then new_status else k.status end,
    agent_id = coalesce(excluded.agent_id, k.agent_id),
    contact_id = coalesce(excluded.contact_id, k.contact_id),
    campaign_id = coalesce(excluded.campaign_id, k.campaign_id),
    customer_number = coalesce(excluded.customer_number, k.customer_number),
    started_at = coalesce(excluded.started_at, k.started_at),
    ended_at = coalesce(excluded.ended_at, k.ended_at),
    duration_seconds = coalesce(excluded.duration_seconds, k.duration_seconds),
    ended_reason = coalesce(excluded.ended_reason, k.ended_reason),
    cost = coalesce(excluded.cost, k.cost),
    recording_url = coalesce(excluded.recording_url, k.recording_url),
    summary = coalesce(excluded.summary, k.summary),
    updated_at = now()
  returning * into c;
  return c;
end
$$;

create or replace function app_private.upsert_transcript(org_id uuid, call_id uuid, content text) returns uuid
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_public.transcripts as t (org_id, call_id, content)
  values (org_id, call_id, content)
  on conflict (org_id, call_id) do update set content = excluded.content
  returning t.id
$$;

-- Retention: transcripts and recording links older than the org's window go away.
create or replace function app_private.purge_call_data(batch_size int default 5000) returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  removed bigint;
  cleared bigint;
begin
  delete from app_public.transcripts t
   where (t.org_id, t.id) in (
     select t2.org_id, t2.id from app_public.transcripts t2
       join app_public.workspace_settings s on s.org_id = t2.org_id
      where t2.created_at < now() - s.transcript_retention
      limit batch_size);
  get diagnostics removed = row_count;
  update app_public.calls c set recording_url = null, updated_at = now()
   where (c.org_id, c.id) in (
     select c2.org_id, c2.id from app_public.calls c2
       join app_public.workspace_settings s on s.org_id = c2.org_id
      where c2.recording_url is not null and c2.created_at < now() - s.transcript_retention
      limit batch_size);
  get diagnostics cleared = row_count;
  return removed + cleared;
end
$$;
--! EndIncluded calls/calls.sql
--! Included calls/agents.sql
-- Outbound callbacks: validate everything before anything leaves, then a job calls the
-- voice platform. Errors (PostgREST maps PTxyz to HTTP xyz; `hint` is the stable code):
--   PT422 outbound_agent_not_configured | invalid_phone_number_id | invalid_customer_number
--   PT404 contact_not_found

create or replace function app_private.normalize_e164(phone text) returns text
  language sql immutable parallel safe
as $$
  select case when cleaned ~ '^\+[1-9]\d{7,14}$' then cleaned end
    from (select regexp_replace(coalesce(phone, ''), '[\s().-]', '', 'g') as cleaned) x
$$;

create or replace function app_private.is_uuid(value text) returns boolean
  language sql immutable parallel safe
as $$
  select coalesce(value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', false)
$$;

create or replace function app_public.request_callback(contact_id uuid)
  returns app_public.callback_requests
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_member();
  k app_public.contacts;
  agent app_public.agents;
  number text;
  req app_public.callback_requests;
begin
  select * into k from app_public.contacts c where c.org_id = org and c.id = request_callback.contact_id;
  if not found then
    raise exception 'contact not found' using errcode = 'PT404', hint = 'contact_not_found';
  end if;
  select * into agent from app_public.agents a
   where a.org_id = org and a.direction = 'outbound' and a.active
   order by a.created_at limit 1;
  if not found or coalesce(agent.assistant_id, '') = '' then
    raise exception 'outbound agent not configured' using errcode = 'PT422', hint = 'outbound_agent_not_configured';
  end if;
  if not app_private.is_uuid(agent.phone_number_id) then
    raise exception 'the outbound agent''s phone-number id must be the platform''s phone-number UUID, not a phone number'
      using errcode = 'PT422', hint = 'invalid_phone_number_id';
  end if;
  number := app_private.normalize_e164(k.phone);
  if number is null then
    raise exception 'the contact has no valid E.164 phone number (e.g. +14155550123)'
      using errcode = 'PT422', hint = 'invalid_customer_number';
  end if;
  insert into app_public.callback_requests (org_id, contact_id, agent_id, customer_number, requested_by)
  values (org, k.id, agent.id, number, app_public.current_user_id())
  returning * into req;
  perform graphile_worker.add_job('request_callback',
    json_build_object('org_id', org, 'request_id', req.id), max_attempts => 8,
    job_key => 'request_callback:' || req.id);
  insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
  values (org, 'callback_requested', k.id, req.id, app_public.current_user_id(), jsonb_build_object('agent_id', agent.id));
  return req;
end
$$;

-- What the worker needs to place the call (nothing once it was placed or failed for good).
create or replace function app_private.callback_dispatch(org_id uuid, request_id uuid) returns jsonb
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select jsonb_build_object(
           'assistant_id', a.assistant_id, 'phone_number_id', a.phone_number_id,
           'customer_number', r.customer_number,
           'customer_name', nullif(trim(concat_ws(' ', k.first_name, k.last_name)), ''),
           'contact_id', r.contact_id, 'base_url', s.voice_api_base_url)
    from app_public.callback_requests r
    join app_public.agents a on a.org_id = r.org_id and a.id = r.agent_id
    join app_public.workspace_settings s on s.org_id = r.org_id
    left join app_public.contacts k on k.org_id = r.org_id and k.id = r.contact_id
   where r.org_id = callback_dispatch.org_id and r.id = request_id and r.status = 'queued'
$$;

create or replace function app_private.record_callback_sent(org_id uuid, request_id uuid, external_call_id text) returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  r app_public.callback_requests;
  c app_public.calls;
begin
  select * into r from app_public.callback_requests q
   where q.org_id = record_callback_sent.org_id and q.id = request_id for update;
  c := app_private.upsert_call(r.org_id, 'vapi', external_call_id, jsonb_build_object(
         'direction', 'outbound', 'status', 'queued', 'agent_id', r.agent_id,
         'contact_id', r.contact_id, 'customer_number', r.customer_number));
  update app_public.callback_requests q
     set status = 'sent', call_id = c.id, external_call_id = record_callback_sent.external_call_id,
         attempts = q.attempts + 1, last_error = null, updated_at = now()
   where q.org_id = r.org_id and q.id = r.id;
  return c.id;
end
$$;

create or replace function app_private.record_callback_failure(org_id uuid, request_id uuid, error text, final boolean)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  update app_public.callback_requests q
     set attempts = q.attempts + 1, last_error = left(error, 500), updated_at = now(),
         status = case when final then 'failed' else q.status end
   where q.org_id = record_callback_failure.org_id and q.id = request_id and q.status = 'queued'
$$;
--! EndIncluded calls/agents.sql
--! Included calls/vapi.sql
-- Vapi server messages. Asynchronous ones (status-update, end-of-call-report, …) arrive
-- through the durable inbox and are applied here by the process_call_events task;
-- tool-calls are answered within the request by app_private.vapi_tool_calls.

-- Text fields of a Vapi payload are redacted before the inbox stores it, so raw PHI from
-- transcripts and summaries never reaches a table (phone numbers under `customer` stay:
-- they identify the caller).
create or replace function app_private.redact_json_text(doc jsonb) returns jsonb
  language sql immutable parallel safe
as $$
  select case jsonb_typeof(doc)
    when 'object' then coalesce((
      select jsonb_object_agg(key,
               case when jsonb_typeof(value) = 'string'
                         and key in ('transcript', 'summary', 'message', 'content', 'text', 'result', 'arguments')
                    then to_jsonb(app_private.redact_phi(value #>> '{}'))
                    else app_private.redact_json_text(value) end)
        from jsonb_each(doc)), '{}'::jsonb)
    when 'array' then coalesce((select jsonb_agg(app_private.redact_json_text(value) order by ord)
                                  from jsonb_array_elements(doc) with ordinality e (value, ord)), '[]'::jsonb)
    else doc end
$$;

-- Vapi events also get shards of their own (8-15 rather than 0-7): the outreach batch
-- processor drains every pending event of an (org, shard 0-7), whatever its provider, so
-- sharing shards would let it swallow call events. process_call_events takes a job for
-- shard s as covering s and s + 8.
create or replace function app_private.tg_webhook_events__vapi() returns trigger
  language plpgsql
as $$
begin
  if new.provider = 'vapi' then
    new.shard := 8 + new.shard % 8;
    if new.payload is not null then
      new.payload := app_private.redact_json_text(new.payload);
    end if;
  end if;
  return new;
end
$$;

-- The contact a call belongs to: metadata.contact_id when it is one of the org's
-- contacts, else a contact whose phone matches the customer number.
create or replace function app_private.vapi_call_contact(org_id uuid, call jsonb) returns uuid
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select coalesce(
    (select c.id from app_public.contacts c
      where c.org_id = vapi_call_contact.org_id
        and app_private.is_uuid(call -> 'metadata' ->> 'contact_id')
        and c.id = (call -> 'metadata' ->> 'contact_id')::uuid),
    (select c.id from app_public.contacts c
      where c.org_id = vapi_call_contact.org_id
        and app_private.normalize_e164(call -> 'customer' ->> 'number') is not null
        and app_private.normalize_e164(c.phone) = app_private.normalize_e164(call -> 'customer' ->> 'number')
      order by c.created_at limit 1))
$$;

create or replace function app_private.apply_vapi_message(org_id uuid, msg jsonb) returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  call jsonb := coalesce(msg -> 'call', '{}');
  ext text := call ->> 'id';
  kind text := msg ->> 'type';
  started timestamptz := coalesce(msg ->> 'startedAt', call ->> 'startedAt')::timestamptz;
  ended timestamptz := coalesce(msg ->> 'endedAt', call ->> 'endedAt')::timestamptz;
  c app_public.calls;
  transcript text := coalesce(msg ->> 'transcript', msg -> 'artifact' ->> 'transcript');
  campaign uuid;
begin
  if ext is null then
    raise exception 'vapi message without call.id' using errcode = '22023';
  end if;
  if app_private.is_uuid(call -> 'metadata' ->> 'campaign_id') then
    select k.id into campaign from app_public.campaigns k
     where k.org_id = apply_vapi_message.org_id and k.id = (call -> 'metadata' ->> 'campaign_id')::uuid;
  end if;
  c := app_private.upsert_call(org_id, 'vapi', ext, jsonb_strip_nulls(jsonb_build_object(
    'direction', case call ->> 'type' when 'inboundPhoneCall' then 'inbound'
                                      when 'outboundPhoneCall' then 'outbound' when 'webCall' then 'web' end,
    'status', case kind when 'status-update' then msg ->> 'status'
                        when 'end-of-call-report' then 'ended' else call ->> 'status' end,
    'agent_id', (select a.id from app_public.agents a
                  where a.org_id = apply_vapi_message.org_id
                    and a.assistant_id = coalesce(call ->> 'assistantId', msg -> 'assistant' ->> 'id')
                  order by a.created_at limit 1),
    'contact_id', app_private.vapi_call_contact(org_id, call || jsonb_strip_nulls(jsonb_build_object('customer', coalesce(call -> 'customer', msg -> 'customer')))),
    'campaign_id', campaign,
    'customer_number', coalesce(call -> 'customer' ->> 'number', msg -> 'customer' ->> 'number'),
    'started_at', started,
    'ended_at', ended,
    'duration_seconds', coalesce((msg ->> 'durationSeconds')::numeric, extract(epoch from ended - started)),
    'ended_reason', coalesce(msg ->> 'endedReason', call ->> 'endedReason'),
    'cost', coalesce(msg ->> 'cost', call ->> 'cost'),
    'recording_url', coalesce(msg ->> 'recordingUrl', msg -> 'artifact' ->> 'recordingUrl'),
    'summary', coalesce(msg -> 'analysis' ->> 'summary', msg ->> 'summary')
  )));
  if transcript is not null and transcript <> '' then
    perform app_private.upsert_transcript(org_id, c.id, transcript);
  end if;
  return c.id;
end
$$;

-- Drains one org's shard of Vapi inbox events (same contract as process_outreach_events).
create or replace function app_private.process_call_events(
  org_id uuid, shard smallint, batch_size int default 500, only_event uuid default null)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  s smallint := shard % 8;
  ev record;
  n int := 0;
begin
  perform pg_advisory_xact_lock(hashtext('process_call_events'), hashtext(process_call_events.org_id::text || ':' || s));
  for ev in
    select e.id, e.payload from app_public.webhook_events e
     where e.org_id = process_call_events.org_id and e.shard in (s, s + 8)
       and e.provider = 'vapi'
       and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
       and (only_event is null or e.id = only_event)
     order by e.received_at
     limit batch_size
     for update of e skip locked
  loop
    perform app_private.apply_vapi_message(process_call_events.org_id, ev.payload -> 'message');
    update app_public.webhook_events e set status = 'processed', processed_at = now()
     where e.org_id = process_call_events.org_id and e.id = ev.id;
    n := n + 1;
  end loop;
  return n;
end
$$;

create or replace function app_private.due_call_events(org_id uuid, shard smallint, max_count int default 100)
  returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select e.id from app_public.webhook_events e
   where e.org_id = due_call_events.org_id and e.shard in (shard % 8, shard % 8 + 8) and e.provider = 'vapi'
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
   order by e.received_at limit max_count
$$;

------------------------------------------------------------------------------------------
-- Tool calls: check_availability and book_appointment, answered with sentences an agent
-- can say. Booking goes through app_private.book_appointment, the function behind the
-- REST RPC; the tool call id is the idempotency key, so a retried tool call returns the
-- same appointment.

create or replace function app_private.say_time(ts timestamptz, tz text) returns text
  language sql stable parallel safe
as $$
  select trim(to_char(ts at time zone tz, 'FMDay, FMMonth FMDD "at" FMHH12:MI AM'))
$$;

create or replace function app_private.say_slots(org_id uuid, resource_id uuid, near timestamptz, how_many int default 3)
  returns text
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  with tz as (select o.timezone from app_public.organizations o where o.id = say_slots.org_id),
  days as (select ((near at time zone tz.timezone)::date + d)::date as day from tz, generate_series(0, 6) d),
  slots as (
    select s.starts_at from days, app_private.available_slots(org_id, resource_id, days.day) s
     order by abs(extract(epoch from s.starts_at - near)) limit how_many)
  select string_agg(app_private.say_time(s.starts_at, tz.timezone), '; ' order by s.starts_at) from slots s, tz
$$;

create or replace function app_private.vapi_tool_args(tool_call jsonb) returns jsonb
  language sql immutable parallel safe
as $$
  select case jsonb_typeof(a) when 'string' then (a #>> '{}')::jsonb when 'object' then a else '{}'::jsonb end
    from (select coalesce(tool_call -> 'function' -> 'arguments', tool_call -> 'arguments') as a) x
$$;

create or replace function app_private.vapi_tool_call(org_id uuid, msg jsonb, tool_call jsonb) returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  name text := coalesce(tool_call -> 'function' ->> 'name', tool_call ->> 'name');
  args jsonb;
  tz text;
  rid uuid;
  day date;
  starts timestamptz;
  ends timestamptz;
  appt app_public.appointments;
  free text;
  the_call app_public.calls;
  contact uuid;
  state text;
  err text;
begin
  select o.timezone into tz from app_public.organizations o where o.id = vapi_tool_call.org_id;
  begin
    args := app_private.vapi_tool_args(tool_call);
  exception when others then
    return 'I could not read the tool arguments.';
  end;
  begin
    rid := app_private.resolve_resource(org_id, case when app_private.is_uuid(args ->> 'resource_id') then (args ->> 'resource_id')::uuid end);
    if name = 'check_availability' then
      day := coalesce(nullif(coalesce(args ->> 'date', args ->> 'day'), '')::date, (now() at time zone tz)::date);
      select string_agg(trim(to_char(s.starts_at at time zone tz, 'FMHH12:MI AM')), '; ' order by s.starts_at) into free
        from app_private.available_slots(org_id, rid, day) s;
      if free is null then
        free := app_private.say_slots(org_id, rid, (day::timestamp at time zone tz));
        return format('There are no free times on %s.', to_char(day, 'FMDay, FMMonth FMDD'))
               || coalesce(format(' The nearest free times are %s.', free), '');
      end if;
      return format('Free times on %s (%s): %s.', to_char(day, 'FMDay, FMMonth FMDD'), tz, free);
    elsif name = 'book_appointment' then
      starts := coalesce(args ->> 'starts_at', args ->> 'start', args ->> 'time')::timestamptz;
      if starts is null then
        return 'Which time should I book? I need a start time.';
      end if;
      ends := coalesce((args ->> 'ends_at')::timestamptz,
                       starts + (select make_interval(mins => r.slot_minutes) from app_public.resources r
                                  where r.org_id = vapi_tool_call.org_id and r.id = rid));
      if msg -> 'call' ->> 'id' is not null then
        the_call := app_private.upsert_call(org_id, 'vapi', msg -> 'call' ->> 'id', jsonb_strip_nulls(jsonb_build_object(
          'status', 'in-progress',
          'contact_id', app_private.vapi_call_contact(org_id, msg -> 'call' || jsonb_strip_nulls(jsonb_build_object('customer', coalesce(msg -> 'call' -> 'customer', msg -> 'customer')))),
          'customer_number', coalesce(msg -> 'call' -> 'customer' ->> 'number', msg -> 'customer' ->> 'number'))));
      end if;
      contact := coalesce(
        (select c.id from app_public.contacts c
          where c.org_id = vapi_tool_call.org_id and app_private.is_uuid(args ->> 'contact_id')
            and c.id = (args ->> 'contact_id')::uuid),
        the_call.contact_id);
      appt := app_private.book_appointment(org_id, starts, ends, contact, rid,
                'vapi:' || coalesce(tool_call ->> 'id', gen_random_uuid()::text), 'vapi', null, the_call.id);
      return format('Booked for %s (%s).', app_private.say_time(appt.starts_at, tz), tz);
    else
      return format('Unknown tool %s.', coalesce(name, '(none)'));
    end if;
  exception
    when sqlstate 'PT409' then
      free := app_private.say_slots(org_id, rid, starts);
      return 'That time is already taken.' || coalesce(format(' The nearest free times are %s.', free), ' There are no free times in the next week.');
    when sqlstate '22023' or sqlstate 'PT404' or sqlstate '22007' or sqlstate '22008' or sqlstate '22P02' then
      get stacked diagnostics err = message_text;
      return format('I could not do that: %s.', err);
  end;
end
$$;

create or replace function app_private.vapi_tool_calls(org_id uuid, msg jsonb) returns jsonb
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select jsonb_build_object('results', coalesce(jsonb_agg(jsonb_build_object(
           'toolCallId', tc ->> 'id',
           'result', app_private.vapi_tool_call(org_id, msg, tc)) order by ord), '[]'::jsonb))
    from jsonb_array_elements(coalesce(msg -> 'toolCallList', msg -> 'toolCalls', '[]'::jsonb)) with ordinality x (tc, ord)
$$;
--! EndIncluded calls/vapi.sql

create trigger tg_calls__redact before insert or update on app_public.calls
  for each row execute function app_private.tg_calls__redact();
create trigger tg_transcripts__redact before insert or update on app_public.transcripts
  for each row execute function app_private.tg_transcripts__redact();
create trigger tg_agents__audit after insert or update or delete on app_public.agents
  for each row execute function app_private.tg__audit();
-- Vapi bodies (transcripts, summaries, tool arguments) are redacted before the inbox stores
-- them, and Vapi events get shards 8-15 of their own (see app_private.tg_webhook_events__vapi).
create trigger tg_webhook_events__vapi before insert on app_public.webhook_events
  for each row execute function app_private.tg_webhook_events__vapi();
insert into app_private.provider_tasks (provider, task_identifier) values ('vapi', 'process_call_events');

alter table app_public.agents enable row level security;
alter table app_public.agents force row level security;
alter table app_public.calls enable row level security;
alter table app_public.calls force row level security;
alter table app_public.transcripts enable row level security;
alter table app_public.transcripts force row level security;
alter table app_public.callback_requests enable row level security;
alter table app_public.callback_requests force row level security;

create policy select_own_org on app_public.agents for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.agents for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.agents for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.calls for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.transcripts for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy select_own_org on app_public.callback_requests for select to authenticated
  using (org_id = (select app_public.current_org_id()));

grant select on app_public.agents to authenticated;
grant insert (org_id, id, name, platform, direction, assistant_id, phone_number_id, active) on app_public.agents to authenticated;
grant update (name, assistant_id, phone_number_id, active) on app_public.agents to authenticated;
grant select on app_public.calls to authenticated;
grant select on app_public.transcripts to authenticated;
grant select on app_public.callback_requests to authenticated;

grant execute on function app_public.request_callback(uuid) to authenticated;
grant execute on function app_private.vapi_tool_calls(uuid, jsonb) to switchboard_gateway;
grant execute on function
  app_private.process_call_events(uuid, smallint, int, uuid),
  app_private.due_call_events(uuid, smallint, int),
  app_private.callback_dispatch(uuid, uuid),
  app_private.record_callback_sent(uuid, uuid, text),
  app_private.record_callback_failure(uuid, uuid, text, boolean),
  app_private.purge_call_data(int)
  to switchboard_worker;

--! split: 6-leads.sql
-- Leads: signed CSV imports (staging, rejects, replay guard), normalised triple-key
-- dedupe merge, scoring, verification codes, assignment, campaign status, contactable
-- view, weekday feeder, pipeline funnel, consent and unsubscribe.

--! Included leads/normalize.sql
-- Lead field normalisation. Every function here is immutable SQL so the planner can
-- inline it into the set-based merge; each returns NULL for a value it cannot read.

-- USPS Publication 28 abbreviations used for address matching: street suffixes (C1),
-- directionals (C2: NORTH → N, NORTHEAST → NE …) and secondary unit designators (C2:
-- APARTMENT → APT, SUITE → STE …). Tokens not listed stay as written.
create or replace function app_private.usps_abbreviations() returns jsonb
  language sql immutable parallel safe
as $$
  select '{
    "ALLEY":"ALY","ALLEE":"ALY","ALLY":"ALY","ANNEX":"ANX","ANNX":"ANX","ARCADE":"ARC",
    "AVENUE":"AVE","AV":"AVE","AVEN":"AVE","AVENU":"AVE","AVN":"AVE","AVNUE":"AVE",
    "BAYOU":"BYU","BEACH":"BCH","BEND":"BND","BLUFF":"BLF","BOTTOM":"BTM","BOULEVARD":"BLVD","BOULV":"BLVD","BOUL":"BLVD",
    "BRANCH":"BR","BRIDGE":"BRG","BROOK":"BRK","BYPASS":"BYP","CAMP":"CP","CANYON":"CYN","CAPE":"CPE",
    "CAUSEWAY":"CSWY","CENTER":"CTR","CENTRE":"CTR","CENTR":"CTR","CIRCLE":"CIR","CIRCL":"CIR","CIRC":"CIR",
    "CLIFF":"CLF","CLUB":"CLB","COMMON":"CMN","CORNER":"COR","COURSE":"CRSE","COURT":"CT","COVE":"CV",
    "CREEK":"CRK","CRESCENT":"CRES","CROSSING":"XING","CRSSNG":"XING","DALE":"DL","DAM":"DM","DIVIDE":"DV",
    "DRIVE":"DR","DRIV":"DR","DRV":"DR","ESTATE":"EST","ESTATES":"ESTS","EXPRESSWAY":"EXPY","EXPRESS":"EXPY",
    "EXTENSION":"EXT","FALLS":"FLS","FERRY":"FRY","FIELD":"FLD","FIELDS":"FLDS","FLAT":"FLT","FORD":"FRD",
    "FOREST":"FRST","FORGE":"FRG","FORK":"FRK","FORT":"FT","FREEWAY":"FWY","GARDEN":"GDN","GARDENS":"GDNS",
    "GATEWAY":"GTWY","GLEN":"GLN","GREEN":"GRN","GROVE":"GRV","HARBOR":"HBR","HAVEN":"HVN","HEIGHTS":"HTS",
    "HIGHWAY":"HWY","HIGHWY":"HWY","HIWAY":"HWY","HILL":"HL","HILLS":"HLS","HOLLOW":"HOLW","ISLAND":"IS",
    "JUNCTION":"JCT","KNOLL":"KNL","LAKE":"LK","LAKES":"LKS","LANDING":"LNDG","LANE":"LN","LIGHT":"LGT",
    "LOOP":"LOOP","MANOR":"MNR","MEADOW":"MDW","MEADOWS":"MDWS","MILL":"ML","MISSION":"MSN","MOUNT":"MT",
    "MOUNTAIN":"MTN","ORCHARD":"ORCH","OVERPASS":"OPAS","PARKWAY":"PKWY","PARKWY":"PKWY","PKY":"PKWY",
    "PASSAGE":"PSGE","PINE":"PNE","PINES":"PNES","PLACE":"PL","PLAIN":"PLN","PLAINS":"PLNS","PLAZA":"PLZ",
    "POINT":"PT","POINTS":"PTS","PORT":"PRT","PRAIRIE":"PR","RANCH":"RNCH","RAPIDS":"RPDS","REST":"RST",
    "RIDGE":"RDG","RIVER":"RIV","ROAD":"RD","ROADS":"RDS","ROUTE":"RTE","SHORE":"SHR","SHORES":"SHRS",
    "SKYWAY":"SKWY","SPRING":"SPG","SPRINGS":"SPGS","SQUARE":"SQ","SQR":"SQ","STATION":"STA","STREAM":"STRM",
    "STREET":"ST","STR":"ST","STRT":"ST","SUMMIT":"SMT","TERRACE":"TER","TERR":"TER","THROUGHWAY":"TRWY",
    "TRACE":"TRCE","TRACK":"TRAK","TRAIL":"TRL","TRAILS":"TRL","TUNNEL":"TUNL","TURNPIKE":"TPKE",
    "UNION":"UN","VALLEY":"VLY","VIADUCT":"VIA","VIEW":"VW","VILLAGE":"VLG","VILLE":"VL","VISTA":"VIS",
    "WALK":"WALK","WELL":"WL","WELLS":"WLS",
    "NORTH":"N","SOUTH":"S","EAST":"E","WEST":"W","NORTHEAST":"NE","NORTHWEST":"NW","SOUTHEAST":"SE","SOUTHWEST":"SW",
    "APARTMENT":"APT","BUILDING":"BLDG","BASEMENT":"BSMT","DEPARTMENT":"DEPT","FLOOR":"FL","FRONT":"FRNT",
    "HANGAR":"HNGR","LOBBY":"LBBY","LOWER":"LOWR","OFFICE":"OFC","PENTHOUSE":"PH","ROOM":"RM","SPACE":"SPC",
    "SUITE":"STE","TRAILER":"TRLR","UPPER":"UPPR","NUMBER":"#","NO":"#"
  }'::jsonb
$$;

-- Upper case, punctuation to spaces (keeping # and the - of ranges like 12-14 only
-- between digits), whitespace collapsed, each token mapped to its USPS abbreviation.
-- '123 North Main Street, Apt. 4' and '123 n main st apt 4' both give '123 N MAIN ST APT 4';
-- '#4' becomes '# 4'.
create or replace function app_private.normalize_address(address text) returns text
  language sql immutable parallel safe
as $$
  select nullif(array_to_string(array(
    select coalesce(app_private.usps_abbreviations() ->> t, t)
      from unnest(string_to_array(
             btrim(regexp_replace(regexp_replace(upper(address), '#', ' # ', 'g'), '[^A-Z0-9#]+', ' ', 'g')),
             ' ')) with ordinality u(t, i)
     where t <> ''
     order by i), ' '), '')
$$;

-- US ZIP or ZIP+4 (12345, 12345-6789, 123456789) → '12345' or '12345-6789'; 4-digit ZIPs
-- that lost their leading zero in a spreadsheet are repaired.
create or replace function app_private.normalize_zip(zip text) returns text
  language sql immutable parallel safe
as $$
  -- One expression (no FROM) so the planner inlines it into the merge.
  select case
    when translate(zip, E' -\t', '') ~ '^[0-9]{4,5}$' then lpad(translate(zip, E' -\t', ''), 5, '0')
    when translate(zip, E' -\t', '') ~ '^[0-9]{9}$' then left(translate(zip, E' -\t', ''), 5) || '-' || right(translate(zip, E' -\t', ''), 4)
  end
$$;

-- North American numbers to E.164 (+1 and ten digits); anything else is unreadable.
create or replace function app_private.normalize_phone(phone text) returns text
  language sql immutable parallel safe
as $$
  -- Separators people type ( ) - . + / and spaces are dropped; anything else makes it unreadable.
  select case when translate(phone, E' ()-.+/\t', '') ~ '^1?[2-9][0-9]{9}$'
              then '+1' || right(translate(phone, E' ()-.+/\t', ''), 10) end
$$;

create or replace function app_private.normalize_email(email text) returns public.citext
  language sql immutable parallel safe
as $$
  select case when btrim(email) ~ '^[^@\s,;<>()]+@[^@\s,;<>()]+\.[A-Za-z]{2,}$' then lower(btrim(email))::public.citext end
$$;

-- County FIPS: five digits (a 4-digit value lost its leading zero).
create or replace function app_private.normalize_fips(fips text) returns text
  language sql immutable parallel safe
as $$
  select case when btrim(fips) ~ '^[0-9]{4,5}$' then lpad(btrim(fips), 5, '0') end
$$;

-- APN without separators: '123-45-678.0' and '12345 6780' compare equal.
create or replace function app_private.normalize_apn(apn text) returns text
  language sql immutable parallel safe
as $$
  select nullif(upper(regexp_replace(apn, '[^A-Za-z0-9]', '', 'g')), '')
$$;

create or replace function app_private.normalize_mak(mak text) returns text
  language sql immutable parallel safe
as $$
  select nullif(upper(regexp_replace(mak, '\s', '', 'g')), '')
$$;

-- '$250,000', '250000.50' → numeric; NULL when unreadable.
create or replace function app_private.parse_money(value text) returns numeric
  language sql immutable parallel safe
as $$
  select case when translate(value, E'$, \t', '') ~ '^-?[0-9]{1,13}(\.[0-9]{1,2})?$' then translate(value, E'$, \t', '')::numeric end
$$;

create or replace function app_private.parse_boolean(value text) returns boolean
  language sql immutable parallel safe
as $$
  select case lower(btrim(value))
    when 'y' then true when 'yes' then true when 'true' then true when '1' then true when 't' then true
    when 'n' then false when 'no' then false when 'false' then false when '0' then false when 'f' then false
  end
$$;

-- The address key: normalised street line + 5-digit ZIP (city and state are implied by
-- the ZIP and spelled too inconsistently to help). NULL without both parts.
create or replace function app_private.address_hash(address text, zip text) returns bytea
  language sql immutable parallel safe
as $$
  select case when app_private.normalize_address(address) is not null and app_private.normalize_zip(zip) is not null
              then sha224(convert_to(app_private.normalize_address(address) || '|' || left(app_private.normalize_zip(zip), 5), 'UTF8')) end
$$;

-- Lead score 0–100 (documented in the README):
--   phone verified 30, email verified 20, estimated equity up to 25 (linear to $250,000),
--   owner-occupied 10, data freshness up to 15 (full when new, 0 after a year).
create or replace function app_private.lead_score(
  email_verified boolean, phone_verified boolean, estimated_equity numeric,
  owner_occupied boolean, data_age interval) returns smallint
  language sql immutable parallel safe
as $$
  select greatest(0, least(100, round(
      case when phone_verified then 30 else 0 end
    + case when email_verified then 20 else 0 end
    + 25 * greatest(0, least(1, coalesce(estimated_equity, 0) / 250000.0))
    + case when owner_occupied then 10 else 0 end
    + 15 * greatest(0, 1 - extract(epoch from greatest(data_age, '0'::interval)) / (365 * 86400.0))
  )))::smallint
$$;

------------------------------------------------------------------------------------------
-- PII at rest. Lookups go through hash_email (SHA-256 of the trimmed, lower-cased
-- address), so a hash index finds a person without storing the address a second time.
-- Fields listed as sensitive in the README are encrypted with pgcrypto under the key
-- from the environment (ENCRYPTION_KEY), passed per call and never stored.

create or replace function app_private.hash_email(email text) returns bytea
  language sql immutable parallel safe
as $$
  select case when nullif(btrim(email), '') is not null then sha256(convert_to(lower(btrim(email)), 'UTF8')) end
$$;

create or replace function app_private.encrypt_pii(value text, encryption_key text) returns bytea
  language sql volatile
  set search_path = pg_catalog, public
as $$
  select case when value is not null then pgp_sym_encrypt(value, encryption_key, 'cipher-algo=aes256') end
$$;

create or replace function app_private.decrypt_pii(value bytea, encryption_key text) returns text
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select case when value is not null then pgp_sym_decrypt(value, encryption_key) end
$$;
--! EndIncluded leads/normalize.sql

------------------------------------------------------------------------------------------
-- Settings owned by this domain.

alter table app_public.workspace_settings
  add column lead_feed_daily_limit int not null default 250 check (lead_feed_daily_limit between 0 and 100000),
  add column lead_feed_enabled boolean not null default true,
  add column lead_verification_provider text not null default 'default' check (length(lead_verification_provider) between 1 and 100);
grant update (lead_feed_daily_limit, lead_feed_enabled, lead_verification_provider) on app_public.workspace_settings to authenticated;

------------------------------------------------------------------------------------------
-- Imports

create table app_public.lead_import_batches (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  source_id uuid references app_public.sources (id) on delete set null,
  content_sha256 text not null check (content_sha256 ~ '^[0-9a-f]{64}$'),
  status text not null default 'receiving' check (status in ('receiving', 'queued', 'merging', 'merged', 'failed')),
  rows_total int not null default 0 check (rows_total >= 0),
  rows_merged int not null default 0 check (rows_merged >= 0),
  rows_rejected int not null default 0 check (rows_rejected >= 0),
  leads_created int not null default 0,
  leads_updated int not null default 0,
  bytes bigint not null default 0,
  verification_provider text not null default 'default',
  received_at timestamptz not null default now(),
  merge_started_at timestamptz,
  merged_at timestamptz,
  attempts int not null default 0,
  error text,
  primary key (org_id, id)
);
create index lead_import_batches_org_id_received_at_idx on app_public.lead_import_batches (org_id, received_at desc);
create index lead_import_batches_source_id_idx on app_public.lead_import_batches (source_id);

-- Replay guard: one upload of the same content per org per 7 days. The unique key is the
-- guard; an expired entry is taken over by the next upload (see begin_lead_upload).
create table app_private.lead_upload_hashes (
  org_id uuid not null references app_public.organizations on delete cascade,
  content_sha256 text not null,
  batch_id uuid not null,
  received_at timestamptz not null default now(),
  primary key (org_id, content_sha256)
);

-- Raw rows as uploaded (text, validated by the merge). Tagged by batch; removed by the merge.
create table app_private.lead_staging (
  batch_id uuid not null,
  row_number int not null,
  first_name text, last_name text, email text, phone text,
  property_address text, property_city text, property_state text, property_zip text,
  county_fips text, apn text, mak text,
  mailing_address text, mailing_city text, mailing_state text, mailing_zip text,
  estimated_equity text, owner_occupied text,
  email_verification_code text, phone_verification_code text,
  attributes jsonb
);
create index lead_staging_batch_id_idx on app_private.lead_staging (batch_id);

create table app_public.lead_import_rejects (
  org_id uuid not null references app_public.organizations on delete cascade,
  batch_id uuid not null references app_public.lead_import_batches (id) on delete cascade,
  -- The row in the file as a spreadsheet numbers it: the header is row 1.
  row_number int not null,
  reason text not null,
  row_data jsonb not null default '{}',
  primary key (org_id, batch_id, row_number)
);
create index lead_import_rejects_batch_id_idx on app_public.lead_import_rejects (batch_id);

------------------------------------------------------------------------------------------
-- Leads

create type app_public.lead_campaign_status as enum ('new', 'queued', 'active', 'replied', 'converted', 'do_not_contact');

create table app_public.leads (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  first_name text,
  last_name text,
  email citext,
  email_hash bytea generated always as (app_private.hash_email(email::text)) stored,
  phone text check (phone ~ '^\+[0-9]{8,15}$'),
  property_address text,
  property_city text,
  property_state text,
  property_zip text,
  county_fips text check (county_fips ~ '^[0-9]{5}$'),
  apn text,
  -- Dedupe keys, in match order: MAK, (county FIPS, APN without separators), address hash.
  mak text,
  apn_normalized text,
  address_normalized text,
  addr_hash bytea,
  mailing_address text,
  mailing_city text,
  mailing_state text,
  mailing_zip text,
  estimated_equity numeric(14, 2),
  owner_occupied boolean,
  email_verification_codes text[] not null default '{}',
  phone_verification_codes text[] not null default '{}',
  verification_provider text not null default 'default',
  email_verified boolean not null default false,
  phone_verified boolean not null default false,
  lead_score smallint not null default 0 constraint leads_lead_score_range check (lead_score between 0 and 100),
  attributes jsonb not null default '{}',
  -- Sensitive columns from the file (README), pgcrypto-encrypted under ENCRYPTION_KEY.
  pii_encrypted bytea,
  campaign_status app_public.lead_campaign_status not null default 'new',
  added_to_campaign_at timestamptz,
  assigned_to uuid,
  consent_given boolean not null default false,
  consented_at timestamptz,
  -- When the newest merged data was received: newer non-null contact data wins.
  data_as_of timestamptz not null default now(),
  first_batch_id uuid,
  last_batch_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (org_id, id),
  foreign key (org_id, assigned_to) references app_public.memberships (org_id, user_id) on delete set null (assigned_to),
  constraint leads_consent_needs_timestamp check (not consent_given or consented_at is not null)
);
-- NULL-safe unique keys per org: a NULL key never collides, a present one exists once.
create unique index leads_org_id_mak_key on app_public.leads (org_id, mak) where mak is not null;
create unique index leads_org_id_fips_apn_key on app_public.leads (org_id, county_fips, apn_normalized)
  where county_fips is not null and apn_normalized is not null;
create unique index leads_org_id_addr_hash_key on app_public.leads (org_id, addr_hash) where addr_hash is not null;
create index leads_org_id_assigned_to_idx on app_public.leads (org_id, assigned_to) where assigned_to is not null;
create index leads_org_id_email_idx on app_public.leads (org_id, email) where email is not null;
create index leads_email_hash_idx on app_public.leads using hash (email_hash);
-- The feeder's path: queued leads of an org by score.
create index leads_org_id_queued_score_idx on app_public.leads (org_id, lead_score desc, id)
  where campaign_status = 'queued';

create table app_public.verification_code_map (
  org_id uuid not null default app_public.current_org_id() references app_public.organizations on delete cascade,
  provider text not null default 'default' check (length(provider) between 1 and 100),
  code text not null check (length(code) between 1 and 100),
  verdict text not null check (verdict in ('valid', 'invalid', 'risky', 'unknown')),
  primary key (org_id, provider, code)
);

------------------------------------------------------------------------------------------
-- Pipeline events (shared with the calls domain, which may have created the table).

create table if not exists app_public.pipeline_events (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  kind text not null check (length(kind) between 1 and 100),
  contact_id uuid,
  subject_id uuid,
  actor_id uuid,
  data jsonb not null default '{}',
  occurred_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index if not exists pipeline_events_org_id_occurred_at_idx on app_public.pipeline_events (org_id, occurred_at desc);
create index if not exists pipeline_events_subject_id_idx on app_public.pipeline_events (subject_id) where subject_id is not null;
alter table app_public.pipeline_events enable row level security;
alter table app_public.pipeline_events force row level security;
do $$
begin
  if not exists (select 1 from pg_policies where schemaname = 'app_public' and tablename = 'pipeline_events' and policyname = 'select_own_org') then
    create policy select_own_org on app_public.pipeline_events for select to authenticated
      using (org_id = (select app_public.current_org_id()));
  end if;
end
$$;
grant select on app_public.pipeline_events to authenticated;
alter table app_public.pipeline_events add column if not exists duration_ms bigint check (duration_ms >= 0);
alter table app_public.pipeline_events add column if not exists quantity int not null default 1 check (quantity >= 0);

-- The funnel per org and day (in the org's time zone): how many moved through each
-- stage and how long the stage took on average.
create view app_public.pipeline_funnel with (security_invoker = true) as
  select e.org_id,
         (e.occurred_at at time zone o.timezone)::date as day,
         e.kind as stage,
         sum(e.quantity)::bigint as quantity,
         count(*)::bigint as events,
         round(avg(e.duration_ms))::bigint as avg_duration_ms,
         max(e.duration_ms) as max_duration_ms
    from app_public.pipeline_events e
    join app_public.organizations o on o.id = e.org_id
   where e.kind in ('upload_received', 'rows_rejected', 'merged', 'verified', 'fed', 'replied', 'booked')
   group by e.org_id, (e.occurred_at at time zone o.timezone)::date, e.kind;
grant select on app_public.pipeline_funnel to authenticated;

------------------------------------------------------------------------------------------
-- Feeder, refresh and consent bookkeeping (exactly-once keys).

create table app_private.lead_feed_runs (
  org_id uuid not null references app_public.organizations on delete cascade,
  local_date date not null,
  started_at timestamptz not null default now(),
  fed int not null default 0,
  primary key (org_id, local_date)
);

create table app_private.contactable_refresh_runs (
  org_id uuid not null references app_public.organizations on delete cascade,
  local_date date not null,
  refreshed_at timestamptz not null default now(),
  primary key (org_id, local_date)
);

create table app_private.consent_nonces (
  nonce uuid primary key default gen_random_uuid(),
  org_id uuid not null references app_public.organizations on delete cascade,
  lead_id uuid not null references app_public.leads (id) on delete cascade,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  used_at timestamptz
);
create index consent_nonces_lead_id_idx on app_private.consent_nonces (lead_id);

------------------------------------------------------------------------------------------
-- Contactable leads: verified, consented, not suppressed, not do-not-contact. A
-- materialized view (refreshed concurrently under an advisory lock) read through a
-- security-invoker view, so RLS on leads still decides what each caller sees.

create materialized view app_private.contactable_leads_mv as
  select l.org_id, l.id as lead_id, l.lead_score, l.campaign_status
    from app_public.leads l
   where (l.email_verified or l.phone_verified)
     and l.consent_given
     and l.campaign_status <> 'do_not_contact'
     and not exists (select 1 from app_public.suppressions s where s.org_id = l.org_id and s.email = l.email);
create unique index contactable_leads_mv_lead_id_key on app_private.contactable_leads_mv (lead_id);
create index contactable_leads_mv_org_id_queued_score_idx on app_private.contactable_leads_mv (org_id, lead_score desc, lead_id)
  where campaign_status = 'queued';
create index contactable_leads_mv_org_id_idx on app_private.contactable_leads_mv (org_id);

--! Included leads/uploads.sql
-- Signed lead uploads. The gateway, in ONE transaction:
--   1. select app_private.begin_lead_upload(source, org, sha256, provider)  → batch id, or
--      NULL when the same content was uploaded to this org in the last 7 days (409);
--   2. COPY pg_temp.lead_upload_rows FROM STDIN (the table begin created for it);
--   3. select app_private.finish_lead_upload(batch, rows, bytes) — moves the rows to the
--      durable staging table, queues the batch and enqueues the merge job;
--   4. COMMIT, then answers 202. A hash mismatch rolls everything back (400).
-- The gateway role has no table privileges: the temporary table is created here, owned by
-- the definer, with INSERT granted to the gateway for this transaction only.

create or replace function app_private.begin_lead_upload(
  source_id uuid, org_id uuid, content_sha256 text, verification_provider text default null)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  set client_min_messages = warning
as $$
declare
  new_batch uuid := gen_random_uuid();
  claimed uuid;
begin
  -- Replay guard by constraint: the (org, hash) key is taken unless its holder is over 7 days old.
  insert into app_private.lead_upload_hashes as h (org_id, content_sha256, batch_id)
  values (begin_lead_upload.org_id, lower(begin_lead_upload.content_sha256), new_batch)
  on conflict on constraint lead_upload_hashes_pkey do update
     set batch_id = excluded.batch_id, received_at = now()
   where h.received_at < now() - interval '7 days'
  returning h.batch_id into claimed;
  if claimed is null then
    return null;
  end if;

  insert into app_public.lead_import_batches (org_id, id, source_id, content_sha256, status, verification_provider)
  values (begin_lead_upload.org_id, new_batch, begin_lead_upload.source_id, lower(begin_lead_upload.content_sha256), 'receiving',
          coalesce(nullif(btrim(begin_lead_upload.verification_provider), ''),
                   (select w.lead_verification_provider from app_public.workspace_settings w where w.org_id = begin_lead_upload.org_id),
                   'default'));

  drop table if exists pg_temp.lead_upload_rows;
  create temporary table lead_upload_rows (
    row_number int not null,
    first_name text, last_name text, email text, phone text,
    property_address text, property_city text, property_state text, property_zip text,
    county_fips text, apn text, mak text,
    mailing_address text, mailing_city text, mailing_state text, mailing_zip text,
    estimated_equity text, owner_occupied text,
    email_verification_code text, phone_verification_code text,
    attributes jsonb
  ) on commit drop;
  grant insert on pg_temp.lead_upload_rows to switchboard_gateway;
  return new_batch;
end
$$;

create or replace function app_private.finish_lead_upload(batch_id uuid, rows_total int, bytes bigint)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  b app_public.lead_import_batches;
  copied int;
begin
  select * into b from app_public.lead_import_batches x where x.id = finish_lead_upload.batch_id and x.status = 'receiving'
     for update;
  if not found then
    raise exception 'no batch % is receiving', finish_lead_upload.batch_id using errcode = 'P0002';
  end if;
  insert into app_private.lead_staging
    select finish_lead_upload.batch_id, r.* from pg_temp.lead_upload_rows r;
  get diagnostics copied = row_count;
  drop table pg_temp.lead_upload_rows;

  update app_public.lead_import_batches x
     set status = 'queued', rows_total = copied, bytes = finish_lead_upload.bytes
   where x.id = b.id;
  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
  values (b.org_id, 'upload_received', b.id, copied, jsonb_build_object('batch_id', b.id, 'bytes', finish_lead_upload.bytes));
  perform graphile_worker.add_job('merge_lead_batch', json_build_object('batch_id', b.id),
                                  job_key => 'merge_lead_batch:' || b.id, max_attempts => 10);
  return b.id;
end
$$;

-- The merge job gave up (after its retries): the batch says so; its staging rows stay
-- for inspection until the batch is deleted.
create or replace function app_private.mark_lead_batch_failed(batch_id uuid, error text)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  update app_public.lead_import_batches b
     set status = 'failed', error = left(mark_lead_batch_failed.error, 500)
   where b.id = mark_lead_batch_failed.batch_id and b.status <> 'merged'
$$;
--! EndIncluded leads/uploads.sql
--! Included leads/merge.sql
-- The set-based merge of one import batch into app_public.leads.
--
-- Serialised per org by a transaction-level advisory lock, so two batches of the same org
-- never interleave (no duplicate leads, no key races); batches of different orgs run in
-- parallel. Idempotent: a merged batch is a no-op; re-merging the same rows changes nothing.
--
-- Steps (each one SQL statement over the whole batch, no per-row loop):
--   1. read + validate + normalise staging rows; bad rows → lead_import_rejects;
--   2. match each row to an existing lead: MAK, else (county FIPS, APN), else address hash;
--   3. group rows of the batch that share any key (connected components: a few
--      label-propagation passes over the rows whose keys repeat);
--   4. one unit per group (groups matching the same lead join it), values per field:
--      newest non-null (last row in the file), booleans OR, code arrays union;
--   5. update matched leads / insert new ones with the merge rules:
--      - a NULL never overwrites a value;
--      - contact and property data: the newer data (by received time) wins when non-null;
--      - booleans OR; verification-code arrays union; attributes merge key by key;
--      - keys already set stay; a missing key is filled unless another lead holds it;
--   6. re-derive verification flags and score; log pipeline events; drop staging rows.

create or replace function app_private.lead_lock_key(org_id uuid) returns bigint
  language sql immutable parallel safe
as $$
  select hashtextextended('switchboard.leads:' || org_id::text, 0)
$$;

-- jsonb objects merged left to right (later keys win); NULLs skipped.
create or replace function app_private.jsonb_merge_all(objects jsonb[]) returns jsonb
  language sql immutable parallel safe
as $$
  select coalesce((select jsonb_object_agg(k, v)
                     from (select e.key as k, (array_agg(e.value order by o.i desc))[1] as v
                             from unnest(objects) with ordinality o(obj, i),
                                  lateral jsonb_each(case when jsonb_typeof(o.obj) = 'object' then o.obj else '{}' end) e
                            group by e.key) x), '{}'::jsonb)
$$;

-- Absorb leads that a batch showed to be one property (matched by different keys) into
-- the chosen target: pg_temp.lm_losers (loser_id, target_id, round). One set-based round
-- per loser rank (a target rarely has more than one). The loser's data only fills the
-- target's gaps; booleans OR, code arrays union, consent kept, do_not_contact wins.
create or replace function app_private.absorb_leads(org_id uuid) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  k int := 0;
  total int := 0;
  n int;
begin
  loop
    k := k + 1;
    exit when not exists (select 1 from pg_temp.lm_losers x where x.round = k);
    with gone as (
      delete from app_public.leads l using pg_temp.lm_losers x
       where x.round = k and l.org_id = absorb_leads.org_id and l.id = x.loser_id
      returning x.target_id, l.*
    )
    update app_public.leads t set
      first_name = coalesce(t.first_name, a.first_name),
      last_name = coalesce(t.last_name, a.last_name),
      email = coalesce(t.email, a.email),
      phone = coalesce(t.phone, a.phone),
      property_address = coalesce(t.property_address, a.property_address),
      property_city = coalesce(t.property_city, a.property_city),
      property_state = coalesce(t.property_state, a.property_state),
      property_zip = coalesce(t.property_zip, a.property_zip),
      mak = coalesce(t.mak, a.mak),
      county_fips = case when t.apn_normalized is null then a.county_fips else t.county_fips end,
      apn = case when t.apn_normalized is null then a.apn else t.apn end,
      apn_normalized = coalesce(t.apn_normalized, a.apn_normalized),
      address_normalized = case when t.addr_hash is null then a.address_normalized else t.address_normalized end,
      addr_hash = coalesce(t.addr_hash, a.addr_hash),
      mailing_address = coalesce(t.mailing_address, a.mailing_address),
      mailing_city = coalesce(t.mailing_city, a.mailing_city),
      mailing_state = coalesce(t.mailing_state, a.mailing_state),
      mailing_zip = coalesce(t.mailing_zip, a.mailing_zip),
      estimated_equity = coalesce(t.estimated_equity, a.estimated_equity),
      owner_occupied = case when t.owner_occupied is null and a.owner_occupied is null then null
                            else coalesce(t.owner_occupied, false) or coalesce(a.owner_occupied, false) end,
      email_verification_codes = array(select distinct c from unnest(t.email_verification_codes || a.email_verification_codes) c order by c),
      phone_verification_codes = array(select distinct c from unnest(t.phone_verification_codes || a.phone_verification_codes) c order by c),
      email_verified = t.email_verified or a.email_verified,
      phone_verified = t.phone_verified or a.phone_verified,
      lead_score = greatest(t.lead_score, a.lead_score),
      attributes = a.attributes || t.attributes,
      pii_encrypted = coalesce(t.pii_encrypted, a.pii_encrypted),
      campaign_status = case when 'do_not_contact' in (t.campaign_status, a.campaign_status) then 'do_not_contact'
                             when t.campaign_status = 'new' then a.campaign_status else t.campaign_status end,
      added_to_campaign_at = least(t.added_to_campaign_at, a.added_to_campaign_at),
      assigned_to = coalesce(t.assigned_to, a.assigned_to),
      consent_given = t.consent_given or a.consent_given,
      consented_at = least(t.consented_at, a.consented_at),
      data_as_of = greatest(t.data_as_of, a.data_as_of),
      created_at = least(t.created_at, a.created_at),
      updated_at = now()
    from gone a
    where t.org_id = absorb_leads.org_id and t.id = a.target_id;
    get diagnostics n = row_count;
    total := total + n;
  end loop;
  return total;
end
$$;

create or replace function app_private.merge_lead_batch(batch_id uuid)
  returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  set client_min_messages = warning
as $$
declare
  b app_public.lead_import_batches;
  t0 timestamptz := clock_timestamp();
  n_rejected int;
  n_valid int;
  n_updated int;
  n_created int;
  passes int := 0;
  changed int;
  email_ok text[];
  n_absorbed int := 0;
begin
  select * into b from app_public.lead_import_batches x where x.id = merge_lead_batch.batch_id;
  if not found then
    raise exception 'no batch %', merge_lead_batch.batch_id using errcode = 'P0002';
  end if;
  perform pg_advisory_xact_lock(app_private.lead_lock_key(b.org_id));
  select * into b from app_public.lead_import_batches x where x.id = merge_lead_batch.batch_id for update;
  if b.status = 'merged' then
    return jsonb_build_object('batch_id', b.id, 'status', 'merged', 'already', true);
  end if;
  if b.status not in ('queued', 'merging', 'failed') then
    raise exception 'batch % is %', b.id, b.status using errcode = '55000';
  end if;
  update app_public.lead_import_batches x set status = 'merging', merge_started_at = t0, attempts = x.attempts + 1
   where x.id = b.id;

  -- Codes the org's map calls valid for this batch's provider.
  select coalesce(array_agg(upper(m.code)), '{}') into email_ok
    from app_public.verification_code_map m
   where m.org_id = b.org_id and m.provider = b.verification_provider and m.verdict = 'valid';

  -- 1. Read, normalise and validate.
  drop table if exists pg_temp.lm;
  create temporary table lm on commit drop as
  select r.*,
         -- The address key needs a street line and a ZIP.
         case when r.addr_n is not null and r.zip_n is not null
              then sha224(convert_to(r.addr_n || '|' || left(r.zip_n, 5), 'UTF8')) end as addr_hash,
         null::uuid as m1, null::uuid as m2, null::uuid as m3,
         case
           when r.mak_n is null and (r.fips_n is null or r.apn_n is null) and (r.addr_n is null or r.zip_n is null)
             then case
               when r.apn_n is not null and r.county_fips is not null and r.fips_n is null then 'invalid county_fips'
               when r.addr_n is not null and r.property_zip is not null and r.zip_n is null then 'invalid property_zip'
               else 'missing key: needs mak, or county_fips and apn, or property_address and property_zip' end
           when r.email is not null and r.email_n is null then 'invalid email'
           when r.phone is not null and r.phone_n is null then 'invalid phone'
           when r.property_zip is not null and r.zip_n is null then 'invalid property_zip'
           when r.mailing_zip is not null and r.mailing_zip_n is null then 'invalid mailing_zip'
           when r.county_fips is not null and r.fips_n is null then 'invalid county_fips'
           when r.property_state is not null and r.property_state !~ '^[A-Za-z]{2}$' then 'invalid property_state'
           when r.mailing_state is not null and r.mailing_state !~ '^[A-Za-z]{2}$' then 'invalid mailing_state'
           when r.estimated_equity is not null and (r.equity_n is null or abs(r.equity_n) >= 1e12) then 'invalid estimated_equity'
           when r.owner_occupied is not null and r.owner_occupied_n is null then 'invalid owner_occupied'
         end as reason
    from (
      select s.row_number,
             nullif(btrim(s.first_name), '') as first_name,
             nullif(btrim(s.last_name), '') as last_name,
             nullif(btrim(s.email), '') as email,
             app_private.normalize_email(s.email) as email_n,
             nullif(btrim(s.phone), '') as phone,
             app_private.normalize_phone(s.phone) as phone_n,
             nullif(btrim(s.property_address), '') as property_address,
             app_private.normalize_address(s.property_address) as addr_n,
             nullif(btrim(s.property_city), '') as property_city,
             upper(nullif(btrim(s.property_state), '')) as property_state,
             nullif(btrim(s.property_zip), '') as property_zip,
             app_private.normalize_zip(s.property_zip) as zip_n,
             nullif(btrim(s.county_fips), '') as county_fips,
             app_private.normalize_fips(s.county_fips) as fips_n,
             nullif(btrim(s.apn), '') as apn,
             app_private.normalize_apn(s.apn) as apn_n,
             app_private.normalize_mak(s.mak) as mak_n,
             nullif(btrim(s.mailing_address), '') as mailing_address,
             nullif(btrim(s.mailing_city), '') as mailing_city,
             upper(nullif(btrim(s.mailing_state), '')) as mailing_state,
             nullif(btrim(s.mailing_zip), '') as mailing_zip,
             app_private.normalize_zip(s.mailing_zip) as mailing_zip_n,
             nullif(btrim(s.estimated_equity), '') as estimated_equity,
             app_private.parse_money(s.estimated_equity) as equity_n,
             nullif(btrim(s.owner_occupied), '') as owner_occupied,
             app_private.parse_boolean(s.owner_occupied) as owner_occupied_n,
             nullif(upper(btrim(s.email_verification_code)), '') as email_code,
             nullif(upper(btrim(s.phone_verification_code)), '') as phone_code,
             coalesce(s.attributes, '{}') as attributes
        from app_private.lead_staging s
       where s.batch_id = b.id
    ) r;

  insert into app_public.lead_import_rejects (org_id, batch_id, row_number, reason, row_data)
  select b.org_id, b.id, r.row_number, r.reason,
         jsonb_strip_nulls(jsonb_build_object(
           'first_name', r.first_name, 'last_name', r.last_name, 'email', r.email, 'phone', r.phone,
           'property_address', r.property_address, 'property_zip', r.property_zip, 'county_fips', r.county_fips,
           'apn', r.apn, 'mak', r.mak_n, 'mailing_zip', r.mailing_zip, 'estimated_equity', r.estimated_equity,
           'owner_occupied', r.owner_occupied))
    from pg_temp.lm r
   where r.reason is not null
  on conflict do nothing;
  get diagnostics n_rejected = row_count;
  delete from pg_temp.lm r where r.reason is not null;

  select count(*) into n_valid from pg_temp.lm;
  -- Keys that do not form a pair are dropped (an APN without a valid FIPS is no key).
  update pg_temp.lm set apn_n = null where fips_n is null and apn_n is not null;
  create index on pg_temp.lm (row_number);
  analyze pg_temp.lm;

  -- 2. Match existing leads by each key.
  update pg_temp.lm r
     set m1 = l1.id, m2 = l2.id, m3 = l3.id
    from pg_temp.lm r0
    left join app_public.leads l1 on l1.org_id = b.org_id and l1.mak = r0.mak_n
    left join app_public.leads l2 on l2.org_id = b.org_id and l2.county_fips = r0.fips_n and l2.apn_normalized = r0.apn_n
    left join app_public.leads l3 on l3.org_id = b.org_id and l3.addr_hash = r0.addr_hash
   where r.row_number = r0.row_number
     and coalesce(l1.id, l2.id, l3.id) is not null;

  -- 3. Connected components over rows and existing leads: rows sharing a key, and rows
  --    matching a lead, end up in one group. Only rows with a repeated key or a match take
  --    part (the others are groups of one). Label propagation until stable.
  drop table if exists pg_temp.lm_dup;
  create temporary table lm_dup on commit drop as
  select r.row_number, r.row_number as grp
    from pg_temp.lm r
   where r.m1 is not null or r.m2 is not null or r.m3 is not null
      or r.mak_n in (select x.mak_n from pg_temp.lm x where x.mak_n is not null group by 1 having count(*) > 1)
      or (r.fips_n, r.apn_n) in (select x.fips_n, x.apn_n from pg_temp.lm x where x.apn_n is not null group by 1, 2 having count(*) > 1)
      or r.addr_hash in (select x.addr_hash from pg_temp.lm x where x.addr_hash is not null group by 1 having count(*) > 1);
  drop table if exists pg_temp.lm_edge;
  create temporary table lm_edge on commit drop as
  select d.row_number, k.node
    from pg_temp.lm_dup d
    join pg_temp.lm r on r.row_number = d.row_number
   cross join lateral (values ('m' || r.mak_n), ('a' || r.fips_n || '/' || r.apn_n), ('h' || encode(r.addr_hash, 'hex')),
                              ('l' || r.m1), ('l' || r.m2), ('l' || r.m3)) k(node)
   where k.node is not null;
  loop
    passes := passes + 1;
    with nl as (
      select e.node, min(d.grp) as g from pg_temp.lm_edge e join pg_temp.lm_dup d on d.row_number = e.row_number group by e.node
    ), rl as (
      select e.row_number, min(nl.g) as g from pg_temp.lm_edge e join nl on nl.node = e.node group by e.row_number
    )
    update pg_temp.lm_dup d set grp = rl.g from rl where rl.row_number = d.row_number and rl.g < d.grp;
    get diagnostics changed = row_count;
    exit when changed = 0 or passes > 100;
  end loop;
  -- Rows outside lm_dup are groups of one without a match: they become new leads as they
  -- are (5b), skipping the aggregation below.

  -- 4. A group's target: its best matched lead (a MAK match before an APN match before an
  --    address match, then the oldest id). Other leads the group matched are the same
  --    property seen through different keys: they are absorbed into the target.
  drop table if exists pg_temp.lm_leadmatch;
  create temporary table lm_leadmatch on commit drop as
  select distinct d.grp, m.lead_id, m.rank
    from pg_temp.lm_dup d
    join pg_temp.lm r on r.row_number = d.row_number
   cross join lateral (values (r.m1, 1), (r.m2, 2), (r.m3, 3)) m(lead_id, rank)
   where m.lead_id is not null;
  drop table if exists pg_temp.lm_target;
  create temporary table lm_target on commit drop as
  select m.grp, (array_agg(m.lead_id order by m.rank, m.lead_id))[1] as target_id
    from pg_temp.lm_leadmatch m
   group by m.grp;
  drop table if exists pg_temp.lm_losers;
  create temporary table lm_losers on commit drop as
  select distinct m.lead_id as loser_id, t.target_id,
         dense_rank() over (partition by t.target_id order by m.lead_id) as round
    from pg_temp.lm_leadmatch m
    join pg_temp.lm_target t on t.grp = m.grp
   where m.lead_id <> t.target_id;
  if exists (select 1 from pg_temp.lm_losers) then
    n_absorbed := app_private.absorb_leads(b.org_id);
  end if;

  drop table if exists pg_temp.lm_units;

  create temporary table lm_units on commit drop as
  select t.target_id,
         case when t.target_id is null then min(d.grp) end as new_grp,
         count(*) as n_rows,
         max(r.row_number) as last_row,
         (array_agg(r.first_name order by r.row_number desc) filter (where r.first_name is not null))[1] as first_name,
         (array_agg(r.last_name order by r.row_number desc) filter (where r.last_name is not null))[1] as last_name,
         (array_agg(r.email_n order by r.row_number desc) filter (where r.email_n is not null))[1] as email,
         (array_agg(r.phone_n order by r.row_number desc) filter (where r.phone_n is not null))[1] as phone,
         (array_agg(r.property_address order by r.row_number desc) filter (where r.property_address is not null))[1] as property_address,
         (array_agg(r.property_city order by r.row_number desc) filter (where r.property_city is not null))[1] as property_city,
         (array_agg(r.property_state order by r.row_number desc) filter (where r.property_state is not null))[1] as property_state,
         (array_agg(r.zip_n order by r.row_number desc) filter (where r.zip_n is not null))[1] as property_zip,
         (array_agg(r.fips_n order by r.row_number desc) filter (where r.fips_n is not null and r.apn_n is not null))[1] as county_fips,
         (array_agg(r.apn order by r.row_number desc) filter (where r.fips_n is not null and r.apn_n is not null))[1] as apn,
         (array_agg(r.apn_n order by r.row_number desc) filter (where r.fips_n is not null and r.apn_n is not null))[1] as apn_normalized,
         (array_agg(r.mak_n order by r.row_number desc) filter (where r.mak_n is not null))[1] as mak,
         (array_agg(r.addr_n order by r.row_number desc) filter (where r.addr_hash is not null))[1] as address_normalized,
         (array_agg(r.addr_hash order by r.row_number desc) filter (where r.addr_hash is not null))[1] as addr_hash,
         (array_agg(r.mailing_address order by r.row_number desc) filter (where r.mailing_address is not null))[1] as mailing_address,
         (array_agg(r.mailing_city order by r.row_number desc) filter (where r.mailing_city is not null))[1] as mailing_city,
         (array_agg(r.mailing_state order by r.row_number desc) filter (where r.mailing_state is not null))[1] as mailing_state,
         (array_agg(r.mailing_zip_n order by r.row_number desc) filter (where r.mailing_zip_n is not null))[1] as mailing_zip,
         (array_agg(r.equity_n order by r.row_number desc) filter (where r.equity_n is not null))[1] as estimated_equity,
         bool_or(r.owner_occupied_n) as owner_occupied,
         coalesce(array_agg(distinct r.email_code) filter (where r.email_code is not null), '{}') as email_codes,
         coalesce(array_agg(distinct r.phone_code) filter (where r.phone_code is not null), '{}') as phone_codes,
         case when count(*) = 1 then (array_agg(r.attributes))[1]
              else app_private.jsonb_merge_all(array_agg(r.attributes order by r.row_number)) end as attributes
    from pg_temp.lm_dup d
    join pg_temp.lm r on r.row_number = d.row_number
    left join pg_temp.lm_target t on t.grp = d.grp
   group by t.target_id, case when t.target_id is null then d.grp end;

  -- 5a. Matched leads. Newer data (this batch was received at or after the lead's data)
  --     wins where non-null; older data only fills gaps. Keys fill gaps only when free.
  with u as (
    select u.*, l.data_as_of <= b.received_at as newer
      from pg_temp.lm_units u
      join app_public.leads l on l.org_id = b.org_id and l.id = u.target_id
  )
  update app_public.leads l set
    first_name = case when u.newer then coalesce(u.first_name, l.first_name) else coalesce(l.first_name, u.first_name) end,
    last_name = case when u.newer then coalesce(u.last_name, l.last_name) else coalesce(l.last_name, u.last_name) end,
    email = case when u.newer then coalesce(u.email, l.email) else coalesce(l.email, u.email) end,
    phone = case when u.newer then coalesce(u.phone, l.phone) else coalesce(l.phone, u.phone) end,
    property_address = case when u.newer then coalesce(u.property_address, l.property_address) else coalesce(l.property_address, u.property_address) end,
    property_city = case when u.newer then coalesce(u.property_city, l.property_city) else coalesce(l.property_city, u.property_city) end,
    property_state = case when u.newer then coalesce(u.property_state, l.property_state) else coalesce(l.property_state, u.property_state) end,
    property_zip = case when u.newer then coalesce(u.property_zip, l.property_zip) else coalesce(l.property_zip, u.property_zip) end,
    mailing_address = case when u.newer then coalesce(u.mailing_address, l.mailing_address) else coalesce(l.mailing_address, u.mailing_address) end,
    mailing_city = case when u.newer then coalesce(u.mailing_city, l.mailing_city) else coalesce(l.mailing_city, u.mailing_city) end,
    mailing_state = case when u.newer then coalesce(u.mailing_state, l.mailing_state) else coalesce(l.mailing_state, u.mailing_state) end,
    mailing_zip = case when u.newer then coalesce(u.mailing_zip, l.mailing_zip) else coalesce(l.mailing_zip, u.mailing_zip) end,
    estimated_equity = case when u.newer then coalesce(u.estimated_equity, l.estimated_equity) else coalesce(l.estimated_equity, u.estimated_equity) end,
    owner_occupied = case when l.owner_occupied is null and u.owner_occupied is null then null
                          else coalesce(l.owner_occupied, false) or coalesce(u.owner_occupied, false) end,
    mak = coalesce(l.mak, case when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.mak = u.mak) then u.mak end),
    county_fips = case when l.apn_normalized is not null then l.county_fips
                       when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                         then u.county_fips end,
    apn = case when l.apn_normalized is not null then l.apn
               when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                 then u.apn end,
    apn_normalized = case when l.apn_normalized is not null then l.apn_normalized
                          when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                            then u.apn_normalized end,
    address_normalized = case when l.addr_hash is not null then l.address_normalized
                              when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.addr_hash = u.addr_hash)
                                then u.address_normalized end,
    addr_hash = coalesce(l.addr_hash, case when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.addr_hash = u.addr_hash) then u.addr_hash end),
    email_verification_codes = array(select distinct c from unnest(l.email_verification_codes || u.email_codes) c order by c),
    phone_verification_codes = array(select distinct c from unnest(l.phone_verification_codes || u.phone_codes) c order by c),
    attributes = case when u.newer then l.attributes || u.attributes else u.attributes || l.attributes end,
    data_as_of = greatest(l.data_as_of, b.received_at),
    last_batch_id = b.id,
    updated_at = now()
  from u
  where l.org_id = b.org_id and l.id = u.target_id;
  get diagnostics n_updated = row_count;

  -- 5b. New leads.
  insert into app_public.leads (
    org_id, first_name, last_name, email, phone, property_address, property_city, property_state, property_zip,
    county_fips, apn, apn_normalized, mak, address_normalized, addr_hash, mailing_address, mailing_city, mailing_state,
    mailing_zip, estimated_equity, owner_occupied, email_verification_codes, phone_verification_codes,
    verification_provider, email_verified, phone_verified, lead_score, attributes, data_as_of, first_batch_id, last_batch_id)
  select b.org_id, u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city, u.property_state,
         u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
         u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
         u.email_codes, u.phone_codes, b.verification_provider,
         u.email_codes && email_ok, u.phone_codes && email_ok,
         app_private.lead_score(u.email_codes && email_ok, u.phone_codes && email_ok, u.estimated_equity, u.owner_occupied,
                                now() - b.received_at),
         u.attributes, b.received_at, b.id, b.id
    from (
      select u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city, u.property_state,
             u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
             u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
             u.email_codes, u.phone_codes, u.attributes, u.new_grp as ord
        from pg_temp.lm_units u
       where u.target_id is null
      union all
      select r.first_name, r.last_name, r.email_n, r.phone_n, r.property_address, r.property_city, r.property_state,
             r.zip_n, case when r.apn_n is not null then r.fips_n end, case when r.apn_n is not null then r.apn end, r.apn_n,
             r.mak_n, case when r.addr_hash is not null then r.addr_n end, r.addr_hash,
             r.mailing_address, r.mailing_city, r.mailing_state, r.mailing_zip_n, r.equity_n, r.owner_occupied_n,
             case when r.email_code is not null then array[r.email_code] else '{}' end,
             case when r.phone_code is not null then array[r.phone_code] else '{}' end,
             r.attributes, r.row_number
        from pg_temp.lm r
       where not exists (select 1 from pg_temp.lm_dup d where d.row_number = r.row_number)
    ) u
   order by u.ord;
  get diagnostics n_created = row_count;

  -- 6. Flags and score of the updated leads (new ones were computed on insert).
  update app_public.leads l
     set email_verified = l.email_verification_codes && email_ok,
         phone_verified = l.phone_verification_codes && email_ok,
         lead_score = app_private.lead_score(l.email_verification_codes && email_ok, l.phone_verification_codes && email_ok,
                                             l.estimated_equity, l.owner_occupied, now() - l.data_as_of)
    from pg_temp.lm_units u
   where u.target_id is not null and l.org_id = b.org_id and l.id = u.target_id
     and l.verification_provider = b.verification_provider;

  delete from app_private.lead_staging s where s.batch_id = b.id;
  update app_public.lead_import_batches x
     set status = 'merged', rows_merged = n_valid, rows_rejected = n_rejected,
         leads_created = n_created, leads_updated = n_updated, merged_at = clock_timestamp(), error = null
   where x.id = b.id;

  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, duration_ms, data)
  values (b.org_id, 'merged', b.id, n_valid,
          (extract(epoch from clock_timestamp() - b.received_at) * 1000)::bigint,
          jsonb_build_object('batch_id', b.id, 'created', n_created, 'updated', n_updated, 'absorbed', n_absorbed, 'passes', passes));
  if n_rejected > 0 then
    insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
    values (b.org_id, 'rows_rejected', b.id, n_rejected, jsonb_build_object('batch_id', b.id));
  end if;
  return jsonb_build_object('batch_id', b.id, 'status', 'merged', 'rows_merged', n_valid, 'rows_rejected', n_rejected,
                            'leads_created', n_created, 'leads_updated', n_updated, 'leads_absorbed', n_absorbed, 'passes', passes,
                            'ms', round(extract(epoch from clock_timestamp() - t0) * 1000));
end
$$;
--! EndIncluded leads/merge.sql
--! Included leads/verification.sql
-- Verification codes → flags, campaign status stamping, assignment.

-- Re-derive email_verified / phone_verified (and the score) of an org's leads after its
-- verification_code_map changed. Only leads carrying the changed code are touched.
create or replace function app_private.rederive_lead_verification(org_id uuid, provider text, code text)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ok text[];
  n int;
begin
  select coalesce(array_agg(upper(m.code)), '{}') into ok
    from app_public.verification_code_map m
   where m.org_id = rederive_lead_verification.org_id and m.provider = rederive_lead_verification.provider
     and m.verdict = 'valid';
  update app_public.leads l
     set email_verified = l.email_verification_codes && ok,
         phone_verified = l.phone_verification_codes && ok,
         lead_score = app_private.lead_score(l.email_verification_codes && ok, l.phone_verification_codes && ok,
                                             l.estimated_equity, l.owner_occupied, now() - l.data_as_of),
         updated_at = now()
   where l.org_id = rederive_lead_verification.org_id
     and l.verification_provider = rederive_lead_verification.provider
     and (l.email_verification_codes @> array[upper(rederive_lead_verification.code)]
          or l.phone_verification_codes @> array[upper(rederive_lead_verification.code)])
     and (l.email_verified, l.phone_verified) is distinct from (l.email_verification_codes && ok, l.phone_verification_codes && ok);
  get diagnostics n = row_count;
  if n > 0 then
    insert into app_public.pipeline_events (org_id, kind, quantity, data)
    values (rederive_lead_verification.org_id, 'verified', n,
            jsonb_build_object('provider', rederive_lead_verification.provider, 'code', rederive_lead_verification.code));
  end if;
  return n;
end
$$;

create or replace function app_private.tg_verification_code_map__rederive() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform app_private.rederive_lead_verification(old.org_id, old.provider, old.code);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform app_private.rederive_lead_verification(new.org_id, new.provider, new.code);
  end if;
  return null;
end
$$;

-- added_to_campaign_at is stamped the first time a lead enters a campaign (active, or a
-- later stage reached directly); it never moves afterwards.
create or replace function app_private.tg_leads__campaign_status() returns trigger
  language plpgsql
as $$
begin
  if new.campaign_status in ('active', 'replied', 'converted') and new.added_to_campaign_at is null then
    new.added_to_campaign_at := now();
  end if;
  if tg_op = 'UPDATE' then
    new.added_to_campaign_at := coalesce(old.added_to_campaign_at, new.added_to_campaign_at);
    new.updated_at := now();
  end if;
  return new;
end
$$;

-- Assign leads to a member (NULL unassigns). Admins only; RLS applies (security invoker).
create or replace function app_public.assign_leads(lead_ids uuid[], user_id uuid)
  returns int
  language plpgsql volatile
as $$
declare
  n int;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only owners and admins assign leads' using errcode = '42501';
  end if;
  update app_public.leads l set assigned_to = assign_leads.user_id
   where l.id = any(assign_leads.lead_ids) and l.org_id = app_public.current_org_id();
  get diagnostics n = row_count;
  return n;
end
$$;
--! EndIncluded leads/verification.sql
--! Included leads/contactable.sql
-- Contactable leads: the materialized view app_private.contactable_leads_mv, refreshed
-- concurrently (readers never block) under an advisory lock, so two refreshes never
-- overlap. app_public.contactable_leads reads it through contactable_lead_ids(), which
-- returns only the caller's org; RLS on leads then applies (members: assigned leads only).

create or replace function app_private.contactable_lead_ids() returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select m.lead_id from app_private.contactable_leads_mv m where m.org_id = app_public.current_org_id()
$$;

create or replace function app_private.refresh_contactable_leads() returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  t0 timestamptz := clock_timestamp();
  waited_ms numeric;
begin
  perform pg_advisory_xact_lock(hashtextextended('switchboard.contactable_leads_refresh', 0));
  waited_ms := round(extract(epoch from clock_timestamp() - t0) * 1000);
  refresh materialized view concurrently app_private.contactable_leads_mv;
  return jsonb_build_object('refreshed', true, 'waited_ms', waited_ms,
                            'ms', round(extract(epoch from clock_timestamp() - t0) * 1000) - waited_ms);
end
$$;

-- Called every minute by the worker's cron (UTC). Per org, in its own time zone:
--   * from 05:30 local, once per local date: refresh the contactable view;
--   * weekdays from 06:00 local, once per local date: the feeder (feed_leads claims the
--     (org, local date) key itself, so a duplicate job or a second worker is a no-op).
-- Catch-up: a worker that was down at 06:00 feeds at its first tick later the same day.
create or replace function app_private.leads_cron_tick(at timestamptz default now()) returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  refreshes int;
  feeds int := 0;
  o record;
begin
  with due as (
    insert into app_private.contactable_refresh_runs (org_id, local_date)
    select g.id, (leads_cron_tick.at at time zone g.timezone)::date
      from app_public.organizations g
     where (leads_cron_tick.at at time zone g.timezone)::time >= time '05:30'
    on conflict do nothing
    returning 1
  )
  select count(*) into refreshes from due;
  if refreshes > 0 then
    perform graphile_worker.add_job('refresh_contactable_leads', '{}'::json, job_key => 'refresh_contactable_leads');
  end if;

  for o in
    select g.id, (leads_cron_tick.at at time zone g.timezone)::date as local_date
      from app_public.organizations g
      join app_public.workspace_settings w on w.org_id = g.id
     where w.lead_feed_enabled
       and extract(isodow from (leads_cron_tick.at at time zone g.timezone)) between 1 and 5
       and (leads_cron_tick.at at time zone g.timezone)::time >= time '06:00'
       and not exists (select 1 from app_private.lead_feed_runs r
                        where r.org_id = g.id and r.local_date = (leads_cron_tick.at at time zone g.timezone)::date)
  loop
    perform graphile_worker.add_job('feed_leads', json_build_object('org_id', o.id, 'at', leads_cron_tick.at),
                                    job_key => 'feed_leads:' || o.id || ':' || o.local_date, max_attempts => 5);
    feeds := feeds + 1;
  end loop;
  return jsonb_build_object('refreshes', refreshes, 'feeds', feeds);
end
$$;
--! EndIncluded leads/contactable.sql
--! Included leads/feeder.sql
-- The weekday feeder. Exactly once per org per local date: the (org_id, local_date) key
-- of lead_feed_runs is claimed in the same transaction as the feed, so a second worker,
-- a retried job or a restart finds it taken and does nothing.
create or replace function app_private.feed_leads(org_id uuid, at timestamptz default now()) returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  tz text;
  local_ts timestamp;
  lim int;
  enabled boolean;
  fed_ids uuid[];
  t0 timestamptz := clock_timestamp();
begin
  select g.timezone, w.lead_feed_daily_limit, w.lead_feed_enabled into tz, lim, enabled
    from app_public.organizations g join app_public.workspace_settings w on w.org_id = g.id
   where g.id = feed_leads.org_id;
  if not found then
    return jsonb_build_object('status', 'unknown_org');
  end if;
  local_ts := feed_leads.at at time zone tz;
  if extract(isodow from local_ts) > 5 or local_ts::time < time '06:00' or not enabled then
    return jsonb_build_object('status', 'not_due', 'local_time', local_ts);
  end if;
  insert into app_private.lead_feed_runs (org_id, local_date) values (feed_leads.org_id, local_ts::date)
  on conflict do nothing;
  if not found then
    return jsonb_build_object('status', 'already_ran', 'local_date', local_ts::date);
  end if;
  -- Do not interleave with a merge of the same org.
  perform pg_advisory_xact_lock(app_private.lead_lock_key(feed_leads.org_id));

  with picked as (
    select l.id
      from app_public.leads l
     where l.org_id = feed_leads.org_id
       and l.campaign_status = 'queued'
       and (l.email_verified or l.phone_verified)
       and l.consent_given
       and not exists (select 1 from app_public.suppressions s where s.org_id = l.org_id and s.email = l.email)
     order by l.lead_score desc, l.id
     limit lim
     for update of l skip locked
  ), fed as (
    update app_public.leads l set campaign_status = 'active'
      from picked p
     where l.org_id = feed_leads.org_id and l.id = p.id
    returning l.id, l.created_at
  ), events as (
    insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, duration_ms, data, occurred_at)
    select feed_leads.org_id, 'fed', f.id, 1,
           greatest(0, (extract(epoch from feed_leads.at - f.created_at) * 1000))::bigint,
           jsonb_build_object('local_date', local_ts::date), feed_leads.at
      from fed f
    returning subject_id
  )
  select coalesce(array_agg(e.subject_id), '{}') into fed_ids from events e;

  update app_private.lead_feed_runs r set fed = cardinality(fed_ids)
   where r.org_id = feed_leads.org_id and r.local_date = local_ts::date;
  if cardinality(fed_ids) > 0 then
    perform graphile_worker.add_job('handoff_leads',
      json_build_object('org_id', feed_leads.org_id, 'local_date', local_ts::date, 'lead_ids', fed_ids),
      job_key => 'handoff_leads:' || feed_leads.org_id || ':' || local_ts::date);
  end if;
  return jsonb_build_object('status', 'fed', 'local_date', local_ts::date, 'fed', cardinality(fed_ids),
                            'ms', round(extract(epoch from clock_timestamp() - t0) * 1000, 1));
end
$$;
--! EndIncluded leads/feeder.sql
--! Included leads/consent.sql
-- Consent links and unsubscribes. The gateway signs and verifies the tokens (HMAC-SHA256
-- under a key derived from ENCRYPTION_KEY, constant-time compare); these functions keep
-- the single-use nonces and record the outcome in one transaction.

create or replace function app_private.issue_consent_nonce(lead_id uuid, ttl interval default '7 days')
  returns table (nonce uuid, org_id uuid, expires_at timestamptz)
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_private.consent_nonces (org_id, lead_id, expires_at)
  select l.org_id, l.id, now() + least(greatest(ttl, interval '1 minute'), interval '90 days')
    from app_public.leads l where l.id = issue_consent_nonce.lead_id
  returning nonce, org_id, expires_at
$$;

-- What the consent form shows; does not use the nonce. status: ok | used | invalid.
create or replace function app_private.consent_page(org_id uuid, lead_id uuid, nonce uuid)
  returns table (status text, first_name text, last_name text, org_name text)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select case when n.nonce is null or n.expires_at <= now() then 'invalid'
              when n.used_at is not null then 'used' else 'ok' end,
         l.first_name, l.last_name, g.name
    from (select 1) one
    left join app_private.consent_nonces n
           on n.nonce = consent_page.nonce and n.org_id = consent_page.org_id and n.lead_id = consent_page.lead_id
    left join app_public.leads l on l.org_id = n.org_id and l.id = n.lead_id
    left join app_public.organizations g on g.id = n.org_id
$$;

-- Uses the nonce (once) and records consent with its timestamp. recorded | used | invalid.
create or replace function app_private.record_consent(org_id uuid, lead_id uuid, nonce uuid)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  update app_private.consent_nonces n set used_at = now()
   where n.nonce = record_consent.nonce and n.org_id = record_consent.org_id and n.lead_id = record_consent.lead_id
     and n.used_at is null and n.expires_at > now();
  if not found then
    return case when exists (select 1 from app_private.consent_nonces n
                              where n.nonce = record_consent.nonce and n.org_id = record_consent.org_id
                                and n.lead_id = record_consent.lead_id and n.used_at is not null)
                then 'used' else 'invalid' end;
  end if;
  update app_public.leads l set consent_given = true, consented_at = now(), updated_at = now()
   where l.org_id = record_consent.org_id and l.id = record_consent.lead_id;
  insert into app_public.pipeline_events (org_id, kind, subject_id, data)
  values (record_consent.org_id, 'consented', record_consent.lead_id, '{}');
  return 'recorded';
end
$$;

-- What the unsubscribe page shows: the org and the person's name (escaped by the gateway).
create or replace function app_private.unsubscribe_page(org_id uuid, email citext)
  returns table (org_name text, display_name text, already boolean)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select g.name,
         coalesce((select nullif(btrim(concat_ws(' ', c.first_name, c.last_name)), '') from app_public.contacts c
                    where c.org_id = g.id and c.email = unsubscribe_page.email limit 1),
                  (select nullif(btrim(concat_ws(' ', l.first_name, l.last_name)), '') from app_public.leads l
                    where l.org_id = g.id and l.email = unsubscribe_page.email limit 1)),
         exists (select 1 from app_public.suppressions s where s.org_id = g.id and s.email = unsubscribe_page.email)
    from app_public.organizations g
   where g.id = unsubscribe_page.org_id
$$;

-- Suppress the address and stop every lead with it, in one transaction. False: no such org.
create or replace function app_private.unsubscribe(org_id uuid, email citext, source text default 'unsubscribe_link')
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  if not exists (select 1 from app_public.organizations g where g.id = unsubscribe.org_id) then
    return false;
  end if;
  insert into app_public.suppressions (org_id, email, reason, source)
  values (unsubscribe.org_id, unsubscribe.email, 'unsubscribed', left(unsubscribe.source, 100))
  on conflict do nothing;
  update app_public.leads l set campaign_status = 'do_not_contact'
   where l.org_id = unsubscribe.org_id and l.email = unsubscribe.email and l.campaign_status <> 'do_not_contact';
  return true;
end
$$;
--! EndIncluded leads/consent.sql

create view app_public.contactable_leads with (security_invoker = true) as
  select l.*
    from app_public.leads l
   where l.id in (select app_private.contactable_lead_ids());
grant select on app_public.contactable_leads to authenticated;

create trigger tg_leads__campaign_status_insert before insert on app_public.leads
  for each row when (new.campaign_status <> 'new')
  execute function app_private.tg_leads__campaign_status();
create trigger tg_leads__campaign_status_update before update of campaign_status on app_public.leads
  for each row when (old.campaign_status is distinct from new.campaign_status)
  execute function app_private.tg_leads__campaign_status();
create trigger tg_verification_code_map__rederive after insert or update or delete on app_public.verification_code_map
  for each row execute function app_private.tg_verification_code_map__rederive();
create trigger tg_verification_code_map__audit after insert or update or delete on app_public.verification_code_map
  for each row execute function app_private.tg__audit();

------------------------------------------------------------------------------------------
-- Row-level security

alter table app_public.lead_import_batches enable row level security;
alter table app_public.lead_import_batches force row level security;
alter table app_public.lead_import_rejects enable row level security;
alter table app_public.lead_import_rejects force row level security;
alter table app_public.leads enable row level security;
alter table app_public.leads force row level security;
alter table app_public.verification_code_map enable row level security;
alter table app_public.verification_code_map force row level security;

-- Imports and their rejected rows (raw personal data of every lead in a file) are for owners
-- and admins; members only ever see the leads assigned to them.
create policy admins_select on app_public.lead_import_batches for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_select on app_public.lead_import_rejects for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

-- Members (brokers) see and work only the leads assigned to them; owners and admins see all.
create policy select_assigned_or_admin on app_public.leads for select to authenticated
  using (org_id = (select app_public.current_org_id())
         and ((select app_public.current_user_is_admin()) or assigned_to = (select app_public.current_user_id())));
create policy update_assigned_or_admin on app_public.leads for update to authenticated
  using (org_id = (select app_public.current_org_id())
         and ((select app_public.current_user_is_admin()) or assigned_to = (select app_public.current_user_id())))
  with check (org_id = (select app_public.current_org_id())
              and ((select app_public.current_user_is_admin()) or assigned_to = (select app_public.current_user_id())));

create policy select_own_org on app_public.verification_code_map for select to authenticated
  using (org_id = (select app_public.current_org_id()));
create policy admins_insert on app_public.verification_code_map for insert to authenticated
  with check (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.verification_code_map for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
create policy admins_delete on app_public.verification_code_map for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

grant select on app_public.lead_import_batches to authenticated;
grant select on app_public.lead_import_rejects to authenticated;
grant select on app_public.leads to authenticated;
grant update (assigned_to, campaign_status) on app_public.leads to authenticated;
grant select on app_public.verification_code_map to authenticated;
grant insert (org_id, provider, code, verdict) on app_public.verification_code_map to authenticated;
grant update (verdict) on app_public.verification_code_map to authenticated;
grant delete on app_public.verification_code_map to authenticated;

------------------------------------------------------------------------------------------
-- Who may call what

grant execute on function
  app_private.begin_lead_upload(uuid, uuid, text, text),
  app_private.finish_lead_upload(uuid, int, bigint)
  to switchboard_gateway;
grant execute on function
  app_private.unsubscribe_page(uuid, citext),
  app_private.unsubscribe(uuid, citext, text),
  app_private.consent_page(uuid, uuid, uuid),
  app_private.record_consent(uuid, uuid, uuid)
  to switchboard_gateway;
grant execute on function
  app_private.merge_lead_batch(uuid),
  app_private.mark_lead_batch_failed(uuid, text),
  app_private.refresh_contactable_leads(),
  app_private.leads_cron_tick(timestamptz),
  app_private.feed_leads(uuid, timestamptz)
  to switchboard_worker;
grant execute on function app_private.contactable_lead_ids() to authenticated;
grant execute on function app_public.assign_leads(uuid[], uuid) to authenticated;
grant execute on function app_private.issue_consent_nonce(uuid, interval) to switchboard_gateway, switchboard_worker;
-- The generated email_hash column is computed with the writer's privileges.
grant execute on function app_private.hash_email(text) to authenticated;

--! split: 7-delivery.sql
-- Delivery: outbound webhooks signed with Standard Webhooks headers, sent by the worker,
-- retried on a configurable schedule with jitter, circuit breaker per endpoint,
-- dead letters and replay, attempt log with retention, SSRF guard on endpoint URLs.

------------------------------------------------------------------------------------------
-- Settings owned by this domain (per workspace).

alter table app_public.workspace_settings
  -- Delay before each attempt (the first is "immediately"): the Standard Webhooks schedule.
  add column delivery_retry_schedule interval[] not null
    default '{0,5 seconds,5 minutes,30 minutes,2 hours,5 hours,10 hours,10 hours}'
    check (cardinality(delivery_retry_schedule) between 1 and 30),
  -- Each delay is stretched or shrunk by up to this fraction at random.
  add column delivery_retry_jitter numeric(4, 3) not null default 0.1 check (delivery_retry_jitter between 0 and 1),
  -- Consecutive failures that open an endpoint's circuit, and how long it stays open.
  add column delivery_circuit_failures int not null default 5 check (delivery_circuit_failures between 1 and 1000),
  add column delivery_circuit_cooldown interval not null default '5 minutes'
    check (delivery_circuit_cooldown between '0' and '1 day'),
  -- An endpoint failing without a single success for this long is disabled.
  add column delivery_disable_after interval not null default '5 days' check (delivery_disable_after >= '1 minute'),
  add column delivery_attempt_retention interval not null default '30 days'
    check (delivery_attempt_retention between '1 day' and '10 years');
grant update (delivery_retry_schedule, delivery_retry_jitter, delivery_circuit_failures, delivery_circuit_cooldown,
              delivery_disable_after, delivery_attempt_retention)
  on app_public.workspace_settings to authenticated;

------------------------------------------------------------------------------------------
-- Endpoints and their secrets

create table app_public.delivery_endpoints (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  url text not null check (length(url) <= 2000),
  description text check (length(description) <= 500),
  -- Empty means every event type.
  event_types text[] not null default '{}',
  enabled boolean not null default true,
  disabled_reason text,
  disabled_at timestamptz,
  consecutive_failures int not null default 0,
  -- First failure since the last success (null while healthy).
  failing_since timestamptz,
  circuit_open_until timestamptz,
  last_success_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);

create table app_private.delivery_endpoint_secrets (
  org_id uuid not null,
  id bigint generated always as identity,
  endpoint_id uuid not null references app_public.delivery_endpoints (id) on delete cascade,
  secret_encrypted bytea not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz,
  primary key (org_id, id)
);
create index delivery_endpoint_secrets_endpoint_id_idx on app_private.delivery_endpoint_secrets (endpoint_id);

-- One row per event sent out: the Standard Webhooks message (its id is webhook-id).
create table app_public.delivery_messages (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  event_type text not null check (length(event_type) between 1 and 100),
  -- Null once past the attempt retention window.
  payload jsonb,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index delivery_messages_org_id_created_at_idx on app_public.delivery_messages (org_id, created_at);

-- One row per (message, endpoint).
create table app_public.deliveries (
  org_id uuid not null references app_public.organizations on delete cascade,
  id uuid not null default gen_random_uuid() unique,
  message_id uuid not null references app_public.delivery_messages (id) on delete cascade,
  endpoint_id uuid not null references app_public.delivery_endpoints (id) on delete cascade,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
  attempts int not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_status_code int,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz not null default now(),
  primary key (org_id, id),
  unique (message_id, endpoint_id)
);
create index deliveries_endpoint_id_status_idx on app_public.deliveries (endpoint_id, status, created_at);
create index deliveries_org_id_created_at_idx on app_public.deliveries (org_id, created_at);

create table app_public.delivery_attempts (
  org_id uuid not null references app_public.organizations on delete cascade,
  id bigint generated always as identity,
  delivery_id uuid not null references app_public.deliveries (id) on delete cascade,
  endpoint_id uuid not null,
  attempt int not null,
  attempted_at timestamptz not null default now(),
  status_code int,
  latency_ms int,
  response_excerpt text,
  error text,
  primary key (org_id, id)
);
create index delivery_attempts_delivery_id_idx on app_public.delivery_attempts (delivery_id);
create index delivery_attempts_org_id_attempted_at_idx on app_public.delivery_attempts (org_id, attempted_at);
create index delivery_attempts_attempted_at_idx on app_public.delivery_attempts (attempted_at);

--! Included delivery/endpoints.sql
-- Outbound endpoints: URL (SSRF-guarded), event types, a whsec_ secret encrypted with
-- pgcrypto under the key from the environment (passed per call, never stored).

-- Null when the URL may be used, else why not. Private, loopback, link-local and
-- "internal" hosts (and plain http) need the operator's allowance
-- (DELIVERY_ALLOW_PRIVATE_URLS=1, passed in by the CLI and the worker).
create or replace function app_private.delivery_url_problem(url text, allow_private boolean) returns text
  language plpgsql immutable
  set search_path = pg_catalog, public
as $$
declare
  m text[] := regexp_match(url, '^(https?)://(?:[^@/?#]*@)?(\[[0-9a-fA-F:.]+\]|[^/:?#\[\]]+)(?::(\d{1,5}))?([/?#].*)?$');
  host text;
  addr inet;
begin
  if m is null then
    return 'not an http(s) URL';
  end if;
  if url ~ '\s' then
    return 'URL contains whitespace';
  end if;
  if allow_private then
    return null;
  end if;
  if m[1] <> 'https' then
    return 'only https URLs are allowed';
  end if;
  host := lower(trim(both '[]' from m[2]));
  if host = 'localhost' or host ~ '\.(localhost|local|internal|lan|home|arpa)\.?$' or host !~ '\.' and host !~ ':' then
    return 'private host names are not allowed';
  end if;
  begin
    addr := host::inet;
  exception when others then
    -- Dotted forms that are not plain IPv4 (e.g. 0x7f.1 or 2130706433) are refused.
    if host ~ '^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$' then
      return 'numeric host names must be plain IP addresses';
    end if;
    return null;
  end;
  -- IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are refused outright by the list below.
  if addr << any (array['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16',
                        '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15',
                        '224.0.0.0/3', '::/127', 'fc00::/7', 'fe80::/10', 'ff00::/8', '::ffff:0:0/96']::inet[])
     or addr = any (array['0.0.0.0', '::', '::1']::inet[]) then
    return 'private, loopback and link-local addresses are not allowed';
  end if;
  return null;
end
$$;

create or replace function app_private.new_delivery_secret() returns text
  language sql volatile
  set search_path = pg_catalog, public
as $$
  select 'whsec_' || encode(gen_random_bytes(32), 'base64')
$$;

-- Operator/CLI: registers an endpoint and returns its secret once.
create or replace function app_private.create_delivery_endpoint(
  org_id uuid, url text, event_types text[], description text, encryption_key text, allow_private boolean,
  out endpoint_id uuid, out secret text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  problem text := app_private.delivery_url_problem(url, allow_private);
begin
  if problem is not null then
    raise exception 'endpoint URL refused: %', problem using errcode = '22023';
  end if;
  insert into app_public.delivery_endpoints (org_id, url, event_types, description)
  values (create_delivery_endpoint.org_id, url, coalesce(event_types, '{}'), description)
  returning id into endpoint_id;
  secret := app_private.new_delivery_secret();
  insert into app_private.delivery_endpoint_secrets (org_id, endpoint_id, secret_encrypted)
  values (create_delivery_endpoint.org_id, endpoint_id, pgp_sym_encrypt(secret, encryption_key));
end
$$;

-- A new secret signs at once; the old one is sent alongside until the grace period ends
-- (webhook-signature carries one v1 signature per valid secret).
create or replace function app_private.rotate_delivery_secret(endpoint_id uuid, grace interval, encryption_key text,
  out secret text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ep app_public.delivery_endpoints;
begin
  select * into ep from app_public.delivery_endpoints e where e.id = rotate_delivery_secret.endpoint_id for update;
  if not found then
    raise exception 'endpoint not found' using errcode = 'P0002';
  end if;
  update app_private.delivery_endpoint_secrets s set expires_at = now()
   where s.endpoint_id = ep.id and s.expires_at > now();
  update app_private.delivery_endpoint_secrets s set expires_at = now() + greatest(grace, '0'::interval)
   where s.endpoint_id = ep.id and s.expires_at is null;
  secret := app_private.new_delivery_secret();
  insert into app_private.delivery_endpoint_secrets (org_id, endpoint_id, secret_encrypted)
  values (ep.org_id, ep.id, pgp_sym_encrypt(secret, encryption_key));
end
$$;

-- Re-enabling an endpoint (admin update through PostgREST) starts it afresh.
create or replace function app_private.tg_delivery_endpoints__reenable() returns trigger
  language plpgsql
  set search_path = pg_catalog, public
as $$
begin
  if new.enabled and not old.enabled then
    new.disabled_reason := null;
    new.disabled_at := null;
    new.consecutive_failures := 0;
    new.failing_since := null;
    new.circuit_open_until := null;
  elsif not new.enabled and old.enabled and new.disabled_at is null then
    new.disabled_at := now();
    new.disabled_reason := coalesce(new.disabled_reason, 'disabled by an admin');
  end if;
  return new;
end
$$;
--! EndIncluded delivery/endpoints.sql
--! Included delivery/deliveries.sql
-- Outbound events: one message per event, one delivery per matching endpoint, sent by
-- the worker task deliver_webhook. The SQL side decides everything but the HTTP call:
-- whether an attempt may run (endpoint enabled, circuit closed, due), and after it the
-- next attempt time (schedule + jitter, Retry-After), dead letters and disabling.

create or replace function app_private.schedule_delivery(org_id uuid, delivery_id uuid, run_at timestamptz default now())
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select graphile_worker.add_job(
    'deliver_webhook',
    json_build_object('org_id', org_id, 'delivery_id', delivery_id),
    run_at => run_at,
    job_key => 'deliver_webhook:' || delivery_id,
    job_key_mode => 'replace',
    max_attempts => 10)
$$;

-- Publishes an event to every enabled endpoint of the org subscribed to its type (or only
-- to `only_endpoint`). Called inside the transaction that produced the event.
create or replace function app_private.emit_event(org_id uuid, event_type text, data jsonb, only_endpoint uuid default null)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  msg_id uuid;
  d record;
begin
  if not exists (select 1 from app_public.delivery_endpoints e
                  where e.org_id = emit_event.org_id and e.enabled
                    and (only_endpoint is null or e.id = only_endpoint)
                    and (cardinality(e.event_types) = 0 or emit_event.event_type = any (e.event_types))) then
    return null;
  end if;
  insert into app_public.delivery_messages (org_id, event_type, payload)
  values (emit_event.org_id, emit_event.event_type,
          jsonb_build_object('type', emit_event.event_type,
                             'timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                             'data', coalesce(data, '{}'::jsonb))
          -- A top-level "text" (alerts) makes the body readable by Slack-compatible incoming webhooks.
          || case when data ? 'text' then jsonb_build_object('text', data ->> 'text') else '{}'::jsonb end)
  returning id into msg_id;
  for d in
    insert into app_public.deliveries (org_id, message_id, endpoint_id)
    select e.org_id, msg_id, e.id
      from app_public.delivery_endpoints e
     where e.org_id = emit_event.org_id and e.enabled
       and (only_endpoint is null or e.id = only_endpoint)
       and (cardinality(e.event_types) = 0 or emit_event.event_type = any (e.event_types))
    returning deliveries.org_id, deliveries.id
  loop
    perform app_private.schedule_delivery(d.org_id, d.id);
  end loop;
  return msg_id;
end
$$;

create or replace function app_private.dead_letter_delivery(org_id uuid, delivery_id uuid, error text) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  update app_public.deliveries d set status = 'dead', last_error = left(error, 500)
   where d.org_id = dead_letter_delivery.org_id and d.id = delivery_id;
  insert into app_public.dead_letters (org_id, kind, ref_id, error)
  values (dead_letter_delivery.org_id, 'delivery', delivery_id, left(error, 500));
$$;

-- Disables an endpoint and tells the org through an event (to its other endpoints).
create or replace function app_private.disable_delivery_endpoint(org_id uuid, endpoint_id uuid, reason text) returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ep app_public.delivery_endpoints;
begin
  update app_public.delivery_endpoints e
     set enabled = false, disabled_reason = reason, disabled_at = now()
   where e.org_id = disable_delivery_endpoint.org_id and e.id = endpoint_id and e.enabled
  returning * into ep;
  if ep.id is not null then
    perform app_private.emit_event(ep.org_id, 'endpoint.disabled',
      jsonb_build_object('endpoint_id', ep.id, 'url', ep.url, 'reason', reason));
  end if;
end
$$;

-- Worker: what to send now, or no row when nothing is due (the job is rescheduled as
-- needed). Takes a lease: the delivery is not due again for `lease` unless finished.
create or replace function app_private.begin_delivery_attempt(org_id uuid, delivery_id uuid, encryption_key text)
  returns table (url text, secrets text[], message_id uuid, body text, attempt int)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  dl app_public.deliveries;
  ep app_public.delivery_endpoints;
  st app_public.workspace_settings;
begin
  select * into dl from app_public.deliveries d
   where d.org_id = begin_delivery_attempt.org_id and d.id = begin_delivery_attempt.delivery_id for update;
  if dl.id is null or dl.status <> 'pending' then
    return;
  end if;
  if dl.next_attempt_at > now() + interval '1 second' then
    perform app_private.schedule_delivery(dl.org_id, dl.id, dl.next_attempt_at);
    return;
  end if;
  select * into ep from app_public.delivery_endpoints e where e.id = dl.endpoint_id for update;
  if not ep.enabled then
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, 'endpoint disabled: ' || coalesce(ep.disabled_reason, 'by an admin'));
    return;
  end if;
  if ep.circuit_open_until > now() then
    update app_public.deliveries d set next_attempt_at = ep.circuit_open_until where d.org_id = dl.org_id and d.id = dl.id;
    perform app_private.schedule_delivery(dl.org_id, dl.id, ep.circuit_open_until);
    return;
  end if;
  select * into st from app_public.workspace_settings s where s.org_id = dl.org_id;
  if ep.consecutive_failures >= st.delivery_circuit_failures then
    -- Half-open: this attempt is the probe; others wait for its outcome.
    update app_public.delivery_endpoints e set circuit_open_until = now() + st.delivery_circuit_cooldown
     where e.id = ep.id;
  end if;
  update app_public.deliveries d
     set attempts = d.attempts + 1, next_attempt_at = now() + interval '1 minute'
   where d.org_id = dl.org_id and d.id = dl.id
  returning d.attempts into attempt;
  url := ep.url;
  select array_agg(pgp_sym_decrypt(k.secret_encrypted, encryption_key) order by k.created_at desc) into secrets
    from app_private.delivery_endpoint_secrets k
   where k.endpoint_id = ep.id and (k.expires_at is null or k.expires_at > now());
  select m.id, m.payload::text into message_id, body from app_public.delivery_messages m where m.id = dl.message_id;
  return next;
end
$$;

-- Worker: records an attempt's outcome and decides what happens next.
-- Returns the delivery's status: delivered, pending (retry scheduled) or dead.
create or replace function app_private.finish_delivery_attempt(
  org_id uuid, delivery_id uuid, attempt int, status_code int, latency_ms int,
  response_excerpt text, error text, retry_after_seconds int)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  dl app_public.deliveries;
  ep app_public.delivery_endpoints;
  st app_public.workspace_settings;
  problem text := coalesce(error, 'HTTP ' || status_code);
  delay interval;
  next_at timestamptz;
begin
  select * into dl from app_public.deliveries d
   where d.org_id = finish_delivery_attempt.org_id and d.id = finish_delivery_attempt.delivery_id for update;
  if dl.id is null then
    return null;
  end if;
  insert into app_public.delivery_attempts (org_id, delivery_id, endpoint_id, attempt, status_code, latency_ms, response_excerpt, error)
  values (dl.org_id, dl.id, dl.endpoint_id, finish_delivery_attempt.attempt, status_code, latency_ms,
          left(response_excerpt, 500), left(error, 500));
  if dl.status <> 'pending' then
    return dl.status;
  end if;
  select * into st from app_public.workspace_settings s where s.org_id = dl.org_id;

  if status_code between 200 and 299 then
    update app_public.deliveries d
       set status = 'delivered', delivered_at = now(), last_status_code = status_code, last_error = null
     where d.org_id = dl.org_id and d.id = dl.id;
    update app_public.delivery_endpoints e
       set consecutive_failures = 0, failing_since = null, circuit_open_until = null, last_success_at = now()
     where e.id = dl.endpoint_id;
    return 'delivered';
  end if;

  update app_public.delivery_endpoints e
     set consecutive_failures = e.consecutive_failures + 1,
         failing_since = coalesce(e.failing_since, now()),
         circuit_open_until = case when e.consecutive_failures + 1 >= st.delivery_circuit_failures
                                   then now() + st.delivery_circuit_cooldown else e.circuit_open_until end
   where e.id = dl.endpoint_id
  returning * into ep;
  update app_public.deliveries d set last_status_code = status_code, last_error = left(problem, 500)
   where d.org_id = dl.org_id and d.id = dl.id;

  if status_code = 410 then
    perform app_private.disable_delivery_endpoint(dl.org_id, dl.endpoint_id, 'endpoint answered 410 Gone');
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, 'HTTP 410: endpoint disabled');
    return 'dead';
  end if;
  if ep.failing_since <= now() - st.delivery_disable_after then
    perform app_private.disable_delivery_endpoint(dl.org_id, dl.endpoint_id,
      'failing continuously since ' || ep.failing_since);
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, problem || '; endpoint disabled');
    return 'dead';
  end if;
  if finish_delivery_attempt.attempt >= cardinality(st.delivery_retry_schedule) then
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, problem);
    return 'dead';
  end if;

  delay := st.delivery_retry_schedule[finish_delivery_attempt.attempt + 1]
           * (1 + st.delivery_retry_jitter::float8 * (2 * random() - 1));
  if status_code in (429, 503) and retry_after_seconds > 0 then
    delay := greatest(delay, make_interval(secs => least(retry_after_seconds, 86400)));
  end if;
  next_at := now() + delay;
  update app_public.deliveries d set next_attempt_at = next_at where d.org_id = dl.org_id and d.id = dl.id;
  perform app_private.schedule_delivery(dl.org_id, dl.id, next_at);
  return 'pending';
end
$$;

-- Back to pending with a fresh attempt budget; open dead letters of it count as retried.
create or replace function app_private.requeue_delivery(org_id uuid, delivery_id uuid, actor uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  update app_public.deliveries d
     set status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = null
   where d.org_id = requeue_delivery.org_id and d.id = requeue_delivery.delivery_id;
  if not found then
    return false;
  end if;
  update app_public.dead_letters l set retried_at = now(), retried_by = actor
   where l.org_id = requeue_delivery.org_id and l.kind = 'delivery' and l.ref_id = requeue_delivery.delivery_id
     and l.retried_at is null;
  perform app_private.schedule_delivery(org_id, delivery_id);
  return true;
end
$$;

-- Admin RPC: sends one delivery again (whatever its state).
create or replace function app_public.replay_delivery(delivery_id uuid) returns app_public.deliveries
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  dl app_public.deliveries;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins replay deliveries' using errcode = '42501';
  end if;
  if not app_private.requeue_delivery(app_public.current_org_id(), delivery_id, app_public.current_user_id()) then
    raise exception 'delivery not found' using errcode = 'PT404';
  end if;
  select * into dl from app_public.deliveries d where d.org_id = app_public.current_org_id() and d.id = delivery_id;
  return dl;
end
$$;

-- Admin RPC: every dead delivery of an endpoint created since a time goes out again.
create or replace function app_public.replay_failed_deliveries(endpoint_id uuid, since timestamptz) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  n int := 0;
  d record;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins replay deliveries' using errcode = '42501';
  end if;
  for d in
    select x.org_id, x.id from app_public.deliveries x
     where x.org_id = app_public.current_org_id() and x.endpoint_id = replay_failed_deliveries.endpoint_id
       and x.status = 'dead' and x.created_at >= since
     order by x.created_at
  loop
    perform app_private.requeue_delivery(d.org_id, d.id, app_public.current_user_id());
    n := n + 1;
  end loop;
  return n;
end
$$;

-- Safety net (cron): pending deliveries overdue by a minute get a job again
-- (a worker killed mid-attempt leaves its job locked for hours).
create or replace function app_private.requeue_due_deliveries() returns int
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select count(app_private.schedule_delivery(d.org_id, d.id, now()))::int
    from app_public.deliveries d
   where d.status = 'pending' and d.next_attempt_at < now() - interval '1 minute'
$$;
--! EndIncluded delivery/deliveries.sql

create trigger tg_delivery_endpoints__reenable before update on app_public.delivery_endpoints
  for each row execute function app_private.tg_delivery_endpoints__reenable();
create trigger tg_delivery_endpoints__audit after insert or update or delete on app_public.delivery_endpoints
  for each row execute function app_private.tg__audit();

alter table app_public.delivery_endpoints enable row level security;
alter table app_public.delivery_endpoints force row level security;
alter table app_public.delivery_messages enable row level security;
alter table app_public.delivery_messages force row level security;
alter table app_public.deliveries enable row level security;
alter table app_public.deliveries force row level security;
alter table app_public.delivery_attempts enable row level security;
alter table app_public.delivery_attempts force row level security;

create policy admins_select on app_public.delivery_endpoints for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_update on app_public.delivery_endpoints for update to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()))
  with check (org_id = (select app_public.current_org_id()));
create policy admins_delete on app_public.delivery_endpoints for delete to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_select on app_public.delivery_messages for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_select on app_public.deliveries for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));
create policy admins_select on app_public.delivery_attempts for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

grant select, delete on app_public.delivery_endpoints to authenticated;
grant update (description, event_types, enabled) on app_public.delivery_endpoints to authenticated;
grant select on app_public.delivery_messages, app_public.deliveries, app_public.delivery_attempts to authenticated;

grant execute on function
  app_public.replay_delivery(uuid),
  app_public.replay_failed_deliveries(uuid, timestamptz)
  to authenticated;
grant execute on function
  app_private.begin_delivery_attempt(uuid, uuid, text),
  app_private.finish_delivery_attempt(uuid, uuid, int, int, int, text, text, int),
  app_private.requeue_due_deliveries()
  to switchboard_worker;

-- retry_dead_letter learns kind 'delivery' (the webhook_event branch is unchanged).
--! Included delivery/dead_letters.sql
-- Admin RPC: a dead letter goes back to work: a dead webhook event is processed again,
-- a dead delivery is sent again with a fresh attempt budget.
create or replace function app_public.retry_dead_letter(dead_letter_id bigint) returns app_public.dead_letters
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  dl app_public.dead_letters;
  ev app_public.webhook_events;
  task text;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins retry dead letters' using errcode = '42501';
  end if;
  update app_public.dead_letters d set retried_at = now(), retried_by = app_public.current_user_id()
   where d.org_id = app_public.current_org_id() and d.id = dead_letter_id and d.retried_at is null
  returning * into dl;
  if dl.id is null then
    raise exception 'dead letter not found or already retried' using errcode = 'PT404';
  end if;
  if dl.kind = 'webhook_event' then
    update app_public.webhook_events e
       set status = 'pending', attempts = 0, next_attempt_at = now()
     where e.org_id = dl.org_id and e.id = dl.ref_id
    returning * into ev;
    select t.task_identifier into task from app_private.provider_tasks t where t.provider = ev.provider;
    perform app_private.schedule_event_processing(task, ev.org_id, ev.shard, now(), 'preserve_run_at');
  elsif dl.kind = 'delivery' then
    perform app_private.requeue_delivery(dl.org_id, dl.ref_id, app_public.current_user_id());
  end if;
  return dl;
end
$$;
--! EndIncluded delivery/dead_letters.sql

------------------------------------------------------------------------------------------
-- Switchboard events: lead fed, reply received, appointment booked/cancelled, call ended,
-- import finished (plus endpoint.disabled above), raised where the data is written.

--! Included delivery/domain_events.sql
-- Switchboard events published to outbound endpoints, raised by triggers on the tables that
-- record them (so every write path publishes, in the same transaction). emit_event skips
-- orgs with no endpoint subscribed, so the cost for everyone else is one index probe.

create or replace function app_private.tg_appointments__emit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if tg_op = 'INSERT' and new.status = 'booked' then
    perform app_private.emit_event(new.org_id, 'appointment.booked', jsonb_build_object(
      'appointment_id', new.id, 'resource_id', new.resource_id, 'contact_id', new.contact_id,
      'starts_at', new.starts_at, 'ends_at', new.ends_at, 'source', new.source));
  elsif tg_op = 'UPDATE' and new.status = 'cancelled' and old.status <> 'cancelled' then
    perform app_private.emit_event(new.org_id, 'appointment.cancelled', jsonb_build_object(
      'appointment_id', new.id, 'contact_id', new.contact_id, 'starts_at', new.starts_at));
  end if;
  return null;
end
$$;

create or replace function app_private.tg_calls__emit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.status = 'ended' and (tg_op = 'INSERT' or old.status is distinct from 'ended') then
    perform app_private.emit_event(new.org_id, 'call.ended', jsonb_build_object(
      'call_id', new.id, 'external_id', new.external_id, 'contact_id', new.contact_id, 'campaign_id', new.campaign_id,
      'direction', new.direction, 'duration_seconds', new.duration_seconds, 'ended_reason', new.ended_reason));
  end if;
  return null;
end
$$;

create or replace function app_private.tg_lead_import_batches__emit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.status in ('merged', 'failed') and old.status is distinct from new.status then
    perform app_private.emit_event(new.org_id, 'import.finished', jsonb_build_object(
      'batch_id', new.id, 'status', new.status, 'rows_total', new.rows_total, 'rows_merged', new.rows_merged,
      'rows_rejected', new.rows_rejected, 'leads_created', new.leads_created, 'leads_updated', new.leads_updated));
  end if;
  return null;
end
$$;

-- A lead fed to the campaign tool (queued → active): pushed with what the tool needs.
create or replace function app_private.tg_leads__emit_fed() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.campaign_status = 'active' and old.campaign_status is distinct from 'active' then
    perform app_private.emit_event(new.org_id, 'lead.fed', jsonb_build_object(
      'lead_id', new.id, 'first_name', new.first_name, 'last_name', new.last_name, 'email', new.email,
      'phone', new.phone, 'property_address', new.property_address, 'property_city', new.property_city,
      'property_state', new.property_state, 'property_zip', new.property_zip, 'lead_score', new.lead_score));
  end if;
  return null;
end
$$;

create or replace function app_private.tg_email_events__emit_reply() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.kind = 'replied' then
    perform app_private.emit_event(new.org_id, 'reply.received', jsonb_build_object(
      'email_event_id', new.id, 'campaign_id', new.campaign_id, 'contact_id', new.contact_id,
      'category', new.category, 'occurred_at', new.occurred_at));
  end if;
  return null;
end
$$;
--! EndIncluded delivery/domain_events.sql

create trigger tg_appointments__emit after insert or update of status on app_public.appointments
  for each row execute function app_private.tg_appointments__emit();
create trigger tg_calls__emit after insert or update of status on app_public.calls
  for each row when (new.status = 'ended') execute function app_private.tg_calls__emit();
create trigger tg_lead_import_batches__emit after update of status on app_public.lead_import_batches
  for each row when (new.status in ('merged', 'failed')) execute function app_private.tg_lead_import_batches__emit();
create trigger tg_leads__emit_fed after update of campaign_status on app_public.leads
  for each row when (new.campaign_status = 'active') execute function app_private.tg_leads__emit_fed();
create trigger tg_email_events__emit_reply after insert on app_public.email_events
  for each row when (new.kind = 'replied') execute function app_private.tg_email_events__emit_reply();

--! split: 8-ops.sql
-- Ops: retention jobs (batched, logged), operational events, system health, backup
-- verification log, alert rules, and the compliance RPCs export_contact / erase_contact.

------------------------------------------------------------------------------------------
-- Retention windows: per workspace where a tenant may choose, platform-wide otherwise.

alter table app_public.workspace_settings
  -- Inbox bodies are nulled after this; the dedupe key stays until webhook_key_retention.
  add column webhook_body_retention interval not null default '7 days'
    check (webhook_body_retention between '1 hour' and '10 years'),
  add column webhook_key_retention interval not null default '30 days'
    check (webhook_key_retention between '1 day' and '10 years'),
  add check (webhook_key_retention >= webhook_body_retention);
grant update (webhook_body_retention, webhook_key_retention) on app_public.workspace_settings to authenticated;

-- Platform settings (operators: `update app_private.platform_settings ...` as owner).
create table app_private.platform_settings (
  key text primary key,
  value interval not null,
  description text
);
insert into app_private.platform_settings (key, value, description) values
  ('replay_guard_retention', '7 days', 'lead upload content hashes (the 7-day duplicate-upload guard)'),
  ('consent_token_retention', '7 days', 'consent nonces, counted from their expiry'),
  ('job_failure_retention', '7 days', 'permanently failed graphile-worker jobs'),
  ('retention_run_retention', '90 days', 'the retention job''s own log'),
  ('operational_event_retention', '90 days', 'operational events');

-- What each retention run removed, per step.
create table app_private.retention_runs (
  id bigint generated always as identity primary key,
  step text not null,
  removed bigint not null,
  started_at timestamptz not null,
  finished_at timestamptz not null default now()
);
create index retention_runs_finished_at_idx on app_private.retention_runs (finished_at);

-- Operational events (failed backups, disabled endpoints, alerts): org_id null = platform.
create table app_private.operational_events (
  id bigint generated always as identity primary key,
  org_id uuid references app_public.organizations on delete cascade,
  kind text not null,
  severity text not null default 'warning' check (severity in ('info', 'warning', 'critical')),
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index operational_events_created_at_idx on app_private.operational_events (created_at);
create index operational_events_org_id_idx on app_private.operational_events (org_id, created_at);

--! Included ops/retention.sql
-- Retention: each step removes (or blanks) at most `batch_size` rows past its window in one
-- short statement, so no step holds long locks; the job calls a step until it returns 0 and
-- logs the total in retention_runs. Windows come from workspace_settings (per org) or
-- app_private.platform_settings. Other domains run their own: auth audit and rate-limit
-- counters (identity_cleanup), transcripts (purge_transcripts).

create or replace function app_private.platform_setting(key text) returns interval
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select s.value from app_private.platform_settings s where s.key = platform_setting.key
$$;

create or replace function app_private.retention_steps() returns setof text
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select unnest(array['webhook_bodies', 'webhook_keys', 'delivery_attempts', 'delivery_messages',
                      'replay_guards', 'consent_tokens', 'operational_events', 'retention_runs'])
$$;

create or replace function app_private.retention_step(step text, batch_size int default 5000) returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  n bigint;
begin
  case step
  when 'webhook_bodies' then
    -- Processed events lose their body; the row (and its dedupe key) stays.
    update app_public.webhook_events e set payload = null
     where (e.org_id, e.id) in (
       select x.org_id, x.id from app_public.webhook_events x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.payload is not null and x.status = 'processed'
          and x.received_at < now() - s.webhook_body_retention
        limit batch_size);
  when 'webhook_keys' then
    delete from app_public.webhook_events e
     where (e.org_id, e.id) in (
       select x.org_id, x.id from app_public.webhook_events x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.status = 'processed' and x.received_at < now() - s.webhook_key_retention
        limit batch_size);
  when 'delivery_attempts' then
    delete from app_public.delivery_attempts a
     where (a.org_id, a.id) in (
       select x.org_id, x.id from app_public.delivery_attempts x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.attempted_at < now() - s.delivery_attempt_retention
        limit batch_size);
  when 'delivery_messages' then
    -- Messages with no delivery still pending; their deliveries and attempts go with them.
    delete from app_public.delivery_messages m
     where (m.org_id, m.id) in (
       select x.org_id, x.id from app_public.delivery_messages x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.created_at < now() - s.delivery_attempt_retention
          and not exists (select 1 from app_public.deliveries d where d.message_id = x.id and d.status = 'pending')
        limit batch_size);
  when 'replay_guards' then
    delete from app_private.lead_upload_hashes h
     where (h.org_id, h.content_sha256) in (
       select x.org_id, x.content_sha256 from app_private.lead_upload_hashes x
        where x.received_at < now() - app_private.platform_setting('replay_guard_retention')
        limit batch_size);
  when 'consent_tokens' then
    delete from app_private.consent_nonces c
     where c.nonce in (
       select x.nonce from app_private.consent_nonces x
        where x.expires_at < now() - app_private.platform_setting('consent_token_retention')
        limit batch_size);
  when 'operational_events' then
    delete from app_private.operational_events o
     where o.id in (select x.id from app_private.operational_events x
                     where x.created_at < now() - app_private.platform_setting('operational_event_retention')
                     order by x.id limit batch_size);
  when 'retention_runs' then
    delete from app_private.retention_runs r
     where r.id in (select x.id from app_private.retention_runs x
                     where x.finished_at < now() - app_private.platform_setting('retention_run_retention')
                     order by x.id limit batch_size);
  else
    raise exception 'unknown retention step %', step using errcode = '22023';
  end case;
  get diagnostics n = row_count;
  return n;
end
$$;

create or replace function app_private.log_retention_run(step text, removed bigint, started_at timestamptz) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_private.retention_runs (step, removed, started_at) values (step, removed, started_at)
$$;
--! EndIncluded ops/retention.sql

grant execute on function
  app_private.retention_steps(),
  app_private.retention_step(text, int),
  app_private.log_retention_run(text, bigint, timestamptz)
  to switchboard_worker;

------------------------------------------------------------------------------------------
-- Compliance: export_contact / erase_contact (admin RPCs, catalog-driven).

--! Included ops/compliance.sql
-- Data-subject requests. Both RPCs are admin-only and catalog-driven, so tables other
-- domains add later are covered without changes here:
--  * a row "belongs" to the contact when it carries the contact's id (contact_id), one of
--    its leads' ids (lead_id; leads matched by email or phone), one of its calls (call_id),
--    or mentions its email, phone or full name anywhere in its text;
--  * every table with an org_id column is searched, within the caller's org only.

create or replace function app_private.regex_escape(s text) returns text
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select regexp_replace(s, '([.^$*+?()\[\]{}|\\/-])', '\\\1', 'g')
$$;

-- Tables (schema-qualified) with an org_id column and their text-like columns.
create or replace function app_private.personal_data_columns()
  returns table (table_name text, columns text[], types text[], link_columns text[])
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select format('%I.%I', n.nspname, c.relname),
         array_agg(a.attname::text order by a.attnum) filter (where t.typname in ('text', 'varchar', 'citext', 'bpchar', 'jsonb', 'json', '_text', '_varchar', '_citext')
                                                           and a.attgenerated = ''),
         array_agg(format_type(a.atttypid, a.atttypmod) order by a.attnum) filter (where t.typname in ('text', 'varchar', 'citext', 'bpchar', 'jsonb', 'json', '_text', '_varchar', '_citext')
                                                           and a.attgenerated = ''),
         array_agg(a.attname::text) filter (where a.attname in ('id', 'contact_id', 'lead_id', 'call_id') and t.typname = 'uuid')
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    join pg_type t on t.oid = a.atttypid
   where n.nspname in ('app_public', 'app_private') and c.relkind in ('r', 'p')
     and not c.relispartition
     and exists (select 1 from pg_attribute o where o.attrelid = c.oid and o.attname = 'org_id' and not o.attisdropped)
     and format('%I.%I', n.nspname, c.relname) not in ('app_public.audit_log')
   group by n.nspname, c.relname
$$;

create or replace function app_private.contact_identity(org_id uuid, contact_id uuid,
  out contact app_public.contacts, out strong text, out full_pattern text, out linked uuid[])
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
declare
  terms text[] := '{}';
  names text[] := '{}';
begin
  select * into contact from app_public.contacts c where c.org_id = contact_identity.org_id and c.id = contact_id;
  if contact.id is null then
    raise exception 'contact not found' using errcode = 'PT404';
  end if;
  if contact.email is not null then terms := terms || app_private.regex_escape(contact.email::text); end if;
  if contact.phone is not null and length(contact.phone) >= 6 then terms := terms || app_private.regex_escape(contact.phone); end if;
  if contact.first_name is not null and contact.last_name is not null then
    terms := terms || ('\m' || app_private.regex_escape(contact.first_name) || '\s+' || app_private.regex_escape(contact.last_name) || '\M');
  end if;
  if length(contact.first_name) >= 2 then names := names || ('\m' || app_private.regex_escape(contact.first_name) || '\M'); end if;
  if length(contact.last_name) >= 2 then names := names || ('\m' || app_private.regex_escape(contact.last_name) || '\M'); end if;
  strong := case when cardinality(terms) > 0 then array_to_string(terms, '|') end;
  full_pattern := nullif(array_to_string(terms || names, '|'), '');
  linked := array[contact.id]
    || coalesce((select array_agg(l.id) from app_public.leads l
                  where l.org_id = contact_identity.org_id
                    and (l.email = contact.email or (contact.phone is not null and l.phone = contact.phone))), '{}')
    || coalesce((select array_agg(k.id) from app_public.calls k
                  where k.org_id = contact_identity.org_id and k.contact_id = contact.id), '{}');
end
$$;

-- The WHERE clause selecting a table's rows that belong to the contact.
create or replace function app_private.contact_rows_condition(org_id uuid, link_columns text[], strong text, linked uuid[])
  returns text
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select format('t.org_id = %L and (%s)', org_id,
    array_to_string(
      coalesce((select array_agg(format('t.%I = any (%L::uuid[])', c, linked)) from unnest(link_columns) c), '{}')
      || case when strong is not null then array[format('t::text ~* %L', strong)] else '{}'::text[] end
      || array['false'], ' or '))
$$;

-- Admin RPC: everything stored about a contact, as JSON: {contact, tables: {name: [rows]}}.
create or replace function app_public.export_contact(contact_id uuid) returns jsonb
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_public.current_org_id();
  ident record;
  tbl record;
  rows jsonb;
  result jsonb := '{}';
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins export contacts' using errcode = '42501';
  end if;
  select x.contact, x.strong, x.linked into ident from app_private.contact_identity(org, contact_id) x;
  for tbl in select * from app_private.personal_data_columns() p
              where p.table_name not like 'app_private.%secret%' and p.table_name not in ('app_private.sessions')
              order by p.table_name loop
    execute format('select jsonb_agg(to_jsonb(t)) from %s t where %s', tbl.table_name,
                   app_private.contact_rows_condition(org, tbl.link_columns, ident.strong, ident.linked))
      into rows;
    if rows is not null then
      result := result || jsonb_build_object(tbl.table_name, rows);
    end if;
  end loop;
  return jsonb_build_object('contact', to_jsonb(ident.contact), 'exported_at', now(), 'tables', result);
end
$$;

-- Admin RPC: removes the contact and its leads, and irreversibly replaces its email, phone
-- and name in every other row of the org (or nulls the value where a constraint refuses
-- the replacement), in one transaction. Aggregates (campaign counters, hourly metrics,
-- batch counts) are untouched. The audit trail keeps one entry with a hashed reference;
-- audit entries that carried the contact's data are removed.
create or replace function app_public.erase_contact(contact_id uuid) returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_public.current_org_id();
  ident record;
  person app_public.contacts;
  strong text;
  full_pattern text;
  linked uuid[];
  tbl record;
  col text;
  typ text;
  i int;
  cond text;
  n bigint;
  changed jsonb := '{}';
  ref text;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins erase contacts' using errcode = '42501';
  end if;
  select x.contact, x.strong, x.full_pattern, x.linked into ident from app_private.contact_identity(org, contact_id) x;
  person := ident.contact;
  strong := ident.strong;
  full_pattern := ident.full_pattern;
  linked := ident.linked;
  ref := encode(digest(org::text || ':' || person.id::text || ':' || coalesce(lower(person.email::text), ''), 'sha256'), 'hex');

  -- The contact and its leads go (email events, calls and appointments keep their rows,
  -- with contact_id set null by their foreign keys; counters are separate tables).
  delete from app_public.leads l where l.org_id = org and l.id = any (linked);
  get diagnostics n = row_count;
  changed := changed || jsonb_build_object('app_public.leads', n);
  delete from app_public.contacts c where c.org_id = org and c.id = person.id;

  -- Every other mention, in every table of the org.
  for tbl in select * from app_private.personal_data_columns() loop
    cond := app_private.contact_rows_condition(org, tbl.link_columns, strong, linked);
    for i in 1 .. coalesce(cardinality(tbl.columns), 0) loop
      col := tbl.columns[i];
      typ := tbl.types[i];
      -- Replace; where a constraint refuses that, null; where that is refused too, delete.
      begin
        execute format('update %s t set %I = regexp_replace(t.%I::text, %L, ''[erased]'', ''gi'')::%s where %s and t.%I::text ~* %L',
                       tbl.table_name, col, col, full_pattern, typ, cond, col, full_pattern);
        get diagnostics n = row_count;
      exception when others then
        begin
          execute format('update %s t set %I = null where %s and t.%I::text ~* %L',
                         tbl.table_name, col, cond, col, full_pattern);
          get diagnostics n = row_count;
        exception when others then
          execute format('delete from %s t where %s and t.%I::text ~* %L', tbl.table_name, cond, col, full_pattern);
          get diagnostics n = row_count;
        end;
      end;
      if n > 0 then
        changed := changed || jsonb_build_object(tbl.table_name || '.' || col, n);
      end if;
    end loop;
  end loop;

  -- The audit trail: entries that carried the data go; one entry records the erasure.
  perform set_config('switchboard.audit_retention', 'on', true);
  delete from app_public.audit_log a
   where a.org_id = org
     and (a.row_id = any (select x::text from unnest(linked) x)
          or coalesce(a.old_values::text, '') || ' ' || coalesce(a.new_values::text, '') ~* full_pattern);
  perform set_config('switchboard.audit_retention', 'off', true);
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (org, app_public.current_user_id(), 'app_public.contacts', 'erased:' || ref, 'delete', null,
          jsonb_build_object('erasure', ref, 'changed', changed));
  return jsonb_build_object('erased', true, 'reference', ref, 'changed', changed);
end
$$;
--! EndIncluded ops/compliance.sql

grant execute on function app_public.export_contact(uuid), app_public.erase_contact(uuid) to authenticated;

------------------------------------------------------------------------------------------
-- Backups: every verification (CLI `backup verify`, daily cron) is logged here.

create table app_private.backup_verification_log (
  id bigint generated always as identity primary key,
  verified_at timestamptz not null default now(),
  ok boolean not null,
  -- counts (per table, from the dump's snapshot), problems, dump size, duration.
  details jsonb not null default '{}',
  error text
);
create index backup_verification_log_verified_at_idx on app_private.backup_verification_log (verified_at);

--! Included ops/backups.sql
-- Backup verification: what a dump must reproduce, and the log of every verification.

-- Row counts of every table in app_public and app_private, and checksums of the critical
-- ones (every row's text, in order). Run by the owner (BYPASSRLS) or a superuser.
create or replace function app_private.backup_fingerprint() returns jsonb
  language plpgsql stable
  set search_path = pg_catalog, public
as $$
declare
  r record;
  n bigint;
  sum text;
  counts jsonb := '{}';
  checksums jsonb := '{}';
begin
  for r in
    select format('%I.%I', ns.nspname, c.relname) as name
      from pg_class c join pg_namespace ns on ns.oid = c.relnamespace
     where ns.nspname in ('app_public', 'app_private') and c.relkind in ('r', 'p') and c.relpersistence = 'p'
     order by 1
  loop
    execute format('select count(*) from %s', r.name) into n;
    counts := counts || jsonb_build_object(r.name, n);
  end loop;
  for r in select t as name from unnest(app_private.backup_critical_tables()) t where to_regclass(t) is not null loop
    execute format('select coalesce(md5(string_agg(x::text, %L order by x::text)), %L) from %s x', E'\n', 'empty', r.name) into sum;
    checksums := checksums || jsonb_build_object(r.name, sum);
  end loop;
  return jsonb_build_object('counts', counts, 'checksums', checksums);
end
$$;

create or replace function app_private.backup_critical_tables() returns text[]
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select array['app_public.organizations', 'app_public.users', 'app_public.memberships', 'app_private.user_secrets',
               'app_public.sources', 'app_private.source_secrets', 'app_public.campaigns', 'app_public.campaign_counters',
               'app_public.contacts', 'app_public.suppressions', 'app_public.leads', 'app_public.appointments',
               'app_public.delivery_endpoints', 'app_public.workspace_settings']
$$;

create or replace function app_private.backup_key_functions() returns text[]
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select array['app_private.check_session()', 'app_private.ingest_webhook_event(uuid,text,text,text,text,timestamptz,jsonb)',
               'app_public.retry_dead_letter(bigint)', 'app_public.current_org_id()', 'app_private.tg__audit()',
               'app_private.emit_event(uuid,text,jsonb,uuid)', 'app_public.erase_contact(uuid)', 'app_public.export_contact(uuid)']
$$;

create or replace function app_private.record_backup_verification(ok boolean, details jsonb, error text) returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  log_id bigint;
begin
  insert into app_private.backup_verification_log (ok, details, error)
  values (ok, details, left(error, 2000))
  returning id into log_id;
  if not ok then
    insert into app_private.operational_events (kind, severity, details)
    values ('backup_verification_failed', 'critical', jsonb_build_object('log_id', log_id, 'error', left(error, 500)));
  end if;
  return log_id;
end
$$;
--! EndIncluded ops/backups.sql

------------------------------------------------------------------------------------------
-- Observability: system_health (admins, own org) and the platform gauges behind /metrics.

--! Included ops/system_health.sql
-- Health at a glance, per org (admins, through app_public.system_health) and platform-wide
-- (the gateway's /metrics).

create or replace function app_private.system_health_for_current_org()
  returns table (org_id uuid, pending_events bigint, oldest_pending_event_seconds double precision,
                 open_dead_letters bigint, pending_deliveries bigint, dead_deliveries_24h bigint,
                 disabled_endpoints bigint, queued_jobs bigint, failing_jobs bigint,
                 last_feeder_run_at timestamptz, last_contactable_refresh_at timestamptz,
                 last_backup_verified_at timestamptz, last_backup_ok boolean, worker_heartbeat_seconds double precision,
                 checked_at timestamptz)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select o.id,
         (select count(*) from app_public.webhook_events e where e.org_id = o.id and e.status in ('pending', 'failed')),
         (select extract(epoch from now() - min(e.received_at)) from app_public.webhook_events e
           where e.org_id = o.id and e.status in ('pending', 'failed')),
         (select count(*) from app_public.dead_letters d where d.org_id = o.id and d.retried_at is null),
         (select count(*) from app_public.deliveries d where d.org_id = o.id and d.status = 'pending'),
         (select count(*) from app_public.deliveries d where d.org_id = o.id and d.status = 'dead' and d.created_at > now() - interval '1 day'),
         (select count(*) from app_public.delivery_endpoints e where e.org_id = o.id and not e.enabled),
         (select count(*) from graphile_worker._private_jobs j where j.payload ->> 'org_id' = o.id::text and j.attempts < j.max_attempts),
         (select count(*) from graphile_worker._private_jobs j where j.payload ->> 'org_id' = o.id::text and j.last_error is not null),
         (select max(r.started_at) from app_private.lead_feed_runs r where r.org_id = o.id),
         (select max(r.refreshed_at) from app_private.contactable_refresh_runs r where r.org_id = o.id),
         (select max(b.verified_at) from app_private.backup_verification_log b where b.ok),
         (select b.ok from app_private.backup_verification_log b order by b.id desc limit 1),
         app_private.seconds_since_worker_heartbeat(),
         now()
    from app_public.organizations o
   where o.id = app_public.current_org_id() and app_public.current_user_is_admin()
$$;

-- Platform-wide gauges for Prometheus (gateway /metrics).
create or replace function app_private.ops_metrics()
  returns table (name text, value double precision)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select 'switchboard_inbox_depth', count(*)::float8 from app_public.webhook_events where status in ('pending', 'failed')
  union all
  select 'switchboard_inbox_oldest_pending_seconds', coalesce(extract(epoch from now() - min(received_at)), 0)::float8
    from app_public.webhook_events where status in ('pending', 'failed')
  union all
  select 'switchboard_job_queue_depth', count(*)::float8 from graphile_worker.jobs where attempts < max_attempts
  union all
  select 'switchboard_jobs_failing', count(*)::float8 from graphile_worker.jobs where last_error is not null and attempts < max_attempts
  union all
  select 'switchboard_jobs_failed_permanently', count(*)::float8 from graphile_worker.jobs where attempts >= max_attempts
  union all
  select 'switchboard_dead_letters_open', count(*)::float8 from app_public.dead_letters where retried_at is null
  union all
  select 'switchboard_deliveries_pending', count(*)::float8 from app_public.deliveries where status = 'pending'
  union all
  select 'switchboard_worker_heartbeat_age_seconds', coalesce(app_private.seconds_since_worker_heartbeat(), -1)::float8
  union all
  select 'switchboard_backup_last_ok', coalesce((select ok::int from app_private.backup_verification_log order by id desc limit 1), -1)::float8
$$;

-- The gateway prefixes each statement with /* request_id=… */ (gateway/src/main.ts), so
-- SQL (and pg_stat_activity, slow-query logs) can tell which request it serves.
create or replace function app_private.current_request_id() returns text
  language sql stable
  set search_path = pg_catalog, public
as $$
  select substring(current_query() from '^/\* request_id=([A-Za-z0-9._:-]{1,100}) \*/')
$$;
--! EndIncluded ops/system_health.sql

create view app_public.system_health with (security_invoker = true) as
  select * from app_private.system_health_for_current_org();
grant select on app_public.system_health to authenticated;
grant execute on function app_private.system_health_for_current_org() to authenticated;
grant execute on function app_private.ops_metrics() to switchboard_gateway;
grant execute on function app_private.current_request_id() to authenticated, switchboard_gateway, switchboard_worker;

------------------------------------------------------------------------------------------
-- Alerts: rules in ops/alerts.sql, evaluated by the evaluate_alerts cron job.

-- Signature failures of known sources per minute (the gateway records them; unlogged:
-- only the last 15 minutes matter).
create unlogged table app_private.signature_failures (
  source_id uuid not null references app_public.sources (id) on delete cascade,
  minute timestamptz not null,
  failures int not null default 0,
  primary key (source_id, minute)
);

create table app_private.alert_state (
  id bigint generated always as identity primary key,
  org_id uuid references app_public.organizations on delete cascade,
  rule text not null,
  key text not null,
  severity text not null,
  message text not null,
  raised_at timestamptz not null default now(),
  resolved_at timestamptz
);
create unique index alert_state_open_key on app_private.alert_state (coalesce(org_id, '00000000-0000-0000-0000-000000000000'), rule, key)
  where resolved_at is null;
create index alert_state_org_id_idx on app_private.alert_state (org_id);

--! Included ops/alerts.sql
-- Operational alerts: rules evaluated by the evaluate_alerts cron job. A firing rule raises
-- once (alert_state keeps it open), is published as an `alert.raised` event through the
-- org's outbound endpoints (the body carries a top-level "text", so a Slack-compatible
-- incoming webhook shows it) and recorded in operational_events; when the rule stops
-- firing, `alert.resolved` follows. Platform alerts (backups) go to the operator's org
-- (OPS_ALERT_ORG_ID, passed in by the job) and to operational_events.

create or replace function app_private.record_signature_failure(source_id uuid) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_private.signature_failures (source_id, minute, failures)
  values (source_id, date_trunc('minute', now()), 1)
  on conflict (source_id, minute) do update set failures = app_private.signature_failures.failures + 1
$$;

-- What fires now: (org_id, rule, key, severity, message, value, threshold).
create or replace function app_private.firing_alerts(platform_org uuid)
  returns table (org_id uuid, rule text, key text, severity text, message text, value double precision, threshold double precision)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  -- Signature failures over 5 % of a source's requests in the last 15 minutes (at least 20 requests).
  select s.org_id, 'signature_failure_rate', s.id::text, 'warning',
         format('Source %s (%s): %s of %s webhook requests in 15 min failed signature checks', s.name, s.provider, f.n, f.n + a.n),
         f.n::float8 / (f.n + a.n), 0.05
    from app_public.sources s
    cross join lateral (select coalesce(sum(x.failures), 0) as n from app_private.signature_failures x
                         where x.source_id = s.id and x.minute >= now() - interval '15 minutes') f
    cross join lateral (select count(*) as n from app_public.webhook_events e
                         where e.org_id = s.org_id and e.source_id = s.id and e.received_at >= now() - interval '15 minutes') a
   where f.n > 0 and f.n + a.n >= 20 and f.n::float8 / (f.n + a.n) > 0.05
  union all
  -- More than 100 dead letters waiting.
  select d.org_id, 'dead_letters', 'open', 'warning', format('%s dead letters are waiting for a retry', count(*)), count(*), 100
    from app_public.dead_letters d where d.retried_at is null
   group by d.org_id having count(*) > 100
  union all
  -- A contactable refresh or feeder run that failed (its job errored).
  select (j.payload ->> 'org_id')::uuid, 'lead_job_failed', t.identifier, 'critical',
         format('%s failed: %s', t.identifier, left(j.last_error, 200)), j.attempts, 0
    from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
   where t.identifier in ('refresh_contactable_leads', 'feed_leads') and j.last_error is not null
     and j.payload ->> 'org_id' is not null
  union all
  -- The last backup verification failed.
  select platform_org, 'backup_verification_failed', 'latest', 'critical',
         format('Backup verification %s failed: %s', b.id, left(b.error, 300)), 1, 0
    from (select * from app_private.backup_verification_log order by id desc limit 1) b
   where not b.ok and platform_org is not null
  union all
  -- A table lost more than 10 % of its rows between the last two verifications.
  select platform_org, 'row_count_drop', c.key, 'critical',
         format('%s dropped from %s to %s rows between backup verifications', c.key, c.prev, c.cur),
         1 - c.cur::float8 / c.prev, 0.10
    from (select (p.details -> 'counts' ->> k.key)::bigint as prev, (l.details -> 'counts' ->> k.key)::bigint as cur, k.key
            from (select * from app_private.backup_verification_log where details ? 'counts' and details -> 'counts' <> '{}'
                   order by id desc limit 1) l
            join lateral (select * from app_private.backup_verification_log p
                           where p.id < l.id and p.details ? 'counts' and p.details -> 'counts' <> '{}'
                           order by p.id desc limit 1) p on true
            cross join lateral jsonb_object_keys(p.details -> 'counts') k(key)) c
   where platform_org is not null and c.prev >= 10 and coalesce(c.cur, 0) < 0.9 * c.prev
$$;

create or replace function app_private.evaluate_alerts(platform_org uuid default null) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  a record;
  raised int := 0;
begin
  for a in select * from app_private.firing_alerts(platform_org) f
            where not exists (select 1 from app_private.alert_state s
                               where s.org_id is not distinct from f.org_id and s.rule = f.rule and s.key = f.key
                                 and s.resolved_at is null)
  loop
    insert into app_private.alert_state (org_id, rule, key, severity, message) values (a.org_id, a.rule, a.key, a.severity, a.message);
    insert into app_private.operational_events (org_id, kind, severity, details)
    values (a.org_id, 'alert.' || a.rule, a.severity, jsonb_build_object('key', a.key, 'message', a.message, 'value', a.value, 'threshold', a.threshold));
    if a.org_id is not null then
      perform app_private.emit_event(a.org_id, 'alert.raised', jsonb_build_object(
        'rule', a.rule, 'key', a.key, 'severity', a.severity, 'value', a.value, 'threshold', a.threshold,
        'text', format('[%s] %s', upper(a.severity), a.message)));
    end if;
    raised := raised + 1;
  end loop;
  for a in
    update app_private.alert_state s set resolved_at = now()
     where s.resolved_at is null
       and not exists (select 1 from app_private.firing_alerts(platform_org) f
                        where f.org_id is not distinct from s.org_id and f.rule = s.rule and f.key = s.key)
    returning s.org_id, s.rule, s.key, s.message
  loop
    if a.org_id is not null then
      perform app_private.emit_event(a.org_id, 'alert.resolved', jsonb_build_object(
        'rule', a.rule, 'key', a.key, 'text', format('[RESOLVED] %s', a.message)));
    end if;
  end loop;
  delete from app_private.signature_failures f where f.minute < now() - interval '1 hour';
  return raised;
end
$$;
--! EndIncluded ops/alerts.sql

grant execute on function app_private.record_signature_failure(uuid) to switchboard_gateway;
grant execute on function app_private.evaluate_alerts(uuid) to switchboard_worker;
