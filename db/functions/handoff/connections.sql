-- Campaign-tool connections (SmartLead, Reply.io v3, Instantly v2): one or more per org,
-- created by an admin or operator with the tool's API key, which is pgcrypto-encrypted under
-- ENCRYPTION_KEY (passed per call, never stored) and never readable back through any view
-- or RPC. Only the worker decrypts it, for the call it is about to make.

-- The published limits each tool's calls are paced at (sliding windows, all honoured).
-- SmartLead publishes "10 requests every 2 seconds" and 60 a minute: both hold, so the
-- lower (60 a minute) governs. Reply.io: 100 a minute and 3,000 an hour. Instantly
-- (workspace-wide, API v1 and v2 together): 100 a second and 6,000 a minute.
create or replace function app_private.campaign_tool_limits(provider text)
  returns table (max_calls int, per interval)
  language sql immutable parallel safe
as $$
  select l.max_calls, l.per from (values
    ('smartlead', 10, interval '2 seconds'), ('smartlead', 60, interval '1 minute'),
    ('replyio', 100, interval '1 minute'), ('replyio', 3000, interval '1 hour'),
    ('instantly', 100, interval '1 second'), ('instantly', 6000, interval '1 minute')) l (provider, max_calls, per)
   where l.provider = campaign_tool_limits.provider
$$;

-- Leads per call: SmartLead takes a lead_list (published caps 100, 350 or 400 depending on
-- the source: we send at most 100); Reply.io and Instantly create one contact per request.
create or replace function app_private.campaign_tool_chunk_size(provider text) returns int
  language sql immutable parallel safe
as $$
  select case provider when 'smartlead' then 100 else 1 end
$$;

-- The lead columns a field mapping may read (plus `attributes.<key>` for kept CSV columns).
create or replace function app_private.lead_mapping_columns() returns text[]
  language sql immutable parallel safe
as $$
  select array['id', 'email', 'first_name', 'last_name', 'phone', 'property_address', 'property_city', 'property_state',
               'property_zip', 'mailing_address', 'mailing_city', 'mailing_state', 'mailing_zip', 'county_fips', 'apn',
               'estimated_equity', 'owner_occupied', 'lead_score']
$$;

-- Null when the mapping is usable, else why not. Shape: {"email": col, "first_name": col,
-- "last_name": col, "phone": col, "company": col, "custom_fields": {"<name>": col, …}}.
create or replace function app_private.field_mapping_problem(mapping jsonb) returns text
  language plpgsql immutable
  set search_path = pg_catalog, public
as $$
declare
  k text;
  v jsonb;
begin
  if jsonb_typeof(mapping) <> 'object' then
    return 'the field mapping must be a JSON object';
  end if;
  if mapping ->> 'email' is null then
    return 'the field mapping must map "email"';
  end if;
  for k, v in select * from jsonb_each(mapping) loop
    if k = 'custom_fields' then
      if jsonb_typeof(v) <> 'object' then
        return 'custom_fields must be an object of name → lead column';
      end if;
      if exists (select 1 from jsonb_each(v) c
                  where c.key !~ '^[A-Za-z_][A-Za-z0-9_ -]{0,63}$' or jsonb_typeof(c.value) <> 'string'
                     or not (c.value #>> '{}' = any (app_private.lead_mapping_columns())
                             or c.value #>> '{}' ~ '^attributes\.[A-Za-z0-9_]{1,64}$')) then
        return 'custom_fields names must be identifiers and their values lead columns';
      end if;
    elsif k in ('email', 'first_name', 'last_name', 'phone', 'company') then
      if jsonb_typeof(v) = 'null' then
        continue;
      end if;
      if jsonb_typeof(v) <> 'string' or not (v #>> '{}' = any (app_private.lead_mapping_columns())
                                              or v #>> '{}' ~ '^attributes\.[A-Za-z0-9_]{1,64}$') then
        return format('"%s" must name a lead column (one of %s, or attributes.<key>)', k,
                      array_to_string(app_private.lead_mapping_columns(), ', '));
      end if;
    else
      return format('unknown field "%s" (email, first_name, last_name, phone, company, custom_fields)', k);
    end if;
  end loop;
  return null;
end
$$;

create or replace function app_private.tg_campaign_connections__validate() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
declare
  problem text := app_private.field_mapping_problem(new.field_mapping);
begin
  if problem is not null then
    raise exception 'invalid field mapping: %', problem using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end
$$;

create or replace function app_private.default_field_mapping() returns jsonb
  language sql immutable parallel safe
as $$
  select '{"email":"email","first_name":"first_name","last_name":"last_name","phone":"phone","company":"attributes.company",
           "custom_fields":{"score":"lead_score","property_address":"property_address","equity":"estimated_equity"}}'::jsonb
$$;

-- A lead as the tool-neutral record the adapters turn into each tool's body.
create or replace function app_private.map_lead(l app_public.leads, mapping jsonb) returns jsonb
  language sql stable
  set search_path = pg_catalog, public
as $$
  with src as (select to_jsonb(l) - 'pii_encrypted' - 'email_hash' - 'addr_hash' as doc),
  pick as (
    select f.key, f.value #>> '{}' as col from jsonb_each(mapping - 'custom_fields') f where jsonb_typeof(f.value) = 'string'),
  vals as (
    select p.key, case when p.col like 'attributes.%' then l.attributes ->> substr(p.col, 12) else s.doc ->> p.col end as val
      from pick p, src s),
  custom as (
    select c.key, case when c.value #>> '{}' like 'attributes.%' then l.attributes ->> substr(c.value #>> '{}', 12)
                       else s.doc ->> (c.value #>> '{}') end as val
      from jsonb_each(coalesce(mapping -> 'custom_fields', '{}')) c, src s)
  select jsonb_build_object('lead_id', l.id)
         || coalesce((select jsonb_object_agg(v.key, v.val) from vals v where v.val is not null), '{}')
         || jsonb_build_object('custom_fields', coalesce((select jsonb_object_agg(c.key, c.val) from custom c where c.val is not null), '{}'))
$$;

create or replace function app_private.schedule_connection_validation(org_id uuid, connection_id uuid) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select graphile_worker.add_job('validate_campaign_connection',
    json_build_object('org_id', org_id, 'connection_id', connection_id),
    job_key => 'validate_campaign_connection:' || connection_id, max_attempts => 5);
$$;

-- Operator/CLI and the gateway's admin route: a connection with its key; validated by the
-- worker (SmartLead: GET /campaigns/{id}; Reply.io: GET /v3/sequences/{id}; Instantly:
-- GET /api/v2/campaigns/{id}) before the feeder uses it.
create or replace function app_private.create_campaign_connection(
  org_id uuid, provider text, name text, external_campaign_id text, api_key text, base_url text,
  field_mapping jsonb, encryption_key text, allow_private boolean)
  returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  problem text;
  cid uuid;
begin
  if api_key is null or length(api_key) not between 8 and 500 or api_key ~ '\s' then
    raise exception 'an API key (8 to 500 characters, no spaces) is required' using errcode = '22023';
  end if;
  if base_url is not null then
    problem := app_private.delivery_url_problem(base_url, allow_private);
    if problem is not null then
      raise exception 'base URL refused: %', problem using errcode = '22023';
    end if;
  end if;
  insert into app_public.campaign_connections (org_id, provider, name, external_campaign_id, base_url, field_mapping)
  values (create_campaign_connection.org_id, provider, coalesce(name, provider || ' ' || external_campaign_id),
          external_campaign_id, rtrim(base_url, '/'),
          coalesce(field_mapping, app_private.default_field_mapping()))
  returning id into cid;
  insert into app_private.campaign_connection_secrets (org_id, connection_id, api_key_encrypted)
  values (create_campaign_connection.org_id, cid, pgp_sym_encrypt(api_key, encryption_key));
  perform app_private.schedule_connection_validation(create_campaign_connection.org_id, cid);
  return cid;
end
$$;

-- A new key (rotation, or after a 401): validated again, the circuit closed.
create or replace function app_private.set_campaign_connection_key(org_id uuid, connection_id uuid, api_key text, encryption_key text)
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  if api_key is null or length(api_key) not between 8 and 500 or api_key ~ '\s' then
    raise exception 'an API key (8 to 500 characters, no spaces) is required' using errcode = '22023';
  end if;
  update app_private.campaign_connection_secrets s set api_key_encrypted = pgp_sym_encrypt(api_key, encryption_key), updated_at = now()
   where s.org_id = set_campaign_connection_key.org_id and s.connection_id = set_campaign_connection_key.connection_id;
  if not found then
    return false;
  end if;
  update app_public.campaign_connections c
     set validation_status = 'pending', validation_error = null, consecutive_failures = 0, circuit_open_until = null,
         failing_since = null, last_error = null
   where c.org_id = set_campaign_connection_key.org_id and c.id = set_campaign_connection_key.connection_id;
  perform app_private.schedule_connection_validation(set_campaign_connection_key.org_id, set_campaign_connection_key.connection_id);
  return true;
end
$$;

-- Operator: where the worker sends a connection's calls (a local test double, a proxy).
create or replace function app_private.set_campaign_connection_base_url(org_id uuid, connection_id uuid, base_url text, allow_private boolean)
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  problem text := case when base_url is null then null else app_private.delivery_url_problem(base_url, allow_private) end;
begin
  if problem is not null then
    raise exception 'base URL refused: %', problem using errcode = '22023';
  end if;
  update app_public.campaign_connections c set base_url = rtrim(set_campaign_connection_base_url.base_url, '/')
   where c.org_id = set_campaign_connection_base_url.org_id and c.id = set_campaign_connection_base_url.connection_id;
  return found;
end
$$;

-- Worker: what a call needs (the key decrypted for it), or no row.
create or replace function app_private.campaign_connection_credentials(org_id uuid, connection_id uuid, encryption_key text)
  returns table (provider text, base_url text, external_campaign_id text, api_key text)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select c.provider, c.base_url, c.external_campaign_id, pgp_sym_decrypt(s.api_key_encrypted, encryption_key)
    from app_public.campaign_connections c
    join app_private.campaign_connection_secrets s on s.connection_id = c.id
   where c.org_id = campaign_connection_credentials.org_id and c.id = campaign_connection_credentials.connection_id
$$;

create or replace function app_private.record_connection_validation(org_id uuid, connection_id uuid, ok boolean, error text)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  update app_public.campaign_connections c
     set validation_status = case when ok then 'valid' else 'invalid' end,
         validation_error = case when ok then null else left(error, 300) end,
         validated_at = now()
   where c.org_id = record_connection_validation.org_id and c.id = record_connection_validation.connection_id;
$$;

-- Admin self-service through the gateway (POST /handoff/connections …), which holds the
-- encryption key: the session must be live and its member an owner or admin of the org
-- (read from memberships, not trusted from the token). status: ok | invalid_session | forbidden.
create or replace function app_private.admin_session(session_id uuid, out status text, out org_id uuid, out user_id uuid)
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
declare
  s app_private.sessions := app_private.live_session(admin_session.session_id);
  member_role text;
begin
  if s.id is null then
    status := 'invalid_session';
    return;
  end if;
  select m.role into member_role from app_public.memberships m where m.org_id = s.org_id and m.user_id = s.user_id;
  if member_role is null then
    status := 'invalid_session';
  elsif member_role not in ('owner', 'admin') then
    status := 'forbidden';
  else
    status := 'ok';
    org_id := s.org_id;
    user_id := s.user_id;
  end if;
end
$$;

create or replace function app_private.admin_create_campaign_connection(
  session_id uuid, provider text, name text, external_campaign_id text, api_key text, field_mapping jsonb, encryption_key text)
  returns table (status text, connection_id uuid)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  a record;
begin
  select * into a from app_private.admin_session(admin_create_campaign_connection.session_id);
  status := a.status;
  if a.status = 'ok' then
    -- The audit trail names the admin (tg__audit reads the claims).
    perform set_config('request.jwt.claims', jsonb_build_object('sub', a.user_id, 'org_id', a.org_id)::text, true);
    connection_id := app_private.create_campaign_connection(a.org_id, provider, name, external_campaign_id, api_key, null,
                                                            field_mapping, encryption_key, false);
  end if;
  return next;
end
$$;

create or replace function app_private.admin_set_campaign_connection_key(session_id uuid, connection_id uuid, api_key text, encryption_key text)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  a record;
begin
  select * into a from app_private.admin_session(admin_set_campaign_connection_key.session_id);
  if a.status <> 'ok' then
    return a.status;
  end if;
  return case when app_private.set_campaign_connection_key(a.org_id, connection_id, api_key, encryption_key) then 'ok' else 'not_found' end;
end
$$;

create or replace function app_private.admin_configure_sms(
  session_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text,
  status_callback_url text, encryption_key text)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  a record;
begin
  select * into a from app_private.admin_session(admin_configure_sms.session_id);
  if a.status <> 'ok' then
    return a.status;
  end if;
  perform set_config('request.jwt.claims', jsonb_build_object('sub', a.user_id, 'org_id', a.org_id)::text, true);
  -- The base URL stays as the operator set it (it is where the token is sent).
  perform app_private.configure_sms(a.org_id, account_sid, api_key_sid, secret, from_number, messaging_service_sid,
    (select s.base_url from app_public.sms_settings s where s.org_id = a.org_id), status_callback_url, encryption_key, true);
  return 'ok';
end
$$;
