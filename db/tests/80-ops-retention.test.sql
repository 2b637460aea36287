-- Retention removes exactly what is past each window and nothing newer, in batches.
begin;
select plan(14);

insert into app_public.organizations (id, name) values ('a8000000-0000-0000-0000-00000000000a', 'Retention A');
update app_public.workspace_settings set webhook_body_retention = '7 days', webhook_key_retention = '30 days',
       delivery_attempt_retention = '30 days'
 where org_id = 'a8000000-0000-0000-0000-00000000000a';
create temp table src as
select (app_private.create_source('a8000000-0000-0000-0000-00000000000a', 'standard', 'R', 'k')).source_id as id;

-- Inbox: processed events just past / just inside the 7-day body window and the 30-day key
-- window; a pending event older than both is never touched.
insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard, payload, status, received_at)
select 'a8000000-0000-0000-0000-00000000000a', (select id from src), 'standard', k, 0, '{"email":"x@retention.test"}', st, now() - age
  from (values ('body-old-1', 'processed', interval '7 days 1 second'),
               ('body-old-2', 'processed', interval '8 days'),
               ('body-old-3', 'processed', interval '29 days'),
               ('body-new', 'processed', interval '6 days 23 hours 59 minutes'),
               ('key-old', 'processed', interval '30 days 1 second'),
               ('pending-old', 'pending', interval '40 days'),
               ('dead-old', 'dead', interval '40 days')) v(k, st, age);

select is(app_private.retention_step('webhook_bodies', 2), 2::bigint, 'a step removes at most one batch');
select is(app_private.retention_step('webhook_bodies', 100), 2::bigint, 'the next batch takes the rest');
select is(app_private.retention_step('webhook_bodies', 100), 0::bigint, 'then nothing is left');
select set_eq($$ select dedupe_key from app_public.webhook_events
                  where org_id = 'a8000000-0000-0000-0000-00000000000a' and payload is null $$,
  array['body-old-1', 'body-old-2', 'body-old-3', 'key-old'], 'exactly the processed bodies past 7 days are nulled');
select is(app_private.retention_step('webhook_keys', 100), 1::bigint, 'one processed key is past 30 days');
select set_eq($$ select dedupe_key from app_public.webhook_events where org_id = 'a8000000-0000-0000-0000-00000000000a' $$,
  array['body-old-1', 'body-old-2', 'body-old-3', 'body-new', 'pending-old', 'dead-old'],
  'keys inside the window, pending and dead events stay');

-- Deliveries: attempts and messages past 30 days; a message with a pending delivery stays.
create temp table ep as
select (app_private.create_delivery_endpoint('a8000000-0000-0000-0000-00000000000a', 'https://hooks.example.com/r', '{}', null, 'k', false)).endpoint_id as id;
insert into app_public.delivery_messages (org_id, id, event_type, payload, created_at) values
  ('a8000000-0000-0000-0000-00000000000a', 'a8300000-0000-0000-0000-000000000001', 't', '{}', now() - interval '30 days 1 second'),
  ('a8000000-0000-0000-0000-00000000000a', 'a8300000-0000-0000-0000-000000000002', 't', '{}', now() - interval '29 days 23 hours'),
  ('a8000000-0000-0000-0000-00000000000a', 'a8300000-0000-0000-0000-000000000003', 't', '{}', now() - interval '60 days');
insert into app_public.deliveries (org_id, id, message_id, endpoint_id, status) values
  ('a8000000-0000-0000-0000-00000000000a', 'a8400000-0000-0000-0000-000000000001', 'a8300000-0000-0000-0000-000000000001', (select id from ep), 'delivered'),
  ('a8000000-0000-0000-0000-00000000000a', 'a8400000-0000-0000-0000-000000000002', 'a8300000-0000-0000-0000-000000000002', (select id from ep), 'dead'),
  ('a8000000-0000-0000-0000-00000000000a', 'a8400000-0000-0000-0000-000000000003', 'a8300000-0000-0000-0000-000000000003', (select id from ep), 'pending');
insert into app_public.delivery_attempts (org_id, delivery_id, endpoint_id, attempt, status_code, attempted_at)
select 'a8000000-0000-0000-0000-00000000000a', 'a8400000-0000-0000-0000-000000000003', (select id from ep), n, 500, now() - age
  from (values (1, interval '30 days 1 second'), (2, interval '45 days'), (3, interval '29 days 23 hours 59 minutes')) v(n, age);
select is(app_private.retention_step('delivery_attempts', 100), 2::bigint, 'attempt logs past 30 days are deleted');
select set_eq($$ select attempt from app_public.delivery_attempts where delivery_id = 'a8400000-0000-0000-0000-000000000003' $$,
  array[3], 'the attempt inside the window stays');
select is(app_private.retention_step('delivery_messages', 100), 1::bigint, 'one finished message is past 30 days');
select set_eq($$ select id::text from app_public.delivery_messages where org_id = 'a8000000-0000-0000-0000-00000000000a' $$,
  array['a8300000-0000-0000-0000-000000000002', 'a8300000-0000-0000-0000-000000000003'],
  'the newer message and the one still pending stay');

-- Platform windows: upload replay guards (7 days) and consent tokens (7 days after expiry).
insert into app_private.lead_upload_hashes (org_id, content_sha256, batch_id, received_at) values
  ('a8000000-0000-0000-0000-00000000000a', repeat('a', 64), gen_random_uuid(), now() - interval '7 days 1 second'),
  ('a8000000-0000-0000-0000-00000000000a', repeat('b', 64), gen_random_uuid(), now() - interval '6 days 23 hours');
select is(app_private.retention_step('replay_guards', 100), 1::bigint, 'replay guards past 7 days are deleted');
select set_eq($$ select content_sha256 from app_private.lead_upload_hashes where org_id = 'a8000000-0000-0000-0000-00000000000a' $$,
  array[repeat('b', 64)], 'the newer guard stays');

-- Every step runs, and the run is logged.
select is((select count(*)::int from app_private.retention_steps() s where app_private.retention_step(s, 1000) >= 0), 8,
  'every retention step runs');
select lives_ok($$ select app_private.log_retention_run('webhook_bodies', 4, now()) $$, 'runs are logged');

select * from finish();
rollback;
