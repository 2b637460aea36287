-- The console's Sequences page (owners and admins): sending accounts (the password is
-- encrypted under ENCRYPTION_KEY and never readable afterwards; the two functions that take
-- it are called through the gateway's POST /console/rpc/{name}, see console/sources.sql),
-- today's use against the cap, step order and the preview's variables.

create or replace function app_private.console_create_sending_account(
  encryption_key text, from_email text, smtp_host text, smtp_user text, smtp_password text,
  name text default null, from_name text default null, smtp_port int default 587,
  smtp_secure boolean default false, daily_cap int default 50)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  perform app_public.require_org_admin();
  if coalesce(smtp_password, '') = '' then
    raise exception 'the SMTP password is required' using errcode = '22023', hint = 'password_required';
  end if;
  return app_private.create_sending_account(
    app_public.current_org_id(), nullif(btrim(name), ''), btrim(from_email)::citext, nullif(btrim(from_name), ''),
    btrim(smtp_host), coalesce(smtp_port, 587), coalesce(smtp_secure, false), btrim(smtp_user), smtp_password,
    coalesce(daily_cap, 50), encryption_key);
end
$$;

-- A new password re-enables the account (after an authentication failure disabled it).
create or replace function app_private.console_set_sending_account_password(encryption_key text, account_id uuid, smtp_password text)
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  perform app_public.require_org_admin();
  if coalesce(smtp_password, '') = '' then
    raise exception 'the SMTP password is required' using errcode = '22023', hint = 'password_required';
  end if;
  if not exists (select 1 from app_public.sending_accounts a
                  where a.org_id = app_public.current_org_id() and a.id = console_set_sending_account_password.account_id) then
    raise exception 'sending account not found' using errcode = 'PT404', hint = 'account_not_found';
  end if;
  perform app_private.set_sending_account_password(account_id, smtp_password, encryption_key);
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (app_public.current_org_id(), app_public.current_user_id(), 'app_private.sending_account_secrets',
          account_id::text, 'update', null, jsonb_build_object('password', 'changed'));
  return true;
end
$$;

-- Today's sends (the org's local day) against each account's cap.
create or replace function app_public.sending_account_usage_today()
  returns table (account_id uuid, local_day date, sent int, daily_cap int)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select a.id, d.day, coalesce(u.sent, 0), a.daily_cap
    from app_public.sending_accounts a
    join app_public.organizations o on o.id = a.org_id
    cross join lateral (select app_private.local_day(o.timezone) as day) d
    left join app_private.sending_account_usage u on u.account_id = a.id and u.local_day = d.day
   where app_public.require_org_admin() and a.org_id = app_public.current_org_id()
   order by a.created_at
$$;

-- Moves a step one place up (-1) or down (+1), swapping with its neighbour.
create or replace function app_public.move_sequence_step(step_id uuid, direction int)
  returns void
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  s app_public.sequence_steps;
  other app_public.sequence_steps;
  spare int;
begin
  perform app_public.require_org_admin();
  select * into s from app_public.sequence_steps x where x.org_id = app_public.current_org_id() and x.id = step_id for update;
  if not found then
    raise exception 'step not found' using errcode = 'PT404', hint = 'step_not_found';
  end if;
  perform pg_advisory_xact_lock(hashtext('sequence_steps'), hashtext(s.campaign_id::text));
  select * into other from app_public.sequence_steps x
   where x.campaign_id = s.campaign_id
     and case when direction < 0 then x.position < s.position else x.position > s.position end
   order by case when direction < 0 then -x.position else x.position end
   limit 1 for update;
  if not found then
    return;
  end if;
  -- (campaign_id, position) is unique: park one step on a free position first.
  select p into spare from generate_series(100, 1, -1) p
   where not exists (select 1 from app_public.sequence_steps x where x.campaign_id = s.campaign_id and x.position = p)
   limit 1;
  if spare is null then
    raise exception 'a sequence holds at most 99 steps to reorder' using errcode = '22023';
  end if;
  update app_public.sequence_steps x set position = spare where x.id = s.id;
  update app_public.sequence_steps x set position = s.position where x.id = other.id;
  update app_public.sequence_steps x set position = other.position where x.id = s.id;
end
$$;

-- The variables a step is rendered with for a contact, as claim_emails builds them
-- (contact attributes, then email, first_name, last_name, company, phone), for the preview.
create or replace function app_public.email_preview_variables(contact_id uuid)
  returns jsonb
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select k.attributes
         || jsonb_strip_nulls(jsonb_build_object('email', k.email, 'first_name', k.first_name, 'last_name', k.last_name,
                                                 'company', k.company, 'phone', k.phone))
    from app_public.contacts k
   where app_public.require_org_admin() and k.org_id = app_public.current_org_id() and k.id = email_preview_variables.contact_id
$$;
