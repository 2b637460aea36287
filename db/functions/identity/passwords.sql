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
