-- Invitations: the only way into an org besides the operator CLI (`switchboard user add`).
-- An admin invites an email address with a role; the invitee receives a single-use link
-- (a 256-bit random token, stored only as its SHA-256, valid INVITATION_TTL — 7 days) through
-- the mail hand-off job `send_invitation_email`, and accepts it either while logged in as
-- the invited address, or as a new user by choosing a password. Memberships cannot be
-- inserted through the API at all.

-- Admin RPC: invite an address (owners may invite owners). Re-inviting a pending address
-- replaces its earlier link. Returns {invitation_id, email, role, expires_at}; never the token.
create or replace function app_public.invite_member(email text, role text default 'member')
  returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_public.current_org_id();
  address public.citext := app_private.normalize_email(invite_member.email);
  token text := encode(public.gen_random_bytes(32), 'hex');
  inv app_public.invitations;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins invite members' using errcode = '42501';
  end if;
  if address is null then
    raise exception 'invalid email address' using errcode = '22023';
  end if;
  if invite_member.role is null or invite_member.role not in ('owner', 'admin', 'member') then
    raise exception 'role must be owner, admin or member' using errcode = '22023';
  end if;
  if invite_member.role = 'owner' and app_public.current_org_role() <> 'owner' then
    raise exception 'only owners invite owners' using errcode = '42501';
  end if;
  -- At most 50 invitations per org per hour: an invitation sends mail.
  if (select count(*) from app_public.invitations i where i.org_id = org and i.created_at > now() - interval '1 hour') >= 50 then
    raise exception 'too many invitations; try again later' using errcode = '54000';
  end if;
  update app_public.invitations i set revoked_at = now()
   where i.org_id = org and i.email = address and i.accepted_at is null and i.revoked_at is null;
  insert into app_public.invitations (org_id, email, role, token_hash, invited_by, expires_at)
  values (org, address, invite_member.role, public.digest(token, 'sha256'), app_public.current_user_id(),
          now() + coalesce(nullif(current_setting('switchboard.invitation_ttl', true), '')::interval, interval '7 days'))
  returning * into inv;
  perform graphile_worker.add_job('send_invitation_email',
    json_build_object('invitation_id', inv.id, 'org_id', org, 'email', address, 'role', inv.role, 'token', token),
    max_attempts := 5);
  return jsonb_build_object('invitation_id', inv.id, 'email', inv.email, 'role', inv.role, 'expires_at', inv.expires_at);
end
$$;

-- Admin RPC: withdraw a pending invitation (its link stops working at once).
create or replace function app_public.revoke_invitation(invitation_id uuid) returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins revoke invitations' using errcode = '42501';
  end if;
  update app_public.invitations i set revoked_at = now()
   where i.org_id = app_public.current_org_id() and i.id = revoke_invitation.invitation_id
     and i.accepted_at is null and i.revoked_at is null;
  return found;
end
$$;

-- The live invitation a token names, locked; none when unknown, used, revoked or expired.
create or replace function app_private.claim_invitation(token text) returns app_public.invitations
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select i.* from app_public.invitations i
   where i.token_hash = public.digest(claim_invitation.token, 'sha256')
     and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
   for update
$$;

-- Gateway: accept as a logged-in user, whose address must be the invited one.
-- status: ok | invalid_token | wrong_user. An existing membership keeps its role.
create or replace function app_private.accept_invitation(token text, user_id uuid,
  out status text, out org_id uuid, out role text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  inv app_public.invitations;
begin
  inv := app_private.claim_invitation(token);
  if inv.id is null then
    status := 'invalid_token';
    return;
  end if;
  if not exists (select 1 from app_public.users u where u.id = accept_invitation.user_id and u.email = inv.email) then
    status := 'wrong_user';
    return;
  end if;
  insert into app_public.memberships (org_id, user_id, role)
  values (inv.org_id, accept_invitation.user_id, inv.role)
  on conflict do nothing;
  update app_public.invitations i set accepted_at = now(), accepted_by = accept_invitation.user_id where i.id = inv.id;
  perform app_private.record_auth_event('invitation_accepted', accept_invitation.user_id, inv.org_id,
                                        detail := jsonb_build_object('invitation_id', inv.id, 'role', inv.role));
  status := 'ok';
  org_id := inv.org_id;
  role := inv.role;
end
$$;

-- Gateway: accept as a new user who sets a password.
-- status: ok | invalid_token | weak_password | login_required (the address already has a user).
create or replace function app_private.accept_invitation_with_password(token text, password text,
  out status text, out org_id uuid, out user_id uuid, out email text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  inv app_public.invitations;
  acc record;
begin
  if password is null or length(password) < 8 or length(password) > 1024 then
    status := 'weak_password';
    return;
  end if;
  inv := app_private.claim_invitation(token);
  if inv.id is null then
    status := 'invalid_token';
    return;
  end if;
  if exists (select 1 from app_public.users u where u.email = inv.email) then
    status := 'login_required';
    return;
  end if;
  user_id := app_private.ensure_user(inv.email, password);
  select * into acc from app_private.accept_invitation(token, user_id);
  status := acc.status;
  org_id := acc.org_id;
  email := inv.email::text;
end
$$;

-- Gateway: accept for the user of a live session (the caller's bearer token).
-- status: ok | invalid_token | wrong_user | session_ended.
create or replace function app_private.accept_invitation_for_session(token text, session_id uuid,
  out status text, out org_id uuid, out role text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  uid uuid;
  acc record;
begin
  select s.user_id into uid from app_private.sessions s
   where s.id = accept_invitation_for_session.session_id and s.revoked_at is null and s.expires_at > now();
  if uid is null then
    status := 'session_ended';
    return;
  end if;
  select * into acc from app_private.accept_invitation(token, uid);
  status := acc.status;
  org_id := acc.org_id;
  role := acc.role;
end
$$;
