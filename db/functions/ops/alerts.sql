-- Operational alerts: rules evaluated by the evaluate_alerts cron job. A firing rule raises
-- once (alert_state keeps it open), is published as an `alert.raised` event through the
-- org's outbound endpoints (the body carries a top-level "text", so a Slack-compatible
-- incoming webhook shows it) and recorded in operational_events; when the rule stops
-- firing, `alert.resolved` follows. Platform alerts (backups) go to the operator's org
-- (OPS_ALERT_ORG_ID, passed in by the job) and to operational_events.

create or replace function app_private.record_signature_failure(source_id uuid) returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_private.signature_failures (source_id, minute, failures)
  values (source_id, date_trunc('minute', now()), 1)
  on conflict (source_id, minute) do update set failures = app_private.signature_failures.failures + 1
$$;

-- What fires now: (org_id, rule, key, severity, message, value, threshold).
create or replace function app_private.firing_alerts(platform_org uuid)
  returns table (org_id uuid, rule text, key text, severity text, message text, value double precision, threshold double precision)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  -- Signature failures over 5 % of a source's requests in the last 15 minutes (at least 20 requests).
  select s.org_id, 'signature_failure_rate', s.id::text, 'warning',
         format('Source %s (%s): %s of %s webhook requests in 15 min failed signature checks', s.name, s.provider, f.n, f.n + a.n),
         f.n::float8 / (f.n + a.n), 0.05
    from app_public.sources s
    cross join lateral (select coalesce(sum(x.failures), 0) as n from app_private.signature_failures x
                         where x.source_id = s.id and x.minute >= now() - interval '15 minutes') f
    cross join lateral (select count(*) as n from app_public.webhook_events e
                         where e.org_id = s.org_id and e.source_id = s.id and e.received_at >= now() - interval '15 minutes') a
   where f.n > 0 and f.n + a.n >= 20 and f.n::float8 / (f.n + a.n) > 0.05
  union all
  -- More than 100 dead letters waiting.
  select d.org_id, 'dead_letters', 'open', 'warning', format('%s dead letters are waiting for a retry', count(*)), count(*), 100
    from app_public.dead_letters d where d.retried_at is null
   group by d.org_id having count(*) > 100
  union all
  -- A contactable refresh or feeder run that failed (its job errored).
  select (j.payload ->> 'org_id')::uuid, 'lead_job_failed', t.identifier, 'critical',
         format('%s failed: %s', t.identifier, left(j.last_error, 200)), j.attempts, 0
    from graphile_worker._private_jobs j
    join graphile_worker._private_tasks t on t.id = j.task_id
   where t.identifier in ('refresh_contactable_leads', 'feed_leads') and j.last_error is not null
     and j.payload ->> 'org_id' is not null
  union all
  -- A calendar source failed its last alert_after syncs (raised at once by
  -- app_private.calendar_sync_failed; listed here so it stays open until a sync succeeds).
  select c.org_id, 'calendar_sync_failed', c.id::text, 'warning',
         format('Calendar source %s failed %s syncs in a row: %s', c.name, c.consecutive_failures, left(c.last_error, 200)),
         c.consecutive_failures, c.alert_after
    from app_public.calendar_sources c
   where c.enabled and c.consecutive_failures >= c.alert_after
  union all
  -- Pushes into a campaign tool that fail: a connection failing for 3 calls in a row or
  -- refused at validation, or leads whose push went dead (handoff/push.sql).
  select c.org_id, 'lead_push_failing', c.id::text, 'critical',
         format('Pushes to %s connection "%s" are failing: %s', c.provider, c.name,
                coalesce(c.validation_error, c.last_error, 'no answer')),
         c.consecutive_failures, 3
    from app_public.campaign_connections c
   where c.enabled and (c.consecutive_failures >= 3 or c.validation_status = 'invalid')
  union all
  select p.org_id, 'lead_push_dead', 'leads', 'critical',
         format('%s leads could not be pushed to the campaign tool in the last 24 h', count(*)), count(*), 0
    from app_public.lead_pushes p where p.status = 'failed' and p.updated_at > now() - interval '1 day'
   group by p.org_id
  union all
  -- The last backup verification failed.
  select platform_org, 'backup_verification_failed', 'latest', 'critical',
         format('Backup verification %s failed: %s', b.id, left(b.error, 300)), 1, 0
    from (select * from app_private.backup_verification_log order by id desc limit 1) b
   where not b.ok and platform_org is not null
  union all
  -- A table lost more than 10 % of its rows between the last two verifications.
  select platform_org, 'row_count_drop', c.key, 'critical',
         format('%s dropped from %s to %s rows between backup verifications', c.key, c.prev, c.cur),
         1 - c.cur::float8 / c.prev, 0.10
    from (select (p.details -> 'counts' ->> k.key)::bigint as prev, (l.details -> 'counts' ->> k.key)::bigint as cur, k.key
            from (select * from app_private.backup_verification_log where details ? 'counts' and details -> 'counts' <> '{}'
                   order by id desc limit 1) l
            join lateral (select * from app_private.backup_verification_log p
                           where p.id < l.id and p.details ? 'counts' and p.details -> 'counts' <> '{}'
                           order by p.id desc limit 1) p on true
            cross join lateral jsonb_object_keys(p.details -> 'counts') k(key)) c
   where platform_org is not null and c.prev >= 10 and coalesce(c.cur, 0) < 0.9 * c.prev
$$;

create or replace function app_private.evaluate_alerts(platform_org uuid default null) returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  a record;
  raised int := 0;
begin
  for a in select * from app_private.firing_alerts(platform_org) f
            where not exists (select 1 from app_private.alert_state s
                               where s.org_id is not distinct from f.org_id and s.rule = f.rule and s.key = f.key
                                 and s.resolved_at is null)
  loop
    insert into app_private.alert_state (org_id, rule, key, severity, message) values (a.org_id, a.rule, a.key, a.severity, a.message);
    insert into app_private.operational_events (org_id, kind, severity, details)
    values (a.org_id, 'alert.' || a.rule, a.severity, jsonb_build_object('key', a.key, 'message', a.message, 'value', a.value, 'threshold', a.threshold));
    if a.org_id is not null then
      perform app_private.emit_event(a.org_id, 'alert.raised', jsonb_build_object(
        'rule', a.rule, 'key', a.key, 'severity', a.severity, 'value', a.value, 'threshold', a.threshold,
        'text', format('[%s] %s', upper(a.severity), a.message)));
    end if;
    raised := raised + 1;
  end loop;
  for a in
    update app_private.alert_state s set resolved_at = now()
     where s.resolved_at is null
       and not exists (select 1 from app_private.firing_alerts(platform_org) f
                        where f.org_id is not distinct from s.org_id and f.rule = s.rule and f.key = s.key)
    returning s.org_id, s.rule, s.key, s.message
  loop
    if a.org_id is not null then
      perform app_private.emit_event(a.org_id, 'alert.resolved', jsonb_build_object(
        'rule', a.rule, 'key', a.key, 'text', format('[RESOLVED] %s', a.message)));
    end if;
  end loop;
  delete from app_private.signature_failures f where f.minute < now() - interval '1 hour';
  return raised;
end
$$;
