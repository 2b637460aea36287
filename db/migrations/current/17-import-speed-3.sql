-- Issue 23 (performance, round 2), imports, fourth pass. Re-runnable.

-- The email lookup path of leads (unsubscribes, the unsubscribe page, the per-send
-- suppression check, the sequences' reply stop: every one an equality on email_hash, most
-- with the org's id beside it) as a hash index on email_hash instead of a btree on
-- (org_id, email_hash). A SHA-256 is a random 32-byte key: every new lead's entry landed on
-- a random leaf of the btree after a descent of 32-byte comparisons, the costliest of the
-- seven indexes to keep at import time; a hash index goes straight to its bucket. Inserting
-- 300,000 new leads into an empty leads table took 9.4 s of backend CPU against 10.7 s
-- (three alternating runs each), and 909,091 leads 29.9 s against 34.8–35.5 s. A lookup finds
-- the address's leads in every org and keeps the org's by its filter: one person is a lead
-- of few orgs.
drop index if exists app_public.leads_org_id_email_hash_idx;
create index if not exists leads_email_hash_idx on app_public.leads using hash (email_hash) where email_hash is not null;

-- A parallel merge's grouping (one core's work: connected components over the rows that
-- share keys, a unit per group) runs as chunk 0, beside the chunks that insert the rows that
-- are leads on their own, instead of before them in the prepare (merge_parallel.sql). The
-- passes it took are kept with its chunk row for the publish's pipeline event.
alter table app_private.lead_import_chunks add column if not exists passes int;
revoke all on function app_private.merge_lead_groups() from public;
revoke all on function app_private.merge_lead_batch_groups(app_public.lead_import_batches, text[]) from public;
revoke all on function app_private.temp_view_of(text, text) from public;

-- The address normaliser without one of its two regular expressions (a literal '#' is a
-- replace()).
--!include leads/normalize.sql
