-- The operator console's explicit permission check: true for owners and admins of the
-- caller's org, otherwise 42501 (PostgREST answers 403), so an admin-only view refuses a
-- member instead of looking empty.
create or replace function app_public.require_org_admin() returns boolean
  language plpgsql stable
  set search_path = pg_catalog, public
as $$
begin
  if not coalesce(app_public.current_user_is_admin(), false) then
    raise exception 'owners and admins only' using errcode = '42501', hint = 'admin_required';
  end if;
  return true;
end;
$$;
