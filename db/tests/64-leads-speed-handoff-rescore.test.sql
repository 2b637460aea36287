-- Leads, issue 4 follow-up: the upload COPYs raw rows into staging and the merge normalises,
-- the lean index set, the contactable set kept by a diff, the leads.fed hand-off (one signed
-- delivery per run, exactly once), consent links minted by signed-in users (visibility
-- rules), and the daily re-scoring (set-based, changed rows only).
begin;
select plan(43);

insert into app_public.organizations (id, name, timezone) values
  ('64000000-0000-0000-0000-0000000000a1', 'Leads 64 A', 'America/New_York'),
  ('64000000-0000-0000-0000-0000000000b1', 'Leads 64 B', 'America/New_York');

------------------------------------------------------------------------------------------
-- Upload path: the COPY puts the raw rows straight into the upload's own durable staging
-- table; the gateway may insert there during the upload and nothing else; the merge
-- normalises the rows and drops the table.
insert into app_public.sources (org_id, id, provider, name)
values ('64000000-0000-0000-0000-0000000000a1', '64300000-0000-0000-0000-000000000001', 'csv', 'file');
create temp table up as
select * from app_private.begin_lead_upload('64300000-0000-0000-0000-000000000001', '64000000-0000-0000-0000-0000000000a1', repeat('c', 64));
select staging_table from up \gset
select is(:'staging_table', app_private.lead_upload_table((select batch_id from up)), 'the upload stages into a table named by its batch');
set local role switchboard_gateway;
insert into app_private.:"staging_table" (row_number, first_name, email, phone, property_address, property_zip, county_fips, apn, mak, estimated_equity, owner_occupied)
values (2, ' Ann ', ' Ann@Example.TEST ', '(415) 555-0101', '12 north main street, apt. 4', '2134', '6037', '123-45 678', ' m-1 ', '$250,000', 'Yes');
select throws_ok(format('select count(*) from app_private.%I', :'staging_table'), '42501', null, 'the gateway cannot read staged rows');
select throws_ok($$insert into app_private.lead_staging (batch_id, row_number) values (gen_random_uuid(), 3)$$, '42501', null,
  'the gateway cannot write to the shared staging table');
reset role;
select app_private.finish_lead_upload((select batch_id from up), 1, 100);
set local role switchboard_gateway;
select throws_ok(format('insert into app_private.%I (row_number) values (3)', :'staging_table'), '42501', null,
  'a finished upload takes no more rows');
reset role;
select is(app_private.merge_lead_batch((select batch_id from up)) ->> 'leads_created', '1', 'the batch merges');
select is(to_regclass(format('app_private.%I', :'staging_table')), null, 'the merge drops the upload''s staging table');
select results_eq(
  $$select email::text, phone, address_normalized, property_zip, apn_normalized, mak, estimated_equity, owner_occupied
      from app_public.leads where org_id = '64000000-0000-0000-0000-0000000000a1'$$,
  $$values ('ann@example.test', '+14155550101', '12 N MAIN ST APT 4', '02134', '12345678', 'M-1', 250000.00::numeric(14,2), true)$$,
  'the lead carries the normalised values');
select is((select email_hash from app_public.leads where mak = 'M-1' and org_id = '64000000-0000-0000-0000-0000000000a1'),
  sha256(convert_to('ann@example.test', 'UTF8')), 'email_hash is SHA-256 of the trimmed lower-cased address');
select ok((select id from app_public.leads where mak = 'M-1' and org_id = '64000000-0000-0000-0000-0000000000a1')::text ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7',
  'merged leads get time-ordered (version 7) ids');
create temp table first_id as select app_private.time_ordered_uuid() as id;
select pg_sleep(0.005);
select ok(app_private.time_ordered_uuid() > (select id from first_id), 'time-ordered ids grow with time');
select is((select count(*) filter (where u::text ~ '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$'
                                   and abs(('x' || left(replace(u::text, '-', ''), 12))::bit(48)::bigint
                                           - (extract(epoch from clock_timestamp()) * 1000)::bigint) < 60000)
                  + count(distinct u) from (select app_private.time_ordered_uuid() as u from generate_series(1, 10000)) x),
  20000::bigint, 'time-ordered ids: version 7, the RFC variant, the current millisecond in front; 10,000 of them all distinct');

------------------------------------------------------------------------------------------
-- Indexes: each one earns its place.
select set_eq($$select indexname::text from pg_indexes where schemaname = 'app_public' and tablename = 'leads'$$,
  array['leads_pkey', 'leads_org_id_mak_key', 'leads_org_id_fips_apn_key', 'leads_org_id_addr_hash_key',
        'leads_org_id_assigned_to_idx', 'leads_org_id_queued_score_idx', 'leads_email_hash_idx',
        'leads_org_id_score_idx'],
  'leads: the key (also the target of every foreign key, which carries org_id), three NULL-safe unique keys, the policy column, the feeder path, the email lookup, the dashboard page by score');
select set_eq($$select indexname::text from pg_indexes where schemaname = 'app_private' and tablename = 'contactable_lead_set'$$,
  array['contactable_lead_set_pkey', 'contactable_lead_set_lead_id_idx'],
  'contactable set: (org_id, lead_id) for per-org reads and the diff, lead_id for the cascade from leads');
update app_public.leads set email_verified = true, consent_given = true, consented_at = now()
 where org_id = '64000000-0000-0000-0000-0000000000a1' and mak = 'M-1';
select ok((app_private.refresh_contactable_leads() ->> 'added')::int >= 1, 'the refresh adds what became contactable');
select ok(exists (select 1 from app_private.contactable_lead_set s join app_public.leads l on l.id = s.lead_id
                   where l.org_id = '64000000-0000-0000-0000-0000000000a1' and l.mak = 'M-1' and s.org_id = l.org_id),
  'the verified, consented lead is in the set');
insert into app_public.suppressions (org_id, email, reason) values ('64000000-0000-0000-0000-0000000000a1', 'ann@example.test', 'unsubscribed');
select ok((app_private.refresh_contactable_leads() ->> 'removed')::int >= 1, 'the refresh removes what stopped being contactable');
select ok(not exists (select 1 from app_private.contactable_lead_set s join app_public.leads l on l.id = s.lead_id
                       where l.org_id = '64000000-0000-0000-0000-0000000000a1' and l.mak = 'M-1'),
  'a suppressed lead is not in the set');
select is((app_private.refresh_contactable_leads() ->> 'added')::int + (app_private.refresh_contactable_leads() ->> 'removed')::int, 0,
  'a refresh with nothing changed writes nothing');

------------------------------------------------------------------------------------------
-- Hand-off: one leads.fed event per feed run to the org's subscribed endpoints, once.
insert into app_public.leads (org_id, mak, first_name, email, lead_score, campaign_status, email_verified, consent_given, consented_at)
select '64000000-0000-0000-0000-0000000000b1', 'H' || s, 'fed ' || s, 'h' || s || '@handoff.test', s, 'queued', true, true, now()
  from generate_series(1, 5) s;
update app_public.workspace_settings set lead_feed_daily_limit = 3 where org_id = '64000000-0000-0000-0000-0000000000b1';
create temp table ep as
select * from app_private.create_delivery_endpoint('64000000-0000-0000-0000-0000000000b1', 'https://hooks.example.com/leads', '{leads.fed}', null, 'k', false);
select is(app_private.feed_leads('64000000-0000-0000-0000-0000000000b1', '2026-03-09 11:00Z') ->> 'fed', '3', 'the feeder feeds 3');
select is((select cardinality(lead_ids) from app_private.lead_feed_runs where org_id = '64000000-0000-0000-0000-0000000000b1'), 3,
  'the run keeps the ids it fed');
select is((select (payload ->> 'lead_ids') from graphile_worker._private_jobs where key = 'handoff_leads:64000000-0000-0000-0000-0000000000b1:2026-03-09'), null,
  'the hand-off job payload is small (org and local date)');
select is(app_private.handoff_leads('64000000-0000-0000-0000-0000000000b1', '2026-03-09') ->> 'leads', '3', 'the hand-off sends the 3 fed leads');
select results_eq(
  $$select m.event_type, m.payload -> 'data' ->> 'count', (select array_agg(x ->> 'first_name') from jsonb_array_elements(m.payload -> 'data' -> 'leads') x)
      from app_public.delivery_messages m where m.org_id = '64000000-0000-0000-0000-0000000000b1'$$,
  $$values ('leads.fed', '3', array['fed 5', 'fed 4', 'fed 3'])$$,
  'one leads.fed message with the fed leads in score order');
select is((select count(*)::int from app_public.deliveries d where d.org_id = '64000000-0000-0000-0000-0000000000b1' and d.endpoint_id = (select endpoint_id from ep)), 1,
  'queued for delivery to the subscribed endpoint (signed by the delivery engine)');
select is(app_private.handoff_leads('64000000-0000-0000-0000-0000000000b1', '2026-03-09') ->> 'status', 'already_handed_off',
  'a retried hand-off sends nothing more');
select is((select count(*)::int from app_public.delivery_messages m where m.org_id = '64000000-0000-0000-0000-0000000000b1'), 1, 'still one message');
select is(app_private.handoff_leads('64000000-0000-0000-0000-0000000000b1', '2026-03-10') ->> 'status', 'no_run', 'no run, no hand-off');

-- Per-lead lead.fed: a feed raises one per fed lead in one pass (its UPDATE skips the row
-- trigger); any other move to active still raises it through the trigger.
insert into app_public.organizations (id, name, timezone) values ('64000000-0000-0000-0000-0000000000b2', 'Leads 64 B2', 'America/New_York');
insert into app_public.leads (org_id, mak, first_name, email, lead_score, campaign_status, email_verified, consent_given, consented_at)
select '64000000-0000-0000-0000-0000000000b2', 'F' || s, 'one ' || s, 'f' || s || '@fed.test', s, 'queued', true, true, now()
  from generate_series(1, 5) s;
update app_public.workspace_settings set lead_feed_daily_limit = 3 where org_id = '64000000-0000-0000-0000-0000000000b2';
create temp table ep2 as select * from app_private.create_delivery_endpoint('64000000-0000-0000-0000-0000000000b2', 'https://hooks.example.com/each', '{lead.fed}', null, 'k', false);
select is(app_private.feed_leads('64000000-0000-0000-0000-0000000000b2', '2026-03-09 11:00Z') ->> 'fed', '3', 'a feed of 3 with a lead.fed subscriber');
select results_eq(
  $$select m.payload -> 'data' ->> 'first_name' from app_public.delivery_messages m
     where m.org_id = '64000000-0000-0000-0000-0000000000b2' and m.event_type = 'lead.fed' order by m.payload -> 'data' ->> 'first_name' desc$$,
  $$values ('one 5'), ('one 4'), ('one 3')$$,
  'exactly one lead.fed per fed lead, with its data');
update app_public.leads set campaign_status = 'active' where org_id = '64000000-0000-0000-0000-0000000000b2' and mak = 'F1';
select is((select count(*)::int from app_public.delivery_messages m
            where m.org_id = '64000000-0000-0000-0000-0000000000b2' and m.event_type = 'lead.fed' and m.payload -> 'data' ->> 'first_name' = 'one 1'), 1,
  'a lead moved to active outside the feeder raises lead.fed through the trigger');

------------------------------------------------------------------------------------------
-- Consent links minted by signed-in users.
insert into app_public.users (id, email) values
  ('64000000-0000-0000-0000-000000000001', 'admin@leads64.test'),
  ('64000000-0000-0000-0000-000000000002', 'broker@leads64.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('64000000-0000-0000-0000-0000000000a1', '64000000-0000-0000-0000-000000000001', 'admin'),
  ('64000000-0000-0000-0000-0000000000a1', '64000000-0000-0000-0000-000000000002', 'member');
insert into app_private.sessions (id, user_id, org_id, refresh_token_hash, expires_at) values
  ('64500000-0000-0000-0000-000000000001', '64000000-0000-0000-0000-000000000001', '64000000-0000-0000-0000-0000000000a1', '\x01', now() + interval '1 hour'),
  ('64500000-0000-0000-0000-000000000002', '64000000-0000-0000-0000-000000000002', '64000000-0000-0000-0000-0000000000a1', '\x02', now() + interval '1 hour'),
  ('64500000-0000-0000-0000-000000000003', '64000000-0000-0000-0000-000000000001', '64000000-0000-0000-0000-0000000000a1', '\x03', now() - interval '1 minute');
create temp table lead_a as select id from app_public.leads where org_id = '64000000-0000-0000-0000-0000000000a1' and mak = 'M-1';
select is((select status from app_private.issue_consent_link('64500000-0000-0000-0000-000000000001', (select id from lead_a), '1 day')), 'ok',
  'an admin mints a consent link for a lead of the org');
select is((select count(*)::int from app_private.consent_nonces where lead_id = (select id from lead_a) and expires_at > now() + interval '23 hours'), 1,
  'the link''s nonce is stored with its expiry');
select is((select status from app_private.issue_consent_link('64500000-0000-0000-0000-000000000002', (select id from lead_a))), 'not_found',
  'a member cannot mint one for a lead not assigned to them');
update app_public.leads set assigned_to = '64000000-0000-0000-0000-000000000002' where id = (select id from lead_a);
select is((select status from app_private.issue_consent_link('64500000-0000-0000-0000-000000000002', (select id from lead_a))), 'ok',
  'a member mints one for a lead assigned to them');
select is((select status from app_private.issue_consent_link('64500000-0000-0000-0000-000000000001',
          (select id from app_public.leads where org_id = '64000000-0000-0000-0000-0000000000b1' limit 1))), 'not_found',
  'never for a lead of another org');
select is((select status from app_private.issue_consent_link('64500000-0000-0000-0000-000000000003', (select id from lead_a))), 'invalid_session',
  'an expired session mints nothing');

------------------------------------------------------------------------------------------
-- Daily re-scoring: the freshness factor decays; only changed rows are rewritten.
update app_public.leads set data_as_of = '2026-01-01', lead_score = 0, updated_at = '2026-01-01'
 where org_id = '64000000-0000-0000-0000-0000000000b1';
update app_public.leads set lead_score = app_private.lead_score(email_verified, phone_verified, estimated_equity, owner_occupied, '2026-07-02'::timestamptz - data_as_of)
 where org_id = '64000000-0000-0000-0000-0000000000b1' and mak = 'H1';
select is(app_private.rescore_leads('64000000-0000-0000-0000-0000000000b1', '2026-07-02') ->> 'rescored', '4',
  'every lead whose score changed is re-scored, an already-right one is not');
select results_eq(
  $$select mak, lead_score::int, updated_at = '2026-01-01' from app_public.leads where org_id = '64000000-0000-0000-0000-0000000000b1' order by mak$$,
  $$values ('H1', 28, true), ('H2', 28, false), ('H3', 28, false), ('H4', 28, false), ('H5', 28, false)$$,
  'score = email verified 20 + freshness 15 × (1 − 182/365) = 27.5 → 28; the unchanged row untouched');
select is(app_private.rescore_leads('64000000-0000-0000-0000-0000000000b1', '2026-07-02') ->> 'rescored', '0',
  'a second pass the same day changes nothing');
select is(app_private.rescore_next_org('64000000-0000-0000-0000-0000000000a1', '2026-07-02') ->> 'org_id', '64000000-0000-0000-0000-0000000000b1',
  'the daily job walks the orgs one per transaction (a cursor by org id)');

------------------------------------------------------------------------------------------
-- leads.org_id is checked per statement (no per-row foreign key): a lead of an unknown org
-- is refused, a lead never changes org, and deleting an org deletes its leads.
select throws_ok($$insert into app_public.leads (org_id, mak) values ('64000000-0000-0000-0000-0000000000ff', 'NOORG')$$,
  '23503', null, 'a lead of an org that does not exist is refused (23503)');
select throws_ok($$update app_public.leads set org_id = '64000000-0000-0000-0000-0000000000a1' where org_id = '64000000-0000-0000-0000-0000000000b1'$$,
  '23503', null, 'a lead does not move to another org');
delete from app_public.organizations where id = '64000000-0000-0000-0000-0000000000b1';
select is((select count(*)::int from app_public.leads where org_id = '64000000-0000-0000-0000-0000000000b1'), 0,
  'deleting an org deletes its leads');

select * from finish();
rollback;
