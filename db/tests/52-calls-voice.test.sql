-- Calls, transcripts, agents, callbacks and Vapi tool calls: re-delivery never duplicates,
-- status only moves forward, PHI is redacted on every write path (inbox included),
-- callbacks validate before anything leaves, tool calls book through the same function,
-- retention purges, and nothing crosses orgs.
begin;
select plan(41);

insert into app_public.organizations (id, name, timezone) values
  ('a5200000-0000-0000-0000-00000000000a', 'Voice A', 'America/Chicago'),
  ('b5200000-0000-0000-0000-00000000000b', 'Voice B', 'UTC');
insert into app_public.users (id, email) values
  ('a5210000-0000-0000-0000-000000000001', 'owner-a@calls52.test'),
  ('a5220000-0000-0000-0000-000000000002', 'member-a@calls52.test'),
  ('b5210000-0000-0000-0000-000000000001', 'owner-b@calls52.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a5200000-0000-0000-0000-00000000000a', 'a5210000-0000-0000-0000-000000000001', 'owner'),
  ('a5200000-0000-0000-0000-00000000000a', 'a5220000-0000-0000-0000-000000000002', 'member'),
  ('b5200000-0000-0000-0000-00000000000b', 'b5210000-0000-0000-0000-000000000001', 'owner');
insert into app_public.contacts (org_id, id, email, first_name, phone) values
  ('a5200000-0000-0000-0000-00000000000a', 'a5230000-0000-0000-0000-000000000001', 'ann@calls52.test', 'Ann', '+1 (312) 555-0142'),
  ('a5200000-0000-0000-0000-00000000000a', 'a5230000-0000-0000-0000-000000000002', 'bob@calls52.test', 'Bob', '555-0142');
insert into app_public.sources (org_id, id, provider, name) values
  ('a5200000-0000-0000-0000-00000000000a', 'a5240000-0000-0000-0000-000000000001', 'vapi', 'Vapi');

-- The same end-of-call-report five times, a late status-update, one row.
select lives_ok($$select app_private.apply_vapi_message('a5200000-0000-0000-0000-00000000000a',
  '{"type":"end-of-call-report","endedReason":"customer-ended-call","cost":0.42,"durationSeconds":95,
    "startedAt":"2030-02-01T15:00:00Z","endedAt":"2030-02-01T15:01:35Z","recordingUrl":"https://rec.example/1.wav",
    "transcript":"AI: hi. User: my SSN is 123-45-6789 and email ann@example.com",
    "analysis":{"summary":"Caller gave DOB 04/12/1968 and phone 312-555-0142"},
    "call":{"id":"vapi-call-1","type":"inboundPhoneCall","customer":{"number":"+13125550142"}}}'::jsonb)
  from generate_series(1, 5)$$, 'an end-of-call-report applies (five times)');
select is((select count(*)::int from app_public.calls where external_id = 'vapi-call-1'), 1, 're-delivery keeps one call row');
select lives_ok($$select app_private.apply_vapi_message('a5200000-0000-0000-0000-00000000000a',
  '{"type":"status-update","status":"in-progress","call":{"id":"vapi-call-1"}}')$$, 'a late status-update applies');
select results_eq($$select status, ended_reason, cost, duration_seconds, direction, recording_url from app_public.calls where external_id = 'vapi-call-1'$$,
  $$values ('ended', 'customer-ended-call', 0.42::numeric(12,4), 95::numeric(10,2), 'inbound', 'https://rec.example/1.wav')$$,
  'the call keeps its ended status and report fields');
select is((select contact_id from app_public.calls where external_id = 'vapi-call-1'), 'a5230000-0000-0000-0000-000000000001'::uuid,
  'the call is linked to the contact by the customer number');
select is((select content from app_public.transcripts t join app_public.calls c on c.id = t.call_id where c.external_id = 'vapi-call-1'),
  'AI: hi. User: my SSN is [SSN] and email [EMAIL]', 'the stored transcript is redacted');
select is((select summary from app_public.calls where external_id = 'vapi-call-1'),
  'Caller gave DOB [DOB] and phone [PHONE]', 'the stored summary is redacted');
select is((select count(*)::int from app_public.transcripts t join app_public.calls c on c.id = t.call_id where c.external_id = 'vapi-call-1'), 1,
  'one transcript per call');

-- Direct writes are redacted too.
select lives_ok($$update app_public.transcripts set content = 'card 4111 1111 1111 1111, MRN 00482913'
  where call_id = (select id from app_public.calls where external_id = 'vapi-call-1')$$, 'a direct update');
select is((select content from app_public.transcripts where call_id = (select id from app_public.calls where external_id = 'vapi-call-1')),
  'card [CARD], MRN [MRN]', 'a direct update is redacted');

-- The inbox never holds raw PHI from Vapi bodies; the customer number stays.
insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard, event_type, payload)
values ('a5200000-0000-0000-0000-00000000000a', 'a5240000-0000-0000-0000-000000000001', 'vapi', 'k1', 0, 'end-of-call-report',
  '{"message":{"type":"end-of-call-report","transcript":"my email is ann@example.com","artifact":{"messages":[{"role":"user","message":"SSN 123-45-6789"}]},"call":{"id":"vapi-call-2","customer":{"number":"+13125550142"}}}}');
select is((select payload #>> '{message,transcript}' from app_public.webhook_events where dedupe_key = 'k1'), 'my email is [EMAIL]',
  'the inbox stores the transcript redacted');
select is((select payload #>> '{message,artifact,messages,0,message}' from app_public.webhook_events where dedupe_key = 'k1'), 'SSN [SSN]',
  'the inbox stores artifact messages redacted');
select is((select payload #>> '{message,call,customer,number}' from app_public.webhook_events where dedupe_key = 'k1'), '+13125550142',
  'the customer number is kept for matching');
select is((select shard from app_public.webhook_events where dedupe_key = 'k1'), 8::smallint, 'Vapi events get shards of their own (8-15)');
-- An outreach event in the same org: the outreach processor must leave the call event alone.
insert into app_public.sources (org_id, id, provider, name) values
  ('a5200000-0000-0000-0000-00000000000a', 'a5240000-0000-0000-0000-000000000002', 'smartlead', 'SL');
insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard, event_type, payload)
values ('a5200000-0000-0000-0000-00000000000a', 'a5240000-0000-0000-0000-000000000002', 'smartlead', 'k2', 0, 'EMAIL_SENT',
  '{"event_type":"EMAIL_SENT","campaign_id":"77","campaign_name":"C","to_email":"x@calls52.test","event_timestamp":"2030-01-01T00:00:00Z"}');
select lives_ok($$select app_private.process_outreach_events('a5200000-0000-0000-0000-00000000000a', s::smallint) from generate_series(0, 7) s$$,
  'the outreach processor drains shards 0-7');
select is((select status from app_public.webhook_events where dedupe_key = 'k1'), 'pending', 'and leaves the Vapi event pending');
select is((select status from app_public.webhook_events where dedupe_key = 'k2'), 'processed', 'while processing its own');
select is(app_private.process_call_events('a5200000-0000-0000-0000-00000000000a', 0::smallint), 1, 'the worker function applies the inbox event (a job for shard 0 covers 8)');
select is((select status from app_public.webhook_events where dedupe_key = 'k1'), 'processed', 'and marks it processed');
select is((select count(*)::int from app_public.calls where external_id = 'vapi-call-2'), 1, 'the call exists');

-- Tool calls book through the same function as REST; the tool call id is the idempotency key.
select is(app_private.vapi_tool_calls('a5200000-0000-0000-0000-00000000000a',
  '{"type":"tool-calls","call":{"id":"vapi-call-3","customer":{"number":"+13125550142"}},"toolCallList":[{"id":"tc-1","type":"function","function":{"name":"book_appointment","arguments":{"starts_at":"2030-02-04T15:00:00Z"}}}]}') -> 'results' -> 0 ->> 'result',
  'Booked for Monday, February 4 at 9:00 AM (America/Chicago).', 'book_appointment answers with the booked local time');
select is((select count(*)::int from app_public.appointments a join app_public.calls c on c.id = a.call_id
            where c.external_id = 'vapi-call-3' and a.source = 'vapi' and a.contact_id = 'a5230000-0000-0000-0000-000000000001'), 1,
  'the appointment is linked to the call and the caller''s contact');
select is(app_private.vapi_tool_calls('a5200000-0000-0000-0000-00000000000a',
  '{"type":"tool-calls","call":{"id":"vapi-call-3"},"toolCallList":[{"id":"tc-1","type":"function","function":{"name":"book_appointment","arguments":"{\"starts_at\":\"2030-02-04T15:00:00Z\"}"}}]}') -> 'results' -> 0 ->> 'result',
  'Booked for Monday, February 4 at 9:00 AM (America/Chicago).', 'a retried tool call (string arguments) returns the same booking');
select matches(app_private.vapi_tool_calls('a5200000-0000-0000-0000-00000000000a',
  '{"type":"tool-calls","call":{"id":"vapi-call-4"},"toolCallList":[{"id":"tc-2","function":{"name":"book_appointment","arguments":{"starts_at":"2030-02-04T15:00:00Z"}}}]}') -> 'results' -> 0 ->> 'result',
  '^That time is already taken\. The nearest free times are .*Monday, February 4 at 9:30 AM', 'a taken slot answers with the nearest free times');
select results_eq($$select x ->> 'toolCallId', x ->> 'result' like 'Free times on Monday, February 4 (America/Chicago): 9:30 AM%' from jsonb_array_elements(
  app_private.vapi_tool_calls('a5200000-0000-0000-0000-00000000000a',
  '{"type":"tool-calls","call":{"id":"vapi-call-4"},"toolCallList":[{"id":"tc-3","function":{"name":"check_availability","arguments":{"date":"2030-02-04"}}}]}') -> 'results') x$$,
  $$values ('tc-3', true)$$, 'check_availability answers per tool call id, from the first free time');
select matches(app_private.vapi_tool_calls('a5200000-0000-0000-0000-00000000000a',
  '{"type":"tool-calls","call":{"id":"vapi-call-4"},"toolCallList":[{"id":"tc-4","function":{"name":"check_availability","arguments":{"date":"2030-02-04"}}}]}') -> 'results' -> 0 ->> 'result',
  'Free times on Monday, February 4 \(America/Chicago\): .*9:30 AM', 'check_availability lists the free local times');
select is(app_private.vapi_tool_calls('a5200000-0000-0000-0000-00000000000a',
  '{"type":"tool-calls","call":{"id":"vapi-call-4"},"toolCallList":[{"id":"tc-5","function":{"name":"book_appointment","arguments":{"starts_at":"2030-02-04T03:00:00Z"}}}]}') -> 'results' -> 0 ->> 'result',
  'I could not do that: the slot is outside the resource''s business hours.', 'a booking outside hours answers a sentence, not an error');

-- Callbacks: validated before anything is queued.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a5220000-0000-0000-0000-000000000002","org_id":"a5200000-0000-0000-0000-00000000000a","org_role":"member"}', true);
select throws_ok($$select app_public.request_callback('a5230000-0000-0000-0000-000000000001')$$, 'PT422', 'outbound agent not configured',
  'no outbound agent: a clear error');
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a5210000-0000-0000-0000-000000000001","org_id":"a5200000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
insert into app_public.agents (name, direction, assistant_id, phone_number_id)
values ('Closer', 'outbound', 'asst-1', '+13125550100');
-- Clients cannot choose ids (issue 19); the test pins the new agent's id as the owner role.
reset role;
update app_public.agents set id = 'a5250000-0000-0000-0000-000000000001' where assistant_id = 'asst-1' and org_id = 'a5200000-0000-0000-0000-00000000000a';
set local role authenticated;
select throws_ok($$select app_public.request_callback('a5230000-0000-0000-0000-000000000001')$$, 'PT422', null,
  'an E.164 number as phone-number id is refused');
update app_public.agents set phone_number_id = '8c1d2f4e-1111-4a2b-9c3d-000000000001' where id = 'a5250000-0000-0000-0000-000000000001';
select throws_ok($$select app_public.request_callback('a5230000-0000-0000-0000-000000000002')$$, 'PT422', null,
  'a contact without a valid E.164 number is refused');
select is((select count(*)::int from app_public.callback_requests), 0, 'nothing was queued by the refused requests');
select lives_ok($$select app_public.request_callback('a5230000-0000-0000-0000-000000000001')$$, 'a valid callback request is accepted');
select is((select customer_number from app_public.callback_requests), '+13125550142', 'with the normalised E.164 number');
reset role;
select is((select count(*)::int from graphile_worker.jobs where task_identifier = 'request_callback'
            and key = (select 'request_callback:' || id from app_public.callback_requests where org_id = 'a5200000-0000-0000-0000-00000000000a')), 1,
  'and one job is queued in the same transaction');

-- Org B sees nothing of A.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"b5210000-0000-0000-0000-000000000001","org_id":"b5200000-0000-0000-0000-00000000000b","org_role":"owner"}', true);
select is((select count(*)::int from app_public.calls), 0, 'org B sees no calls of A');
select is((select count(*)::int from app_public.transcripts), 0, 'org B sees no transcripts of A');
select is((select count(*)::int from app_public.agents), 0, 'org B sees no agents of A');
select is((select count(*)::int from app_public.callback_requests), 0, 'org B sees no callback requests of A');
select throws_ok($$select app_public.request_callback('a5230000-0000-0000-0000-000000000001')$$, 'PT404', null,
  'org B cannot request a callback for a contact of A');
reset role;

-- Retention: transcripts and recording links older than the org's window are purged.
update app_public.workspace_settings set transcript_retention = '1 day' where org_id = 'a5200000-0000-0000-0000-00000000000a';
update app_public.transcripts set created_at = now() - interval '2 days' where org_id = 'a5200000-0000-0000-0000-00000000000a';
update app_public.calls set created_at = now() - interval '2 days' where external_id = 'vapi-call-1';
select ok(app_private.purge_call_data() >= 2, 'the cleanup removes expired transcripts and recording links');
select is((select recording_url from app_public.calls where external_id = 'vapi-call-1'), null, 'the recording link is gone');

select * from finish();
rollback;
