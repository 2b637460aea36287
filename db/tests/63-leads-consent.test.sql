-- Consent nonces are single use and expire; consent is recorded with its timestamp;
-- unsubscribing suppresses the address and stops its leads in one call; PII helpers;
-- the contactable view excludes suppressed, unconsented and unverified leads; the replay
-- guard of uploads is a unique key with a 7-day window.
begin;
select plan(22);

insert into app_public.organizations (id, name) values ('63000000-0000-0000-0000-0000000000a1', 'Consent org');
insert into app_public.leads (org_id, id, mak, first_name, email, email_verified, campaign_status) values
  ('63000000-0000-0000-0000-0000000000a1', '63100000-0000-0000-0000-000000000001', 'C1', 'Cora', 'cora@consent.test', true, 'queued'),
  ('63000000-0000-0000-0000-0000000000a1', '63100000-0000-0000-0000-000000000002', 'C2', 'Dan', 'dan@consent.test', true, 'queued');

create temp table n1 as select * from app_private.issue_consent_nonce('63100000-0000-0000-0000-000000000001', '1 hour');
select is((select status from app_private.consent_page('63000000-0000-0000-0000-0000000000a1', '63100000-0000-0000-0000-000000000001', (select nonce from n1))),
  'ok', 'a fresh consent link shows the form');
select is(app_private.record_consent('63000000-0000-0000-0000-0000000000a1', '63100000-0000-0000-0000-000000000001', (select nonce from n1)),
  'recorded', 'the first use records consent');
select ok((select consent_given and consented_at is not null from app_public.leads where id = '63100000-0000-0000-0000-000000000001'),
  'consent is stored with its timestamp');
select is(app_private.record_consent('63000000-0000-0000-0000-0000000000a1', '63100000-0000-0000-0000-000000000001', (select nonce from n1)),
  'used', 'a second use of the nonce is refused (410)');
select is((select status from app_private.consent_page('63000000-0000-0000-0000-0000000000a1', '63100000-0000-0000-0000-000000000001', (select nonce from n1))),
  'used', 'the form says the link was used');
select is(app_private.record_consent('63000000-0000-0000-0000-0000000000a1', '63100000-0000-0000-0000-000000000002', (select nonce from n1)),
  'invalid', 'a nonce only works for its own lead');

create temp table n2 as select * from app_private.issue_consent_nonce('63100000-0000-0000-0000-000000000002', '1 hour');
update app_private.consent_nonces set expires_at = now() - interval '1 second' where nonce = (select nonce from n2);
select is(app_private.record_consent('63000000-0000-0000-0000-0000000000a1', '63100000-0000-0000-0000-000000000002', (select nonce from n2)),
  'invalid', 'an expired nonce is refused');
select is((select consent_given from app_public.leads where id = '63100000-0000-0000-0000-000000000002'), false, 'no consent from an expired link');
select throws_ok($$update app_public.leads set consent_given = true where id = '63100000-0000-0000-0000-000000000002'$$,
  '23514', null, 'consent without a timestamp violates the constraint');

-- Contactable: only Cora (verified + consented). Then she unsubscribes.
select lives_ok('select app_private.refresh_contactable_leads()', 'refresh');
select results_eq($$select lead_id from app_private.contactable_leads_mv where org_id = '63000000-0000-0000-0000-0000000000a1'$$,
  $$values ('63100000-0000-0000-0000-000000000001'::uuid)$$, 'contactable: verified and consented only');
select is((select display_name from app_private.unsubscribe_page('63000000-0000-0000-0000-0000000000a1', 'CORA@consent.test')), 'Cora',
  'the unsubscribe page finds the person by email, case-insensitively');
select ok(app_private.unsubscribe('63000000-0000-0000-0000-0000000000a1', 'cora@consent.test'), 'unsubscribe');
select is((select reason from app_public.suppressions where org_id = '63000000-0000-0000-0000-0000000000a1' and email = 'cora@consent.test'),
  'unsubscribed', 'the address is suppressed');
select is((select campaign_status::text from app_public.leads where id = '63100000-0000-0000-0000-000000000001'), 'do_not_contact',
  'her lead is marked do_not_contact in the same call');
select lives_ok('select app_private.refresh_contactable_leads()', 'refresh again');
select is_empty($$select lead_id from app_private.contactable_leads_mv where org_id = '63000000-0000-0000-0000-0000000000a1'$$,
  'a suppressed lead is not contactable');

-- PII helpers.
select is(app_private.hash_email(' Cora@Consent.TEST '), sha256('cora@consent.test'::bytea), 'hash_email normalises before hashing');
select is(app_private.decrypt_pii(app_private.encrypt_pii('123-45-6789', 'k3y'), 'k3y'), '123-45-6789', 'encrypt/decrypt round trip');

-- Upload replay guard: the same content once per org per 7 days.
select isnt((select batch_id from app_private.begin_lead_upload(null, '63000000-0000-0000-0000-0000000000a1', repeat('c', 64))), null, 'first upload of a content hash');
select is((select batch_id from app_private.begin_lead_upload(null, '63000000-0000-0000-0000-0000000000a1', repeat('c', 64))), null, 'the same content again is a duplicate (409)');
update app_private.lead_upload_hashes set received_at = now() - interval '8 days' where org_id = '63000000-0000-0000-0000-0000000000a1';
select isnt((select batch_id from app_private.begin_lead_upload(null, '63000000-0000-0000-0000-0000000000a1', repeat('c', 64))), null, 'after 7 days the content is accepted again');

select * from finish();
rollback;
