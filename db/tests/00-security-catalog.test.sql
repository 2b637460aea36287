-- Default-deny, proven from the catalog: every relation in app_public has forced RLS
-- (views run as the caller), anon reaches nothing, and no function is executable by
-- PUBLIC unless listed here on purpose.
begin;
select plan(7);

select is_empty($$
  select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'app_public' and c.relkind in ('r', 'p')
     and not (c.relrowsecurity and c.relforcerowsecurity)
$$, 'every app_public table has RLS enabled and forced');

select is_empty($$
  select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'app_public' and c.relkind in ('v', 'm')
     and not coalesce('security_invoker=true' = any(c.reloptions), false)
$$, 'every app_public view is security_invoker, so the tables'' RLS applies to the caller');

select is_empty($$
  select table_name, privilege_type from information_schema.role_table_grants
   where table_schema in ('app_public', 'app_private') and grantee in ('anon', 'PUBLIC')
$$, 'anon and PUBLIC hold no privileges on any table or view');

select is_empty($$
  select p.oid::regprocedure from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('app_public', 'app_private')
     and has_function_privilege('anon', p.oid, 'execute')
     and p.oid::regprocedure::text not in ('app_private.check_session()')
$$, 'anon may execute only the db-pre-request session check');

select is_empty($$
  select table_schema, table_name, grantee from information_schema.role_table_grants
   where table_schema in ('app_public', 'app_private')
     and grantee in ('switchboard_gateway', 'switchboard_worker', 'authenticator')
$$, 'gateway, worker and authenticator roles have no direct table privileges');

select is_empty($$
  select p.oid::regprocedure from pg_proc p join pg_namespace n on n.oid = p.pronamespace
   where n.nspname in ('app_public', 'app_private') and p.prosecdef
     and not exists (select 1 from unnest(p.proconfig) c where c like 'search_path=%')
$$, 'every security definer function pins its search_path');

select ok(
  not (select rolinherit from pg_roles where rolname = 'authenticator')
  and not (select rolsuper or rolbypassrls from pg_roles where rolname = 'authenticator'),
  'authenticator is NOINHERIT, not superuser, no BYPASSRLS');

select * from finish();
rollback;
