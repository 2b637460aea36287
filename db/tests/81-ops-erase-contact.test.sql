-- erase_contact leaves no trace of the contact's email, phone or name in any table
-- (catalog-driven scan of every text/jsonb column), keeps metrics, other contacts and
-- other orgs untouched, and leaves one hashed audit entry. export_contact finds it all first.
begin;
select plan(16);

insert into app_public.organizations (id, name) values
  ('a8100000-0000-0000-0000-00000000000a', 'Erase A'),
  ('b8100000-0000-0000-0000-00000000000b', 'Erase B');
insert into app_public.users (id, email) values
  ('a8110000-0000-0000-0000-000000000001', 'owner@erase.test'),
  ('a8120000-0000-0000-0000-000000000002', 'member@erase.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a8100000-0000-0000-0000-00000000000a', 'a8110000-0000-0000-0000-000000000001', 'owner'),
  ('a8100000-0000-0000-0000-00000000000a', 'a8120000-0000-0000-0000-000000000002', 'member');

insert into app_public.contacts (org_id, id, email, first_name, last_name, phone, company, attributes) values
  ('a8100000-0000-0000-0000-00000000000a', 'a8130000-0000-0000-0000-000000000001', 'zebulon.quixmore@erase.test',
   'Zebulon', 'Quixmore', '+15550001234', 'Acme', '{"note": "met Zebulon Quixmore at a fair"}'),
  ('a8100000-0000-0000-0000-00000000000a', 'a8130000-0000-0000-0000-000000000002', 'other.person@erase.test',
   'Other', 'Person', '+15550009999', 'Beta', '{"referred_by": "zebulon.quixmore@erase.test"}'),
  ('b8100000-0000-0000-0000-00000000000b', 'b8130000-0000-0000-0000-000000000001', 'zebulon.quixmore@erase.test',
   'Zebulon', 'Quixmore', '+15550001234', 'Acme', '{}');

-- Outreach events for both contacts through the real ingest + processing path.
create temp table src as
select (app_private.create_source('a8100000-0000-0000-0000-00000000000a', 'smartlead', 'SL', 'k')).source_id as id;
select app_private.ingest_webhook_event((select id from src), 'smartlead', md5(p::text), p ->> 'to_email', p ->> 'event_type',
                                        (p ->> 'event_timestamp')::timestamptz, p)
  from (values
    (jsonb_build_object('event_type', 'EMAIL_SENT', 'campaign_id', 'erase-1', 'campaign_name', 'Erase', 'to_email', 'zebulon.quixmore@erase.test', 'event_timestamp', '2026-01-01T10:00:00Z')),
    (jsonb_build_object('event_type', 'EMAIL_REPLY', 'campaign_id', 'erase-1', 'campaign_name', 'Erase', 'to_email', 'zebulon.quixmore@erase.test', 'event_timestamp', '2026-01-01T11:00:00Z', 'lead_category', 'interested', 'reply_body', 'Thanks, Zebulon Quixmore, call me at +15550001234')),
    (jsonb_build_object('event_type', 'EMAIL_SENT', 'campaign_id', 'erase-1', 'campaign_name', 'Erase', 'to_email', 'other.person@erase.test', 'event_timestamp', '2026-01-01T10:00:00Z'))
  ) v(p);
select app_private.process_outreach_events('a8100000-0000-0000-0000-00000000000a', s::smallint) from generate_series(0, 7) s;
insert into app_public.suppressions (org_id, email, reason) values ('a8100000-0000-0000-0000-00000000000a', 'zebulon.quixmore@erase.test', 'unsubscribed');
insert into app_public.leads (org_id, id, first_name, last_name, email, phone, mak, property_address) values
  ('a8100000-0000-0000-0000-00000000000a', 'a8140000-0000-0000-0000-000000000001', 'Zebulon', 'Quixmore', 'zebulon.quixmore@erase.test', '+15550001234', 'MAK-ERASE-1', '1 Erase Way');
insert into app_public.calls (org_id, id, external_id, contact_id, customer_number, summary) values
  ('a8100000-0000-0000-0000-00000000000a', 'a8150000-0000-0000-0000-000000000001', 'call-erase-1', 'a8130000-0000-0000-0000-000000000001',
   '+15550001234', 'Zebulon asked for a callback');
insert into app_public.transcripts (org_id, call_id, content) values
  ('a8100000-0000-0000-0000-00000000000a', 'a8150000-0000-0000-0000-000000000001', 'Hi, this is Quixmore speaking.');

create temp table counters_before as
select k.* from app_public.campaign_counters k where k.org_id = 'a8100000-0000-0000-0000-00000000000a';

-- Every text-like column of every table in app_public/app_private that mentions a term:
-- tables with org_id only within org A (org B keeps its own copy), others everywhere.
create function pg_temp.traces(term text) returns setof text language plpgsql as $$
declare r record; n bigint;
begin
  for r in
    select n.nspname, c.relname, a.attname,
           exists (select 1 from pg_attribute o where o.attrelid = c.oid and o.attname = 'org_id') as has_org
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      join pg_type t on t.oid = a.atttypid
     where n.nspname in ('app_public', 'app_private') and c.relkind in ('r', 'p', 'm')
       and t.typname in ('text', 'varchar', 'citext', 'bpchar', 'jsonb', 'json', '_text', '_varchar', '_citext')
  loop
    execute format('select count(*) from %I.%I t where t.%I::text ilike %L %s', r.nspname, r.relname, r.attname, '%' || term || '%',
                   case when r.has_org then format('and t.org_id = %L', 'a8100000-0000-0000-0000-00000000000a') else '' end)
      into n;
    if n > 0 then return next format('%s.%s.%s (%s)', r.nspname, r.relname, r.attname, n); end if;
  end loop;
end $$;

select ok((select count(*) from pg_temp.traces('zebulon.quixmore@erase.test')) >= 4,
  'before: the email is in several tables (contacts, inbox, suppressions, leads, …)');

set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8120000-0000-0000-0000-000000000002","org_id":"a8100000-0000-0000-0000-00000000000a","org_role":"member"}', true);
select throws_ok($$ select app_public.erase_contact('a8130000-0000-0000-0000-000000000001') $$, '42501', null, 'members cannot erase');
select throws_ok($$ select app_public.export_contact('a8130000-0000-0000-0000-000000000001') $$, '42501', null, 'members cannot export');
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8110000-0000-0000-0000-000000000001","org_id":"a8100000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
create temp table export as select app_public.export_contact('a8130000-0000-0000-0000-000000000001') as doc;
select is((select doc -> 'contact' ->> 'email' from export), 'zebulon.quixmore@erase.test', 'export_contact returns the contact');
select ok((select doc -> 'tables' ?& array['app_public.email_events', 'app_public.webhook_events', 'app_public.suppressions',
                                          'app_public.leads', 'app_public.calls', 'app_public.transcripts'] from export),
  'and its events, inbox bodies, suppression, leads, calls and transcripts');
select is((select jsonb_array_length(doc -> 'tables' -> 'app_public.email_events') from export), 2, 'only its own email events');
select throws_ok($$ select app_public.erase_contact('b8130000-0000-0000-0000-000000000001') $$, 'PT404', null,
  'a contact of another org is not found');
select ok((app_public.erase_contact('a8130000-0000-0000-0000-000000000001') ->> 'erased')::boolean, 'an admin erases the contact');
reset role;

select is_empty($$ select * from pg_temp.traces('zebulon.quixmore@erase.test') $$, 'no trace of the email in any table');
select is_empty($$ select * from pg_temp.traces('+15550001234') $$, 'no trace of the phone in any table');
select is_empty($$ select * from pg_temp.traces('Zebulon') $$, 'no trace of the first name in any table');
select is_empty($$ select * from pg_temp.traces('Quixmore') $$, 'no trace of the last name in any table');
select set_eq($$ select k.* from app_public.campaign_counters k where k.org_id = 'a8100000-0000-0000-0000-00000000000a' $$,
  $$ select * from counters_before $$, 'campaign metrics are unchanged');
select is((select (email::text, first_name) from app_public.contacts where id = 'a8130000-0000-0000-0000-000000000002'),
  row('other.person@erase.test'::text, 'Other'::text), 'other contacts keep their own data');
select is((select email::text from app_public.contacts where id = 'b8130000-0000-0000-0000-000000000001'),
  'zebulon.quixmore@erase.test', 'the same person in another org is untouched');
select is((select count(*)::int from app_public.audit_log
            where org_id = 'a8100000-0000-0000-0000-00000000000a' and row_id like 'erased:%'
              and row_id = 'erased:' || encode(digest('a8100000-0000-0000-0000-00000000000a:a8130000-0000-0000-0000-000000000001:zebulon.quixmore@erase.test', 'sha256'), 'hex')),
  1, 'one audit entry records the erasure under a hashed reference');

select * from finish();
rollback;
