-- Switchboard events published to outbound endpoints, raised by triggers on the tables that
-- record them (so every write path publishes, in the same transaction). emit_event skips
-- orgs with no endpoint subscribed, so the cost for everyone else is one index probe.

create or replace function app_private.tg_appointments__emit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if tg_op = 'INSERT' and new.status = 'booked' then
    perform app_private.emit_event(new.org_id, 'appointment.booked', jsonb_build_object(
      'appointment_id', new.id, 'resource_id', new.resource_id, 'contact_id', new.contact_id,
      'starts_at', new.starts_at, 'ends_at', new.ends_at, 'source', new.source));
  elsif tg_op = 'UPDATE' and new.status = 'cancelled' and old.status <> 'cancelled' then
    perform app_private.emit_event(new.org_id, 'appointment.cancelled', jsonb_build_object(
      'appointment_id', new.id, 'contact_id', new.contact_id, 'starts_at', new.starts_at));
  end if;
  return null;
end
$$;

create or replace function app_private.tg_calls__emit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.status = 'ended' and (tg_op = 'INSERT' or old.status is distinct from 'ended') then
    perform app_private.emit_event(new.org_id, 'call.ended', jsonb_build_object(
      'call_id', new.id, 'external_id', new.external_id, 'contact_id', new.contact_id, 'campaign_id', new.campaign_id,
      'direction', new.direction, 'duration_seconds', new.duration_seconds, 'ended_reason', new.ended_reason));
  end if;
  return null;
end
$$;

create or replace function app_private.tg_lead_import_batches__emit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.status in ('merged', 'failed') and old.status is distinct from new.status then
    perform app_private.emit_event(new.org_id, 'import.finished', jsonb_build_object(
      'batch_id', new.id, 'status', new.status, 'rows_total', new.rows_total, 'rows_merged', new.rows_merged,
      'rows_rejected', new.rows_rejected, 'leads_created', new.leads_created, 'leads_updated', new.leads_updated));
  end if;
  return null;
end
$$;

-- A lead fed to the campaign tool (queued → active): pushed with what the tool needs.
create or replace function app_private.lead_fed_payload(l app_public.leads) returns jsonb
  language sql immutable
as $$
  select jsonb_build_object(
    'lead_id', l.id, 'first_name', l.first_name, 'last_name', l.last_name, 'email', l.email,
    'phone', l.phone, 'property_address', l.property_address, 'property_city', l.property_city,
    'property_state', l.property_state, 'property_zip', l.property_zip, 'lead_score', l.lead_score)
$$;

-- Any path that moves a lead to active raises `lead.fed`. The feeder (feed_leads) raises
-- its run's events itself, in one pass after its UPDATE, and sets switchboard.feeding for
-- that UPDATE: the trigger's WHEN clause then keeps it from firing 250 times per feed.
create or replace function app_private.tg_leads__emit_fed() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  perform app_private.emit_event(new.org_id, 'lead.fed', app_private.lead_fed_payload(new));
  return null;
end
$$;

create or replace function app_private.tg_email_events__emit_reply() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.kind = 'replied' then
    perform app_private.emit_event(new.org_id, 'reply.received', jsonb_build_object(
      'email_event_id', new.id, 'campaign_id', new.campaign_id, 'contact_id', new.contact_id,
      'category', new.category, 'occurred_at', new.occurred_at));
  end if;
  return null;
end
$$;
