-- The hand-off into campaign tools: chunks per tool (≤ 100 leads for SmartLead, one for
-- Reply.io and Instantly), one push row per (connection, run, lead), the pace of each tool,
-- 429 pauses that lose nothing, refusals that leave the feed, backoff to dead letters and
-- replay, in-doubt calls after a crash, and the failures in system_health and the alerts.
begin;
select plan(38);

insert into app_public.organizations (id, name) values ('66000000-0000-0000-0000-00000000000a', 'Push A');
insert into app_public.users (id, email) values ('66100000-0000-0000-0000-000000000001', 'admin@push-a.test');
insert into app_public.memberships (org_id, user_id, role) values ('66000000-0000-0000-0000-00000000000a', '66100000-0000-0000-0000-000000000001', 'owner');
update app_public.workspace_settings set delivery_retry_schedule = '{0,10 seconds,100 seconds}', delivery_retry_jitter = 0,
       delivery_circuit_failures = 5, delivery_circuit_cooldown = '1 minute'
 where org_id = '66000000-0000-0000-0000-00000000000a';
-- An endpoint subscribed to leads.fed: with a connection, the run goes to the tool instead.
select app_private.create_delivery_endpoint('66000000-0000-0000-0000-00000000000a', 'https://hooks.example.com/fed', '{leads.fed}', null, 'k', false);

insert into app_public.leads (org_id, mak, first_name, last_name, email, lead_score, estimated_equity, property_address,
                              campaign_status, email_verified, consent_given, consented_at, attributes)
select '66000000-0000-0000-0000-00000000000a', 'P' || s, 'First' || s, 'Last' || s, 'p' || s || '@push.test', s % 100,
       1000 * s, s || ' Main St', 'active', true, true, now(), jsonb_build_object('company', 'Co ' || s)
  from generate_series(1, 205) s;
insert into app_private.lead_feed_runs (org_id, local_date, fed, lead_ids)
select '66000000-0000-0000-0000-00000000000a', '2026-03-09', 205, array_agg(id) from app_public.leads
 where org_id = '66000000-0000-0000-0000-00000000000a';

create temp table sl as select app_private.create_campaign_connection('66000000-0000-0000-0000-00000000000a', 'smartlead', null,
  '777', 'smartlead-key-66', 'https://sl.example.com/api/v1', null, 'k', false) as id;
create temp table rio as select app_private.create_campaign_connection('66000000-0000-0000-0000-00000000000a', 'replyio', null,
  '888', 'replyio-key-66', null, null, 'k', false) as id;
select ok(exists (select 1 from graphile_worker.jobs where key = 'validate_campaign_connection:' || (select id from sl)),
  'a saved connection is validated against the tool by a job');
select throws_ok($$ select app_private.create_campaign_connection('66000000-0000-0000-0000-00000000000a', 'smartlead', null, '1',
  'smartlead-key-66', 'https://169.254.169.254/latest', null, 'k', false) $$, '22023', null, 'a private base URL is refused (SSRF guard)');

create temp table h as select app_private.handoff_leads('66000000-0000-0000-0000-00000000000a', '2026-03-09') as r;
select is((select r ->> 'status' from h), 'pushing', 'an org with connections has its run pushed');
select is((select count(*)::int from app_public.delivery_messages where org_id = '66000000-0000-0000-0000-00000000000a' and event_type = 'leads.fed'),
  0, 'no leads.fed webhook for an org with a connection');
select results_eq($$ select count(*)::int from app_public.lead_push_chunks c join app_public.lead_pushes p on p.chunk_id = c.id
                      where c.connection_id = (select id from sl) group by c.position order by c.position $$,
  $$ values (100), (100), (5) $$, 'SmartLead gets chunks of at most 100 leads');
select is((select count(*)::int from app_public.lead_push_chunks where connection_id = (select id from rio)), 205,
  'Reply.io gets one contact per call');
select is((select count(*)::int from graphile_worker.jobs where task_identifier = 'push_leads'), 208, 'a job per call');
select is((select count(*)::int from app_public.lead_pushes), 410, 'one push row per (connection, run, lead)');
select is(app_private.handoff_leads('66000000-0000-0000-0000-00000000000a', '2026-03-09') ->> 'status', 'already_handed_off',
  'a retried hand-off sends nothing more');
select is(app_private.plan_lead_pushes('66000000-0000-0000-0000-00000000000a', '2026-03-09',
  (select lead_ids from app_private.lead_feed_runs where org_id = '66000000-0000-0000-0000-00000000000a')), 2, 'planning again …');
select is((select count(*)::int from app_public.lead_pushes), 410, '… adds no push twice');

-- One call.
create temp table c0 as select id from app_public.lead_push_chunks where connection_id = (select id from sl) and position = 0;
create temp table b1 as select * from app_private.begin_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c0), 'k', 60);
select is((select (provider, api_key, base_url, external_campaign_id, attempt, in_doubt, jsonb_array_length(leads)) from b1),
  row('smartlead'::text, 'smartlead-key-66'::text, 'https://sl.example.com/api/v1'::text, '777'::text, 1, false, 100),
  'a call gets the decrypted key, the campaign and its 100 leads');
select is((select leads -> 0 from b1) - 'lead_id',
  (select jsonb_build_object('email', l.email, 'first_name', l.first_name, 'last_name', l.last_name, 'company', l.attributes ->> 'company',
            'custom_fields', jsonb_build_object('score', '99', 'equity', l.estimated_equity::text, 'property_address', l.property_address))
     from app_public.leads l where l.id = (select (leads -> 0 ->> 'lead_id')::uuid from b1)),
  'leads are mapped: highest score first, custom_fields for score, address and equity');
select is_empty($$ select * from app_private.begin_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c0), 'k', 60) $$,
  'a call in flight holds a lease: a duplicate job sends nothing');

select is((select reserved from app_private.reserve_connection_call((select id from sl),
            (select id from app_public.lead_push_chunks where connection_id = (select id from sl) and position = 2))), false,
  'one call per connection at a time: the next chunk waits for the answer (so a 429 is known before it goes)');

-- Pace: SmartLead allows 10 calls in 2 s; the 11th waits.
insert into app_private.connection_calls (connection_id, at) select (select id from sl), clock_timestamp() from generate_series(1, 9);
select is((select reserved from app_private.reserve_connection_call((select id from sl))), false, 'an 11th SmartLead call within 2 s waits');
select ok((select not_before between clock_timestamp() + interval '1.5 seconds' and clock_timestamp() + interval '2.6 seconds'
             from app_private.reserve_connection_call((select id from sl))), 'until the window allows it');
delete from app_private.connection_calls;
insert into app_private.connection_calls (connection_id, at)
select (select id from sl), clock_timestamp() - interval '50 seconds' + s * interval '0.5 seconds' from generate_series(1, 60) s;
select is((select reserved from app_private.reserve_connection_call((select id from sl))), false, 'and a 61st within a minute waits too (60/min)');
delete from app_private.connection_calls;

-- The answer: one lead unsubscribed, the rest uploaded.
select is(app_private.finish_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c0), 1, 'ok', 200, 40, '{"ok":true}', null, null,
  (select jsonb_agg(jsonb_build_object('lead_id', l ->> 'lead_id',
                                       'status', case when l ->> 'email' = 'p98@push.test' then 'refused' else 'pushed' end,
                                       'reason', case when l ->> 'email' = 'p98@push.test' then 'unsubscribed' end,
                                       'answer', '{"upload_count":99}'::jsonb))
     from b1, jsonb_array_elements(b1.leads) l)), 'done', 'a full answer finishes the chunk');
select is((select count(*)::int from app_public.lead_pushes where chunk_id = (select id from c0) and status = 'pushed'), 99, 'each lead''s push is recorded');
select is((select (campaign_status::text, p.reason) from app_public.leads l join app_public.lead_pushes p on p.lead_id = l.id
            where l.email = 'p98@push.test' and p.connection_id = (select id from sl)),
  row('do_not_contact'::text, 'unsubscribed'::text), 'a refused lead is marked so and leaves the feed');
select is((select reason from app_public.suppressions where email = 'p98@push.test'), 'unsubscribed', 'an unsubscribed lead is suppressed');
select ok(exists (select 1 from app_public.pipeline_events where kind = 'push_refused' and data ->> 'reason' = 'unsubscribed'),
  'pushes appear on the timeline');
select is(app_private.finish_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c0), 1, 'ok', 200, 40, '{}', null, null, '[]'),
  'done', 'a late duplicate answer changes nothing');

-- 429: the connection pauses for Retry-After; the attempt does not count.
create temp table c1 as select id from app_public.lead_push_chunks where connection_id = (select id from sl) and position = 1;
grant select on c1 to authenticated;
select attempt from app_private.begin_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c1), 'k', 60);
select is(app_private.finish_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c1), 1, 'rate_limited', 429, 5, null, null, 30, null),
  'pending', 'a 429 keeps the chunk pending');
select ok((select paused_until between now() + interval '29 seconds' and now() + interval '31 seconds' from app_public.campaign_connections where id = (select id from sl))
          and (select attempts from app_public.lead_push_chunks where id = (select id from c1)) = 0,
  'Retry-After pauses the connection and costs no attempt');
select is_empty($$ select * from app_private.begin_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c1), 'k', 60) $$,
  'no call while paused');

-- Failures: backoff on the delivery schedule, then a dead letter, then replay.
update app_public.campaign_connections set paused_until = null where id = (select id from sl);
update app_public.lead_push_chunks set next_attempt_at = now() where id = (select id from c1);
select attempt from app_private.begin_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c1), 'k', 60);
select is(app_private.finish_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c1), 1, 'retry', 503, 5, 'down', null, null, null),
  'pending', 'a 503 is retried');
select ok((select next_attempt_at between now() + interval '9 seconds' and now() + interval '11 seconds' from app_public.lead_push_chunks where id = (select id from c1)),
  'on the delivery retry schedule');
select is(app_private.finish_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c1), 3, 'auth', 401, 5, null, null, null, null),
  'dead', 'after the last attempt the chunk is dead');
select is((select count(*)::int from app_public.lead_pushes where chunk_id = (select id from c1) and status = 'failed'), 100, 'its leads are failed');
select ok((select last_error ~ 'API key' from app_public.campaign_connections where id = (select id from sl)), 'the connection says why');

select app_private.evaluate_alerts();
select ok(exists (select 1 from app_private.alert_state where rule = 'lead_push_dead'), 'an alert fires for dead pushes');

set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"66100000-0000-0000-0000-000000000001","org_id":"66000000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
select is((select failed_lead_pushes_24h from app_public.system_health), 100::bigint, 'system_health shows failed pushes');
select is((select kind from app_public.dead_letters where ref_id = (select id from c1)), 'lead_push', 'a dead letter per dead chunk');
select lives_ok($$ select app_public.retry_dead_letter((select id from app_public.dead_letters where ref_id = (select id from c1))) $$,
  'an admin retries it');
reset role;
select is((select (status, attempts) from app_public.lead_push_chunks where id = (select id from c1)), row('pending'::text, 0),
  'the chunk is pending again with a fresh budget');

-- A call that never reported back (worker killed): the next one knows it is in doubt.
update app_public.lead_push_chunks set next_attempt_at = now() where id = (select id from c1);
select attempt from app_private.begin_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c1), 'k', 60);
update app_public.lead_push_chunks set next_attempt_at = now() - interval '1 minute' where id = (select id from c1);
select is((select in_doubt from app_private.begin_lead_push('66000000-0000-0000-0000-00000000000a', (select id from c1), 'k', 60)), true,
  'after the lease, the interrupted call is in doubt (reconciled before anything is sent)');

select * from finish();
rollback;
