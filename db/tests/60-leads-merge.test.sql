-- Lead imports: validation and rejects, normalisation, triple-key dedupe, the merge rules
-- one by one, idempotence, scoring bounds, verification-code map re-derivation.
begin;
select plan(44);

insert into app_public.organizations (id, name) values ('60000000-0000-0000-0000-0000000000a1', 'Leads merge org');

-- A batch received at `received`, its rows as JSON (keys = staging columns).
create function pg_temp.batch(received timestamptz, rows jsonb, provider text default 'default') returns uuid
  language plpgsql as $$
declare
  id uuid := gen_random_uuid();
begin
  insert into app_public.lead_import_batches (org_id, id, content_sha256, status, received_at, verification_provider)
  values ('60000000-0000-0000-0000-0000000000a1', id, encode(sha256(id::text::bytea), 'hex'), 'queued', received, provider);
  insert into app_private.lead_staging
  select id, r.row_number, r.first_name, r.last_name, r.email, r.phone, r.property_address, r.property_city,
         r.property_state, r.property_zip, r.county_fips, r.apn, r.mak, r.mailing_address, r.mailing_city,
         r.mailing_state, r.mailing_zip, r.estimated_equity, r.owner_occupied, r.email_verification_code,
         r.phone_verification_code, r.attributes
    from jsonb_populate_recordset(null::app_private.lead_staging, rows) r;
  return id;
end
$$;
create function pg_temp.merge(received timestamptz, rows jsonb) returns jsonb
  language sql as $$ select app_private.merge_lead_batch(pg_temp.batch(received, rows)) $$;
create function pg_temp.lead(k text) returns app_public.leads
  language sql as $$ select * from app_public.leads where org_id = '60000000-0000-0000-0000-0000000000a1' and attributes ->> 'k' = k $$;
create function pg_temp.n() returns int
  language sql as $$ select count(*)::int from app_public.leads where org_id = '60000000-0000-0000-0000-0000000000a1' $$;

-- Normalisation
select is(app_private.normalize_address('123 North Main Street, Apt. 4'), '123 N MAIN ST APT 4', 'USPS suffix, directional and unit abbreviations');
select is(app_private.normalize_address('  123   n.  MAIN st   apt 4 '), '123 N MAIN ST APT 4', 'case, whitespace and punctuation');
select is(app_private.normalize_address('77 Sunset Boulevard #12'), '77 SUNSET BLVD # 12', '# unit kept as a token');
select is(app_private.address_hash('1 Elm Street', '2110'), app_private.address_hash('1 ELM ST.', '02110-1234'), 'addr_hash ignores ZIP+4 and a lost leading zero');
select is(app_private.normalize_apn('123-45-678.0'), '123456780', 'APN without separators');
select is(app_private.normalize_phone('+1 (415) 555-0100'), '+14155550100', 'phone to E.164');
select is(app_private.normalize_phone('555-0100'), null, 'a short phone number is unreadable');

-- Validation: bad rows rejected with row number and reason; good rows continue.
select is(pg_temp.merge(now() - interval '2 days', $$[
  {"row_number": 2, "mak": "M-1", "first_name": "Ann", "email": "ann@old.test", "phone": "4155550101", "owner_occupied": "no",
   "email_verification_code": "V1", "estimated_equity": "$100,000", "attributes": {"k": "a", "color": "red"}},
  {"row_number": 3, "first_name": "NoKey"},
  {"row_number": 4, "mak": "M-4", "email": "not-an-email"},
  {"row_number": 5, "mak": "M-5", "phone": "12"},
  {"row_number": 6, "property_address": "1 Elm St", "property_zip": "ABCDE"},
  {"row_number": 7, "mak": "M-7", "owner_occupied": "perhaps"},
  {"row_number": 8, "county_fips": "6037", "apn": "111-22-333", "first_name": "Bo", "attributes": {"k": "b"}},
  {"row_number": 9, "property_address": "9 West Oak Avenue", "property_zip": "94110", "first_name": "Cy", "attributes": {"k": "c"}}
]$$) ->> 'rows_rejected', '5', 'five of eight rows rejected');
select results_eq($$select row_number, reason from app_public.lead_import_rejects r
                     join app_public.lead_import_batches b on b.id = r.batch_id
                    where b.org_id = '60000000-0000-0000-0000-0000000000a1' order by row_number$$,
  $$values (3, 'missing key: needs mak, or county_fips and apn, or property_address and property_zip'),
           (4, 'invalid email'), (5, 'invalid phone'), (6, 'invalid property_zip'), (7, 'invalid owner_occupied')$$,
  'rejects carry the row number and the reason');
select is(pg_temp.n(), 3, 'three leads created');
select is((select status || ':' || rows_total || ':' || rows_merged || ':' || rows_rejected from app_public.lead_import_batches
            where org_id = '60000000-0000-0000-0000-0000000000a1'), 'merged:0:3:5', 'batch counters (rows_total is set by the upload)');
select is((select count(*)::int from app_private.lead_staging s join app_public.lead_import_batches b on b.id = s.batch_id
            where b.org_id = '60000000-0000-0000-0000-0000000000a1'), 0, 'staging rows are removed by the merge');

-- Dedupe on each key, with case and punctuation variants.
select pg_temp.merge(now() - interval '1 day', $$[
  {"row_number": 2, "mak": " m-1 ", "first_name": "Annie", "phone": null, "email": "ann@new.test", "owner_occupied": "yes",
   "email_verification_code": "v2", "attributes": {"size": "L"}},
  {"row_number": 3, "county_fips": "06037", "apn": "11122333", "last_name": "Boone"},
  {"row_number": 4, "property_address": "9 w. OAK ave", "property_zip": "94110-0001", "last_name": "Young"}
]$$);
select is(pg_temp.n(), 3, 'MAK, FIPS+APN and address variants matched the existing leads');
select is((pg_temp.lead('b')).last_name, 'Boone', 'APN match (separators ignored, FIPS zero-padded)');
select is((pg_temp.lead('c')).last_name, 'Young', 'address match (USPS abbreviations)');

-- Merge rules, one by one, on lead a.
select is((pg_temp.lead('a')).first_name, 'Annie', 'newer non-null contact data wins');
select is((pg_temp.lead('a')).email::text, 'ann@new.test', 'newer email wins');
select is((pg_temp.lead('a')).phone, '+14155550101', 'a null never overwrites a value');
select is((pg_temp.lead('a')).owner_occupied, true, 'booleans OR (no OR yes = true)');
select is((pg_temp.lead('a')).email_verification_codes, '{V1,V2}'::text[], 'verification codes union');
select is((pg_temp.lead('a')).attributes, '{"k": "a", "size": "L", "color": "red"}'::jsonb, 'attributes merge key by key');
select is((pg_temp.lead('a')).estimated_equity, 100000.00, 'equity kept when the new row has none');

-- Older data (received before the lead's newest) only fills gaps.
select pg_temp.merge(now() - interval '10 days', $$[
  {"row_number": 2, "mak": "M-1", "first_name": "Old Ann", "last_name": "Smith", "owner_occupied": "no"}
]$$);
select is((pg_temp.lead('a')).first_name, 'Annie', 'older data does not overwrite newer');
select is((pg_temp.lead('a')).last_name, 'Smith', 'older data fills a gap');
select is((pg_temp.lead('a')).owner_occupied, true, 'OR never turns true into false');

-- Idempotent: the same rows merged again change nothing.
create temp table before_merge as select * from app_public.leads where org_id = '60000000-0000-0000-0000-0000000000a1';
select pg_temp.merge(now() - interval '1 day', $$[
  {"row_number": 2, "mak": " m-1 ", "first_name": "Annie", "phone": null, "email": "ann@new.test", "owner_occupied": "yes",
   "email_verification_code": "v2", "attributes": {"size": "L"}},
  {"row_number": 3, "county_fips": "06037", "apn": "11122333", "last_name": "Boone"},
  {"row_number": 4, "property_address": "9 w. OAK ave", "property_zip": "94110-0001", "last_name": "Young"}
]$$);
select is_empty($$
  select id, first_name, last_name, email, phone, mak, apn_normalized, addr_hash, owner_occupied, email_verification_codes, attributes
    from app_public.leads where org_id = '60000000-0000-0000-0000-0000000000a1'
  except
  select id, first_name, last_name, email, phone, mak, apn_normalized, addr_hash, owner_occupied, email_verification_codes, attributes
    from before_merge$$, 're-merging the same rows is a no-op');
select is((select app_private.merge_lead_batch(id) ->> 'already' from app_public.lead_import_batches
            where org_id = '60000000-0000-0000-0000-0000000000a1' order by received_at limit 1), 'true',
  'merging a merged batch again does nothing');

-- Within one batch: rows chained by different keys become one lead; the last row wins.
select is(pg_temp.merge(now(), $$[
  {"row_number": 2, "mak": "CHAIN-1", "property_address": "500 Pine Road", "property_zip": "30301", "first_name": "First", "attributes": {"k": "chain"}},
  {"row_number": 3, "property_address": "500 PINE RD.", "property_zip": "30301", "county_fips": "13121", "apn": "9-9-9"},
  {"row_number": 4, "county_fips": "13121", "apn": "999", "first_name": "Last"},
  {"row_number": 5, "mak": "solo", "first_name": "Solo"}
]$$) ->> 'leads_created', '2', 'a chain MAK ↔ address ↔ APN inside one batch is one lead');
select is((pg_temp.lead('chain')).first_name, 'Last', 'the last row of the file wins inside a batch');
select is((pg_temp.lead('chain')).apn_normalized, '999', 'the chained lead carries all three keys');

-- A row matching two leads by different keys proves they are one property: the MAK match
-- survives and absorbs the address match (its key and its data).
select pg_temp.merge(now(), $$[
  {"row_number": 2, "mak": "M-1", "property_address": "9 West Oak Avenue", "property_zip": "94110", "first_name": "Ann again"}
]$$);
select is(pg_temp.n(), 4, 'the two matched leads became one');
select is((pg_temp.lead('a')).first_name, 'Ann again', 'the MAK match wins over the address match');
select is((pg_temp.lead('a')).last_name, 'Smith', 'the survivor keeps its own values; the absorbed lead only fills gaps');

-- Two leads a later row shows to be one property (one by MAK, one by address) become one.
select pg_temp.merge(now(), $$[
  {"row_number": 2, "mak": "ABS-1", "first_name": "By MAK", "owner_occupied": "no"},
  {"row_number": 3, "property_address": "1 Absorb Street", "property_zip": "10001", "last_name": "By address", "owner_occupied": "yes", "attributes": {"k": "absorbed"}}
]$$);
select is(pg_temp.n(), 6, 'two separate leads first');
select pg_temp.merge(now(), $$[{"row_number": 2, "mak": "abs-1", "property_address": "1 absorb st", "property_zip": "10001", "email": "abs@merge.test"}]$$);
select is(pg_temp.n(), 5, 'a row matching both absorbs one into the other');
select is((select first_name || '/' || last_name || '/' || owner_occupied || '/' || email || '/' || (addr_hash is not null)
             from app_public.leads where org_id = '60000000-0000-0000-0000-0000000000a1' and mak = 'ABS-1'),
  'By MAK/By address/true/abs@merge.test/true', 'the survivor carries both keys and the data of both');

-- Unique keys are NULL-safe and per org.
select throws_ok($$insert into app_public.leads (org_id, mak) values ('60000000-0000-0000-0000-0000000000a1', 'M-1')$$,
  '23505', null, 'a MAK exists once per org');
select lives_ok($$insert into app_public.leads (org_id) values ('60000000-0000-0000-0000-0000000000a1'), ('60000000-0000-0000-0000-0000000000a1')$$,
  'leads without keys never collide');

-- Score: bounded 0–100 by a check constraint; the function stays in range.
select throws_ok($$update app_public.leads set lead_score = 101 where org_id = '60000000-0000-0000-0000-0000000000a1'$$,
  '23514', null, 'lead_score above 100 is refused');
select is(app_private.lead_score(true, true, 10e9, true, '-5 days'), 100::smallint, 'the best lead scores 100');
select is(app_private.lead_score(false, false, -50000, false, '10 years'), 0::smallint, 'the worst lead scores 0');

-- The verification map turns codes into flags, and a change re-derives them.
insert into app_public.verification_code_map (org_id, provider, code, verdict)
values ('60000000-0000-0000-0000-0000000000a1', 'default', 'V2', 'valid');
select ok((pg_temp.lead('a')).email_verified and (pg_temp.lead('a')).lead_score >= 20, 'a valid code verifies the email and lifts the score');
update app_public.verification_code_map set verdict = 'risky' where org_id = '60000000-0000-0000-0000-0000000000a1' and code = 'V2';
select is((pg_temp.lead('a')).email_verified, false, 'changing the map re-derives the flag');

-- Within one batch: each field takes its newest row's non-null value (row 10 is newer than
-- row 9: the order is numeric, not textual), and attributes merge key by key in row order.
select pg_temp.merge(now(), $$[
  {"row_number": 9, "mak": "M-NEW", "first_name": "Old", "last_name": "Kept", "estimated_equity": "$5", "attributes": {"k": "w", "a": 1, "b": 1}},
  {"row_number": 10, "mak": "m-new", "first_name": "New", "attributes": {"b": 2}},
  {"row_number": 11, "mak": " M-NEW ", "attributes": {"k": "w2"}}
]$$);
select results_eq(
  $$select first_name, last_name, estimated_equity::text, attributes::text from app_public.leads
     where org_id = '60000000-0000-0000-0000-0000000000a1' and mak = 'M-NEW'$$,
  $$values ('New', 'Kept', '5.00', '{"a": 1, "b": 2, "k": "w2"}')$$,
  'within a batch: the newest non-null value of each field, attributes merged key by key');

select * from finish();
rollback;
