-- The console's Outbound endpoints page (owners and admins), through the gateway's
-- POST /console/rpc/{create_endpoint,rotate_endpoint} (see console/sources.sql): the gateway
-- passes ENCRYPTION_KEY and its DELIVERY_ALLOW_PRIVATE_URLS setting (private and plain-http
-- URLs are refused unless the operator allows them, as for the CLI and the worker).
-- The secret is returned once.
create or replace function app_private.console_create_endpoint(
  encryption_key text, allow_private_urls boolean, url text, event_types text[] default '{}', description text default null)
  returns table (endpoint_id uuid, secret text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  created record;
begin
  perform app_public.require_org_admin();
  select * into created from app_private.create_delivery_endpoint(
    app_public.current_org_id(), btrim(url), coalesce(event_types, '{}'), nullif(btrim(description), ''),
    encryption_key, coalesce(allow_private_urls, false));
  endpoint_id := created.endpoint_id;
  secret := created.secret;
  return next;
end
$$;

-- Admin RPC: a new signing secret; the old one is sent alongside for `grace` (at most 7 days).
create or replace function app_private.console_rotate_endpoint(encryption_key text, endpoint uuid, grace interval default '24 hours')
  returns table (endpoint_id uuid, secret text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ep app_public.delivery_endpoints;
begin
  perform app_public.require_org_admin();
  select * into ep from app_public.delivery_endpoints e where e.org_id = app_public.current_org_id() and e.id = console_rotate_endpoint.endpoint;
  if not found then
    raise exception 'endpoint not found' using errcode = 'PT404', hint = 'endpoint_not_found';
  end if;
  if grace is null or grace < '0' or grace > '7 days' then
    raise exception 'the grace period must be between 0 and 7 days' using errcode = '22023', hint = 'invalid_grace';
  end if;
  select r.secret into secret from app_private.rotate_delivery_secret(ep.id, grace, encryption_key) r;
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (ep.org_id, app_public.current_user_id(), 'app_private.delivery_endpoint_secrets', ep.id::text, 'update',
          null, jsonb_build_object('rotated', true, 'grace', grace::text));
  endpoint_id := ep.id;
  return next;
end
$$;
