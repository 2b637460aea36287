-- Backup verification: what a dump must reproduce, and the log of every verification.

-- Row counts of every table in app_public and app_private, and checksums of the critical
-- ones (every row's text, in order). Run by the owner (BYPASSRLS) or a superuser.
create or replace function app_private.backup_fingerprint() returns jsonb
  language plpgsql stable
  set search_path = pg_catalog, public
as $$
declare
  r record;
  n bigint;
  sum text;
  counts jsonb := '{}';
  checksums jsonb := '{}';
begin
  for r in
    select format('%I.%I', ns.nspname, c.relname) as name
      from pg_class c join pg_namespace ns on ns.oid = c.relnamespace
     where ns.nspname in ('app_public', 'app_private') and c.relkind in ('r', 'p') and c.relpersistence = 'p'
     order by 1
  loop
    execute format('select count(*) from %s', r.name) into n;
    counts := counts || jsonb_build_object(r.name, n);
  end loop;
  for r in select t as name from unnest(app_private.backup_critical_tables()) t where to_regclass(t) is not null loop
    execute format('select coalesce(md5(string_agg(x::text, %L order by x::text)), %L) from %s x', E'\n', 'empty', r.name) into sum;
    checksums := checksums || jsonb_build_object(r.name, sum);
  end loop;
  return jsonb_build_object('counts', counts, 'checksums', checksums);
end
$$;

create or replace function app_private.backup_critical_tables() returns text[]
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select array['app_public.organizations', 'app_public.users', 'app_public.memberships', 'app_private.user_secrets',
               'app_public.sources', 'app_private.source_secrets', 'app_public.campaigns', 'app_public.campaign_counters',
               'app_public.contacts', 'app_public.suppressions', 'app_public.leads', 'app_public.appointments',
               'app_public.delivery_endpoints', 'app_public.workspace_settings']
$$;

create or replace function app_private.backup_key_functions() returns text[]
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select array['app_private.check_session()', 'app_private.ingest_webhook_event(uuid,text,text,text,text,timestamptz,jsonb)',
               'app_public.retry_dead_letter(bigint)', 'app_public.current_org_id()', 'app_private.tg__audit()',
               'app_private.emit_event(uuid,text,jsonb,uuid)', 'app_public.erase_contact(uuid)', 'app_public.export_contact(uuid)']
$$;

create or replace function app_private.record_backup_verification(ok boolean, details jsonb, error text) returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  log_id bigint;
begin
  insert into app_private.backup_verification_log (ok, details, error)
  values (ok, details, left(error, 2000))
  returning id into log_id;
  if not ok then
    insert into app_private.operational_events (kind, severity, details)
    values ('backup_verification_failed', 'critical', jsonb_build_object('log_id', log_id, 'error', left(error, 500)));
  end if;
  return log_id;
end
$$;
