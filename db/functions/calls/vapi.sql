-- Vapi server messages. Asynchronous ones (status-update, end-of-call-report, …) arrive
-- through the durable inbox and are applied here by the process_call_events task;
-- tool-calls are answered within the request by app_private.vapi_tool_calls.

-- Text fields of a Vapi payload are redacted before the inbox stores it, so raw PHI from
-- transcripts and summaries never reaches a table (phone numbers under `customer` stay:
-- they identify the caller).
create or replace function app_private.redact_json_text(doc jsonb) returns jsonb
  language sql immutable parallel safe
as $$
  select case jsonb_typeof(doc)
    when 'object' then coalesce((
      select jsonb_object_agg(key,
               case when jsonb_typeof(value) = 'string'
                         and key in ('transcript', 'summary', 'message', 'content', 'text', 'result', 'arguments')
                    then to_jsonb(app_private.redact_phi(value #>> '{}'))
                    else app_private.redact_json_text(value) end)
        from jsonb_each(doc)), '{}'::jsonb)
    when 'array' then coalesce((select jsonb_agg(app_private.redact_json_text(value) order by ord)
                                  from jsonb_array_elements(doc) with ordinality e (value, ord)), '[]'::jsonb)
    else doc end
$$;

-- Vapi events also get shards of their own (8-15 rather than 0-7): the outreach batch
-- processor drains every pending event of an (org, shard 0-7), whatever its provider, so
-- sharing shards would let it swallow call events. process_call_events takes a job for
-- shard s as covering s and s + 8.
create or replace function app_private.tg_webhook_events__vapi() returns trigger
  language plpgsql
as $$
begin
  if new.provider = 'vapi' then
    new.shard := 8 + new.shard % 8;
    if new.payload is not null then
      new.payload := app_private.redact_json_text(new.payload);
    end if;
  end if;
  return new;
end
$$;

-- The caller's number: the call's customer.number, else the message's.
create or replace function app_private.vapi_customer_number(msg jsonb) returns text
  language sql immutable parallel safe
as $$
  select coalesce(msg -> 'call' -> 'customer' ->> 'number', msg -> 'customer' ->> 'number')
$$;

-- The contact a message's call belongs to: call.metadata.contact_id when it is one of the
-- org's contacts, else a contact whose phone matches the customer number.
create or replace function app_private.vapi_call_contact(org_id uuid, msg jsonb) returns uuid
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select coalesce(
    (select c.id from app_public.contacts c
      where c.org_id = vapi_call_contact.org_id
        and app_private.is_uuid(msg -> 'call' -> 'metadata' ->> 'contact_id')
        and c.id = (msg -> 'call' -> 'metadata' ->> 'contact_id')::uuid),
    (select c.id from app_public.contacts c
      where c.org_id = vapi_call_contact.org_id
        and app_private.normalize_e164(app_private.vapi_customer_number(msg)) is not null
        and app_private.normalize_e164(c.phone) = app_private.normalize_e164(app_private.vapi_customer_number(msg))
      order by c.created_at limit 1))
$$;

-- The call, transcript and speaker turns of one Vapi message. Where Vapi has moved a field
-- (end-of-call-report: artifact.* and analysis.* today, top-level summary/transcript/
-- recordingUrl in older payloads), the current place is read first.
create or replace function app_private.apply_vapi_message(org_id uuid, msg jsonb) returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  call jsonb := coalesce(msg -> 'call', '{}');
  ext text := call ->> 'id';
  kind text := msg ->> 'type';
  started timestamptz := coalesce(msg ->> 'startedAt', call ->> 'startedAt')::timestamptz;
  ended timestamptz := coalesce(msg ->> 'endedAt', call ->> 'endedAt')::timestamptz;
  c app_public.calls;
  transcript text := coalesce(msg -> 'artifact' ->> 'transcript', msg ->> 'transcript');
  -- Speaker turns as the console renders them: [{role agent|customer, text, seconds}]
  -- (bot/assistant and user messages with text; app_private.call_turns, console/calls.sql).
  turns jsonb := app_private.call_turns(msg -> 'artifact' -> 'messages');
  evaluation jsonb := msg -> 'analysis' -> 'successEvaluation';
  campaign uuid;
begin
  if ext is null then
    raise exception 'vapi message without call.id' using errcode = '22023';
  end if;
  if app_private.is_uuid(call -> 'metadata' ->> 'campaign_id') then
    select k.id into campaign from app_public.campaigns k
     where k.org_id = apply_vapi_message.org_id and k.id = (call -> 'metadata' ->> 'campaign_id')::uuid;
  end if;
  c := app_private.upsert_call(org_id, 'vapi', ext, jsonb_strip_nulls(jsonb_build_object(
    'direction', case call ->> 'type' when 'inboundPhoneCall' then 'inbound'
                                      when 'outboundPhoneCall' then 'outbound' when 'webCall' then 'web' end,
    'status', case kind when 'status-update' then msg ->> 'status'
                        when 'end-of-call-report' then 'ended' else call ->> 'status' end,
    'agent_id', (select a.id from app_public.agents a
                  where a.org_id = apply_vapi_message.org_id
                    and a.assistant_id = coalesce(call ->> 'assistantId', msg -> 'assistant' ->> 'id')
                  order by a.created_at limit 1),
    'contact_id', app_private.vapi_call_contact(org_id, msg),
    'campaign_id', campaign,
    'customer_number', app_private.vapi_customer_number(msg),
    'started_at', started,
    'ended_at', ended,
    'duration_seconds', coalesce((msg ->> 'durationSeconds')::numeric, extract(epoch from ended - started)),
    'ended_reason', coalesce(msg ->> 'endedReason', call ->> 'endedReason'),
    'cost', coalesce(msg ->> 'cost', call ->> 'cost'),
    'recording_url', coalesce(msg -> 'artifact' -> 'recording' ->> 'stereoUrl', msg -> 'artifact' ->> 'recordingUrl',
                              msg ->> 'recordingUrl'),
    'summary', coalesce(msg -> 'analysis' ->> 'summary', msg ->> 'summary'),
    'structured_data', msg -> 'analysis' -> 'structuredData',
    'success_evaluation', case jsonb_typeof(evaluation) when 'string' then evaluation #>> '{}'
                                                         when 'null' then null else evaluation::text end
  )));
  if nullif(transcript, '') is not null or turns is not null then
    perform app_private.upsert_transcript(org_id, c.id, coalesce(transcript, ''), turns);
  end if;
  return c.id;
end
$$;

-- Drains one org's shard of Vapi inbox events (same contract as process_outreach_events).
create or replace function app_private.process_call_events(
  org_id uuid, shard smallint, batch_size int default 500, only_event uuid default null)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  s smallint := shard % 8;
  ev record;
  n int := 0;
begin
  perform pg_advisory_xact_lock(hashtext('process_call_events'), hashtext(process_call_events.org_id::text || ':' || s));
  for ev in
    select e.id, e.payload from app_public.webhook_events e
     where e.org_id = process_call_events.org_id and e.shard in (s, s + 8)
       and e.provider = 'vapi'
       and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
       and (only_event is null or e.id = only_event)
     order by e.received_at
     limit batch_size
     for update of e skip locked
  loop
    -- A message about no call is kept, marked for admins; there is nothing to apply it to.
    if ev.payload #>> '{message,call,id}' is not null then
      perform app_private.apply_vapi_message(process_call_events.org_id, ev.payload -> 'message');
    end if;
    update app_public.webhook_events e
       set status = case when ev.payload #>> '{message,call,id}' is null then 'unattributed' else 'processed' end,
           processed_at = now()
     where e.org_id = process_call_events.org_id and e.id = ev.id;
    n := n + 1;
  end loop;
  return n;
end
$$;

create or replace function app_private.due_call_events(org_id uuid, shard smallint, max_count int default 100)
  returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select e.id from app_public.webhook_events e
   where e.org_id = due_call_events.org_id and e.shard in (shard % 8, shard % 8 + 8) and e.provider = 'vapi'
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
   order by e.received_at limit max_count
$$;

------------------------------------------------------------------------------------------
-- Tool calls: check_availability and book_appointment, answered with sentences an agent
-- can say. Booking goes through app_private.book_appointment, the function behind the
-- REST RPC; the tool call id is the idempotency key, so a retried tool call returns the
-- same appointment.

create or replace function app_private.say_time(ts timestamptz, tz text) returns text
  language sql stable parallel safe
as $$
  select trim(to_char(ts at time zone tz, 'FMDay, FMMonth FMDD "at" FMHH12:MI AM'))
$$;

create or replace function app_private.say_slots(org_id uuid, resource_id uuid, near timestamptz, how_many int default 3)
  returns text
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  with tz as (select o.timezone from app_public.organizations o where o.id = say_slots.org_id),
  days as (select ((near at time zone tz.timezone)::date + d)::date as day from tz, generate_series(0, 6) d),
  slots as (
    select s.starts_at from days, app_private.available_slots(org_id, resource_id, days.day) s
     order by abs(extract(epoch from s.starts_at - near)) limit how_many)
  select string_agg(app_private.say_time(s.starts_at, tz.timezone), '; ' order by s.starts_at) from slots s, tz
$$;

-- A tool call's arguments: an object, or a JSON string holding one (Vapi sends both), under
-- function.arguments, else directly on the call as arguments or parameters.
create or replace function app_private.vapi_tool_args(tool_call jsonb) returns jsonb
  language plpgsql immutable parallel safe
as $$
declare
  a jsonb := coalesce(tool_call -> 'function' -> 'arguments', tool_call -> 'arguments', tool_call -> 'parameters');
begin
  if a is null or a = 'null'::jsonb then
    return '{}';
  end if;
  if jsonb_typeof(a) = 'string' then
    a := coalesce(nullif(a #>> '{}', ''), '{}')::jsonb;
  end if;
  if jsonb_typeof(a) <> 'object' then
    raise exception 'tool arguments must be an object' using errcode = '22023';
  end if;
  return a;
end
$$;

-- One tool call's answer, a sentence an agent can say: {"result": …} for what the booking rules
-- answer (booked, taken with the nearest free times, outside hours), {"error": …} for an unknown
-- tool or arguments that cannot be read.
create or replace function app_private.vapi_tool_call(org_id uuid, msg jsonb, tool_call jsonb) returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  name text := coalesce(tool_call -> 'function' ->> 'name', tool_call ->> 'name');
  args jsonb;
  tz text;
  rid uuid;
  day date;
  starts timestamptz;
  ends timestamptz;
  appt app_public.appointments;
  free text;
  the_call app_public.calls;
  contact uuid;
  err text;
begin
  select o.timezone into tz from app_public.organizations o where o.id = vapi_tool_call.org_id;
  if name is null or name not in ('check_availability', 'book_appointment') then
    return jsonb_build_object('error', format('Unknown tool %s.', coalesce(name, '(none)')));
  end if;
  begin
    args := app_private.vapi_tool_args(tool_call);
  exception when others then
    return jsonb_build_object('error', 'I could not read the tool arguments.');
  end;
  begin
    rid := app_private.resolve_resource(org_id, case when app_private.is_uuid(args ->> 'resource_id') then (args ->> 'resource_id')::uuid end);
    if name = 'check_availability' then
      day := coalesce(nullif(coalesce(args ->> 'date', args ->> 'day'), '')::date, (now() at time zone tz)::date);
      select string_agg(trim(to_char(s.starts_at at time zone tz, 'FMHH12:MI AM')), '; ' order by s.starts_at) into free
        from app_private.available_slots(org_id, rid, day) s;
      if free is null then
        free := app_private.say_slots(org_id, rid, (day::timestamp at time zone tz));
        return jsonb_build_object('result', format('There are no free times on %s.', to_char(day, 'FMDay, FMMonth FMDD'))
               || coalesce(format(' The nearest free times are %s.', free), ''));
      end if;
      return jsonb_build_object('result', format('Free times on %s (%s): %s.', to_char(day, 'FMDay, FMMonth FMDD'), tz, free));
    end if;
    -- book_appointment
    starts := coalesce(args ->> 'starts_at', args ->> 'start', args ->> 'time')::timestamptz;
    if starts is null then
      return jsonb_build_object('error', 'Which time should I book? I need a start time.');
    end if;
    ends := coalesce((args ->> 'ends_at')::timestamptz,
                     starts + (select make_interval(mins => r.slot_minutes) from app_public.resources r
                                where r.org_id = vapi_tool_call.org_id and r.id = rid));
    if msg -> 'call' ->> 'id' is not null then
      the_call := app_private.upsert_call(org_id, 'vapi', msg -> 'call' ->> 'id', jsonb_strip_nulls(jsonb_build_object(
        'status', 'in-progress',
        'contact_id', app_private.vapi_call_contact(org_id, msg),
        'customer_number', app_private.vapi_customer_number(msg))));
    end if;
    contact := coalesce(
      (select c.id from app_public.contacts c
        where c.org_id = vapi_tool_call.org_id and app_private.is_uuid(args ->> 'contact_id')
          and c.id = (args ->> 'contact_id')::uuid),
      the_call.contact_id);
    -- The tool call id is the idempotency key: the same tool call again returns the same booking.
    appt := app_private.book_appointment(org_id, starts, ends, contact, rid,
              'vapi:' || coalesce(tool_call ->> 'id', gen_random_uuid()::text), 'vapi', null, the_call.id);
    return jsonb_build_object('result', format('Booked for %s (%s).', app_private.say_time(appt.starts_at, tz), tz));
  exception
    when sqlstate 'PT409' then
      free := app_private.say_slots(org_id, rid, starts);
      return jsonb_build_object('result', 'That time is already taken.'
        || coalesce(format(' The nearest free times are %s.', free), ' There are no free times in the next week.'));
    -- A rule of the booking (in the past, outside hours, no such resource) is an answer to say;
    -- values that cannot be read are the tool call's error.
    when sqlstate '22023' or sqlstate 'PT404' then
      get stacked diagnostics err = message_text;
      return jsonb_build_object('result', format('I could not do that: %s.', err));
    when sqlstate '22007' or sqlstate '22008' or sqlstate '22P02' then
      get stacked diagnostics err = message_text;
      return jsonb_build_object('error', format('The tool arguments are not valid: %s.', err));
  end;
end
$$;

-- The tool calls of one message, wherever Vapi put them: toolCallList, else
-- toolWithToolCallList[].toolCall, else the older toolCalls.
create or replace function app_private.vapi_tool_calls(org_id uuid, msg jsonb) returns jsonb
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select jsonb_build_object('results', coalesce(jsonb_agg(
           jsonb_build_object('toolCallId', tc ->> 'id',
                              'name', coalesce(tc -> 'function' ->> 'name', tc ->> 'name'))
           || app_private.vapi_tool_call(org_id, msg, tc) order by ord), '[]'::jsonb))
    from jsonb_array_elements(coalesce(
           case when jsonb_typeof(msg -> 'toolCallList') = 'array' then msg -> 'toolCallList' end,
           case when jsonb_typeof(msg -> 'toolWithToolCallList') = 'array'
                then (select jsonb_agg(t -> 'toolCall') from jsonb_array_elements(msg -> 'toolWithToolCallList') t
                       where jsonb_typeof(t -> 'toolCall') = 'object') end,
           case when jsonb_typeof(msg -> 'toolCalls') = 'array' then msg -> 'toolCalls' end,
           '[]'::jsonb)) with ordinality x (tc, ord)
   where jsonb_typeof(tc) = 'object'
$$;

------------------------------------------------------------------------------------------
-- Inbound routing and escalation, answered within the request (Vapi waits 7.5 s).

-- The agent a message concerns: the one running the call's assistant, else the one on the
-- called number, else the org's first inbound agent.
create or replace function app_private.vapi_message_agent(org_id uuid, msg jsonb) returns app_public.agents
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select a.* from app_public.agents a
   where a.org_id = vapi_message_agent.org_id and a.active
   order by a.assistant_id is not distinct from coalesce(msg -> 'call' ->> 'assistantId', msg -> 'assistant' ->> 'id') desc,
            a.phone_number_id is not distinct from coalesce(msg -> 'phoneNumber' ->> 'id', msg -> 'call' ->> 'phoneNumberId') desc,
            a.direction = 'inbound' desc, a.created_at
   limit 1
$$;

-- assistant-request: the inbound agent's assistant for the called number.
create or replace function app_private.vapi_assistant_request(org_id uuid, msg jsonb) returns jsonb
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select coalesce(
    (select jsonb_build_object('assistantId', a.assistant_id) from app_public.agents a
      where a.org_id = vapi_assistant_request.org_id and a.active and a.direction = 'inbound'
        and coalesce(a.assistant_id, '') <> ''
      order by a.phone_number_id is not distinct from coalesce(msg -> 'phoneNumber' ->> 'id', msg -> 'call' ->> 'phoneNumberId') desc,
               a.created_at
      limit 1),
    jsonb_build_object('error', 'No inbound agent is configured for this number.'))
$$;

-- The first business-hours opening of a resource after `after` (null when it has no hours).
create or replace function app_private.next_business_opening(org_id uuid, resource_id uuid, after timestamptz)
  returns timestamptz
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select min(((local_day + h.opens_at) at time zone o.timezone))
    from app_public.organizations o
    cross join generate_series(0, 7) d
    cross join lateral (select (after at time zone o.timezone)::date + d as local_day) x
    join app_public.resource_hours h
      on h.org_id = o.id and h.resource_id = next_business_opening.resource_id
     and h.weekday = extract(isodow from x.local_day)
   where o.id = next_business_opening.org_id
     and ((x.local_day + h.opens_at) at time zone o.timezone) > after
$$;

-- transfer-destination-request: the agent's escalation number while its resource is open;
-- outside business hours, a sentence the agent can say instead, and a callback request for
-- the next opening (one per call, however often the agent asks).
create or replace function app_private.vapi_transfer_destination(org uuid, msg jsonb) returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  agent app_public.agents := app_private.vapi_message_agent(org, msg);
  rid uuid;
  opens timestamptz;
  tz text;
  number text := app_private.normalize_e164(app_private.vapi_customer_number(msg));
  caller uuid;
  dialer app_public.agents;
  req uuid;
begin
  if agent.id is null or agent.escalation_number is null then
    return jsonb_build_object('error', 'I cannot transfer you to a person right now; nobody is set up to take transfers.');
  end if;
  rid := coalesce(agent.resource_id, app_private.resolve_resource(org, null));
  if app_private.within_business_hours(org, rid, now(), now() + interval '1 minute') then
    return jsonb_build_object('destination', jsonb_build_object(
      'type', 'number', 'number', agent.escalation_number,
      'message', 'Please hold while I connect you to a member of our team.'));
  end if;

  select o.timezone into tz from app_public.organizations o where o.id = org;
  opens := app_private.next_business_opening(org, rid, now());
  if number is null or msg -> 'call' ->> 'id' is null then
    return jsonb_build_object('error', 'Our team is away right now'
      || coalesce(format(' and back %s', app_private.say_time(opens, tz)), '') || '. Please call again then.');
  end if;
  caller := app_private.vapi_call_contact(org, msg);
  -- The callback is placed by the org's outbound agent, else by this agent's assistant.
  select a.* into dialer from app_public.agents a
   where a.org_id = org and a.direction = 'outbound' and a.active
     and coalesce(a.assistant_id, '') <> ''
   order by a.created_at limit 1;
  insert into app_public.callback_requests (org_id, contact_id, agent_id, customer_number, origin_call_external_id)
  values (org, caller, coalesce(dialer.id, agent.id), number, msg -> 'call' ->> 'id')
  on conflict (org_id, origin_call_external_id) where origin_call_external_id is not null do nothing
  returning id into req;
  if req is not null then
    perform graphile_worker.add_job('request_callback',
      json_build_object('org_id', org, 'request_id', req), max_attempts => 8,
      job_key => 'request_callback:' || req, run_at => coalesce(opens, now()));
    insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, data)
    values (org, 'callback_requested', caller, req,
            jsonb_build_object('reason', 'after_hours_transfer', 'agent_id', agent.id, 'call_id', msg -> 'call' ->> 'id'));
  end if;
  return jsonb_build_object('error', 'Our team is away right now'
    || coalesce(format(' and back %s', app_private.say_time(opens, tz)), '')
    || '. I have asked them to call you back then.');
end
$$;

-- The messages Vapi waits on, answered now; null for every other type (those are stored).
create or replace function app_private.vapi_respond(org_id uuid, msg jsonb) returns jsonb
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select case msg ->> 'type'
    when 'tool-calls' then app_private.vapi_tool_calls(org_id, msg)
    when 'assistant-request' then app_private.vapi_assistant_request(org_id, msg)
    when 'transfer-destination-request' then app_private.vapi_transfer_destination(org_id, msg)
  end
$$;
