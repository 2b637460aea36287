-- Sending accounts: an org's own SMTP mailboxes. The password is pgcrypto-encrypted under
-- ENCRYPTION_KEY, which callers pass per call (exactly as source secrets); it is never stored.

create or replace function app_private.create_sending_account(
  org_id uuid, name text, from_email citext, from_name text, smtp_host text, smtp_port int,
  smtp_secure boolean, smtp_user text, smtp_password text, daily_cap int, encryption_key text)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  id uuid;
begin
  insert into app_public.sending_accounts (org_id, name, from_email, from_name, smtp_host, smtp_port, smtp_secure, smtp_user, daily_cap)
  values (create_sending_account.org_id, coalesce(create_sending_account.name, create_sending_account.from_email::text),
          create_sending_account.from_email, create_sending_account.from_name, create_sending_account.smtp_host,
          create_sending_account.smtp_port, create_sending_account.smtp_secure, create_sending_account.smtp_user,
          create_sending_account.daily_cap)
  returning sending_accounts.id into id;
  insert into app_private.sending_account_secrets (org_id, account_id, password_encrypted)
  values (create_sending_account.org_id, id, pgp_sym_encrypt(smtp_password, encryption_key));
  return id;
end
$$;

-- A new password (after an authentication failure, or after the server or login changed)
-- is stored and re-enables the account.
create or replace function app_private.set_sending_account_password(account_id uuid, smtp_password text, encryption_key text)
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  org uuid;
begin
  select a.org_id into org from app_public.sending_accounts a where a.id = set_sending_account_password.account_id;
  if org is null then
    return false;
  end if;
  insert into app_private.sending_account_secrets as s (org_id, account_id, password_encrypted)
  values (org, set_sending_account_password.account_id, pgp_sym_encrypt(smtp_password, encryption_key))
  on conflict (org_id, account_id)
  do update set password_encrypted = excluded.password_encrypted, updated_at = now();
  update app_public.sending_accounts a set enabled = true, disabled_reason = null
   where a.id = set_sending_account_password.account_id;
  return true;
end
$$;

-- The account's local day (the cap's day) in the org's time zone.
create or replace function app_private.local_day(tz text, at timestamptz default now()) returns date
  language sql stable parallel safe
as $$
  select (at at time zone tz)::date
$$;

-- The first instant at or after `after` inside the window (days are ISO weekdays, 1 = Monday;
-- hours on the org's wall clock, end exclusive). skip_today: the earliest is the next local day.
create or replace function app_private.next_window_start(
  days smallint[], starts time, ends time, tz text, after timestamptz, skip_today boolean default false)
  returns timestamptz
  language plpgsql stable
  set search_path = pg_catalog, public
as $$
declare
  local_now timestamp := after at time zone tz;
  d date;
begin
  for i in 0..8 loop
    d := local_now::date + i;
    continue when i = 0 and skip_today;
    continue when not (extract(isodow from d)::smallint = any(days));
    if i = 0 then
      if local_now::time < starts then
        return (d + starts) at time zone tz;
      elsif local_now::time < ends or ends = '24:00' then
        return after;
      end if;
      continue;
    end if;
    return (d + starts) at time zone tz;
  end loop;
  return null;
end
$$;

-- Disables the account after an SMTP authentication failure and records an operational event.
create or replace function app_private.disable_sending_account(account_id uuid, reason text, error text)
  returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  acc app_public.sending_accounts;
begin
  update app_public.sending_accounts a set enabled = false, disabled_reason = reason
   where a.id = disable_sending_account.account_id and a.enabled
  returning * into acc;
  if found then
    insert into app_private.operational_events (org_id, kind, severity, details)
    values (acc.org_id, 'sending_account_disabled', 'warning',
            jsonb_build_object('account_id', acc.id, 'from_email', acc.from_email, 'reason', reason,
                               'error', left(error, 300)));
  end if;
end
$$;
