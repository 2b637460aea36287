-- The hand-off of a feed run to the campaign tool: ONE `leads.fed` domain event per
-- (org, local date) with the fed leads (what a campaign tool needs to enrol them), sent
-- by the delivery engine to every endpoint of the org subscribed to it, signed (Standard
-- Webhooks) and retried. Exactly once per run: the run row is stamped `handed_off_at` in
-- the same transaction as the event, so a retried or duplicate job sends nothing more.
-- (Each lead's status change also raises the per-lead `lead.fed` event.)
-- An org with a campaign-tool connection (handoff/connections.sql) gets its leads pushed
-- straight into the tool instead: chunks and per-lead push rows are written here, in the
-- same transaction as the stamp, and the push_leads jobs send them.
create or replace function app_private.handoff_leads(org_id uuid, local_date date, lead_ids uuid[] default null)
  returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  run app_private.lead_feed_runs;
  ids uuid[];
  msg uuid;
  n int;
begin
  update app_private.lead_feed_runs r set handed_off_at = now()
   where r.org_id = handoff_leads.org_id and r.local_date = handoff_leads.local_date and r.handed_off_at is null
  returning * into run;
  if not found then
    return jsonb_build_object('status', case when exists (select 1 from app_private.lead_feed_runs r
                                                          where r.org_id = handoff_leads.org_id and r.local_date = handoff_leads.local_date)
                                             then 'already_handed_off' else 'no_run' end);
  end if;
  -- Runs fed before the ids were kept on the run passed them in the job payload.
  ids := case when cardinality(run.lead_ids) > 0 then run.lead_ids else coalesce(handoff_leads.lead_ids, '{}') end;
  n := app_private.plan_lead_pushes(run.org_id, run.local_date, ids);
  if n > 0 then
    return jsonb_build_object('status', 'pushing', 'local_date', run.local_date, 'connections', n,
      'leads', cardinality(ids),
      'chunks', (select count(*) from app_public.lead_push_chunks c where c.org_id = run.org_id and c.local_date = run.local_date));
  end if;
  select count(*)::int,
         app_private.emit_event(run.org_id, 'leads.fed', jsonb_build_object(
           'local_date', run.local_date,
           'count', count(*),
           'leads', coalesce(jsonb_agg(jsonb_build_object(
               'lead_id', l.id, 'first_name', l.first_name, 'last_name', l.last_name, 'email', l.email, 'phone', l.phone,
               'property_address', l.property_address, 'property_city', l.property_city, 'property_state', l.property_state,
               'property_zip', l.property_zip, 'lead_score', l.lead_score, 'assigned_to', l.assigned_to)
             order by l.lead_score desc, l.id), '[]'::jsonb)))
    into n, msg
    from app_public.leads l
   where l.org_id = run.org_id and l.id = any (ids) and l.campaign_status = 'active';
  return jsonb_build_object('status', 'handed_off', 'local_date', run.local_date, 'leads', n, 'message_id', msg);
end
$$;
