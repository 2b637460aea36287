-- Signed lead uploads. The gateway, in ONE transaction:
--   1. select app_private.begin_lead_upload(source, org, sha256, provider)  → batch id, or
--      NULL when the same content was uploaded to this org in the last 7 days (409);
--   2. COPY pg_temp.lead_upload_rows FROM STDIN (the table begin created for it);
--   3. select app_private.finish_lead_upload(batch, rows, bytes) — moves the rows to the
--      durable staging table, queues the batch and enqueues the merge job;
--   4. COMMIT, then answers 202. A hash mismatch rolls everything back (400).
-- The gateway role has no table privileges: the temporary table is created here, owned by
-- the definer, with INSERT granted to the gateway for this transaction only.

create or replace function app_private.begin_lead_upload(
  source_id uuid, org_id uuid, content_sha256 text, verification_provider text default null)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  set client_min_messages = warning
as $$
declare
  new_batch uuid := gen_random_uuid();
  claimed uuid;
begin
  -- Replay guard by constraint: the (org, hash) key is taken unless its holder is over 7 days old.
  insert into app_private.lead_upload_hashes as h (org_id, content_sha256, batch_id)
  values (begin_lead_upload.org_id, lower(begin_lead_upload.content_sha256), new_batch)
  on conflict on constraint lead_upload_hashes_pkey do update
     set batch_id = excluded.batch_id, received_at = now()
   where h.received_at < now() - interval '7 days'
  returning h.batch_id into claimed;
  if claimed is null then
    return null;
  end if;

  insert into app_public.lead_import_batches (org_id, id, source_id, content_sha256, status, verification_provider)
  values (begin_lead_upload.org_id, new_batch, begin_lead_upload.source_id, lower(begin_lead_upload.content_sha256), 'receiving',
          coalesce(nullif(btrim(begin_lead_upload.verification_provider), ''),
                   (select w.lead_verification_provider from app_public.workspace_settings w where w.org_id = begin_lead_upload.org_id),
                   'default'));

  drop table if exists pg_temp.lead_upload_rows;
  create temporary table lead_upload_rows (
    row_number int not null,
    first_name text, last_name text, email text, phone text,
    property_address text, property_city text, property_state text, property_zip text,
    county_fips text, apn text, mak text,
    mailing_address text, mailing_city text, mailing_state text, mailing_zip text,
    estimated_equity text, owner_occupied text,
    email_verification_code text, phone_verification_code text,
    attributes jsonb,
    -- Normalised while the rows stream in: the backend computes these during the COPY,
    -- overlapping the gateway's CSV parsing, so the merge does not have to.
    email_n citext generated always as (app_private.normalize_email(email)) stored,
    phone_n text generated always as (app_private.normalize_phone(phone)) stored,
    addr_n text generated always as (app_private.normalize_address(property_address)) stored,
    zip_n text generated always as (app_private.normalize_zip(property_zip)) stored,
    fips_n text generated always as (app_private.normalize_fips(county_fips)) stored,
    apn_n text generated always as (app_private.normalize_apn(apn)) stored,
    mak_n text generated always as (app_private.normalize_mak(mak)) stored,
    mailing_zip_n text generated always as (app_private.normalize_zip(mailing_zip)) stored,
    equity_n numeric generated always as (app_private.parse_money(estimated_equity)) stored,
    owner_occupied_n boolean generated always as (app_private.parse_boolean(owner_occupied)) stored
  ) on commit drop;
  grant insert on pg_temp.lead_upload_rows to switchboard_gateway;
  return new_batch;
end
$$;

create or replace function app_private.finish_lead_upload(batch_id uuid, rows_total int, bytes bigint)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  b app_public.lead_import_batches;
  copied int;
begin
  select * into b from app_public.lead_import_batches x where x.id = finish_lead_upload.batch_id and x.status = 'receiving'
     for update;
  if not found then
    raise exception 'no batch % is receiving', finish_lead_upload.batch_id using errcode = 'P0002';
  end if;
  insert into app_private.lead_staging (
    batch_id, row_number, first_name, last_name, email, phone, property_address, property_city, property_state,
    property_zip, county_fips, apn, mak, mailing_address, mailing_city, mailing_state, mailing_zip, estimated_equity,
    owner_occupied, email_verification_code, phone_verification_code, attributes,
    email_n, phone_n, addr_n, zip_n, fips_n, apn_n, mak_n, mailing_zip_n, equity_n, owner_occupied_n, normalized)
  select finish_lead_upload.batch_id, r.row_number, r.first_name, r.last_name, r.email, r.phone, r.property_address,
         r.property_city, r.property_state, r.property_zip, r.county_fips, r.apn, r.mak, r.mailing_address, r.mailing_city,
         r.mailing_state, r.mailing_zip, r.estimated_equity, r.owner_occupied, r.email_verification_code,
         r.phone_verification_code, r.attributes,
         r.email_n, r.phone_n, r.addr_n, r.zip_n, r.fips_n, r.apn_n, r.mak_n, r.mailing_zip_n, r.equity_n, r.owner_occupied_n, true
    from pg_temp.lead_upload_rows r;
  get diagnostics copied = row_count;
  drop table pg_temp.lead_upload_rows;

  update app_public.lead_import_batches x
     set status = 'queued', rows_total = copied, bytes = finish_lead_upload.bytes
   where x.id = b.id;
  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
  values (b.org_id, 'upload_received', b.id, copied, jsonb_build_object('batch_id', b.id, 'bytes', finish_lead_upload.bytes));
  perform graphile_worker.add_job('merge_lead_batch', json_build_object('batch_id', b.id),
                                  job_key => 'merge_lead_batch:' || b.id, max_attempts => 10);
  return b.id;
end
$$;

-- The merge job gave up (after its retries): the batch says so; its staging rows stay
-- for inspection until the batch is deleted.
create or replace function app_private.mark_lead_batch_failed(batch_id uuid, error text)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  update app_public.lead_import_batches b
     set status = 'failed', error = left(mark_lead_batch_failed.error, 500)
   where b.id = mark_lead_batch_failed.batch_id and b.status <> 'merged'
$$;
