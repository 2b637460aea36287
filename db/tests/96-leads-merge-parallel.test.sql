-- A parallel lead merge (issue 23): prepare → chunks in their own transactions → one publish.
-- The leads of a pending batch are invisible to users (RLS) until the publish; a discarded
-- attempt leaves nothing behind and a straggling chunk of it inserts nothing; the next attempt
-- merges the batch exactly once. (Here every step runs in one session; the kill of a real
-- worker mid-merge is gateway/test/uploads-parallel.test.ts.)
begin;
select plan(28);

insert into app_public.organizations (id, name) values ('96000000-0000-0000-0000-0000000000a1', 'Parallel merge org');
insert into app_public.users (id, email) values ('96000000-0000-0000-0000-000000000001', 'owner96@example.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('96000000-0000-0000-0000-0000000000a1', '96000000-0000-0000-0000-000000000001', 'owner');

create function pg_temp.batch(rows jsonb) returns uuid
  language plpgsql as $$
declare
  id uuid := gen_random_uuid();
begin
  insert into app_public.lead_import_batches (org_id, id, content_sha256, status, received_at, rows_total)
  values ('96000000-0000-0000-0000-0000000000a1', id, encode(sha256(id::text::bytea), 'hex'), 'queued', now(), jsonb_array_length(rows));
  insert into app_private.lead_staging
  select id, r.row_number, r.first_name, r.last_name, r.email, r.phone, r.property_address, r.property_city,
         r.property_state, r.property_zip, r.county_fips, r.apn, r.mak, r.mailing_address, r.mailing_city,
         r.mailing_state, r.mailing_zip, r.estimated_equity, r.owner_occupied, r.email_verification_code,
         r.phone_verification_code, r.attributes
    from jsonb_populate_recordset(null::app_private.lead_staging, rows) r;
  return id;
end
$$;
-- Leads as the org's owner sees them through RLS (PostgREST's role and claims).
create function pg_temp.visible() returns int
  language plpgsql as $$
declare
  n int;
begin
  set local role authenticated;
  perform set_config('request.jwt.claims', '{"role":"authenticated","sub":"96000000-0000-0000-0000-000000000001","org_id":"96000000-0000-0000-0000-0000000000a1","org_role":"owner"}', true);
  select count(*) into n from app_public.leads;
  reset role;
  return n;
end
$$;
create function pg_temp.stored() returns int
  language sql as $$ select count(*)::int from app_public.leads where org_id = '96000000-0000-0000-0000-0000000000a1' $$;

-- An existing lead the big batch will match (by MAK), merged the usual way.
select is(app_private.merge_lead_batch(pg_temp.batch($$[{"row_number": 2, "mak": "P-0", "first_name": "Old"}]$$)) ->> 'status',
          'merged', 'a small batch merges in one transaction');
-- The big batch: P-0 again (an update) and 40 new leads, two of them twice.
create temp table big as select pg_temp.batch((
  select jsonb_agg(jsonb_build_object('row_number', i + 1, 'mak', 'P-' || (case when i > 40 then i - 40 else i end),
                                      'first_name', 'New' || i, 'email', 'p' || i || '@example.test'))
    from generate_series(0, 42) i)) as id;

select is(app_private.merge_lead_batch_prepare((select id from big), 2, 1000) ->> 'status', 'merged',
          'a batch below min_rows is merged in one transaction by prepare');
select is(pg_temp.stored(), 41, 'that merge: 40 new leads and one update');

-- Again, in parallel: a second big batch with the same shape under new MAKs.
create temp table big2 as select pg_temp.batch((
  select jsonb_agg(jsonb_build_object('row_number', i + 1, 'mak', 'Q-' || (case when i > 40 then i - 40 else i end),
                                      'first_name', 'Q' || i, 'email', 'q' || i || '@example.test'))
    from generate_series(0, 42) i)
  || $$[{"row_number": 44, "mak": "P-0", "first_name": "Newest"}, {"row_number": 45, "first_name": "No key"}]$$) as id;
create temp table att as select app_private.merge_lead_batch_prepare((select id from big2), 2, 0) as r;
select is((select r ->> 'status' from att), 'prepared', 'a large batch is prepared');
select is((select (r ->> 'leads_single')::int || '+' || (r ->> 'rows_grouped') from att), '39+5',
          '39 rows are new leads on their own; 5 take part in groups (Q-1 and Q-2 twice each, P-0 matching a lead)');
select is((select status from app_public.lead_import_batches where id = (select id from big2)), 'merging', 'the batch is merging');

select cmp_ok(app_private.merge_lead_batch_chunk((select id from big2), (select (r ->> 'attempt')::uuid from att), 1), '>', 0,
              'chunk 1 inserts its leads');
select is(app_private.merge_lead_batch_chunk((select id from big2), (select (r ->> 'attempt')::uuid from att), 1), 0,
          'chunk 1 again inserts nothing (a chunk is inserted once)');
select cmp_ok(pg_temp.stored(), '>', 41, 'the chunk''s leads are stored');
select is(pg_temp.visible(), 41, 'but no user sees them: the batch is pending');
select is((select first_name from app_public.leads where org_id = '96000000-0000-0000-0000-0000000000a1' and mak = 'P-0'),
          'New0', 'the matched lead is not updated before the publish');
select throws_ok(format('select app_private.merge_lead_batch_publish(%L, %L)', (select id from big2), (select r ->> 'attempt' from att)),
                 '55000', null, 'the publish refuses a batch whose chunks are not all in');

-- The batch's unlogged work tables (its normalised rows, grouped rows, duplicates, matches).
create function pg_temp.work_tables(batch uuid) returns bigint
  language sql as $$
  select count(*) from pg_tables
   where schemaname = 'app_private' and tablename ~ ('^lead_(merge|new|dup|grp|upd|los)_' || replace(batch::text, '-', '') || '$') $$;

-- The attempt fails: its leads are discarded; a straggling chunk of it inserts nothing.
select is(app_private.discard_lead_batch_attempt((select id from big2)) > 0, true, 'discard deletes the attempt''s leads');
select is(pg_temp.stored(), 41, 'nothing of the failed attempt is stored');
select is(pg_temp.work_tables((select id from big2)), 0::bigint, 'nor any of its work tables');
select throws_ok(format('select app_private.merge_lead_batch_chunk(%L, %L, 2)', (select id from big2), (select r ->> 'attempt' from att)),
                 '55000', null, 'a straggling chunk of a discarded attempt is refused');
select is(pg_temp.stored(), 41, 'and inserted nothing');

-- The next attempt merges the batch exactly once.
create temp table att2 as select app_private.merge_lead_batch_prepare((select id from big2), 2, 0) as r;
select isnt((select r ->> 'attempt' from att2), (select r ->> 'attempt' from att), 'a new attempt');
select is(app_private.merge_lead_batch_chunk((select id from big2), (select (r ->> 'attempt')::uuid from att2), 0), 2,
          'chunk 0 forms the groups and inserts their two new leads (Q-1, Q-2)');
select is(app_private.merge_lead_batch_chunk((select id from big2), (select (r ->> 'attempt')::uuid from att2), 1)
          + app_private.merge_lead_batch_chunk((select id from big2), (select (r ->> 'attempt')::uuid from att2), 2), 39,
          'chunks 1 and 2 insert the 39 leads of one row each');
select is(pg_temp.visible(), 41, 'still hidden before the publish');
select is(app_private.merge_lead_batch_publish((select id from big2), (select (r ->> 'attempt')::uuid from att2))
            - 'ms' - 'batch_id' - 'passes',
          '{"status": "merged", "rows_merged": 44, "rows_rejected": 1, "leads_created": 41, "leads_updated": 1, "leads_absorbed": 0, "chunks": 2}'::jsonb,
          'the publish merges: 41 created, 1 updated, and counts the row without a key that the failed attempt already logged');
select is((select (data ->> 'passes')::int from app_public.pipeline_events
             where subject_id = (select id from big2) and kind = 'merged'), 2,
          'the merged event records the passes chunk 0 took (the groups settle in one pass, a second finds no change)');
select is(pg_temp.visible(), 82, 'after the publish every lead is visible at once, exactly once');
select is(pg_temp.work_tables((select id from big2)), 0::bigint, 'the publish drops the batch''s work tables');
select is((select count(*)::int from (select mak from app_public.leads where org_id = '96000000-0000-0000-0000-0000000000a1'
                                        group by mak having count(*) > 1) d), 0, 'no duplicate leads');
select is((select first_name from app_public.leads where org_id = '96000000-0000-0000-0000-0000000000a1' and mak = 'P-0'),
          'Newest', 'the matched lead is updated by the publish');
select is(app_private.merge_lead_batch((select id from big2)) ->> 'already', 'true', 'a merged batch is never merged again');

select * from finish();
rollback;
