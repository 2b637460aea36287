-- Issue 23 (import): a large batch's new leads inserted by several transactions at once,
-- hidden until one short publish transaction (db/functions/leads/merge_parallel.sql).
-- Re-runnable: if-not-exists, create-or-replace, drop-then-create.

-- A batch whose new leads are being inserted in chunks: its leads are invisible until the
-- publish deletes this row. attempt tells one try from the next (a straggler of a discarded
-- attempt finds no row and inserts nothing).
create table if not exists app_private.lead_import_pending (
  org_id uuid not null,
  batch_id uuid not null,
  attempt uuid not null,
  chunks int not null check (chunks between 2 and 16),
  rows_new int not null,
  rows_merged int not null,
  rows_rejected int not null,
  passes int not null default 0,
  started_at timestamptz not null default now(),
  primary key (org_id, batch_id),
  foreign key (org_id, batch_id) references app_public.lead_import_batches (org_id, id) on delete cascade
);
alter table app_private.lead_import_pending enable row level security;
alter table app_private.lead_import_pending force row level security;

-- The chunks of the pending attempt that are in: one row per chunk, written in the chunk's
-- own transaction (a chunk is never inserted twice).
create table if not exists app_private.lead_import_chunks (
  org_id uuid not null,
  batch_id uuid not null,
  chunk int not null,
  attempt uuid not null,
  rows_inserted int,
  done_at timestamptz,
  primary key (org_id, batch_id, chunk),
  foreign key (org_id, batch_id) references app_private.lead_import_pending (org_id, batch_id) on delete cascade
);
alter table app_private.lead_import_chunks enable row level security;
alter table app_private.lead_import_chunks force row level security;

drop function if exists app_private.merge_lead_batch_prepare(uuid, int);
--!include leads/merge.sql
--!include leads/merge_parallel.sql
--!include leads/uploads.sql
-- The two tables above are exempt from erasure (no data about a person).
--!include ops/compliance.sql

revoke all on function app_private.pending_lead_batch_ids() from public;
grant execute on function app_private.pending_lead_batch_ids() to authenticated;
revoke all on function app_private.merge_lead_update_matched(app_public.lead_import_batches, text[]) from public;
revoke all on function app_private.discard_pending_lead_batches(uuid, uuid) from public;
revoke all on function app_private.merge_lead_batch_prepare(uuid, int, int) from public;
revoke all on function app_private.merge_lead_batch_chunk(uuid, uuid, int) from public;
revoke all on function app_private.merge_lead_batch_publish(uuid, uuid) from public;
revoke all on function app_private.lock_lead_batch_org(uuid, boolean) from public;
grant execute on function app_private.merge_lead_batch_prepare(uuid, int, int) to switchboard_worker;
grant execute on function app_private.merge_lead_batch_chunk(uuid, uuid, int) to switchboard_worker;
grant execute on function app_private.merge_lead_batch_publish(uuid, uuid) to switchboard_worker;
grant execute on function app_private.lock_lead_batch_org(uuid, boolean) to switchboard_worker;
revoke all on function app_private.discard_lead_batch_attempt(uuid) from public;
grant execute on function app_private.discard_lead_batch_attempt(uuid) to switchboard_worker;

-- Leads of a pending batch are absent for every user (one array per statement, usually empty).
drop policy if exists select_assigned_or_admin on app_public.leads;
create policy select_assigned_or_admin on app_public.leads for select to authenticated
  using (org_id = (select app_public.current_org_id())
         and ((select app_public.current_user_is_admin()) or assigned_to = (select app_public.current_user_id()))
         and (first_batch_id is null or not first_batch_id = any ((select app_private.pending_lead_batch_ids())::uuid[])));
drop policy if exists update_assigned_or_admin on app_public.leads;
create policy update_assigned_or_admin on app_public.leads for update to authenticated
  using (org_id = (select app_public.current_org_id())
         and ((select app_public.current_user_is_admin()) or assigned_to = (select app_public.current_user_id()))
         and (first_batch_id is null or not first_batch_id = any ((select app_private.pending_lead_batch_ids())::uuid[])))
  with check (org_id = (select app_public.current_org_id())
              and ((select app_public.current_user_is_admin()) or assigned_to = (select app_public.current_user_id())));
