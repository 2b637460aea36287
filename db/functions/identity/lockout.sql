-- Brute-force protection keyed by the email as typed (citext), whether or not an account
-- has it, so a locked unknown email looks exactly like a locked real one.
create or replace function app_private.is_locked_out(email citext) returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select exists (select 1 from app_private.account_lockouts l
                  where l.email = is_locked_out.email and l.locked_until > now())
$$;

-- Records a failed attempt; the 10th failure within 15 minutes (since the last success)
-- locks the email for 15 minutes. Serialized per email so concurrent failures all count.
-- Returns true when this failure caused the lock.
create or replace function app_private.record_login_failure(
  email citext, user_id uuid, ip inet, outcome text,
  max_failures int default 10, failure_window interval default '15 minutes',
  lock_for interval default '15 minutes')
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  last_success timestamptz;
  failures int;
begin
  insert into app_private.login_attempts (email, user_id, ip, outcome)
  values (record_login_failure.email, record_login_failure.user_id, record_login_failure.ip, record_login_failure.outcome);
  perform pg_advisory_xact_lock(hashtextextended('switchboard.login:' || lower(record_login_failure.email::text), 0));
  select max(a.at) into last_success from app_private.login_attempts a
   where a.email = record_login_failure.email and a.outcome = 'success' and a.at > now() - failure_window;
  select count(*) into failures from app_private.login_attempts a
   where a.email = record_login_failure.email
     and a.outcome in ('invalid_credentials', 'mfa_failed')
     and a.at > greatest(now() - failure_window, coalesce(last_success, '-infinity'));
  if failures >= max_failures and not app_private.is_locked_out(record_login_failure.email) then
    insert into app_private.account_lockouts as l (email, locked_until)
    values (record_login_failure.email, now() + lock_for)
    on conflict on constraint account_lockouts_pkey do update set locked_at = now(), locked_until = excluded.locked_until;
    if record_login_failure.user_id is not null then
      perform app_private.record_auth_event('account_locked', record_login_failure.user_id, null, null,
                                            record_login_failure.ip, null,
                                            jsonb_build_object('failures', failures, 'locked_until', now() + lock_for));
    end if;
    return true;
  end if;
  return false;
end
$$;
