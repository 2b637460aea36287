-- Signed lead uploads. The gateway, in ONE transaction:
--   1. select batch_id, staging_table from app_private.begin_lead_upload(source, org, sha256,
--      provider) → the new batch and the name of its staging table, or no row when the same
--      content was uploaded to this org in the last 7 days (409);
--   2. COPY app_private.<staging_table> (row_number, <file columns>, attributes) FROM STDIN:
--      the raw rows go straight into durable storage, once;
--   3. select app_private.finish_lead_upload(batch, rows, bytes) — closes the staging table
--      to the gateway, queues the batch and enqueues the merge job;
--   4. COMMIT, then answers 202. A hash mismatch rolls everything back (400).
-- Each upload stages into a table of its own, named by its batch id (lead_upload_table):
-- the gateway role, which otherwise may only EXECUTE functions, gets INSERT on that one
-- table for the length of its transaction; the merge reads it with a parallel scan and
-- drops it (no million-row DELETE, nothing left for vacuum). Rows staged any other way go
-- to the shared app_private.lead_staging, tagged with their batch id.

-- The staging table of an upload's batch (in app_private).
create or replace function app_private.lead_upload_table(batch_id uuid) returns text
  language sql immutable parallel safe
as $$
  select 'lead_upload_' || replace(batch_id::text, '-', '')
$$;

create or replace function app_private.begin_lead_upload(
  source_id uuid, org_id uuid, content_sha256 text, verification_provider text default null)
  returns table (batch_id uuid, staging_table text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
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
    return;
  end if;

  insert into app_public.lead_import_batches (org_id, id, source_id, content_sha256, status, verification_provider)
  values (begin_lead_upload.org_id, new_batch, begin_lead_upload.source_id, lower(begin_lead_upload.content_sha256), 'receiving',
          coalesce(nullif(btrim(begin_lead_upload.verification_provider), ''),
                   (select w.lead_verification_provider from app_public.workspace_settings w where w.org_id = begin_lead_upload.org_id),
                   'default'));
  batch_id := new_batch;
  staging_table := app_private.lead_upload_table(new_batch);
  -- The file's rows, as lead_staging holds them but without the batch id (the name has it).
  execute format($ddl$
    create table app_private.%I (
      row_number int not null,
      first_name text, last_name text, email text, phone text,
      property_address text, property_city text, property_state text, property_zip text,
      county_fips text, apn text, mak text,
      mailing_address text, mailing_city text, mailing_state text, mailing_zip text,
      estimated_equity text, owner_occupied text,
      email_verification_code text, phone_verification_code text,
      attributes jsonb)
  $ddl$, staging_table);
  execute format('grant insert on app_private.%I to switchboard_gateway', staging_table);
  return next;
end
$$;

create or replace function app_private.finish_lead_upload(batch_id uuid, rows_total int, bytes bigint)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  b app_public.lead_import_batches;
begin
  select * into b from app_public.lead_import_batches x where x.id = finish_lead_upload.batch_id and x.status = 'receiving'
     for update;
  if not found then
    raise exception 'no batch % is receiving', finish_lead_upload.batch_id using errcode = 'P0002';
  end if;
  execute format('revoke all on app_private.%I from switchboard_gateway', app_private.lead_upload_table(b.id));

  update app_public.lead_import_batches x
     set status = 'queued', rows_total = finish_lead_upload.rows_total, bytes = finish_lead_upload.bytes
   where x.id = b.id;
  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
  values (b.org_id, 'upload_received', b.id, finish_lead_upload.rows_total,
          jsonb_build_object('batch_id', b.id, 'bytes', finish_lead_upload.bytes));
  perform graphile_worker.add_job('merge_lead_batch', json_build_object('batch_id', b.id),
                                  job_key => 'merge_lead_batch:' || b.id, max_attempts => 10);
  return b.id;
end
$$;

-- The merge job gave up (after its retries): the batch says so; its staged rows stay for
-- inspection. Leads a parallel attempt left hidden are deleted.
create or replace function app_private.mark_lead_batch_failed(batch_id uuid, error text)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select app_private.discard_pending_lead_batches(b.org_id, b.id)
    from app_public.lead_import_batches b
   where b.id = mark_lead_batch_failed.batch_id and b.status <> 'merged';
  update app_public.lead_import_batches b
     set status = 'failed', error = left(mark_lead_batch_failed.error, 500)
   where b.id = mark_lead_batch_failed.batch_id and b.status <> 'merged'
$$;
