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
