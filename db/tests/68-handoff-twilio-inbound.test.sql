-- Twilio → us, through the inbox: status callbacks only move forward, STOP-family keywords
-- suppress the number (E.164, in suppressions.phone), START/YES/UNSTOP lift it, 21610 in a
-- callback suppresses, other replies land on the contact and stop its sequences, and the
-- cancel-by-reply flow (an org setting, off by default).
begin;
select plan(20);

insert into app_public.organizations (id, name, timezone) values ('68000000-0000-0000-0000-00000000000a', 'Inbound A', 'UTC');
select app_private.configure_sms('68000000-0000-0000-0000-00000000000a', 'AC' || repeat('c', 32), null, 'twilio_auth_token_68_secret',
  '+14155550100', null, null, null, 'k', false);
insert into app_public.resources (org_id, id, name) values ('68000000-0000-0000-0000-00000000000a', '68400000-0000-0000-0000-000000000001', 'Room 1');
insert into app_public.contacts (org_id, id, email, first_name, phone) values
  ('68000000-0000-0000-0000-00000000000a', '68500000-0000-0000-0000-000000000001', 'dee@inbound.test', 'Dee', '+14155550111');
insert into app_public.campaigns (org_id, id, name) values ('68000000-0000-0000-0000-00000000000a', '68700000-0000-0000-0000-000000000001', 'Drip');
insert into app_public.sequence_enrollments (org_id, campaign_id, contact_id) values
  ('68000000-0000-0000-0000-00000000000a', '68700000-0000-0000-0000-000000000001', '68500000-0000-0000-0000-000000000001');

create temp table src as select * from app_private.create_source('68000000-0000-0000-0000-00000000000a', 'twilio', null, 'k', 'twilio_auth_token_68_secret');
select is((select secrets[1] from app_private.source_credentials((select source_id from src), 'twilio', 'k')), 'twilio_auth_token_68_secret',
  'a twilio source keeps the auth token given to it as its secret');

create function pg_temp.inbound(key text, body jsonb) returns uuid language sql as $$
  select event_id from app_private.ingest_webhook_event((select source_id from src), 'twilio', key, body ->> 'From', 'message', null, body)
$$;
create function pg_temp.drain() returns int language sql as $$
  select coalesce(sum(app_private.process_sms_events('68000000-0000-0000-0000-00000000000a', s::smallint, 100, null)), 0)::int
    from generate_series(16, 23) s
$$;

-- Status callbacks of a sent message.
insert into app_public.sms_messages (org_id, id, kind, contact_id, to_number, body, status, twilio_sid) values
  ('68000000-0000-0000-0000-00000000000a', '68800000-0000-0000-0000-000000000001', 'message', '68500000-0000-0000-0000-000000000001',
   '+14155550111', 'Hi', 'queued', 'SM' || repeat('a', 32));
select pg_temp.inbound('s1', jsonb_build_object('MessageSid', 'SM' || repeat('a', 32), 'AccountSid', 'AC' || repeat('c', 32), 'MessageStatus', 'delivered'));
select pg_temp.inbound('s2', jsonb_build_object('MessageSid', 'SM' || repeat('a', 32), 'AccountSid', 'AC' || repeat('c', 32), 'MessageStatus', 'sent'));
select ok((select shard between 16 and 23 from app_public.webhook_events where dedupe_key = 's1'), 'Twilio events have shards of their own');
select is(pg_temp.drain(), 2, 'the callbacks are processed');
select is((select status from app_public.sms_messages where id = '68800000-0000-0000-0000-000000000001'), 'delivered',
  'MessageStatus only moves forward (a late "sent" does not undo "delivered")');

-- STOP family, single word, any case.
select pg_temp.inbound('i' || w, jsonb_build_object('MessageSid', 'SM' || lpad(w::text, 32, '0'), 'AccountSid', 'AC' || repeat('c', 32),
                                                     'From', '+1415555' || lpad((200 + w)::text, 4, '0'), 'Body', b))
  from unnest(array['STOP', 'stopall', ' Unsubscribe ', 'cancel', 'End', 'QUIT.', 'revoke', 'optout']) with ordinality x (b, w);
select is(pg_temp.drain(), 8, 'eight keywords processed');
select is((select count(*)::int from app_public.suppressions where org_id = '68000000-0000-0000-0000-00000000000a' and phone like '+1415555020_'),
  8, 'STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE and OPTOUT each suppress the number');
select is((select reason from app_public.suppressions where phone = '+14155550201'), 'unsubscribed', 'as unsubscribed, by E.164 phone');

-- START, YES, UNSTOP lift it.
select pg_temp.inbound('l' || w, jsonb_build_object('MessageSid', 'SM' || lpad((100 + w)::text, 32, '0'), 'AccountSid', 'AC' || repeat('c', 32),
                                                     'From', '+1415555' || lpad((200 + w)::text, 4, '0'), 'Body', b))
  from unnest(array['start', 'YES', 'Unstop']) with ordinality x (b, w);
select pg_temp.drain();
select is((select count(*)::int from app_public.suppressions where phone in ('+14155550201', '+14155550202', '+14155550203')), 0,
  'START, YES and UNSTOP lift it');

-- Not a keyword when more than one word.
select pg_temp.inbound('r1', jsonb_build_object('MessageSid', 'SM' || repeat('b', 32), 'AccountSid', 'AC' || repeat('c', 32),
                                                 'From', '+14155550111', 'Body', 'Stop by Tuesday? Sounds good'));
select pg_temp.drain();
select is((select count(*)::int from app_public.suppressions where phone = '+14155550111'), 0, 'a sentence starting with "stop" is not an opt-out');
select is((select (contact_id, data ->> 'body') from app_public.pipeline_events where kind = 'sms_reply'),
  row('68500000-0000-0000-0000-000000000001'::uuid, 'Stop by Tuesday? Sounds good'::text), 'a reply is stored on the contact');
select is((select (status, stop_reason) from app_public.sequence_enrollments where contact_id = '68500000-0000-0000-0000-000000000001'),
  row('stopped'::text, 'replied'::text), 'and stops their sequences like an email reply');

-- 21610 in a status callback.
insert into app_public.sms_messages (org_id, id, kind, to_number, body, status, twilio_sid) values
  ('68000000-0000-0000-0000-00000000000a', '68800000-0000-0000-0000-000000000002', 'message', '+14155550222', 'Hi', 'queued', 'SM' || repeat('d', 32));
select pg_temp.inbound('f1', jsonb_build_object('MessageSid', 'SM' || repeat('d', 32), 'AccountSid', 'AC' || repeat('c', 32),
                                                 'MessageStatus', 'failed', 'ErrorCode', '21610'));
select pg_temp.drain();
select is((select (m.status, m.error_code, s.reason) from app_public.sms_messages m
             join app_public.suppressions s on s.phone = m.to_number where m.id = '68800000-0000-0000-0000-000000000002'),
  row('failed'::text, 21610, 'unsubscribed'::text), 'a 21610 failure suppresses the number');

-- Cancel by reply: off by default ("C" is a reply, CANCEL an opt-out) …
insert into app_public.appointments (org_id, id, resource_id, contact_id, starts_at, ends_at) values
  ('68000000-0000-0000-0000-00000000000a', '68600000-0000-0000-0000-000000000001', '68400000-0000-0000-0000-000000000001',
   '68500000-0000-0000-0000-000000000001', now() + interval '3 days', now() + interval '3 days 30 minutes');
update app_public.sms_messages set status = 'delivered', twilio_sid = 'SM' || repeat('e', 32), sent_at = now()
 where appointment_id = '68600000-0000-0000-0000-000000000001' and reminder_offset = '24 hours';
select pg_temp.inbound('c1', jsonb_build_object('MessageSid', 'SM' || repeat('f', 32), 'AccountSid', 'AC' || repeat('c', 32),
                                                 'From', '+14155550111', 'Body', 'C'));
select pg_temp.drain();
select is((select status from app_public.appointments where id = '68600000-0000-0000-0000-000000000001'), 'booked',
  'with the setting off, "C" does not cancel');
select is((select workspace_default from (select cancel_by_reply as workspace_default from app_public.sms_settings
            where org_id = '68000000-0000-0000-0000-00000000000a') x), false, 'the setting is off by default');
-- … and on: "C" to a reminder cancels the appointment after a confirmation SMS.
update app_public.sms_settings set cancel_by_reply = true where org_id = '68000000-0000-0000-0000-00000000000a';
select pg_temp.inbound('c2', jsonb_build_object('MessageSid', 'SM' || repeat('9', 32), 'AccountSid', 'AC' || repeat('c', 32),
                                                 'From', '+14155550111', 'Body', 'c'));
select pg_temp.drain();
select is((select status from app_public.appointments where id = '68600000-0000-0000-0000-000000000001'), 'cancelled',
  'with it on, "C" cancels the appointment');
select is((select (kind, to_number, status) from app_public.sms_messages where kind = 'cancel_confirmation'),
  row('cancel_confirmation'::text, '+14155550111'::text, 'scheduled'::text), 'a confirmation SMS is queued');
select ok((select body ~ 'is cancelled' from app_public.sms_messages where kind = 'cancel_confirmation'), 'saying so');
select is((select status from app_public.sms_messages where appointment_id = '68600000-0000-0000-0000-000000000001' and reminder_offset = '2 hours'),
  'cancelled', 'the remaining reminder is cancelled with it');
select is((select count(*)::int from app_public.suppressions where phone = '+14155550111'), 0, 'and the number is not opted out');
select ok(exists (select 1 from app_public.pipeline_events where kind = 'appointment_cancelled' and data ->> 'by' = 'sms_reply'),
  'the cancel is on the timeline');

select * from finish();
rollback;
