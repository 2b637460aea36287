-- Real senders (issue 16): source auth options with Vapi's defaults, given secrets and the URL
-- to paste; where each platform puts each field; campaign-less and unattributed events;
-- Vapi's assistant and transfer requests.
begin;
select plan(41);

insert into app_public.organizations (id, name, timezone) values
  ('a3100000-0000-0000-0000-00000000000a', 'Senders A', 'UTC');

-- Auth options: stored complete, Vapi's defaults filled in, anything else refused.
select is(app_private.source_auth('vapi', null), '{"mode":"secret"}', 'a Vapi source defaults to the x-vapi-secret header');
select is(app_private.source_auth('vapi', '{"mode":"hmac"}'),
  '{"mode":"hmac","algorithm":"sha256","signature_header":"x-signature","timestamp_header":"x-timestamp","payload_format":"{timestamp}.{body}","encoding":"hex","prefix":"","secret_base64":false}',
  'HMAC defaults are Vapi''s');
select is(app_private.source_auth('vapi', '{"mode":"hmac","signature_header":"X-Vapi-Signature","timestamp_header":"none"}') ->> 'payload_format',
  '{body}', 'no timestamp header: the body alone is signed');
select is(app_private.source_auth('vapi', '{"mode":"hmac","signature_header":"X-Vapi-Signature"}') ->> 'signature_header',
  'x-vapi-signature', 'header names are stored lower-case');
select throws_ok($$select app_private.create_source('a3100000-0000-0000-0000-00000000000a', 'vapi', 'V', 'k', null, '{"mode":"hmac","algorithm":"md5"}')$$,
  '22023', null, 'an algorithm Vapi does not offer is refused');
select throws_ok($$select app_private.create_source('a3100000-0000-0000-0000-00000000000a', 'vapi', 'V', 'k', null, '{"mode":"hmac","payload_format":"{timestamp}"}')$$,
  '22023', null, 'a signature that does not cover the body is refused');
select throws_ok($$select app_private.create_source('a3100000-0000-0000-0000-00000000000a', 'vapi', 'V', 'k', null, '{"mode":"hmac","timestamp_header":"none","payload_format":"{timestamp}.{body}"}')$$,
  '22023', null, 'a {timestamp} placeholder needs a timestamp header');
select throws_ok($$select app_private.create_source('a3100000-0000-0000-0000-00000000000a', 'vapi', 'V', 'k', null, '{"mode":"basic"}')$$,
  '22023', null, 'an unknown mode is refused');
select throws_ok($$select app_private.create_source('a3100000-0000-0000-0000-00000000000a', 'smartlead', 'S', 'k', null, '{"mode":"bearer"}')$$,
  '22023', null, 'only Vapi sources take auth options');
insert into app_public.sources (org_id, provider, name) values ('a3100000-0000-0000-0000-00000000000a', 'vapi', 'direct');
select is((select auth from app_public.sources where name = 'direct'), '{"mode":"secret"}', 'a source inserted directly gets the defaults too');

-- Given secrets and the path to paste.
create temp table made as
select 'sl' as k, * from app_private.create_source('a3100000-0000-0000-0000-00000000000a', 'smartlead', 'SL', 'k', '4f7c8d23-9b1e-4c55-8a6f-0d2e3b4c5a61')
union all
select 'ri', * from app_private.create_source('a3100000-0000-0000-0000-00000000000a', 'replyio', 'RI', 'k', 'a/b+c=d_0123456789');
select is((select secret from made where k = 'sl'), '4f7c8d23-9b1e-4c55-8a6f-0d2e3b4c5a61', 'the secret SmartLead shows is stored as given');
select is((select url from made where k = 'sl'), '/webhooks/smartlead/' || (select source_id from made where k = 'sl'), 'SmartLead''s path carries no secret');
select is((select url from made where k = 'ri'), '/webhooks/replyio/' || (select source_id from made where k = 'ri') || '/a%2Fb%2Bc%3Dd_0123456789',
  'Reply.io''s path carries its secret, percent-encoded');
select throws_ok($$select app_private.create_source('a3100000-0000-0000-0000-00000000000a', 'replyio', 'R', 'k', 'short')$$,
  '22023', null, 'a given secret shorter than 16 characters is refused');
select throws_ok($$select app_private.create_source('a3100000-0000-0000-0000-00000000000a', 'standard', 'R', 'k', 'not-a-whsec-secret-at-all')$$,
  '22023', null, 'a Standard Webhooks secret must be whsec_<base64>');
select is((select url from app_private.rotate_source_secret((select source_id from made where k = 'ri'), '1 hour', 'k', 'b0123456789abcdef')),
  '/webhooks/replyio/' || (select source_id from made where k = 'ri') || '/b0123456789abcdef', 'rotation takes a given secret and prints the new path');
select is((select cardinality(secrets) from app_private.source_credentials((select source_id from made where k = 'ri'), 'replyio', 'k')), 2,
  'both secrets are valid during the grace period');

-- Addresses as platforms send them.
select ok(app_private.is_platform_email('o''brien@x.test') and app_private.is_platform_email('"quoted local"@x.test')
      and app_private.is_platform_email('jürgen@bücher.example'), 'apostrophes, quoted local parts and IDN domains are addresses');
select ok(not app_private.is_platform_email('a b@x.test') and not app_private.is_platform_email(e'a\tb@x.test')
      and not app_private.is_platform_email('x@') and not app_private.is_platform_email(repeat('a', 320) || '@x.test'),
  'whitespace, control characters, a missing domain and over 320 characters are not');

-- Where each platform puts each field.
select is((select row(email, category)::text from app_private.outreach_fields('smartlead',
  '{"event_type":"EMAIL_REPLY","sl_lead_email":"Lead@X.com","from_email":"me@acme.com","to_email":"me@acme.com"}')),
  '(lead@x.com,)', 'a SmartLead reply is the sl_lead_email''s, never the own mailbox in to_email');
select is((select email from app_private.outreach_fields('smartlead',
  '{"event_type":"EMAIL_REPLY","from_email":"me@acme.com","to_email":"me@acme.com"}')), null,
  'a reply without sl_lead_email whose to_email is the sender''s own is attributed to nobody');
select is((select email from app_private.outreach_fields('smartlead', '{"event_type":"LEAD_UNSUBSCRIBED","lead_email":"u@x.com","to_email":"t@x.com"}')),
  'u@x.com', 'an unsubscribe is lead_email''s');
select is((select row(email, category)::text from app_private.outreach_fields('smartlead',
  '{"event_type":"LEAD_CATEGORY_UPDATED","lead_data":{"email":"c@x.com"},"lead_category":{"old_id":null,"old_name":null,"new_id":5,"new_name":"Interested"}}')),
  '(c@x.com,Interested)', 'a category update is lead_data.email''s, its category lead_category.new_name');
select is((select category from app_private.outreach_fields('smartlead', '{"event_type":"EMAIL_REPLY","category":"Interested"}')),
  'Interested', 'a plain category is read when there is no lead_category object');
select is((select row(email, external_id)::text from app_private.outreach_fields('smartlead',
  '{"event_type":"UNTRACKED_REPLIES","sender_detail":"James Parker <James@X.com>"}')),
  '(james@x.com,)', 'an untracked reply is its sender''s, on no campaign');
select is((select row(event_type, external_id, campaign_name, email)::text from app_private.outreach_fields('replyio',
  '{"event":{"id":"e1","type":"email_replied","date":"2026-04-21T09:30:00Z"},"contact_fields":{"email":"P@X.com"},"sequence_fields":{"id":67890}}')),
  '(email_replied,67890,,p@x.com)', 'Reply.io shape A (live delivery)');
select is((select row(event_type, external_id, email, bounce_type)::text from app_private.outreach_fields('replyio',
  '{"event":{"id":"e2","type":"email_bounced","timestamp":"2024-03-08T12:00:00Z"},"payload":{"contact":{"email":"b@x.com"},"sequence":{"id":67890}},"bounce_type":"Hard"}')),
  '(email_bounced,67890,b@x.com,hard)', 'Reply.io shape B (event log), with its bounce type');

-- Processing: placeholder names give way to real ones; campaign-less replies; unattributed events.
create temp table ids as select (select source_id from made where k = 'ri') as ri, (select source_id from made where k = 'sl') as sl;
create function pg_temp.ingest(provider text, payload jsonb) returns boolean
  language sql as $$
  select duplicate from app_private.ingest_webhook_event(
    case provider when 'replyio' then (select ri from ids) else (select sl from ids) end, provider, md5(payload::text),
    null, null, now(), payload)
$$;
create function pg_temp.process() returns int
  language sql as $$
  select sum(app_private.process_outreach_events('a3100000-0000-0000-0000-00000000000a', s::smallint))::int from generate_series(0, 7) s
$$;
select pg_temp.ingest('replyio', '{"event":{"id":"r1","type":"email_sent"},"contact_fields":{"email":"p@x.com"},"sequence_fields":{"id":67890}}');
select pg_temp.process();
select is((select name from app_public.campaigns where external_id = '67890'), 'Reply.io sequence 67890', 'an unnamed sequence gets a placeholder name');
select pg_temp.ingest('replyio', '{"event":{"id":"r2","type":"email_opened"},"contact_fields":{"email":"p@x.com"},"sequence_fields":{"id":67890,"name":"Q2 Outbound"}}');
select pg_temp.process();
select is((select name from app_public.campaigns where external_id = '67890'), 'Q2 Outbound', 'the first payload that names it renames it');
select pg_temp.ingest('replyio', '{"event":{"id":"r3","type":"email_opened"},"contact_fields":{"email":"p@x.com"},"sequence_fields":{"id":67890,"name":"Renamed on Reply.io"}}');
select pg_temp.process();
select is((select name from app_public.campaigns where external_id = '67890'), 'Q2 Outbound', 'a real name is never overwritten by a later payload');
select pg_temp.ingest('replyio', '{"event":{"id":"r4","type":"email_auto_reply"},"contact_fields":{"email":"p@x.com"},"sequence_fields":{"id":67890}}');
select pg_temp.process();
select is((select replied::int from app_public.campaign_counters where campaign_id = (select id from app_public.campaigns where external_id = '67890')), 0,
  'an auto-reply is stored and never counted as a reply');

select pg_temp.ingest('smartlead', '{"event_type":"UNTRACKED_REPLIES","sender_detail":"Sam <sam@x.com>"}');
select pg_temp.ingest('smartlead', '{"event_type":"EMAIL_OPEN","stats_id":"s1"}');
select pg_temp.process();
select is((select row(kind, campaign_id)::text from app_public.email_events e join app_public.contacts c on c.id = e.contact_id where c.email = 'sam@x.com'),
  '(replied,)', 'an untracked reply is stored against its contact, on no campaign');
select is((select count(*)::int from app_public.campaign_counters k join app_public.campaigns c on c.id = k.campaign_id where c.provider = 'smartlead'), 0,
  'and counts on no campaign');
select is((select status from app_public.webhook_events where event_type is null and payload ->> 'stats_id' = 's1'), 'unattributed',
  'an event with neither contact nor campaign is kept, marked unattributed');

-- Vapi: status only moves forward through Vapi's whole list.
select ok(app_private.call_status_rank('not-found') > app_private.call_status_rank('in-progress')
      and app_private.call_status_rank('deletion-failed') > app_private.call_status_rank('ended'), 'Vapi''s terminal statuses rank after in-progress');

-- Vapi: inbound routing and escalation.
select is(app_private.vapi_assistant_request('a3100000-0000-0000-0000-00000000000a', '{"type":"assistant-request"}') ? 'error', true,
  'no inbound agent: an error string');
insert into app_public.resources (org_id, id, name) values
  ('a3100000-0000-0000-0000-00000000000a', 'a3110000-0000-0000-0000-000000000001', 'Desk');
insert into app_public.agents (org_id, name, direction, assistant_id, phone_number_id, escalation_number, resource_id) values
  ('a3100000-0000-0000-0000-00000000000a', 'Line 1', 'inbound', 'asst-1', 'pn-1', null, null),
  ('a3100000-0000-0000-0000-00000000000a', 'Line 2', 'inbound', 'asst-2', 'pn-2', '+14155550199', 'a3110000-0000-0000-0000-000000000001');
select is(app_private.vapi_assistant_request('a3100000-0000-0000-0000-00000000000a', '{"type":"assistant-request","phoneNumber":{"id":"pn-2"}}'),
  '{"assistantId":"asst-2"}', 'the agent on the called number answers');
select is(app_private.vapi_transfer_destination('a3100000-0000-0000-0000-00000000000a',
  '{"type":"transfer-destination-request","call":{"id":"c1","assistantId":"asst-2","customer":{"number":"+14155550123"}}}') #>> '{destination,number}',
  '+14155550199', 'open (no hours): the escalation number');
insert into app_public.resource_hours (org_id, resource_id, weekday, opens_at, closes_at)
select 'a3100000-0000-0000-0000-00000000000a', 'a3110000-0000-0000-0000-000000000001', extract(isodow from now() + interval '1 day')::int, '09:00', '17:00';
select is(app_private.next_business_opening('a3100000-0000-0000-0000-00000000000a', 'a3110000-0000-0000-0000-000000000001', now()),
  (date_trunc('day', now() at time zone 'UTC') + interval '1 day 9 hours') at time zone 'UTC', 'the next opening is tomorrow at 09:00');
select matches(app_private.vapi_transfer_destination('a3100000-0000-0000-0000-00000000000a',
  '{"type":"transfer-destination-request","call":{"id":"c2","assistantId":"asst-2","customer":{"number":"+14155550123"}}}') ->> 'error',
  'call you back', 'closed: a sentence to say instead');
select app_private.vapi_transfer_destination('a3100000-0000-0000-0000-00000000000a',
  '{"type":"transfer-destination-request","call":{"id":"c2","assistantId":"asst-2","customer":{"number":"+14155550123"}}}');
select is((select count(*)::int from app_public.callback_requests where origin_call_external_id = 'c2'), 1,
  'and one callback request for that call, however often the agent asks');

select * from finish();
rollback;
