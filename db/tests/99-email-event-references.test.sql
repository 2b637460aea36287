-- Issue 23 (metrics): email_events' references to organizations, campaigns and contacts are
-- checked once per statement (outreach/event_references.sql) with the guarantees of the
-- foreign keys they replace: 23503 for a missing org, campaign or contact (named as the
-- foreign key was); deleting an org or a campaign deletes its events; deleting a contact
-- clears contact_id; events and the keys they name do not move.
begin;
select plan(15);

insert into app_public.organizations (id, name, timezone) values
  ('a9900000-0000-0000-0000-00000000000a', 'Refs A', 'UTC'),
  ('a9900000-0000-0000-0000-00000000000b', 'Refs B', 'UTC');
insert into app_public.campaigns (org_id, id, name, provider, external_id) values
  ('a9900000-0000-0000-0000-00000000000a', 'a9910000-0000-0000-0000-000000000001', 'Kept', 'smartlead', 'kept'),
  ('a9900000-0000-0000-0000-00000000000a', 'a9910000-0000-0000-0000-000000000002', 'Deleted', 'smartlead', 'gone'),
  ('a9900000-0000-0000-0000-00000000000b', 'a9910000-0000-0000-0000-000000000003', 'Of B', 'smartlead', 'b');
insert into app_public.contacts (org_id, id, email) values
  ('a9900000-0000-0000-0000-00000000000a', 'a9920000-0000-0000-0000-000000000001', 'kept@refs.test'),
  ('a9900000-0000-0000-0000-00000000000a', 'a9920000-0000-0000-0000-000000000002', 'erased@refs.test'),
  ('a9900000-0000-0000-0000-00000000000b', 'a9920000-0000-0000-0000-000000000003', 'b@refs.test');

create function pg_temp.event(org text, campaign text, contact text) returns text
  language sql as $$
  select format($i$insert into app_public.email_events (org_id, webhook_event_id, campaign_id, contact_id, kind, occurred_at)
                   values (%L, gen_random_uuid(), %L, %L, 'sent', now())$i$, org, campaign, contact)
$$;

select lives_ok($$insert into app_public.email_events (org_id, webhook_event_id, campaign_id, contact_id, kind, occurred_at)
  select 'a9900000-0000-0000-0000-00000000000a', gen_random_uuid(), c, k, 'sent', now()
    from (values ('a9910000-0000-0000-0000-000000000001'::uuid, 'a9920000-0000-0000-0000-000000000001'::uuid),
                 ('a9910000-0000-0000-0000-000000000001', 'a9920000-0000-0000-0000-000000000002'),
                 ('a9910000-0000-0000-0000-000000000002', 'a9920000-0000-0000-0000-000000000001'),
                 (null, 'a9920000-0000-0000-0000-000000000002'),
                 ('a9910000-0000-0000-0000-000000000001', null)) v(c, k)$$,
  'events naming existing orgs, campaigns and contacts (or none) are stored, many in one statement');
select throws_ok(pg_temp.event('a99000ff-0000-0000-0000-00000000000a', null, null),
  '23503', 'insert on table "email_events" violates foreign key "email_events_org_id_fkey"',
  'an event of an org that does not exist is refused (23503)');
select throws_ok(pg_temp.event('a9900000-0000-0000-0000-00000000000a', 'a99100ff-0000-0000-0000-000000000001', null),
  '23503', 'insert on table "email_events" violates foreign key "email_events_campaign_id_fkey"',
  'an event of a campaign that does not exist is refused');
select throws_ok(pg_temp.event('a9900000-0000-0000-0000-00000000000a', 'a9910000-0000-0000-0000-000000000003', null),
  '23503', 'insert on table "email_events" violates foreign key "email_events_campaign_id_fkey"',
  'an event naming another org''s campaign is refused');
select throws_ok(pg_temp.event('a9900000-0000-0000-0000-00000000000a', null, 'a9920000-0000-0000-0000-000000000003'),
  '23503', 'insert on table "email_events" violates foreign key "email_events_contact_id_fkey"',
  'an event naming another org''s contact is refused');
select is((select count(*)::int from app_public.email_events where org_id = 'a9900000-0000-0000-0000-00000000000a'), 5,
  'a refused statement stores nothing');

select throws_ok($$update app_public.email_events set campaign_id = 'a9910000-0000-0000-0000-000000000002'
                    where campaign_id = 'a9910000-0000-0000-0000-000000000001'$$,
  '23503', null, 'an event does not move to another campaign');
select throws_ok($$update app_public.email_events set contact_id = 'a9920000-0000-0000-0000-000000000001'
                    where contact_id = 'a9920000-0000-0000-0000-000000000002'$$,
  '23503', null, 'an event does not move to another contact');
select throws_ok($$update app_public.campaigns set id = gen_random_uuid() where id = 'a9910000-0000-0000-0000-000000000001'$$,
  '23503', null, 'a campaign named by events keeps its key');
select throws_ok($$update app_public.contacts set id = gen_random_uuid() where id = 'a9920000-0000-0000-0000-000000000001'$$,
  '23503', null, 'a contact named by events keeps its key');

delete from app_public.campaigns where id = 'a9910000-0000-0000-0000-000000000002';
select is((select count(*)::int from app_public.email_events where org_id = 'a9900000-0000-0000-0000-00000000000a'), 4,
  'deleting a campaign deletes its events (ON DELETE CASCADE)');
delete from app_public.contacts where id = 'a9920000-0000-0000-0000-000000000002';
select results_eq($$select campaign_id, contact_id from app_public.email_events
                     where org_id = 'a9900000-0000-0000-0000-00000000000a' order by campaign_id nulls first, contact_id nulls first$$,
  $$values (null::uuid, null::uuid),
           ('a9910000-0000-0000-0000-000000000001'::uuid, null::uuid),
           ('a9910000-0000-0000-0000-000000000001', null),
           ('a9910000-0000-0000-0000-000000000001', 'a9920000-0000-0000-0000-000000000001')$$,
  'deleting a contact keeps its events without it (ON DELETE SET NULL)');

select lives_ok(pg_temp.event('a9900000-0000-0000-0000-00000000000b', 'a9910000-0000-0000-0000-000000000003', 'a9920000-0000-0000-0000-000000000003'),
  'org B''s own event is stored');
delete from app_public.organizations where id = 'a9900000-0000-0000-0000-00000000000b';
select is((select count(*)::int from app_public.email_events where org_id = 'a9900000-0000-0000-0000-00000000000b'), 0,
  'deleting an org deletes its events');
select is((select count(*)::int from pg_constraint where conrelid = 'app_public.email_events'::regclass and contype = 'f'), 0,
  'no per-row foreign key is left on email_events');

select * from finish();
rollback;
