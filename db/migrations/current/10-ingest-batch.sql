-- Ingest group commit (issue 23): the gateway stores webhooks that arrive together in one
-- transaction (gateway/src/webhooks/group-commit.ts); ingest_webhook_event stays for one
-- event at a time and for the fallback when a batch fails.
--!include ingest/inbox_batch.sql
revoke all on function app_private.ingest_webhook_events(uuid[], text[], text[], text[], text[], timestamptz[], text[]) from public;
grant execute on function app_private.ingest_webhook_events(uuid[], text[], text[], text[], text[], timestamptz[], text[]) to switchboard_gateway;

-- The Vapi trigger only acts on Vapi events: it now fires only for them (a WHEN clause, as
-- the Twilio trigger has), instead of one PL/pgSQL call for every stored webhook.
drop trigger if exists tg_webhook_events__vapi on app_public.webhook_events;
create trigger tg_webhook_events__vapi before insert on app_public.webhook_events
  for each row when (new.provider = 'vapi') execute function app_private.tg_webhook_events__vapi();
