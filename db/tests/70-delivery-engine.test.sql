-- Delivery engine in SQL: SSRF guard, fan-out by event type, retry schedule with jitter,
-- Retry-After, circuit breaker, dead letters, 410 and 5-day disabling, admin-only replay.
begin;
select plan(45);

-- SSRF guard
select is(app_private.delivery_url_problem(u, false), null, 'allowed: ' || u)
  from unnest(array['https://hooks.example.com/x', 'https://93.184.216.34:8443/in?x=1']) u;
select isnt(app_private.delivery_url_problem(u, false), null, 'refused: ' || u)
  from unnest(array['http://example.com/x', 'https://127.0.0.1/x', 'https://10.1.2.3/x', 'https://172.20.0.1/',
                    'https://192.168.1.1/', 'https://169.254.169.254/latest', 'https://[::1]/x', 'https://[fd00::1]/x',
                    'https://[::ffff:127.0.0.1]/x', 'https://localhost/x', 'https://api.internal/x', 'https://2130706433/',
                    'https://0x7f.0.0.1/', 'https://0.0.0.0/', 'ftp://example.com/', 'https://intranet/']) u;
select is(app_private.delivery_url_problem('http://127.0.0.1:9999/x', true), null, 'the operator allowance lets local URLs through');

insert into app_public.organizations (id, name) values ('a7000000-0000-0000-0000-00000000000a', 'Delivery A');
insert into app_public.users (id, email) values
  ('a7100000-0000-0000-0000-000000000001', 'admin@delivery.test'),
  ('a7200000-0000-0000-0000-000000000002', 'member@delivery.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('a7000000-0000-0000-0000-00000000000a', 'a7100000-0000-0000-0000-000000000001', 'owner'),
  ('a7000000-0000-0000-0000-00000000000a', 'a7200000-0000-0000-0000-000000000002', 'member');
update app_public.workspace_settings set delivery_retry_schedule = '{0,10 seconds,100 seconds}', delivery_retry_jitter = 0.1,
       delivery_circuit_failures = 2, delivery_circuit_cooldown = '1 minute'
 where org_id = 'a7000000-0000-0000-0000-00000000000a';

create temp table ep as
select * from app_private.create_delivery_endpoint('a7000000-0000-0000-0000-00000000000a', 'https://hooks.example.com/a', '{lead.fed}', null, 'k', false);
create temp table ep_all as
select * from app_private.create_delivery_endpoint('a7000000-0000-0000-0000-00000000000a', 'https://hooks.example.com/all', '{}', null, 'k', false);
select matches((select secret from ep), '^whsec_[A-Za-z0-9+/=]{44}$', 'secrets are whsec_ + 32 random bytes');
select throws_ok($$ select app_private.create_delivery_endpoint('a7000000-0000-0000-0000-00000000000a', 'https://10.0.0.1/', '{}', null, 'k', false) $$,
  '22023', null, 'a private URL is refused at registration');

create temp table msg as select app_private.emit_event('a7000000-0000-0000-0000-00000000000a', 'lead.fed', '{"lead_id":"L1"}') as id;
select app_private.emit_event('a7000000-0000-0000-0000-00000000000a', 'call.ended', '{}');
select is((select count(*)::int from app_public.deliveries where endpoint_id = (select endpoint_id from ep)), 1,
  'an endpoint only gets the event types it subscribed to');
select is((select count(*)::int from app_public.deliveries where endpoint_id = (select endpoint_id from ep_all)), 2,
  'an endpoint with no event types gets everything');
create temp table d as select id from app_public.deliveries where endpoint_id = (select endpoint_id from ep);
grant select on d to authenticated;
select ok(exists (select 1 from graphile_worker.jobs j where j.key = 'deliver_webhook:' || (select id from d)),
  'a deliver_webhook job is queued in the same transaction');

create temp table a1 as select * from app_private.begin_delivery_attempt('a7000000-0000-0000-0000-00000000000a', (select id from d), 'k');
select is((select (attempt, secrets[1] = (select secret from ep), body::jsonb -> 'data' ->> 'lead_id') from a1), row(1, true, 'L1'::text),
  'an attempt gets the URL, the decrypted secret and the Standard Webhooks body');
select is_empty($$ select * from app_private.begin_delivery_attempt('a7000000-0000-0000-0000-00000000000a', (select id from d), 'k') $$,
  'an attempt in flight holds a lease: a second job does not send it again');

select is(app_private.finish_delivery_attempt('a7000000-0000-0000-0000-00000000000a', (select id from d), 1, 500, 12, 'boom', null, null),
  'pending', 'a 500 schedules a retry');
select ok((select next_attempt_at between now() + interval '9 seconds' and now() + interval '11 seconds' from app_public.deliveries where id = (select id from d)),
  'the retry follows the schedule within the jitter');
select is((select (status_code, latency_ms, response_excerpt) from app_public.delivery_attempts where delivery_id = (select id from d)),
  row(500, 12, 'boom'::text), 'the attempt is logged with status, latency and excerpt');

-- Retry-After beats a shorter schedule step.
update app_public.deliveries set next_attempt_at = now() where id = (select id from d);
select is(app_private.finish_delivery_attempt('a7000000-0000-0000-0000-00000000000a', (select id from d),
  (select attempt from app_private.begin_delivery_attempt('a7000000-0000-0000-0000-00000000000a', (select id from d), 'k')), 503, 5, null, null, 600),
  'pending', 'a 503 with Retry-After is retried');
select ok((select next_attempt_at >= now() + interval '600 seconds' from app_public.deliveries where id = (select id from d)),
  'Retry-After: 600 is honoured over the 100 s step');

-- Two consecutive failures opened the circuit.
select ok((select circuit_open_until = now() + interval '1 minute' from app_public.delivery_endpoints where id = (select endpoint_id from ep)),
  'consecutive failures open the circuit for the cool-down');
update app_public.deliveries set next_attempt_at = now() where id = (select id from d);
select is_empty($$ select * from app_private.begin_delivery_attempt('a7000000-0000-0000-0000-00000000000a', (select id from d), 'k') $$,
  'no attempt while the circuit is open');
select ok((select next_attempt_at = now() + interval '1 minute' from app_public.deliveries where id = (select id from d)),
  'the delivery waits for the circuit to close, without spending an attempt');

-- The last attempt dead-letters.
update app_public.delivery_endpoints set circuit_open_until = null where id = (select endpoint_id from ep);
update app_public.deliveries set next_attempt_at = now() where id = (select id from d);
select is(app_private.finish_delivery_attempt('a7000000-0000-0000-0000-00000000000a', (select id from d),
  (select attempt from app_private.begin_delivery_attempt('a7000000-0000-0000-0000-00000000000a', (select id from d), 'k')), null, 15000, null, 'timed out', null),
  'dead', 'after the last scheduled attempt the delivery is dead');
select is((select count(*)::int from app_public.dead_letters where kind = 'delivery' and ref_id = (select id from d)), 1,
  'and lands in dead_letters');

-- Replay is admin-only.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a7200000-0000-0000-0000-000000000002","org_id":"a7000000-0000-0000-0000-00000000000a","org_role":"member"}', true);
select throws_ok($$ select app_public.replay_delivery((select id from d)) $$, '42501', null, 'members cannot replay');
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a7100000-0000-0000-0000-000000000001","org_id":"a7000000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
select is((app_public.replay_delivery((select id from d))).status, 'pending', 'an admin replays a dead delivery');
reset role;
select ok((select retried_at is not null from app_public.dead_letters where ref_id = (select id from d)), 'its dead letter counts as retried');

-- Five days of failures disable the endpoint and emit endpoint.disabled.
update app_public.delivery_endpoints set failing_since = now() - interval '5 days 1 minute', circuit_open_until = null
 where id = (select endpoint_id from ep);
select is(app_private.finish_delivery_attempt('a7000000-0000-0000-0000-00000000000a', (select id from d),
  (select attempt from app_private.begin_delivery_attempt('a7000000-0000-0000-0000-00000000000a', (select id from d), 'k')), 500, 1, null, null, null),
  'dead', 'a failure after 5 days of failing ends the delivery');
select is((select (enabled, disabled_reason like 'failing continuously since%') from app_public.delivery_endpoints where id = (select endpoint_id from ep)),
  (false, true), 'and disables the endpoint');
select is((select count(*)::int from app_public.deliveries x join app_public.delivery_messages m on m.id = x.message_id
            where m.event_type = 'endpoint.disabled' and x.endpoint_id = (select endpoint_id from ep_all)
              and m.payload -> 'data' ->> 'endpoint_id' = (select endpoint_id::text from ep)), 1,
  'the org is told through an endpoint.disabled event');

-- Domain events are raised by triggers where the data is written; orgs without endpoints pay nothing.
insert into app_public.organizations (id, name) values ('a7000000-0000-0000-0000-00000000000b', 'Delivery B');
select is(app_private.emit_event('a7000000-0000-0000-0000-00000000000b', 'lead.fed', '{}'), null,
  'an org with no subscribed endpoint stores no message');
select is((select count(*)::int from app_public.delivery_messages where org_id = 'a7000000-0000-0000-0000-00000000000b'), 0,
  'nothing is queued for it');
insert into app_public.lead_import_batches (org_id, id, content_sha256, status)
values ('a7000000-0000-0000-0000-00000000000a', 'a7300000-0000-0000-0000-000000000001', repeat('c', 64), 'merging');
update app_public.lead_import_batches set status = 'merged', rows_total = 3, rows_merged = 3
 where id = 'a7300000-0000-0000-0000-000000000001';
select is((select m.payload -> 'data' ->> 'rows_merged' from app_public.delivery_messages m
            join app_public.deliveries d on d.message_id = m.id
           where m.event_type = 'import.finished' and d.endpoint_id = (select endpoint_id from ep_all)), '3',
  'a finished import is published as import.finished');

select * from finish();
rollback;
