-- Real senders (issue 16): how SmartLead, Reply.io and Vapi really authenticate, the payload
-- shapes they really send, and Vapi's in-call requests. Re-runnable.

-- How a source authenticates besides the secret in the URL (see app_private.valid_source_auth).
alter table app_public.sources add column if not exists auth jsonb not null default '{}';

-- Addresses that platforms send: any local@domain without whitespace or control characters
-- (a quoted local part may hold spaces), at most 320 characters.
create or replace function app_private.is_platform_email(address text) returns boolean
  language sql immutable parallel safe
as $$
  select address is not null and length(address) <= 320
     and address !~ '[[:cntrl:]]'
     and address ~ '^("[^"]+"|[^@\s"]+)@[^@\s"]+$'
$$;
alter table app_public.contacts drop constraint if exists contacts_email_check;
alter table app_public.contacts drop constraint if exists contacts_email_platform_form;
alter table app_public.contacts add constraint contacts_email_platform_form
  check (email is null or app_private.is_platform_email(email::text));

-- Events whose contact and campaign could not be found are kept, marked, for admins to see.
alter table app_public.webhook_events drop constraint if exists webhook_events_status_check;
alter table app_public.webhook_events add constraint webhook_events_status_check
  check (status in ('pending', 'processed', 'unattributed', 'failed', 'dead'));

-- Replies that belong to no campaign (SmartLead's UNTRACKED_REPLIES) are stored against the contact.
alter table app_public.email_events alter column campaign_id drop not null;

insert into app_private.outreach_event_types (provider, provider_type, metric) values
  ('smartlead', 'FIRST_EMAIL_SENT', 'sent'), ('smartlead', 'UNTRACKED_REPLIES', 'replied'),
  ('replyio', 'link_clicked', 'clicked'), ('replyio', 'email_unsubscribed', 'unsubscribed')
on conflict do nothing;

-- Vapi's full list of call statuses.
alter table app_public.calls drop constraint if exists calls_status_check;
alter table app_public.calls add constraint calls_status_check
  check (status in ('scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended', 'not-found', 'deletion-failed'));
alter table app_public.calls add column if not exists structured_data jsonb;
alter table app_public.calls add column if not exists success_evaluation text check (length(success_evaluation) <= 2000);
-- Speaker turns (artifact.messages), redacted like the transcript.
alter table app_public.transcripts add column if not exists messages jsonb;

-- Where a voice agent escalates to a person, and whose business hours decide when it may.
alter table app_public.agents add column if not exists escalation_number text
  check (escalation_number is null or escalation_number ~ '^\+[1-9]\d{7,14}$');
alter table app_public.agents add column if not exists resource_id uuid;
alter table app_public.agents drop constraint if exists agents_resource_fkey;
alter table app_public.agents add constraint agents_resource_fkey
  foreign key (org_id, resource_id) references app_public.resources (org_id, id) on delete set null (resource_id);
create index if not exists agents_phone_number_idx on app_public.agents (org_id, phone_number_id);
grant insert (escalation_number, resource_id), update (escalation_number, resource_id) on app_public.agents to authenticated;

-- create_source and rotate_source_secret take an optional given secret and auth options.
drop function if exists app_private.create_source(uuid, text, text, text);
drop function if exists app_private.rotate_source_secret(uuid, interval, text);
drop function if exists app_private.source_credentials(uuid, text, text);
drop function if exists app_private.upsert_transcript(uuid, uuid, text);
drop function if exists app_private.vapi_tool_call(uuid, jsonb, jsonb);
drop function if exists app_private.vapi_transfer_destination(uuid, jsonb);
-- Takes the whole message now (the caller's number may sit on the call or the message).
drop function if exists app_private.vapi_call_contact(uuid, jsonb);

--!include ingest/sources.sql
--!include ingest/inbox.sql
--!include outreach/events.sql
--!include calls/calls.sql
--!include calls/vapi.sql
--!include ops/retention.sql

-- Vapi sources made before this signed with the HMAC defaults (x-timestamp, x-signature over
-- "{timestamp}.{body}"): they keep exactly that. New ones default to x-vapi-secret.
update app_public.sources set auth = app_private.source_auth('vapi', '{"mode":"hmac"}')
 where provider = 'vapi' and auth = '{}';
drop trigger if exists tg_sources__auth on app_public.sources;
create trigger tg_sources__auth before insert or update of provider, auth on app_public.sources
  for each row execute function app_private.tg_sources__auth();
alter table app_public.sources drop constraint if exists sources_auth_valid;
alter table app_public.sources add constraint sources_auth_valid check (app_private.valid_source_auth(provider, auth));

-- One callback per inbound call that asked for a person outside business hours.
alter table app_public.callback_requests add column if not exists origin_call_external_id text
  check (length(origin_call_external_id) <= 200);
create unique index if not exists callback_requests_origin_call_idx
  on app_public.callback_requests (org_id, origin_call_external_id) where origin_call_external_id is not null;

grant execute on function app_private.source_credentials(uuid, text, text) to switchboard_gateway;
grant execute on function app_private.vapi_respond(uuid, jsonb) to switchboard_gateway;
-- Pure functions that table checks call: whoever may write the row must be able to run them.
grant execute on function app_private.is_platform_email(text) to authenticated;
grant execute on function app_private.valid_source_auth(text, jsonb) to authenticated;
