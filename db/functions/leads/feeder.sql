-- The weekday feeder. Exactly once per org per local date: the (org_id, local_date) key
-- of lead_feed_runs is claimed in the same transaction as the feed, so a second worker,
-- a retried job or a restart finds it taken and does nothing.
create or replace function app_private.feed_leads(org_id uuid, at timestamptz default now()) returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  tz text;
  local_ts timestamp;
  lim int;
  enabled boolean;
  fed_ids uuid[];
  t0 timestamptz := clock_timestamp();
begin
  select g.timezone, w.lead_feed_daily_limit, w.lead_feed_enabled into tz, lim, enabled
    from app_public.organizations g join app_public.workspace_settings w on w.org_id = g.id
   where g.id = feed_leads.org_id;
  if not found then
    return jsonb_build_object('status', 'unknown_org');
  end if;
  local_ts := feed_leads.at at time zone tz;
  if extract(isodow from local_ts) > 5 or local_ts::time < time '06:00' or not enabled then
    return jsonb_build_object('status', 'not_due', 'local_time', local_ts);
  end if;
  insert into app_private.lead_feed_runs (org_id, local_date) values (feed_leads.org_id, local_ts::date)
  on conflict do nothing;
  if not found then
    return jsonb_build_object('status', 'already_ran', 'local_date', local_ts::date);
  end if;
  -- Do not interleave with a merge of the same org.
  perform pg_advisory_xact_lock(app_private.lead_lock_key(feed_leads.org_id));

  -- This UPDATE's lead.fed events are raised below in one pass (see tg_leads__emit_fed).
  perform set_config('switchboard.feeding', 'on', true);
  with picked as (
    select l.id
      from app_public.leads l
     where l.org_id = feed_leads.org_id
       and l.campaign_status = 'queued'
       and (l.email_verified or l.phone_verified)
       and l.consent_given
       and not exists (select 1 from app_public.suppressions s where s.org_id = l.org_id and s.email = l.email)
     order by l.lead_score desc, l.id
     limit lim
     -- NO KEY UPDATE: the feed changes no key, so it neither waits for nor skips rows a
     -- concurrent refresh of the contactable set holds KEY SHARE on (its foreign key).
     for no key update of l skip locked
  ), fed as (
    update app_public.leads l set campaign_status = 'active'
      from picked p
     where l.org_id = feed_leads.org_id and l.id = p.id
    returning l.id, l.created_at
  ), events as (
    insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, duration_ms, data, occurred_at)
    select feed_leads.org_id, 'fed', f.id, 1,
           greatest(0, (extract(epoch from feed_leads.at - f.created_at) * 1000))::bigint,
           jsonb_build_object('local_date', local_ts::date), feed_leads.at
      from fed f
    returning subject_id
  )
  select coalesce(array_agg(e.subject_id), '{}') into fed_ids from events e;
  perform set_config('switchboard.feeding', 'off', true);
  if cardinality(fed_ids) > 0 and app_private.has_subscriber(feed_leads.org_id, 'lead.fed') then
    perform app_private.emit_event(l.org_id, 'lead.fed', app_private.lead_fed_payload(l))
       from app_public.leads l
      where l.org_id = feed_leads.org_id and l.id = any (fed_ids)
      order by l.lead_score desc, l.id;
  end if;

  -- The run keeps the ids it fed: the hand-off reads them from here (a small job payload,
  -- and a retried hand-off sends the same leads).
  update app_private.lead_feed_runs r set fed = cardinality(fed_ids), lead_ids = fed_ids
   where r.org_id = feed_leads.org_id and r.local_date = local_ts::date;
  if cardinality(fed_ids) > 0 then
    perform graphile_worker.add_job('handoff_leads',
      json_build_object('org_id', feed_leads.org_id, 'local_date', local_ts::date),
      job_key => 'handoff_leads:' || feed_leads.org_id || ':' || local_ts::date, max_attempts => 10);
  end if;
  return jsonb_build_object('status', 'fed', 'local_date', local_ts::date, 'fed', cardinality(fed_ids),
                            'ms', round(extract(epoch from clock_timestamp() - t0) * 1000, 1));
end
$$;
