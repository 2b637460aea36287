-- Issue 19: security hardening (erasure scope, invitations, id exposure, member visibility,
-- sending-account credentials). Idempotent: re-run on every migrate.

-- Erasure: an explicit scope instead of a catalog-wide text search (db/functions/ops/compliance.sql).
drop function if exists app_private.contact_identity(uuid, uuid);
--!include ops/compliance.sql

-- Sending accounts: a changed server or login forgets the password and disables the account.
--!include security/sending_accounts.sql
--!include outreach/sending_accounts.sql

-- Finding 5: no client-chosen ids; ids that carry nothing about other orgs.
revoke insert (id) on app_public.resources from authenticated;
revoke insert (id) on app_public.agents from authenticated;

-- Time-ordered ids for the tables whose global identity counter showed other orgs' activity
-- through its gaps: milliseconds since 2024, then 12 bits that are a shared counter passed
-- through a secret random permutation (drawn once, here). Ordering by id still follows time
-- (existing rows keep their smaller ids); two ids of one org tell when, never how many rows
-- others wrote in between; ids stay unique (4,096 a millisecond) and below 2^53, so
-- JavaScript clients read them exactly (until 2093).
create sequence if not exists app_private.opaque_id_seq;
create table if not exists app_private.opaque_id_permutation (
  only_row boolean primary key default true check (only_row),
  perm int[] not null check (cardinality(perm) = 4096)
);
insert into app_private.opaque_id_permutation (perm)
select array_agg(i order by random()) from generate_series(0, 4095) i
on conflict do nothing;
revoke all on app_private.opaque_id_permutation from public;
create or replace function app_private.opaque_id() returns bigint
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select (floor(extract(epoch from clock_timestamp() - timestamptz '2024-01-01 00:00:00+00') * 1000)::bigint << 12)
         | p.perm[(nextval('app_private.opaque_id_seq') % 4096)::int + 1]
    from app_private.opaque_id_permutation p
$$;
revoke all on function app_private.opaque_id() from public;
do $$
declare
  t text;
begin
  foreach t in array array['audit_log', 'dead_letters', 'auth_events', 'pipeline_events', 'delivery_attempts', 'workspace_settings_history'] loop
    if exists (select 1 from pg_attribute a where a.attrelid = format('app_public.%I', t)::regclass and a.attname = 'id' and a.attidentity <> '') then
      execute format('alter table app_public.%I alter column id drop identity', t);
    end if;
    execute format('alter table app_public.%I alter column id set default app_private.opaque_id()', t);
  end loop;
end
$$;

-- Finding 6: raw inbox bodies are for admins; members see the pipeline events of what they may see.
drop policy if exists select_own_org on app_public.webhook_events;
drop policy if exists admins_select on app_public.webhook_events;
create policy admins_select on app_public.webhook_events for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

drop policy if exists select_own_org on app_public.pipeline_events;
drop policy if exists select_visible on app_public.pipeline_events;
create policy select_visible on app_public.pipeline_events for select to authenticated
  using (org_id = (select app_public.current_org_id())
         and ((select app_public.current_user_is_admin())
              or actor_id = (select app_public.current_user_id())
              or exists (select 1 from app_public.appointments a where a.org_id = pipeline_events.org_id and a.id = pipeline_events.subject_id)
              or exists (select 1 from app_public.calls k where k.org_id = pipeline_events.org_id and k.id = pipeline_events.subject_id)
              or exists (select 1 from app_public.leads l where l.org_id = pipeline_events.org_id and l.id = pipeline_events.subject_id
                                                          and l.assigned_to = (select app_public.current_user_id()))));

-- Finding 4: memberships come from invitations (or the operator CLI), never from a direct insert.
drop policy if exists admins_insert on app_public.memberships;
revoke insert on app_public.memberships from authenticated;

create table if not exists app_public.invitations (
  org_id uuid not null references app_public.organizations (id) on delete cascade,
  id uuid not null default gen_random_uuid(),
  email public.citext not null,
  role text not null check (role in ('owner', 'admin', 'member')),
  token_hash bytea not null unique,
  invited_by uuid references app_public.users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz,
  accepted_by uuid references app_public.users (id) on delete set null,
  revoked_at timestamptz,
  primary key (org_id, id),
  unique (id)
);
create index if not exists invitations_org_email on app_public.invitations (org_id, email);
alter table app_public.invitations enable row level security;
alter table app_public.invitations force row level security;
revoke all on app_public.invitations from public, anon, authenticated;
grant select (org_id, id, email, role, invited_by, created_at, expires_at, accepted_at, accepted_by, revoked_at)
  on app_public.invitations to authenticated;
drop policy if exists admins_select on app_public.invitations;
create policy admins_select on app_public.invitations for select to authenticated
  using (org_id = (select app_public.current_org_id()) and (select app_public.current_user_is_admin()));

-- 'invitation_accepted' joins the auth events (added to whatever list the constraint has now).
do $$
declare
  def text;
begin
  select pg_get_constraintdef(c.oid) into def from pg_constraint c
   where c.conname = 'auth_events_event_check' and c.conrelid = 'app_public.auth_events'::regclass;
  if def is not null and def not like '%invitation_accepted%' then
    alter table app_public.auth_events drop constraint auth_events_event_check;
    execute 'alter table app_public.auth_events add constraint auth_events_event_check '
         || regexp_replace(def, '\]', ', ''invitation_accepted''::text]');
  end if;
end
$$;

--!include security/invitations.sql
revoke all on function app_public.invite_member(text, text) from public;
revoke all on function app_public.revoke_invitation(uuid) from public;
grant execute on function app_public.invite_member(text, text) to authenticated;
grant execute on function app_public.revoke_invitation(uuid) to authenticated;
revoke all on function app_private.claim_invitation(text) from public;
revoke all on function app_private.accept_invitation(text, uuid) from public;
revoke all on function app_private.accept_invitation_with_password(text, text) from public;
revoke all on function app_private.accept_invitation_for_session(text, uuid) from public;
grant execute on function app_private.accept_invitation_for_session(text, uuid) to switchboard_gateway;
grant execute on function app_private.accept_invitation_with_password(text, text) to switchboard_gateway;
