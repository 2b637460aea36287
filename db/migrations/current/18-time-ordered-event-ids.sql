-- Issue 23 (metrics): the inbox's and email_events' ids are time-ordered (the UUIDv7 layout
-- of app_private.time_ordered_uuid, as new leads have), so the primary keys and
-- email_events' unique (org_id, webhook_event_id) grow at their right edge instead of
-- touching a random leaf per event, and a batch's inbox rows sit side by side in the primary
-- key its status update probes. `npm run bench -- metrics`, alternated four times
-- (2026-12-02, 04:52–05:03 UTC): PostgreSQL CPU per event 118–125 µs against 123–148,
-- ours_s 7.01–7.32 against 7.36–8.59. An inbox id is returned to the sender and read by the
-- org's admins; RLS, not an unguessable id, keeps tenants apart. Re-runnable.
alter table app_public.webhook_events alter column id set default app_private.time_ordered_uuid();
alter table app_public.email_events alter column id set default app_private.time_ordered_uuid();
