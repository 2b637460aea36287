-- Password login. Unknown emails and wrong passwords cost the same bcrypt work and
-- return the same empty result, so the caller cannot tell them apart.
create or replace function app_private.login(
  email citext, password text, requested_org_id uuid default null,
  ip inet default null, user_agent text default null, session_ttl interval default '30 days')
  returns table (user_id uuid, org_id uuid, org_role text, session_id uuid, refresh_token text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  uid uuid;
  stored_hash text;
  member record;
  token text := encode(gen_random_bytes(32), 'hex');
begin
  select u.id, s.password_hash into uid, stored_hash
    from app_public.users u join app_private.user_secrets s on s.user_id = u.id
   where u.email = login.email;
  if stored_hash is null then
    perform crypt(coalesce(password, ''), gen_salt('bf', 10));
    return;
  end if;
  if crypt(coalesce(password, ''), stored_hash) is distinct from stored_hash then
    return;
  end if;
  -- A user in several orgs names one; otherwise the oldest membership is used.
  select m.org_id, m.role into member
    from app_public.memberships m
   where m.user_id = uid and (requested_org_id is null or m.org_id = requested_org_id)
   order by m.created_at, m.org_id
   limit 1;
  if not found then
    return;
  end if;
  insert into app_private.sessions (user_id, org_id, refresh_token_hash, ip, user_agent, expires_at)
  values (uid, member.org_id, digest(token, 'sha256'), login.ip, login.user_agent, now() + session_ttl)
  returning uid, member.org_id, member.role, id, token
  into user_id, org_id, org_role, session_id, refresh_token;
  return next;
end
$$;

-- PostgREST db-pre-request: a JWT whose session was revoked or has expired is refused
-- on the very next request, whatever the token's own exp says.
create or replace function app_private.check_session() returns void
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
declare
  sid uuid := app_public.current_session_id();
begin
  -- Anonymous requests carry no claims; every JWT we issue names a session.
  if coalesce(app_public.current_claims() ->> 'role', 'anon') = 'anon' then
    return;
  end if;
  if sid is null or not exists (
       select 1 from app_private.sessions s
        where s.id = sid and s.revoked_at is null and s.expires_at > now()) then
    raise exception 'session is no longer valid'
      using errcode = 'PT401', detail = 'session_revoked',
            hint = 'log in again';
  end if;
end
$$;
