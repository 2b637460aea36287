-- Lead visibility: a member (broker) sees and updates only leads assigned to them, admins
-- and owners see all of their org's leads; nothing of another org is visible on any of
-- the domain's tables and views; the campaign status trigger stamps added_to_campaign_at.
begin;
select plan(27);

insert into app_public.organizations (id, name) values
  ('61000000-0000-0000-0000-0000000000a1', 'Leads RLS A'),
  ('61000000-0000-0000-0000-0000000000b1', 'Leads RLS B');
insert into app_public.users (id, email) values
  ('61000000-0000-0000-0000-000000000001', 'owner@leads-rls.test'),
  ('61000000-0000-0000-0000-000000000002', 'broker1@leads-rls.test'),
  ('61000000-0000-0000-0000-000000000003', 'broker2@leads-rls.test'),
  ('61000000-0000-0000-0000-000000000004', 'admin@leads-rls.test'),
  ('61000000-0000-0000-0000-000000000009', 'owner-b@leads-rls.test');
insert into app_public.memberships (org_id, user_id, role) values
  ('61000000-0000-0000-0000-0000000000a1', '61000000-0000-0000-0000-000000000001', 'owner'),
  ('61000000-0000-0000-0000-0000000000a1', '61000000-0000-0000-0000-000000000002', 'member'),
  ('61000000-0000-0000-0000-0000000000a1', '61000000-0000-0000-0000-000000000003', 'member'),
  ('61000000-0000-0000-0000-0000000000a1', '61000000-0000-0000-0000-000000000004', 'admin'),
  ('61000000-0000-0000-0000-0000000000b1', '61000000-0000-0000-0000-000000000009', 'owner');

insert into app_public.leads (org_id, id, first_name, mak, assigned_to, email, email_verified, consent_given, consented_at) values
  ('61000000-0000-0000-0000-0000000000a1', '61100000-0000-0000-0000-000000000001', 'for broker 1', 'R1', '61000000-0000-0000-0000-000000000002', 'r1@leads-rls.test', true, true, now()),
  ('61000000-0000-0000-0000-0000000000a1', '61100000-0000-0000-0000-000000000002', 'for broker 1 too', 'R2', '61000000-0000-0000-0000-000000000002', null, false, false, null),
  ('61000000-0000-0000-0000-0000000000a1', '61100000-0000-0000-0000-000000000003', 'for broker 2', 'R3', '61000000-0000-0000-0000-000000000003', null, false, false, null),
  ('61000000-0000-0000-0000-0000000000a1', '61100000-0000-0000-0000-000000000004', 'unassigned', 'R4', null, null, false, false, null),
  ('61000000-0000-0000-0000-0000000000b1', '61100000-0000-0000-0000-000000000009', 'org B lead', 'R1', null, 'b@leads-rls.test', true, true, now());
insert into app_public.lead_import_batches (org_id, id, content_sha256, status) values
  ('61000000-0000-0000-0000-0000000000b1', '61200000-0000-0000-0000-000000000009', repeat('b', 64), 'merged');
insert into app_public.lead_import_rejects (org_id, batch_id, row_number, reason) values
  ('61000000-0000-0000-0000-0000000000b1', '61200000-0000-0000-0000-000000000009', 2, 'invalid email');
insert into app_public.verification_code_map (org_id, code, verdict) values ('61000000-0000-0000-0000-0000000000b1', 'X', 'valid');
insert into app_public.lead_import_batches (org_id, id, content_sha256, status) values
  ('61000000-0000-0000-0000-0000000000a1', '61200000-0000-0000-0000-000000000001', repeat('a', 64), 'merged');
insert into app_public.lead_import_rejects (org_id, batch_id, row_number, reason) values
  ('61000000-0000-0000-0000-0000000000a1', '61200000-0000-0000-0000-000000000001', 2, 'invalid email');
insert into app_public.pipeline_events (org_id, kind, quantity) values ('61000000-0000-0000-0000-0000000000b1', 'merged', 10);
select lives_ok('select app_private.refresh_contactable_leads()', 'the contactable view refreshes');

select throws_ok($$insert into app_public.leads (org_id, assigned_to) values ('61000000-0000-0000-0000-0000000000a1', '61000000-0000-0000-0000-000000000009')$$,
  '23503', null, 'a lead can only be assigned to a member of its org');

-- Broker 1
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"61000000-0000-0000-0000-000000000002","org_id":"61000000-0000-0000-0000-0000000000a1","org_role":"member"}', true);
select results_eq('select first_name from app_public.leads order by first_name',
  $$values ('for broker 1'), ('for broker 1 too')$$, 'a member sees only the leads assigned to them');
select results_eq('select first_name from app_public.contactable_leads', $$values ('for broker 1')$$,
  'contactable_leads follows the same rule');
select is_empty($$update app_public.leads set campaign_status = 'queued' where first_name = 'for broker 2' returning id$$,
  'a member cannot update another broker''s lead');
select isnt_empty($$update app_public.leads set campaign_status = 'queued' where first_name = 'for broker 1' returning id$$,
  'a member updates the status of their own lead');
select throws_ok($$update app_public.leads set assigned_to = '61000000-0000-0000-0000-000000000003' where first_name = 'for broker 1'$$,
  '42501', null, 'a member cannot hand a lead to someone else');
select throws_ok($$update app_public.leads set first_name = 'x'$$, '42501', null, 'imported fields are read-only through the API');
select throws_ok($$insert into app_public.leads (org_id, mak) values ('61000000-0000-0000-0000-0000000000a1', 'NEW')$$,
  '42501', null, 'leads are created by imports, not inserted through the API');
select throws_ok($$select app_public.assign_leads(array['61100000-0000-0000-0000-000000000004'::uuid], '61000000-0000-0000-0000-000000000002')$$,
  '42501', null, 'members do not assign leads');
select throws_ok($$insert into app_public.verification_code_map (code, verdict) values ('Z', 'valid')$$,
  '42501', null, 'members do not change the verification map');
select is((select count(*)::int from app_public.lead_import_batches), 0, 'members see no import batches');
select is((select count(*)::int from app_public.lead_import_rejects), 0, 'members see no rejected rows (raw personal data)');

-- Admin of org A
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"61000000-0000-0000-0000-000000000004","org_id":"61000000-0000-0000-0000-0000000000a1","org_role":"admin"}', true);
select is((select count(*)::int from app_public.leads), 4, 'an admin sees all leads of the org');
select is(app_public.assign_leads(array['61100000-0000-0000-0000-000000000004'::uuid, '61100000-0000-0000-0000-000000000009'::uuid],
                                  '61000000-0000-0000-0000-000000000003'), 1, 'assign_leads reaches only own-org leads');
select is((select added_to_campaign_at from app_public.leads where first_name = 'for broker 1'), null,
  'queued is not yet in a campaign');
update app_public.leads set campaign_status = 'active' where first_name = 'for broker 1';
select isnt((select added_to_campaign_at from app_public.leads where first_name = 'for broker 1'), null,
  'becoming active stamps added_to_campaign_at');
select lives_ok($$insert into app_public.verification_code_map (code, verdict) values ('Z', 'valid')$$,
  'an admin edits the verification map (org from the JWT)');

-- Owner of org A: nothing of org B on any table or view of the domain.
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"61000000-0000-0000-0000-000000000001","org_id":"61000000-0000-0000-0000-0000000000a1","org_role":"owner"}', true);
select is((select count(*)::int from app_public.leads), 4, 'the owner sees all of org A''s leads');
select is((select count(*)::int from app_public.leads where org_id = '61000000-0000-0000-0000-0000000000b1'), 0, 'leads: no cross-org rows');
select is((select count(*)::int from app_public.contactable_leads where org_id = '61000000-0000-0000-0000-0000000000b1'), 0, 'contactable_leads: no cross-org rows');
select is((select count(*)::int from app_public.lead_import_batches), 1, 'lead_import_batches: own org only');
select is((select count(*)::int from app_public.lead_import_rejects), 1, 'lead_import_rejects: own org only');
select is((select count(*)::int from app_public.verification_code_map where org_id = '61000000-0000-0000-0000-0000000000b1'), 0, 'verification_code_map: no cross-org rows');
select is((select count(*)::int from app_public.pipeline_funnel where org_id = '61000000-0000-0000-0000-0000000000b1'), 0, 'pipeline_funnel: no cross-org rows');
select is_empty($$update app_public.leads set campaign_status = 'queued' where org_id = '61000000-0000-0000-0000-0000000000b1' returning id$$,
  'an org B lead cannot be updated');
select is_empty($$delete from app_public.verification_code_map where org_id = '61000000-0000-0000-0000-0000000000b1' returning code$$,
  'org B''s verification map cannot be changed');

select * from finish();
rollback;
