-- JWT claim helpers. PostgREST puts the verified claims in `request.jwt.claims`;
-- tests and the worker set the same setting. Policies call these as
-- `(select app_public.current_org_id())` so they are evaluated once per statement.

create or replace function app_public.current_claims() returns jsonb
  language sql stable parallel safe
as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;

create or replace function app_public.current_user_id() returns uuid
  language sql stable parallel safe
as $$
  select nullif(app_public.current_claims() ->> 'sub', '')::uuid
$$;

create or replace function app_public.current_org_id() returns uuid
  language sql stable parallel safe
as $$
  select nullif(app_public.current_claims() ->> 'org_id', '')::uuid
$$;

create or replace function app_public.current_org_role() returns text
  language sql stable parallel safe
as $$
  select app_public.current_claims() ->> 'org_role'
$$;

create or replace function app_public.current_session_id() returns uuid
  language sql stable parallel safe
as $$
  select nullif(app_public.current_claims() ->> 'sid', '')::uuid
$$;

-- True for owners and admins of the caller's org: the roles that may change settings.
create or replace function app_public.current_user_is_admin() returns boolean
  language sql stable parallel safe
as $$
  select coalesce(app_public.current_org_role() in ('owner', 'admin'), false)
$$;
