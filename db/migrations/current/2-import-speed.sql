-- Lead import speed: each upload COPYs its raw rows straight into a durable staging table of
-- its own (no temporary table, no second copy, no normalisation on the upload's single
-- core), and the merge normalises them in a parallel CREATE TABLE AS, then drops the table.
-- Re-runnable.

-- begin_lead_upload now also names the upload's staging table (a new return type).
drop function if exists app_private.begin_lead_upload(uuid, uuid, text, text);
--!include leads/normalize.sql
--!include leads/uploads.sql
--!include leads/merge.sql
grant execute on function app_private.begin_lead_upload(uuid, uuid, text, text) to switchboard_gateway;

-- Normalised values are no longer staged: the merge computes them.
alter table app_private.lead_staging
  drop column if exists email_n, drop column if exists phone_n, drop column if exists addr_n,
  drop column if exists zip_n, drop column if exists fips_n, drop column if exists apn_n,
  drop column if exists mak_n, drop column if exists mailing_zip_n, drop column if exists equity_n,
  drop column if exists owner_occupied_n, drop column if exists normalized;
-- The gateway no longer evaluates the normalisation (the merge does, as the owner).
revoke execute on function app_private.usps_abbreviations(), app_private.normalize_address(text),
  app_private.normalize_zip(text), app_private.normalize_phone(text), app_private.normalize_email(text),
  app_private.normalize_fips(text), app_private.normalize_apn(text), app_private.normalize_mak(text),
  app_private.parse_money(text), app_private.parse_boolean(text) from switchboard_gateway;

-- leads.org_id is checked once per statement (leads/org_reference.sql), not by a per-row
-- foreign key.
--!include leads/org_reference.sql
drop trigger if exists tg_leads__org_exists on app_public.leads;
create trigger tg_leads__org_exists after insert on app_public.leads
  referencing new table as new_leads for each statement execute function app_private.tg_leads__org_exists();
drop trigger if exists tg_leads__org_fixed on app_public.leads;
create trigger tg_leads__org_fixed before update of org_id on app_public.leads
  for each row when (new.org_id is distinct from old.org_id) execute function app_private.tg_leads__org_fixed();
drop trigger if exists tg_organizations__delete_leads on app_public.organizations;
create trigger tg_organizations__delete_leads after delete on app_public.organizations
  referencing old table as gone_orgs for each statement execute function app_private.tg_organizations__delete_leads();
alter table app_public.leads drop constraint if exists leads_org_id_fkey;
