-- Issue 23 (metrics): email_events' references to organizations, campaigns and contacts are
-- checked once per statement (outreach/event_references.sql) instead of by three per-row
-- foreign keys. Re-runnable: create-or-replace, drop-then-create, if-exists.
--!include outreach/event_references.sql
revoke all on function app_private.tg_email_events__references() from public;
revoke all on function app_private.tg_email_event_targets__key_fixed() from public;
revoke all on function app_private.tg_organizations__delete_email_events() from public;
revoke all on function app_private.tg_campaigns__delete_email_events() from public;
revoke all on function app_private.tg_contacts__unlink_email_events() from public;

drop trigger if exists tg_email_events__references on app_public.email_events;
create trigger tg_email_events__references after insert on app_public.email_events
  referencing new table as new_events for each statement execute function app_private.tg_email_events__references();
drop trigger if exists tg_email_events__references_fixed on app_public.email_events;
create trigger tg_email_events__references_fixed before update of org_id, campaign_id, contact_id on app_public.email_events
  for each row when (new.org_id is distinct from old.org_id or new.campaign_id is distinct from old.campaign_id
                     or (new.contact_id is distinct from old.contact_id and new.contact_id is not null))
  execute function app_private.tg_email_events__references_fixed();
drop trigger if exists tg_campaigns__email_events_key_fixed on app_public.campaigns;
create trigger tg_campaigns__email_events_key_fixed before update of org_id, id on app_public.campaigns
  for each row when (new.org_id is distinct from old.org_id or new.id is distinct from old.id)
  execute function app_private.tg_email_event_targets__key_fixed();
drop trigger if exists tg_contacts__email_events_key_fixed on app_public.contacts;
create trigger tg_contacts__email_events_key_fixed before update of org_id, id on app_public.contacts
  for each row when (new.org_id is distinct from old.org_id or new.id is distinct from old.id)
  execute function app_private.tg_email_event_targets__key_fixed();
drop trigger if exists tg_organizations__delete_email_events on app_public.organizations;
create trigger tg_organizations__delete_email_events after delete on app_public.organizations
  referencing old table as gone_orgs for each statement execute function app_private.tg_organizations__delete_email_events();
drop trigger if exists tg_campaigns__delete_email_events on app_public.campaigns;
create trigger tg_campaigns__delete_email_events after delete on app_public.campaigns
  referencing old table as gone_campaigns for each statement execute function app_private.tg_campaigns__delete_email_events();
drop trigger if exists tg_contacts__unlink_email_events on app_public.contacts;
create trigger tg_contacts__unlink_email_events after delete on app_public.contacts
  referencing old table as gone_contacts for each statement execute function app_private.tg_contacts__unlink_email_events();

alter table app_public.email_events drop constraint if exists email_events_org_id_fkey;
alter table app_public.email_events drop constraint if exists email_events_campaign_id_fkey;
alter table app_public.email_events drop constraint if exists email_events_contact_id_fkey;
