-- OIDC SSO decisions in SQL: one-time states, allowed domains, verified emails, JIT
-- membership once, no takeover of accounts outside the org, MFA left to the provider.
begin;
select plan(15);

insert into app_public.organizations (id, name, require_mfa) values
  ('45000000-0000-0000-0000-00000000000a', 'SSO A', true),
  ('45000000-0000-0000-0000-00000000000b', 'SSO B', false);
select app_private.add_user('45000000-0000-0000-0000-00000000000b', 'existing@sso45.test', 'existing password', 'owner');
select app_private.configure_sso('45000000-0000-0000-0000-00000000000a', 'https://idp.sso45.test/', 'client-45', 'secret-45',
                                 array['SSO45.test'], 'test-key');

select is((select issuer from app_private.sso_providers where org_id = '45000000-0000-0000-0000-00000000000a'),
  'https://idp.sso45.test', 'the issuer is stored without a trailing slash');
select isnt((select client_secret from app_private.sso_providers where org_id = '45000000-0000-0000-0000-00000000000a'),
  convert_to('secret-45', 'UTF8'), 'the client secret is stored encrypted');

-- States: returned config, single use, expiry.
select is((select client_id from app_private.sso_begin('45000000-0000-0000-0000-00000000000a', 'state-1', 'verifier-1', 'nonce-1', 'https://gw/cb')),
  'client-45', 'a login starts for an org with SSO');
select is_empty($$select * from app_private.sso_begin('45000000-0000-0000-0000-00000000000b', 'state-2', 'v', 'n', 'https://gw/cb')$$,
  'an org without SSO starts nothing');
select is((select client_secret from app_private.sso_take_state('state-1', 'test-key')), 'secret-45', 'the callback gets the decrypted secret');
select is_empty($$select * from app_private.sso_take_state('state-1', 'test-key')$$, 'a state is used once');
select app_private.sso_begin('45000000-0000-0000-0000-00000000000a', 'state-3', 'v', 'n', 'https://gw/cb');
update app_private.sso_states set expires_at = now() - interval '1 second' where state_hash = digest('state-3', 'sha256');
select is_empty($$select * from app_private.sso_take_state('state-3', 'test-key')$$, 'an expired state is refused');

-- Who may sign in.
select is((select status from app_private.sso_login('45000000-0000-0000-0000-00000000000a', 'https://idp.sso45.test', 'sub-1', 'ann@sso45.test', true)),
  'ok', 'a verified email of an allowed domain signs in');
select is((select role from app_public.memberships m join app_public.users u on u.id = m.user_id where u.email = 'ann@sso45.test'),
  'member', 'as a member, just in time');
select is((select status from app_private.sso_login('45000000-0000-0000-0000-00000000000a', 'https://idp.sso45.test', 'sub-1', 'ann@sso45.test', true)),
  'ok', 'and again');
select is((select count(*)::int from app_public.memberships m join app_public.users u on u.id = m.user_id where u.email = 'ann@sso45.test'),
  1, 'the membership is created once');
select is((select status from app_private.sso_login('45000000-0000-0000-0000-00000000000a', 'https://idp.sso45.test', 'sub-2', 'eve@other45.test', true)),
  'domain_not_allowed', 'another domain is refused');
select is((select status from app_private.sso_login('45000000-0000-0000-0000-00000000000a', 'https://idp.sso45.test', 'sub-3', 'bob@sso45.test', false)),
  'email_not_verified', 'an unverified email is refused');
select is((select status from app_private.sso_login('45000000-0000-0000-0000-00000000000a', 'https://idp.sso45.test', 'sub-4', 'existing@sso45.test', true)),
  'email_in_use', 'an account of another org is not taken over');

-- The org requires MFA, but an SSO session leaves that to the provider.
select set_config('request.jwt.claims', (
  select json_build_object('role', 'authenticated', 'sub', s.user_id, 'org_id', s.org_id, 'org_role', 'member', 'sid', s.id)::text
    from app_private.sessions s join app_public.users u on u.id = s.user_id where u.email = 'ann@sso45.test' limit 1), true);
select lives_ok('select app_private.check_session()', 'an SSO session passes the org''s MFA requirement');

select * from finish();
rollback;
