-- Outbound callbacks: validate everything before anything leaves, then a job calls the
-- voice platform. Errors (PostgREST maps PTxyz to HTTP xyz; `hint` is the stable code):
--   PT422 outbound_agent_not_configured | invalid_phone_number_id | invalid_customer_number
--   PT404 contact_not_found

create or replace function app_private.normalize_e164(phone text) returns text
  language sql immutable parallel safe
as $$
  select case when cleaned ~ '^\+[1-9]\d{7,14}$' then cleaned end
    from (select regexp_replace(coalesce(phone, ''), '[\s().-]', '', 'g') as cleaned) x
$$;

create or replace function app_private.is_uuid(value text) returns boolean
  language sql immutable parallel safe
as $$
  select coalesce(value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', false)
$$;

create or replace function app_public.request_callback(contact_id uuid)
  returns app_public.callback_requests
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_private.require_member();
  k app_public.contacts;
  agent app_public.agents;
  number text;
  req app_public.callback_requests;
begin
  select * into k from app_public.contacts c where c.org_id = org and c.id = request_callback.contact_id;
  if not found then
    raise exception 'contact not found' using errcode = 'PT404', hint = 'contact_not_found';
  end if;
  select * into agent from app_public.agents a
   where a.org_id = org and a.direction = 'outbound' and a.active
   order by a.created_at limit 1;
  if not found or coalesce(agent.assistant_id, '') = '' then
    raise exception 'outbound agent not configured' using errcode = 'PT422', hint = 'outbound_agent_not_configured';
  end if;
  if not app_private.is_uuid(agent.phone_number_id) then
    raise exception 'the outbound agent''s phone-number id must be the platform''s phone-number UUID, not a phone number'
      using errcode = 'PT422', hint = 'invalid_phone_number_id';
  end if;
  number := app_private.normalize_e164(k.phone);
  if number is null then
    raise exception 'the contact has no valid E.164 phone number (e.g. +14155550123)'
      using errcode = 'PT422', hint = 'invalid_customer_number';
  end if;
  insert into app_public.callback_requests (org_id, contact_id, agent_id, customer_number, requested_by)
  values (org, k.id, agent.id, number, app_public.current_user_id())
  returning * into req;
  perform graphile_worker.add_job('request_callback',
    json_build_object('org_id', org, 'request_id', req.id), max_attempts => 8,
    job_key => 'request_callback:' || req.id);
  insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
  values (org, 'callback_requested', k.id, req.id, app_public.current_user_id(), jsonb_build_object('agent_id', agent.id));
  return req;
end
$$;

-- What the worker needs to place the call (nothing once it was placed or failed for good).
create or replace function app_private.callback_dispatch(org_id uuid, request_id uuid) returns jsonb
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select jsonb_build_object(
           'assistant_id', a.assistant_id, 'phone_number_id', a.phone_number_id,
           'customer_number', r.customer_number,
           'customer_name', nullif(trim(concat_ws(' ', k.first_name, k.last_name)), ''),
           'contact_id', r.contact_id, 'base_url', s.voice_api_base_url)
    from app_public.callback_requests r
    join app_public.agents a on a.org_id = r.org_id and a.id = r.agent_id
    join app_public.workspace_settings s on s.org_id = r.org_id
    left join app_public.contacts k on k.org_id = r.org_id and k.id = r.contact_id
   where r.org_id = callback_dispatch.org_id and r.id = request_id and r.status = 'queued'
$$;

create or replace function app_private.record_callback_sent(org_id uuid, request_id uuid, external_call_id text) returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  r app_public.callback_requests;
  c app_public.calls;
begin
  select * into r from app_public.callback_requests q
   where q.org_id = record_callback_sent.org_id and q.id = request_id for update;
  c := app_private.upsert_call(r.org_id, 'vapi', external_call_id, jsonb_build_object(
         'direction', 'outbound', 'status', 'queued', 'agent_id', r.agent_id,
         'contact_id', r.contact_id, 'customer_number', r.customer_number));
  update app_public.callback_requests q
     set status = 'sent', call_id = c.id, external_call_id = record_callback_sent.external_call_id,
         attempts = q.attempts + 1, last_error = null, updated_at = now()
   where q.org_id = r.org_id and q.id = r.id;
  return c.id;
end
$$;

create or replace function app_private.record_callback_failure(org_id uuid, request_id uuid, error text, final boolean)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  update app_public.callback_requests q
     set attempts = q.attempts + 1, last_error = left(error, 500), updated_at = now(),
         status = case when final then 'failed' else q.status end
   where q.org_id = record_callback_failure.org_id and q.id = request_id and q.status = 'queued'
$$;
