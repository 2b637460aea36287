-- The console's Sources page (owners and admins). Secrets are encrypted under ENCRYPTION_KEY,
-- which only the gateway, the worker and the CLI hold: PostgREST never has it. The console
-- calls the secret-issuing functions below through the gateway's POST /console/rpc/{name}
-- (gateway/src/routes/console-rpc.ts), which verifies the session's JWT, sets its claims for
-- the transaction, runs app_private.check_session() like PostgREST's db-pre-request, and
-- passes the key as this argument. No function returns it and nothing stores it.

-- Admin RPC (POST /console/rpc/create_source): a new source; its secret and URL are
-- returned this once. given_secret: the value the platform shows, when the operator cannot
-- choose it (SmartLead); auth: the source's options (sources.auth, e.g. Vapi's mode and HMAC
-- options), checked by app_private.create_source.
create or replace function app_private.console_create_source(
  encryption_key text, provider text, name text default null, given_secret text default null, auth jsonb default null)
  returns table (source_id uuid, secret text, url text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_public.current_org_id();
  created record;
begin
  perform app_public.require_org_admin();
  if provider is null or provider not in ('smartlead', 'replyio', 'vapi', 'standard', 'csv') then
    raise exception 'provider must be one of smartlead, replyio, vapi, standard, csv'
      using errcode = '22023', hint = 'invalid_provider';
  end if;
  if name is not null and length(btrim(name)) not between 1 and 200 then
    raise exception 'the name must be 1 to 200 characters' using errcode = '22023', hint = 'invalid_name';
  end if;
  if coalesce(encryption_key, '') = '' then
    raise exception 'no encryption key' using errcode = '22023';
  end if;
  select * into created from app_private.create_source(org, provider, nullif(btrim(name), ''), encryption_key,
                                                       nullif(given_secret, ''), auth);
  source_id := created.source_id;
  secret := created.secret;
  url := created.url;
  return next;
end
$$;

-- Admin RPC (POST /console/rpc/rotate_source): a new secret at once (given_secret: the
-- platform's own); the old one keeps working for `grace` (at most 7 days).
create or replace function app_private.console_rotate_source(
  encryption_key text, source uuid, grace interval default '24 hours', given_secret text default null)
  returns table (source_id uuid, secret text, url text)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  src app_public.sources;
  rotated record;
begin
  perform app_public.require_org_admin();
  select * into src from app_public.sources s where s.org_id = app_public.current_org_id() and s.id = console_rotate_source.source;
  if not found then
    raise exception 'source not found' using errcode = 'PT404', hint = 'source_not_found';
  end if;
  if grace is null or grace < '0' or grace > '7 days' then
    raise exception 'the grace period must be between 0 and 7 days' using errcode = '22023', hint = 'invalid_grace';
  end if;
  select * into rotated from app_private.rotate_source_secret(src.id, grace, encryption_key, nullif(given_secret, ''));
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (src.org_id, app_public.current_user_id(), 'app_private.source_secrets', src.id::text, 'update',
          null, jsonb_build_object('rotated', true, 'grace', grace::text));
  source_id := src.id;
  secret := rotated.secret;
  url := rotated.url;
  return next;
end
$$;

-- Signature failures per source and hour, for the Sources page's 24-hour count. The gateway
-- already calls app_private.record_signature_failure(source_id) (ops/alerts.sql) for every
-- request to a known source that fails verification; that function's per-minute table is
-- kept for an hour (the alert's window), so a trigger on it adds each increment to this
-- hourly table, kept for two days (pruned by the same trigger, an hour at a time).
create table if not exists app_private.source_signature_failures (
  source_id uuid not null references app_public.sources (id) on delete cascade,
  hour timestamptz not null,
  failures int not null default 0,
  primary key (source_id, hour)
);

create or replace function app_private.tg_signature_failures__hourly() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
declare
  added int := new.failures - case when tg_op = 'UPDATE' then old.failures else 0 end;
begin
  if added <= 0 or not exists (select 1 from app_public.sources s where s.id = new.source_id) then
    return null;
  end if;
  insert into app_private.source_signature_failures as f (source_id, hour, failures)
  values (new.source_id, date_trunc('hour', new.minute), added)
  on conflict (source_id, hour) do update set failures = f.failures + excluded.failures;
  if tg_op = 'INSERT' and new.minute = date_trunc('hour', new.minute) then
    delete from app_private.source_signature_failures f where f.hour < now() - interval '48 hours';
  end if;
  return null;
end
$$;

-- Per source: last event, events and signature failures in the last 24 hours (403 for members).
create or replace function app_public.source_activity()
  returns table (source_id uuid, provider text, name text, enabled boolean, created_at timestamptz,
                 last_event_at timestamptz, events_24h bigint, signature_failures_24h bigint,
                 secrets_valid int, grace_until timestamptz)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select s.id, s.provider, s.name, s.enabled, s.created_at,
         (select max(e.received_at) from app_public.webhook_events e
           where e.org_id = s.org_id and e.source_id = s.id),
         (select count(*) from app_public.webhook_events e
           where e.org_id = s.org_id and e.source_id = s.id and e.received_at > now() - interval '24 hours'),
         coalesce((select sum(f.failures) from app_private.source_signature_failures f
                    where f.source_id = s.id and f.hour > now() - interval '24 hours'), 0)::bigint,
         (select count(*)::int from app_private.source_secrets k
           where k.source_id = s.id and (k.expires_at is null or k.expires_at > now())),
         (select max(k.expires_at) from app_private.source_secrets k
           where k.source_id = s.id and k.expires_at > now())
    from app_public.sources s
   where app_public.require_org_admin()
     and s.org_id = app_public.current_org_id()
   order by s.created_at
$$;
