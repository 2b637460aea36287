-- leads.org_id → organizations, checked once per statement instead of once per row.
--
-- A foreign key runs one lookup (and one row lock) per inserted lead: ≈ 3 s of a
-- million-row import here. These triggers keep the same guarantees set-based:
--   * an insert locks the orgs it names FOR KEY SHARE (as the foreign key would, so an
--     org being deleted waits for the import or is seen gone) and fails with 23503 when
--     one does not exist;
--   * deleting an org deletes its leads (the foreign key's ON DELETE CASCADE).
-- A lead never moves to another org (tg_leads__org_fixed).

create or replace function app_private.tg_leads__org_exists() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  missing uuid;
begin
  perform 1 from app_public.organizations o where o.id in (select distinct n.org_id from new_leads n) for key share of o;
  select n.org_id into missing
    from (select distinct x.org_id from new_leads x) n
   where not exists (select 1 from app_public.organizations o where o.id = n.org_id)
   limit 1;
  if found then
    raise exception 'insert on table "leads" violates foreign key "leads_org_id_fkey"'
      using errcode = 'foreign_key_violation', detail = format('Key (org_id)=(%s) is not present in table "organizations".', missing),
            table = 'leads', schema = 'app_public', constraint = 'leads_org_id_fkey';
  end if;
  return null;
end
$$;

create or replace function app_private.tg_leads__org_fixed() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog, public
as $$
begin
  raise exception 'a lead does not move to another org' using errcode = 'foreign_key_violation';
end
$$;

create or replace function app_private.tg_organizations__delete_leads() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  delete from app_public.leads l using gone_orgs g where l.org_id = g.id;
  return null;
end
$$;
