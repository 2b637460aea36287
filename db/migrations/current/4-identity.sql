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

--!include identity/auth_events.sql

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

--!include identity/mfa.sql
--!include identity/lockout.sql
--!include identity/sessions.sql

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

--!include identity/passwords.sql

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

--!include identity/flags.sql

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

--!include identity/quotas.sql

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

--!include identity/sso.sql

grant execute on function
  app_private.sso_begin(uuid, text, text, text, text),
  app_private.sso_take_state(text, text),
  app_private.sso_login(uuid, text, text, citext, boolean, inet, text, interval)
  to switchboard_gateway;
