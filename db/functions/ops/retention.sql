-- Retention: each step removes (or blanks) at most `batch_size` rows past its window in one
-- short statement, so no step holds long locks; the job calls a step until it returns 0 and
-- logs the total in retention_runs. Windows come from workspace_settings (per org) or
-- app_private.platform_settings. Other domains run their own: auth audit and rate-limit
-- counters (identity_cleanup), transcripts (purge_transcripts).

create or replace function app_private.platform_setting(key text) returns interval
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select s.value from app_private.platform_settings s where s.key = platform_setting.key
$$;

create or replace function app_private.retention_steps() returns setof text
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select unnest(array['webhook_bodies', 'webhook_keys', 'delivery_attempts', 'delivery_messages',
                      'replay_guards', 'consent_tokens', 'operational_events', 'retention_runs'])
$$;

create or replace function app_private.retention_step(step text, batch_size int default 5000) returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  n bigint;
begin
  case step
  when 'webhook_bodies' then
    -- Processed events lose their body; the row (and its dedupe key) stays.
    update app_public.webhook_events e set payload = null
     where (e.org_id, e.id) in (
       select x.org_id, x.id from app_public.webhook_events x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.payload is not null and x.status in ('processed', 'unattributed')
          and x.received_at < now() - s.webhook_body_retention
        limit batch_size);
  when 'webhook_keys' then
    delete from app_public.webhook_events e
     where (e.org_id, e.id) in (
       select x.org_id, x.id from app_public.webhook_events x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.status in ('processed', 'unattributed') and x.received_at < now() - s.webhook_key_retention
        limit batch_size);
  when 'delivery_attempts' then
    delete from app_public.delivery_attempts a
     where (a.org_id, a.id) in (
       select x.org_id, x.id from app_public.delivery_attempts x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.attempted_at < now() - s.delivery_attempt_retention
        limit batch_size);
  when 'delivery_messages' then
    -- Messages with no delivery still pending; their deliveries and attempts go with them.
    delete from app_public.delivery_messages m
     where (m.org_id, m.id) in (
       select x.org_id, x.id from app_public.delivery_messages x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.created_at < now() - s.delivery_attempt_retention
          and not exists (select 1 from app_public.deliveries d where d.message_id = x.id and d.status = 'pending')
        limit batch_size);
  when 'replay_guards' then
    delete from app_private.lead_upload_hashes h
     where (h.org_id, h.content_sha256) in (
       select x.org_id, x.content_sha256 from app_private.lead_upload_hashes x
        where x.received_at < now() - app_private.platform_setting('replay_guard_retention')
        limit batch_size);
  when 'consent_tokens' then
    delete from app_private.consent_nonces c
     where c.nonce in (
       select x.nonce from app_private.consent_nonces x
        where x.expires_at < now() - app_private.platform_setting('consent_token_retention')
        limit batch_size);
  when 'operational_events' then
    delete from app_private.operational_events o
     where o.id in (select x.id from app_private.operational_events x
                     where x.created_at < now() - app_private.platform_setting('operational_event_retention')
                     order by x.id limit batch_size);
  when 'retention_runs' then
    delete from app_private.retention_runs r
     where r.id in (select x.id from app_private.retention_runs x
                     where x.finished_at < now() - app_private.platform_setting('retention_run_retention')
                     order by x.id limit batch_size);
  else
    raise exception 'unknown retention step %', step using errcode = '22023';
  end case;
  get diagnostics n = row_count;
  return n;
end
$$;

create or replace function app_private.log_retention_run(step text, removed bigint, started_at timestamptz) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_private.retention_runs (step, removed, started_at) values (step, removed, started_at)
$$;
