-- Issue 19, finding 5: ids reveal nothing about other tenants.
--  * No app_public table grants INSERT on an `id` column to authenticated: ids come from
--    defaults only, so another org's id can never answer 409 instead of 201. Exceptions,
--    listed here with their reason: none today.
--  * The tables whose shared bigint identity showed other orgs' activity through its gaps
--    get time-ordered ids with random low bits instead.
begin;
select plan(8);

create temp table id_insert_exceptions (table_name text primary key, reason text not null);
-- (none: add a row here, with the reason, for a table whose clients must choose the id)

select is_empty($$
  select p.table_name::text from information_schema.column_privileges p
   where p.table_schema = 'app_public' and p.grantee in ('authenticated', 'PUBLIC') and p.privilege_type = 'INSERT' and p.column_name = 'id'
     and p.table_name::text not in (select table_name from id_insert_exceptions)
$$, 'no app_public table lets authenticated insert an id');

select is_empty($$
  select c.relname::text from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'app_public' and a.attname = 'id' and a.attidentity <> ''
$$, 'no app_public table numbers its rows with a shared identity counter');

insert into app_public.organizations (id, name) values
  ('a8500000-0000-0000-0000-00000000000a', 'Ids A'), ('b8500000-0000-0000-0000-00000000000b', 'Ids B');
insert into app_public.users (id, email) values ('a8510000-0000-0000-0000-000000000001', 'owner@ids.test');
insert into app_public.memberships (org_id, user_id, role) values ('a8500000-0000-0000-0000-00000000000a', 'a8510000-0000-0000-0000-000000000001', 'owner');

-- Org A writes two dead letters with 500 of org B's in between: A's ids show no gap of 500.
insert into app_public.dead_letters (org_id, kind, ref_id, error) values ('a8500000-0000-0000-0000-00000000000a', 'ids_test', gen_random_uuid(), 'first');
insert into app_public.dead_letters (org_id, kind, ref_id, error)
select 'b8500000-0000-0000-0000-00000000000b', 'ids_test', gen_random_uuid(), 'noise' from generate_series(1, 500);
insert into app_public.dead_letters (org_id, kind, ref_id, error) values ('a8500000-0000-0000-0000-00000000000a', 'ids_test', gen_random_uuid(), 'second');
select ok((select max(id) > min(id) from app_public.dead_letters where org_id = 'a8500000-0000-0000-0000-00000000000a' and kind = 'ids_test'),
  'ids still follow time (ordering by id keeps its meaning)');
select is((select count(distinct id)::int from app_public.dead_letters where kind = 'ids_test'), 502, 'ids are unique');
select ok((select max(id) < 9007199254740992 from app_public.dead_letters where kind = 'ids_test'), 'and below 2^53: JavaScript clients read them exactly');
select isnt((select max(id) - min(id) from app_public.dead_letters where org_id = 'a8500000-0000-0000-0000-00000000000a' and kind = 'ids_test'),
  501::bigint, 'org A''s two ids no longer count the 500 rows org B wrote in between');

-- Clients cannot choose resource or agent ids.
set local role authenticated;
select set_config('request.jwt.claims', '{"role":"authenticated","sub":"a8510000-0000-0000-0000-000000000001","org_id":"a8500000-0000-0000-0000-00000000000a","org_role":"owner"}', true);
select throws_ok($$insert into app_public.resources (id, name) values ('b8520000-0000-0000-0000-000000000001', 'Chosen')$$, '42501', null,
  'a resource with a chosen id is refused');
select throws_ok($$insert into app_public.agents (id, name, direction, assistant_id) values ('b8520000-0000-0000-0000-000000000002', 'Chosen', 'outbound', 'asst-x')$$, '42501', null,
  'an agent with a chosen id is refused');
reset role;

select * from finish();
rollback;
