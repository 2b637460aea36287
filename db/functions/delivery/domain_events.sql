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
create or replace function app_private.tg_leads__emit_fed() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  if new.campaign_status = 'active' and old.campaign_status is distinct from 'active' then
    perform app_private.emit_event(new.org_id, 'lead.fed', jsonb_build_object(
      'lead_id', new.id, 'first_name', new.first_name, 'last_name', new.last_name, 'email', new.email,
      'phone', new.phone, 'property_address', new.property_address, 'property_city', new.property_city,
      'property_state', new.property_state, 'property_zip', new.property_zip, 'lead_score', new.lead_score));
  end if;
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
