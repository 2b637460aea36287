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
