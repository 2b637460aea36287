-- The set-based merge of one import batch into app_public.leads.
--
-- Serialised per org by a transaction-level advisory lock, so two batches of the same org
-- never interleave (no duplicate leads, no key races); batches of different orgs run in
-- parallel. Idempotent: a merged batch is a no-op; re-merging the same rows changes nothing.
--
-- Steps (each one SQL statement over the whole batch, no per-row loop):
--   1. read + validate + normalise staging rows; bad rows → lead_import_rejects;
--   2. match each row to an existing lead: MAK, else (county FIPS, APN), else address hash;
--   3. group rows of the batch that share any key (connected components: a few
--      label-propagation passes over the rows whose keys repeat);
--   4. one unit per group (groups matching the same lead join it), values per field:
--      newest non-null (last row in the file), booleans OR, code arrays union;
--   5. update matched leads / insert new ones with the merge rules:
--      - a NULL never overwrites a value;
--      - contact and property data: the newer data (by received time) wins when non-null;
--      - booleans OR; verification-code arrays union; attributes merge key by key;
--      - keys already set stay; a missing key is filled unless another lead holds it;
--   6. re-derive verification flags and score; log pipeline events; drop staging rows.

create or replace function app_private.lead_lock_key(org_id uuid) returns bigint
  language sql immutable parallel safe
as $$
  select hashtextextended('switchboard.leads:' || org_id::text, 0)
$$;

-- jsonb objects merged in the aggregate's order (later keys win), as `||` does. An aggregate
-- over the built-in jsonb_concat, where jsonb_merge_all(jsonb[]) was a SQL function with a
-- subquery (never inlined, an executor run per call): the groups' attributes of the import
-- bench took 3.6 s with it and 0.5 s with this (88,500 groups of two, the same objects).
drop function if exists app_private.jsonb_merge_all(jsonb[]);
create or replace aggregate app_private.jsonb_merge_agg(jsonb) (sfunc = pg_catalog.jsonb_concat, stype = jsonb, initcond = '{}');

-- Absorb leads that a batch showed to be one property (matched by different keys) into
-- the chosen target: pg_temp.lm_losers (loser_id, target_id, round). One set-based round
-- per loser rank (a target rarely has more than one). The loser's data only fills the
-- target's gaps; booleans OR, code arrays union, consent kept, do_not_contact wins.
create or replace function app_private.absorb_leads(org_id uuid) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  k int := 0;
  total int := 0;
  n int;
begin
  loop
    k := k + 1;
    exit when not exists (select 1 from pg_temp.lm_losers x where x.round = k);
    with gone as (
      delete from app_public.leads l using pg_temp.lm_losers x
       where x.round = k and l.org_id = absorb_leads.org_id and l.id = x.loser_id
      returning x.target_id, l.*
    )
    update app_public.leads t set
      first_name = coalesce(t.first_name, a.first_name),
      last_name = coalesce(t.last_name, a.last_name),
      email = coalesce(t.email, a.email),
      phone = coalesce(t.phone, a.phone),
      property_address = coalesce(t.property_address, a.property_address),
      property_city = coalesce(t.property_city, a.property_city),
      property_state = coalesce(t.property_state, a.property_state),
      property_zip = coalesce(t.property_zip, a.property_zip),
      mak = coalesce(t.mak, a.mak),
      county_fips = case when t.apn_normalized is null then a.county_fips else t.county_fips end,
      apn = case when t.apn_normalized is null then a.apn else t.apn end,
      apn_normalized = coalesce(t.apn_normalized, a.apn_normalized),
      address_normalized = case when t.addr_hash is null then a.address_normalized else t.address_normalized end,
      addr_hash = coalesce(t.addr_hash, a.addr_hash),
      mailing_address = coalesce(t.mailing_address, a.mailing_address),
      mailing_city = coalesce(t.mailing_city, a.mailing_city),
      mailing_state = coalesce(t.mailing_state, a.mailing_state),
      mailing_zip = coalesce(t.mailing_zip, a.mailing_zip),
      estimated_equity = coalesce(t.estimated_equity, a.estimated_equity),
      owner_occupied = case when t.owner_occupied is null and a.owner_occupied is null then null
                            else coalesce(t.owner_occupied, false) or coalesce(a.owner_occupied, false) end,
      email_verification_codes = array(select distinct c from unnest(t.email_verification_codes || a.email_verification_codes) c order by c),
      phone_verification_codes = array(select distinct c from unnest(t.phone_verification_codes || a.phone_verification_codes) c order by c),
      email_verified = t.email_verified or a.email_verified,
      phone_verified = t.phone_verified or a.phone_verified,
      lead_score = greatest(t.lead_score, a.lead_score),
      attributes = a.attributes || t.attributes,
      pii_encrypted = coalesce(t.pii_encrypted, a.pii_encrypted),
      campaign_status = case when 'do_not_contact' in (t.campaign_status, a.campaign_status) then 'do_not_contact'
                             when t.campaign_status = 'new' then a.campaign_status else t.campaign_status end,
      added_to_campaign_at = least(t.added_to_campaign_at, a.added_to_campaign_at),
      assigned_to = coalesce(t.assigned_to, a.assigned_to),
      consent_given = t.consent_given or a.consent_given,
      consented_at = least(t.consented_at, a.consented_at),
      data_as_of = greatest(t.data_as_of, a.data_as_of),
      created_at = least(t.created_at, a.created_at),
      updated_at = now()
    from gone a
    where t.org_id = absorb_leads.org_id and t.id = a.target_id;
    get diagnostics n = row_count;
    total := total + n;
  end loop;
  return total;
end
$$;

-- A time-ordered UUID (RFC 9562's UUIDv7 layout: 48-bit Unix milliseconds, version 7, 12 +
-- 62 random bits, variant 10). New leads get these ids so the two id indexes grow at their
-- right edge during a bulk merge instead of touching a random leaf per row.
-- The random bits come from random(), the backend's generator (seeded from a strong source
-- when the backend starts), not from gen_random_uuid(): a lead id only has to be unique within
-- its org and ordered by time (tenancy is RLS's job, never an unguessable id), and the strong
-- source made an id cost 3.8 µs where this costs 1.1 (measured over 909,091 ids, the new leads
-- of the import bench, all computed on the merge's one serial path).
create or replace function app_private.time_ordered_uuid() returns uuid
  language sql volatile parallel restricted
as $$
  select encode(int8send(((date_part('epoch', clock_timestamp()) * 1000)::bigint << 16)
                         | 28672 | (random() * 4095)::int)
                || int8send(((random() * 2147483647)::bigint << 31) | (random() * 2147483647)::bigint
                            | (-9223372036854775807 - 1)), 'hex')::uuid
$$;


-- Steps 5a and 6 of a merge: the matched leads (pg_temp.lm_units rows with a target) take the
-- batch's data by the merge rules; their flags and score are re-derived. Shared by the
-- one-transaction merge and the publish step of a parallel one.
create or replace function app_private.merge_lead_update_matched(b app_public.lead_import_batches, email_ok text[])
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  n_updated int;
begin
  -- 5a. Matched leads. Newer data (this batch was received at or after the lead's data)
  --     wins where non-null; older data only fills gaps. Keys fill gaps only when free.
  with u as (
    select u.*, l.data_as_of <= b.received_at as newer
      from pg_temp.lm_units u
      join app_public.leads l on l.org_id = b.org_id and l.id = u.target_id
  )
  update app_public.leads l set
    first_name = case when u.newer then coalesce(u.first_name, l.first_name) else coalesce(l.first_name, u.first_name) end,
    last_name = case when u.newer then coalesce(u.last_name, l.last_name) else coalesce(l.last_name, u.last_name) end,
    email = case when u.newer then coalesce(u.email, l.email) else coalesce(l.email, u.email) end,
    phone = case when u.newer then coalesce(u.phone, l.phone) else coalesce(l.phone, u.phone) end,
    property_address = case when u.newer then coalesce(u.property_address, l.property_address) else coalesce(l.property_address, u.property_address) end,
    property_city = case when u.newer then coalesce(u.property_city, l.property_city) else coalesce(l.property_city, u.property_city) end,
    property_state = case when u.newer then coalesce(u.property_state, l.property_state) else coalesce(l.property_state, u.property_state) end,
    property_zip = case when u.newer then coalesce(u.property_zip, l.property_zip) else coalesce(l.property_zip, u.property_zip) end,
    mailing_address = case when u.newer then coalesce(u.mailing_address, l.mailing_address) else coalesce(l.mailing_address, u.mailing_address) end,
    mailing_city = case when u.newer then coalesce(u.mailing_city, l.mailing_city) else coalesce(l.mailing_city, u.mailing_city) end,
    mailing_state = case when u.newer then coalesce(u.mailing_state, l.mailing_state) else coalesce(l.mailing_state, u.mailing_state) end,
    mailing_zip = case when u.newer then coalesce(u.mailing_zip, l.mailing_zip) else coalesce(l.mailing_zip, u.mailing_zip) end,
    estimated_equity = case when u.newer then coalesce(u.estimated_equity, l.estimated_equity) else coalesce(l.estimated_equity, u.estimated_equity) end,
    owner_occupied = case when l.owner_occupied is null and u.owner_occupied is null then null
                          else coalesce(l.owner_occupied, false) or coalesce(u.owner_occupied, false) end,
    mak = coalesce(l.mak, case when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.mak = u.mak) then u.mak end),
    county_fips = case when l.apn_normalized is not null then l.county_fips
                       when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                         then u.county_fips end,
    apn = case when l.apn_normalized is not null then l.apn
               when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                 then u.apn end,
    apn_normalized = case when l.apn_normalized is not null then l.apn_normalized
                          when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                            then u.apn_normalized end,
    address_normalized = case when l.addr_hash is not null then l.address_normalized
                              when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.addr_hash = u.addr_hash)
                                then u.address_normalized end,
    addr_hash = coalesce(l.addr_hash, case when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.addr_hash = u.addr_hash) then u.addr_hash end),
    email_verification_codes = array(select distinct c from unnest(l.email_verification_codes || u.email_codes) c order by c),
    phone_verification_codes = array(select distinct c from unnest(l.phone_verification_codes || u.phone_codes) c order by c),
    attributes = case when u.newer then l.attributes || u.attributes else u.attributes || l.attributes end,
    data_as_of = greatest(l.data_as_of, b.received_at),
    last_batch_id = b.id,
    updated_at = now()
  from u
  where l.org_id = b.org_id and l.id = u.target_id;
  get diagnostics n_updated = row_count;

  -- 6. Flags and score of the updated leads (new ones were computed on insert).
  update app_public.leads l
     set email_verified = l.email_verification_codes && email_ok,
         phone_verified = l.phone_verification_codes && email_ok,
         lead_score = app_private.lead_score(l.email_verification_codes && email_ok, l.phone_verification_codes && email_ok,
                                             l.estimated_equity, l.owner_occupied, now() - l.data_as_of)
    from pg_temp.lm_units u
   where u.target_id is not null and l.org_id = b.org_id and l.id = u.target_id
     and l.verification_provider = b.verification_provider;

  return n_updated;
end
$$;

-- Steps 3–4 of a merge over the rows that take part in groups (pg_temp.lm_dupdata, analysed:
-- the rows with a repeated key or a match, whole): connected components (label propagation
-- until stable) into pg_temp.lm_dup, each group's target lead and the leads it absorbs
-- (pg_temp.lm_target, pg_temp.lm_losers) and one unit per group (pg_temp.lm_units). Returns
-- the passes it took. Shared by the one-transaction merge and chunk 0 of a parallel one.
create or replace function app_private.merge_lead_groups() returns int
  language plpgsql volatile
  set search_path = pg_catalog, public
as $$
declare
  passes int := 0;
  changed int;
begin
  drop table if exists pg_temp.lm_dup;
  create temporary table lm_dup on commit drop as
  select r.row_number, r.row_number as grp from pg_temp.lm_dupdata r;
  create index on pg_temp.lm_dup (row_number);
  analyze pg_temp.lm_dup;
  drop table if exists pg_temp.lm_edge;
  create temporary table lm_edge on commit drop as
  select d.row_number, k.node
    from pg_temp.lm_dup d
    join pg_temp.lm_dupdata r on r.row_number = d.row_number
   cross join lateral (values ('m' || r.mak_n), ('a' || r.fips_n || '/' || r.apn_n), ('h' || encode(r.addr_hash, 'hex')),
                              ('l' || r.m1), ('l' || r.m2), ('l' || r.m3)) k(node)
   where k.node is not null;
  loop
    passes := passes + 1;
    with nl as (
      select e.node, min(d.grp) as g from pg_temp.lm_edge e join pg_temp.lm_dup d on d.row_number = e.row_number group by e.node
    ), rl as (
      select e.row_number, min(nl.g) as g from pg_temp.lm_edge e join nl on nl.node = e.node group by e.row_number
    )
    update pg_temp.lm_dup d set grp = rl.g from rl where rl.row_number = d.row_number and rl.g < d.grp;
    get diagnostics changed = row_count;
    exit when changed = 0 or passes > 100;
  end loop;
  -- Rows outside lm_dup are groups of one without a match: they become new leads as they
  -- are (5b), skipping the aggregation below.

  -- 4. A group's target: its best matched lead (a MAK match before an APN match before an
  --    address match, then the oldest id). Other leads the group matched are the same
  --    property seen through different keys: they are absorbed into the target.
  drop table if exists pg_temp.lm_leadmatch;
  create temporary table lm_leadmatch on commit drop as
  select distinct d.grp, m.lead_id, m.rank
    from pg_temp.lm_dup d
    join pg_temp.lm_dupdata r on r.row_number = d.row_number
   cross join lateral (values (r.m1, 1), (r.m2, 2), (r.m3, 3)) m(lead_id, rank)
   where m.lead_id is not null;
  drop table if exists pg_temp.lm_target;
  create temporary table lm_target on commit drop as
  select m.grp, (array_agg(m.lead_id order by m.rank, m.lead_id))[1] as target_id
    from pg_temp.lm_leadmatch m
   group by m.grp;
  drop table if exists pg_temp.lm_losers;
  create temporary table lm_losers on commit drop as
  select distinct m.lead_id as loser_id, t.target_id,
         dense_rank() over (partition by t.target_id order by m.lead_id) as round
    from pg_temp.lm_leadmatch m
    join pg_temp.lm_target t on t.grp = m.grp
   where m.lead_id <> t.target_id;
  drop table if exists pg_temp.lm_units;

  -- A group's value of each field is its newest row's non-null one: the max of
  -- [row_key, value] arrays (row_key is the row number as ten digits, so the arrays compare by
  -- it), not array_agg(value order by row_number desc): PostgreSQL 15 sorts every ordered
  -- aggregate of every group on its own, 19 sorts per group (measured on 177,000 rows in
  -- groups of two: 1.1–1.4 s against 2.0–2.9 s, the same values).
  create temporary table lm_units on commit drop as
  select t.target_id,
         case when t.target_id is null then min(d.grp) end as new_grp,
         count(*) as n_rows,
         max(r.row_number) as last_row,
         (max(array[r.row_key, r.first_name]) filter (where r.first_name is not null))[2] as first_name,
         (max(array[r.row_key, r.last_name]) filter (where r.last_name is not null))[2] as last_name,
         ((max(array[r.row_key, r.email_n::text]) filter (where r.email_n is not null))[2])::public.citext as email,
         (max(array[r.row_key, r.phone_n]) filter (where r.phone_n is not null))[2] as phone,
         (max(array[r.row_key, r.property_address]) filter (where r.property_address is not null))[2] as property_address,
         (max(array[r.row_key, r.property_city]) filter (where r.property_city is not null))[2] as property_city,
         (max(array[r.row_key, r.property_state]) filter (where r.property_state is not null))[2] as property_state,
         (max(array[r.row_key, r.zip_n]) filter (where r.zip_n is not null))[2] as property_zip,
         (max(array[r.row_key, r.fips_n]) filter (where r.fips_n is not null and r.apn_n is not null))[2] as county_fips,
         (max(array[r.row_key, r.apn]) filter (where r.fips_n is not null and r.apn_n is not null))[2] as apn,
         (max(array[r.row_key, r.apn_n]) filter (where r.fips_n is not null and r.apn_n is not null))[2] as apn_normalized,
         (max(array[r.row_key, r.mak_n]) filter (where r.mak_n is not null))[2] as mak,
         (max(array[r.row_key, r.addr_n]) filter (where r.addr_hash is not null))[2] as address_normalized,
         decode((max(array[r.row_key, encode(r.addr_hash, 'hex')]) filter (where r.addr_hash is not null))[2], 'hex') as addr_hash,
         (max(array[r.row_key, r.mailing_address]) filter (where r.mailing_address is not null))[2] as mailing_address,
         (max(array[r.row_key, r.mailing_city]) filter (where r.mailing_city is not null))[2] as mailing_city,
         (max(array[r.row_key, r.mailing_state]) filter (where r.mailing_state is not null))[2] as mailing_state,
         (max(array[r.row_key, r.mailing_zip_n]) filter (where r.mailing_zip_n is not null))[2] as mailing_zip,
         ((max(array[r.row_key, r.equity_n::text]) filter (where r.equity_n is not null))[2])::numeric as estimated_equity,
         bool_or(r.owner_occupied_n) as owner_occupied,
         coalesce(array_agg(distinct r.email_code) filter (where r.email_code is not null), '{}') as email_codes,
         coalesce(array_agg(distinct r.phone_code) filter (where r.phone_code is not null), '{}') as phone_codes,
         -- (Anything but an object, which the upload never stages, is skipped.)
         app_private.jsonb_merge_agg(case when jsonb_typeof(r.attributes) = 'object' then r.attributes else '{}' end
                                     order by r.row_number) as attributes
    from pg_temp.lm_dup d
    join pg_temp.lm_dupdata r on r.row_number = d.row_number
    left join pg_temp.lm_target t on t.grp = d.grp
   group by t.target_id, case when t.target_id is null then d.grp end;
  return passes;
end
$$;

create or replace function app_private.merge_lead_batch(batch_id uuid)
  returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  set client_min_messages = warning
  -- Sorts and hashes of a whole batch stay in memory (reset when the call returns).
  set work_mem = '256MB'
  set maintenance_work_mem = '256MB'
  -- A batch's scan is worth splitting across the cores: each row costs a normalisation,
  -- which the default costs do not see.
  set parallel_setup_cost = 100
  set parallel_tuple_cost = 0.01
as $$
declare
  b app_public.lead_import_batches;
  t0 timestamptz := clock_timestamp();
  n_rejected int;
  n_rows int;
  n_valid int;
  n_updated int;
  n_created int;
  passes int := 0;
  email_ok text[];
  n_absorbed int := 0;
  work text;
  staged text;
  -- Above one, the new leads are inserted by that many transactions at once (see
  -- merge_lead_batch_prepare): this call only prepares them.
  chunks int := greatest(1, coalesce(nullif(current_setting('switchboard.lead_merge_chunks', true), '')::int, 1));
  attempt uuid;
  n_new int;
  n_grouped int;
  suffix text;
  dupdata text;
begin
  -- Room for the batch's temporary tables in memory (the default 8 MB spills a large batch
  -- to files read back several times). Only possible before the session's first temporary
  -- table: a session that already has its local buffers keeps them.
  begin
    perform set_config('temp_buffers', '128MB', true);
  exception when invalid_parameter_value then
    null;
  end;
  select * into b from app_public.lead_import_batches x where x.id = merge_lead_batch.batch_id;
  if not found then
    raise exception 'no batch %', merge_lead_batch.batch_id using errcode = 'P0002';
  end if;
  perform pg_advisory_xact_lock(app_private.lead_lock_key(b.org_id));
  -- Leads that an interrupted parallel merge of this org left hidden go first (the lock says
  -- no merge of the org is running).
  perform app_private.discard_pending_lead_batches(b.org_id);
  select * into b from app_public.lead_import_batches x where x.id = merge_lead_batch.batch_id for update;
  if b.status = 'merged' then
    return jsonb_build_object('batch_id', b.id, 'status', 'merged', 'already', true);
  end if;
  if b.status not in ('queued', 'merging', 'failed') then
    raise exception 'batch % is %', b.id, b.status using errcode = '55000';
  end if;
  update app_public.lead_import_batches x set status = 'merging', merge_started_at = t0, attempts = x.attempts + 1
   where x.id = b.id;

  -- Codes the org's map calls valid for this batch's provider.
  select coalesce(array_agg(upper(m.code)), '{}') into email_ok
    from app_public.verification_code_map m
   where m.org_id = b.org_id and m.provider = b.verification_provider and m.verdict = 'valid';

  -- 1. Read, normalise and validate the batch's rows, in one statement. The working set is
  --    an unlogged table made by CREATE TABLE AS, so the normalisation (most of the CPU of
  --    a merge) runs in parallel workers; temporary tables never get parallel plans. The
  --    steps below name it through the temporary view pg_temp.lm. Both are dropped when the
  --    merge ends (or vanish with its rollback); a parallel merge's work table lives on until
  --    its publish or discard, since its chunks read their new leads from it.
  work := 'lead_merge_' || replace(b.id::text, '-', '');
  -- An upload's rows are in its own table (leads/uploads.sql); rows staged otherwise in
  -- lead_staging under the batch id.
  staged := app_private.lead_upload_table(b.id);
  if to_regclass(format('app_private.%I', staged)) is null then
    staged := null;
  end if;
  drop view if exists pg_temp.lm;
  execute format('drop table if exists app_private.%I', work);
  execute format($q$create unlogged table app_private.%1$I as
  select r.*,
         -- An APN without a valid FIPS is no key (apn_raw_n only explains the reject).
         case when r.fips_n is not null then r.apn_raw_n end as apn_n,
         -- The address key needs a street line and a ZIP.
         case when r.addr_n is not null and r.zip_n is not null
              then sha224(convert_to(r.addr_n || '|' || left(r.zip_n, 5), 'UTF8')) end as addr_hash,
         null::uuid as m1, null::uuid as m2, null::uuid as m3,
         -- A parallel merge's id for the row should it become a new lead on its own: made
         -- here, in row order, so each chunk's range of rows is a range of ids (each inserting
         -- transaction grows the id indexes at a place of its own).
         %3$s as new_id,
         case
           when r.mak_n is null and (r.fips_n is null or r.apn_raw_n is null) and (r.addr_n is null or r.zip_n is null)
             then case
               when r.apn_raw_n is not null and r.county_fips is not null and r.fips_n is null then 'invalid county_fips'
               when r.addr_n is not null and r.property_zip is not null and r.zip_n is null then 'invalid property_zip'
               else 'missing key: needs mak, or county_fips and apn, or property_address and property_zip' end
           when r.email is not null and r.email_n is null then 'invalid email'
           when r.phone is not null and r.phone_n is null then 'invalid phone'
           when r.property_zip is not null and r.zip_n is null then 'invalid property_zip'
           when r.mailing_zip is not null and r.mailing_zip_n is null then 'invalid mailing_zip'
           when r.county_fips is not null and r.fips_n is null then 'invalid county_fips'
           when r.property_state is not null and r.property_state !~ '^[A-Za-z]{2}$' then 'invalid property_state'
           when r.mailing_state is not null and r.mailing_state !~ '^[A-Za-z]{2}$' then 'invalid mailing_state'
           when r.estimated_equity is not null and (r.equity_n is null or abs(r.equity_n) >= 1e12) then 'invalid estimated_equity'
           when r.owner_occupied is not null and r.owner_occupied_n is null then 'invalid owner_occupied'
         end as reason
    from (
      select s.row_number,
             nullif(btrim(s.first_name), '') as first_name,
             nullif(btrim(s.last_name), '') as last_name,
             nullif(btrim(s.email), '') as email,
             app_private.normalize_email(s.email) as email_n,
             nullif(btrim(s.phone), '') as phone,
             app_private.normalize_phone(s.phone) as phone_n,
             nullif(btrim(s.property_address), '') as property_address,
             app_private.normalize_address(s.property_address) as addr_n,
             nullif(btrim(s.property_city), '') as property_city,
             upper(nullif(btrim(s.property_state), '')) as property_state,
             nullif(btrim(s.property_zip), '') as property_zip,
             app_private.normalize_zip(s.property_zip) as zip_n,
             nullif(btrim(s.county_fips), '') as county_fips,
             app_private.normalize_fips(s.county_fips) as fips_n,
             nullif(btrim(s.apn), '') as apn,
             app_private.normalize_apn(s.apn) as apn_raw_n,
             app_private.normalize_mak(s.mak) as mak_n,
             nullif(btrim(s.mailing_address), '') as mailing_address,
             nullif(btrim(s.mailing_city), '') as mailing_city,
             upper(nullif(btrim(s.mailing_state), '')) as mailing_state,
             nullif(btrim(s.mailing_zip), '') as mailing_zip,
             app_private.normalize_zip(s.mailing_zip) as mailing_zip_n,
             nullif(btrim(s.estimated_equity), '') as estimated_equity,
             app_private.parse_money(s.estimated_equity) as equity_n,
             nullif(btrim(s.owner_occupied), '') as owner_occupied,
             app_private.parse_boolean(s.owner_occupied) as owner_occupied_n,
             nullif(upper(btrim(s.email_verification_code)), '') as email_code,
             nullif(upper(btrim(s.phone_verification_code)), '') as phone_code,
             coalesce(s.attributes, '{}') as attributes
        from %2$s
      -- A fence: each normalised value is computed once per row (in the parallel scan),
      -- not once per use below.
      offset 0
    ) r
  $q$, work, case when staged is not null then format('app_private.%I s', staged)
                  else format('app_private.lead_staging s where s.batch_id = %L', b.id) end,
     case when chunks > 1 then 'app_private.time_ordered_uuid()' else 'null::uuid' end);
  get diagnostics n_rows = row_count;
  execute format('create temporary view lm as select * from app_private.%I', work);


  insert into app_public.lead_import_rejects (org_id, batch_id, row_number, reason, row_data)
  select b.org_id, b.id, r.row_number, r.reason,
         jsonb_strip_nulls(jsonb_build_object(
           'first_name', r.first_name, 'last_name', r.last_name, 'email', r.email, 'phone', r.phone,
           'property_address', r.property_address, 'property_zip', r.property_zip, 'county_fips', r.county_fips,
           'apn', r.apn, 'mak', r.mak_n, 'mailing_zip', r.mailing_zip, 'estimated_equity', r.estimated_equity,
           'owner_occupied', r.owner_occupied))
    from pg_temp.lm r
   where r.reason is not null
  on conflict do nothing;
  -- The rows rejected are the rows deleted here: after an interrupted parallel merge the
  -- retry finds the reject rows its first attempt committed (ON CONFLICT), and the batch must
  -- still count them.
  delete from pg_temp.lm r where r.reason is not null;
  get diagnostics n_rejected = row_count;
  n_valid := n_rows - n_rejected;
  execute format('create index on app_private.%I (row_number)', work);
  execute format('analyze app_private.%I', work);

  -- 2. Match existing leads by each key (an org's first import has none to match: skipped;
  --    the org's lock makes that check safe).
  if exists (select 1 from app_public.leads l where l.org_id = b.org_id) then
    update pg_temp.lm r
       set m1 = l1.id, m2 = l2.id, m3 = l3.id
      from pg_temp.lm r0
      left join app_public.leads l1 on l1.org_id = b.org_id and l1.mak = r0.mak_n
      left join app_public.leads l2 on l2.org_id = b.org_id and l2.county_fips = r0.fips_n and l2.apn_normalized = r0.apn_n
      left join app_public.leads l3 on l3.org_id = b.org_id and l3.addr_hash = r0.addr_hash
     where r.row_number = r0.row_number
       and coalesce(l1.id, l2.id, l3.id) is not null;
  end if;

  -- 3. Connected components over rows and existing leads: rows sharing a key, and rows
  --    matching a lead, end up in one group. Only rows with a repeated key or a match take
  --    part (the others are groups of one). Label propagation until stable.
  --    The rows taking part are copied whole (lm_dupdata) in the scan that finds them, so
  --    the steps below join that small table instead of hashing all of lm again; lm_dup
  --    holds just (row, group) for the propagation.
  --    A parallel merge keeps them in an unlogged table of the batch (lead_grp_*): its
  --    groups are formed by chunk 0 while chunks 1… insert the rows that are leads on their
  --    own (merge_parallel.sql).
  drop table if exists pg_temp.lm_dupdata;
  dupdata := $q$
  select r.*, lpad(r.row_number::text, 10, '0') as row_key
    from pg_temp.lm r
   where r.m1 is not null or r.m2 is not null or r.m3 is not null
      or r.mak_n in (select x.mak_n from pg_temp.lm x where x.mak_n is not null group by 1 having count(*) > 1)
      or (r.fips_n, r.apn_n) in (select x.fips_n, x.apn_n from pg_temp.lm x where x.apn_n is not null group by 1, 2 having count(*) > 1)
      or r.addr_hash in (select x.addr_hash from pg_temp.lm x where x.addr_hash is not null group by 1 having count(*) > 1)$q$;
  if chunks > 1 then
    suffix := replace(b.id::text, '-', '');
    execute format('drop table if exists app_private.%I', 'lead_grp_' || suffix);
    execute format('create unlogged table app_private.%I as %s', 'lead_grp_' || suffix, dupdata);
    get diagnostics n_grouped = row_count;
    execute format('drop table if exists app_private.%I', 'lead_dup_' || suffix);
    execute format('create unlogged table app_private.%I as select g.row_number from app_private.%I g',
                   'lead_dup_' || suffix, 'lead_grp_' || suffix);
    drop view pg_temp.lm;
    attempt := gen_random_uuid();
    n_new := n_valid - n_grouped;
    insert into app_private.lead_import_pending (org_id, batch_id, attempt, chunks, rows_new, rows_merged, rows_rejected, started_at)
    values (b.org_id, b.id, attempt, chunks, n_new, n_valid, n_rejected, t0);
    return jsonb_build_object('batch_id', b.id, 'status', 'prepared', 'attempt', attempt, 'chunks', chunks, 'leads_single', n_new,
                              'rows_grouped', n_grouped, 'rows_merged', n_valid, 'rows_rejected', n_rejected,
                              'ms', round(extract(epoch from clock_timestamp() - t0) * 1000));
  end if;
  execute 'create temporary table lm_dupdata on commit drop as ' || dupdata;
  analyze pg_temp.lm_dupdata;
  passes := app_private.merge_lead_groups();
  if exists (select 1 from pg_temp.lm_losers) then
    n_absorbed := app_private.absorb_leads(b.org_id);
  end if;

  n_updated := app_private.merge_lead_update_matched(b, email_ok);

  -- 5b. New leads.
  insert into app_public.leads (
    id, org_id, first_name, last_name, email, phone, property_address, property_city, property_state, property_zip,
    county_fips, apn, apn_normalized, mak, address_normalized, addr_hash, mailing_address, mailing_city, mailing_state,
    mailing_zip, estimated_equity, owner_occupied, email_verification_codes, phone_verification_codes,
    verification_provider, email_verified, phone_verified, lead_score, attributes, data_as_of, first_batch_id, last_batch_id)
  select app_private.time_ordered_uuid(), b.org_id, u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city, u.property_state,
         u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
         u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
         u.email_codes, u.phone_codes, b.verification_provider,
         u.email_codes && email_ok, u.phone_codes && email_ok,
         app_private.lead_score(u.email_codes && email_ok, u.phone_codes && email_ok, u.estimated_equity, u.owner_occupied,
                                now() - b.received_at),
         u.attributes, b.received_at, b.id, b.id
    from (
      select u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city, u.property_state,
             u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
             u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
             u.email_codes, u.phone_codes, u.attributes, u.new_grp as ord
        from pg_temp.lm_units u
       where u.target_id is null
      union all
      select r.first_name, r.last_name, r.email_n, r.phone_n, r.property_address, r.property_city, r.property_state,
             r.zip_n, case when r.apn_n is not null then r.fips_n end, case when r.apn_n is not null then r.apn end, r.apn_n,
             r.mak_n, case when r.addr_hash is not null then r.addr_n end, r.addr_hash,
             r.mailing_address, r.mailing_city, r.mailing_state, r.mailing_zip_n, r.equity_n, r.owner_occupied_n,
             case when r.email_code is not null then array[r.email_code] else '{}' end,
             case when r.phone_code is not null then array[r.phone_code] else '{}' end,
             r.attributes, r.row_number
        from pg_temp.lm r
       where not exists (select 1 from pg_temp.lm_dup d where d.row_number = r.row_number)
    ) u;
  get diagnostics n_created = row_count;

  if staged is not null then
    execute format('drop table app_private.%I', staged);
  else
    delete from app_private.lead_staging s where s.batch_id = b.id;
  end if;
  drop view pg_temp.lm;
  execute format('drop table app_private.%I', work);
  update app_public.lead_import_batches x
     set status = 'merged', rows_merged = n_valid, rows_rejected = n_rejected,
         leads_created = n_created, leads_updated = n_updated, merged_at = clock_timestamp(), error = null
   where x.id = b.id;

  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, duration_ms, data)
  values (b.org_id, 'merged', b.id, n_valid,
          (extract(epoch from clock_timestamp() - b.received_at) * 1000)::bigint,
          jsonb_build_object('batch_id', b.id, 'created', n_created, 'updated', n_updated, 'absorbed', n_absorbed, 'passes', passes));
  if n_rejected > 0 then
    insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
    values (b.org_id, 'rows_rejected', b.id, n_rejected, jsonb_build_object('batch_id', b.id));
  end if;
  return jsonb_build_object('batch_id', b.id, 'status', 'merged', 'rows_merged', n_valid, 'rows_rejected', n_rejected,
                            'leads_created', n_created, 'leads_updated', n_updated, 'leads_absorbed', n_absorbed, 'passes', passes,
                            'ms', round(extract(epoch from clock_timestamp() - t0) * 1000));
end
$$;
