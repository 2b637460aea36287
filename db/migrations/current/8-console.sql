-- Issue 20: the console becomes the team's everyday tool (calls, sources, lead uploads from
-- the browser, outbound endpoints, voice agents). Re-runnable: every statement is
-- create-or-replace, if-not-exists or drop-then-create.

------------------------------------------------------------------------------------------
-- Calls: speaker turns, summary copy and a full-text index over redacted text only.
alter table app_public.transcripts add column if not exists messages jsonb;
alter table app_public.transcripts add column if not exists summary text;
-- The redaction placeholders ([PHONE], [EMAIL], …) are left out: searching "phone" finds
-- what people said, not every call where a number was removed.
alter table app_public.transcripts add column if not exists search tsvector
  generated always as (
    setweight(to_tsvector('english', regexp_replace(coalesce(summary, ''), '\[(EMAIL|CARD|SSN|DOB|MRN|PHONE)\]', ' ', 'g')), 'A')
    || setweight(to_tsvector('english', regexp_replace(coalesce(content, ''), '\[(EMAIL|CARD|SSN|DOB|MRN|PHONE)\]', ' ', 'g')), 'B')) stored;
-- fastupdate off: transcripts arrive one per call, so inserting into the index directly costs
-- little, and searches never scan a pending list (which also keeps the planner choosing it).
create index if not exists transcripts_search_idx on app_public.transcripts using gin (search) with (fastupdate = off);
create index if not exists calls_org_id_started_at_idx on app_public.calls (org_id, started_at desc);

--!include console/calls.sql

drop trigger if exists tg_transcripts__turns on app_public.transcripts;
create trigger tg_transcripts__turns before insert or update on app_public.transcripts
  for each row execute function app_private.tg_transcripts__turns();
drop trigger if exists tg_calls__search_summary on app_public.calls;
create trigger tg_calls__search_summary after update of summary on app_public.calls
  for each row when (new.summary is distinct from old.summary) execute function app_private.tg_calls__search_summary();
-- The Vapi adapter (apply_vapi_message) now stores the turns itself.
drop trigger if exists tg_webhook_events__call_turns on app_public.webhook_events;
drop function if exists app_private.tg_webhook_events__call_turns();
-- Summaries stored before this migration get their copy.
update app_public.transcripts t set summary = c.summary
  from app_public.calls c
 where c.org_id = t.org_id and c.id = t.call_id and c.summary is not null and t.summary is distinct from c.summary;

revoke all on function app_private.call_turns(jsonb) from public;

------------------------------------------------------------------------------------------
-- Sources: create / rotate from the console, activity and signature failures.
-- The functions that issue secrets take ENCRYPTION_KEY as an argument and are run only by
-- the gateway (POST /console/rpc/{name}); PostgREST never holds the key. Earlier versions
-- of this file exposed them in app_public and read the key from a PostgREST app setting.
drop function if exists app_public.create_source(text, text);
drop function if exists app_public.rotate_source(uuid, interval);
drop function if exists app_public.create_endpoint(text, text[], text);
drop function if exists app_public.rotate_endpoint(uuid, interval);
drop function if exists app_public.create_sending_account(text, text, text, text, text, text, int, boolean, int);
drop function if exists app_public.set_sending_account_password(uuid, text);
drop function if exists app_private.console_encryption_key();

--!include console/sources.sql

alter table app_private.source_signature_failures enable row level security;
revoke all on function app_private.console_create_source(text, text, text, text, jsonb) from public;
revoke all on function app_private.console_rotate_source(text, uuid, interval, text) from public;
revoke all on function app_public.source_activity() from public;
grant execute on function app_public.source_activity() to authenticated;
drop trigger if exists tg_signature_failures__hourly on app_private.signature_failures;
create trigger tg_signature_failures__hourly after insert or update on app_private.signature_failures
  for each row execute function app_private.tg_signature_failures__hourly();

------------------------------------------------------------------------------------------
-- Lead upload from the browser (POST /uploads/leads with a session's Bearer token).
alter table app_public.lead_import_batches add column if not exists uploaded_by uuid;

--!include console/uploads.sql

revoke all on function app_private.begin_session_lead_upload(uuid, text, text) from public;
grant execute on function app_private.begin_session_lead_upload(uuid, text, text) to switchboard_gateway;

------------------------------------------------------------------------------------------
-- Outbound endpoints from the console.
--!include console/endpoints.sql

revoke all on function app_private.console_create_endpoint(text, boolean, text, text[], text) from public;
revoke all on function app_private.console_rotate_endpoint(text, uuid, interval) from public;

------------------------------------------------------------------------------------------
-- Voice agents: escalation number and business hours (through a bookable resource's hours).
alter table app_public.agents add column if not exists escalation_number text;
alter table app_public.agents drop constraint if exists agents_escalation_number_check;
alter table app_public.agents add constraint agents_escalation_number_check
  check (escalation_number is null or escalation_number ~ '^\+[1-9]\d{7,14}$');
alter table app_public.agents add column if not exists resource_id uuid;
alter table app_public.agents drop constraint if exists agents_resource_fkey;
alter table app_public.agents add constraint agents_resource_fkey
  foreign key (org_id, resource_id) references app_public.resources (org_id, id) on delete set null (resource_id);
create index if not exists agents_resource_id_idx on app_public.agents (resource_id) where resource_id is not null;
grant insert (escalation_number, resource_id) on app_public.agents to authenticated;
grant update (direction, escalation_number, resource_id) on app_public.agents to authenticated;

------------------------------------------------------------------------------------------
-- Sequences and sending accounts from the console.
--!include console/sequences.sql

revoke all on function app_private.console_create_sending_account(text, text, text, text, text, text, text, int, boolean, int) from public;
revoke all on function app_private.console_set_sending_account_password(text, uuid, text) from public;
revoke all on function app_public.sending_account_usage_today() from public;
revoke all on function app_public.move_sequence_step(uuid, int) from public;
revoke all on function app_public.email_preview_variables(uuid) from public;
grant execute on function app_public.sending_account_usage_today(),
  app_public.move_sequence_step(uuid, int), app_public.email_preview_variables(uuid) to authenticated;

------------------------------------------------------------------------------------------
-- The gateway's POST /console/rpc/{name}: the session check PostgREST runs before every
-- request, and the secret-issuing functions, for the gateway role only.
grant execute on function app_private.check_session() to switchboard_gateway;
grant execute on function
  app_private.console_create_source(text, text, text, text, jsonb),
  app_private.console_rotate_source(text, uuid, interval, text),
  app_private.console_create_endpoint(text, boolean, text, text[], text),
  app_private.console_rotate_endpoint(text, uuid, interval),
  app_private.console_create_sending_account(text, text, text, text, text, text, text, int, boolean, int),
  app_private.console_set_sending_account_password(text, uuid, text)
  to switchboard_gateway;
