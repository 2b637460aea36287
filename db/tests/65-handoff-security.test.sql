-- Campaign-tool connections and SMS settings: RLS forced, admins only (their org), and the
-- API keys, auth tokens and key secrets are never readable through any view, column or RPC.
begin;
select plan(23);

insert into app_public.organizations (id, name) values
  ('65000000-0000-0000-0000-00000000000a', 'Reach A'), ('65000000-0000-0000-0000-00000000000b', 'Reach B');
insert into app_public.users (id, email) values
  ('65100000-0000-0000-0000-000000000001', 'admin@reach-a.test'),
  ('65200000-0000-0000-0000-000000000002', 'member@reach-a.test'),
  ('65300000-0000-0000-0000-000000000003', 'admin@reach-b.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('65000000-0000-0000-0000-00000000000a', '65100000-0000-0000-0000-000000000001', 'admin'),
  ('65000000-0000-0000-0000-00000000000a', '65200000-0000-0000-0000-000000000002', 'member'),
  ('65000000-0000-0000-0000-00000000000b', '65300000-0000-0000-0000-000000000003', 'owner');

create temp table conn as select app_private.create_campaign_connection('65000000-0000-0000-0000-00000000000a', 'smartlead', 'Main',
  '4242', 'sl_secret_key_65_abcdef', null, null, 'k65', false) as id;
grant select on conn to authenticated;
select app_private.configure_sms('65000000-0000-0000-0000-00000000000a', 'AC' || repeat('a', 32), null, 'twilio_auth_token_65_secret',
  '+14155550100', null, null, null, 'k65', false);

select ok((select relrowsecurity and relforcerowsecurity from pg_class where oid = t::regclass), t || ': RLS enabled and forced')
  from unnest(array['app_public.campaign_connections', 'app_public.lead_pushes', 'app_public.lead_push_chunks',
                    'app_public.lead_push_attempts', 'app_public.sms_settings', 'app_public.sms_messages']) t;
select isnt((select api_key_encrypted from app_private.campaign_connection_secrets where connection_id = (select id from conn)), null,
  'the API key is stored encrypted');
select is((select pgp_sym_decrypt(api_key_encrypted, 'k65') from app_private.campaign_connection_secrets where connection_id = (select id from conn)),
  'sl_secret_key_65_abcdef', 'only the encryption key from the environment opens it');
select ok(position('sl_secret_key_65' in (select api_key_encrypted::text from app_private.campaign_connection_secrets)) = 0,
  'the ciphertext does not contain the key');

-- No column of any app_public relation or function result carries a secret.
select is((select count(*)::int from information_schema.columns
            where table_schema = 'app_public' and (column_name ~* '(api_key|auth_token|secret|password)' and column_name !~ 'sid$')),
  0, 'no app_public table or view has an api key, token, secret or password column');
select is((select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'app_public' and (p.proname ~* 'connection|sms|twilio') and p.proname !~ '^replay_lead_push$'),
  0, 'no app_public RPC hands out connection or SMS credentials');
select ok(not has_table_privilege('authenticated', 'app_private.campaign_connection_secrets', 'select'), 'authenticated cannot read connection secrets');
select ok(not has_table_privilege('authenticated', 'app_private.sms_credentials', 'select'), 'authenticated cannot read SMS credentials');
select ok(not has_function_privilege('authenticated', 'app_private.campaign_connection_credentials(uuid, uuid, text)', 'execute'),
  'authenticated cannot call the worker''s credential function');
select ok(not has_function_privilege('switchboard_gateway', 'app_private.begin_sms_send(uuid, uuid, text)', 'execute'),
  'the gateway cannot claim SMS with their credentials');

set local role authenticated;
-- A member sees nothing of the settings.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"65200000-0000-0000-0000-000000000002","org_id":"65000000-0000-0000-0000-00000000000a","org_role":"member"}', true);
select is((select count(*)::int from app_public.campaign_connections) + (select count(*)::int from app_public.sms_settings), 0,
  'members do not see connections or SMS settings');
select lives_ok($$ update app_public.campaign_connections set name = 'hijack' $$, 'a member''s update …');
-- The admin sees and edits their org's.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"65100000-0000-0000-0000-000000000001","org_id":"65000000-0000-0000-0000-00000000000a","org_role":"admin"}', true);
select is((select name from app_public.campaign_connections), 'Main', '… changes nothing; the admin sees the connection');
select lives_ok($$ update app_public.campaign_connections
                     set field_mapping = '{"email":"email","first_name":"first_name","custom_fields":{"score":"lead_score","zip":"property_zip"}}' $$,
  'admins edit the field mapping');
select throws_ok($$ update app_public.campaign_connections set field_mapping = '{"email":"pii_encrypted"}' $$, '22023', null,
  'a mapping may only read lead columns');
select throws_ok($$ update app_public.campaign_connections set base_url = 'http://169.254.169.254/' $$, '42501', null,
  'the base URL is not writable through the API (the worker sends the key there)');
select throws_ok($$ update app_public.sms_settings set reminder_template = '{{password}}' $$, '22023', null,
  'SMS templates only take the documented variables');
-- Another org's admin sees nothing.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"65300000-0000-0000-0000-000000000003","org_id":"65000000-0000-0000-0000-00000000000b","org_role":"owner"}', true);
select is((select count(*)::int from app_public.campaign_connections) + (select count(*)::int from app_public.sms_settings), 0,
  'another org''s admin sees nothing');
reset role;

select * from finish();
rollback;
