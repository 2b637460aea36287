-- Foundation: schemas, tenancy, audit log, sessions, health.

create schema app_public;
create schema app_private;

-- Functions are not executable by everyone unless granted below.
alter default privileges revoke execute on functions from public;

grant usage on schema app_public to anon, authenticated, switchboard_gateway, switchboard_worker;
-- app_private holds no table grants; these roles only reach the functions granted to them.
grant usage on schema app_private to anon, authenticated, switchboard_gateway, switchboard_worker;

--!include tenancy/claims.sql
--!include tenancy/timezone.sql

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

--!include tenancy/audit.sql
--!include tenancy/organizations.sql

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

--!include identity/login.sql

------------------------------------------------------------------------------------------
-- Ops: worker heartbeat for /ready.

create table app_private.worker_heartbeats (
  worker_id text primary key,
  beat_at timestamptz not null
);

--!include ops/health.sql

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
