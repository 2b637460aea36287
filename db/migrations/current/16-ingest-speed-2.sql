-- Issue 23 (ingest), second pass. Re-runnable.

-- A webhook whose shard already has a job waiting only takes a shared lock on that job instead
-- of add_job's row update (see schedule_event_processing).
--!include ingest/inbox.sql

-- An inbox row's (org_id, source_id) must name a source of that org, and a source's org must
-- exist (both ON DELETE CASCADE), so the inbox's own foreign key to organizations checked
-- nothing more: it only locked the org's row KEY SHARE for every webhook (the one row every
-- concurrent ingest transaction shares, so a MultiXact each time) and cost a check per event.
alter table app_public.webhook_events drop constraint if exists webhook_events_org_id_fkey;
