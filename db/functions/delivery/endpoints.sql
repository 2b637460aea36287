-- Outbound endpoints: URL (SSRF-guarded), event types, a whsec_ secret encrypted with
-- pgcrypto under the key from the environment (passed per call, never stored).

-- Null when the URL may be used, else why not. Private, loopback, link-local and
-- "internal" hosts (and plain http) need the operator's allowance
-- (DELIVERY_ALLOW_PRIVATE_URLS=1, passed in by the CLI and the worker).
create or replace function app_private.delivery_url_problem(url text, allow_private boolean) returns text
  language plpgsql immutable
  set search_path = pg_catalog, public
as $$
declare
  m text[] := regexp_match(url, '^(https?)://(?:[^@/?#]*@)?(\[[0-9a-fA-F:.]+\]|[^/:?#\[\]]+)(?::(\d{1,5}))?([/?#].*)?$');
  host text;
  addr inet;
begin
  if m is null then
    return 'not an http(s) URL';
  end if;
  if url ~ '\s' then
    return 'URL contains whitespace';
  end if;
  if allow_private then
    return null;
  end if;
  if m[1] <> 'https' then
    return 'only https URLs are allowed';
  end if;
  host := lower(trim(both '[]' from m[2]));
  if host = 'localhost' or host ~ '\.(localhost|local|internal|lan|home|arpa)\.?$' or host !~ '\.' and host !~ ':' then
    return 'private host names are not allowed';
  end if;
  begin
    addr := host::inet;
  exception when others then
    -- Dotted forms that are not plain IPv4 (e.g. 0x7f.1 or 2130706433) are refused.
    if host ~ '^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$' then
      return 'numeric host names must be plain IP addresses';
    end if;
    return null;
  end;
  -- IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are refused outright by the list below.
  if addr << any (array['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16',
                        '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15',
                        '224.0.0.0/3', '::/127', 'fc00::/7', 'fe80::/10', 'ff00::/8', '::ffff:0:0/96']::inet[])
     or addr = any (array['0.0.0.0', '::', '::1']::inet[]) then
    return 'private, loopback and link-local addresses are not allowed';
  end if;
  return null;
end
$$;

create or replace function app_private.new_delivery_secret() returns text
  language sql volatile
  set search_path = pg_catalog, public
as $$
  select 'whsec_' || encode(gen_random_bytes(32), 'base64')
$$;

-- Operator/CLI: registers an endpoint and returns its secret once.
create or replace function app_private.create_delivery_endpoint(
  org_id uuid, url text, event_types text[], description text, encryption_key text, allow_private boolean,
  out endpoint_id uuid, out secret text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  problem text := app_private.delivery_url_problem(url, allow_private);
begin
  if problem is not null then
    raise exception 'endpoint URL refused: %', problem using errcode = '22023';
  end if;
  insert into app_public.delivery_endpoints (org_id, url, event_types, description)
  values (create_delivery_endpoint.org_id, url, coalesce(event_types, '{}'), description)
  returning id into endpoint_id;
  secret := app_private.new_delivery_secret();
  insert into app_private.delivery_endpoint_secrets (org_id, endpoint_id, secret_encrypted)
  values (create_delivery_endpoint.org_id, endpoint_id, pgp_sym_encrypt(secret, encryption_key));
end
$$;

-- A new secret signs at once; the old one is sent alongside until the grace period ends
-- (webhook-signature carries one v1 signature per valid secret).
create or replace function app_private.rotate_delivery_secret(endpoint_id uuid, grace interval, encryption_key text,
  out secret text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  ep app_public.delivery_endpoints;
begin
  select * into ep from app_public.delivery_endpoints e where e.id = rotate_delivery_secret.endpoint_id for update;
  if not found then
    raise exception 'endpoint not found' using errcode = 'P0002';
  end if;
  update app_private.delivery_endpoint_secrets s set expires_at = now()
   where s.endpoint_id = ep.id and s.expires_at > now();
  update app_private.delivery_endpoint_secrets s set expires_at = now() + greatest(grace, '0'::interval)
   where s.endpoint_id = ep.id and s.expires_at is null;
  secret := app_private.new_delivery_secret();
  insert into app_private.delivery_endpoint_secrets (org_id, endpoint_id, secret_encrypted)
  values (ep.org_id, ep.id, pgp_sym_encrypt(secret, encryption_key));
end
$$;

-- Re-enabling an endpoint (admin update through PostgREST) starts it afresh.
create or replace function app_private.tg_delivery_endpoints__reenable() returns trigger
  language plpgsql
  set search_path = pg_catalog, public
as $$
begin
  if new.enabled and not old.enabled then
    new.disabled_reason := null;
    new.disabled_at := null;
    new.consecutive_failures := 0;
    new.failing_since := null;
    new.circuit_open_until := null;
  elsif not new.enabled and old.enabled and new.disabled_at is null then
    new.disabled_at := now();
    new.disabled_reason := coalesce(new.disabled_reason, 'disabled by an admin');
  end if;
  return new;
end
$$;
