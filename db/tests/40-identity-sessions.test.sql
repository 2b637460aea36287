-- Sessions, refresh rotation and reuse detection, the db-pre-request check, lockout,
-- TOTP and recovery codes, password change and reset — at the SQL level.
begin;
select plan(46);

insert into app_public.organizations (id, name) values
  ('40000000-0000-0000-0000-00000000000a', 'Identity A'),
  ('40000000-0000-0000-0000-00000000000b', 'Identity B');
select app_private.add_user('40000000-0000-0000-0000-00000000000a', 'owner@identity40.test', 'owner password 40', 'owner');
select app_private.add_user('40000000-0000-0000-0000-00000000000a', 'member@identity40.test', 'member password 40', 'member');
select app_private.add_user('40000000-0000-0000-0000-00000000000b', 'other@identity40.test', 'other password 40', 'owner');

-- RFC 4226 appendix D test vectors for HOTP.
select is(app_private.hotp(convert_to('12345678901234567890', 'UTF8'), 0), '755224', 'HOTP vector 0');
select is(app_private.hotp(convert_to('12345678901234567890', 'UTF8'), 9), '520489', 'HOTP vector 9');

-- Login outcomes.
create temp table l on commit drop as
  select * from app_private.authenticate('member@identity40.test', 'member password 40', null, null, '10.0.0.1', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0');
select is((select status from l), 'ok', 'a correct password logs in');
select is((select org_role from l), 'member', 'with the membership role');
select is((select device from app_private.sessions where id = (select session_id from l)), 'Firefox on Linux', 'the device is named from the user agent');
select is((select refresh_token_hash from app_private.sessions where id = (select session_id from l)),
          digest((select refresh_token from l), 'sha256'), 'only the SHA-256 of the refresh token is stored');
select is((select status from app_private.authenticate('member@identity40.test', 'wrong')), 'invalid_credentials', 'a wrong password is refused');
select is((select status from app_private.authenticate('nobody@identity40.test', 'wrong')), 'invalid_credentials', 'an unknown email gets the same status');
select is((select count(*)::int from app_public.auth_events where event = 'login_failed' and org_id = '40000000-0000-0000-0000-00000000000a'), 1,
  'the failure is in the org''s auth trail');

-- db-pre-request: a live session passes; claims that do not match the session do not.
create function pg_temp.as_claims(sid uuid, sub text, org text, role text) returns void language sql as $$
  select set_config('request.jwt.claims', json_build_object('role', 'authenticated', 'sub', sub, 'org_id', org, 'org_role', role, 'sid', sid)::text, true)
$$;
select pg_temp.as_claims((select session_id from l), (select user_id::text from l), '40000000-0000-0000-0000-00000000000a', 'member');
select lives_ok('select app_private.check_session()', 'a live session passes the pre-request check');
select pg_temp.as_claims((select session_id from l), (select user_id::text from l), '40000000-0000-0000-0000-00000000000a', 'owner');
select throws_ok('select app_private.check_session()', 'PT401', 'your role in this organization has changed', 'a role claim that is no longer true is refused');
select pg_temp.as_claims((select session_id from l), (select user_id::text from l), '40000000-0000-0000-0000-00000000000b', 'member');
select throws_ok('select app_private.check_session()', 'PT401', 'session is no longer valid', 'a session cannot be moved to another org');
select pg_temp.as_claims(gen_random_uuid(), (select user_id::text from l), '40000000-0000-0000-0000-00000000000a', 'member');
select throws_ok('select app_private.check_session()', 'PT401', 'session is no longer valid', 'an unknown session id is refused');
select set_config('request.jwt.claims', '', true);
select lives_ok('select app_private.check_session()', 'anonymous requests pass (anon reaches nothing)');

-- Refresh rotation and reuse detection.
create temp table r1 on commit drop as select * from app_private.refresh_session((select refresh_token from l));
select is((select status from r1), 'ok', 'a refresh token rotates');
select isnt((select new_refresh_token from r1), (select refresh_token from l), 'into a new one');
select is((select status from app_private.refresh_session((select refresh_token from l))), 'reused', 'the old token is now reuse');
select isnt((select revoked_at from app_private.sessions where id = (select session_id from l)), null, 'reuse revokes the session');
select is((select revoked_reason from app_private.sessions where id = (select session_id from l)), 'refresh_token_reuse', 'with the reason');
select is((select status from app_private.refresh_session((select new_refresh_token from r1))), 'invalid', 'the newest token died with it');
select pg_temp.as_claims((select session_id from l), (select user_id::text from l), '40000000-0000-0000-0000-00000000000a', 'member');
select throws_ok('select app_private.check_session()', 'PT401', 'session is no longer valid', 'the revoked session''s JWT is refused on the next request');
select set_config('request.jwt.claims', '', true);
select is((select status from app_private.refresh_session('not a token')), 'invalid', 'an unknown token is invalid');

-- Logout and logout-all.
create temp table l2 on commit drop as select * from app_private.authenticate('member@identity40.test', 'member password 40');
create temp table l3 on commit drop as select * from app_private.authenticate('member@identity40.test', 'member password 40');
select ok(app_private.logout((select session_id from l2)), 'logout ends a live session');
select ok(not app_private.logout((select session_id from l2)), 'a second logout finds nothing live');
create temp table l4 on commit drop as select * from app_private.authenticate('member@identity40.test', 'member password 40');
select is(app_private.logout_all((select session_id from l4)), 2, 'logout-all ends the user''s remaining sessions');
select is((select count(*)::int from app_private.sessions s join app_public.users u on u.id = s.user_id
            where u.email = 'member@identity40.test' and s.revoked_at is null), 0, 'none is left');
select is(app_private.logout_all((select session_id from l4)), null, 'logout-all from a dead session is refused');

-- Lockout: the 10th failure locks; locked emails (known or not) are refused before the password check.
select is((select count(*)::int from (
  select app_private.authenticate('owner@identity40.test', 'wrong ' || i) from generate_series(1, 10) i) x), 10, 'ten failures');
select is((select status from app_private.authenticate('owner@identity40.test', 'owner password 40')), 'locked',
  'the right password is refused while locked');
select is((select count(*)::int from (
  select app_private.authenticate('ghost@identity40.test', 'wrong ' || i) from generate_series(1, 10) i) x), 10, 'ten failures for an unknown email');
select is((select status from app_private.authenticate('ghost@identity40.test', 'whatever')), 'locked', 'an unknown email locks the same way');
select is((select count(*)::int from app_private.login_attempts where email = 'owner@identity40.test' and outcome = 'invalid_credentials'), 10,
  'failed attempts are recorded');
select is((select count(*)::int from app_public.auth_events where event = 'account_locked' and org_id = '40000000-0000-0000-0000-00000000000a'), 1,
  'the lock is in the auth trail');
-- Fifteen minutes later the lock is over.
update app_private.account_lockouts set locked_until = now() - interval '1 second' where email = 'owner@identity40.test';
update app_private.login_attempts set at = at - interval '16 minutes' where email = 'owner@identity40.test';
select is((select status from app_private.authenticate('owner@identity40.test', 'owner password 40')), 'ok', 'the lock expires');

-- MFA: enroll, enable with a code, then a second factor is required; codes are single-use.
create temp table o on commit drop as select * from app_private.authenticate('other@identity40.test', 'other password 40');
select is((select status from app_private.mfa_begin_enrollment((select session_id from o), convert_to('12345678901234567890', 'UTF8'), 'test-key')),
  'ok', 'enrollment stores a secret');
select isnt((select secret from app_private.user_mfa m join app_public.users u on u.id = m.user_id where u.email = 'other@identity40.test'),
  convert_to('12345678901234567890', 'UTF8'), 'the secret is stored encrypted');
select is((select status from app_private.mfa_enable((select session_id from o), '000000', 'test-key')), 'invalid_code', 'a wrong code does not enable MFA');
-- One TOTP step for the whole sequence: reading the clock again could cross into the next
-- 30-s step between two statements (password hashing takes a while), and then "the code used
-- for enabling" would be a fresh one. The server accepts the step before and after its own.
create temp table totp on commit drop as select app_private.current_totp_step() as step;
create temp table e on commit drop as
  select * from app_private.mfa_enable((select session_id from o),
    app_private.hotp(convert_to('12345678901234567890', 'UTF8'), (select step from totp)), 'test-key');
select is((select status from e), 'ok', 'the current code enables MFA');
select is((select cardinality(recovery_codes) from e), 10, 'ten recovery codes are returned');
select is((select status from app_private.authenticate('other@identity40.test', 'other password 40', null, null, null, null, null, 'test-key')),
  'mfa_required', 'a password alone is no longer enough');
select is((select status from app_private.authenticate('other@identity40.test', 'other password 40',
    app_private.hotp(convert_to('12345678901234567890', 'UTF8'), (select step from totp)), null, null, null, null, 'test-key')),
  'mfa_required', 'the code already used for enabling cannot be used again');
select is((select status from app_private.authenticate('other@identity40.test', 'other password 40',
    app_private.hotp(convert_to('12345678901234567890', 'UTF8'), (select step from totp) + 1), null, null, null, null, 'test-key')),
  'ok', 'the next step''s code logs in');
select is((select status from app_private.authenticate('other@identity40.test', 'other password 40',
    upper((select recovery_codes[3] from e)), null, null, null, null, 'test-key')), 'ok', 'a recovery code logs in once');
select is((select status from app_private.authenticate('other@identity40.test', 'other password 40',
    (select recovery_codes[3] from e), null, null, null, null, 'test-key')), 'mfa_required', 'and never twice');

-- Password change revokes the other sessions; reset tokens are single-use.
select is(app_private.change_password((select session_id from o), 'other password 40', 'a brand new password'), 'ok', 'password changed');
select is((select count(*)::int from app_private.sessions s join app_public.users u on u.id = s.user_id
            where u.email = 'other@identity40.test' and s.revoked_at is null), 1, 'only the current session survives');

select * from finish();
rollback;
