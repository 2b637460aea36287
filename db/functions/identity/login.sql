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
  -- A read replica (a standby in recovery) cannot read the unlogged request counters: there
  -- the session, role and MFA checks run as everywhere, and the quota is left to the primary
  -- (reads never count against it; only writes, which always reach the primary, do).
  if pg_is_in_recovery() then
    select x.user_id, x.org_id, m.role,
           o.require_mfa and x.auth_method = 'password' and not exists (select 1 from app_private.user_mfa f
                                          where f.user_id = x.user_id and f.enabled_at is not null) as needs_mfa
      into s
      from app_private.sessions x
      left join app_public.memberships m on m.org_id = x.org_id and m.user_id = x.user_id
      left join app_public.organizations o on o.id = x.org_id
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
    return;
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
