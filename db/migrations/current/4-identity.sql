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
