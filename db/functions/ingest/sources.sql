-- Webhook and upload sources. Secrets are encrypted with pgcrypto under a key that
-- lives only in the environment: callers pass it per call, it is never stored.
--
-- Besides the secret in the URL (any provider), each provider authenticates the way it
-- really can (CONTRACT.md "Source authentication"). What varies per source lives in
-- sources.auth, readable by admins; the secret never is.

create or replace function app_private.new_source_secret(provider text) returns text
  language sql volatile
  set search_path = pg_catalog, public
as $$
  -- Standard Webhooks secrets are whsec_<base64 key>; the others are hex strings used as UTF-8.
  select case when provider = 'standard'
              then 'whsec_' || encode(gen_random_bytes(32), 'base64')
              else encode(gen_random_bytes(32), 'hex') end
$$;

-- A source's auth options with every default filled in. Vapi's defaults are Vapi's own:
-- `secret` (the x-vapi-secret header); for `hmac`, sha256 hex of "{timestamp}.{body}" in
-- x-signature with the unix time in x-timestamp. Other providers have no options.
create or replace function app_private.source_auth(provider text, given jsonb) returns jsonb
  language sql immutable parallel safe
as $$
  select case
    when provider <> 'vapi' then coalesce(given, '{}'::jsonb)
    when coalesce(given ->> 'mode', 'secret') <> 'hmac' then jsonb_build_object('mode', coalesce(given ->> 'mode', 'secret'))
    else jsonb_build_object(
      'mode', 'hmac',
      'algorithm', coalesce(given ->> 'algorithm', 'sha256'),
      'signature_header', lower(coalesce(given ->> 'signature_header', 'x-signature')),
      -- A JSON null (or "none") means no timestamp; an absent key means Vapi's default.
      'timestamp_header', case when given -> 'timestamp_header' = 'null'::jsonb
                                 or lower(given ->> 'timestamp_header') = 'none' then null
                               else lower(coalesce(given ->> 'timestamp_header', 'x-timestamp')) end,
      'payload_format', coalesce(given ->> 'payload_format',
                                 case when given -> 'timestamp_header' = 'null'::jsonb
                                        or lower(given ->> 'timestamp_header') = 'none'
                                      then '{body}' else '{timestamp}.{body}' end),
      'encoding', coalesce(given ->> 'encoding', 'hex'),
      'prefix', coalesce(given ->> 'prefix', ''),
      'secret_base64', coalesce((given ->> 'secret_base64')::boolean, false))
  end
$$;

create or replace function app_private.valid_source_auth(provider text, auth jsonb) returns boolean
  language sql immutable parallel safe
as $$
  select case
    when provider <> 'vapi' then auth = '{}'::jsonb
    when auth ->> 'mode' in ('secret', 'bearer') then auth = jsonb_build_object('mode', auth ->> 'mode')
    when auth ->> 'mode' = 'hmac' then
      auth ->> 'algorithm' in ('sha256', 'sha512', 'sha1')
      and auth ->> 'encoding' in ('hex', 'base64')
      and auth ->> 'signature_header' ~ '^[a-z0-9-]{1,100}$'
      and (auth -> 'timestamp_header' = 'null'::jsonb or auth ->> 'timestamp_header' ~ '^[a-z0-9-]{1,100}$')
      -- The signature must cover the body; a timestamp placeholder needs a timestamp header.
      and length(auth ->> 'payload_format') <= 200 and position('{body}' in auth ->> 'payload_format') > 0
      and (auth -> 'timestamp_header' <> 'null'::jsonb or position('{timestamp}' in auth ->> 'payload_format') = 0)
      and length(auth ->> 'prefix') <= 50
      and jsonb_typeof(auth -> 'secret_base64') = 'boolean'
      and (select count(*) from jsonb_object_keys(auth)) = 8
    else false
  end
$$;

-- A secret the operator gives (the value a platform shows) instead of a generated one.
create or replace function app_private.checked_source_secret(provider text, given text, auth jsonb) returns text
  language plpgsql volatile
  set search_path = pg_catalog, public
as $$
begin
  if given is null then
    return app_private.new_source_secret(provider);
  end if;
  if length(given) < 16 or length(given) > 500 or given ~ '[[:space:][:cntrl:]]' then
    raise exception 'a given secret must be 16 to 500 characters without spaces' using errcode = '22023';
  end if;
  if provider = 'standard' and given !~ '^whsec_[A-Za-z0-9+/]+=*$' then
    raise exception 'a Standard Webhooks secret has the form whsec_<base64>' using errcode = '22023';
  end if;
  if coalesce((auth ->> 'secret_base64')::boolean, false) then
    begin
      perform decode(given, 'base64');
    exception when others then
      raise exception 'the secret is not valid base64' using errcode = '22023';
    end;
  end if;
  return given;
end
$$;

-- RFC 3986 percent-encoding of everything but the unreserved characters.
create or replace function app_private.percent_encode(value text) returns text
  language sql immutable parallel safe
as $$
  select coalesce(string_agg(case when ch ~ '^[A-Za-z0-9._~-]$' then ch
                                  else upper(regexp_replace(encode(convert_to(ch, 'UTF8'), 'hex'), '(..)', '%\1', 'g')) end,
                             '' order by i), '')
    from regexp_split_to_table(value, '') with ordinality t (ch, i)
$$;

-- The path to paste into the platform. Reply.io cannot sign, so its path carries the secret;
-- the other platforms authenticate in headers or the body and get the plain path.
create or replace function app_private.source_url(provider text, source_id uuid, secret text) returns text
  language sql immutable parallel safe
as $$
  select case provider
    when 'csv' then '/uploads/leads/' || source_id
    when 'replyio' then '/webhooks/replyio/' || source_id || '/' || app_private.percent_encode(secret)
    else '/webhooks/' || provider || '/' || source_id end
$$;

create or replace function app_private.create_source(
  org_id uuid, provider text, name text, encryption_key text, given_secret text default null, auth jsonb default null,
  out source_id uuid, out secret text, out url text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  options jsonb := app_private.source_auth(provider, auth);
begin
  if not app_private.valid_source_auth(provider, options) then
    raise exception 'invalid authentication options for %', provider using errcode = '22023';
  end if;
  insert into app_public.sources (org_id, provider, name, auth)
  values (create_source.org_id, create_source.provider, coalesce(create_source.name, provider), options)
  returning id into source_id;
  secret := app_private.checked_source_secret(provider, given_secret, options);
  insert into app_private.source_secrets (org_id, source_id, secret_encrypted)
  values (create_source.org_id, source_id, pgp_sym_encrypt(secret, encryption_key));
  url := app_private.source_url(provider, source_id, secret);
end
$$;

-- A new secret takes over at once; the current one keeps working until the grace
-- period ends. Anything older expires now, so at most two secrets are ever valid.
create or replace function app_private.rotate_source_secret(
  source_id uuid, grace interval, encryption_key text, given_secret text default null,
  out secret text, out url text)
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
  secret := app_private.checked_source_secret(src.provider, given_secret, src.auth);
  update app_private.source_secrets s set expires_at = now()
   where s.source_id = src.id and s.expires_at > now();
  update app_private.source_secrets s set expires_at = now() + greatest(grace, '0'::interval)
   where s.source_id = src.id and s.expires_at is null;
  insert into app_private.source_secrets (org_id, source_id, secret_encrypted)
  values (src.org_id, src.id, pgp_sym_encrypt(secret, encryption_key));
  url := app_private.source_url(src.provider, src.id, secret);
end
$$;

-- What the gateway needs to verify a request: nothing for an unknown or disabled
-- source (the caller answers exactly as for a bad signature), else the valid secrets
-- (newest first) and the source's auth options.
create or replace function app_private.source_credentials(source_id uuid, provider text, encryption_key text)
  returns table (org_id uuid, secrets text[], auth jsonb)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select s.org_id,
         array_agg(pgp_sym_decrypt(k.secret_encrypted, encryption_key) order by k.created_at desc),
         s.auth
    from app_public.sources s
    join app_private.source_secrets k on k.source_id = s.id
   where s.id = source_credentials.source_id
     and s.provider = source_credentials.provider
     and s.enabled
     and (k.expires_at is null or k.expires_at > now())
   group by s.org_id, s.auth
$$;

-- Every write path stores a source's auth options complete (a Vapi source inserted without
-- any gets Vapi's default, the x-vapi-secret header).
create or replace function app_private.tg_sources__auth() returns trigger
  language plpgsql
as $$
begin
  new.auth := app_private.source_auth(new.provider, new.auth);
  return new;
end
$$;
