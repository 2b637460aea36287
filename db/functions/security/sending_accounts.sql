-- A sending account's stored password belongs to one server and one login. Changing
-- smtp_host, smtp_port or smtp_user forgets it and disables the account until the operator
-- enters a password again (`switchboard account password`): otherwise an admin could point
-- the host at a server of their own and receive the operator's password with the next send.
-- An account without a stored password cannot be enabled.
create or replace function app_private.tg_sending_accounts__credentials() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if (new.smtp_host, new.smtp_port, new.smtp_user) is distinct from (old.smtp_host, old.smtp_port, old.smtp_user) then
    delete from app_private.sending_account_secrets s where s.account_id = new.id;
    new.enabled := false;
    new.disabled_reason := 'credentials_changed';
  elsif new.enabled and not old.enabled
        and not exists (select 1 from app_private.sending_account_secrets s where s.account_id = new.id) then
    raise exception 'this sending account has no password: enter it again (switchboard account password) to enable it'
      using errcode = '22023';
  end if;
  return new;
end
$$;

drop trigger if exists tg_sending_accounts__credentials on app_public.sending_accounts;
create trigger tg_sending_accounts__credentials
  before update on app_public.sending_accounts
  for each row execute function app_private.tg_sending_accounts__credentials();
