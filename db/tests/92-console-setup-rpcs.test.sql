-- Console setup RPCs: sources (create, rotate, activity, signature failures), outbound
-- endpoints (create, rotate) and the session lead upload. Owners and admins only (42501
-- for members: 403), audited, secrets returned once and never readable after.
-- The secret-issuing ones take ENCRYPTION_KEY as an argument and only the gateway role may
-- run them (POST /console/rpc/{name}, with the session's claims set): PostgREST's roles
-- cannot, and nothing reads the key from a setting.
begin;
select plan(44);

insert into app_public.organizations (id, name) values
  ('92000000-0000-0000-0000-0000000000a1', 'Setup A'),
  ('92000000-0000-0000-0000-0000000000b1', 'Setup B');
insert into app_public.users (id, email) values
  ('92000000-0000-0000-0000-000000000001', 'admin@setup-a.test'),
  ('92000000-0000-0000-0000-000000000002', 'member@setup-a.test'),
  ('92000000-0000-0000-0000-000000000009', 'owner@setup-b.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('92000000-0000-0000-0000-0000000000a1', '92000000-0000-0000-0000-000000000001', 'admin'),
  ('92000000-0000-0000-0000-0000000000a1', '92000000-0000-0000-0000-000000000002', 'member'),
  ('92000000-0000-0000-0000-0000000000b1', '92000000-0000-0000-0000-000000000009', 'owner');

-- Who may issue secrets: the gateway role only; PostgREST's roles cannot reach the key path.
select hasnt_function('app_public', 'create_source', 'no create_source in the API schema');
select hasnt_function('app_public', 'rotate_source', 'no rotate_source in the API schema');
select hasnt_function('app_public', 'create_endpoint', 'no create_endpoint in the API schema');
select hasnt_function('app_public', 'rotate_endpoint', 'no rotate_endpoint in the API schema');
select hasnt_function('app_public', 'create_sending_account', 'no create_sending_account in the API schema');
select hasnt_function('app_public', 'set_sending_account_password', 'no set_sending_account_password in the API schema');
select is_empty($$
  select p.oid::regprocedure from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('app_public', 'app_private')
     and (p.prosrc ~ 'app\.settings\.(encryption_key|delivery_allow)' or (n.nspname = 'app_public' and 'encryption_key' = any (p.proargnames)))$$,
  'no function reads the key from a setting, and none in the API schema takes it');
select results_eq($$
  select r.rolname::text collate "default", bool_or(has_function_privilege(r.oid, p.oid, 'execute'))
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace, pg_roles r
   where n.nspname = 'app_private' and p.proname like 'console\_%' and r.rolname in ('anon', 'authenticated', 'authenticator', 'switchboard_gateway', 'switchboard_worker')
   group by r.rolname order by r.rolname$$,
  $$values ('anon', false), ('authenticated', false), ('authenticator', false), ('switchboard_gateway', true), ('switchboard_worker', false)$$,
  'only the gateway role may run the console''s secret-issuing functions');
select is((select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'app_private' and p.proname like 'console\_%' and has_function_privilege('switchboard_gateway', p.oid, 'execute')),
  6, 'exactly six of them: create/rotate source, create/rotate endpoint, add account, set password');

create temp table made (what text primary key, id uuid, secret text, url text);
grant all on made to authenticated, switchboard_gateway;

set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"92000000-0000-0000-0000-000000000001","org_id":"92000000-0000-0000-0000-0000000000a1","org_role":"admin"}', true);
select throws_ok($$select * from app_private.console_create_source('guessed-key', 'vapi', 'x')$$, '42501', null,
  'an admin through PostgREST cannot call the key path (permission denied)');
set local role switchboard_gateway;
select throws_ok($$select * from app_private.console_create_source('', 'vapi', 'x')$$, '22023', 'no encryption key',
  'without the key nothing is created');
insert into made select 'vapi', source_id, secret, url from app_private.console_create_source('pgtap-92-key', 'vapi', 'Vapi main');
insert into made select 'replyio', source_id, secret, url from app_private.console_create_source('pgtap-92-key', 'replyio', null);
insert into made select 'standard', source_id, secret, url from app_private.console_create_source('pgtap-92-key', 'standard', 'Std');
insert into made select 'smartlead', source_id, secret, url
  from app_private.console_create_source('pgtap-92-key', 'smartlead', 'SL', given_secret => '4f7c8d23-aaaa-bbbb-cccc-0123456789ab');
insert into made select 'vapi-hmac', source_id, secret, url
  from app_private.console_create_source('pgtap-92-key', 'vapi', 'Vapi HMAC', auth => '{"mode":"hmac","signature_header":"x-vapi-signature","timestamp_header":"none","payload_format":"{body}"}');
select throws_ok($$select * from app_private.console_create_source('pgtap-92-key', 'vapi', 'bad', auth => '{"mode":"carrier-pigeon"}')$$, '22023', null,
  'unknown auth options are refused');
set local role authenticated;
select is((select url from made where what = 'vapi'), '/webhooks/vapi/' || (select id from made where what = 'vapi'),
  'create_source returns the webhook path to paste');
select is((select url from made where what = 'replyio'),
  '/webhooks/replyio/' || (select id from made where what = 'replyio') || '/' || (select secret from made where what = 'replyio'),
  'Reply.io cannot sign: its URL carries the secret');
select matches((select secret from made where what = 'standard'), '^whsec_', 'standard secrets are whsec_');
select results_eq($$select provider, name from app_public.sources order by provider, name$$,
  $$values ('replyio', 'replyio'), ('smartlead', 'SL'), ('standard', 'Std'), ('vapi', 'Vapi HMAC'), ('vapi', 'Vapi main')$$, 'the sources exist in the caller''s org');
select is((select secret from made where what = 'smartlead'), '4f7c8d23-aaaa-bbbb-cccc-0123456789ab', 'the secret the platform shows is kept as given');
select results_eq($$select auth ->> 'mode', auth ->> 'signature_header', auth ->> 'timestamp_header' from app_public.sources where provider = 'vapi' order by name$$,
  $$values ('hmac', 'x-vapi-signature', null::text), ('secret', null, null)$$, 'Vapi auth options are stored with the source (x-vapi-secret by default)');
set local role switchboard_gateway;
select throws_ok($$select * from app_private.console_create_source('pgtap-92-key', 'fax', 'x')$$, '22023', null, 'an unknown provider is refused');
reset role;
select results_eq($$select s.org_id, k.secrets[1] from made m, app_private.source_credentials(m.id, 'vapi', 'pgtap-92-key') k join app_public.sources s on s.org_id = k.org_id where m.what = 'vapi' limit 1$$,
  $$select '92000000-0000-0000-0000-0000000000a1'::uuid, secret from made where what = 'vapi'$$,
  'the gateway verifies with the secret the page showed');
select ok((select bool_and(a.actor_id = '92000000-0000-0000-0000-000000000001') from app_public.audit_log a
            where a.table_name = 'app_public.sources' and a.action = 'insert' and a.org_id = '92000000-0000-0000-0000-0000000000a1'),
  'creating a source is audited with the admin as actor');

-- Rotation with grace: both secrets verify; the new one is returned once.
set local role switchboard_gateway;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"92000000-0000-0000-0000-000000000001","org_id":"92000000-0000-0000-0000-0000000000a1","org_role":"admin"}', true);
insert into made select 'vapi-rotated', source_id, secret, url from app_private.console_rotate_source('pgtap-92-key', (select id from made where what = 'vapi'), '1 hour');
select throws_ok($$select * from app_private.console_rotate_source('pgtap-92-key', (select id from made where what = 'vapi'), '30 days')$$, '22023', null,
  'a grace period over 7 days is refused');
reset role;
select results_eq($$select array(select unnest(k.secrets) order by 1) from made m, app_private.source_credentials(m.id, 'vapi', 'pgtap-92-key') k where m.what = 'vapi'$$,
  $$select array(select secret from made where what in ('vapi', 'vapi-rotated') order by 1)$$,
  'after a rotation the old and the new secret are valid during the grace period');
select ok(exists (select 1 from app_public.audit_log where table_name = 'app_private.source_secrets' and action = 'update'
                   and row_id = (select id::text from made where what = 'vapi') and new_values ->> 'grace' = '01:00:00'),
  'the rotation is audited (never the secret)');
select ok(not exists (select 1 from app_public.audit_log a, made m where a.new_values::text like '%' || m.secret || '%'),
  'no secret appears in the audit log');

-- Activity: events in 24 h, last event, signature failures (written by the gateway).
insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard, received_at, status)
select '92000000-0000-0000-0000-0000000000a1', (select id from made where what = 'vapi'), 'vapi', 'e' || i, 8, now() - i * interval '10 hours', 'processed'
  from generate_series(0, 3) i;
set local role switchboard_gateway;
select app_private.record_signature_failure((select id from made where what = 'vapi'));
select app_private.record_signature_failure((select id from made where what = 'vapi'));
reset role;
select is((select sum(failures)::int from app_private.signature_failures where source_id = (select id from made where what = 'vapi')), 2,
  'the alert''s per-minute counter counts them as before');
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"92000000-0000-0000-0000-000000000001","org_id":"92000000-0000-0000-0000-0000000000a1","org_role":"admin"}', true);
select results_eq($$select events_24h, signature_failures_24h, secrets_valid, last_event_at > now() - interval '1 minute' from app_public.source_activity() where name = 'Vapi main'$$,
  $$values (3::bigint, 2::bigint, 2, true)$$, 'source_activity: events and signature failures in 24 h, valid secrets, last event');
select throws_ok($$select * from app_private.source_secrets$$, '42501', null, 'the secrets table is not readable');

-- Endpoints: created with the secret once, rotated; private URLs need the operator's allowance.
set local role switchboard_gateway;
select throws_ok($$select * from app_private.console_create_endpoint('pgtap-92-key', false, 'http://127.0.0.1:9/hook', '{lead.merged}', null)$$, '22023', null,
  'a private URL is refused without the operator''s allowance');
insert into made select 'endpoint', endpoint_id, secret, null from app_private.console_create_endpoint('pgtap-92-key', true, 'http://127.0.0.1:9/hook', '{lead.merged}', 'CRM');
set local role authenticated;
select matches((select secret from made where what = 'endpoint'), '^whsec_', 'create_endpoint returns a whsec_ secret once');
select results_eq($$select url, event_types, description from app_public.delivery_endpoints$$,
  $$values ('http://127.0.0.1:9/hook', '{lead.merged}'::text[], 'CRM')$$, 'the endpoint is registered in the caller''s org');
set local role switchboard_gateway;
insert into made select 'endpoint-rotated', endpoint_id, secret, null from app_private.console_rotate_endpoint('pgtap-92-key', (select id from made where what = 'endpoint'), '0');
set local role authenticated;
select isnt((select secret from made where what = 'endpoint-rotated'), (select secret from made where what = 'endpoint'), 'rotate_endpoint returns a new secret');

-- A member is refused every one of them; another org's admin cannot touch these rows.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"92000000-0000-0000-0000-000000000002","org_id":"92000000-0000-0000-0000-0000000000a1","org_role":"member"}', true);
select throws_ok($$select * from app_public.source_activity()$$, '42501', 'owners and admins only', 'members are refused source activity');
set local role switchboard_gateway;
select throws_ok($$select * from app_private.console_create_source('pgtap-92-key', 'vapi', 'x')$$, '42501', 'owners and admins only', 'members cannot create sources');
select throws_ok($$select * from app_private.console_rotate_source('pgtap-92-key', (select id from made where what = 'vapi'))$$, '42501', 'owners and admins only', 'members cannot rotate sources');
select throws_ok($$select * from app_private.console_create_endpoint('pgtap-92-key', true, 'https://example.com/h', '{}', null)$$, '42501', 'owners and admins only', 'members cannot create endpoints');
select throws_ok($$select * from app_private.console_rotate_endpoint('pgtap-92-key', (select id from made where what = 'endpoint'))$$, '42501', 'owners and admins only', 'members cannot rotate endpoints');
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"92000000-0000-0000-0000-000000000009","org_id":"92000000-0000-0000-0000-0000000000b1","org_role":"owner"}', true);
select throws_ok($$select * from app_private.console_rotate_source('pgtap-92-key', (select id from made where what = 'vapi'))$$, 'PT404', null, 'another org''s owner cannot rotate the source');
select throws_ok($$select * from app_private.console_rotate_endpoint('pgtap-92-key', (select id from made where what = 'endpoint'))$$, 'PT404', null, 'nor the endpoint');
set local role authenticated;
select is_empty($$select * from app_public.source_activity()$$, 'and sees none of its activity');
reset role;

-- Session uploads: an admin's live session gets a batch; a member's is refused; an ended one too.
insert into app_private.sessions (id, user_id, org_id, refresh_token_hash, expires_at) values
  ('92000000-0000-0000-0000-00000000aa01', '92000000-0000-0000-0000-000000000001', '92000000-0000-0000-0000-0000000000a1', '\x01', now() + interval '1 day'),
  ('92000000-0000-0000-0000-00000000aa02', '92000000-0000-0000-0000-000000000002', '92000000-0000-0000-0000-0000000000a1', '\x02', now() + interval '1 day'),
  ('92000000-0000-0000-0000-00000000aa03', '92000000-0000-0000-0000-000000000001', '92000000-0000-0000-0000-0000000000a1', '\x03', now() - interval '1 minute');
set local role switchboard_gateway;
insert into made select 'batch', batch_id, null, org_id::text from app_private.begin_session_lead_upload('92000000-0000-0000-0000-00000000aa01', repeat('ab', 32));
select is_empty($$select * from app_private.begin_session_lead_upload('92000000-0000-0000-0000-00000000aa01', repeat('ab', 32))$$,
  'the same file within 7 days gets no batch (409)');
select throws_ok($$select * from app_private.begin_session_lead_upload('92000000-0000-0000-0000-00000000aa02', repeat('cd', 32))$$,
  '42501', 'owners and admins only', 'a member''s session is refused (403)');
select throws_ok($$select * from app_private.begin_session_lead_upload('92000000-0000-0000-0000-00000000aa03', repeat('cd', 32))$$,
  '28000', 'the session has ended', 'an ended session is refused (401)');
reset role;
select results_eq($$select b.org_id, b.uploaded_by, b.source_id from made m join app_public.lead_import_batches b on b.id = m.id where m.what = 'batch'$$,
  $$values ('92000000-0000-0000-0000-0000000000a1'::uuid, '92000000-0000-0000-0000-000000000001'::uuid, null::uuid)$$,
  'an admin''s session opens a batch in its org, recorded as theirs');

select * from finish();
rollback;
