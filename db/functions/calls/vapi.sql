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

-- The contact a call belongs to: metadata.contact_id when it is one of the org's
-- contacts, else a contact whose phone matches the customer number.
create or replace function app_private.vapi_call_contact(org_id uuid, call jsonb) returns uuid
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select coalesce(
    (select c.id from app_public.contacts c
      where c.org_id = vapi_call_contact.org_id
        and app_private.is_uuid(call -> 'metadata' ->> 'contact_id')
        and c.id = (call -> 'metadata' ->> 'contact_id')::uuid),
    (select c.id from app_public.contacts c
      where c.org_id = vapi_call_contact.org_id
        and app_private.normalize_e164(call -> 'customer' ->> 'number') is not null
        and app_private.normalize_e164(c.phone) = app_private.normalize_e164(call -> 'customer' ->> 'number')
      order by c.created_at limit 1))
$$;

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
  transcript text := coalesce(msg ->> 'transcript', msg -> 'artifact' ->> 'transcript');
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
    'contact_id', app_private.vapi_call_contact(org_id, call || jsonb_strip_nulls(jsonb_build_object('customer', coalesce(call -> 'customer', msg -> 'customer')))),
    'campaign_id', campaign,
    'customer_number', coalesce(call -> 'customer' ->> 'number', msg -> 'customer' ->> 'number'),
    'started_at', started,
    'ended_at', ended,
    'duration_seconds', coalesce((msg ->> 'durationSeconds')::numeric, extract(epoch from ended - started)),
    'ended_reason', coalesce(msg ->> 'endedReason', call ->> 'endedReason'),
    'cost', coalesce(msg ->> 'cost', call ->> 'cost'),
    'recording_url', coalesce(msg ->> 'recordingUrl', msg -> 'artifact' ->> 'recordingUrl'),
    'summary', coalesce(msg -> 'analysis' ->> 'summary', msg ->> 'summary')
  )));
  if transcript is not null and transcript <> '' then
    perform app_private.upsert_transcript(org_id, c.id, transcript);
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
    perform app_private.apply_vapi_message(process_call_events.org_id, ev.payload -> 'message');
    update app_public.webhook_events e set status = 'processed', processed_at = now()
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

create or replace function app_private.vapi_tool_args(tool_call jsonb) returns jsonb
  language sql immutable parallel safe
as $$
  select case jsonb_typeof(a) when 'string' then (a #>> '{}')::jsonb when 'object' then a else '{}'::jsonb end
    from (select coalesce(tool_call -> 'function' -> 'arguments', tool_call -> 'arguments') as a) x
$$;

create or replace function app_private.vapi_tool_call(org_id uuid, msg jsonb, tool_call jsonb) returns text
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
  state text;
  err text;
begin
  select o.timezone into tz from app_public.organizations o where o.id = vapi_tool_call.org_id;
  begin
    args := app_private.vapi_tool_args(tool_call);
  exception when others then
    return 'I could not read the tool arguments.';
  end;
  begin
    rid := app_private.resolve_resource(org_id, case when app_private.is_uuid(args ->> 'resource_id') then (args ->> 'resource_id')::uuid end);
    if name = 'check_availability' then
      day := coalesce(nullif(coalesce(args ->> 'date', args ->> 'day'), '')::date, (now() at time zone tz)::date);
      select string_agg(trim(to_char(s.starts_at at time zone tz, 'FMHH12:MI AM')), '; ' order by s.starts_at) into free
        from app_private.available_slots(org_id, rid, day) s;
      if free is null then
        free := app_private.say_slots(org_id, rid, (day::timestamp at time zone tz));
        return format('There are no free times on %s.', to_char(day, 'FMDay, FMMonth FMDD'))
               || coalesce(format(' The nearest free times are %s.', free), '');
      end if;
      return format('Free times on %s (%s): %s.', to_char(day, 'FMDay, FMMonth FMDD'), tz, free);
    elsif name = 'book_appointment' then
      starts := coalesce(args ->> 'starts_at', args ->> 'start', args ->> 'time')::timestamptz;
      if starts is null then
        return 'Which time should I book? I need a start time.';
      end if;
      ends := coalesce((args ->> 'ends_at')::timestamptz,
                       starts + (select make_interval(mins => r.slot_minutes) from app_public.resources r
                                  where r.org_id = vapi_tool_call.org_id and r.id = rid));
      if msg -> 'call' ->> 'id' is not null then
        the_call := app_private.upsert_call(org_id, 'vapi', msg -> 'call' ->> 'id', jsonb_strip_nulls(jsonb_build_object(
          'status', 'in-progress',
          'contact_id', app_private.vapi_call_contact(org_id, msg -> 'call' || jsonb_strip_nulls(jsonb_build_object('customer', coalesce(msg -> 'call' -> 'customer', msg -> 'customer')))),
          'customer_number', coalesce(msg -> 'call' -> 'customer' ->> 'number', msg -> 'customer' ->> 'number'))));
      end if;
      contact := coalesce(
        (select c.id from app_public.contacts c
          where c.org_id = vapi_tool_call.org_id and app_private.is_uuid(args ->> 'contact_id')
            and c.id = (args ->> 'contact_id')::uuid),
        the_call.contact_id);
      appt := app_private.book_appointment(org_id, starts, ends, contact, rid,
                'vapi:' || coalesce(tool_call ->> 'id', gen_random_uuid()::text), 'vapi', null, the_call.id);
      return format('Booked for %s (%s).', app_private.say_time(appt.starts_at, tz), tz);
    else
      return format('Unknown tool %s.', coalesce(name, '(none)'));
    end if;
  exception
    when sqlstate 'PT409' then
      free := app_private.say_slots(org_id, rid, starts);
      return 'That time is already taken.' || coalesce(format(' The nearest free times are %s.', free), ' There are no free times in the next week.');
    when sqlstate '22023' or sqlstate 'PT404' or sqlstate '22007' or sqlstate '22008' or sqlstate '22P02' then
      get stacked diagnostics err = message_text;
      return format('I could not do that: %s.', err);
  end;
end
$$;

create or replace function app_private.vapi_tool_calls(org_id uuid, msg jsonb) returns jsonb
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select jsonb_build_object('results', coalesce(jsonb_agg(jsonb_build_object(
           'toolCallId', tc ->> 'id',
           'result', app_private.vapi_tool_call(org_id, msg, tc)) order by ord), '[]'::jsonb))
    from jsonb_array_elements(coalesce(msg -> 'toolCallList', msg -> 'toolCalls', '[]'::jsonb)) with ordinality x (tc, ord)
$$;
