-- Operator console (issue 10): what the console reads that the API did not expose yet.
-- Re-runnable: functions are create-or-replace, views are replaced.

--!include console/access.sql
revoke all on function app_public.require_org_admin() from public;
grant execute on function app_public.require_org_admin() to authenticated;

-- Members and roles with their emails, for owners and admins (403 for members).
create or replace view app_public.org_members with (security_invoker = true) as
  select m.org_id, m.user_id, u.email, u.display_name, m.role, m.created_at
    from app_public.memberships m
    join app_public.users u on u.id = m.user_id
   where m.org_id = app_public.current_org_id()
     and app_public.require_org_admin();
revoke all on app_public.org_members from public, anon;
grant select on app_public.org_members to authenticated;

-- Threshold and positive-category history with who made each change (403 for members).
create or replace view app_public.workspace_settings_changes with (security_invoker = true) as
  select h.org_id, h.id, h.changed_at, h.changed_by, u.email as changed_by_email,
         h.old_values, h.new_values
    from app_public.workspace_settings_history h
    left join app_public.users u on u.id = h.changed_by
   where h.org_id = app_public.current_org_id()
     and app_public.require_org_admin();
revoke all on app_public.workspace_settings_changes from public, anon;
grant select on app_public.workspace_settings_changes to authenticated;
