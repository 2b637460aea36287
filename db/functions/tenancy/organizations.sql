-- Operator functions behind `switchboard org create` / `user add`.

create or replace function app_private.ensure_user(email citext, password text) returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  uid uuid;
begin
  if email is null or email::text !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    raise exception 'invalid email address' using errcode = '22023';
  end if;
  select id into uid from app_public.users u where u.email = ensure_user.email;
  if uid is null then
    if password is null or length(password) < 8 then
      raise exception 'password must be at least 8 characters' using errcode = '22023';
    end if;
    insert into app_public.users (email) values (ensure_user.email) returning id into uid;
    insert into app_private.user_secrets (user_id, password_hash)
    values (uid, crypt(password, gen_salt('bf', 10)));
  end if;
  return uid;
end
$$;

create or replace function app_private.create_organization(
  name text, admin_email citext, admin_password text, timezone text default 'UTC',
  out org_id uuid, out user_id uuid)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  insert into app_public.organizations (name, timezone)
  values (create_organization.name, create_organization.timezone)
  returning id into org_id;
  user_id := app_private.ensure_user(admin_email, admin_password);
  insert into app_public.memberships (org_id, user_id, role)
  values (create_organization.org_id, create_organization.user_id, 'owner');
end
$$;

-- Adds a membership; creates the user when the email is new. An existing user's
-- password is never changed here.
create or replace function app_private.add_user(org_id uuid, email citext, password text, role text)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  uid uuid;
begin
  if not exists (select 1 from app_public.organizations o where o.id = add_user.org_id) then
    raise exception 'organization not found' using errcode = 'P0002';
  end if;
  uid := app_private.ensure_user(email, password);
  insert into app_public.memberships (org_id, user_id, role)
  values (add_user.org_id, uid, add_user.role);
  return uid;
end
$$;

-- Every org keeps at least one owner: deleting or demoting the last one is refused.
create or replace function app_private.tg_memberships__keep_an_owner() returns trigger
  language plpgsql
as $$
begin
  if old.role = 'owner'
     and (tg_op = 'DELETE' or new.role <> 'owner')
     and exists (select 1 from app_public.organizations o where o.id = old.org_id)
     and not exists (select 1 from app_public.memberships m
                      where m.org_id = old.org_id and m.role = 'owner' and m.user_id <> old.user_id) then
    raise exception 'an organization must keep at least one owner' using errcode = '23514';
  end if;
  return coalesce(new, old);
end
$$;
