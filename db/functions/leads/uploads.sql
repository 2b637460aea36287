-- Signed lead uploads. The gateway, in ONE transaction:
--   1. select app_private.begin_lead_upload(source, org, sha256, provider)  → batch id, or
--      NULL when the same content was uploaded to this org in the last 7 days (409);
--   2. COPY app_private.lead_staging (row_number, <file columns>, attributes) FROM STDIN:
--      the raw rows go straight into the durable staging table, tagged with the batch id
--      that begin set for this transaction (the column's default);
--   3. select app_private.finish_lead_upload(batch, rows, bytes) — queues the batch and
--      enqueues the merge job;
--   4. COMMIT, then answers 202. A hash mismatch rolls everything back (400).
-- Normalisation happens in the merge, where it runs on every core (parallel query); the
-- upload stays as fast as a plain COPY. The gateway role may insert the row columns of
-- lead_staging and nothing else (no select, no batch_id of its choosing outside begin's).

create or replace function app_private.begin_lead_upload(
  source_id uuid, org_id uuid, content_sha256 text, verification_provider text default null)
  returns uuid
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
    return null;
  end if;

  insert into app_public.lead_import_batches (org_id, id, source_id, content_sha256, status, verification_provider)
  values (begin_lead_upload.org_id, new_batch, begin_lead_upload.source_id, lower(begin_lead_upload.content_sha256), 'receiving',
          coalesce(nullif(btrim(begin_lead_upload.verification_provider), ''),
                   (select w.lead_verification_provider from app_public.workspace_settings w where w.org_id = begin_lead_upload.org_id),
                   'default'));
  -- The batch the COPY's rows belong to, for this transaction only.
  perform set_config('switchboard.upload_batch_id', new_batch::text, true);
  return new_batch;
end
$$;

-- The batch id of the upload in progress in this transaction; staged rows default to it.
-- Fails outside an upload (no batch set): a staged row always belongs to a batch.
create or replace function app_private.upload_batch_id() returns uuid
  language sql stable parallel safe
as $$
  select nullif(current_setting('switchboard.upload_batch_id', true), '')::uuid
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
  perform set_config('switchboard.upload_batch_id', '', true);

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
