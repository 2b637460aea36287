-- Calls page: members see every call of their org (the rule the README states) and none
-- of another org's; transcript search is PostgreSQL full-text search over redacted text
-- through a GIN index (the query PostgREST's wfts filter makes); a redacted number can
-- never be found; speaker turns come from Vapi's artifact.messages, redacted.
begin;
select plan(14);

insert into app_public.organizations (id, name) values
  ('91000000-0000-0000-0000-0000000000a1', 'Calls A'),
  ('91000000-0000-0000-0000-0000000000b1', 'Calls B');
insert into app_public.users (id, email) values
  ('91000000-0000-0000-0000-000000000001', 'admin@calls-a.test'),
  ('91000000-0000-0000-0000-000000000002', 'member@calls-a.test'),
  ('91000000-0000-0000-0000-000000000009', 'owner@calls-b.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('91000000-0000-0000-0000-0000000000a1', '91000000-0000-0000-0000-000000000001', 'admin'),
  ('91000000-0000-0000-0000-0000000000a1', '91000000-0000-0000-0000-000000000002', 'member'),
  ('91000000-0000-0000-0000-0000000000b1', '91000000-0000-0000-0000-000000000009', 'owner');
insert into app_public.contacts (org_id, id, email, phone) values
  ('91000000-0000-0000-0000-0000000000a1', '91000000-0000-0000-0000-0000000000c1', 'pat@calls-a.test', '+14155550100');

-- Three calls of org A (one with a contact nobody assigned to the member), one of org B.
select app_private.upsert_call('91000000-0000-0000-0000-0000000000a1', 'vapi', 'call-a1',
  '{"status":"ended","direction":"outbound","contact_id":"91000000-0000-0000-0000-0000000000c1","summary":"Customer asked about a refund for the March invoice."}');
select app_private.upsert_transcript('91000000-0000-0000-0000-0000000000a1', (select id from app_public.calls where external_id = 'call-a1'),
  'AI: Hello, how can I help? User: I want my money back. My number is 415-555-0134 and my card is 4111 1111 1111 1111.');
select app_private.upsert_call('91000000-0000-0000-0000-0000000000a1', 'vapi', 'call-a2', '{"status":"ended","direction":"inbound"}');
select app_private.upsert_transcript('91000000-0000-0000-0000-0000000000a1', (select id from app_public.calls where external_id = 'call-a2'),
  'AI: Thanks for calling. User: Can we reschedule the roof inspection to Tuesday?');
select app_private.upsert_call('91000000-0000-0000-0000-0000000000a1', 'vapi', 'call-a3', '{"status":"in-progress"}');
select app_private.upsert_call('91000000-0000-0000-0000-0000000000b1', 'vapi', 'call-b1', '{"status":"ended","summary":"Other org refund request"}');

select is((select summary from app_public.transcripts where call_id = (select id from app_public.calls where external_id = 'call-a1')),
  'Customer asked about a refund for the March invoice.', 'the call''s summary is copied into its transcript row for the search');

-- Speaker turns: an applied end-of-call-report's artifact.messages, redacted.
select app_private.apply_vapi_message('91000000-0000-0000-0000-0000000000a1',
  '{"type":"end-of-call-report","call":{"id":"call-a2"},"artifact":{"messages":[
     {"role":"system","message":"You are a scheduler."},
     {"role":"bot","message":"Thanks for calling.","secondsFromStart":0.5},
     {"role":"user","message":"Call me back at 415 555 0199 please.","secondsFromStart":3.25}]}}');
select is((select messages from app_public.transcripts where call_id = (select id from app_public.calls where external_id = 'call-a2')),
  '[{"role":"agent","text":"Thanks for calling.","seconds":0.5},{"role":"customer","text":"Call me back at [PHONE] please.","seconds":3.3}]'::jsonb,
  'artifact.messages become speaker turns (system prompts dropped), redacted');

-- Who sees which calls.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"91000000-0000-0000-0000-000000000002","org_id":"91000000-0000-0000-0000-0000000000a1","org_role":"member"}', true);
select results_eq($$select external_id from app_public.calls order by external_id$$,
  $$values ('call-a1'), ('call-a2'), ('call-a3')$$, 'a member sees every call of the org, assigned or not');
select results_eq($$select count(*)::int from app_public.transcripts$$, $$values (2)$$, 'and their transcripts');
select results_eq(
  $$select c.external_id from app_public.transcripts t join app_public.calls c on c.id = t.call_id
     where t.search @@ websearch_to_tsquery('english', 'refund')$$,
  $$values ('call-a1')$$, 'a summary word is found, only in the caller''s org');
select results_eq(
  $$select c.external_id from app_public.transcripts t join app_public.calls c on c.id = t.call_id
     where t.search @@ websearch_to_tsquery('english', 'rescheduling inspections')$$,
  $$values ('call-a2')$$, 'transcript words are found by their stems');
select is_empty(
  $$select 1 from app_public.transcripts t
     where t.search @@ websearch_to_tsquery('english', '415-555-0134')
        or t.search @@ websearch_to_tsquery('english', '4155550134')
        or t.search @@ websearch_to_tsquery('english', '0134')
        or t.search @@ websearch_to_tsquery('english', '555')
        or t.search @@ websearch_to_tsquery('english', '415 555 0199')
        or t.search @@ to_tsquery('simple', '0134:*')
        or t.search @@ websearch_to_tsquery('english', '4111 1111 1111 1111')$$,
  'a redacted phone or card number can never be found');
select ok((select bool_and(content !~ '0134|4111|0199' and coalesce(messages::text, '') !~ '0134|4111|0199') from app_public.transcripts),
  'and it is not stored anywhere in the row');
select results_eq(
  $$select count(*)::int from app_public.transcripts t where t.search @@ websearch_to_tsquery('english', 'phone')$$,
  $$values (0)$$, 'the placeholder''s word is not indexed as if the caller had said it');

select set_config('request.jwt.claims', '{"role":"authenticated","sub":"91000000-0000-0000-0000-000000000009","org_id":"91000000-0000-0000-0000-0000000000b1","org_role":"owner"}', true);
select results_eq($$select external_id from app_public.calls$$, $$values ('call-b1')$$, 'another org sees only its own calls');
select results_eq($$select count(*)::int from app_public.transcripts where search @@ websearch_to_tsquery('english', 'money')$$,
  $$values (0)$$, 'and cannot find the first org''s transcripts');
reset role;

-- With many transcripts, the search PostgREST makes (RLS plus wfts) uses the GIN index.
insert into app_public.calls (org_id, external_id, status)
select '91000000-0000-0000-0000-0000000000a1', 'bulk-' || i, 'ended' from generate_series(1, 4000) i;
insert into app_public.transcripts (org_id, call_id, content)
select c.org_id, c.id, 'AI: Good morning. User: I would like to hear about the listing on ' || c.external_id || ' street. '
       || (select string_agg(w, ' ') from (select (array['kitchen','garage','garden','roof','window','basement','offer','viewing',
             'mortgage','agent','school','neighbour','parking','price','tuesday','morning'])[1 + (i * 7 + length(c.external_id)) % 16] w
             from generate_series(1, 200) i) x)
  from app_public.calls c where c.external_id like 'bulk-%';
analyze app_public.transcripts;
analyze app_public.calls;
create schema tap_91;
grant usage on schema tap_91 to authenticated;
create function tap_91.plan_of(q text) returns text language plpgsql as $$
declare line text; plan text := '';
begin
  for line in execute 'explain ' || q loop plan := plan || line || E'\n'; end loop;
  return plan;
end $$;
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"91000000-0000-0000-0000-000000000002","org_id":"91000000-0000-0000-0000-0000000000a1","org_role":"member"}', true);
select matches(tap_91.plan_of($$select call_id, summary from app_public.transcripts
                                 where search @@ websearch_to_tsquery('english'::regconfig, 'refund')$$),
  'Bitmap Index Scan on transcripts_search_idx', 'the search uses the GIN index on the generated tsvector');
select results_eq($$select count(*)::int from app_public.transcripts where search @@ websearch_to_tsquery('english', 'listing')$$,
  $$values (4000)$$, 'and still finds every match');
reset role;

select app_private.upsert_call('91000000-0000-0000-0000-0000000000a1', 'vapi', 'call-a2', '{"summary":"Wants the inspection moved to Tuesday"}');
select is((select summary from app_public.transcripts where call_id = (select id from app_public.calls where external_id = 'call-a2')),
  'Wants the inspection moved to Tuesday', 'a summary arriving later is copied into the transcript row');
select * from finish();
rollback;
