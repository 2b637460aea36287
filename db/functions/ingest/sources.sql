-- Webhook and upload sources. Secrets are encrypted with pgcrypto under a key that
-- lives only in the environment: callers pass it per call, it is never stored.

create or replace function app_private.new_source_secret(provider text) returns text
  language sql volatile
  set search_path = pg_catalog, public
as $$
  -- Standard Webhooks secrets are whsec_<base64 key>; the others are hex strings used as UTF-8.
  select case when provider = 'standard'
              then 'whsec_' || encode(gen_random_bytes(32), 'base64')
              else encode(gen_random_bytes(32), 'hex') end
$$;

create or replace function app_private.create_source(
  org_id uuid, provider text, name text, encryption_key text,
  out source_id uuid, out secret text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  insert into app_public.sources (org_id, provider, name)
  values (create_source.org_id, create_source.provider, coalesce(create_source.name, provider))
  returning id into source_id;
  secret := app_private.new_source_secret(provider);
  insert into app_private.source_secrets (org_id, source_id, secret_encrypted)
  values (create_source.org_id, source_id, pgp_sym_encrypt(secret, encryption_key));
end
$$;

-- A new secret takes over at once; the current one keeps working until the grace
-- period ends. Anything older expires now, so at most two secrets are ever valid.
create or replace function app_private.rotate_source_secret(
  source_id uuid, grace interval, encryption_key text,
  out secret text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  src app_public.sources;
begin
  select * into src from app_public.sources s where s.id = rotate_source_secret.source_id for update;
  if not found then
    raise exception 'source not found' using errcode = 'P0002';
  end if;
  update app_private.source_secrets s set expires_at = now()
   where s.source_id = src.id and s.expires_at > now();
  update app_private.source_secrets s set expires_at = now() + greatest(grace, '0'::interval)
   where s.source_id = src.id and s.expires_at is null;
  secret := app_private.new_source_secret(src.provider);
  insert into app_private.source_secrets (org_id, source_id, secret_encrypted)
  values (src.org_id, src.id, pgp_sym_encrypt(secret, encryption_key));
end
$$;

-- What the gateway needs to verify a request: nothing for an unknown or disabled
-- source (the caller answers exactly as for a bad signature), else the valid secrets.
create or replace function app_private.source_credentials(source_id uuid, provider text, encryption_key text)
  returns table (org_id uuid, secrets text[])
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select s.org_id,
         array_agg(pgp_sym_decrypt(k.secret_encrypted, encryption_key) order by k.created_at desc)
    from app_public.sources s
    join app_private.source_secrets k on k.source_id = s.id
   where s.id = source_credentials.source_id
     and s.provider = source_credentials.provider
     and s.enabled
     and (k.expires_at is null or k.expires_at > now())
   group by s.org_id
$$;
