-- Alert rules raise once while firing, publish alert.raised (Slack-readable "text"), and
-- resolve when the condition clears.
begin;
select plan(12);

insert into app_public.organizations (id, name) values
  ('a8200000-0000-0000-0000-00000000000a', 'Alerts A'),
  ('a8200000-0000-0000-0000-00000000000f', 'Platform ops');
create temp table ep as
select * from app_private.create_delivery_endpoint('a8200000-0000-0000-0000-00000000000a', 'https://hooks.slack.example.com/services/T/B/X', '{alert.raised,alert.resolved}', null, 'k', false);
create temp table src as
select (app_private.create_source('a8200000-0000-0000-0000-00000000000a', 'standard', 'S', 'k')).source_id as id;

-- Dead letters over 100.
insert into app_public.dead_letters (org_id, kind, ref_id, error)
select 'a8200000-0000-0000-0000-00000000000a', 'webhook_event', gen_random_uuid(), 'boom' from generate_series(1, 101);
-- Signature failures: 3 of 40 requests is 7.5 %.
insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard, payload)
select 'a8200000-0000-0000-0000-00000000000a', (select id from src), 'standard', 'k' || g, 0, '{}' from generate_series(1, 37) g;
select app_private.record_signature_failure((select id from src)) from generate_series(1, 3);

select set_eq($$ select rule from app_private.firing_alerts(null) where org_id = 'a8200000-0000-0000-0000-00000000000a' $$,
  array['dead_letters', 'signature_failure_rate'], 'dead letters over 100 and a 7.5 % signature failure rate fire');
select is(app_private.evaluate_alerts('a8200000-0000-0000-0000-00000000000f'), 2, 'both are raised');
select is(app_private.evaluate_alerts('a8200000-0000-0000-0000-00000000000f'), 0, 'and not raised again while open');
select is((select count(*)::int from app_public.deliveries d join app_public.delivery_messages m on m.id = d.message_id
            where d.endpoint_id = (select endpoint_id from ep) and m.event_type = 'alert.raised'), 2,
  'each is published as alert.raised through the org''s endpoint');
select ok((select bool_and(m.payload ->> 'text' like '[WARNING]%') from app_public.delivery_messages m
            where m.org_id = 'a8200000-0000-0000-0000-00000000000a' and m.event_type = 'alert.raised'),
  'with a top-level text for Slack-compatible receivers');

update app_public.dead_letters set retried_at = now() where org_id = 'a8200000-0000-0000-0000-00000000000a';
select is(app_private.evaluate_alerts('a8200000-0000-0000-0000-00000000000f'), 0, 'nothing new fires');
select ok((select resolved_at is not null from app_private.alert_state where org_id = 'a8200000-0000-0000-0000-00000000000a' and rule = 'dead_letters'),
  'the dead-letter alert resolves once they are retried');
select is((select count(*)::int from app_public.delivery_messages where org_id = 'a8200000-0000-0000-0000-00000000000a' and event_type = 'alert.resolved'), 1,
  'and alert.resolved is published');

-- Backups: a failed verification, and a table shrinking by more than 10 %.
insert into app_private.backup_verification_log (ok, details, error) values
  (true, '{"counts": {"app_public.leads": 1000, "app_public.contacts": 50}}', null),
  (true, '{"counts": {"app_public.leads": 880, "app_public.contacts": 48}}', null);
select set_eq($$ select key from app_private.firing_alerts('a8200000-0000-0000-0000-00000000000f') where rule = 'row_count_drop' $$,
  array['app_public.leads'], 'a 12 % drop fires, a 4 % drop does not');
insert into app_private.backup_verification_log (ok, details, error) values (false, '{}', 'pg_restore failed');
select ok(exists (select 1 from app_private.firing_alerts('a8200000-0000-0000-0000-00000000000f') where rule = 'backup_verification_failed'),
  'a failed backup verification fires');
select ok(not exists (select 1 from app_private.firing_alerts(null) where rule like 'backup%' or rule = 'row_count_drop'),
  'platform alerts need an operator org to be published');
select cmp_ok(app_private.evaluate_alerts('a8200000-0000-0000-0000-00000000000f'), '>=', 1,
  'the platform alerts are raised for the operator org');

select * from finish();
rollback;
