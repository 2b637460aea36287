-- A large batch's new leads inserted by several transactions at once, all-or-nothing as users
-- see it. The worker task (tasks/merge_lead_batch.ts) holds the org's lead lock for the whole
-- merge on one connection (a session advisory lock: no other merge of the org can start, and
-- the lock goes away with the connection if the worker dies) and runs:
--   1. merge_lead_batch_prepare(batch, chunks) — the merge's steps 1–3a (normalise, reject,
--      match, find the rows that take part in groups); the rows stay in unlogged tables of
--      the batch (its work table lead_merge_*, the grouped rows lead_grp_* and their row
--      numbers lead_dup_*); the batch is registered in app_private.lead_import_pending under
--      a fresh attempt id. Commits.
--   2. merge_lead_batch_chunk(batch, attempt, k) for k = 0 … chunks, each on its own
--      connection and transaction, at once: chunk 0 forms the groups (steps 3b–4) and
--      inserts their new leads; chunk k ≥ 1 inserts the k-th range of the rows that are leads
--      on their own. So the grouping, one core's work, runs beside the inserts instead of
--      before them. The rows carry first_batch_id = the batch, and every reader of leads
--      treats the leads of a pending batch as absent (the RLS policies through
--      pending_lead_batch_ids(); the feeder and the contactable set never see them: they are
--      'new' and unconsented). Each chunk records itself in lead_import_chunks in the same
--      transaction: a chunk is inserted once.
--   3. merge_lead_batch_publish(batch, attempt) — one short transaction: matched leads
--      updated and absorbed ones merged (as the one-transaction merge does), the batch marked
--      merged and its pending row deleted. Its commit un-hides every new lead at once.
-- Failure anywhere before 3 commits: discard_pending_lead_batches deletes the leads the
-- attempt inserted and its pending row (the task calls it; the next merge of the org does
-- too, under the lock, for an attempt whose worker died), then the job is retried from
-- step 1. A straggling chunk of a discarded attempt cannot insert afterwards: it needs its
-- attempt's pending row (which it locks FOR SHARE, so the discard waits for a running one).

-- The batches of the caller's org whose leads are still hidden (usually none).
create or replace function app_private.pending_lead_batch_ids() returns uuid[]
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select coalesce(array_agg(p.batch_id), '{}')
    from app_private.lead_import_pending p
   where p.org_id = app_public.current_org_id()
$$;

-- Deletes what interrupted parallel merges of the org left (their hidden leads, work tables
-- and pending rows); only_batch limits it to one batch. Takes the org's lead lock.
create or replace function app_private.discard_pending_lead_batches(org_id uuid, only_batch uuid default null)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  gone uuid[];
  n int := 0;
  id uuid;
begin
  if not exists (select 1 from app_private.lead_import_pending p
                  where p.org_id = discard_pending_lead_batches.org_id
                    and (only_batch is null or p.batch_id = only_batch)) then
    return 0;
  end if;
  perform pg_advisory_xact_lock(app_private.lead_lock_key(discard_pending_lead_batches.org_id));
  -- Waits for a chunk still inserting (it holds its pending row FOR SHARE), so the DELETE
  -- below sees every lead the attempt committed.
  with d as (
    delete from app_private.lead_import_pending p
     where p.org_id = discard_pending_lead_batches.org_id and (only_batch is null or p.batch_id = only_batch)
    returning p.batch_id)
  select array_agg(d.batch_id) into gone from d;
  if gone is null then
    return 0;
  end if;
  delete from app_public.leads l
   where l.org_id = discard_pending_lead_batches.org_id and l.first_batch_id = any (gone);
  get diagnostics n = row_count;
  foreach id in array gone loop
    -- (lead_new_*: the groups' rows of an attempt prepared before chunk 0 formed them.)
    execute format('drop table if exists app_private.%I', 'lead_new_' || replace(id::text, '-', ''));
    execute format('drop table if exists app_private.%I', 'lead_upd_' || replace(id::text, '-', ''));
    execute format('drop table if exists app_private.%I', 'lead_los_' || replace(id::text, '-', ''));
    execute format('drop table if exists app_private.%I', 'lead_merge_' || replace(id::text, '-', ''));
    execute format('drop table if exists app_private.%I', 'lead_dup_' || replace(id::text, '-', ''));
    execute format('drop table if exists app_private.%I', 'lead_grp_' || replace(id::text, '-', ''));
  end loop;
  return n;
end
$$;

-- Step 1: the merge up to its new leads, which wait in an unlogged table (see above). A
-- batch of fewer than min_rows rows (or chunks <= 1) is merged in one transaction right
-- away: the answer's status is then 'merged'.
create or replace function app_private.merge_lead_batch_prepare(batch_id uuid, chunks int, min_rows int default 0)
  returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  n int;
begin
  select coalesce(b.rows_total, 0) into n from app_public.lead_import_batches b where b.id = merge_lead_batch_prepare.batch_id;
  perform set_config('switchboard.lead_merge_chunks',
                     case when n >= coalesce(min_rows, 0) then greatest(1, least(coalesce(chunks, 1), 16)) else 1 end::text, true);
  return app_private.merge_lead_batch(batch_id);
end
$$;

-- The task's clean-up when a step of its parallel merge failed.
create or replace function app_private.discard_lead_batch_attempt(batch_id uuid)
  returns int
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select coalesce(sum(app_private.discard_pending_lead_batches(b.org_id, b.id)), 0)::int
    from app_public.lead_import_batches b
   where b.id = discard_lead_batch_attempt.batch_id
$$;

-- Step 2: one chunk of the new leads, in its own transaction. Returns the leads inserted (0
-- when this chunk of this attempt was inserted already). Chunk 0 forms the batch's groups and
-- inserts their new leads (merge_lead_batch_groups); chunk k ≥ 1 takes the k-th of `chunks`
-- equal ranges of the batch's row numbers: the rows that are leads on their own, read from the
-- prepare's work table (lead_merge_*, not in lead_dup_*), with the ids they got there.
create or replace function app_private.merge_lead_batch_chunk(batch_id uuid, attempt uuid, chunk int)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  p app_private.lead_import_pending;
  b app_public.lead_import_batches;
  n int;
  suffix text;
  email_ok text[];
  lo int;
  hi int;
  span int;
  n_passes int;
begin
  select * into p from app_private.lead_import_pending x
   where x.batch_id = merge_lead_batch_chunk.batch_id and x.attempt = merge_lead_batch_chunk.attempt
     for share;
  if not found then
    raise exception 'batch % has no pending attempt %', merge_lead_batch_chunk.batch_id, merge_lead_batch_chunk.attempt
      using errcode = '55000';
  end if;
  if chunk < 0 or chunk > p.chunks then
    raise exception 'chunk % out of 0..%', chunk, p.chunks using errcode = '22023';
  end if;
  insert into app_private.lead_import_chunks (org_id, batch_id, chunk, attempt)
  values (p.org_id, p.batch_id, merge_lead_batch_chunk.chunk, p.attempt)
  on conflict do nothing;
  if not found then
    return 0;
  end if;
  select * into b from app_public.lead_import_batches x where x.org_id = p.org_id and x.id = p.batch_id;
  select coalesce(array_agg(upper(m.code)), '{}') into email_ok
    from app_public.verification_code_map m
   where m.org_id = b.org_id and m.provider = b.verification_provider and m.verdict = 'valid';
  suffix := replace(p.batch_id::text, '-', '');
  if chunk = 0 then
    select g.leads, g.passes into n, n_passes from app_private.merge_lead_batch_groups(b, email_ok) g;
  else
    execute format('select min(w.row_number), max(w.row_number) from app_private.%I w', 'lead_merge_' || suffix) into lo, hi;
    span := (hi - lo) / p.chunks + 1;
    lo := lo + (chunk - 1) * span;
    execute format($q$
      insert into app_public.leads (
        id, org_id, first_name, last_name, email, phone, property_address, property_city, property_state, property_zip,
        county_fips, apn, apn_normalized, mak, address_normalized, addr_hash, mailing_address, mailing_city, mailing_state,
        mailing_zip, estimated_equity, owner_occupied, email_verification_codes, phone_verification_codes,
        verification_provider, email_verified, phone_verified, lead_score, attributes, data_as_of, first_batch_id, last_batch_id)
      select u.id, $1, u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city, u.property_state,
             u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
             u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
             u.email_codes, u.phone_codes, $2, u.email_codes && $6, u.phone_codes && $6,
             app_private.lead_score(u.email_codes && $6, u.phone_codes && $6, u.estimated_equity, u.owner_occupied, now() - $3),
             u.attributes, $3, $4, $4
        from (
          select r.new_id as id, r.first_name, r.last_name, r.email_n as email, r.phone_n as phone, r.property_address,
                 r.property_city, r.property_state, r.zip_n as property_zip,
                 case when r.apn_n is not null then r.fips_n end as county_fips, case when r.apn_n is not null then r.apn end as apn,
                 r.apn_n as apn_normalized, r.mak_n as mak, case when r.addr_hash is not null then r.addr_n end as address_normalized,
                 r.addr_hash, r.mailing_address, r.mailing_city, r.mailing_state, r.mailing_zip_n as mailing_zip,
                 r.equity_n as estimated_equity, r.owner_occupied_n as owner_occupied,
                 case when r.email_code is not null then array[r.email_code] else '{}' end as email_codes,
                 case when r.phone_code is not null then array[r.phone_code] else '{}' end as phone_codes,
                 r.attributes
            from app_private.%1$I r
           where r.row_number >= $5 and r.row_number < $5 + $7
             and not exists (select 1 from app_private.%2$I d where d.row_number = r.row_number)
        ) u
    $q$, 'lead_merge_' || suffix, 'lead_dup_' || suffix)
    using p.org_id, b.verification_provider, b.received_at, p.batch_id, lo, email_ok, span;
    get diagnostics n = row_count;
  end if;
  update app_private.lead_import_chunks c set rows_inserted = n, passes = n_passes, done_at = clock_timestamp()
   where c.org_id = p.org_id and c.batch_id = p.batch_id and c.chunk = merge_lead_batch_chunk.chunk;
  return n;
end
$$;

-- The merge's steps read their working sets by temporary names (pg_temp.lm_units …); a
-- parallel merge's steps, in transactions of their own, find them in unlogged tables of the
-- batch. This points the temporary name at such a table, in place of whatever holds the name
-- in this session: a temporary table left by a merge earlier in the same transaction, or an
-- older view.
create or replace function app_private.temp_view_of(name text, batch_table text) returns void
  language plpgsql volatile
  set search_path = pg_catalog, public
as $$
begin
  begin
    execute format('drop view if exists pg_temp.%I', name);
  exception when wrong_object_type then
    execute format('drop table pg_temp.%I', name);
  end;
  execute format('create temporary view %I as select * from app_private.%I', name, batch_table);
end
$$;

-- Chunk 0 of a parallel merge: the batch's groups (steps 3b–4 of merge_lead_batch over the
-- rows the prepare set aside in lead_grp_*), their new leads inserted here, and the matched
-- and absorbed leads left in unlogged tables of the batch (lead_upd_*, lead_los_*) for the
-- publish. Runs in chunk 0's transaction, beside the other chunks.
create or replace function app_private.merge_lead_batch_groups(b app_public.lead_import_batches, email_ok text[],
                                                               out leads int, out passes int)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  set client_min_messages = warning
  set work_mem = '256MB'
as $$
declare
  suffix text := replace(b.id::text, '-', '');
begin
  -- Room for the groups' temporary tables in memory (as in merge_lead_batch).
  begin
    perform set_config('temp_buffers', '128MB', true);
  exception when invalid_parameter_value then
    null;
  end;
  execute format('analyze app_private.%I', 'lead_grp_' || suffix);
  perform app_private.temp_view_of('lm_dupdata', 'lead_grp_' || suffix);
  passes := app_private.merge_lead_groups();
  insert into app_public.leads (
    id, org_id, first_name, last_name, email, phone, property_address, property_city, property_state, property_zip,
    county_fips, apn, apn_normalized, mak, address_normalized, addr_hash, mailing_address, mailing_city, mailing_state,
    mailing_zip, estimated_equity, owner_occupied, email_verification_codes, phone_verification_codes,
    verification_provider, email_verified, phone_verified, lead_score, attributes, data_as_of, first_batch_id, last_batch_id)
  select app_private.time_ordered_uuid(), b.org_id, u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city,
         u.property_state, u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
         u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
         u.email_codes, u.phone_codes, b.verification_provider, u.email_codes && email_ok, u.phone_codes && email_ok,
         app_private.lead_score(u.email_codes && email_ok, u.phone_codes && email_ok, u.estimated_equity, u.owner_occupied,
                                now() - b.received_at),
         u.attributes, b.received_at, b.id, b.id
    from pg_temp.lm_units u
   where u.target_id is null
   order by u.new_grp;
  get diagnostics leads = row_count;
  execute format('drop table if exists app_private.%I', 'lead_upd_' || suffix);
  execute format('create unlogged table app_private.%I as select * from pg_temp.lm_units where target_id is not null',
                 'lead_upd_' || suffix);
  execute format('drop table if exists app_private.%I', 'lead_los_' || suffix);
  execute format('create unlogged table app_private.%I as select * from pg_temp.lm_losers', 'lead_los_' || suffix);
  drop view pg_temp.lm_dupdata;
end
$$;

-- Step 3: the publish. One transaction: absorbed and matched leads as in the one-transaction
-- merge, counters, pipeline events, the pending row deleted: the new leads appear at commit.
create or replace function app_private.merge_lead_batch_publish(batch_id uuid, attempt uuid)
  returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  set client_min_messages = warning
  set work_mem = '256MB'
as $$
declare
  p app_private.lead_import_pending;
  b app_public.lead_import_batches;
  email_ok text[];
  n_created int;
  n_updated int;
  n_absorbed int := 0;
  done int;
  n_single int;
  n_grouped int;
  passes int;
  suffix text;
  staged text;
begin
  select * into b from app_public.lead_import_batches x where x.id = merge_lead_batch_publish.batch_id;
  if not found then
    raise exception 'no batch %', merge_lead_batch_publish.batch_id using errcode = 'P0002';
  end if;
  perform pg_advisory_xact_lock(app_private.lead_lock_key(b.org_id));
  select * into p from app_private.lead_import_pending x
   where x.org_id = b.org_id and x.batch_id = b.id and x.attempt = merge_lead_batch_publish.attempt
     for update;
  if not found then
    raise exception 'batch % has no pending attempt %', b.id, merge_lead_batch_publish.attempt using errcode = '55000';
  end if;
  -- Chunks 1 … chunks inserted every lead of its own; chunk 0 the groups' leads.
  select count(*) filter (where c.chunk > 0), coalesce(sum(c.rows_inserted) filter (where c.chunk > 0), 0),
         coalesce(sum(c.rows_inserted) filter (where c.chunk = 0), -1), max(c.passes)
    into done, n_single, n_grouped, passes
    from app_private.lead_import_chunks c
   where c.org_id = p.org_id and c.batch_id = p.batch_id and c.attempt = p.attempt and c.done_at is not null;
  if done <> p.chunks or n_single <> p.rows_new or n_grouped < 0 then
    raise exception 'batch %: % of % chunks inserted (% of % leads), the groups %', b.id, done, p.chunks, n_single, p.rows_new,
      case when n_grouped < 0 then 'not yet' else 'in' end
      using errcode = '55000';
  end if;
  n_created := n_single + n_grouped;
  select * into b from app_public.lead_import_batches x where x.org_id = p.org_id and x.id = p.batch_id for update;
  select coalesce(array_agg(upper(m.code)), '{}') into email_ok
    from app_public.verification_code_map m
   where m.org_id = b.org_id and m.provider = b.verification_provider and m.verdict = 'valid';

  suffix := replace(b.id::text, '-', '');
  perform app_private.temp_view_of('lm_losers', 'lead_los_' || suffix);
  perform app_private.temp_view_of('lm_units', 'lead_upd_' || suffix);
  if exists (select 1 from pg_temp.lm_losers) then
    n_absorbed := app_private.absorb_leads(b.org_id);
  end if;
  n_updated := app_private.merge_lead_update_matched(b, email_ok);
  drop view pg_temp.lm_losers;
  drop view pg_temp.lm_units;
  execute format('drop table app_private.%I', 'lead_grp_' || suffix);
  execute format('drop table app_private.%I', 'lead_upd_' || suffix);
  execute format('drop table app_private.%I', 'lead_los_' || suffix);
  execute format('drop table app_private.%I', 'lead_merge_' || suffix);
  execute format('drop table app_private.%I', 'lead_dup_' || suffix);
  staged := app_private.lead_upload_table(b.id);
  if to_regclass(format('app_private.%I', staged)) is not null then
    execute format('drop table app_private.%I', staged);
  else
    delete from app_private.lead_staging s where s.batch_id = b.id;
  end if;
  delete from app_private.lead_import_pending x where x.org_id = p.org_id and x.batch_id = p.batch_id;

  update app_public.lead_import_batches x
     set status = 'merged', rows_merged = p.rows_merged, rows_rejected = p.rows_rejected,
         leads_created = n_created, leads_updated = n_updated, merged_at = clock_timestamp(), error = null
   where x.org_id = b.org_id and x.id = b.id;
  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, duration_ms, data)
  values (b.org_id, 'merged', b.id, p.rows_merged,
          (extract(epoch from clock_timestamp() - b.received_at) * 1000)::bigint,
          jsonb_build_object('batch_id', b.id, 'created', n_created, 'updated', n_updated, 'absorbed', n_absorbed,
                             'passes', passes, 'chunks', p.chunks));
  if p.rows_rejected > 0 then
    insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
    values (b.org_id, 'rows_rejected', b.id, p.rows_rejected, jsonb_build_object('batch_id', b.id));
  end if;
  return jsonb_build_object('batch_id', b.id, 'status', 'merged', 'rows_merged', p.rows_merged, 'rows_rejected', p.rows_rejected,
                            'leads_created', n_created, 'leads_updated', n_updated, 'leads_absorbed', n_absorbed,
                            'passes', passes, 'chunks', p.chunks,
                            'ms', round(extract(epoch from clock_timestamp() - p.started_at) * 1000));
end
$$;

-- The org's lead lock for the length of a session (the task's connection): held from the
-- prepare to the publish of a parallel merge.
create or replace function app_private.lock_lead_batch_org(batch_id uuid, take boolean)
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid;
begin
  select b.org_id into org from app_public.lead_import_batches b where b.id = lock_lead_batch_org.batch_id;
  if org is null then
    return false;
  end if;
  if take then
    perform pg_advisory_lock(app_private.lead_lock_key(org));
    return true;
  end if;
  return pg_advisory_unlock(app_private.lead_lock_key(org));
end
$$;
