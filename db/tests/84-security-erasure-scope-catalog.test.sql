-- Issue 19, finding 2: the erasure's scope is an explicit list (app_private.erasure_scope)
-- and this catalog check keeps it complete: every table with an org_id is either in the
-- scope or in app_private.erasure_exempt() with its reason, every listed column exists,
-- and the tables of users, memberships, sessions, auth events, SSO and settings are never
-- in scope.
begin;
select plan(6);

create temp view org_tables as
select format('%I.%I', n.nspname, c.relname) as table_name, c.oid
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where n.nspname in ('app_public', 'app_private') and c.relkind in ('r', 'p') and not c.relispartition
   and exists (select 1 from pg_attribute o where o.attrelid = c.oid and o.attname = 'org_id' and not o.attisdropped);

select is_empty($$
  select table_name from org_tables
  except (select table_name from app_private.erasure_scope() union select table_name from app_private.erasure_exempt())
$$, 'every table with an org_id is in the erasure scope or listed as exempt with a reason');

select is_empty($$
  select table_name from app_private.erasure_scope() union select table_name from app_private.erasure_exempt()
  except select format('%I.%I', n.nspname, c.relname) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p')
$$, 'every listed table exists');

select is_empty($$
  select s.table_name, col from app_private.erasure_scope() s, unnest(s.columns) col
   where not exists (select 1 from pg_attribute a where a.attrelid = s.table_name::regclass and a.attname = col and not a.attisdropped)
$$, 'every listed column exists');

select is_empty($$ select table_name from app_private.erasure_scope() intersect select table_name from app_private.erasure_exempt() $$,
  'no table is both in scope and exempt');

select is_empty($$
  select table_name from app_private.erasure_scope()
   where table_name in ('app_public.users', 'app_public.memberships', 'app_private.sessions', 'app_public.auth_events',
                        'app_private.sso_providers', 'app_private.sso_states', 'app_private.user_identities',
                        'app_public.workspace_settings', 'app_public.workspace_settings_history', 'app_public.organizations')
$$, 'users, memberships, sessions, auth events, SSO and settings are never in scope');

select is_empty($$ select * from app_private.erasure_exempt() where coalesce(btrim(reason), '') = '' $$, 'every exemption says why');

select * from finish();
rollback;
