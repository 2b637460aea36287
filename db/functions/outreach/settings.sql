-- Every org gets its settings row at creation, so readers never need defaults in code.
create or replace function app_private.tg_organizations__create_settings() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  insert into app_public.workspace_settings (org_id) values (new.id) on conflict do nothing;
  return null;
end
$$;

-- Every settings change is versioned: who, when, old and new values.
create or replace function app_private.tg_workspace_settings__history() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  new.updated_at := now();
  new.updated_by := app_public.current_user_id();
  insert into app_public.workspace_settings_history (org_id, changed_by, old_values, new_values)
  values (new.org_id, new.updated_by, to_jsonb(old), to_jsonb(new));
  return new;
end
$$;
