-- Twilio → us: status callbacks of the messages we sent and inbound SMS, both posted to
-- POST /webhooks/twilio/{source_id} (verified by X-Twilio-Signature in the gateway), stored
-- in the durable inbox (the form parameters as a JSON object) and applied here by the
-- process_sms_events task.

-- Twilio events get shards of their own (16-23), like Vapi's (8-15): the outreach batch
-- processor drains every pending event of shards 0-7 whatever its provider.
create or replace function app_private.tg_webhook_events__twilio() returns trigger
  language plpgsql
as $$
begin
  new.shard := 16 + new.shard % 8;
  return new;
end
$$;

-- Message statuses only move forward (callbacks arrive out of order).
create or replace function app_private.sms_status_rank(status text) returns int
  language sql immutable parallel safe
as $$
  select case status when 'scheduled' then 0 when 'sending' then 0 when 'accepted' then 1 when 'queued' then 2
                     when 'sending_twilio' then 3 when 'sent' then 4 when 'delivered' then 6 when 'read' then 7
                     when 'undelivered' then 5 when 'failed' then 5 else 0 end
$$;

create or replace function app_private.sms_stop_keywords() returns text[]
  language sql immutable parallel safe
as $$
  select array['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']
$$;

create or replace function app_private.sms_start_keywords() returns text[]
  language sql immutable parallel safe
as $$
  select array['START', 'YES', 'UNSTOP']
$$;

create or replace function app_private.apply_twilio_event(org_id uuid, p jsonb) returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  the_org constant uuid := apply_twilio_event.org_id;
  sid text := coalesce(p ->> 'MessageSid', p ->> 'SmsSid');
  new_status text := lower(coalesce(p ->> 'MessageStatus', p ->> 'SmsStatus'));
  from_number text := app_private.normalize_e164(p ->> 'From');
  word text := upper(btrim(coalesce(p ->> 'Body', ''), E' \t\r\n.!'));
  msg app_public.sms_messages;
  cfg app_public.sms_settings;
  contact uuid;
  appt app_public.appointments;
  tz text;
begin
  -- A status callback of a message we sent.
  if p ->> 'Body' is null and sid is not null then
    select * into msg from app_public.sms_messages s where s.org_id = the_org and s.twilio_sid = sid for update;
    if msg.id is null then
      return 'unknown_message';
    end if;
    if new_status = 'sending' then
      new_status := 'sending_twilio';
    end if;
    if (p ->> 'ErrorCode') = '21610' then
      insert into app_public.suppressions (org_id, phone, reason, source)
      values (the_org, msg.to_number, 'unsubscribed', 'twilio:21610') on conflict do nothing;
    end if;
    if app_private.sms_status_rank(new_status) > app_private.sms_status_rank(msg.status) then
      update app_public.sms_messages s
         set status = new_status, twilio_status = lower(p ->> 'MessageStatus'),
             error_code = coalesce(nullif(p ->> 'ErrorCode', '')::int, s.error_code), updated_at = now()
       where s.org_id = the_org and s.id = msg.id;
      return 'status:' || new_status;
    end if;
    return 'status_ignored';
  end if;

  if from_number is null then
    return 'no_sender';
  end if;
  select k.id into contact from app_public.contacts k
   where k.org_id = the_org and app_private.normalize_e164(k.phone) = from_number order by k.created_at limit 1;
  select * into cfg from app_public.sms_settings s where s.org_id = the_org;

  -- Cancel by reply (an org setting, off by default): "C" or "cancel" to a reminder
  -- cancels that upcoming appointment and a confirmation SMS says so.
  if cfg.cancel_by_reply and word in ('C', 'CANCEL') then
    select a.* into appt from app_public.appointments a
      join app_public.sms_messages s on s.org_id = a.org_id and s.appointment_id = a.id
     where a.org_id = the_org and a.status = 'booked' and a.starts_at > now()
       and s.kind = 'reminder' and s.to_number = from_number and s.twilio_sid is not null
     order by s.sent_at desc nulls last limit 1;
    if appt.id is not null then
      update app_public.appointments a set status = 'cancelled', cancelled_at = coalesce(a.cancelled_at, now())
       where a.org_id = the_org and a.id = appt.id;
      insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, data)
      values (the_org, 'appointment_cancelled', appt.contact_id, appt.id,
              jsonb_build_object('by', 'sms_reply', 'starts_at', appt.starts_at, 'message_sid', sid));
      select g.timezone into tz from app_public.organizations g where g.id = the_org;
      perform app_private.queue_sms(the_org, 'cancel_confirmation', appt.contact_id, appt.id, from_number,
        format('Your appointment on %s is cancelled. Reply STOP to stop these messages.',
               trim(to_char(appt.starts_at at time zone tz, 'FMDay, FMMonth FMDD "at" FMHH12:MI AM'))));
      return 'appointment_cancelled';
    end if;
  end if;

  if word = any (app_private.sms_stop_keywords()) then
    insert into app_public.suppressions (org_id, phone, reason, source)
    values (the_org, from_number, 'unsubscribed', 'twilio:' || lower(word)) on conflict do nothing;
    update app_public.sms_messages s set status = 'suppressed', updated_at = now()
     where s.org_id = the_org and s.to_number = from_number and s.status = 'scheduled';
    insert into app_public.pipeline_events (org_id, kind, contact_id, data)
    values (the_org, 'sms_opted_out', contact, jsonb_build_object('keyword', word, 'from', from_number, 'message_sid', sid));
    return 'opted_out';
  end if;
  if word = any (app_private.sms_start_keywords()) then
    delete from app_public.suppressions s where s.org_id = the_org and s.phone = from_number;
    insert into app_public.pipeline_events (org_id, kind, contact_id, data)
    values (the_org, 'sms_opted_in', contact, jsonb_build_object('keyword', word, 'from', from_number, 'message_sid', sid));
    return 'opted_in';
  end if;

  -- Any other reply: on the contact's timeline, and it stops their sequences like an email reply.
  insert into app_public.pipeline_events (org_id, kind, contact_id, data)
  values (the_org, 'sms_reply', contact, jsonb_build_object('from', from_number, 'body', left(p ->> 'Body', 1600), 'message_sid', sid));
  if contact is not null then
    perform app_private.stop_sequences_on_reply(the_org,
      array(select k.email from app_public.contacts k
             where k.org_id = the_org and k.email is not null and app_private.normalize_e164(k.phone) = from_number),
      '{}'::text[]);
  end if;
  return 'reply';
end
$$;

-- Drains one org's shard of Twilio inbox events (same contract as process_call_events).
create or replace function app_private.process_sms_events(
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
  perform pg_advisory_xact_lock(hashtext('process_sms_events'), hashtext(process_sms_events.org_id::text || ':' || s));
  for ev in
    select e.id, e.payload from app_public.webhook_events e
     where e.org_id = process_sms_events.org_id and e.shard = s + 16
       and e.provider = 'twilio'
       and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
       and (only_event is null or e.id = only_event)
     order by e.received_at
     limit batch_size
     for update of e skip locked
  loop
    perform app_private.apply_twilio_event(process_sms_events.org_id, ev.payload);
    update app_public.webhook_events e set status = 'processed', processed_at = now()
     where e.org_id = process_sms_events.org_id and e.id = ev.id;
    n := n + 1;
  end loop;
  return n;
end
$$;

create or replace function app_private.due_sms_events(org_id uuid, shard smallint, max_count int default 100)
  returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select e.id from app_public.webhook_events e
   where e.org_id = due_sms_events.org_id and e.shard = shard % 8 + 16 and e.provider = 'twilio'
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
   order by e.received_at limit max_count
$$;
