-- email_events → organizations, campaigns and contacts, checked once per statement instead
-- of once per row, as leads.org_id is (leads/org_reference.sql).
--
-- The three foreign keys ran three look-ups and three row locks per event: ≈ 20 % of
-- PostgreSQL's CPU in the metrics worker (`perf`, 2026-12-02), where every batch inserts
-- 2,000 events naming one org, a few campaigns and a few hundred contacts. These triggers
-- keep the same guarantees set-based:
--   * an insert locks the org, campaigns and contacts it names FOR KEY SHARE (as the
--     foreign keys would, so a concurrent delete waits for it or is seen gone) and fails
--     with 23503, naming the foreign key it replaces, when one does not exist;
--   * deleting an org or a campaign deletes its events (ON DELETE CASCADE), deleting a
--     contact clears the events' contact_id (ON DELETE SET NULL (contact_id));
--   * an event never moves to another org, campaign or contact (it may only lose its
--     contact), and a referenced campaign or contact keeps its key.

create or replace function app_private.tg_email_events__references() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  missing record;
begin
  perform 1 from app_public.organizations o
   where o.id in (select n.org_id from new_events n)
     for key share of o;
  perform 1 from app_public.campaigns c
   where (c.org_id, c.id) in (select n.org_id, n.campaign_id from new_events n where n.campaign_id is not null)
     for key share of c;
  perform 1 from app_public.contacts c
   where (c.org_id, c.id) in (select n.org_id, n.contact_id from new_events n where n.contact_id is not null)
     for key share of c;
  -- Read again after the locks: a row deleted while this waited for its lock is gone now.
  select x.constraint_name, x.detail into missing
    from (select 'email_events_org_id_fkey' as constraint_name,
                 format('Key (org_id)=(%s) is not present in table "organizations".', n.org_id) as detail
            from (select distinct org_id from new_events) n
           where not exists (select 1 from app_public.organizations o where o.id = n.org_id)
          union all
          select 'email_events_campaign_id_fkey',
                 format('Key (org_id, campaign_id)=(%s, %s) is not present in table "campaigns".', n.org_id, n.campaign_id)
            from (select distinct org_id, campaign_id from new_events where campaign_id is not null) n
           where not exists (select 1 from app_public.campaigns c where c.org_id = n.org_id and c.id = n.campaign_id)
          union all
          select 'email_events_contact_id_fkey',
                 format('Key (org_id, contact_id)=(%s, %s) is not present in table "contacts".', n.org_id, n.contact_id)
            from (select distinct org_id, contact_id from new_events where contact_id is not null) n
           where not exists (select 1 from app_public.contacts c where c.org_id = n.org_id and c.id = n.contact_id)) x
   limit 1;
  if found then
    raise exception 'insert on table "email_events" violates foreign key "%"', missing.constraint_name
      using errcode = 'foreign_key_violation', detail = missing.detail,
            table = 'email_events', schema = 'app_public', constraint = missing.constraint_name;
  end if;
  return null;
end
$$;

-- An event keeps its org, campaign and contact; only losing the contact (erasure) is allowed.
create or replace function app_private.tg_email_events__references_fixed() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog, public
as $$
begin
  raise exception 'an email event does not move to another org, campaign or contact' using errcode = 'foreign_key_violation';
end
$$;

-- A campaign or contact named by email events keeps its key (the foreign keys' ON UPDATE NO ACTION).
create or replace function app_private.tg_email_event_targets__key_fixed() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  if exists (select 1 from app_public.email_events e
              where e.org_id = old.org_id
                and case tg_table_name when 'campaigns' then e.campaign_id else e.contact_id end = old.id) then
    raise exception 'update on table "%" violates foreign key on table "email_events"', tg_table_name
      using errcode = 'foreign_key_violation';
  end if;
  return new;
end
$$;

create or replace function app_private.tg_organizations__delete_email_events() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  delete from app_public.email_events e using gone_orgs g where e.org_id = g.id;
  return null;
end
$$;

create or replace function app_private.tg_campaigns__delete_email_events() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  delete from app_public.email_events e using gone_campaigns g where e.org_id = g.org_id and e.campaign_id = g.id;
  return null;
end
$$;

create or replace function app_private.tg_contacts__unlink_email_events() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  update app_public.email_events e set contact_id = null
    from gone_contacts g
   where e.contact_id = g.id and e.org_id = g.org_id;
  return null;
end
$$;
