-- The current schema: pg_dump --schema-only of a freshly migrated database (graphile_worker
-- and graphile_migrate left out). Generated; do not edit. Refresh it with `npm run db:schema`
-- (npm run db:commit, and npm run migrate while db/migrations/current/ holds work, refresh it too).
--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: app_private; Type: SCHEMA; Schema: -; Owner: switchboard_owner
--

CREATE SCHEMA app_private;

ALTER SCHEMA app_private OWNER TO switchboard_owner;

--
-- Name: app_public; Type: SCHEMA; Schema: -; Owner: switchboard_owner
--

CREATE SCHEMA app_public;

ALTER SCHEMA app_public OWNER TO switchboard_owner;

--
-- Name: btree_gist; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;

--
-- Name: EXTENSION btree_gist; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION btree_gist IS 'support for indexing common datatypes in GiST';

--
-- Name: citext; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;

--
-- Name: EXTENSION citext; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION citext IS 'data type for case-insensitive character strings';

--
-- Name: pgcrypto; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA public;

--
-- Name: EXTENSION pgcrypto; Type: COMMENT; Schema: -; Owner: 
--

COMMENT ON EXTENSION pgcrypto IS 'cryptographic functions';

--
-- Name: lead_campaign_status; Type: TYPE; Schema: app_public; Owner: switchboard_owner
--

CREATE TYPE app_public.lead_campaign_status AS ENUM (
    'new',
    'queued',
    'active',
    'replied',
    'converted',
    'do_not_contact'
);

ALTER TYPE app_public.lead_campaign_status OWNER TO switchboard_owner;

--
-- Name: absorb_leads(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.absorb_leads(org_id uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  k int := 0;
  total int := 0;
  n int;
begin
  loop
    k := k + 1;
    exit when not exists (select 1 from pg_temp.lm_losers x where x.round = k);
    with gone as (
      delete from app_public.leads l using pg_temp.lm_losers x
       where x.round = k and l.org_id = absorb_leads.org_id and l.id = x.loser_id
      returning x.target_id, l.*
    )
    update app_public.leads t set
      first_name = coalesce(t.first_name, a.first_name),
      last_name = coalesce(t.last_name, a.last_name),
      email = coalesce(t.email, a.email),
      phone = coalesce(t.phone, a.phone),
      property_address = coalesce(t.property_address, a.property_address),
      property_city = coalesce(t.property_city, a.property_city),
      property_state = coalesce(t.property_state, a.property_state),
      property_zip = coalesce(t.property_zip, a.property_zip),
      mak = coalesce(t.mak, a.mak),
      county_fips = case when t.apn_normalized is null then a.county_fips else t.county_fips end,
      apn = case when t.apn_normalized is null then a.apn else t.apn end,
      apn_normalized = coalesce(t.apn_normalized, a.apn_normalized),
      address_normalized = case when t.addr_hash is null then a.address_normalized else t.address_normalized end,
      addr_hash = coalesce(t.addr_hash, a.addr_hash),
      mailing_address = coalesce(t.mailing_address, a.mailing_address),
      mailing_city = coalesce(t.mailing_city, a.mailing_city),
      mailing_state = coalesce(t.mailing_state, a.mailing_state),
      mailing_zip = coalesce(t.mailing_zip, a.mailing_zip),
      estimated_equity = coalesce(t.estimated_equity, a.estimated_equity),
      owner_occupied = case when t.owner_occupied is null and a.owner_occupied is null then null
                            else coalesce(t.owner_occupied, false) or coalesce(a.owner_occupied, false) end,
      email_verification_codes = array(select distinct c from unnest(t.email_verification_codes || a.email_verification_codes) c order by c),
      phone_verification_codes = array(select distinct c from unnest(t.phone_verification_codes || a.phone_verification_codes) c order by c),
      email_verified = t.email_verified or a.email_verified,
      phone_verified = t.phone_verified or a.phone_verified,
      lead_score = greatest(t.lead_score, a.lead_score),
      attributes = a.attributes || t.attributes,
      pii_encrypted = coalesce(t.pii_encrypted, a.pii_encrypted),
      campaign_status = case when 'do_not_contact' in (t.campaign_status, a.campaign_status) then 'do_not_contact'
                             when t.campaign_status = 'new' then a.campaign_status else t.campaign_status end,
      added_to_campaign_at = least(t.added_to_campaign_at, a.added_to_campaign_at),
      assigned_to = coalesce(t.assigned_to, a.assigned_to),
      consent_given = t.consent_given or a.consent_given,
      consented_at = least(t.consented_at, a.consented_at),
      data_as_of = greatest(t.data_as_of, a.data_as_of),
      created_at = least(t.created_at, a.created_at),
      updated_at = now()
    from gone a
    where t.org_id = absorb_leads.org_id and t.id = a.target_id;
    get diagnostics n = row_count;
    total := total + n;
  end loop;
  return total;
end
$$;

ALTER FUNCTION app_private.absorb_leads(org_id uuid) OWNER TO switchboard_owner;

--
-- Name: accept_invitation(text, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.accept_invitation(token text, user_id uuid, OUT status text, OUT org_id uuid, OUT role text) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  inv app_public.invitations;
begin
  inv := app_private.claim_invitation(token);
  if inv.id is null then
    status := 'invalid_token';
    return;
  end if;
  if not exists (select 1 from app_public.users u where u.id = accept_invitation.user_id and u.email = inv.email) then
    status := 'wrong_user';
    return;
  end if;
  insert into app_public.memberships (org_id, user_id, role)
  values (inv.org_id, accept_invitation.user_id, inv.role)
  on conflict do nothing;
  update app_public.invitations i set accepted_at = now(), accepted_by = accept_invitation.user_id where i.id = inv.id;
  perform app_private.record_auth_event('invitation_accepted', accept_invitation.user_id, inv.org_id,
                                        detail := jsonb_build_object('invitation_id', inv.id, 'role', inv.role));
  status := 'ok';
  org_id := inv.org_id;
  role := inv.role;
end
$$;

ALTER FUNCTION app_private.accept_invitation(token text, user_id uuid, OUT status text, OUT org_id uuid, OUT role text) OWNER TO switchboard_owner;

--
-- Name: accept_invitation_for_session(text, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.accept_invitation_for_session(token text, session_id uuid, OUT status text, OUT org_id uuid, OUT role text) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  uid uuid;
  acc record;
begin
  select s.user_id into uid from app_private.sessions s
   where s.id = accept_invitation_for_session.session_id and s.revoked_at is null and s.expires_at > now();
  if uid is null then
    status := 'session_ended';
    return;
  end if;
  select * into acc from app_private.accept_invitation(token, uid);
  status := acc.status;
  org_id := acc.org_id;
  role := acc.role;
end
$$;

ALTER FUNCTION app_private.accept_invitation_for_session(token text, session_id uuid, OUT status text, OUT org_id uuid, OUT role text) OWNER TO switchboard_owner;

--
-- Name: accept_invitation_with_password(text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.accept_invitation_with_password(token text, password text, OUT status text, OUT org_id uuid, OUT user_id uuid, OUT email text) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  inv app_public.invitations;
  acc record;
begin
  if password is null or length(password) < 8 or length(password) > 1024 then
    status := 'weak_password';
    return;
  end if;
  inv := app_private.claim_invitation(token);
  if inv.id is null then
    status := 'invalid_token';
    return;
  end if;
  if exists (select 1 from app_public.users u where u.email = inv.email) then
    status := 'login_required';
    return;
  end if;
  user_id := app_private.ensure_user(inv.email, password);
  select * into acc from app_private.accept_invitation(token, user_id);
  status := acc.status;
  org_id := acc.org_id;
  email := inv.email::text;
end
$$;

ALTER FUNCTION app_private.accept_invitation_with_password(token text, password text, OUT status text, OUT org_id uuid, OUT user_id uuid, OUT email text) OWNER TO switchboard_owner;

--
-- Name: add_user(uuid, public.citext, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.add_user(org_id uuid, email public.citext, password text, role text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  uid uuid;
begin
  if not exists (select 1 from app_public.organizations o where o.id = add_user.org_id) then
    raise exception 'organization not found' using errcode = 'P0002';
  end if;
  uid := app_private.ensure_user(email, password);
  insert into app_public.memberships (org_id, user_id, role)
  values (add_user.org_id, uid, add_user.role);
  return uid;
end
$$;

ALTER FUNCTION app_private.add_user(org_id uuid, email public.citext, password text, role text) OWNER TO switchboard_owner;

--
-- Name: address_hash(text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.address_hash(address text, zip text) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case when app_private.normalize_address(address) is not null and app_private.normalize_zip(zip) is not null
              then sha224(convert_to(app_private.normalize_address(address) || '|' || left(app_private.normalize_zip(zip), 5), 'UTF8')) end
$$;

ALTER FUNCTION app_private.address_hash(address text, zip text) OWNER TO switchboard_owner;

--
-- Name: address_of(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.address_of(mailbox text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select coalesce(substring(mailbox from '<([^<>]+)>\s*$'), nullif(btrim(mailbox), ''))
$_$;

ALTER FUNCTION app_private.address_of(mailbox text) OWNER TO switchboard_owner;

--
-- Name: admin_configure_sms(uuid, text, text, text, text, text, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.admin_configure_sms(session_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text, status_callback_url text, encryption_key text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  a record;
begin
  select * into a from app_private.admin_session(admin_configure_sms.session_id);
  if a.status <> 'ok' then
    return a.status;
  end if;
  perform set_config('request.jwt.claims', jsonb_build_object('sub', a.user_id, 'org_id', a.org_id)::text, true);
  -- The base URL stays as the operator set it (it is where the token is sent).
  perform app_private.configure_sms(a.org_id, account_sid, api_key_sid, secret, from_number, messaging_service_sid,
    (select s.base_url from app_public.sms_settings s where s.org_id = a.org_id), status_callback_url, encryption_key, true);
  return 'ok';
end
$$;

ALTER FUNCTION app_private.admin_configure_sms(session_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text, status_callback_url text, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: admin_create_campaign_connection(uuid, text, text, text, text, jsonb, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.admin_create_campaign_connection(session_id uuid, provider text, name text, external_campaign_id text, api_key text, field_mapping jsonb, encryption_key text) RETURNS TABLE(status text, connection_id uuid)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  a record;
begin
  select * into a from app_private.admin_session(admin_create_campaign_connection.session_id);
  status := a.status;
  if a.status = 'ok' then
    -- The audit trail names the admin (tg__audit reads the claims).
    perform set_config('request.jwt.claims', jsonb_build_object('sub', a.user_id, 'org_id', a.org_id)::text, true);
    connection_id := app_private.create_campaign_connection(a.org_id, provider, name, external_campaign_id, api_key, null,
                                                            field_mapping, encryption_key, false);
  end if;
  return next;
end
$$;

ALTER FUNCTION app_private.admin_create_campaign_connection(session_id uuid, provider text, name text, external_campaign_id text, api_key text, field_mapping jsonb, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: admin_session(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.admin_session(session_id uuid, OUT status text, OUT org_id uuid, OUT user_id uuid) RETURNS record
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  s app_private.sessions := app_private.live_session(admin_session.session_id);
  member_role text;
begin
  if s.id is null then
    status := 'invalid_session';
    return;
  end if;
  select m.role into member_role from app_public.memberships m where m.org_id = s.org_id and m.user_id = s.user_id;
  if member_role is null then
    status := 'invalid_session';
  elsif member_role not in ('owner', 'admin') then
    status := 'forbidden';
  else
    status := 'ok';
    org_id := s.org_id;
    user_id := s.user_id;
  end if;
end
$$;

ALTER FUNCTION app_private.admin_session(session_id uuid, OUT status text, OUT org_id uuid, OUT user_id uuid) OWNER TO switchboard_owner;

--
-- Name: admin_set_campaign_connection_key(uuid, uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.admin_set_campaign_connection_key(session_id uuid, connection_id uuid, api_key text, encryption_key text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  a record;
begin
  select * into a from app_private.admin_session(admin_set_campaign_connection_key.session_id);
  if a.status <> 'ok' then
    return a.status;
  end if;
  return case when app_private.set_campaign_connection_key(a.org_id, connection_id, api_key, encryption_key) then 'ok' else 'not_found' end;
end
$$;

ALTER FUNCTION app_private.admin_set_campaign_connection_key(session_id uuid, connection_id uuid, api_key text, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: apply_twilio_event(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.apply_twilio_event(org_id uuid, p jsonb) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.apply_twilio_event(org_id uuid, p jsonb) OWNER TO switchboard_owner;

--
-- Name: apply_vapi_message(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.apply_vapi_message(org_id uuid, msg jsonb) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.apply_vapi_message(org_id uuid, msg jsonb) OWNER TO switchboard_owner;

--
-- Name: appointment_cancel_page(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.appointment_cancel_page(org_id uuid, appointment_id uuid) RETURNS TABLE(org_name text, starts_at_local text, resource text, status text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select g.name, trim(to_char(a.starts_at at time zone g.timezone, 'FMDay, FMMonth FMDD "at" FMHH12:MI AM')), r.name, a.status
    from app_public.appointments a
    join app_public.organizations g on g.id = a.org_id
    join app_public.resources r on r.org_id = a.org_id and r.id = a.resource_id
   where a.org_id = appointment_cancel_page.org_id and a.id = appointment_cancel_page.appointment_id
$$;

ALTER FUNCTION app_private.appointment_cancel_page(org_id uuid, appointment_id uuid) OWNER TO switchboard_owner;

--
-- Name: assert_not_busy(uuid, uuid, tstzrange); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.assert_not_busy(org_id uuid, resource_id uuid, blocked tstzrange) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  b tstzrange;
begin
  select x.busy into b from app_public.external_busy x
   where x.org_id = assert_not_busy.org_id and x.resource_id = assert_not_busy.resource_id
     and x.busy && assert_not_busy.blocked
   order by lower(x.busy) limit 1;
  if b is not null then
    raise exception 'the requested slot is busy in the resource''s calendar'
      using errcode = 'PT409', hint = 'slot_taken',
            detail = json_build_object('resource_id', resource_id, 'starts_at', lower(b), 'ends_at', upper(b),
                                       'source', 'calendar')::text;
  end if;
end
$$;

ALTER FUNCTION app_private.assert_not_busy(org_id uuid, resource_id uuid, blocked tstzrange) OWNER TO switchboard_owner;

--
-- Name: assert_slot_free(uuid, uuid, tstzrange, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.assert_slot_free(org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid DEFAULT NULL::uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if exists (select 1 from app_public.appointments a
              where a.org_id = assert_slot_free.org_id and a.resource_id = assert_slot_free.resource_id
                and a.status <> 'cancelled' and a.blocked && assert_slot_free.blocked
                and a.id is distinct from except_id) then
    perform app_private.raise_slot_taken(org_id, resource_id, blocked, except_id);
  end if;
end
$$;

ALTER FUNCTION app_private.assert_slot_free(org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid) OWNER TO switchboard_owner;

--
-- Name: authenticate(public.citext, text, text, uuid, inet, text, text, text, interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.authenticate(email public.citext, password text, totp_code text DEFAULT NULL::text, requested_org_id uuid DEFAULT NULL::uuid, ip inet DEFAULT NULL::inet, user_agent text DEFAULT NULL::text, device text DEFAULT NULL::text, secret_key text DEFAULT NULL::text, session_ttl interval DEFAULT '30 days'::interval) RETURNS TABLE(status text, user_id uuid, org_id uuid, org_role text, session_id uuid, refresh_token text, retry_after integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  uid uuid;
  stored_hash text;
  member record;
  factor text;
  token text := encode(public.gen_random_bytes(32), 'hex');
  sid uuid;
begin
  if app_private.is_locked_out(authenticate.email) then
    select u.id into uid from app_public.users u where u.email = authenticate.email;
    insert into app_private.login_attempts (email, user_id, ip, outcome)
    values (authenticate.email, uid, authenticate.ip, 'locked');
    if uid is not null then
      perform app_private.record_auth_event('login_locked', uid, null, null, authenticate.ip, authenticate.user_agent);
    end if;
    status := 'locked';
    retry_after := (select greatest(1, ceil(extract(epoch from max(l.locked_until) - clock_timestamp())))::int
                      from app_private.account_lockouts l where l.email = authenticate.email);
    return next;
    return;
  end if;

  select u.id, s.password_hash into uid, stored_hash
    from app_public.users u join app_private.user_secrets s on s.user_id = u.id
   where u.email = authenticate.email;
  if stored_hash is null then
    perform public.crypt(coalesce(authenticate.password, ''), public.gen_salt('bf', 10));
  end if;
  if stored_hash is null or public.crypt(coalesce(authenticate.password, ''), stored_hash) is distinct from stored_hash then
    perform app_private.record_login_failure(authenticate.email, uid, authenticate.ip, 'invalid_credentials');
    if uid is not null then
      perform app_private.record_auth_event('login_failed', uid, null, null, authenticate.ip, authenticate.user_agent,
                                            '{"reason":"invalid_credentials"}');
    end if;
    status := 'invalid_credentials';
    return next;
    return;
  end if;

  -- A user in several orgs names one; otherwise the oldest membership is used.
  select m.org_id, m.role into member
    from app_public.memberships m
   where m.user_id = uid and (authenticate.requested_org_id is null or m.org_id = authenticate.requested_org_id)
   order by m.created_at, m.org_id
   limit 1;
  if not found then
    perform app_private.record_login_failure(authenticate.email, uid, authenticate.ip, 'invalid_credentials');
    status := 'invalid_credentials';
    return next;
    return;
  end if;

  if exists (select 1 from app_private.user_mfa m where m.user_id = uid and m.enabled_at is not null) then
    if nullif(trim(coalesce(authenticate.totp_code, '')), '') is null then
      insert into app_private.login_attempts (email, user_id, ip, outcome)
      values (authenticate.email, uid, authenticate.ip, 'mfa_required');
      status := 'mfa_required';
      return next;
      return;
    end if;
    factor := app_private.consume_second_factor(uid, authenticate.totp_code, authenticate.secret_key);
    if factor is null then
      perform app_private.record_login_failure(authenticate.email, uid, authenticate.ip, 'mfa_failed');
      perform app_private.record_auth_event('mfa_failed', uid, member.org_id, null, authenticate.ip,
                                            authenticate.user_agent, '{"stage":"login"}');
      status := 'mfa_required';
      return next;
      return;
    end if;
  end if;

  insert into app_private.login_attempts (email, user_id, ip, outcome)
  values (authenticate.email, uid, authenticate.ip, 'success');
  insert into app_private.sessions (user_id, org_id, refresh_token_hash, ip, user_agent, device, expires_at)
  values (uid, member.org_id, public.digest(token, 'sha256'), authenticate.ip, left(authenticate.user_agent, 500),
          left(coalesce(authenticate.device, app_private.device_from_user_agent(authenticate.user_agent)), 200),
          now() + authenticate.session_ttl)
  returning id into sid;
  perform app_private.record_auth_event('login_succeeded', uid, member.org_id, sid, authenticate.ip,
                                        authenticate.user_agent,
                                        jsonb_build_object('second_factor', factor));
  if factor = 'recovery_code' then
    perform app_private.record_auth_event('mfa_recovery_code_used', uid, member.org_id, sid, authenticate.ip,
                                          authenticate.user_agent);
  end if;
  status := 'ok';
  user_id := uid;
  org_id := member.org_id;
  org_role := member.role;
  session_id := sid;
  refresh_token := token;
  return next;
end
$$;

ALTER FUNCTION app_private.authenticate(email public.citext, password text, totp_code text, requested_org_id uuid, ip inet, user_agent text, device text, secret_key text, session_ttl interval) OWNER TO switchboard_owner;

--
-- Name: available_slots(uuid, uuid, date); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.available_slots(org_id uuid, resource_id uuid, day date) RETURNS TABLE(starts_at timestamp with time zone, ends_at timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  with r as (
    select r.*, o.timezone, make_interval(mins => r.slot_minutes) as len
      from app_public.resources r join app_public.organizations o on o.id = r.org_id
     where r.org_id = available_slots.org_id and r.id = available_slots.resource_id
  ), windows as (
    select h.opens_at - time '00:00' as opens, h.closes_at - time '00:00' as closes
      from app_public.resource_hours h
     where h.org_id = available_slots.org_id and h.resource_id = available_slots.resource_id
       and h.weekday = extract(isodow from day)
    union all
    select interval '0', interval '24 hours'
     where not exists (select 1 from app_public.resource_hours h
                        where h.org_id = available_slots.org_id and h.resource_id = available_slots.resource_id)
  ), slots as (
    select (s at time zone r.timezone) as s_at, ((s + r.len) at time zone r.timezone) as e_at,
           r.buffer_before, r.buffer_after
      from r, windows w,
           generate_series(day + w.opens, day + w.closes - r.len, r.len) s
  )
  select s.s_at, s.e_at from slots s
   where s.s_at >= now()
     and not exists (
       select 1 from app_public.appointments a
        where a.org_id = available_slots.org_id and a.resource_id = available_slots.resource_id
          and a.status <> 'cancelled'
          and a.blocked && tstzrange(s.s_at - s.buffer_before, s.e_at + s.buffer_after, '[)'))
     and not exists (
       select 1 from app_public.external_busy b
        where b.org_id = available_slots.org_id and b.resource_id = available_slots.resource_id
          and b.busy && tstzrange(s.s_at - s.buffer_before, s.e_at + s.buffer_after, '[)'))
   order by 1
$$;

ALTER FUNCTION app_private.available_slots(org_id uuid, resource_id uuid, day date) OWNER TO switchboard_owner;

--
-- Name: backup_critical_tables(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.backup_critical_tables() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select array['app_public.organizations', 'app_public.users', 'app_public.memberships', 'app_private.user_secrets',
               'app_public.sources', 'app_private.source_secrets', 'app_public.campaigns', 'app_public.campaign_counters',
               'app_public.contacts', 'app_public.suppressions', 'app_public.leads', 'app_public.appointments',
               'app_public.delivery_endpoints', 'app_public.workspace_settings']
$$;

ALTER FUNCTION app_private.backup_critical_tables() OWNER TO switchboard_owner;

--
-- Name: backup_fingerprint(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.backup_fingerprint() RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  r record;
  n bigint;
  sum text;
  counts jsonb := '{}';
  checksums jsonb := '{}';
begin
  for r in
    select format('%I.%I', ns.nspname, c.relname) as name
      from pg_class c join pg_namespace ns on ns.oid = c.relnamespace
     where ns.nspname in ('app_public', 'app_private') and c.relkind in ('r', 'p') and c.relpersistence = 'p'
     order by 1
  loop
    execute format('select count(*) from %s', r.name) into n;
    counts := counts || jsonb_build_object(r.name, n);
  end loop;
  for r in select t as name from unnest(app_private.backup_critical_tables()) t where to_regclass(t) is not null loop
    execute format('select coalesce(md5(string_agg(x::text, %L order by x::text)), %L) from %s x', E'\n', 'empty', r.name) into sum;
    checksums := checksums || jsonb_build_object(r.name, sum);
  end loop;
  return jsonb_build_object('counts', counts, 'checksums', checksums);
end
$$;

ALTER FUNCTION app_private.backup_fingerprint() OWNER TO switchboard_owner;

--
-- Name: backup_key_functions(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.backup_key_functions() RETURNS text[]
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select array['app_private.check_session()', 'app_private.ingest_webhook_event(uuid,text,text,text,text,timestamptz,jsonb)',
               'app_public.retry_dead_letter(bigint)', 'app_public.current_org_id()', 'app_private.tg__audit()',
               'app_private.emit_event(uuid,text,jsonb,uuid)', 'app_public.erase_contact(uuid)', 'app_public.export_contact(uuid)']
$$;

ALTER FUNCTION app_private.backup_key_functions() OWNER TO switchboard_owner;

--
-- Name: begin_delivery_attempt(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.begin_delivery_attempt(org_id uuid, delivery_id uuid, encryption_key text) RETURNS TABLE(url text, secrets text[], message_id uuid, body text, attempt integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  dl app_public.deliveries;
  ep app_public.delivery_endpoints;
  st app_public.workspace_settings;
begin
  select * into dl from app_public.deliveries d
   where d.org_id = begin_delivery_attempt.org_id and d.id = begin_delivery_attempt.delivery_id for update;
  if dl.id is null or dl.status <> 'pending' then
    return;
  end if;
  if dl.next_attempt_at > now() + interval '1 second' then
    perform app_private.schedule_delivery(dl.org_id, dl.id, dl.next_attempt_at);
    return;
  end if;
  select * into ep from app_public.delivery_endpoints e where e.id = dl.endpoint_id for update;
  if not ep.enabled then
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, 'endpoint disabled: ' || coalesce(ep.disabled_reason, 'by an admin'));
    return;
  end if;
  if ep.circuit_open_until > now() then
    update app_public.deliveries d set next_attempt_at = ep.circuit_open_until where d.org_id = dl.org_id and d.id = dl.id;
    perform app_private.schedule_delivery(dl.org_id, dl.id, ep.circuit_open_until);
    return;
  end if;
  select * into st from app_public.workspace_settings s where s.org_id = dl.org_id;
  if ep.consecutive_failures >= st.delivery_circuit_failures then
    -- Half-open: this attempt is the probe; others wait for its outcome.
    update app_public.delivery_endpoints e set circuit_open_until = now() + st.delivery_circuit_cooldown
     where e.id = ep.id;
  end if;
  update app_public.deliveries d
     set attempts = d.attempts + 1, next_attempt_at = now() + interval '1 minute'
   where d.org_id = dl.org_id and d.id = dl.id
  returning d.attempts into attempt;
  url := ep.url;
  select array_agg(pgp_sym_decrypt(k.secret_encrypted, encryption_key) order by k.created_at desc) into secrets
    from app_private.delivery_endpoint_secrets k
   where k.endpoint_id = ep.id and (k.expires_at is null or k.expires_at > now());
  select m.id, m.payload::text into message_id, body from app_public.delivery_messages m where m.id = dl.message_id;
  return next;
end
$$;

ALTER FUNCTION app_private.begin_delivery_attempt(org_id uuid, delivery_id uuid, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: begin_lead_push(uuid, uuid, text, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.begin_lead_push(org_id uuid, chunk_id uuid, encryption_key text, lease_seconds integer DEFAULT 60) RETURNS TABLE(connection_id uuid, provider text, base_url text, external_campaign_id text, api_key text, attempt integer, in_doubt boolean, leads jsonb)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  ch app_public.lead_push_chunks;
  conn app_public.campaign_connections;
  st app_public.workspace_settings;
  pace record;
begin
  select * into ch from app_public.lead_push_chunks c
   where c.org_id = begin_lead_push.org_id and c.id = begin_lead_push.chunk_id for update;
  if ch.id is null or ch.status <> 'pending' then
    return;
  end if;
  if ch.next_attempt_at > now() + interval '1 second' then
    perform app_private.schedule_lead_push(ch.org_id, ch.id, ch.next_attempt_at);
    return;
  end if;
  select * into conn from app_public.campaign_connections c where c.id = ch.connection_id;
  if not conn.enabled then
    perform app_private.dead_letter_lead_push(ch.org_id, ch.id, 'connection disabled');
    return;
  end if;
  if conn.circuit_open_until > now() or conn.paused_until > now() then
    update app_public.lead_push_chunks c set next_attempt_at = greatest(conn.circuit_open_until, conn.paused_until)
     where c.org_id = ch.org_id and c.id = ch.id;
    perform app_private.schedule_lead_push(ch.org_id, ch.id, greatest(conn.circuit_open_until, conn.paused_until));
    return;
  end if;
  select * into pace from app_private.reserve_connection_call(conn.id, ch.id);
  if not pace.reserved then
    update app_public.lead_push_chunks c set next_attempt_at = pace.not_before where c.org_id = ch.org_id and c.id = ch.id;
    perform app_private.schedule_lead_push(ch.org_id, ch.id, pace.not_before);
    return;
  end if;
  select * into st from app_public.workspace_settings s where s.org_id = ch.org_id;
  if conn.consecutive_failures >= st.delivery_circuit_failures then
    -- Half-open: this call is the probe; the connection's other chunks wait for it.
    update app_public.campaign_connections c set circuit_open_until = now() + st.delivery_circuit_cooldown where c.id = conn.id;
  end if;
  in_doubt := ch.in_flight_since is not null;
  update app_public.lead_push_chunks c
     set attempts = c.attempts + 1, in_flight_since = now(), resent_in_doubt = c.resent_in_doubt or begin_lead_push.in_doubt,
         next_attempt_at = now() + make_interval(secs => lease_seconds)
   where c.org_id = ch.org_id and c.id = ch.id
  returning c.attempts into attempt;
  update app_public.lead_pushes p set attempts = p.attempts + 1, updated_at = now()
   where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'pending';
  connection_id := conn.id;
  provider := conn.provider;
  base_url := conn.base_url;
  external_campaign_id := conn.external_campaign_id;
  select pgp_sym_decrypt(s.api_key_encrypted, encryption_key) into api_key
    from app_private.campaign_connection_secrets s where s.connection_id = conn.id;
  select coalesce(jsonb_agg(app_private.map_lead(l, conn.field_mapping) order by l.lead_score desc, l.id), '[]')
    into leads
    from app_public.lead_pushes p join app_public.leads l on l.org_id = p.org_id and l.id = p.lead_id
   where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'pending';
  return next;
end
$$;

ALTER FUNCTION app_private.begin_lead_push(org_id uuid, chunk_id uuid, encryption_key text, lease_seconds integer) OWNER TO switchboard_owner;

--
-- Name: begin_lead_upload(uuid, uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.begin_lead_upload(source_id uuid, org_id uuid, content_sha256 text, verification_provider text DEFAULT NULL::text) RETURNS TABLE(batch_id uuid, staging_table text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  new_batch uuid := gen_random_uuid();
  claimed uuid;
begin
  -- Replay guard by constraint: the (org, hash) key is taken unless its holder is over 7 days old.
  insert into app_private.lead_upload_hashes as h (org_id, content_sha256, batch_id)
  values (begin_lead_upload.org_id, lower(begin_lead_upload.content_sha256), new_batch)
  on conflict on constraint lead_upload_hashes_pkey do update
     set batch_id = excluded.batch_id, received_at = now()
   where h.received_at < now() - interval '7 days'
  returning h.batch_id into claimed;
  if claimed is null then
    return;
  end if;

  insert into app_public.lead_import_batches (org_id, id, source_id, content_sha256, status, verification_provider)
  values (begin_lead_upload.org_id, new_batch, begin_lead_upload.source_id, lower(begin_lead_upload.content_sha256), 'receiving',
          coalesce(nullif(btrim(begin_lead_upload.verification_provider), ''),
                   (select w.lead_verification_provider from app_public.workspace_settings w where w.org_id = begin_lead_upload.org_id),
                   'default'));
  batch_id := new_batch;
  staging_table := app_private.lead_upload_table(new_batch);
  -- The file's rows, as lead_staging holds them but without the batch id (the name has it).
  execute format($ddl$
    create table app_private.%I (
      row_number int not null,
      first_name text, last_name text, email text, phone text,
      property_address text, property_city text, property_state text, property_zip text,
      county_fips text, apn text, mak text,
      mailing_address text, mailing_city text, mailing_state text, mailing_zip text,
      estimated_equity text, owner_occupied text,
      email_verification_code text, phone_verification_code text,
      attributes jsonb)
  $ddl$, staging_table);
  execute format('grant insert on app_private.%I to switchboard_gateway', staging_table);
  return next;
end
$_$;

ALTER FUNCTION app_private.begin_lead_upload(source_id uuid, org_id uuid, content_sha256 text, verification_provider text) OWNER TO switchboard_owner;

--
-- Name: begin_session_lead_upload(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.begin_session_lead_upload(session_id uuid, content_sha256 text, verification_provider text DEFAULT NULL::text) RETURNS TABLE(batch_id uuid, staging_table text, org_id uuid)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  s app_private.sessions := app_private.live_session(begin_session_lead_upload.session_id);
  r record;
begin
  if s.id is null then
    raise exception 'the session has ended' using errcode = '28000';
  end if;
  if not exists (select 1 from app_public.memberships m
                  where m.org_id = s.org_id and m.user_id = s.user_id and m.role in ('owner', 'admin')) then
    raise exception 'owners and admins only' using errcode = '42501';
  end if;
  select * into r from app_private.begin_lead_upload(null, s.org_id, content_sha256, verification_provider);
  if r.batch_id is null then
    return;
  end if;
  update app_public.lead_import_batches b set uploaded_by = s.user_id where b.org_id = s.org_id and b.id = r.batch_id;
  batch_id := r.batch_id;
  staging_table := r.staging_table;
  org_id := s.org_id;
  return next;
end
$$;

ALTER FUNCTION app_private.begin_session_lead_upload(session_id uuid, content_sha256 text, verification_provider text) OWNER TO switchboard_owner;

--
-- Name: begin_sms_send(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.begin_sms_send(org_id uuid, message_id uuid, encryption_key text) RETURNS TABLE(base_url text, account_sid text, username text, password text, from_number text, messaging_service_sid text, status_callback_url text, to_number text, body text, kind text, first_name text, last_name text, starts_at timestamp with time zone, timezone text, resource text, appointment_id uuid)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  msg app_public.sms_messages;
  cfg app_public.sms_settings;
  appt app_public.appointments;
  tz text;
  at_ts timestamptz;
begin
  select * into msg from app_public.sms_messages s
   where s.org_id = begin_sms_send.org_id and s.id = begin_sms_send.message_id and s.status = 'scheduled' for update skip locked;
  if msg.id is null then
    return;
  end if;
  select * into cfg from app_public.sms_settings s where s.org_id = msg.org_id;
  select g.timezone into tz from app_public.organizations g where g.id = msg.org_id;
  if cfg.org_id is null or not cfg.enabled then
    update app_public.sms_messages s set status = 'skipped', error = 'SMS is not configured or disabled', updated_at = now()
     where s.org_id = msg.org_id and s.id = msg.id;
    return;
  end if;
  if app_private.phone_suppressed(msg.org_id, msg.to_number) then
    update app_public.sms_messages s set status = 'suppressed', updated_at = now() where s.org_id = msg.org_id and s.id = msg.id;
    return;
  end if;
  if msg.appointment_id is not null then
    select * into appt from app_public.appointments a where a.org_id = msg.org_id and a.id = msg.appointment_id;
    if msg.kind = 'reminder' and (appt.id is null or appt.status = 'cancelled' or appt.starts_at <= now()) then
      update app_public.sms_messages s set status = 'cancelled', updated_at = now() where s.org_id = msg.org_id and s.id = msg.id;
      return;
    end if;
  end if;
  if msg.send_at > now() + interval '1 second' then
    perform app_private.schedule_sms(msg.org_id, msg.id, msg.send_at);
    return;
  end if;
  -- Quiet hours are checked again at sending time (a late worker, a backlog).
  if msg.kind = 'reminder' then
    at_ts := app_private.sms_send_time(tz, now(), cfg.quiet_start, cfg.quiet_end, appt.starts_at);
    if at_ts is null then
      update app_public.sms_messages s set status = 'skipped', error = 'no time outside quiet hours before the appointment', updated_at = now()
       where s.org_id = msg.org_id and s.id = msg.id;
      return;
    elsif at_ts > now() + interval '1 second' then
      update app_public.sms_messages s set send_at = at_ts, updated_at = now() where s.org_id = msg.org_id and s.id = msg.id;
      perform app_private.schedule_sms(msg.org_id, msg.id, at_ts);
      return;
    end if;
  end if;
  update app_public.sms_messages s set status = 'sending', attempts = s.attempts + 1, updated_at = now()
   where s.org_id = msg.org_id and s.id = msg.id;
  base_url := cfg.base_url;
  account_sid := cfg.account_sid;
  username := coalesce(cfg.api_key_sid, cfg.account_sid);
  select pgp_sym_decrypt(c.secret_encrypted, encryption_key) into password from app_private.sms_credentials c where c.org_id = msg.org_id;
  from_number := cfg.from_number;
  messaging_service_sid := cfg.messaging_service_sid;
  status_callback_url := cfg.status_callback_url;
  to_number := msg.to_number;
  kind := msg.kind;
  body := case when msg.kind = 'reminder' then cfg.reminder_template else msg.body end;
  select k.first_name, k.last_name into first_name, last_name from app_public.contacts k where k.org_id = msg.org_id and k.id = msg.contact_id;
  starts_at := appt.starts_at;
  timezone := tz;
  appointment_id := appt.id;
  select r.name into resource from app_public.resources r where r.org_id = msg.org_id and r.id = appt.resource_id;
  return next;
end
$$;

ALTER FUNCTION app_private.begin_sms_send(org_id uuid, message_id uuid, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: current_org_id(); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.current_org_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select nullif(app_public.current_claims() ->> 'org_id', '')::uuid
$$;

ALTER FUNCTION app_public.current_org_id() OWNER TO switchboard_owner;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: appointments; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.appointments (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    resource_id uuid NOT NULL,
    contact_id uuid,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    blocked tstzrange NOT NULL,
    status text DEFAULT 'booked'::text NOT NULL,
    idempotency_key text,
    source text DEFAULT 'api'::text NOT NULL,
    call_id uuid,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    cancelled_at timestamp with time zone,
    sequence integer DEFAULT 0 NOT NULL,
    CONSTRAINT appointments_blocked_covers_slot CHECK ((blocked @> tstzrange(starts_at, ends_at, '[)'::text))),
    CONSTRAINT appointments_check CHECK ((ends_at > starts_at)),
    CONSTRAINT appointments_idempotency_key_check CHECK (((length(idempotency_key) >= 1) AND (length(idempotency_key) <= 200))),
    CONSTRAINT appointments_source_check CHECK ((source = ANY (ARRAY['api'::text, 'vapi'::text]))),
    CONSTRAINT appointments_status_check CHECK ((status = ANY (ARRAY['booked'::text, 'cancelled'::text])))
);

ALTER TABLE ONLY app_public.appointments FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.appointments OWNER TO switchboard_owner;

--
-- Name: book_appointment(uuid, timestamp with time zone, timestamp with time zone, uuid, uuid, text, text, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.book_appointment(org_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone, contact_id uuid, resource_id uuid DEFAULT NULL::uuid, idempotency_key text DEFAULT NULL::text, source text DEFAULT 'api'::text, actor_id uuid DEFAULT NULL::uuid, call_id uuid DEFAULT NULL::uuid) RETURNS app_public.appointments
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  appt app_public.appointments;
  res record;
  rid uuid;
  want tstzrange;
  chk record;
  taken record;
  local_start timestamp;
  local_end timestamp;
  lock_key int;
  hour bigint;
  ignored text;
begin
  if idempotency_key is not null then
    select * into appt from app_public.appointments a
     where a.org_id = book_appointment.org_id and a.idempotency_key = book_appointment.idempotency_key;
    if found then
      return appt;
    end if;
  end if;
  if starts_at is null or ends_at is null or ends_at <= starts_at
     or ends_at - starts_at > interval '24 hours' then
    raise exception 'ends_at must be after starts_at (at most 24 hours)'
      using errcode = '22023', hint = 'invalid_time_range';
  end if;
  if starts_at < now() then
    raise exception 'the slot is in the past' using errcode = '22023', hint = 'in_the_past';
  end if;
  rid := coalesce(resource_id, app_private.resolve_resource(org_id, null));
  -- The resource, its buffers and whether it has business hours, in one look-up; the org's
  -- time zone only when it has hours (the organization row is the one every pipeline
  -- event's foreign-key check locks, so it is not read when nothing needs it).
  select r.id, r.buffer_before, r.buffer_after, hh.has_hours,
         case when hh.has_hours then
           (select o.timezone from app_public.organizations o where o.id = r.org_id) end as timezone
    into res
    from app_public.resources r
   cross join lateral (
     select exists (select 1 from app_public.resource_hours h
                     where h.org_id = r.org_id and h.resource_id = r.id) as has_hours) hh
   where r.org_id = book_appointment.org_id and r.active
     and r.id = rid
   -- Held to commit: a calendar sync of this resource (FOR UPDATE) waits for this booking,
   -- or this booking waits for the sync and then sees its busy blocks.
   for key share of r;
  if res.id is null then
    raise exception 'resource not found' using errcode = 'PT404', hint = 'resource_not_found';
  end if;
  if contact_id is not null then
    -- (Nested, so a booking without a contact runs no statement for it.)
    if not exists (
         select 1 from app_public.contacts c where c.org_id = book_appointment.org_id and c.id = book_appointment.contact_id) then
      raise exception 'contact not found' using errcode = 'PT404', hint = 'contact_not_found';
    end if;
  end if;
  -- Business hours (as app_private.within_business_hours): inside one window of the
  -- weekday, read in the org's time zone.
  if res.has_hours then
    local_start := book_appointment.starts_at at time zone res.timezone;
    local_end := book_appointment.ends_at at time zone res.timezone;
    if not exists (
         select 1 from app_public.resource_hours h
          where h.org_id = book_appointment.org_id and h.resource_id = res.id
            and h.weekday = extract(isodow from local_start)
            and local_start - date_trunc('day', local_start) >= h.opens_at - time '00:00'
            and local_end - date_trunc('day', local_start) <= h.closes_at - time '00:00') then
      raise exception 'the slot is outside the resource''s business hours'
        using errcode = '22023', hint = 'outside_business_hours';
    end if;
  end if;
  want := tstzrange(book_appointment.starts_at - res.buffer_before, book_appointment.ends_at + res.buffer_after, '[)');
  -- The per-hour advisory locks of app_private.lock_booking_range, ascending. A loop of
  -- plain expressions: PL/pgSQL evaluates them without the executor, where the one
  -- statement over generate_series was planned again on every call (a custom plan each time).
  lock_key := hashtext(res.id::text);
  for hour in floor(extract(epoch from lower(want)) / 3600)::bigint
           .. floor((extract(epoch from upper(want)) - 0.000001) / 3600)::bigint loop
    ignored := pg_catalog.pg_advisory_xact_lock(lock_key, hour::int)::text;
  end loop;
  if idempotency_key is not null then
    -- A concurrent retry may have committed while this one waited for the lock.
    select * into appt from app_public.appointments a
     where a.org_id = book_appointment.org_id and a.idempotency_key = book_appointment.idempotency_key;
    if found then
      return appt;
    end if;
  end if;
  -- Under the lock no other booking through here can be inserting an overlapping range,
  -- so this check is exact and a loser fails before writing anything. (A raw INSERT that
  -- bypasses this function still meets the exclusion constraint: 23P01.)
  -- The overlap (an EXISTS probe of the exclusion constraint's GiST index) and the
  -- calendar's busy blocks in ONE statement; the taken slot's details are read only for a
  -- loser (a generic plan of the ORDER BY … LIMIT 1 form walks the org's whole starts_at
  -- index instead).
  select exists (select 1 from app_public.appointments a
                  where a.org_id = book_appointment.org_id and a.resource_id = res.id
                    and a.status <> 'cancelled' and a.blocked && want) as taken,
         (select x.busy from app_public.external_busy x
           where x.org_id = book_appointment.org_id and x.resource_id = res.id and x.busy && want
           order by lower(x.busy) limit 1) as busy
    into chk;
  if chk.taken then
    select a.starts_at, a.ends_at into taken
      from app_public.appointments a
     where a.org_id = book_appointment.org_id and a.resource_id = res.id
       and a.status <> 'cancelled' and a.blocked && want
     order by a.starts_at limit 1;
    raise exception 'the requested slot is already booked'
      using errcode = 'PT409', hint = 'slot_taken',
            detail = json_build_object('resource_id', res.id,
                                       'starts_at', taken.starts_at, 'ends_at', taken.ends_at)::text;
  end if;
  if chk.busy is not null then
    raise exception 'the requested slot is busy in the resource''s calendar'
      using errcode = 'PT409', hint = 'slot_taken',
            detail = json_build_object('resource_id', res.id, 'starts_at', lower(chk.busy), 'ends_at', upper(chk.busy),
                                       'source', 'calendar')::text;
  end if;
  -- The appointment and its pipeline event in ONE statement (one plan, one executor
  -- start-up; the triggers and foreign-key checks of both fire at its end, as before).
  if idempotency_key is null then
    -- Without a key there is nothing to conflict on: a plain insert (ON CONFLICT makes it a
    -- speculative insertion, one more WAL record and a pre-check per booking).
    with ins as (
      insert into app_public.appointments
        (org_id, resource_id, contact_id, starts_at, ends_at, blocked, source, call_id, created_by)
      values (book_appointment.org_id, res.id, book_appointment.contact_id, book_appointment.starts_at,
              book_appointment.ends_at, want, book_appointment.source, book_appointment.call_id, actor_id)
      returning *
    ), ev as (
      insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
      select i.org_id, 'appointment_booked', i.contact_id, i.id, actor_id,
             jsonb_build_object('resource_id', i.resource_id, 'starts_at', i.starts_at,
                                'ends_at', i.ends_at, 'source', i.source)
        from ins i
    )
    select * into appt from ins;
  else
    with ins as (
      insert into app_public.appointments
        (org_id, resource_id, contact_id, starts_at, ends_at, blocked, idempotency_key, source, call_id, created_by)
      values (book_appointment.org_id, res.id, book_appointment.contact_id, book_appointment.starts_at,
              book_appointment.ends_at, want, book_appointment.idempotency_key, book_appointment.source,
              book_appointment.call_id, actor_id)
      on conflict (org_id, idempotency_key) where idempotency_key is not null do nothing
      returning *
    ), ev as (
      insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
      select i.org_id, 'appointment_booked', i.contact_id, i.id, actor_id,
             jsonb_build_object('resource_id', i.resource_id, 'starts_at', i.starts_at,
                                'ends_at', i.ends_at, 'source', i.source)
        from ins i
    )
    select * into appt from ins;
    if appt.id is null then
      -- A concurrent request with the same idempotency key won (and wrote the event).
      select * into appt from app_public.appointments a
       where a.org_id = book_appointment.org_id and a.idempotency_key = book_appointment.idempotency_key;
      return appt;
    end if;
  end if;
  return appt;
end
$$;

ALTER FUNCTION app_private.book_appointment(org_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone, contact_id uuid, resource_id uuid, idempotency_key text, source text, actor_id uuid, call_id uuid) OWNER TO switchboard_owner;

--
-- Name: calendar_feed_events(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_feed_events(token text) RETURNS TABLE(feed_id uuid, feed_name text, org_name text, timezone text, uid uuid, starts_at timestamp with time zone, ends_at timestamp with time zone, status text, sequence integer, summary text, created_at timestamp with time zone, updated_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  m text[] := regexp_match(token, '^cal_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$');
  feed app_public.calendar_feeds;
begin
  if m is null then
    return;
  end if;
  select * into feed from app_public.calendar_feeds f where f.id = m[1]::uuid and f.revoked_at is null;
  -- Hashes compared, so the comparison's timing says nothing about the expected token.
  if feed.id is null or digest(app_private.calendar_feed_token(feed.id), 'sha256') <> digest(token, 'sha256') then
    return;
  end if;
  update app_public.calendar_feeds f set last_fetched_at = now()
   where f.org_id = feed.org_id and f.id = feed.id and (f.last_fetched_at is null or f.last_fetched_at < now() - interval '1 minute');
  return query
  select feed.id,
         coalesce(feed.name, o.name || coalesce(' — ' || r1.name, '')),
         o.name, o.timezone, a.id, a.starts_at, a.ends_at, a.status, a.sequence,
         case when feed.with_names then coalesce(nullif(trim(concat_ws(' ', c.first_name, c.last_name)), ''), c.email, 'Booked')
              else 'Booked' end,
         a.created_at, a.updated_at
    from app_public.organizations o
    left join app_public.resources r1 on r1.org_id = feed.org_id and r1.id = feed.resource_id
    join app_public.appointments a on a.org_id = o.id
    left join app_public.contacts c on c.org_id = a.org_id and c.id = a.contact_id
   where o.id = feed.org_id
     and (feed.resource_id is null or a.resource_id = feed.resource_id)
     and a.starts_at > now() - interval '1 year'
     and ((a.status = 'booked' and a.ends_at > now() - interval '30 days')
          or (a.status = 'cancelled' and a.cancelled_at > now() - interval '30 days'))
   order by a.starts_at
   limit 10000;
  if not found then
    -- An empty calendar is still a calendar: one row with no event carries its name.
    return query
    select feed.id, coalesce(feed.name, o.name || coalesce(' — ' || r1.name, '')), o.name, o.timezone,
           null::uuid, null::timestamptz, null::timestamptz, null::text, null::int, null::text, null::timestamptz, null::timestamptz
      from app_public.organizations o
      left join app_public.resources r1 on r1.org_id = feed.org_id and r1.id = feed.resource_id
     where o.id = feed.org_id;
  end if;
end
$_$;

ALTER FUNCTION app_private.calendar_feed_events(token text) OWNER TO switchboard_owner;

--
-- Name: calendar_feed_token(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_feed_token(feed_id uuid) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select 'cal_' || replace(feed_id::text, '-', '') || '_'
         || rtrim(translate(encode(hmac(convert_to(feed_id::text, 'UTF8'), k.key, 'sha256'), 'base64'), '+/', '-_'), '=')
    from app_private.calendar_feed_key k
$$;

ALTER FUNCTION app_private.calendar_feed_token(feed_id uuid) OWNER TO switchboard_owner;

--
-- Name: calendar_source_for_sync(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_source_for_sync(org_id uuid, source_id uuid, encryption_key text) RETURNS TABLE(kind text, url text, username text, password text, resource_id uuid, enabled boolean, etag text, ctag text, content_hash text, timezone text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  update app_public.calendar_sources s set last_attempt_at = now()
   where s.org_id = calendar_source_for_sync.org_id and s.id = calendar_source_for_sync.source_id;
  return query
  select s.kind, pgp_sym_decrypt(k.url_encrypted, encryption_key), k.username,
         case when k.password_encrypted is not null then pgp_sym_decrypt(k.password_encrypted, encryption_key) end,
         s.resource_id, s.enabled, s.etag, s.ctag, s.content_hash, o.timezone
    from app_public.calendar_sources s
    join app_private.calendar_source_secrets k on k.org_id = s.org_id and k.source_id = s.id
    join app_public.organizations o on o.id = s.org_id
   where s.org_id = calendar_source_for_sync.org_id and s.id = calendar_source_for_sync.source_id;
end
$$;

ALTER FUNCTION app_private.calendar_source_for_sync(org_id uuid, source_id uuid, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: calendar_sync_apply(uuid, uuid, jsonb, text, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_sync_apply(org_id uuid, source_id uuid, blocks jsonb, etag text, ctag text, content_hash text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  src app_public.calendar_sources;
  n int;
begin
  select * into src from app_public.calendar_sources s
   where s.org_id = calendar_sync_apply.org_id and s.id = calendar_sync_apply.source_id;
  if src.id is null then
    return 0;
  end if;
  perform 1 from app_public.resources r where r.org_id = src.org_id and r.id = src.resource_id for update;
  delete from app_public.external_busy b where b.org_id = src.org_id and b.source_id = src.id;
  insert into app_public.external_busy (org_id, resource_id, source_id, busy, uid, all_day)
  select src.org_id, src.resource_id, src.id, tstzrange((x ->> 'starts_at')::timestamptz, (x ->> 'ends_at')::timestamptz, '[)'),
         left(coalesce(x ->> 'uid', ''), 500), coalesce((x ->> 'all_day')::boolean, false)
    from jsonb_array_elements(coalesce(blocks, '[]'::jsonb)) x
   where (x ->> 'ends_at')::timestamptz > (x ->> 'starts_at')::timestamptz
     and not (app_private.is_uuid(x ->> 'uid') and exists (
       select 1 from app_public.appointments a where a.org_id = src.org_id and a.id = (x ->> 'uid')::uuid));
  get diagnostics n = row_count;
  update app_public.calendar_sources s
     set last_synced_at = now(), last_changed_at = now(), last_error = null, consecutive_failures = 0, busy_blocks = n,
         etag = calendar_sync_apply.etag, ctag = calendar_sync_apply.ctag, content_hash = calendar_sync_apply.content_hash
   where s.org_id = src.org_id and s.id = src.id;
  perform app_private.calendar_sync_succeeded(src);
  return n;
end
$$;

ALTER FUNCTION app_private.calendar_sync_apply(org_id uuid, source_id uuid, blocks jsonb, etag text, ctag text, content_hash text) OWNER TO switchboard_owner;

--
-- Name: calendar_sync_failed(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_sync_failed(org_id uuid, source_id uuid, error text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  src app_public.calendar_sources;
  msg text;
begin
  update app_public.calendar_sources s
     set last_error = left(error, 500), last_error_at = now(), consecutive_failures = s.consecutive_failures + 1
   where s.org_id = calendar_sync_failed.org_id and s.id = calendar_sync_failed.source_id
  returning * into src;
  if src.id is null then
    return 0;
  end if;
  if src.consecutive_failures >= src.alert_after then
    msg := format('Calendar source %s failed %s syncs in a row: %s', src.name, src.consecutive_failures, left(error, 200));
    insert into app_private.alert_state (org_id, rule, key, severity, message)
    select src.org_id, 'calendar_sync_failed', src.id::text, 'warning', msg
     where not exists (select 1 from app_private.alert_state a where a.org_id = src.org_id and a.rule = 'calendar_sync_failed'
                          and a.key = src.id::text and a.resolved_at is null);
    if found then
      insert into app_private.operational_events (org_id, kind, severity, details)
      values (src.org_id, 'alert.calendar_sync_failed', 'warning',
              jsonb_build_object('key', src.id, 'message', msg, 'value', src.consecutive_failures, 'threshold', src.alert_after));
      perform app_private.emit_event(src.org_id, 'alert.raised', jsonb_build_object(
        'rule', 'calendar_sync_failed', 'key', src.id::text, 'severity', 'warning', 'value', src.consecutive_failures,
        'threshold', src.alert_after, 'text', format('[WARNING] %s', msg)));
    end if;
  end if;
  return src.consecutive_failures;
end
$$;

ALTER FUNCTION app_private.calendar_sync_failed(org_id uuid, source_id uuid, error text) OWNER TO switchboard_owner;

--
-- Name: calendar_sources; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.calendar_sources (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    resource_id uuid NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    url_display text NOT NULL,
    write boolean DEFAULT false NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    sync_interval interval DEFAULT '00:05:00'::interval NOT NULL,
    etag text,
    ctag text,
    content_hash text,
    last_attempt_at timestamp with time zone,
    last_synced_at timestamp with time zone,
    last_changed_at timestamp with time zone,
    busy_blocks integer DEFAULT 0 NOT NULL,
    last_error text,
    last_error_at timestamp with time zone,
    consecutive_failures integer DEFAULT 0 NOT NULL,
    alert_after integer DEFAULT 3 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT calendar_sources_alert_after_check CHECK (((alert_after >= 1) AND (alert_after <= 1000))),
    CONSTRAINT calendar_sources_check CHECK (((NOT write) OR (kind = 'caldav'::text))),
    CONSTRAINT calendar_sources_kind_check CHECK ((kind = ANY (ARRAY['ics'::text, 'caldav'::text]))),
    CONSTRAINT calendar_sources_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT calendar_sources_sync_interval_check CHECK (((sync_interval >= '00:01:00'::interval) AND (sync_interval <= '1 day'::interval)))
);

ALTER TABLE ONLY app_public.calendar_sources FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.calendar_sources OWNER TO switchboard_owner;

--
-- Name: calendar_sync_succeeded(app_public.calendar_sources); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_sync_succeeded(src app_public.calendar_sources) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if src.consecutive_failures > 0 then
    update app_private.alert_state a set resolved_at = now()
     where a.org_id = src.org_id and a.rule = 'calendar_sync_failed' and a.key = src.id::text and a.resolved_at is null;
    if found then
      perform app_private.emit_event(src.org_id, 'alert.resolved', jsonb_build_object(
        'rule', 'calendar_sync_failed', 'key', src.id::text, 'text', format('[RESOLVED] calendar source %s syncs again', src.name)));
    end if;
  end if;
end
$$;

ALTER FUNCTION app_private.calendar_sync_succeeded(src app_public.calendar_sources) OWNER TO switchboard_owner;

--
-- Name: calendar_sync_unchanged(uuid, uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_sync_unchanged(org_id uuid, source_id uuid, etag text, ctag text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  prev app_public.calendar_sources;
begin
  select * into prev from app_public.calendar_sources s
   where s.org_id = calendar_sync_unchanged.org_id and s.id = calendar_sync_unchanged.source_id;
  update app_public.calendar_sources s
     set last_synced_at = now(), last_error = null, consecutive_failures = 0,
         etag = coalesce(calendar_sync_unchanged.etag, s.etag), ctag = coalesce(calendar_sync_unchanged.ctag, s.ctag)
   where s.org_id = calendar_sync_unchanged.org_id and s.id = calendar_sync_unchanged.source_id;
  perform app_private.calendar_sync_succeeded(prev);
end
$$;

ALTER FUNCTION app_private.calendar_sync_unchanged(org_id uuid, source_id uuid, etag text, ctag text) OWNER TO switchboard_owner;

--
-- Name: calendar_url_display(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_url_display(url text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select coalesce((regexp_match(url, '^(https?://)(?:[^@/?#]*@)?([^/?#]+)'))[1] || (regexp_match(url, '^(https?://)(?:[^@/?#]*@)?([^/?#]+)'))[2] || '/…', '…')
$$;

ALTER FUNCTION app_private.calendar_url_display(url text) OWNER TO switchboard_owner;

--
-- Name: calendar_write_done(uuid, uuid, uuid, text, text, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_write_done(org_id uuid, source_id uuid, appointment_id uuid, href text, etag text, sequence integer) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  insert into app_private.calendar_writes (org_id, source_id, appointment_id, href, etag, sequence)
  values (org_id, source_id, appointment_id, href, etag, sequence)
  on conflict (org_id, source_id, appointment_id) do update
    set href = excluded.href, etag = excluded.etag, sequence = excluded.sequence, written_at = now()
$$;

ALTER FUNCTION app_private.calendar_write_done(org_id uuid, source_id uuid, appointment_id uuid, href text, etag text, sequence integer) OWNER TO switchboard_owner;

--
-- Name: calendar_write_forget(uuid, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_write_forget(org_id uuid, source_id uuid, appointment_id uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  delete from app_private.calendar_writes w
   where w.org_id = calendar_write_forget.org_id and w.source_id = calendar_write_forget.source_id
     and w.appointment_id = calendar_write_forget.appointment_id
$$;

ALTER FUNCTION app_private.calendar_write_forget(org_id uuid, source_id uuid, appointment_id uuid) OWNER TO switchboard_owner;

--
-- Name: calendar_write_state(uuid, uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.calendar_write_state(org_id uuid, source_id uuid, appointment_id uuid, encryption_key text) RETURNS TABLE(url text, username text, password text, write boolean, status text, starts_at timestamp with time zone, ends_at timestamp with time zone, sequence integer, summary text, created_at timestamp with time zone, updated_at timestamp with time zone, href text, etag text, written_sequence integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select pgp_sym_decrypt(k.url_encrypted, encryption_key), k.username,
         case when k.password_encrypted is not null then pgp_sym_decrypt(k.password_encrypted, encryption_key) end,
         s.write and s.enabled, a.status, a.starts_at, a.ends_at, a.sequence,
         'Booked' || coalesce(': ' || nullif(trim(concat_ws(' ', c.first_name, c.last_name)), ''), ''),
         a.created_at, a.updated_at, w.href, w.etag, w.sequence
    from app_public.calendar_sources s
    join app_private.calendar_source_secrets k on k.org_id = s.org_id and k.source_id = s.id
    left join app_public.appointments a on a.org_id = s.org_id and a.id = calendar_write_state.appointment_id
    left join app_public.contacts c on c.org_id = a.org_id and c.id = a.contact_id
    left join app_private.calendar_writes w on w.org_id = s.org_id and w.source_id = s.id and w.appointment_id = calendar_write_state.appointment_id
   where s.org_id = calendar_write_state.org_id and s.id = calendar_write_state.source_id
$$;

ALTER FUNCTION app_private.calendar_write_state(org_id uuid, source_id uuid, appointment_id uuid, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: call_status_rank(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.call_status_rank(status text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case status when 'scheduled' then 0 when 'queued' then 1 when 'ringing' then 2
                     when 'in-progress' then 3 when 'forwarding' then 4 when 'ended' then 5
                     -- Vapi's terminal alternatives: a call it could not find, or whose deletion failed.
                     when 'not-found' then 5 when 'deletion-failed' then 6 else -1 end
$$;

ALTER FUNCTION app_private.call_status_rank(status text) OWNER TO switchboard_owner;

--
-- Name: call_turns(jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.call_turns(messages jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select jsonb_agg(jsonb_build_object(
           'role', case when m ->> 'role' in ('bot', 'assistant') then 'agent' else 'customer' end,
           'text', app_private.redact_phi(coalesce(m ->> 'message', m ->> 'content')),
           'seconds', case when jsonb_typeof(m -> 'secondsFromStart') = 'number' then round((m ->> 'secondsFromStart')::numeric, 1) end)
         order by ord)
    from jsonb_array_elements(case when jsonb_typeof(messages) = 'array' then messages else '[]' end) with ordinality e (m, ord)
   where m ->> 'role' in ('bot', 'assistant', 'user')
     and coalesce(m ->> 'message', m ->> 'content', '') <> ''
$$;

ALTER FUNCTION app_private.call_turns(messages jsonb) OWNER TO switchboard_owner;

--
-- Name: callback_dispatch(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.callback_dispatch(org_id uuid, request_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.callback_dispatch(org_id uuid, request_id uuid) OWNER TO switchboard_owner;

--
-- Name: campaign_connection_credentials(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.campaign_connection_credentials(org_id uuid, connection_id uuid, encryption_key text) RETURNS TABLE(provider text, base_url text, external_campaign_id text, api_key text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select c.provider, c.base_url, c.external_campaign_id, pgp_sym_decrypt(s.api_key_encrypted, encryption_key)
    from app_public.campaign_connections c
    join app_private.campaign_connection_secrets s on s.connection_id = c.id
   where c.org_id = campaign_connection_credentials.org_id and c.id = campaign_connection_credentials.connection_id
$$;

ALTER FUNCTION app_private.campaign_connection_credentials(org_id uuid, connection_id uuid, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: campaign_placeholder_name(text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.campaign_placeholder_name(provider text, external_id text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case provider when 'smartlead' then 'SmartLead campaign '
                       when 'replyio' then 'Reply.io sequence '
                       else initcap(provider) || ' campaign ' end || external_id
$$;

ALTER FUNCTION app_private.campaign_placeholder_name(provider text, external_id text) OWNER TO switchboard_owner;

--
-- Name: campaign_tool_chunk_size(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.campaign_tool_chunk_size(provider text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case provider when 'smartlead' then 100 else 1 end
$$;

ALTER FUNCTION app_private.campaign_tool_chunk_size(provider text) OWNER TO switchboard_owner;

--
-- Name: campaign_tool_limits(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.campaign_tool_limits(provider text) RETURNS TABLE(max_calls integer, per interval)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select l.max_calls, l.per from (values
    ('smartlead', 10, interval '2 seconds'), ('smartlead', 60, interval '1 minute'),
    ('replyio', 100, interval '1 minute'), ('replyio', 3000, interval '1 hour'),
    ('instantly', 100, interval '1 second'), ('instantly', 6000, interval '1 minute')) l (provider, max_calls, per)
   where l.provider = campaign_tool_limits.provider
$$;

ALTER FUNCTION app_private.campaign_tool_limits(provider text) OWNER TO switchboard_owner;

--
-- Name: cancel_appointment_by_link(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.cancel_appointment_by_link(org_id uuid, appointment_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  appt app_public.appointments;
begin
  update app_public.appointments a set status = 'cancelled', cancelled_at = coalesce(a.cancelled_at, now())
   where a.org_id = cancel_appointment_by_link.org_id and a.id = cancel_appointment_by_link.appointment_id and a.status = 'booked'
  returning * into appt;
  if appt.id is not null then
    insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, data)
    values (appt.org_id, 'appointment_cancelled', appt.contact_id, appt.id, jsonb_build_object('by', 'sms_link', 'starts_at', appt.starts_at));
  end if;
  return exists (select 1 from app_public.appointments a
                  where a.org_id = cancel_appointment_by_link.org_id and a.id = cancel_appointment_by_link.appointment_id);
end
$$;

ALTER FUNCTION app_private.cancel_appointment_by_link(org_id uuid, appointment_id uuid) OWNER TO switchboard_owner;

--
-- Name: change_password(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.change_password(session_id uuid, current_password text, new_password text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  s app_private.sessions := app_private.live_session(change_password.session_id);
  stored_hash text;
  ended int;
begin
  if s.id is null then
    return 'invalid_session';
  end if;
  select x.password_hash into stored_hash from app_private.user_secrets x where x.user_id = s.user_id for update;
  if stored_hash is null or public.crypt(coalesce(current_password, ''), stored_hash) is distinct from stored_hash then
    perform app_private.record_auth_event('login_failed', s.user_id, s.org_id, s.id, s.ip, s.user_agent,
                                          '{"reason":"wrong_current_password"}');
    return 'invalid_credentials';
  end if;
  if new_password is null or length(new_password) < 8 or length(new_password) > 1024 then
    return 'weak_password';
  end if;
  update app_private.user_secrets x
     set password_hash = public.crypt(new_password, public.gen_salt('bf', 10)), password_changed_at = now()
   where x.user_id = s.user_id;
  update app_private.sessions x set revoked_at = now(), revoked_reason = 'password_changed'
   where x.user_id = s.user_id and x.id <> s.id and x.revoked_at is null;
  get diagnostics ended = row_count;
  perform app_private.record_auth_event('password_changed', s.user_id, null, s.id, s.ip, s.user_agent,
                                        jsonb_build_object('other_sessions_revoked', ended));
  return 'ok';
end
$$;

ALTER FUNCTION app_private.change_password(session_id uuid, current_password text, new_password text) OWNER TO switchboard_owner;

--
-- Name: check_session(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.check_session() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  claims jsonb := app_public.current_claims();
  sid uuid;
  win timestamptz := date_trunc('minute', now());
  s record;
begin
  -- Anonymous requests carry no claims; every JWT we issue names a session.
  if coalesce(claims ->> 'role', 'anon') = 'anon' then
    return;
  end if;
  if coalesce(claims ->> 'sid', '') ~ '^[0-9a-fA-F-]{36}$' then
    sid := (claims ->> 'sid')::uuid;
  end if;
  -- A read replica (a standby in recovery) cannot read the unlogged request counters: there
  -- the session, role and MFA checks run as everywhere, and the quota is left to the primary
  -- (reads never count against it; only writes, which always reach the primary, do).
  if pg_is_in_recovery() then
    select x.user_id, x.org_id, m.role,
           o.require_mfa and x.auth_method = 'password' and not exists (select 1 from app_private.user_mfa f
                                          where f.user_id = x.user_id and f.enabled_at is not null) as needs_mfa
      into s
      from app_private.sessions x
      left join app_public.memberships m on m.org_id = x.org_id and m.user_id = x.user_id
      left join app_public.organizations o on o.id = x.org_id
     where x.id = sid and x.revoked_at is null and x.expires_at > now();
    if not found or s.user_id::text is distinct from claims ->> 'sub'
       or s.org_id::text is distinct from claims ->> 'org_id' then
      raise exception 'session is no longer valid'
        using errcode = 'PT401', detail = 'session_revoked', hint = 'log in again';
    end if;
    if s.role is distinct from claims ->> 'org_role' then
      raise exception 'your role in this organization has changed'
        using errcode = 'PT401', detail = 'role_changed', hint = 'refresh the access token';
    end if;
    if s.needs_mfa then
      raise exception 'this organization requires multi-factor authentication'
        using errcode = 'PT403', detail = 'mfa_enrollment_required',
              hint = 'enroll with POST /auth/mfa/enroll on the gateway';
    end if;
    return;
  end if;
  -- One statement: the session, the current role, the org's MFA rule and this window's
  -- request counts (a GET runs read-only and only checks them).
  select x.user_id, x.org_id, m.role,
         o.require_mfa and x.auth_method = 'password' and not exists (select 1 from app_private.user_mfa f
                                        where f.user_id = x.user_id and f.enabled_at is not null) as needs_mfa,
         coalesce(q.requests_per_user_per_minute, app_private.default_user_quota()) as per_user,
         coalesce(q.requests_per_org_per_minute, app_private.default_org_quota()) as per_org,
         (select coalesce(sum(c.count), 0) from app_private.request_counters c
           where c.subject = x.user_id and c.window_start = win) as user_count,
         (select coalesce(sum(c.count), 0) from app_private.request_counters c
           where c.subject = x.org_id and c.window_start = win) as org_count
    into s
    from app_private.sessions x
    left join app_public.memberships m on m.org_id = x.org_id and m.user_id = x.user_id
    left join app_public.organizations o on o.id = x.org_id
    left join app_private.org_quotas q on q.org_id = x.org_id
   where x.id = sid and x.revoked_at is null and x.expires_at > now();
  if not found or s.user_id::text is distinct from claims ->> 'sub'
     or s.org_id::text is distinct from claims ->> 'org_id' then
    raise exception 'session is no longer valid'
      using errcode = 'PT401', detail = 'session_revoked', hint = 'log in again';
  end if;
  if s.role is distinct from claims ->> 'org_role' then
    raise exception 'your role in this organization has changed'
      using errcode = 'PT401', detail = 'role_changed', hint = 'refresh the access token';
  end if;
  if s.needs_mfa then
    raise exception 'this organization requires multi-factor authentication'
      using errcode = 'PT403', detail = 'mfa_enrollment_required',
            hint = 'enroll with POST /auth/mfa/enroll on the gateway';
  end if;
  if current_setting('transaction_read_only') = 'on' then
    if s.user_count >= s.per_user or s.org_count >= s.per_org then
      perform app_private.raise_quota_exceeded(case when s.user_count >= s.per_user then 'per_user' else 'per_org' end);
    end if;
  else
    perform app_private.consume_request_quota(s.user_id, s.org_id);
  end if;
end
$_$;

ALTER FUNCTION app_private.check_session() OWNER TO switchboard_owner;

--
-- Name: checked_source_secret(text, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.checked_source_secret(provider text, given text, auth jsonb) RETURNS text
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
begin
  if given is null then
    return app_private.new_source_secret(provider);
  end if;
  if length(given) < 16 or length(given) > 500 or given ~ '[[:space:][:cntrl:]]' then
    raise exception 'a given secret must be 16 to 500 characters without spaces' using errcode = '22023';
  end if;
  if provider = 'standard' and given !~ '^whsec_[A-Za-z0-9+/]+=*$' then
    raise exception 'a Standard Webhooks secret has the form whsec_<base64>' using errcode = '22023';
  end if;
  if coalesce((auth ->> 'secret_base64')::boolean, false) then
    begin
      perform decode(given, 'base64');
    exception when others then
      raise exception 'the secret is not valid base64' using errcode = '22023';
    end;
  end if;
  return given;
end
$_$;

ALTER FUNCTION app_private.checked_source_secret(provider text, given text, auth jsonb) OWNER TO switchboard_owner;

--
-- Name: claim_emails(integer, text, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.claim_emails(max_count integer, encryption_key text, only_org uuid DEFAULT NULL::uuid) RETURNS TABLE(email_id uuid, org_id uuid, campaign_id uuid, account_id uuid, to_email text, from_email text, from_name text, subject_template text, html_template text, text_template text, variables jsonb, message_id text, in_reply_to text, refs text, smtp_host text, smtp_port integer, smtp_secure boolean, smtp_user text, smtp_password text, track_opens boolean, track_clicks boolean, attempt integer)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  m app_public.emails;
  enr app_public.sequence_enrollments;
  camp app_public.campaigns;
  step app_public.sequence_steps;
  acc app_public.sending_accounts;
  tz text;
  today date;
  reserved boolean;
  why text;
  next_at timestamptz;
  mid text;
begin
  for m in
    select e.* from app_public.emails e
     where e.status = 'queued' and e.scheduled_at <= now()
       and (only_org is null or e.org_id = only_org)
     order by e.scheduled_at, e.id
     limit max_count
     for update of e skip locked
  loop
    select * into enr from app_public.sequence_enrollments x where x.id = m.enrollment_id;
    if enr.status <> 'active' then
      update app_public.emails x set status = 'skipped', last_error = 'sequence ' || enr.status, updated_at = now() where x.id = m.id;
      continue;
    end if;
    select * into step from app_public.sequence_steps s where s.id = m.step_id;
    if not found then
      update app_public.emails x set status = 'skipped', last_error = 'the sequence step was deleted', updated_at = now() where x.id = m.id;
      continue;
    end if;
    -- Suppression (unsubscribed, bounced, complaint, do-not-contact) in the claim's transaction.
    select coalesce(
             (select 'suppressed: ' || s.reason from app_public.suppressions s where s.org_id = m.org_id and s.email = m.to_email),
             (select 'suppressed: do_not_contact' from app_public.leads l
               where l.org_id = m.org_id and l.email_hash = app_private.hash_email(m.to_email::text)
                 and l.email = m.to_email and l.campaign_status = 'do_not_contact' limit 1))
      into why;
    if why is not null then
      update app_public.emails x set status = 'skipped', last_error = why, updated_at = now() where x.id = m.id;
      update app_public.sequence_enrollments x set status = 'stopped', stop_reason = 'suppressed', updated_at = now()
       where x.id = enr.id and x.status = 'active';
      continue;
    end if;

    select o.timezone into tz from app_public.organizations o where o.id = m.org_id;
    today := app_private.local_day(tz);
    reserved := false;
    -- Rotation: the least used (relative to its cap) eligible account first; a thread stays
    -- on its first account. Locked accounts are another worker's: skipped, never waited for.
    for acc in
      select a.* from app_public.sending_accounts a
       where a.org_id = m.org_id and a.enabled and (enr.account_id is null or a.id = enr.account_id)
         and a.next_send_at <= now()
         and app_private.next_window_start(a.window_days, a.window_start, a.window_end, tz, now()) = now()
       order by coalesce((select u.sent from app_private.sending_account_usage u
                           where u.account_id = a.id and u.local_day = today), 0)::numeric / a.daily_cap,
                a.last_sent_at nulls first, a.id
       for update of a skip locked
    loop
      -- The exact cap: one atomic increment per send, refused at the cap.
      insert into app_private.sending_account_usage as u (org_id, account_id, local_day, sent)
      values (m.org_id, acc.id, today, 1)
      on conflict (org_id, account_id, local_day) do update set sent = u.sent + 1 where u.sent < acc.daily_cap
      returning true into reserved;
      exit when reserved;
    end loop;

    if not coalesce(reserved, false) then
      -- No slot now: the next moment one of the eligible accounts can send (gap, window, or
      -- tomorrow's window when capped). Accounts locked by another worker count as "now".
      select min(case when a.next_send_at > now() and not capped then greatest(a.next_send_at,
                        app_private.next_window_start(a.window_days, a.window_start, a.window_end, tz, a.next_send_at))
                      else app_private.next_window_start(a.window_days, a.window_start, a.window_end, tz, now(), capped) end)
        into next_at
        from (select a.*, coalesce((select u.sent from app_private.sending_account_usage u
                                     where u.account_id = a.id and u.local_day = today), 0) >= a.daily_cap as capped
                from app_public.sending_accounts a
               where a.org_id = m.org_id and a.enabled and (enr.account_id is null or a.id = enr.account_id)) a;
      update app_public.emails x
         set scheduled_at = coalesce(next_at, now() + interval '15 minutes'),
             last_error = case when next_at is null then 'no enabled sending account' else null end,
             updated_at = now()
       where x.id = m.id;
      continue;
    end if;

    mid := coalesce(m.message_id, '<' || gen_random_uuid() || '@' || split_part(acc.from_email::text, '@', 2) || '>');
    update app_public.emails x
       set status = 'sending', account_id = acc.id, cap_day = today, claimed_at = now(), attempts = x.attempts + 1,
           message_id = mid, updated_at = now()
     where x.id = m.id;
    update app_public.sending_accounts a
       set last_sent_at = now(),
           next_send_at = now() + make_interval(secs => a.min_gap_seconds + random() * a.jitter_seconds)
     where a.id = acc.id;

    select * into camp from app_public.campaigns c where c.id = m.campaign_id;
    email_id := m.id;
    org_id := m.org_id;
    campaign_id := m.campaign_id;
    account_id := acc.id;
    to_email := m.to_email;
    from_email := acc.from_email;
    from_name := acc.from_name;
    subject_template := coalesce(step.subject_template, 'Re: ' || enr.thread_subject, '');
    html_template := step.html_template;
    text_template := step.text_template;
    select coalesce((select l.attributes || jsonb_strip_nulls(jsonb_build_object(
                       'first_name', l.first_name, 'last_name', l.last_name, 'property_address', l.property_address,
                       'property_city', l.property_city, 'property_state', l.property_state, 'property_zip', l.property_zip))
                       from app_public.leads l where l.id = enr.lead_id), '{}'::jsonb)
           || k.attributes
           || jsonb_strip_nulls(jsonb_build_object('email', k.email, 'first_name', k.first_name, 'last_name', k.last_name,
                                                   'company', k.company, 'phone', k.phone,
                                                   'sender_name', acc.from_name, 'sender_email', acc.from_email))
      into variables
      from app_public.contacts k where k.id = m.contact_id;
    message_id := mid;
    in_reply_to := m.in_reply_to;
    refs := m.refs;
    smtp_host := acc.smtp_host;
    smtp_port := acc.smtp_port;
    smtp_secure := acc.smtp_secure;
    smtp_user := acc.smtp_user;
    select pgp_sym_decrypt(s.password_encrypted, encryption_key) into smtp_password
      from app_private.sending_account_secrets s where s.account_id = acc.id;
    track_opens := camp.track_opens;
    track_clicks := camp.track_clicks;
    attempt := m.attempts + 1;
    return next;
  end loop;
end
$$;

ALTER FUNCTION app_private.claim_emails(max_count integer, encryption_key text, only_org uuid) OWNER TO switchboard_owner;

--
-- Name: invitations; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.invitations (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email public.citext NOT NULL,
    role text NOT NULL,
    token_hash bytea NOT NULL,
    invited_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    accepted_at timestamp with time zone,
    accepted_by uuid,
    revoked_at timestamp with time zone,
    CONSTRAINT invitations_role_check CHECK ((role = ANY (ARRAY['owner'::text, 'admin'::text, 'member'::text])))
);

ALTER TABLE ONLY app_public.invitations FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.invitations OWNER TO switchboard_owner;

--
-- Name: claim_invitation(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.claim_invitation(token text) RETURNS app_public.invitations
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select i.* from app_public.invitations i
   where i.token_hash = public.digest(claim_invitation.token, 'sha256')
     and i.accepted_at is null and i.revoked_at is null and i.expires_at > now()
   for update
$$;

ALTER FUNCTION app_private.claim_invitation(token text) OWNER TO switchboard_owner;

--
-- Name: configure_sms(uuid, text, text, text, text, text, text, text, text, boolean); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.configure_sms(org_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text, base_url text, status_callback_url text, encryption_key text, allow_private boolean) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  problem text := case when base_url is null then null else app_private.delivery_url_problem(base_url, allow_private) end;
begin
  if problem is not null then
    raise exception 'base URL refused: %', problem using errcode = '22023';
  end if;
  if secret is null or length(secret) not between 16 and 200 then
    raise exception 'the auth token or API key secret is required' using errcode = '22023';
  end if;
  insert into app_public.sms_settings (org_id, account_sid, api_key_sid, from_number, messaging_service_sid, base_url, status_callback_url)
  values (configure_sms.org_id, account_sid, api_key_sid, app_private.normalize_e164(from_number), messaging_service_sid,
          rtrim(base_url, '/'), status_callback_url)
  on conflict on constraint sms_settings_pkey do update
     set account_sid = excluded.account_sid, api_key_sid = excluded.api_key_sid, from_number = excluded.from_number,
         messaging_service_sid = excluded.messaging_service_sid, base_url = excluded.base_url,
         status_callback_url = excluded.status_callback_url;
  insert into app_private.sms_credentials (org_id, secret_encrypted)
  values (configure_sms.org_id, pgp_sym_encrypt(secret, encryption_key))
  on conflict on constraint sms_credentials_pkey do update set secret_encrypted = excluded.secret_encrypted, updated_at = now();
end
$$;

ALTER FUNCTION app_private.configure_sms(org_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text, base_url text, status_callback_url text, encryption_key text, allow_private boolean) OWNER TO switchboard_owner;

--
-- Name: configure_sso(uuid, text, text, text, text[], text, boolean); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.configure_sso(org_id uuid, issuer text, client_id text, client_secret text, allowed_domains text[], secret_key text, enabled boolean DEFAULT true) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if issuer !~ '^https?://' then
    raise exception 'issuer must be an http(s) URL' using errcode = '22023';
  end if;
  if coalesce(cardinality(allowed_domains), 0) = 0 then
    raise exception 'at least one allowed email domain is required' using errcode = '22023';
  end if;
  insert into app_private.sso_providers as p (org_id, issuer, client_id, client_secret, allowed_domains, enabled)
  values (configure_sso.org_id, rtrim(configure_sso.issuer, '/'), configure_sso.client_id,
          public.pgp_sym_encrypt(configure_sso.client_secret, secret_key),
          (select array_agg(lower(trim(d))) from unnest(configure_sso.allowed_domains) d), configure_sso.enabled)
  on conflict on constraint sso_providers_pkey do update
    set issuer = excluded.issuer, client_id = excluded.client_id, client_secret = excluded.client_secret,
        allowed_domains = excluded.allowed_domains, enabled = excluded.enabled, updated_at = now();
end
$$;

ALTER FUNCTION app_private.configure_sso(org_id uuid, issuer text, client_id text, client_secret text, allowed_domains text[], secret_key text, enabled boolean) OWNER TO switchboard_owner;

--
-- Name: confirm_lead_pushes(uuid, uuid, uuid[], jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.confirm_lead_pushes(org_id uuid, chunk_id uuid, lead_ids uuid[], answer jsonb) RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  with done as (
    update app_public.lead_pushes p
       set status = 'pushed', reason = 'found_in_campaign_after_interrupted_call', answer = confirm_lead_pushes.answer,
           pushed_at = now(), updated_at = now()
     where p.org_id = confirm_lead_pushes.org_id and p.chunk_id = confirm_lead_pushes.chunk_id
       and p.lead_id = any (lead_ids) and p.status = 'pending'
    returning p.lead_id)
  select count(*)::int from done
$$;

ALTER FUNCTION app_private.confirm_lead_pushes(org_id uuid, chunk_id uuid, lead_ids uuid[], answer jsonb) OWNER TO switchboard_owner;

--
-- Name: consent_page(uuid, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.consent_page(org_id uuid, lead_id uuid, nonce uuid) RETURNS TABLE(status text, first_name text, last_name text, org_name text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select case when n.nonce is null or n.expires_at <= now() then 'invalid'
              when n.used_at is not null then 'used' else 'ok' end,
         l.first_name, l.last_name, g.name
    from (select 1) one
    left join app_private.consent_nonces n
           on n.nonce = consent_page.nonce and n.org_id = consent_page.org_id and n.lead_id = consent_page.lead_id
    left join app_public.leads l on l.org_id = n.org_id and l.id = n.lead_id
    left join app_public.organizations g on g.id = n.org_id
$$;

ALTER FUNCTION app_private.consent_page(org_id uuid, lead_id uuid, nonce uuid) OWNER TO switchboard_owner;

--
-- Name: console_create_endpoint(text, boolean, text, text[], text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.console_create_endpoint(encryption_key text, allow_private_urls boolean, url text, event_types text[] DEFAULT '{}'::text[], description text DEFAULT NULL::text) RETURNS TABLE(endpoint_id uuid, secret text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  created record;
begin
  perform app_public.require_org_admin();
  select * into created from app_private.create_delivery_endpoint(
    app_public.current_org_id(), btrim(url), coalesce(event_types, '{}'), nullif(btrim(description), ''),
    encryption_key, coalesce(allow_private_urls, false));
  endpoint_id := created.endpoint_id;
  secret := created.secret;
  return next;
end
$$;

ALTER FUNCTION app_private.console_create_endpoint(encryption_key text, allow_private_urls boolean, url text, event_types text[], description text) OWNER TO switchboard_owner;

--
-- Name: console_create_sending_account(text, text, text, text, text, text, text, integer, boolean, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.console_create_sending_account(encryption_key text, from_email text, smtp_host text, smtp_user text, smtp_password text, name text DEFAULT NULL::text, from_name text DEFAULT NULL::text, smtp_port integer DEFAULT 587, smtp_secure boolean DEFAULT false, daily_cap integer DEFAULT 50) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  perform app_public.require_org_admin();
  if coalesce(smtp_password, '') = '' then
    raise exception 'the SMTP password is required' using errcode = '22023', hint = 'password_required';
  end if;
  return app_private.create_sending_account(
    app_public.current_org_id(), nullif(btrim(name), ''), btrim(from_email)::citext, nullif(btrim(from_name), ''),
    btrim(smtp_host), coalesce(smtp_port, 587), coalesce(smtp_secure, false), btrim(smtp_user), smtp_password,
    coalesce(daily_cap, 50), encryption_key);
end
$$;

ALTER FUNCTION app_private.console_create_sending_account(encryption_key text, from_email text, smtp_host text, smtp_user text, smtp_password text, name text, from_name text, smtp_port integer, smtp_secure boolean, daily_cap integer) OWNER TO switchboard_owner;

--
-- Name: console_create_source(text, text, text, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.console_create_source(encryption_key text, provider text, name text DEFAULT NULL::text, given_secret text DEFAULT NULL::text, auth jsonb DEFAULT NULL::jsonb) RETURNS TABLE(source_id uuid, secret text, url text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org uuid := app_public.current_org_id();
  created record;
begin
  perform app_public.require_org_admin();
  if provider is null or provider not in ('smartlead', 'replyio', 'vapi', 'standard', 'csv') then
    raise exception 'provider must be one of smartlead, replyio, vapi, standard, csv'
      using errcode = '22023', hint = 'invalid_provider';
  end if;
  if name is not null and length(btrim(name)) not between 1 and 200 then
    raise exception 'the name must be 1 to 200 characters' using errcode = '22023', hint = 'invalid_name';
  end if;
  if coalesce(encryption_key, '') = '' then
    raise exception 'no encryption key' using errcode = '22023';
  end if;
  select * into created from app_private.create_source(org, provider, nullif(btrim(name), ''), encryption_key,
                                                       nullif(given_secret, ''), auth);
  source_id := created.source_id;
  secret := created.secret;
  url := created.url;
  return next;
end
$$;

ALTER FUNCTION app_private.console_create_source(encryption_key text, provider text, name text, given_secret text, auth jsonb) OWNER TO switchboard_owner;

--
-- Name: console_rotate_endpoint(text, uuid, interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.console_rotate_endpoint(encryption_key text, endpoint uuid, grace interval DEFAULT '24:00:00'::interval) RETURNS TABLE(endpoint_id uuid, secret text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  ep app_public.delivery_endpoints;
begin
  perform app_public.require_org_admin();
  select * into ep from app_public.delivery_endpoints e where e.org_id = app_public.current_org_id() and e.id = console_rotate_endpoint.endpoint;
  if not found then
    raise exception 'endpoint not found' using errcode = 'PT404', hint = 'endpoint_not_found';
  end if;
  if grace is null or grace < '0' or grace > '7 days' then
    raise exception 'the grace period must be between 0 and 7 days' using errcode = '22023', hint = 'invalid_grace';
  end if;
  select r.secret into secret from app_private.rotate_delivery_secret(ep.id, grace, encryption_key) r;
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (ep.org_id, app_public.current_user_id(), 'app_private.delivery_endpoint_secrets', ep.id::text, 'update',
          null, jsonb_build_object('rotated', true, 'grace', grace::text));
  endpoint_id := ep.id;
  return next;
end
$$;

ALTER FUNCTION app_private.console_rotate_endpoint(encryption_key text, endpoint uuid, grace interval) OWNER TO switchboard_owner;

--
-- Name: console_rotate_source(text, uuid, interval, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.console_rotate_source(encryption_key text, source uuid, grace interval DEFAULT '24:00:00'::interval, given_secret text DEFAULT NULL::text) RETURNS TABLE(source_id uuid, secret text, url text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  src app_public.sources;
  rotated record;
begin
  perform app_public.require_org_admin();
  select * into src from app_public.sources s where s.org_id = app_public.current_org_id() and s.id = console_rotate_source.source;
  if not found then
    raise exception 'source not found' using errcode = 'PT404', hint = 'source_not_found';
  end if;
  if grace is null or grace < '0' or grace > '7 days' then
    raise exception 'the grace period must be between 0 and 7 days' using errcode = '22023', hint = 'invalid_grace';
  end if;
  select * into rotated from app_private.rotate_source_secret(src.id, grace, encryption_key, nullif(given_secret, ''));
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (src.org_id, app_public.current_user_id(), 'app_private.source_secrets', src.id::text, 'update',
          null, jsonb_build_object('rotated', true, 'grace', grace::text));
  source_id := src.id;
  secret := rotated.secret;
  url := rotated.url;
  return next;
end
$$;

ALTER FUNCTION app_private.console_rotate_source(encryption_key text, source uuid, grace interval, given_secret text) OWNER TO switchboard_owner;

--
-- Name: console_set_sending_account_password(text, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.console_set_sending_account_password(encryption_key text, account_id uuid, smtp_password text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  perform app_public.require_org_admin();
  if coalesce(smtp_password, '') = '' then
    raise exception 'the SMTP password is required' using errcode = '22023', hint = 'password_required';
  end if;
  if not exists (select 1 from app_public.sending_accounts a
                  where a.org_id = app_public.current_org_id() and a.id = console_set_sending_account_password.account_id) then
    raise exception 'sending account not found' using errcode = 'PT404', hint = 'account_not_found';
  end if;
  perform app_private.set_sending_account_password(account_id, smtp_password, encryption_key);
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (app_public.current_org_id(), app_public.current_user_id(), 'app_private.sending_account_secrets',
          account_id::text, 'update', null, jsonb_build_object('password', 'changed'));
  return true;
end
$$;

ALTER FUNCTION app_private.console_set_sending_account_password(encryption_key text, account_id uuid, smtp_password text) OWNER TO switchboard_owner;

--
-- Name: consume_request_quota(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.consume_request_quota(user_id uuid, org_id uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  win timestamptz := date_trunc('minute', now());
  lim record := app_private.quota_limits(consume_request_quota.org_id);
  my_shard smallint := pg_backend_pid() % 8;
  user_count bigint;
  org_count bigint;
begin
  if current_setting('transaction_read_only') <> 'on' then
    -- User row first, then org row: one lock order for everyone, so no deadlocks.
    insert into app_private.request_counters as c (subject, window_start, shard, count)
    values (consume_request_quota.user_id, win, my_shard, 1), (consume_request_quota.org_id, win, my_shard, 1)
    on conflict on constraint request_counters_pkey do update set count = c.count + 1;
  end if;
  select coalesce(sum(c.count) filter (where c.subject = consume_request_quota.user_id), 0),
         coalesce(sum(c.count) filter (where c.subject = consume_request_quota.org_id), 0)
    into user_count, org_count
    from app_private.request_counters c
   where c.subject in (consume_request_quota.user_id, consume_request_quota.org_id) and c.window_start = win;
  if current_setting('transaction_read_only') = 'on' then
    user_count := user_count + 1;
    org_count := org_count + 1;
  end if;
  if user_count > lim.per_user or org_count > lim.per_org then
    perform app_private.raise_quota_exceeded(case when user_count > lim.per_user then 'per_user' else 'per_org' end);
  end if;
end
$$;

ALTER FUNCTION app_private.consume_request_quota(user_id uuid, org_id uuid) OWNER TO switchboard_owner;

--
-- Name: consume_second_factor(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.consume_second_factor(uid uuid, code text, secret_key text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  normalized text := app_private.normalize_recovery_code(coalesce(code, ''));
  secret bytea;
  step bigint := app_private.current_totp_step();
  candidate bigint;
begin
  if normalized ~ '^[0-9]{6}$' then
    select public.pgp_sym_decrypt_bytea(m.secret, secret_key) into secret
      from app_private.user_mfa m where m.user_id = uid;
    if secret is null then
      return null;
    end if;
    foreach candidate in array array[step, step - 1, step + 1] loop
      if app_private.hotp(secret, candidate) = normalized then
        update app_private.user_mfa m set last_used_step = candidate
         where m.user_id = uid and m.last_used_step < candidate;
        return case when found then 'totp' end;
      end if;
    end loop;
    return null;
  end if;
  if length(normalized) between 8 and 32 then
    update app_private.mfa_recovery_codes r set used_at = now()
     where r.user_id = uid and r.code_hash = public.digest(normalized, 'sha256') and r.used_at is null;
    if found then
      return 'recovery_code';
    end if;
  end if;
  return null;
end
$_$;

ALTER FUNCTION app_private.consume_second_factor(uid uuid, code text, secret_key text) OWNER TO switchboard_owner;

--
-- Name: is_platform_email(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.is_platform_email(address text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select address is not null and length(address) <= 320
     and address !~ '[[:cntrl:]]'
     and address ~ '^("[^"]+"|[^@\s"]+)@[^@\s"]+$'
$_$;

ALTER FUNCTION app_private.is_platform_email(address text) OWNER TO switchboard_owner;

--
-- Name: contacts; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.contacts (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email public.citext,
    first_name text,
    last_name text,
    phone text,
    company text,
    attributes jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT contacts_email_platform_form CHECK (((email IS NULL) OR app_private.is_platform_email((email)::text)))
);

ALTER TABLE ONLY app_public.contacts FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.contacts OWNER TO switchboard_owner;

--
-- Name: contact_identity(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.contact_identity(org_id uuid, contact_id uuid, OUT contact app_public.contacts, OUT norm_email public.citext, OUT norm_phone text, OUT lead_ids uuid[], OUT call_ids uuid[], OUT inbox_ids uuid[], OUT pattern text) RETURNS record
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  terms text[] := '{}';
begin
  select * into contact from app_public.contacts c where c.org_id = contact_identity.org_id and c.id = contact_id;
  if contact.id is null then
    raise exception 'contact not found' using errcode = 'PT404';
  end if;
  norm_email := app_private.normalize_email(contact.email::text);
  norm_phone := app_private.phone_e164(contact.phone);
  lead_ids := coalesce((select array_agg(l.id) from app_public.leads l
                         where l.org_id = contact_identity.org_id
                           and ((norm_email is not null and l.email = norm_email)
                                or (norm_phone is not null and app_private.phone_e164(l.phone) = norm_phone))), '{}');
  call_ids := coalesce((select array_agg(k.id) from app_public.calls k
                         where k.org_id = contact_identity.org_id
                           and (k.contact_id = contact.id or (norm_phone is not null and app_private.phone_e164(k.customer_number) = norm_phone))), '{}');
  inbox_ids := coalesce((select array_agg(distinct e.webhook_event_id) from app_public.email_events e
                          where e.org_id = contact_identity.org_id and e.contact_id = contact.id and e.webhook_event_id is not null), '{}');
  -- Terms scrubbed inside linked rows only: the stored email and phone as written, their
  -- normalised forms, the full name and each name part of two letters or more.
  if contact.email is not null then terms := terms || app_private.regex_escape(contact.email::text); end if;
  if contact.phone is not null and length(contact.phone) >= 4 then terms := terms || app_private.regex_escape(contact.phone); end if;
  if norm_phone is not null then terms := terms || app_private.regex_escape(norm_phone) || app_private.regex_escape(substr(norm_phone, 2)); end if;
  if contact.first_name is not null and contact.last_name is not null then
    terms := terms || ('\m' || app_private.regex_escape(contact.first_name) || '\s+' || app_private.regex_escape(contact.last_name) || '\M');
  end if;
  if length(contact.first_name) >= 2 then terms := terms || ('\m' || app_private.regex_escape(contact.first_name) || '\M'); end if;
  if length(contact.last_name) >= 2 then terms := terms || ('\m' || app_private.regex_escape(contact.last_name) || '\M'); end if;
  pattern := nullif(array_to_string(terms, '|'), '');
end
$$;

ALTER FUNCTION app_private.contact_identity(org_id uuid, contact_id uuid, OUT contact app_public.contacts, OUT norm_email public.citext, OUT norm_phone text, OUT lead_ids uuid[], OUT call_ids uuid[], OUT inbox_ids uuid[], OUT pattern text) OWNER TO switchboard_owner;

--
-- Name: contactable_lead_ids(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.contactable_lead_ids() RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select m.lead_id from app_private.contactable_lead_set m where m.org_id = app_public.current_org_id()
$$;

ALTER FUNCTION app_private.contactable_lead_ids() OWNER TO switchboard_owner;

--
-- Name: create_calendar_feed(uuid, uuid, boolean, text, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.create_calendar_feed(org_id uuid, resource_id uuid, with_names boolean, name text, actor_id uuid DEFAULT NULL::uuid) RETURNS TABLE(feed_id uuid, token text, path text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  fid uuid;
begin
  if resource_id is not null and not exists (
       select 1 from app_public.resources r where r.org_id = create_calendar_feed.org_id and r.id = create_calendar_feed.resource_id) then
    raise exception 'resource not found' using errcode = 'PT404', hint = 'resource_not_found';
  end if;
  insert into app_public.calendar_feeds (org_id, resource_id, with_names, name, created_by)
  values (create_calendar_feed.org_id, create_calendar_feed.resource_id, coalesce(with_names, false), nullif(name, ''), actor_id)
  returning id into fid;
  feed_id := fid;
  token := app_private.calendar_feed_token(fid);
  path := '/calendar/' || token || '.ics';
  return next;
end
$$;

ALTER FUNCTION app_private.create_calendar_feed(org_id uuid, resource_id uuid, with_names boolean, name text, actor_id uuid) OWNER TO switchboard_owner;

--
-- Name: create_calendar_source(uuid, text, text, text, text, text, boolean, interval, text, boolean); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.create_calendar_source(resource_id uuid, kind text, name text, url text, username text, password text, write boolean, sync_interval interval, encryption_key text, allow_private boolean) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org uuid;
  problem text;
  sid uuid;
begin
  select r.org_id into org from app_public.resources r where r.id = create_calendar_source.resource_id;
  if org is null then
    raise exception 'resource not found' using errcode = 'PT404', hint = 'resource_not_found';
  end if;
  if kind not in ('ics', 'caldav') then
    raise exception 'kind must be ics or caldav' using errcode = '22023', hint = 'invalid_calendar_source';
  end if;
  -- webcal:// is how many calendars publish an .ics address; it is plain https.
  url := regexp_replace(url, '^webcals?://', 'https://');
  problem := app_private.delivery_url_problem(url, allow_private);
  if problem is not null then
    raise exception 'calendar URL refused: %', problem using errcode = '22023', hint = 'invalid_calendar_source';
  end if;
  if kind = 'caldav' and (coalesce(username, '') = '' or coalesce(password, '') = '') then
    raise exception 'a CalDAV source needs a user name and an app password' using errcode = '22023', hint = 'invalid_calendar_source';
  end if;
  if write and kind <> 'caldav' then
    raise exception 'only CalDAV sources can be written to' using errcode = '22023', hint = 'invalid_calendar_source';
  end if;
  insert into app_public.calendar_sources (org_id, resource_id, kind, name, url_display, write, sync_interval)
  values (org, create_calendar_source.resource_id, kind, coalesce(nullif(name, ''), kind || ' ' || app_private.calendar_url_display(url)),
          app_private.calendar_url_display(url), coalesce(write, false), coalesce(sync_interval, '5 minutes'))
  returning id into sid;
  insert into app_private.calendar_source_secrets (org_id, source_id, url_encrypted, username, password_encrypted)
  values (org, sid, pgp_sym_encrypt(url, encryption_key), nullif(username, ''),
          case when coalesce(password, '') <> '' then pgp_sym_encrypt(password, encryption_key) end);
  perform app_private.schedule_calendar_sync(org, sid);
  return sid;
end
$$;

ALTER FUNCTION app_private.create_calendar_source(resource_id uuid, kind text, name text, url text, username text, password text, write boolean, sync_interval interval, encryption_key text, allow_private boolean) OWNER TO switchboard_owner;

--
-- Name: create_campaign(uuid, text, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.create_campaign(org_id uuid, name text, provider text, external_id text) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  insert into app_public.campaigns (org_id, name, provider, external_id)
  values (org_id, name, provider, external_id)
  returning id
$$;

ALTER FUNCTION app_private.create_campaign(org_id uuid, name text, provider text, external_id text) OWNER TO switchboard_owner;

--
-- Name: create_campaign_connection(uuid, text, text, text, text, text, jsonb, text, boolean); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.create_campaign_connection(org_id uuid, provider text, name text, external_campaign_id text, api_key text, base_url text, field_mapping jsonb, encryption_key text, allow_private boolean) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  problem text;
  cid uuid;
begin
  if api_key is null or length(api_key) not between 8 and 500 or api_key ~ '\s' then
    raise exception 'an API key (8 to 500 characters, no spaces) is required' using errcode = '22023';
  end if;
  if base_url is not null then
    problem := app_private.delivery_url_problem(base_url, allow_private);
    if problem is not null then
      raise exception 'base URL refused: %', problem using errcode = '22023';
    end if;
  end if;
  insert into app_public.campaign_connections (org_id, provider, name, external_campaign_id, base_url, field_mapping)
  values (create_campaign_connection.org_id, provider, coalesce(name, provider || ' ' || external_campaign_id),
          external_campaign_id, rtrim(base_url, '/'),
          coalesce(field_mapping, app_private.default_field_mapping()))
  returning id into cid;
  insert into app_private.campaign_connection_secrets (org_id, connection_id, api_key_encrypted)
  values (create_campaign_connection.org_id, cid, pgp_sym_encrypt(api_key, encryption_key));
  perform app_private.schedule_connection_validation(create_campaign_connection.org_id, cid);
  return cid;
end
$$;

ALTER FUNCTION app_private.create_campaign_connection(org_id uuid, provider text, name text, external_campaign_id text, api_key text, base_url text, field_mapping jsonb, encryption_key text, allow_private boolean) OWNER TO switchboard_owner;

--
-- Name: create_delivery_endpoint(uuid, text, text[], text, text, boolean); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.create_delivery_endpoint(org_id uuid, url text, event_types text[], description text, encryption_key text, allow_private boolean, OUT endpoint_id uuid, OUT secret text) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  problem text := app_private.delivery_url_problem(url, allow_private);
begin
  if problem is not null then
    raise exception 'endpoint URL refused: %', problem using errcode = '22023';
  end if;
  insert into app_public.delivery_endpoints (org_id, url, event_types, description)
  values (create_delivery_endpoint.org_id, url, coalesce(event_types, '{}'), description)
  returning id into endpoint_id;
  secret := app_private.new_delivery_secret();
  insert into app_private.delivery_endpoint_secrets (org_id, endpoint_id, secret_encrypted)
  values (create_delivery_endpoint.org_id, endpoint_id, pgp_sym_encrypt(secret, encryption_key));
end
$$;

ALTER FUNCTION app_private.create_delivery_endpoint(org_id uuid, url text, event_types text[], description text, encryption_key text, allow_private boolean, OUT endpoint_id uuid, OUT secret text) OWNER TO switchboard_owner;

--
-- Name: create_organization(text, public.citext, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.create_organization(name text, admin_email public.citext, admin_password text, timezone text DEFAULT 'UTC'::text, OUT org_id uuid, OUT user_id uuid) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  insert into app_public.organizations (name, timezone)
  values (create_organization.name, create_organization.timezone)
  returning id into org_id;
  user_id := app_private.ensure_user(admin_email, admin_password);
  insert into app_public.memberships (org_id, user_id, role)
  values (create_organization.org_id, create_organization.user_id, 'owner');
end
$$;

ALTER FUNCTION app_private.create_organization(name text, admin_email public.citext, admin_password text, timezone text, OUT org_id uuid, OUT user_id uuid) OWNER TO switchboard_owner;

--
-- Name: create_sending_account(uuid, text, public.citext, text, text, integer, boolean, text, text, integer, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.create_sending_account(org_id uuid, name text, from_email public.citext, from_name text, smtp_host text, smtp_port integer, smtp_secure boolean, smtp_user text, smtp_password text, daily_cap integer, encryption_key text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  id uuid;
begin
  insert into app_public.sending_accounts (org_id, name, from_email, from_name, smtp_host, smtp_port, smtp_secure, smtp_user, daily_cap)
  values (create_sending_account.org_id, coalesce(create_sending_account.name, create_sending_account.from_email::text),
          create_sending_account.from_email, create_sending_account.from_name, create_sending_account.smtp_host,
          create_sending_account.smtp_port, create_sending_account.smtp_secure, create_sending_account.smtp_user,
          create_sending_account.daily_cap)
  returning sending_accounts.id into id;
  insert into app_private.sending_account_secrets (org_id, account_id, password_encrypted)
  values (create_sending_account.org_id, id, pgp_sym_encrypt(smtp_password, encryption_key));
  return id;
end
$$;

ALTER FUNCTION app_private.create_sending_account(org_id uuid, name text, from_email public.citext, from_name text, smtp_host text, smtp_port integer, smtp_secure boolean, smtp_user text, smtp_password text, daily_cap integer, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: create_source(uuid, text, text, text, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.create_source(org_id uuid, provider text, name text, encryption_key text, given_secret text DEFAULT NULL::text, auth jsonb DEFAULT NULL::jsonb, OUT source_id uuid, OUT secret text, OUT url text) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  options jsonb := app_private.source_auth(provider, auth);
begin
  if not app_private.valid_source_auth(provider, options) then
    raise exception 'invalid authentication options for %', provider using errcode = '22023';
  end if;
  insert into app_public.sources (org_id, provider, name, auth)
  values (create_source.org_id, create_source.provider, coalesce(create_source.name, provider), options)
  returning id into source_id;
  secret := app_private.checked_source_secret(provider, given_secret, options);
  insert into app_private.source_secrets (org_id, source_id, secret_encrypted)
  values (create_source.org_id, source_id, pgp_sym_encrypt(secret, encryption_key));
  url := app_private.source_url(provider, source_id, secret);
end
$$;

ALTER FUNCTION app_private.create_source(org_id uuid, provider text, name text, encryption_key text, given_secret text, auth jsonb, OUT source_id uuid, OUT secret text, OUT url text) OWNER TO switchboard_owner;

--
-- Name: current_request_id(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.current_request_id() RETURNS text
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select substring(current_query() from '^/\* request_id=([A-Za-z0-9._:-]{1,100}) \*/')
$$;

ALTER FUNCTION app_private.current_request_id() OWNER TO switchboard_owner;

--
-- Name: current_totp_step(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.current_totp_step() RETURNS bigint
    LANGUAGE sql PARALLEL SAFE
    AS $$
  select floor(extract(epoch from clock_timestamp()) / 30)::bigint
$$;

ALTER FUNCTION app_private.current_totp_step() OWNER TO switchboard_owner;

--
-- Name: dead_letter_delivery(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.dead_letter_delivery(org_id uuid, delivery_id uuid, error text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  update app_public.deliveries d set status = 'dead', last_error = left(error, 500)
   where d.org_id = dead_letter_delivery.org_id and d.id = delivery_id;
  insert into app_public.dead_letters (org_id, kind, ref_id, error)
  values (dead_letter_delivery.org_id, 'delivery', delivery_id, left(error, 500));
$$;

ALTER FUNCTION app_private.dead_letter_delivery(org_id uuid, delivery_id uuid, error text) OWNER TO switchboard_owner;

--
-- Name: dead_letter_lead_push(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.dead_letter_lead_push(org_id uuid, chunk_id uuid, error text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  update app_public.lead_push_chunks c
     set status = 'dead', last_error = left(error, 500), in_flight_since = null, finished_at = now()
   where c.org_id = dead_letter_lead_push.org_id and c.id = chunk_id;
  update app_public.lead_pushes p set status = 'failed', reason = left(error, 300), updated_at = now()
   where p.org_id = dead_letter_lead_push.org_id and p.chunk_id = dead_letter_lead_push.chunk_id and p.status = 'pending';
  insert into app_public.dead_letters (org_id, kind, ref_id, error)
  values (dead_letter_lead_push.org_id, 'lead_push', chunk_id, left(error, 500));
$$;

ALTER FUNCTION app_private.dead_letter_lead_push(org_id uuid, chunk_id uuid, error text) OWNER TO switchboard_owner;

--
-- Name: decrypt_pii(bytea, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.decrypt_pii(value bytea, encryption_key text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select case when value is not null then pgp_sym_decrypt(value, encryption_key) end
$$;

ALTER FUNCTION app_private.decrypt_pii(value bytea, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: default_field_mapping(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.default_field_mapping() RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select '{"email":"email","first_name":"first_name","last_name":"last_name","phone":"phone","company":"attributes.company",
           "custom_fields":{"score":"lead_score","property_address":"property_address","equity":"estimated_equity"}}'::jsonb
$$;

ALTER FUNCTION app_private.default_field_mapping() OWNER TO switchboard_owner;

--
-- Name: default_org_quota(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.default_org_quota() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ select 30000 $$;

ALTER FUNCTION app_private.default_org_quota() OWNER TO switchboard_owner;

--
-- Name: default_user_quota(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.default_user_quota() RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ select 3000 $$;

ALTER FUNCTION app_private.default_user_quota() OWNER TO switchboard_owner;

--
-- Name: delivery_url_problem(text, boolean); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.delivery_url_problem(url text, allow_private boolean) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  m text[] := regexp_match(url, '^(https?)://(?:[^@/?#]*@)?(\[[0-9a-fA-F:.]+\]|[^/:?#\[\]]+)(?::(\d{1,5}))?([/?#].*)?$');
  host text;
  addr inet;
begin
  if m is null then
    return 'not an http(s) URL';
  end if;
  if url ~ '\s' then
    return 'URL contains whitespace';
  end if;
  if allow_private then
    return null;
  end if;
  if m[1] <> 'https' then
    return 'only https URLs are allowed';
  end if;
  host := lower(trim(both '[]' from m[2]));
  if host = 'localhost' or host ~ '\.(localhost|local|internal|lan|home|arpa)\.?$' or host !~ '\.' and host !~ ':' then
    return 'private host names are not allowed';
  end if;
  begin
    addr := host::inet;
  exception when others then
    -- Dotted forms that are not plain IPv4 (e.g. 0x7f.1 or 2130706433) are refused.
    if host ~ '^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+))*\.?$' then
      return 'numeric host names must be plain IP addresses';
    end if;
    return null;
  end;
  -- IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are refused outright by the list below.
  if addr << any (array['0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16',
                        '172.16.0.0/12', '192.0.0.0/24', '192.168.0.0/16', '198.18.0.0/15',
                        '224.0.0.0/3', '::/127', 'fc00::/7', 'fe80::/10', 'ff00::/8', '::ffff:0:0/96']::inet[])
     or addr = any (array['0.0.0.0', '::', '::1']::inet[]) then
    return 'private, loopback and link-local addresses are not allowed';
  end if;
  return null;
end
$_$;

ALTER FUNCTION app_private.delivery_url_problem(url text, allow_private boolean) OWNER TO switchboard_owner;

--
-- Name: device_from_user_agent(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.device_from_user_agent(user_agent text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case when user_agent is null then null else
    coalesce(case when user_agent ~* 'edg/' then 'Edge' when user_agent ~* 'chrome/' then 'Chrome'
                  when user_agent ~* 'firefox/' then 'Firefox' when user_agent ~* 'safari/' then 'Safari'
                  when user_agent ~* 'curl/' then 'curl' end, 'Unknown client')
    || coalesce(' on ' || case when user_agent ~* 'android' then 'Android' when user_agent ~* 'iphone|ipad' then 'iOS'
                               when user_agent ~* 'windows' then 'Windows' when user_agent ~* 'mac os' then 'macOS'
                               when user_agent ~* 'linux' then 'Linux' end, '')
  end
$$;

ALTER FUNCTION app_private.device_from_user_agent(user_agent text) OWNER TO switchboard_owner;

--
-- Name: disable_delivery_endpoint(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.disable_delivery_endpoint(org_id uuid, endpoint_id uuid, reason text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  ep app_public.delivery_endpoints;
begin
  update app_public.delivery_endpoints e
     set enabled = false, disabled_reason = reason, disabled_at = now()
   where e.org_id = disable_delivery_endpoint.org_id and e.id = endpoint_id and e.enabled
  returning * into ep;
  if ep.id is not null then
    perform app_private.emit_event(ep.org_id, 'endpoint.disabled',
      jsonb_build_object('endpoint_id', ep.id, 'url', ep.url, 'reason', reason));
  end if;
end
$$;

ALTER FUNCTION app_private.disable_delivery_endpoint(org_id uuid, endpoint_id uuid, reason text) OWNER TO switchboard_owner;

--
-- Name: disable_sending_account(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.disable_sending_account(account_id uuid, reason text, error text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  acc app_public.sending_accounts;
begin
  update app_public.sending_accounts a set enabled = false, disabled_reason = reason
   where a.id = disable_sending_account.account_id and a.enabled
  returning * into acc;
  if found then
    insert into app_private.operational_events (org_id, kind, severity, details)
    values (acc.org_id, 'sending_account_disabled', 'warning',
            jsonb_build_object('account_id', acc.id, 'from_email', acc.from_email, 'reason', reason,
                               'error', left(error, 300)));
  end if;
end
$$;

ALTER FUNCTION app_private.disable_sending_account(account_id uuid, reason text, error text) OWNER TO switchboard_owner;

--
-- Name: discard_lead_batch_attempt(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.discard_lead_batch_attempt(batch_id uuid) RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select coalesce(sum(app_private.discard_pending_lead_batches(b.org_id, b.id)), 0)::int
    from app_public.lead_import_batches b
   where b.id = discard_lead_batch_attempt.batch_id
$$;

ALTER FUNCTION app_private.discard_lead_batch_attempt(batch_id uuid) OWNER TO switchboard_owner;

--
-- Name: discard_pending_lead_batches(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.discard_pending_lead_batches(org_id uuid, only_batch uuid DEFAULT NULL::uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  gone uuid[];
  n int := 0;
  id uuid;
begin
  if not exists (select 1 from app_private.lead_import_pending p
                  where p.org_id = discard_pending_lead_batches.org_id
                    and (only_batch is null or p.batch_id = only_batch)) then
    return 0;
  end if;
  perform pg_advisory_xact_lock(app_private.lead_lock_key(discard_pending_lead_batches.org_id));
  -- Waits for a chunk still inserting (it holds its pending row FOR SHARE), so the DELETE
  -- below sees every lead the attempt committed.
  with d as (
    delete from app_private.lead_import_pending p
     where p.org_id = discard_pending_lead_batches.org_id and (only_batch is null or p.batch_id = only_batch)
    returning p.batch_id)
  select array_agg(d.batch_id) into gone from d;
  if gone is null then
    return 0;
  end if;
  delete from app_public.leads l
   where l.org_id = discard_pending_lead_batches.org_id and l.first_batch_id = any (gone);
  get diagnostics n = row_count;
  foreach id in array gone loop
    -- (lead_new_*: the groups' rows of an attempt prepared before chunk 0 formed them.)
    execute format('drop table if exists app_private.%I', 'lead_new_' || replace(id::text, '-', ''));
    execute format('drop table if exists app_private.%I', 'lead_upd_' || replace(id::text, '-', ''));
    execute format('drop table if exists app_private.%I', 'lead_los_' || replace(id::text, '-', ''));
    execute format('drop table if exists app_private.%I', 'lead_merge_' || replace(id::text, '-', ''));
    execute format('drop table if exists app_private.%I', 'lead_dup_' || replace(id::text, '-', ''));
    execute format('drop table if exists app_private.%I', 'lead_grp_' || replace(id::text, '-', ''));
  end loop;
  return n;
end
$$;

ALTER FUNCTION app_private.discard_pending_lead_batches(org_id uuid, only_batch uuid) OWNER TO switchboard_owner;

--
-- Name: due_calendar_sources(integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.due_calendar_sources(max_count integer DEFAULT 500) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  s record;
  n int := 0;
begin
  for s in select c.org_id, c.id from app_public.calendar_sources c
            where c.enabled and (c.last_attempt_at is null or c.last_attempt_at + c.sync_interval <= now())
            order by c.last_attempt_at nulls first limit max_count
  loop
    perform app_private.schedule_calendar_sync(s.org_id, s.id);
    n := n + 1;
  end loop;
  return n;
end
$$;

ALTER FUNCTION app_private.due_calendar_sources(max_count integer) OWNER TO switchboard_owner;

--
-- Name: due_call_events(uuid, smallint, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.due_call_events(org_id uuid, shard smallint, max_count integer DEFAULT 100) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select e.id from app_public.webhook_events e
   where e.org_id = due_call_events.org_id and e.shard in (shard % 8, shard % 8 + 8) and e.provider = 'vapi'
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
   order by e.received_at limit max_count
$$;

ALTER FUNCTION app_private.due_call_events(org_id uuid, shard smallint, max_count integer) OWNER TO switchboard_owner;

--
-- Name: due_sms_events(uuid, smallint, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.due_sms_events(org_id uuid, shard smallint, max_count integer DEFAULT 100) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select e.id from app_public.webhook_events e
   where e.org_id = due_sms_events.org_id and e.shard = shard % 8 + 16 and e.provider = 'twilio'
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
   order by e.received_at limit max_count
$$;

ALTER FUNCTION app_private.due_sms_events(org_id uuid, shard smallint, max_count integer) OWNER TO switchboard_owner;

--
-- Name: due_webhook_events(uuid, smallint, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.due_webhook_events(org_id uuid, shard smallint, max_count integer DEFAULT 100) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select e.id from app_public.webhook_events e
   where e.org_id = due_webhook_events.org_id and e.shard = due_webhook_events.shard
     and e.provider in (select t.provider from app_private.provider_tasks t where t.task_identifier = 'process_outreach_events')
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
   order by e.received_at limit max_count
$$;

ALTER FUNCTION app_private.due_webhook_events(org_id uuid, shard smallint, max_count integer) OWNER TO switchboard_owner;

--
-- Name: emails_due(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.emails_due(only_org uuid DEFAULT NULL::uuid) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select exists (select 1 from app_public.emails m
                  where m.status = 'queued' and m.scheduled_at <= now() and (only_org is null or m.org_id = only_org)
                  limit 1 for update skip locked)
$$;

ALTER FUNCTION app_private.emails_due(only_org uuid) OWNER TO switchboard_owner;

--
-- Name: emit_event(uuid, text, jsonb, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.emit_event(org_id uuid, event_type text, data jsonb, only_endpoint uuid DEFAULT NULL::uuid) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  msg_id uuid;
  d record;
begin
  if not app_private.has_subscriber(emit_event.org_id, emit_event.event_type, only_endpoint) then
    return null;
  end if;
  insert into app_public.delivery_messages (org_id, event_type, payload)
  values (emit_event.org_id, emit_event.event_type,
          jsonb_build_object('type', emit_event.event_type,
                             'timestamp', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                             'data', coalesce(data, '{}'::jsonb))
          -- A top-level "text" (alerts) makes the body readable by Slack-compatible incoming webhooks.
          || case when data ? 'text' then jsonb_build_object('text', data ->> 'text') else '{}'::jsonb end)
  returning id into msg_id;
  for d in
    insert into app_public.deliveries (org_id, message_id, endpoint_id)
    select e.org_id, msg_id, e.id
      from app_public.delivery_endpoints e
     where e.org_id = emit_event.org_id and e.enabled
       and (only_endpoint is null or e.id = only_endpoint)
       and (cardinality(e.event_types) = 0 or emit_event.event_type = any (e.event_types))
    returning deliveries.org_id, deliveries.id
  loop
    perform app_private.schedule_delivery(d.org_id, d.id);
  end loop;
  return msg_id;
end
$$;

ALTER FUNCTION app_private.emit_event(org_id uuid, event_type text, data jsonb, only_endpoint uuid) OWNER TO switchboard_owner;

--
-- Name: encrypt_pii(text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.encrypt_pii(value text, encryption_key text) RETURNS bytea
    LANGUAGE sql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select case when value is not null then pgp_sym_encrypt(value, encryption_key, 'cipher-algo=aes256') end
$$;

ALTER FUNCTION app_private.encrypt_pii(value text, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: enroll(uuid, uuid, uuid[], uuid[]); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.enroll(org_id uuid, campaign_id uuid, contact_ids uuid[], lead_ids uuid[] DEFAULT NULL::uuid[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  the_org constant uuid := enroll.org_id;
  first_step app_public.sequence_steps;
  n int;
begin
  if not exists (select 1 from app_public.campaigns c where c.org_id = the_org and c.id = enroll.campaign_id) then
    raise exception 'campaign not found' using errcode = 'PT404';
  end if;
  select * into first_step from app_public.sequence_steps s
   where s.org_id = the_org and s.campaign_id = enroll.campaign_id order by s.position limit 1;
  if not found then
    raise exception 'the campaign has no sequence steps' using errcode = '22023';
  end if;
  with ids as (
    select k.id as contact_id, null::uuid as lead_id, k.email
      from app_public.contacts k
     where k.org_id = the_org and k.id = any(coalesce(contact_ids, '{}')) and k.email is not null
    union all
    select k.id, l.id, k.email
      from app_public.leads l
      join app_public.contacts k on k.org_id = l.org_id and k.email = l.email
     where l.org_id = the_org and l.id = any(coalesce(lead_ids, '{}'))),
  enrolled as (
    insert into app_public.sequence_enrollments (org_id, campaign_id, contact_id, lead_id)
    select distinct on (i.contact_id) the_org, enroll.campaign_id, i.contact_id, i.lead_id from ids i
     order by i.contact_id, i.lead_id nulls last
    on conflict (org_id, campaign_id, contact_id) do nothing
    returning id, contact_id)
  insert into app_public.emails (org_id, enrollment_id, campaign_id, contact_id, step_id, step_position, to_email, scheduled_at)
  select the_org, e.id, enroll.campaign_id, e.contact_id, first_step.id, first_step.position, k.email,
         now() + make_interval(days => first_step.delay_days)
    from enrolled e join app_public.contacts k on k.id = e.contact_id;
  get diagnostics n = row_count;
  if n > 0 then
    perform graphile_worker.add_job('send_emails', '{}'::json, job_key := 'send_emails', max_attempts := 1);
  end if;
  return n;
end
$$;

ALTER FUNCTION app_private.enroll(org_id uuid, campaign_id uuid, contact_ids uuid[], lead_ids uuid[]) OWNER TO switchboard_owner;

--
-- Name: ensure_user(public.citext, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.ensure_user(email public.citext, password text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  uid uuid;
begin
  if email is null or email::text !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' then
    raise exception 'invalid email address' using errcode = '22023';
  end if;
  select id into uid from app_public.users u where u.email = ensure_user.email;
  if uid is null then
    if password is null or length(password) < 8 then
      raise exception 'password must be at least 8 characters' using errcode = '22023';
    end if;
    insert into app_public.users (email) values (ensure_user.email) returning id into uid;
    insert into app_private.user_secrets (user_id, password_hash)
    values (uid, crypt(password, gen_salt('bf', 10)));
  end if;
  return uid;
end
$_$;

ALTER FUNCTION app_private.ensure_user(email public.citext, password text) OWNER TO switchboard_owner;

--
-- Name: erasure_exempt(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.erasure_exempt() RETURNS TABLE(table_name text, reason text)
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  values
    ('app_public.memberships', 'users and roles of the org, never a contact'),
    ('app_public.invitations', 'invited users'' addresses, never a contact'),
    ('app_public.auth_events', 'sign-in history of users'),
    ('app_private.sessions', 'sessions of users'),
    ('app_private.sso_providers', 'SSO configuration'),
    ('app_private.sso_states', 'SSO login state of users'),
    ('app_public.workspace_settings', 'org settings'),
    ('app_public.workspace_settings_history', 'history of org settings'),
    ('app_public.feature_flag_overrides', 'org settings'),
    ('app_private.org_quotas', 'org settings'),
    ('app_public.sources', 'webhook and upload sources (names chosen by admins)'),
    ('app_private.source_secrets', 'encrypted source secrets'),
    ('app_public.campaigns', 'campaigns and their names'),
    ('app_public.campaign_counters', 'aggregates only'),
    ('app_public.campaign_hourly_metrics', 'aggregates only'),
    ('app_public.sequence_steps', 'templates, not data about a person'),
    ('app_public.sending_accounts', 'the org''s own mailboxes'),
    ('app_private.sending_account_secrets', 'encrypted mailbox passwords'),
    ('app_private.sending_account_usage', 'per-mailbox counters'),
    ('app_public.resources', 'bookable resources'),
    ('app_public.resource_hours', 'opening hours'),
    ('app_public.agents', 'voice agents'),
    ('app_public.verification_code_map', 'verification provider codes'),
    ('app_public.lead_import_batches', 'file-level counts and hashes'),
    ('app_private.lead_upload_hashes', 'file hashes'),
    ('app_private.lead_import_pending', 'a parallel merge in progress: batch ids and counts'),
    ('app_private.lead_import_chunks', 'a parallel merge in progress: chunk numbers and counts'),
    ('app_private.contactable_refresh_runs', 'run timestamps'),
    ('app_public.dead_letters', 'failed job references (ids and error codes)'),
    ('app_public.deliveries', 'delivery state of an outbound message (the message itself is in scope)'),
    ('app_public.delivery_attempts', 'the receiving endpoint''s status and answer excerpt'),
    ('app_public.delivery_endpoints', 'outbound webhook configuration'),
    ('app_private.delivery_endpoint_secrets', 'encrypted endpoint secrets'),
    ('app_private.alert_state', 'operational alerts'),
    ('app_private.operational_events', 'operational events'),
    ('app_public.campaign_connections', 'campaign-tool connections (names and field mappings chosen by admins)'),
    ('app_private.campaign_connection_secrets', 'encrypted campaign-tool API keys'),
    ('app_public.sms_settings', 'the org''s Twilio sender and reminder settings'),
    ('app_private.sms_credentials', 'encrypted Twilio credentials'),
    ('app_public.calendar_feeds', 'feed definitions (resource, names on or off)'),
    ('app_public.calendar_sources', 'the team''s own calendars (URL, user name)'),
    ('app_private.calendar_source_secrets', 'encrypted calendar passwords and secret URLs'),
    ('app_public.external_busy', 'busy ranges of the team''s own calendars (event UIDs, no contact data)'),
    ('app_private.calendar_writes', 'write-back state per appointment (ids and ETags)'),
    ('app_public.organizations', 'the org itself')
$$;

ALTER FUNCTION app_private.erasure_exempt() OWNER TO switchboard_owner;

--
-- Name: erasure_scope(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.erasure_scope() RETURNS TABLE(table_name text, match text, action text, columns text[])
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
  values
    ('app_public.contacts', 't.id = $2', 'delete', '{email,first_name,last_name,phone,company,attributes}'::text[]),
    ('app_public.contacts', 't.id <> $2 and $3 is not null and t.attributes::text ilike ''%'' || $3::text || ''%''', 'mention', '{attributes}'),
    ('app_public.leads', 't.id = any ($5)', 'delete', '{first_name,last_name,email,phone,property_address,property_city,property_state,property_zip,mailing_address,mailing_city,mailing_state,mailing_zip,attributes}'),
    ('app_public.leads', 'not (t.id = any ($5)) and $3 is not null and t.attributes::text ilike ''%'' || $3::text || ''%''', 'mention', '{attributes}'),
    ('app_public.webhook_events', 't.id = any ($7)', 'scrub', '{payload,last_error}'),
    ('app_public.pipeline_events', 't.contact_id = $2 or t.subject_id = any ($5 || $6)', 'scrub', '{data}'),
    ('app_public.emails', 't.contact_id = $2', 'scrub', '{to_email,subject,last_error}'),
    ('app_public.sequence_enrollments', 't.contact_id = $2 or t.lead_id = any ($5)', 'scrub', '{thread_subject}'),
    ('app_public.calls', 't.id = any ($6)', 'scrub', '{customer_number,summary,recording_url,ended_reason}'),
    ('app_public.transcripts', 't.call_id = any ($6)', 'scrub', '{content}'),
    ('app_public.callback_requests', 't.contact_id = $2 or t.call_id = any ($6) or ($4 is not null and app_private.phone_e164(t.customer_number) = $4)', 'scrub', '{customer_number,last_error}'),
    ('app_public.suppressions', '($3 is not null and t.email = $3) or ($4 is not null and t.phone = $4)', 'scrub', '{email,phone}'),
    ('app_public.sms_messages', 't.contact_id = $2 or ($4 is not null and t.to_number = $4)', 'scrub', '{to_number,body,error}'),
    ('app_public.lead_pushes', 't.lead_id = any ($5)', 'scrub', '{answer,reason}'),
    -- A campaign tool's answers name refused addresses.
    ('app_public.lead_push_chunks', '$3 is not null and t.answer::text ilike ''%'' || $3::text || ''%''', 'scrub', '{answer,last_error}'),
    ('app_public.lead_push_attempts', '$3 is not null and t.response_excerpt ilike ''%'' || $3::text || ''%''', 'scrub', '{response_excerpt,error}'),
    ('app_public.lead_import_rejects', '($3 is not null and lower(t.row_data ->> ''email'') = lower($3::text)) or ($4 is not null and app_private.phone_e164(t.row_data ->> ''phone'') = $4)', 'scrub', '{row_data}'),
    ('app_public.delivery_messages', 't.payload ->> ''contact_id'' = $2::text or t.payload ->> ''lead_id'' = any ($5::text[]) or t.payload ->> ''call_id'' = any ($6::text[])', 'scrub', '{payload}'),
    ('app_private.consent_nonces', 't.lead_id = any ($5)', 'delete', '{}'),
    ('app_private.contactable_lead_set', 't.lead_id = any ($5)', 'delete', '{}'),
    ('app_private.lead_feed_runs', 't.lead_ids && $5', 'unlink', '{lead_ids}'),
    ('app_public.email_events', 't.contact_id = $2', 'keep', '{}'),
    ('app_public.appointments', 't.contact_id = $2 or t.call_id = any ($6)', 'keep', '{}'),
    ('app_private.campaign_replies', 't.contact_id = $2', 'keep', '{}'),
    -- The audit trail: only entries about the rows above (by table and row id) and the
    -- suppression of the contact's own address.
    ('app_public.audit_log', '(t.table_name = any (array[''app_public.contacts'', ''app_public.leads'', ''app_public.calls'', ''app_public.transcripts'', ''app_public.emails'', ''app_public.callback_requests'', ''app_public.sequence_enrollments'', ''app_public.webhook_events''])
        and t.row_id = any ((array[$2] || $5 || $6 || $7)::text[]))
     or (t.table_name = ''app_public.suppressions'' and $3 is not null
        and (lower(t.new_values ->> ''email'') = lower($3::text) or lower(t.old_values ->> ''email'') = lower($3::text)))', 'delete', '{}')
$_$;

ALTER FUNCTION app_private.erasure_scope() OWNER TO switchboard_owner;

--
-- Name: evaluate_alerts(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.evaluate_alerts(platform_org uuid DEFAULT NULL::uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.evaluate_alerts(platform_org uuid) OWNER TO switchboard_owner;

--
-- Name: expire_sms_in_flight(interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.expire_sms_in_flight(older_than interval DEFAULT '00:05:00'::interval) RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  with gone as (
    update app_public.sms_messages m set status = 'in_doubt', error = 'the worker stopped before Twilio answered', updated_at = now()
     where m.status = 'sending' and m.updated_at < now() - older_than
    returning m.id)
  select count(*)::int from gone
$$;

ALTER FUNCTION app_private.expire_sms_in_flight(older_than interval) OWNER TO switchboard_owner;

--
-- Name: fail_webhook_event(uuid, uuid, text, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.fail_webhook_event(org_id uuid, event_id uuid, error text, max_attempts integer DEFAULT 5) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  ev app_public.webhook_events;
begin
  update app_public.webhook_events e
     set attempts = e.attempts + 1,
         last_error = left(error, 500),
         status = case when e.attempts + 1 >= max_attempts then 'dead' else 'failed' end,
         -- exponential backoff: 2, 4, 8, 16 … seconds
         next_attempt_at = now() + make_interval(secs => power(2, e.attempts + 1))
   where e.org_id = fail_webhook_event.org_id and e.id = event_id
  returning * into ev;
  if ev.status = 'dead' then
    insert into app_public.dead_letters (org_id, kind, ref_id, error)
    values (ev.org_id, 'webhook_event', ev.id, ev.last_error);
  else
    perform app_private.schedule_event_processing(
      (select t.task_identifier from app_private.provider_tasks t where t.provider = ev.provider),
      ev.org_id, ev.shard, ev.next_attempt_at, 'preserve_run_at', ':retry');
  end if;
  return ev.status;
end
$$;

ALTER FUNCTION app_private.fail_webhook_event(org_id uuid, event_id uuid, error text, max_attempts integer) OWNER TO switchboard_owner;

--
-- Name: feature_enabled_for(uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.feature_enabled_for(org_id uuid, flag text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select coalesce(
    (select case when f.allow_org_override and o.enabled is not null then o.enabled
                 else f.default_enabled
                      or app_private.rollout_bucket(feature_enabled_for.org_id, f.key) < round(f.rollout_percent * 100)
            end
       from app_public.feature_flags f
       left join app_public.feature_flag_overrides o on o.flag_key = f.key and o.org_id = feature_enabled_for.org_id
      where f.key = feature_enabled_for.flag),
    false)
$$;

ALTER FUNCTION app_private.feature_enabled_for(org_id uuid, flag text) OWNER TO switchboard_owner;

--
-- Name: campaign_connections; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.campaign_connections (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    provider text NOT NULL,
    name text NOT NULL,
    external_campaign_id text NOT NULL,
    base_url text,
    field_mapping jsonb DEFAULT app_private.default_field_mapping() NOT NULL,
    use_for_feed boolean DEFAULT true NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    validation_status text DEFAULT 'pending'::text NOT NULL,
    validation_error text,
    validated_at timestamp with time zone,
    consecutive_failures integer DEFAULT 0 NOT NULL,
    failing_since timestamp with time zone,
    circuit_open_until timestamp with time zone,
    paused_until timestamp with time zone,
    last_success_at timestamp with time zone,
    last_error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT campaign_connections_external_campaign_id_check CHECK (((length(external_campaign_id) >= 1) AND (length(external_campaign_id) <= 200))),
    CONSTRAINT campaign_connections_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT campaign_connections_provider_check CHECK ((provider = ANY (ARRAY['smartlead'::text, 'replyio'::text, 'instantly'::text]))),
    CONSTRAINT campaign_connections_validation_status_check CHECK ((validation_status = ANY (ARRAY['pending'::text, 'valid'::text, 'invalid'::text])))
);

ALTER TABLE ONLY app_public.campaign_connections FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.campaign_connections OWNER TO switchboard_owner;

--
-- Name: feed_connections(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.feed_connections(org_id uuid) RETURNS SETOF app_public.campaign_connections
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select * from app_public.campaign_connections c
   where c.org_id = feed_connections.org_id and c.enabled and c.use_for_feed and c.validation_status <> 'invalid'
   order by c.created_at
$$;

ALTER FUNCTION app_private.feed_connections(org_id uuid) OWNER TO switchboard_owner;

--
-- Name: feed_leads(uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.feed_leads(org_id uuid, at timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.feed_leads(org_id uuid, at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: field_mapping_problem(jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.field_mapping_problem(mapping jsonb) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  k text;
  v jsonb;
begin
  if jsonb_typeof(mapping) <> 'object' then
    return 'the field mapping must be a JSON object';
  end if;
  if mapping ->> 'email' is null then
    return 'the field mapping must map "email"';
  end if;
  for k, v in select * from jsonb_each(mapping) loop
    if k = 'custom_fields' then
      if jsonb_typeof(v) <> 'object' then
        return 'custom_fields must be an object of name → lead column';
      end if;
      if exists (select 1 from jsonb_each(v) c
                  where c.key !~ '^[A-Za-z_][A-Za-z0-9_ -]{0,63}$' or jsonb_typeof(c.value) <> 'string'
                     or not (c.value #>> '{}' = any (app_private.lead_mapping_columns())
                             or c.value #>> '{}' ~ '^attributes\.[A-Za-z0-9_]{1,64}$')) then
        return 'custom_fields names must be identifiers and their values lead columns';
      end if;
    elsif k in ('email', 'first_name', 'last_name', 'phone', 'company') then
      if jsonb_typeof(v) = 'null' then
        continue;
      end if;
      if jsonb_typeof(v) <> 'string' or not (v #>> '{}' = any (app_private.lead_mapping_columns())
                                              or v #>> '{}' ~ '^attributes\.[A-Za-z0-9_]{1,64}$') then
        return format('"%s" must name a lead column (one of %s, or attributes.<key>)', k,
                      array_to_string(app_private.lead_mapping_columns(), ', '));
      end if;
    else
      return format('unknown field "%s" (email, first_name, last_name, phone, company, custom_fields)', k);
    end if;
  end loop;
  return null;
end
$_$;

ALTER FUNCTION app_private.field_mapping_problem(mapping jsonb) OWNER TO switchboard_owner;

--
-- Name: finish_delivery_attempt(uuid, uuid, integer, integer, integer, text, text, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.finish_delivery_attempt(org_id uuid, delivery_id uuid, attempt integer, status_code integer, latency_ms integer, response_excerpt text, error text, retry_after_seconds integer) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  dl app_public.deliveries;
  ep app_public.delivery_endpoints;
  st app_public.workspace_settings;
  problem text := coalesce(error, 'HTTP ' || status_code);
  delay interval;
  next_at timestamptz;
begin
  select * into dl from app_public.deliveries d
   where d.org_id = finish_delivery_attempt.org_id and d.id = finish_delivery_attempt.delivery_id for update;
  if dl.id is null then
    return null;
  end if;
  insert into app_public.delivery_attempts (org_id, delivery_id, endpoint_id, attempt, status_code, latency_ms, response_excerpt, error)
  values (dl.org_id, dl.id, dl.endpoint_id, finish_delivery_attempt.attempt, status_code, latency_ms,
          left(response_excerpt, 500), left(error, 500));
  if dl.status <> 'pending' then
    return dl.status;
  end if;
  select * into st from app_public.workspace_settings s where s.org_id = dl.org_id;

  if status_code between 200 and 299 then
    update app_public.deliveries d
       set status = 'delivered', delivered_at = now(), last_status_code = status_code, last_error = null
     where d.org_id = dl.org_id and d.id = dl.id;
    update app_public.delivery_endpoints e
       set consecutive_failures = 0, failing_since = null, circuit_open_until = null, last_success_at = now()
     where e.id = dl.endpoint_id;
    return 'delivered';
  end if;

  update app_public.delivery_endpoints e
     set consecutive_failures = e.consecutive_failures + 1,
         failing_since = coalesce(e.failing_since, now()),
         circuit_open_until = case when e.consecutive_failures + 1 >= st.delivery_circuit_failures
                                   then now() + st.delivery_circuit_cooldown else e.circuit_open_until end
   where e.id = dl.endpoint_id
  returning * into ep;
  update app_public.deliveries d set last_status_code = status_code, last_error = left(problem, 500)
   where d.org_id = dl.org_id and d.id = dl.id;

  if status_code = 410 then
    perform app_private.disable_delivery_endpoint(dl.org_id, dl.endpoint_id, 'endpoint answered 410 Gone');
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, 'HTTP 410: endpoint disabled');
    return 'dead';
  end if;
  if ep.failing_since <= now() - st.delivery_disable_after then
    perform app_private.disable_delivery_endpoint(dl.org_id, dl.endpoint_id,
      'failing continuously since ' || ep.failing_since);
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, problem || '; endpoint disabled');
    return 'dead';
  end if;
  if finish_delivery_attempt.attempt >= cardinality(st.delivery_retry_schedule) then
    perform app_private.dead_letter_delivery(dl.org_id, dl.id, problem);
    return 'dead';
  end if;

  delay := st.delivery_retry_schedule[finish_delivery_attempt.attempt + 1]
           * (1 + st.delivery_retry_jitter::float8 * (2 * random() - 1));
  if status_code in (429, 503) and retry_after_seconds > 0 then
    delay := greatest(delay, make_interval(secs => least(retry_after_seconds, 86400)));
  end if;
  next_at := now() + delay;
  update app_public.deliveries d set next_attempt_at = next_at where d.org_id = dl.org_id and d.id = dl.id;
  perform app_private.schedule_delivery(dl.org_id, dl.id, next_at);
  return 'pending';
end
$$;

ALTER FUNCTION app_private.finish_delivery_attempt(org_id uuid, delivery_id uuid, attempt integer, status_code integer, latency_ms integer, response_excerpt text, error text, retry_after_seconds integer) OWNER TO switchboard_owner;

--
-- Name: finish_email(uuid, text, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.finish_email(email_id uuid, outcome text, error text DEFAULT NULL::text, subject text DEFAULT NULL::text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  m app_public.emails;
  enr app_public.sequence_enrollments;
  nxt app_public.sequence_steps;
  max_attempts constant int := 5;
begin
  select * into m from app_public.emails x where x.id = finish_email.email_id and x.status = 'sending' for update;
  if not found then
    return 'ignored';
  end if;
  if outcome <> 'sent' then
    -- The slot reserved at claim is given back: the server did not take the message.
    update app_private.sending_account_usage u set sent = u.sent - 1
     where u.account_id = m.account_id and u.local_day = m.cap_day and u.sent > 0;
  end if;

  if outcome = 'sent' then
    update app_public.emails x set status = 'sent', sent_at = now(), subject = left(finish_email.subject, 998),
           last_error = null, updated_at = now()
     where x.id = m.id;
    perform app_private.record_email_event(m.org_id, m.campaign_id, m.contact_id, 'sent', now(), m.id);
    update app_public.sequence_enrollments x
       set account_id = coalesce(x.account_id, m.account_id),
           thread_message_id = coalesce(x.thread_message_id, m.message_id),
           thread_subject = coalesce(x.thread_subject, regexp_replace(left(finish_email.subject, 998), '^(re:\s*)+', '', 'i')),
           refs = btrim(coalesce(x.refs, '') || ' ' || m.message_id),
           current_step = m.step_position, updated_at = now()
     where x.id = m.enrollment_id
    returning * into enr;
    select * into nxt from app_public.sequence_steps s
     where s.campaign_id = m.campaign_id and s.position > m.step_position order by s.position limit 1;
    if found and enr.status = 'active' then
      insert into app_public.emails (org_id, enrollment_id, campaign_id, contact_id, step_id, step_position, to_email,
                                     scheduled_at, in_reply_to, refs)
      values (m.org_id, m.enrollment_id, m.campaign_id, m.contact_id, nxt.id, nxt.position, m.to_email,
              now() + make_interval(days => nxt.delay_days), m.message_id, enr.refs);
    elsif enr.status = 'active' then
      update app_public.sequence_enrollments x set status = 'completed', updated_at = now() where x.id = enr.id;
    end if;
    return 'sent';
  elsif outcome = 'transient' and m.attempts < max_attempts then
    update app_public.emails x
       set status = 'queued', account_id = null, last_error = left(error, 500), updated_at = now(),
           scheduled_at = now() + make_interval(secs => least(3600, 30 * 2 ^ (m.attempts - 1)) * (0.8 + random() * 0.4))
     where x.id = m.id;
    return 'retry';
  elsif outcome = 'auth' then
    perform app_private.disable_sending_account(m.account_id, 'smtp_auth_failed', error);
    update app_public.emails x
       set status = 'queued', account_id = null, attempts = greatest(x.attempts - 1, 0), scheduled_at = now(),
           last_error = 'sending account disabled: authentication failed', updated_at = now()
     where x.id = m.id;
    return 'account_disabled';
  else
    update app_public.emails x
       set status = 'failed', last_error = left(case when outcome = 'transient'
                                                      then 'gave up after ' || m.attempts || ' attempts: ' || error
                                                      else error end, 500), updated_at = now()
     where x.id = m.id;
    update app_public.sequence_enrollments x set status = 'stopped', stop_reason = 'send_failed', updated_at = now()
     where x.id = m.enrollment_id and x.status = 'active';
    return 'failed';
  end if;
end
$$;

ALTER FUNCTION app_private.finish_email(email_id uuid, outcome text, error text, subject text) OWNER TO switchboard_owner;

--
-- Name: finish_lead_push(uuid, uuid, integer, text, integer, integer, text, text, integer, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.finish_lead_push(org_id uuid, chunk_id uuid, attempt integer, outcome text, status_code integer, latency_ms integer, response_excerpt text, error text, retry_after_seconds integer, results jsonb) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  ch app_public.lead_push_chunks;
  conn app_public.campaign_connections;
  st app_public.workspace_settings;
  problem text := coalesce(error, 'HTTP ' || status_code);
  delay interval;
  next_at timestamptz;
  r jsonb;
begin
  select * into ch from app_public.lead_push_chunks c
   where c.org_id = finish_lead_push.org_id and c.id = finish_lead_push.chunk_id for update;
  if ch.id is null then
    return null;
  end if;
  insert into app_public.lead_push_attempts (org_id, chunk_id, connection_id, attempt, status_code, latency_ms, response_excerpt, error)
  values (ch.org_id, ch.id, ch.connection_id, finish_lead_push.attempt, status_code, latency_ms, left(response_excerpt, 500), left(error, 500));
  if ch.status <> 'pending' then
    return ch.status;
  end if;
  select * into st from app_public.workspace_settings s where s.org_id = ch.org_id;

  if outcome = 'ok' then
    for r in select * from jsonb_array_elements(coalesce(results, '[]')) loop
      update app_public.lead_pushes p
         set status = r ->> 'status', reason = left(r ->> 'reason', 300), answer = r -> 'answer',
             pushed_at = case when r ->> 'status' in ('pushed', 'duplicate') then now() end, updated_at = now()
       where p.org_id = ch.org_id and p.chunk_id = ch.id and p.lead_id = (r ->> 'lead_id')::uuid and p.status = 'pending'
         and r ->> 'status' in ('pushed', 'duplicate', 'refused');
    end loop;
    -- A refused lead leaves the feed for good: do_not_contact (suppressed when the tool
    -- says it unsubscribed or is blocked), never retried.
    update app_public.leads l set campaign_status = 'do_not_contact'
      from app_public.lead_pushes p
     where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'refused'
       and l.org_id = p.org_id and l.id = p.lead_id and l.campaign_status <> 'do_not_contact';
    insert into app_public.suppressions (org_id, email, reason, source)
    select distinct on (l.email) ch.org_id, l.email,
           case when p.reason ~* 'unsub' then 'unsubscribed' else 'do_not_contact' end, 'handoff:' || conn_provider.provider
      from app_public.lead_pushes p
      join app_public.leads l on l.org_id = p.org_id and l.id = p.lead_id
      cross join lateral (select c.provider from app_public.campaign_connections c where c.id = ch.connection_id) conn_provider
     where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'refused' and l.email is not null
       and p.reason ~* 'unsub|block'
    on conflict do nothing;
    -- The contact's timeline.
    insert into app_public.pipeline_events (org_id, kind, subject_id, contact_id, quantity, data)
    select ch.org_id, case p.status when 'refused' then 'push_refused' else 'pushed' end, p.lead_id,
           (select k.id from app_public.contacts k where k.org_id = ch.org_id and k.email = l.email limit 1), 1,
           jsonb_build_object('connection_id', ch.connection_id, 'local_date', ch.local_date, 'status', p.status, 'reason', p.reason)
      from app_public.lead_pushes p
      join app_public.leads l on l.org_id = p.org_id and l.id = p.lead_id
     where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status in ('pushed', 'duplicate', 'refused');
    -- Leads the tool did not answer for stay pending: the chunk goes again (only them).
    if exists (select 1 from app_public.lead_pushes p where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'pending') then
      update app_public.lead_push_chunks c set in_flight_since = null, last_status_code = status_code, next_attempt_at = now()
       where c.org_id = ch.org_id and c.id = ch.id;
      perform app_private.schedule_lead_push(ch.org_id, ch.id);
    else
      update app_public.lead_push_chunks c
         set status = 'done', in_flight_since = null, last_status_code = status_code, last_error = null, finished_at = now()
       where c.org_id = ch.org_id and c.id = ch.id;
    end if;
    update app_public.campaign_connections c
       set consecutive_failures = 0, failing_since = null, circuit_open_until = null, last_success_at = now(), last_error = null
     where c.id = ch.connection_id;
    perform app_private.wake_next_lead_push(ch.connection_id, ch.id);
    return (select c.status from app_public.lead_push_chunks c where c.org_id = ch.org_id and c.id = ch.id);
  end if;

  if outcome = 'rate_limited' then
    next_at := now() + make_interval(secs => least(greatest(coalesce(retry_after_seconds, 0), 1), 3600));
    update app_public.campaign_connections c set paused_until = greatest(c.paused_until, next_at) where c.id = ch.connection_id;
    update app_public.lead_push_chunks c
       set attempts = greatest(c.attempts - 1, 0), in_flight_since = null, next_attempt_at = next_at,
           last_status_code = status_code, last_error = 'rate limited (429)'
     where c.org_id = ch.org_id and c.id = ch.id;
    update app_public.lead_pushes p set attempts = greatest(p.attempts - 1, 0)
     where p.org_id = ch.org_id and p.chunk_id = ch.id and p.status = 'pending';
    perform app_private.schedule_lead_push(ch.org_id, ch.id, next_at);
    perform app_private.wake_next_lead_push(ch.connection_id, ch.id);
    return 'pending';
  end if;

  -- retry / auth: a failure of the connection.
  update app_public.campaign_connections c
     set consecutive_failures = c.consecutive_failures + 1,
         failing_since = coalesce(c.failing_since, now()),
         last_error = left(case when outcome = 'auth' then 'refused by the tool (check the API key and campaign id): ' else '' end || problem, 300),
         circuit_open_until = case when c.consecutive_failures + 1 >= st.delivery_circuit_failures
                                   then now() + st.delivery_circuit_cooldown else c.circuit_open_until end
   where c.id = ch.connection_id
  returning * into conn;
  update app_public.lead_push_chunks c set in_flight_since = null, last_status_code = status_code, last_error = left(problem, 500)
   where c.org_id = ch.org_id and c.id = ch.id;
  perform app_private.wake_next_lead_push(ch.connection_id, ch.id);
  if finish_lead_push.attempt >= cardinality(st.delivery_retry_schedule) then
    perform app_private.dead_letter_lead_push(ch.org_id, ch.id, problem);
    return 'dead';
  end if;
  delay := st.delivery_retry_schedule[finish_lead_push.attempt + 1]
           * (1 + st.delivery_retry_jitter::float8 * (2 * random() - 1));
  if status_code = 503 and retry_after_seconds > 0 then
    delay := greatest(delay, make_interval(secs => least(retry_after_seconds, 86400)));
  end if;
  next_at := now() + delay;
  update app_public.lead_push_chunks c set next_attempt_at = next_at where c.org_id = ch.org_id and c.id = ch.id;
  perform app_private.schedule_lead_push(ch.org_id, ch.id, next_at);
  return 'pending';
end
$$;

ALTER FUNCTION app_private.finish_lead_push(org_id uuid, chunk_id uuid, attempt integer, outcome text, status_code integer, latency_ms integer, response_excerpt text, error text, retry_after_seconds integer, results jsonb) OWNER TO switchboard_owner;

--
-- Name: finish_lead_upload(uuid, integer, bigint); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.finish_lead_upload(batch_id uuid, rows_total integer, bytes bigint) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  b app_public.lead_import_batches;
begin
  select * into b from app_public.lead_import_batches x where x.id = finish_lead_upload.batch_id and x.status = 'receiving'
     for update;
  if not found then
    raise exception 'no batch % is receiving', finish_lead_upload.batch_id using errcode = 'P0002';
  end if;
  execute format('revoke all on app_private.%I from switchboard_gateway', app_private.lead_upload_table(b.id));

  update app_public.lead_import_batches x
     set status = 'queued', rows_total = finish_lead_upload.rows_total, bytes = finish_lead_upload.bytes
   where x.id = b.id;
  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
  values (b.org_id, 'upload_received', b.id, finish_lead_upload.rows_total,
          jsonb_build_object('batch_id', b.id, 'bytes', finish_lead_upload.bytes));
  perform graphile_worker.add_job('merge_lead_batch', json_build_object('batch_id', b.id),
                                  job_key => 'merge_lead_batch:' || b.id, max_attempts => 10);
  return b.id;
end
$$;

ALTER FUNCTION app_private.finish_lead_upload(batch_id uuid, rows_total integer, bytes bigint) OWNER TO switchboard_owner;

--
-- Name: finish_sms_send(uuid, uuid, integer, text, text, integer, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.finish_sms_send(org_id uuid, message_id uuid, http_status integer, sid text, twilio_status text, error_code integer, error text, rendered_body text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  msg app_public.sms_messages;
  st text;
begin
  select * into msg from app_public.sms_messages s
   where s.org_id = finish_sms_send.org_id and s.id = finish_sms_send.message_id for update;
  if msg.id is null or msg.status <> 'sending' then
    return msg.status;
  end if;
  if http_status between 200 and 299 and sid is not null then
    st := case when twilio_status in ('accepted', 'queued', 'sending', 'sent', 'delivered', 'undelivered', 'failed')
               then case twilio_status when 'sending' then 'sending_twilio' else twilio_status end else 'queued' end;
    update app_public.sms_messages s
       set status = st, twilio_sid = sid, twilio_status = finish_sms_send.twilio_status, body = rendered_body,
           sent_at = now(), error = null, updated_at = now()
     where s.org_id = msg.org_id and s.id = msg.id;
    insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, data)
    values (msg.org_id, 'sms_sent', msg.contact_id, coalesce(msg.appointment_id, msg.id),
            jsonb_build_object('message_id', msg.id, 'sms_kind', msg.kind, 'twilio_sid', sid, 'to', msg.to_number,
                               'reminder_offset', msg.reminder_offset));
    return st;
  end if;
  if error_code = 21610 then
    insert into app_public.suppressions (org_id, phone, reason, source)
    values (msg.org_id, msg.to_number, 'unsubscribed', 'twilio:21610') on conflict do nothing;
    update app_public.sms_messages s set status = 'suppressed', error_code = 21610, error = left(finish_sms_send.error, 300), updated_at = now()
     where s.org_id = msg.org_id and s.id = msg.id;
    update app_public.sms_messages s set status = 'suppressed', updated_at = now()
     where s.org_id = msg.org_id and s.to_number = msg.to_number and s.status = 'scheduled';
    return 'suppressed';
  end if;
  if http_status is null then
    update app_public.sms_messages s set status = 'in_doubt', error = left(finish_sms_send.error, 300), updated_at = now()
     where s.org_id = msg.org_id and s.id = msg.id;
    return 'in_doubt';
  end if;
  -- 0: the request never left (no connection, refused by the SSRF guard): safe to retry.
  if (http_status in (0, 429) or http_status >= 500) and msg.attempts < 5 then
    update app_public.sms_messages s
       set status = 'scheduled', send_at = now() + make_interval(secs => 5 * power(4, msg.attempts - 1)),
           error_code = finish_sms_send.error_code, error = left(finish_sms_send.error, 300), updated_at = now()
     where s.org_id = msg.org_id and s.id = msg.id
    returning s.send_at into msg.send_at;
    perform app_private.schedule_sms(msg.org_id, msg.id, msg.send_at);
    return 'scheduled';
  end if;
  update app_public.sms_messages s set status = 'failed', error_code = finish_sms_send.error_code,
         error = left(coalesce(finish_sms_send.error, 'HTTP ' || http_status), 300), updated_at = now()
   where s.org_id = msg.org_id and s.id = msg.id;
  insert into app_public.dead_letters (org_id, kind, ref_id, error)
  values (msg.org_id, 'sms', msg.id, left(coalesce(finish_sms_send.error, 'HTTP ' || http_status), 500));
  return 'failed';
end
$$;

ALTER FUNCTION app_private.finish_sms_send(org_id uuid, message_id uuid, http_status integer, sid text, twilio_status text, error_code integer, error text, rendered_body text) OWNER TO switchboard_owner;

--
-- Name: firing_alerts(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.firing_alerts(platform_org uuid) RETURNS TABLE(org_id uuid, rule text, key text, severity text, message text, value double precision, threshold double precision)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.firing_alerts(platform_org uuid) OWNER TO switchboard_owner;

--
-- Name: handoff_leads(uuid, date, uuid[]); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.handoff_leads(org_id uuid, local_date date, lead_ids uuid[] DEFAULT NULL::uuid[]) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.handoff_leads(org_id uuid, local_date date, lead_ids uuid[]) OWNER TO switchboard_owner;

--
-- Name: has_subscriber(uuid, text, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.has_subscriber(org_id uuid, event_type text, only_endpoint uuid DEFAULT NULL::uuid) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select exists (select 1 from app_public.delivery_endpoints e
                  where e.org_id = has_subscriber.org_id and e.enabled
                    and (has_subscriber.only_endpoint is null or e.id = has_subscriber.only_endpoint)
                    and (cardinality(e.event_types) = 0 or has_subscriber.event_type = any (e.event_types)))
$$;

ALTER FUNCTION app_private.has_subscriber(org_id uuid, event_type text, only_endpoint uuid) OWNER TO switchboard_owner;

--
-- Name: hash_email(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.hash_email(email text) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case when nullif(btrim(email), '') is not null then public.digest(lower(btrim(email)), 'sha256') end
$$;

ALTER FUNCTION app_private.hash_email(email text) OWNER TO switchboard_owner;

--
-- Name: hotp(bytea, bigint); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.hotp(secret bytea, counter bigint) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select lpad(((((get_byte(h.mac, h.o) & 127)::bigint << 24)
              | (get_byte(h.mac, h.o + 1)::bigint << 16)
              | (get_byte(h.mac, h.o + 2)::bigint << 8)
              |  get_byte(h.mac, h.o + 3)::bigint) % 1000000)::text, 6, '0')
    from (select m.mac, get_byte(m.mac, 19) & 15 as o
            from (select public.hmac(int8send(counter), secret, 'sha1') as mac) m) h
$$;

ALTER FUNCTION app_private.hotp(secret bytea, counter bigint) OWNER TO switchboard_owner;

--
-- Name: ingest_webhook_event(uuid, text, text, text, text, timestamp with time zone, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.ingest_webhook_event(source_id uuid, provider text, dedupe_key text, partition_key text, event_type text, occurred_at timestamp with time zone, payload jsonb) RETURNS TABLE(event_id uuid, duplicate boolean)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  src_org uuid;
  event_shard smallint := abs(hashtext(coalesce(partition_key, dedupe_key))) % 8;
  task text;
begin
  select s.org_id into src_org from app_public.sources s
   where s.id = ingest_webhook_event.source_id and s.provider = ingest_webhook_event.provider and s.enabled;
  if src_org is null then
    raise exception 'unknown source' using errcode = 'P0002';
  end if;

  insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard, event_type, occurred_at, payload)
  values (src_org, ingest_webhook_event.source_id, provider, dedupe_key, event_shard, event_type, occurred_at, payload)
  on conflict (org_id, source_id, dedupe_key) do nothing
  -- The stored shard: a provider's trigger may place its events on shards of their own.
  returning id, shard into event_id, event_shard;

  if event_id is null then
    select e.id into event_id from app_public.webhook_events e
     where e.org_id = src_org and e.source_id = ingest_webhook_event.source_id
       and e.dedupe_key = ingest_webhook_event.dedupe_key;
    duplicate := true;
    return next;
    return;
  end if;

  select t.task_identifier into task from app_private.provider_tasks t where t.provider = ingest_webhook_event.provider;
  perform app_private.schedule_event_processing(task, src_org, event_shard);
  duplicate := false;
  return next;
end
$$;

ALTER FUNCTION app_private.ingest_webhook_event(source_id uuid, provider text, dedupe_key text, partition_key text, event_type text, occurred_at timestamp with time zone, payload jsonb) OWNER TO switchboard_owner;

--
-- Name: ingest_webhook_events(uuid[], text[], text[], text[], text[], timestamp with time zone[], text[]); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.ingest_webhook_events(source_ids uuid[], providers text[], dedupe_keys text[], partition_keys text[], event_types text[], occurred_ats timestamp with time zone[], payloads text[]) RETURNS TABLE(ord integer, event_id uuid, duplicate boolean)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  n int := coalesce(cardinality(dedupe_keys), 0);
  i int;
  src_org uuid;
  event_shard smallint;
  job_providers text[] := '{}';
  job_orgs uuid[] := '{}';
  job_shards smallint[] := '{}';
begin
  if coalesce(cardinality(source_ids), 0) <> n or coalesce(cardinality(providers), 0) <> n
     or coalesce(cardinality(partition_keys), 0) <> n or coalesce(cardinality(event_types), 0) <> n
     or coalesce(cardinality(occurred_ats), 0) <> n or coalesce(cardinality(payloads), 0) <> n then
    raise exception 'the arrays of a batch must have the same length' using errcode = '22023';
  end if;

  for i in
    select k.i from unnest(source_ids, dedupe_keys) with ordinality k(source_id, dedupe_key, i)
     order by k.source_id, k.dedupe_key, k.i
  loop
    ord := i;
    event_id := null;
    select s.org_id into src_org from app_public.sources s
     where s.id = source_ids[i] and s.provider = providers[i] and s.enabled;
    if src_org is null then
      raise exception 'unknown source' using errcode = 'P0002';
    end if;
    event_shard := abs(hashtext(coalesce(partition_keys[i], dedupe_keys[i]))) % 8;

    insert into app_public.webhook_events (org_id, source_id, provider, dedupe_key, shard, event_type, occurred_at, payload)
    values (src_org, source_ids[i], providers[i], dedupe_keys[i], event_shard, event_types[i], occurred_ats[i], payloads[i]::jsonb)
    on conflict (org_id, source_id, dedupe_key) do nothing
    -- The stored shard: a provider's trigger may place its events on shards of their own.
    returning id, shard into event_id, event_shard;

    if event_id is null then
      select e.id into event_id from app_public.webhook_events e
       where e.org_id = src_org and e.source_id = source_ids[i] and e.dedupe_key = dedupe_keys[i];
      duplicate := true;
    else
      duplicate := false;
      job_providers := job_providers || providers[i];
      job_orgs := job_orgs || src_org;
      job_shards := job_shards || event_shard;
    end if;
    return next;
  end loop;

  -- One job per (task, org, shard) with new events, as ingest_webhook_event schedules per event.
  perform app_private.schedule_event_processing(j.task, j.org_id, j.shard)
     from (select distinct t.task_identifier as task, k.org_id, k.shard
             from unnest(job_providers, job_orgs, job_shards) k(provider, org_id, shard)
             left join app_private.provider_tasks t on t.provider = k.provider) j
    order by j.task, j.org_id, j.shard;
end
$$;

ALTER FUNCTION app_private.ingest_webhook_events(source_ids uuid[], providers text[], dedupe_keys text[], partition_keys text[], event_types text[], occurred_ats timestamp with time zone[], payloads text[]) OWNER TO switchboard_owner;

--
-- Name: is_locked_out(public.citext); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.is_locked_out(email public.citext) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select exists (select 1 from app_private.account_lockouts l
                  where l.email = is_locked_out.email and l.locked_until > now())
$$;

ALTER FUNCTION app_private.is_locked_out(email public.citext) OWNER TO switchboard_owner;

--
-- Name: is_uuid(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.is_uuid(value text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select coalesce(value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', false)
$_$;

ALTER FUNCTION app_private.is_uuid(value text) OWNER TO switchboard_owner;

--
-- Name: is_valid_timezone(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.is_valid_timezone(tz text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select exists (select 1 from pg_catalog.pg_timezone_names where name = tz)
$$;

ALTER FUNCTION app_private.is_valid_timezone(tz text) OWNER TO switchboard_owner;

--
-- Name: issue_consent_link(uuid, uuid, interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.issue_consent_link(session_id uuid, lead_id uuid, ttl interval DEFAULT '7 days'::interval) RETURNS TABLE(status text, nonce uuid, org_id uuid, expires_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  s app_private.sessions := app_private.live_session(issue_consent_link.session_id);
  member_role text;
begin
  if s.id is null then
    status := 'invalid_session';
    return next;
    return;
  end if;
  select m.role into member_role from app_public.memberships m where m.org_id = s.org_id and m.user_id = s.user_id;
  if member_role is null then
    status := 'invalid_session';
    return next;
    return;
  end if;
  if not exists (select 1 from app_public.leads l
                  where l.org_id = s.org_id and l.id = issue_consent_link.lead_id
                    and (member_role in ('owner', 'admin') or l.assigned_to = s.user_id)) then
    status := 'not_found';
    return next;
    return;
  end if;
  insert into app_private.consent_nonces (org_id, lead_id, expires_at)
  values (s.org_id, issue_consent_link.lead_id, now() + least(greatest(issue_consent_link.ttl, interval '1 minute'), interval '90 days'))
  returning consent_nonces.nonce, consent_nonces.org_id, consent_nonces.expires_at into nonce, org_id, expires_at;
  insert into app_public.pipeline_events (org_id, kind, subject_id, actor_id, data)
  values (s.org_id, 'consent_link_issued', issue_consent_link.lead_id, s.user_id, jsonb_build_object('expires_at', expires_at));
  status := 'ok';
  return next;
end
$$;

ALTER FUNCTION app_private.issue_consent_link(session_id uuid, lead_id uuid, ttl interval) OWNER TO switchboard_owner;

--
-- Name: issue_consent_nonce(uuid, interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.issue_consent_nonce(lead_id uuid, ttl interval DEFAULT '7 days'::interval) RETURNS TABLE(nonce uuid, org_id uuid, expires_at timestamp with time zone)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  insert into app_private.consent_nonces (org_id, lead_id, expires_at)
  select l.org_id, l.id, now() + least(greatest(ttl, interval '1 minute'), interval '90 days')
    from app_public.leads l where l.id = issue_consent_nonce.lead_id
  returning nonce, org_id, expires_at
$$;

ALTER FUNCTION app_private.issue_consent_nonce(lead_id uuid, ttl interval) OWNER TO switchboard_owner;

--
-- Name: leads; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.leads (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    first_name text,
    last_name text,
    email public.citext,
    email_hash bytea GENERATED ALWAYS AS (app_private.hash_email((email)::text)) STORED,
    phone text,
    property_address text,
    property_city text,
    property_state text,
    property_zip text,
    county_fips text,
    apn text,
    mak text,
    apn_normalized text,
    address_normalized text,
    addr_hash bytea,
    mailing_address text,
    mailing_city text,
    mailing_state text,
    mailing_zip text,
    estimated_equity numeric(14,2),
    owner_occupied boolean,
    email_verification_codes text[] DEFAULT '{}'::text[] NOT NULL,
    phone_verification_codes text[] DEFAULT '{}'::text[] NOT NULL,
    verification_provider text DEFAULT 'default'::text NOT NULL,
    email_verified boolean DEFAULT false NOT NULL,
    phone_verified boolean DEFAULT false NOT NULL,
    lead_score smallint DEFAULT 0 NOT NULL,
    attributes jsonb DEFAULT '{}'::jsonb NOT NULL,
    pii_encrypted bytea,
    campaign_status app_public.lead_campaign_status DEFAULT 'new'::app_public.lead_campaign_status NOT NULL,
    added_to_campaign_at timestamp with time zone,
    assigned_to uuid,
    consent_given boolean DEFAULT false NOT NULL,
    consented_at timestamp with time zone,
    data_as_of timestamp with time zone DEFAULT now() NOT NULL,
    first_batch_id uuid,
    last_batch_id uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT leads_consent_needs_timestamp CHECK (((NOT consent_given) OR (consented_at IS NOT NULL))),
    CONSTRAINT leads_county_fips_check CHECK ((county_fips ~ '^[0-9]{5}$'::text)),
    CONSTRAINT leads_lead_score_range CHECK (((lead_score >= 0) AND (lead_score <= 100))),
    CONSTRAINT leads_phone_check CHECK ((phone ~ '^\+[0-9]{8,15}$'::text))
);

ALTER TABLE ONLY app_public.leads FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.leads OWNER TO switchboard_owner;

--
-- Name: lead_fed_payload(app_public.leads); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.lead_fed_payload(l app_public.leads) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    AS $$
  select jsonb_build_object(
    'lead_id', l.id, 'first_name', l.first_name, 'last_name', l.last_name, 'email', l.email,
    'phone', l.phone, 'property_address', l.property_address, 'property_city', l.property_city,
    'property_state', l.property_state, 'property_zip', l.property_zip, 'lead_score', l.lead_score)
$$;

ALTER FUNCTION app_private.lead_fed_payload(l app_public.leads) OWNER TO switchboard_owner;

--
-- Name: lead_lock_key(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.lead_lock_key(org_id uuid) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select hashtextextended('switchboard.leads:' || org_id::text, 0)
$$;

ALTER FUNCTION app_private.lead_lock_key(org_id uuid) OWNER TO switchboard_owner;

--
-- Name: lead_mapping_columns(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.lead_mapping_columns() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select array['id', 'email', 'first_name', 'last_name', 'phone', 'property_address', 'property_city', 'property_state',
               'property_zip', 'mailing_address', 'mailing_city', 'mailing_state', 'mailing_zip', 'county_fips', 'apn',
               'estimated_equity', 'owner_occupied', 'lead_score']
$$;

ALTER FUNCTION app_private.lead_mapping_columns() OWNER TO switchboard_owner;

--
-- Name: lead_score(boolean, boolean, numeric, boolean, interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.lead_score(email_verified boolean, phone_verified boolean, estimated_equity numeric, owner_occupied boolean, data_age interval) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select greatest(0, least(100, round(
      case when phone_verified then 30 else 0 end
    + case when email_verified then 20 else 0 end
    + 25 * greatest(0, least(1, coalesce(estimated_equity, 0) / 250000.0))
    + case when owner_occupied then 10 else 0 end
    + 15 * greatest(0, 1 - extract(epoch from greatest(data_age, '0'::interval)) / (365 * 86400.0))
  )))::smallint
$$;

ALTER FUNCTION app_private.lead_score(email_verified boolean, phone_verified boolean, estimated_equity numeric, owner_occupied boolean, data_age interval) OWNER TO switchboard_owner;

--
-- Name: lead_upload_table(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.lead_upload_table(batch_id uuid) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select 'lead_upload_' || replace(batch_id::text, '-', '')
$$;

ALTER FUNCTION app_private.lead_upload_table(batch_id uuid) OWNER TO switchboard_owner;

--
-- Name: leads_cron_tick(timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.leads_cron_tick(at timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  refreshes int;
  feeds int := 0;
  o record;
begin
  with due as (
    insert into app_private.contactable_refresh_runs (org_id, local_date)
    select g.id, (leads_cron_tick.at at time zone g.timezone)::date
      from app_public.organizations g
     where (leads_cron_tick.at at time zone g.timezone)::time >= time '05:30'
    on conflict do nothing
    returning 1
  )
  select count(*) into refreshes from due;
  if refreshes > 0 then
    perform graphile_worker.add_job('refresh_contactable_leads', '{}'::json, job_key => 'refresh_contactable_leads');
  end if;

  for o in
    select g.id, (leads_cron_tick.at at time zone g.timezone)::date as local_date
      from app_public.organizations g
      join app_public.workspace_settings w on w.org_id = g.id
     where w.lead_feed_enabled
       and extract(isodow from (leads_cron_tick.at at time zone g.timezone)) between 1 and 5
       and (leads_cron_tick.at at time zone g.timezone)::time >= time '06:00'
       and not exists (select 1 from app_private.lead_feed_runs r
                        where r.org_id = g.id and r.local_date = (leads_cron_tick.at at time zone g.timezone)::date)
  loop
    perform graphile_worker.add_job('feed_leads', json_build_object('org_id', o.id, 'at', leads_cron_tick.at),
                                    job_key => 'feed_leads:' || o.id || ':' || o.local_date, max_attempts => 5);
    feeds := feeds + 1;
  end loop;
  return jsonb_build_object('refreshes', refreshes, 'feeds', feeds);
end
$$;

ALTER FUNCTION app_private.leads_cron_tick(at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: sessions; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.sessions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id uuid NOT NULL,
    org_id uuid NOT NULL,
    refresh_token_hash bytea NOT NULL,
    ip inet,
    user_agent text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    revoked_at timestamp with time zone,
    device text,
    last_refreshed_at timestamp with time zone,
    revoked_reason text,
    auth_method text DEFAULT 'password'::text NOT NULL,
    CONSTRAINT sessions_auth_method_check CHECK ((auth_method = ANY (ARRAY['password'::text, 'sso'::text]))),
    CONSTRAINT sessions_device_check CHECK ((length(device) <= 200))
);

ALTER TABLE app_private.sessions OWNER TO switchboard_owner;

--
-- Name: live_session(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.live_session(sid uuid) RETURNS app_private.sessions
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select s.* from app_private.sessions s
   where s.id = sid and s.revoked_at is null and s.expires_at > now()
$$;

ALTER FUNCTION app_private.live_session(sid uuid) OWNER TO switchboard_owner;

--
-- Name: local_day(text, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.local_day(tz text, at timestamp with time zone DEFAULT now()) RETURNS date
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select (at at time zone tz)::date
$$;

ALTER FUNCTION app_private.local_day(tz text, at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: lock_booking_range(uuid, tstzrange); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.lock_booking_range(resource_id uuid, blocked tstzrange) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  h bigint;
begin
  for h in select generate_series(floor(extract(epoch from lower(blocked)) / 3600)::bigint,
                                  floor((extract(epoch from upper(blocked)) - 0.000001) / 3600)::bigint)
  loop
    perform pg_catalog.pg_advisory_xact_lock(hashtext(resource_id::text), h::int);
  end loop;
end
$$;

ALTER FUNCTION app_private.lock_booking_range(resource_id uuid, blocked tstzrange) OWNER TO switchboard_owner;

--
-- Name: lock_lead_batch_org(uuid, boolean); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.lock_lead_batch_org(batch_id uuid, take boolean) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org uuid;
begin
  select b.org_id into org from app_public.lead_import_batches b where b.id = lock_lead_batch_org.batch_id;
  if org is null then
    return false;
  end if;
  if take then
    perform pg_advisory_lock(app_private.lead_lock_key(org));
    return true;
  end if;
  return pg_advisory_unlock(app_private.lead_lock_key(org));
end
$$;

ALTER FUNCTION app_private.lock_lead_batch_org(batch_id uuid, take boolean) OWNER TO switchboard_owner;

--
-- Name: log_retention_run(text, bigint, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.log_retention_run(step text, removed bigint, started_at timestamp with time zone) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  insert into app_private.retention_runs (step, removed, started_at) values (step, removed, started_at)
$$;

ALTER FUNCTION app_private.log_retention_run(step text, removed bigint, started_at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: login(public.citext, text, uuid, inet, text, interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.login(email public.citext, password text, requested_org_id uuid DEFAULT NULL::uuid, ip inet DEFAULT NULL::inet, user_agent text DEFAULT NULL::text, session_ttl interval DEFAULT '30 days'::interval) RETURNS TABLE(user_id uuid, org_id uuid, org_role text, session_id uuid, refresh_token text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  return query
    select a.user_id, a.org_id, a.org_role, a.session_id, a.refresh_token
      from app_private.authenticate(login.email, login.password, null, login.requested_org_id,
                                    login.ip, login.user_agent, null, null, login.session_ttl) a
     where a.status = 'ok';
end
$$;

ALTER FUNCTION app_private.login(email public.citext, password text, requested_org_id uuid, ip inet, user_agent text, session_ttl interval) OWNER TO switchboard_owner;

--
-- Name: logout(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.logout(session_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  s app_private.sessions;
begin
  update app_private.sessions x set revoked_at = now(), revoked_reason = 'logout'
   where x.id = logout.session_id and x.revoked_at is null and x.expires_at > now()
  returning * into s;
  if s.id is null then
    return false;
  end if;
  perform app_private.record_auth_event('logout', s.user_id, s.org_id, s.id, s.ip, s.user_agent);
  return true;
end
$$;

ALTER FUNCTION app_private.logout(session_id uuid) OWNER TO switchboard_owner;

--
-- Name: logout_all(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.logout_all(session_id uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  s app_private.sessions := app_private.live_session(logout_all.session_id);
  ended int;
begin
  if s.id is null then
    return null;
  end if;
  update app_private.sessions x set revoked_at = now(), revoked_reason = 'logout_all'
   where x.user_id = s.user_id and x.revoked_at is null;
  get diagnostics ended = row_count;
  perform app_private.record_auth_event('logout_all', s.user_id, null, s.id, s.ip, s.user_agent,
                                        jsonb_build_object('sessions', ended));
  return ended;
end
$$;

ALTER FUNCTION app_private.logout_all(session_id uuid) OWNER TO switchboard_owner;

--
-- Name: luhn_valid(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.luhn_valid(digits text) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    AS $_$
declare
  total int := 0;
  d int;
  n int := length(digits);
begin
  if digits !~ '^\d{13,19}$' then
    return false;
  end if;
  for i in 0 .. n - 1 loop
    d := substr(digits, n - i, 1)::int;
    if i % 2 = 1 then
      d := d * 2;
      if d > 9 then d := d - 9; end if;
    end if;
    total := total + d;
  end loop;
  return total % 10 = 0;
end
$_$;

ALTER FUNCTION app_private.luhn_valid(digits text) OWNER TO switchboard_owner;

--
-- Name: map_lead(app_public.leads, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.map_lead(l app_public.leads, mapping jsonb) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  with src as (select to_jsonb(l) - 'pii_encrypted' - 'email_hash' - 'addr_hash' as doc),
  pick as (
    select f.key, f.value #>> '{}' as col from jsonb_each(mapping - 'custom_fields') f where jsonb_typeof(f.value) = 'string'),
  vals as (
    select p.key, case when p.col like 'attributes.%' then l.attributes ->> substr(p.col, 12) else s.doc ->> p.col end as val
      from pick p, src s),
  custom as (
    select c.key, case when c.value #>> '{}' like 'attributes.%' then l.attributes ->> substr(c.value #>> '{}', 12)
                       else s.doc ->> (c.value #>> '{}') end as val
      from jsonb_each(coalesce(mapping -> 'custom_fields', '{}')) c, src s)
  select jsonb_build_object('lead_id', l.id)
         || coalesce((select jsonb_object_agg(v.key, v.val) from vals v where v.val is not null), '{}')
         || jsonb_build_object('custom_fields', coalesce((select jsonb_object_agg(c.key, c.val) from custom c where c.val is not null), '{}'))
$$;

ALTER FUNCTION app_private.map_lead(l app_public.leads, mapping jsonb) OWNER TO switchboard_owner;

--
-- Name: mark_lead_batch_failed(uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.mark_lead_batch_failed(batch_id uuid, error text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select app_private.discard_pending_lead_batches(b.org_id, b.id)
    from app_public.lead_import_batches b
   where b.id = mark_lead_batch_failed.batch_id and b.status <> 'merged';
  update app_public.lead_import_batches b
     set status = 'failed', error = left(mark_lead_batch_failed.error, 500)
   where b.id = mark_lead_batch_failed.batch_id and b.status <> 'merged'
$$;

ALTER FUNCTION app_private.mark_lead_batch_failed(batch_id uuid, error text) OWNER TO switchboard_owner;

--
-- Name: merge_lead_batch(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.merge_lead_batch(batch_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET client_min_messages TO 'warning'
    SET work_mem TO '256MB'
    SET maintenance_work_mem TO '256MB'
    SET parallel_setup_cost TO '100'
    SET parallel_tuple_cost TO '0.01'
    AS $_$
declare
  b app_public.lead_import_batches;
  t0 timestamptz := clock_timestamp();
  n_rejected int;
  n_rows int;
  n_valid int;
  n_updated int;
  n_created int;
  passes int := 0;
  email_ok text[];
  n_absorbed int := 0;
  work text;
  staged text;
  -- Above one, the new leads are inserted by that many transactions at once (see
  -- merge_lead_batch_prepare): this call only prepares them.
  chunks int := greatest(1, coalesce(nullif(current_setting('switchboard.lead_merge_chunks', true), '')::int, 1));
  attempt uuid;
  n_new int;
  n_grouped int;
  suffix text;
  dupdata text;
begin
  -- Room for the batch's temporary tables in memory (the default 8 MB spills a large batch
  -- to files read back several times). Only possible before the session's first temporary
  -- table: a session that already has its local buffers keeps them.
  begin
    perform set_config('temp_buffers', '128MB', true);
  exception when invalid_parameter_value then
    null;
  end;
  select * into b from app_public.lead_import_batches x where x.id = merge_lead_batch.batch_id;
  if not found then
    raise exception 'no batch %', merge_lead_batch.batch_id using errcode = 'P0002';
  end if;
  perform pg_advisory_xact_lock(app_private.lead_lock_key(b.org_id));
  -- Leads that an interrupted parallel merge of this org left hidden go first (the lock says
  -- no merge of the org is running).
  perform app_private.discard_pending_lead_batches(b.org_id);
  select * into b from app_public.lead_import_batches x where x.id = merge_lead_batch.batch_id for update;
  if b.status = 'merged' then
    return jsonb_build_object('batch_id', b.id, 'status', 'merged', 'already', true);
  end if;
  if b.status not in ('queued', 'merging', 'failed') then
    raise exception 'batch % is %', b.id, b.status using errcode = '55000';
  end if;
  update app_public.lead_import_batches x set status = 'merging', merge_started_at = t0, attempts = x.attempts + 1
   where x.id = b.id;

  -- Codes the org's map calls valid for this batch's provider.
  select coalesce(array_agg(upper(m.code)), '{}') into email_ok
    from app_public.verification_code_map m
   where m.org_id = b.org_id and m.provider = b.verification_provider and m.verdict = 'valid';

  -- 1. Read, normalise and validate the batch's rows, in one statement. The working set is
  --    an unlogged table made by CREATE TABLE AS, so the normalisation (most of the CPU of
  --    a merge) runs in parallel workers; temporary tables never get parallel plans. The
  --    steps below name it through the temporary view pg_temp.lm. Both are dropped when the
  --    merge ends (or vanish with its rollback); a parallel merge's work table lives on until
  --    its publish or discard, since its chunks read their new leads from it.
  work := 'lead_merge_' || replace(b.id::text, '-', '');
  -- An upload's rows are in its own table (leads/uploads.sql); rows staged otherwise in
  -- lead_staging under the batch id.
  staged := app_private.lead_upload_table(b.id);
  if to_regclass(format('app_private.%I', staged)) is null then
    staged := null;
  end if;
  drop view if exists pg_temp.lm;
  execute format('drop table if exists app_private.%I', work);
  execute format($q$create unlogged table app_private.%1$I as
  select r.*,
         -- An APN without a valid FIPS is no key (apn_raw_n only explains the reject).
         case when r.fips_n is not null then r.apn_raw_n end as apn_n,
         -- The address key needs a street line and a ZIP.
         case when r.addr_n is not null and r.zip_n is not null
              then sha224(convert_to(r.addr_n || '|' || left(r.zip_n, 5), 'UTF8')) end as addr_hash,
         null::uuid as m1, null::uuid as m2, null::uuid as m3,
         -- A parallel merge's id for the row should it become a new lead on its own: made
         -- here, in row order, so each chunk's range of rows is a range of ids (each inserting
         -- transaction grows the id indexes at a place of its own).
         %3$s as new_id,
         case
           when r.mak_n is null and (r.fips_n is null or r.apn_raw_n is null) and (r.addr_n is null or r.zip_n is null)
             then case
               when r.apn_raw_n is not null and r.county_fips is not null and r.fips_n is null then 'invalid county_fips'
               when r.addr_n is not null and r.property_zip is not null and r.zip_n is null then 'invalid property_zip'
               else 'missing key: needs mak, or county_fips and apn, or property_address and property_zip' end
           when r.email is not null and r.email_n is null then 'invalid email'
           when r.phone is not null and r.phone_n is null then 'invalid phone'
           when r.property_zip is not null and r.zip_n is null then 'invalid property_zip'
           when r.mailing_zip is not null and r.mailing_zip_n is null then 'invalid mailing_zip'
           when r.county_fips is not null and r.fips_n is null then 'invalid county_fips'
           when r.property_state is not null and r.property_state !~ '^[A-Za-z]{2}$' then 'invalid property_state'
           when r.mailing_state is not null and r.mailing_state !~ '^[A-Za-z]{2}$' then 'invalid mailing_state'
           when r.estimated_equity is not null and (r.equity_n is null or abs(r.equity_n) >= 1e12) then 'invalid estimated_equity'
           when r.owner_occupied is not null and r.owner_occupied_n is null then 'invalid owner_occupied'
         end as reason
    from (
      select s.row_number,
             nullif(btrim(s.first_name), '') as first_name,
             nullif(btrim(s.last_name), '') as last_name,
             nullif(btrim(s.email), '') as email,
             app_private.normalize_email(s.email) as email_n,
             nullif(btrim(s.phone), '') as phone,
             app_private.normalize_phone(s.phone) as phone_n,
             nullif(btrim(s.property_address), '') as property_address,
             app_private.normalize_address(s.property_address) as addr_n,
             nullif(btrim(s.property_city), '') as property_city,
             upper(nullif(btrim(s.property_state), '')) as property_state,
             nullif(btrim(s.property_zip), '') as property_zip,
             app_private.normalize_zip(s.property_zip) as zip_n,
             nullif(btrim(s.county_fips), '') as county_fips,
             app_private.normalize_fips(s.county_fips) as fips_n,
             nullif(btrim(s.apn), '') as apn,
             app_private.normalize_apn(s.apn) as apn_raw_n,
             app_private.normalize_mak(s.mak) as mak_n,
             nullif(btrim(s.mailing_address), '') as mailing_address,
             nullif(btrim(s.mailing_city), '') as mailing_city,
             upper(nullif(btrim(s.mailing_state), '')) as mailing_state,
             nullif(btrim(s.mailing_zip), '') as mailing_zip,
             app_private.normalize_zip(s.mailing_zip) as mailing_zip_n,
             nullif(btrim(s.estimated_equity), '') as estimated_equity,
             app_private.parse_money(s.estimated_equity) as equity_n,
             nullif(btrim(s.owner_occupied), '') as owner_occupied,
             app_private.parse_boolean(s.owner_occupied) as owner_occupied_n,
             nullif(upper(btrim(s.email_verification_code)), '') as email_code,
             nullif(upper(btrim(s.phone_verification_code)), '') as phone_code,
             coalesce(s.attributes, '{}') as attributes
        from %2$s
      -- A fence: each normalised value is computed once per row (in the parallel scan),
      -- not once per use below.
      offset 0
    ) r
  $q$, work, case when staged is not null then format('app_private.%I s', staged)
                  else format('app_private.lead_staging s where s.batch_id = %L', b.id) end,
     case when chunks > 1 then 'app_private.time_ordered_uuid()' else 'null::uuid' end);
  get diagnostics n_rows = row_count;
  execute format('create temporary view lm as select * from app_private.%I', work);

  insert into app_public.lead_import_rejects (org_id, batch_id, row_number, reason, row_data)
  select b.org_id, b.id, r.row_number, r.reason,
         jsonb_strip_nulls(jsonb_build_object(
           'first_name', r.first_name, 'last_name', r.last_name, 'email', r.email, 'phone', r.phone,
           'property_address', r.property_address, 'property_zip', r.property_zip, 'county_fips', r.county_fips,
           'apn', r.apn, 'mak', r.mak_n, 'mailing_zip', r.mailing_zip, 'estimated_equity', r.estimated_equity,
           'owner_occupied', r.owner_occupied))
    from pg_temp.lm r
   where r.reason is not null
  on conflict do nothing;
  -- The rows rejected are the rows deleted here: after an interrupted parallel merge the
  -- retry finds the reject rows its first attempt committed (ON CONFLICT), and the batch must
  -- still count them.
  delete from pg_temp.lm r where r.reason is not null;
  get diagnostics n_rejected = row_count;
  n_valid := n_rows - n_rejected;
  execute format('create index on app_private.%I (row_number)', work);
  execute format('analyze app_private.%I', work);

  -- 2. Match existing leads by each key (an org's first import has none to match: skipped;
  --    the org's lock makes that check safe).
  if exists (select 1 from app_public.leads l where l.org_id = b.org_id) then
    update pg_temp.lm r
       set m1 = l1.id, m2 = l2.id, m3 = l3.id
      from pg_temp.lm r0
      left join app_public.leads l1 on l1.org_id = b.org_id and l1.mak = r0.mak_n
      left join app_public.leads l2 on l2.org_id = b.org_id and l2.county_fips = r0.fips_n and l2.apn_normalized = r0.apn_n
      left join app_public.leads l3 on l3.org_id = b.org_id and l3.addr_hash = r0.addr_hash
     where r.row_number = r0.row_number
       and coalesce(l1.id, l2.id, l3.id) is not null;
  end if;

  -- 3. Connected components over rows and existing leads: rows sharing a key, and rows
  --    matching a lead, end up in one group. Only rows with a repeated key or a match take
  --    part (the others are groups of one). Label propagation until stable.
  --    The rows taking part are copied whole (lm_dupdata) in the scan that finds them, so
  --    the steps below join that small table instead of hashing all of lm again; lm_dup
  --    holds just (row, group) for the propagation.
  --    A parallel merge keeps them in an unlogged table of the batch (lead_grp_*): its
  --    groups are formed by chunk 0 while chunks 1… insert the rows that are leads on their
  --    own (merge_parallel.sql).
  drop table if exists pg_temp.lm_dupdata;
  dupdata := $q$
  select r.*, lpad(r.row_number::text, 10, '0') as row_key
    from pg_temp.lm r
   where r.m1 is not null or r.m2 is not null or r.m3 is not null
      or r.mak_n in (select x.mak_n from pg_temp.lm x where x.mak_n is not null group by 1 having count(*) > 1)
      or (r.fips_n, r.apn_n) in (select x.fips_n, x.apn_n from pg_temp.lm x where x.apn_n is not null group by 1, 2 having count(*) > 1)
      or r.addr_hash in (select x.addr_hash from pg_temp.lm x where x.addr_hash is not null group by 1 having count(*) > 1)$q$;
  if chunks > 1 then
    suffix := replace(b.id::text, '-', '');
    execute format('drop table if exists app_private.%I', 'lead_grp_' || suffix);
    execute format('create unlogged table app_private.%I as %s', 'lead_grp_' || suffix, dupdata);
    get diagnostics n_grouped = row_count;
    execute format('drop table if exists app_private.%I', 'lead_dup_' || suffix);
    execute format('create unlogged table app_private.%I as select g.row_number from app_private.%I g',
                   'lead_dup_' || suffix, 'lead_grp_' || suffix);
    drop view pg_temp.lm;
    attempt := gen_random_uuid();
    n_new := n_valid - n_grouped;
    insert into app_private.lead_import_pending (org_id, batch_id, attempt, chunks, rows_new, rows_merged, rows_rejected, started_at)
    values (b.org_id, b.id, attempt, chunks, n_new, n_valid, n_rejected, t0);
    return jsonb_build_object('batch_id', b.id, 'status', 'prepared', 'attempt', attempt, 'chunks', chunks, 'leads_single', n_new,
                              'rows_grouped', n_grouped, 'rows_merged', n_valid, 'rows_rejected', n_rejected,
                              'ms', round(extract(epoch from clock_timestamp() - t0) * 1000));
  end if;
  execute 'create temporary table lm_dupdata on commit drop as ' || dupdata;
  analyze pg_temp.lm_dupdata;
  passes := app_private.merge_lead_groups();
  if exists (select 1 from pg_temp.lm_losers) then
    n_absorbed := app_private.absorb_leads(b.org_id);
  end if;

  n_updated := app_private.merge_lead_update_matched(b, email_ok);

  -- 5b. New leads.
  insert into app_public.leads (
    id, org_id, first_name, last_name, email, phone, property_address, property_city, property_state, property_zip,
    county_fips, apn, apn_normalized, mak, address_normalized, addr_hash, mailing_address, mailing_city, mailing_state,
    mailing_zip, estimated_equity, owner_occupied, email_verification_codes, phone_verification_codes,
    verification_provider, email_verified, phone_verified, lead_score, attributes, data_as_of, first_batch_id, last_batch_id)
  select app_private.time_ordered_uuid(), b.org_id, u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city, u.property_state,
         u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
         u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
         u.email_codes, u.phone_codes, b.verification_provider,
         u.email_codes && email_ok, u.phone_codes && email_ok,
         app_private.lead_score(u.email_codes && email_ok, u.phone_codes && email_ok, u.estimated_equity, u.owner_occupied,
                                now() - b.received_at),
         u.attributes, b.received_at, b.id, b.id
    from (
      select u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city, u.property_state,
             u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
             u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
             u.email_codes, u.phone_codes, u.attributes, u.new_grp as ord
        from pg_temp.lm_units u
       where u.target_id is null
      union all
      select r.first_name, r.last_name, r.email_n, r.phone_n, r.property_address, r.property_city, r.property_state,
             r.zip_n, case when r.apn_n is not null then r.fips_n end, case when r.apn_n is not null then r.apn end, r.apn_n,
             r.mak_n, case when r.addr_hash is not null then r.addr_n end, r.addr_hash,
             r.mailing_address, r.mailing_city, r.mailing_state, r.mailing_zip_n, r.equity_n, r.owner_occupied_n,
             case when r.email_code is not null then array[r.email_code] else '{}' end,
             case when r.phone_code is not null then array[r.phone_code] else '{}' end,
             r.attributes, r.row_number
        from pg_temp.lm r
       where not exists (select 1 from pg_temp.lm_dup d where d.row_number = r.row_number)
    ) u;
  get diagnostics n_created = row_count;

  if staged is not null then
    execute format('drop table app_private.%I', staged);
  else
    delete from app_private.lead_staging s where s.batch_id = b.id;
  end if;
  drop view pg_temp.lm;
  execute format('drop table app_private.%I', work);
  update app_public.lead_import_batches x
     set status = 'merged', rows_merged = n_valid, rows_rejected = n_rejected,
         leads_created = n_created, leads_updated = n_updated, merged_at = clock_timestamp(), error = null
   where x.id = b.id;

  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, duration_ms, data)
  values (b.org_id, 'merged', b.id, n_valid,
          (extract(epoch from clock_timestamp() - b.received_at) * 1000)::bigint,
          jsonb_build_object('batch_id', b.id, 'created', n_created, 'updated', n_updated, 'absorbed', n_absorbed, 'passes', passes));
  if n_rejected > 0 then
    insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
    values (b.org_id, 'rows_rejected', b.id, n_rejected, jsonb_build_object('batch_id', b.id));
  end if;
  return jsonb_build_object('batch_id', b.id, 'status', 'merged', 'rows_merged', n_valid, 'rows_rejected', n_rejected,
                            'leads_created', n_created, 'leads_updated', n_updated, 'leads_absorbed', n_absorbed, 'passes', passes,
                            'ms', round(extract(epoch from clock_timestamp() - t0) * 1000));
end
$_$;

ALTER FUNCTION app_private.merge_lead_batch(batch_id uuid) OWNER TO switchboard_owner;

--
-- Name: merge_lead_batch_chunk(uuid, uuid, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.merge_lead_batch_chunk(batch_id uuid, attempt uuid, chunk integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  p app_private.lead_import_pending;
  b app_public.lead_import_batches;
  n int;
  suffix text;
  email_ok text[];
  lo int;
  hi int;
  span int;
  n_passes int;
begin
  select * into p from app_private.lead_import_pending x
   where x.batch_id = merge_lead_batch_chunk.batch_id and x.attempt = merge_lead_batch_chunk.attempt
     for share;
  if not found then
    raise exception 'batch % has no pending attempt %', merge_lead_batch_chunk.batch_id, merge_lead_batch_chunk.attempt
      using errcode = '55000';
  end if;
  if chunk < 0 or chunk > p.chunks then
    raise exception 'chunk % out of 0..%', chunk, p.chunks using errcode = '22023';
  end if;
  insert into app_private.lead_import_chunks (org_id, batch_id, chunk, attempt)
  values (p.org_id, p.batch_id, merge_lead_batch_chunk.chunk, p.attempt)
  on conflict do nothing;
  if not found then
    return 0;
  end if;
  select * into b from app_public.lead_import_batches x where x.org_id = p.org_id and x.id = p.batch_id;
  select coalesce(array_agg(upper(m.code)), '{}') into email_ok
    from app_public.verification_code_map m
   where m.org_id = b.org_id and m.provider = b.verification_provider and m.verdict = 'valid';
  suffix := replace(p.batch_id::text, '-', '');
  if chunk = 0 then
    select g.leads, g.passes into n, n_passes from app_private.merge_lead_batch_groups(b, email_ok) g;
  else
    execute format('select min(w.row_number), max(w.row_number) from app_private.%I w', 'lead_merge_' || suffix) into lo, hi;
    span := (hi - lo) / p.chunks + 1;
    lo := lo + (chunk - 1) * span;
    execute format($q$
      insert into app_public.leads (
        id, org_id, first_name, last_name, email, phone, property_address, property_city, property_state, property_zip,
        county_fips, apn, apn_normalized, mak, address_normalized, addr_hash, mailing_address, mailing_city, mailing_state,
        mailing_zip, estimated_equity, owner_occupied, email_verification_codes, phone_verification_codes,
        verification_provider, email_verified, phone_verified, lead_score, attributes, data_as_of, first_batch_id, last_batch_id)
      select u.id, $1, u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city, u.property_state,
             u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
             u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
             u.email_codes, u.phone_codes, $2, u.email_codes && $6, u.phone_codes && $6,
             app_private.lead_score(u.email_codes && $6, u.phone_codes && $6, u.estimated_equity, u.owner_occupied, now() - $3),
             u.attributes, $3, $4, $4
        from (
          select r.new_id as id, r.first_name, r.last_name, r.email_n as email, r.phone_n as phone, r.property_address,
                 r.property_city, r.property_state, r.zip_n as property_zip,
                 case when r.apn_n is not null then r.fips_n end as county_fips, case when r.apn_n is not null then r.apn end as apn,
                 r.apn_n as apn_normalized, r.mak_n as mak, case when r.addr_hash is not null then r.addr_n end as address_normalized,
                 r.addr_hash, r.mailing_address, r.mailing_city, r.mailing_state, r.mailing_zip_n as mailing_zip,
                 r.equity_n as estimated_equity, r.owner_occupied_n as owner_occupied,
                 case when r.email_code is not null then array[r.email_code] else '{}' end as email_codes,
                 case when r.phone_code is not null then array[r.phone_code] else '{}' end as phone_codes,
                 r.attributes
            from app_private.%1$I r
           where r.row_number >= $5 and r.row_number < $5 + $7
             and not exists (select 1 from app_private.%2$I d where d.row_number = r.row_number)
        ) u
    $q$, 'lead_merge_' || suffix, 'lead_dup_' || suffix)
    using p.org_id, b.verification_provider, b.received_at, p.batch_id, lo, email_ok, span;
    get diagnostics n = row_count;
  end if;
  update app_private.lead_import_chunks c set rows_inserted = n, passes = n_passes, done_at = clock_timestamp()
   where c.org_id = p.org_id and c.batch_id = p.batch_id and c.chunk = merge_lead_batch_chunk.chunk;
  return n;
end
$_$;

ALTER FUNCTION app_private.merge_lead_batch_chunk(batch_id uuid, attempt uuid, chunk integer) OWNER TO switchboard_owner;

--
-- Name: lead_import_batches; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.lead_import_batches (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    source_id uuid,
    content_sha256 text NOT NULL,
    status text DEFAULT 'receiving'::text NOT NULL,
    rows_total integer DEFAULT 0 NOT NULL,
    rows_merged integer DEFAULT 0 NOT NULL,
    rows_rejected integer DEFAULT 0 NOT NULL,
    leads_created integer DEFAULT 0 NOT NULL,
    leads_updated integer DEFAULT 0 NOT NULL,
    bytes bigint DEFAULT 0 NOT NULL,
    verification_provider text DEFAULT 'default'::text NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    merge_started_at timestamp with time zone,
    merged_at timestamp with time zone,
    attempts integer DEFAULT 0 NOT NULL,
    error text,
    uploaded_by uuid,
    CONSTRAINT lead_import_batches_content_sha256_check CHECK ((content_sha256 ~ '^[0-9a-f]{64}$'::text)),
    CONSTRAINT lead_import_batches_rows_merged_check CHECK ((rows_merged >= 0)),
    CONSTRAINT lead_import_batches_rows_rejected_check CHECK ((rows_rejected >= 0)),
    CONSTRAINT lead_import_batches_rows_total_check CHECK ((rows_total >= 0)),
    CONSTRAINT lead_import_batches_status_check CHECK ((status = ANY (ARRAY['receiving'::text, 'queued'::text, 'merging'::text, 'merged'::text, 'failed'::text])))
);

ALTER TABLE ONLY app_public.lead_import_batches FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.lead_import_batches OWNER TO switchboard_owner;

--
-- Name: merge_lead_batch_groups(app_public.lead_import_batches, text[]); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.merge_lead_batch_groups(b app_public.lead_import_batches, email_ok text[], OUT leads integer, OUT passes integer) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET client_min_messages TO 'warning'
    SET work_mem TO '256MB'
    AS $$
declare
  suffix text := replace(b.id::text, '-', '');
begin
  -- Room for the groups' temporary tables in memory (as in merge_lead_batch).
  begin
    perform set_config('temp_buffers', '128MB', true);
  exception when invalid_parameter_value then
    null;
  end;
  execute format('analyze app_private.%I', 'lead_grp_' || suffix);
  perform app_private.temp_view_of('lm_dupdata', 'lead_grp_' || suffix);
  passes := app_private.merge_lead_groups();
  insert into app_public.leads (
    id, org_id, first_name, last_name, email, phone, property_address, property_city, property_state, property_zip,
    county_fips, apn, apn_normalized, mak, address_normalized, addr_hash, mailing_address, mailing_city, mailing_state,
    mailing_zip, estimated_equity, owner_occupied, email_verification_codes, phone_verification_codes,
    verification_provider, email_verified, phone_verified, lead_score, attributes, data_as_of, first_batch_id, last_batch_id)
  select app_private.time_ordered_uuid(), b.org_id, u.first_name, u.last_name, u.email, u.phone, u.property_address, u.property_city,
         u.property_state, u.property_zip, u.county_fips, u.apn, u.apn_normalized, u.mak, u.address_normalized, u.addr_hash,
         u.mailing_address, u.mailing_city, u.mailing_state, u.mailing_zip, u.estimated_equity, u.owner_occupied,
         u.email_codes, u.phone_codes, b.verification_provider, u.email_codes && email_ok, u.phone_codes && email_ok,
         app_private.lead_score(u.email_codes && email_ok, u.phone_codes && email_ok, u.estimated_equity, u.owner_occupied,
                                now() - b.received_at),
         u.attributes, b.received_at, b.id, b.id
    from pg_temp.lm_units u
   where u.target_id is null
   order by u.new_grp;
  get diagnostics leads = row_count;
  execute format('drop table if exists app_private.%I', 'lead_upd_' || suffix);
  execute format('create unlogged table app_private.%I as select * from pg_temp.lm_units where target_id is not null',
                 'lead_upd_' || suffix);
  execute format('drop table if exists app_private.%I', 'lead_los_' || suffix);
  execute format('create unlogged table app_private.%I as select * from pg_temp.lm_losers', 'lead_los_' || suffix);
  drop view pg_temp.lm_dupdata;
end
$$;

ALTER FUNCTION app_private.merge_lead_batch_groups(b app_public.lead_import_batches, email_ok text[], OUT leads integer, OUT passes integer) OWNER TO switchboard_owner;

--
-- Name: merge_lead_batch_prepare(uuid, integer, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.merge_lead_batch_prepare(batch_id uuid, chunks integer, min_rows integer DEFAULT 0) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  n int;
begin
  select coalesce(b.rows_total, 0) into n from app_public.lead_import_batches b where b.id = merge_lead_batch_prepare.batch_id;
  perform set_config('switchboard.lead_merge_chunks',
                     case when n >= coalesce(min_rows, 0) then greatest(1, least(coalesce(chunks, 1), 16)) else 1 end::text, true);
  return app_private.merge_lead_batch(batch_id);
end
$$;

ALTER FUNCTION app_private.merge_lead_batch_prepare(batch_id uuid, chunks integer, min_rows integer) OWNER TO switchboard_owner;

--
-- Name: merge_lead_batch_publish(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.merge_lead_batch_publish(batch_id uuid, attempt uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET client_min_messages TO 'warning'
    SET work_mem TO '256MB'
    AS $$
declare
  p app_private.lead_import_pending;
  b app_public.lead_import_batches;
  email_ok text[];
  n_created int;
  n_updated int;
  n_absorbed int := 0;
  done int;
  n_single int;
  n_grouped int;
  passes int;
  suffix text;
  staged text;
begin
  select * into b from app_public.lead_import_batches x where x.id = merge_lead_batch_publish.batch_id;
  if not found then
    raise exception 'no batch %', merge_lead_batch_publish.batch_id using errcode = 'P0002';
  end if;
  perform pg_advisory_xact_lock(app_private.lead_lock_key(b.org_id));
  select * into p from app_private.lead_import_pending x
   where x.org_id = b.org_id and x.batch_id = b.id and x.attempt = merge_lead_batch_publish.attempt
     for update;
  if not found then
    raise exception 'batch % has no pending attempt %', b.id, merge_lead_batch_publish.attempt using errcode = '55000';
  end if;
  -- Chunks 1 … chunks inserted every lead of its own; chunk 0 the groups' leads.
  select count(*) filter (where c.chunk > 0), coalesce(sum(c.rows_inserted) filter (where c.chunk > 0), 0),
         coalesce(sum(c.rows_inserted) filter (where c.chunk = 0), -1), max(c.passes)
    into done, n_single, n_grouped, passes
    from app_private.lead_import_chunks c
   where c.org_id = p.org_id and c.batch_id = p.batch_id and c.attempt = p.attempt and c.done_at is not null;
  if done <> p.chunks or n_single <> p.rows_new or n_grouped < 0 then
    raise exception 'batch %: % of % chunks inserted (% of % leads), the groups %', b.id, done, p.chunks, n_single, p.rows_new,
      case when n_grouped < 0 then 'not yet' else 'in' end
      using errcode = '55000';
  end if;
  n_created := n_single + n_grouped;
  select * into b from app_public.lead_import_batches x where x.org_id = p.org_id and x.id = p.batch_id for update;
  select coalesce(array_agg(upper(m.code)), '{}') into email_ok
    from app_public.verification_code_map m
   where m.org_id = b.org_id and m.provider = b.verification_provider and m.verdict = 'valid';

  suffix := replace(b.id::text, '-', '');
  perform app_private.temp_view_of('lm_losers', 'lead_los_' || suffix);
  perform app_private.temp_view_of('lm_units', 'lead_upd_' || suffix);
  if exists (select 1 from pg_temp.lm_losers) then
    n_absorbed := app_private.absorb_leads(b.org_id);
  end if;
  n_updated := app_private.merge_lead_update_matched(b, email_ok);
  drop view pg_temp.lm_losers;
  drop view pg_temp.lm_units;
  execute format('drop table app_private.%I', 'lead_grp_' || suffix);
  execute format('drop table app_private.%I', 'lead_upd_' || suffix);
  execute format('drop table app_private.%I', 'lead_los_' || suffix);
  execute format('drop table app_private.%I', 'lead_merge_' || suffix);
  execute format('drop table app_private.%I', 'lead_dup_' || suffix);
  staged := app_private.lead_upload_table(b.id);
  if to_regclass(format('app_private.%I', staged)) is not null then
    execute format('drop table app_private.%I', staged);
  else
    delete from app_private.lead_staging s where s.batch_id = b.id;
  end if;
  delete from app_private.lead_import_pending x where x.org_id = p.org_id and x.batch_id = p.batch_id;

  update app_public.lead_import_batches x
     set status = 'merged', rows_merged = p.rows_merged, rows_rejected = p.rows_rejected,
         leads_created = n_created, leads_updated = n_updated, merged_at = clock_timestamp(), error = null
   where x.org_id = b.org_id and x.id = b.id;
  insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, duration_ms, data)
  values (b.org_id, 'merged', b.id, p.rows_merged,
          (extract(epoch from clock_timestamp() - b.received_at) * 1000)::bigint,
          jsonb_build_object('batch_id', b.id, 'created', n_created, 'updated', n_updated, 'absorbed', n_absorbed,
                             'passes', passes, 'chunks', p.chunks));
  if p.rows_rejected > 0 then
    insert into app_public.pipeline_events (org_id, kind, subject_id, quantity, data)
    values (b.org_id, 'rows_rejected', b.id, p.rows_rejected, jsonb_build_object('batch_id', b.id));
  end if;
  return jsonb_build_object('batch_id', b.id, 'status', 'merged', 'rows_merged', p.rows_merged, 'rows_rejected', p.rows_rejected,
                            'leads_created', n_created, 'leads_updated', n_updated, 'leads_absorbed', n_absorbed,
                            'passes', passes, 'chunks', p.chunks,
                            'ms', round(extract(epoch from clock_timestamp() - p.started_at) * 1000));
end
$$;

ALTER FUNCTION app_private.merge_lead_batch_publish(batch_id uuid, attempt uuid) OWNER TO switchboard_owner;

--
-- Name: merge_lead_groups(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.merge_lead_groups() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  passes int := 0;
  changed int;
begin
  drop table if exists pg_temp.lm_dup;
  create temporary table lm_dup on commit drop as
  select r.row_number, r.row_number as grp from pg_temp.lm_dupdata r;
  create index on pg_temp.lm_dup (row_number);
  analyze pg_temp.lm_dup;
  drop table if exists pg_temp.lm_edge;
  create temporary table lm_edge on commit drop as
  select d.row_number, k.node
    from pg_temp.lm_dup d
    join pg_temp.lm_dupdata r on r.row_number = d.row_number
   cross join lateral (values ('m' || r.mak_n), ('a' || r.fips_n || '/' || r.apn_n), ('h' || encode(r.addr_hash, 'hex')),
                              ('l' || r.m1), ('l' || r.m2), ('l' || r.m3)) k(node)
   where k.node is not null;
  loop
    passes := passes + 1;
    with nl as (
      select e.node, min(d.grp) as g from pg_temp.lm_edge e join pg_temp.lm_dup d on d.row_number = e.row_number group by e.node
    ), rl as (
      select e.row_number, min(nl.g) as g from pg_temp.lm_edge e join nl on nl.node = e.node group by e.row_number
    )
    update pg_temp.lm_dup d set grp = rl.g from rl where rl.row_number = d.row_number and rl.g < d.grp;
    get diagnostics changed = row_count;
    exit when changed = 0 or passes > 100;
  end loop;
  -- Rows outside lm_dup are groups of one without a match: they become new leads as they
  -- are (5b), skipping the aggregation below.

  -- 4. A group's target: its best matched lead (a MAK match before an APN match before an
  --    address match, then the oldest id). Other leads the group matched are the same
  --    property seen through different keys: they are absorbed into the target.
  drop table if exists pg_temp.lm_leadmatch;
  create temporary table lm_leadmatch on commit drop as
  select distinct d.grp, m.lead_id, m.rank
    from pg_temp.lm_dup d
    join pg_temp.lm_dupdata r on r.row_number = d.row_number
   cross join lateral (values (r.m1, 1), (r.m2, 2), (r.m3, 3)) m(lead_id, rank)
   where m.lead_id is not null;
  drop table if exists pg_temp.lm_target;
  create temporary table lm_target on commit drop as
  select m.grp, (array_agg(m.lead_id order by m.rank, m.lead_id))[1] as target_id
    from pg_temp.lm_leadmatch m
   group by m.grp;
  drop table if exists pg_temp.lm_losers;
  create temporary table lm_losers on commit drop as
  select distinct m.lead_id as loser_id, t.target_id,
         dense_rank() over (partition by t.target_id order by m.lead_id) as round
    from pg_temp.lm_leadmatch m
    join pg_temp.lm_target t on t.grp = m.grp
   where m.lead_id <> t.target_id;
  drop table if exists pg_temp.lm_units;

  -- A group's value of each field is its newest row's non-null one: the max of
  -- [row_key, value] arrays (row_key is the row number as ten digits, so the arrays compare by
  -- it), not array_agg(value order by row_number desc): PostgreSQL 15 sorts every ordered
  -- aggregate of every group on its own, 19 sorts per group (measured on 177,000 rows in
  -- groups of two: 1.1–1.4 s against 2.0–2.9 s, the same values).
  create temporary table lm_units on commit drop as
  select t.target_id,
         case when t.target_id is null then min(d.grp) end as new_grp,
         count(*) as n_rows,
         max(r.row_number) as last_row,
         (max(array[r.row_key, r.first_name]) filter (where r.first_name is not null))[2] as first_name,
         (max(array[r.row_key, r.last_name]) filter (where r.last_name is not null))[2] as last_name,
         ((max(array[r.row_key, r.email_n::text]) filter (where r.email_n is not null))[2])::public.citext as email,
         (max(array[r.row_key, r.phone_n]) filter (where r.phone_n is not null))[2] as phone,
         (max(array[r.row_key, r.property_address]) filter (where r.property_address is not null))[2] as property_address,
         (max(array[r.row_key, r.property_city]) filter (where r.property_city is not null))[2] as property_city,
         (max(array[r.row_key, r.property_state]) filter (where r.property_state is not null))[2] as property_state,
         (max(array[r.row_key, r.zip_n]) filter (where r.zip_n is not null))[2] as property_zip,
         (max(array[r.row_key, r.fips_n]) filter (where r.fips_n is not null and r.apn_n is not null))[2] as county_fips,
         (max(array[r.row_key, r.apn]) filter (where r.fips_n is not null and r.apn_n is not null))[2] as apn,
         (max(array[r.row_key, r.apn_n]) filter (where r.fips_n is not null and r.apn_n is not null))[2] as apn_normalized,
         (max(array[r.row_key, r.mak_n]) filter (where r.mak_n is not null))[2] as mak,
         (max(array[r.row_key, r.addr_n]) filter (where r.addr_hash is not null))[2] as address_normalized,
         decode((max(array[r.row_key, encode(r.addr_hash, 'hex')]) filter (where r.addr_hash is not null))[2], 'hex') as addr_hash,
         (max(array[r.row_key, r.mailing_address]) filter (where r.mailing_address is not null))[2] as mailing_address,
         (max(array[r.row_key, r.mailing_city]) filter (where r.mailing_city is not null))[2] as mailing_city,
         (max(array[r.row_key, r.mailing_state]) filter (where r.mailing_state is not null))[2] as mailing_state,
         (max(array[r.row_key, r.mailing_zip_n]) filter (where r.mailing_zip_n is not null))[2] as mailing_zip,
         ((max(array[r.row_key, r.equity_n::text]) filter (where r.equity_n is not null))[2])::numeric as estimated_equity,
         bool_or(r.owner_occupied_n) as owner_occupied,
         coalesce(array_agg(distinct r.email_code) filter (where r.email_code is not null), '{}') as email_codes,
         coalesce(array_agg(distinct r.phone_code) filter (where r.phone_code is not null), '{}') as phone_codes,
         -- (Anything but an object, which the upload never stages, is skipped.)
         app_private.jsonb_merge_agg(case when jsonb_typeof(r.attributes) = 'object' then r.attributes else '{}' end
                                     order by r.row_number) as attributes
    from pg_temp.lm_dup d
    join pg_temp.lm_dupdata r on r.row_number = d.row_number
    left join pg_temp.lm_target t on t.grp = d.grp
   group by t.target_id, case when t.target_id is null then d.grp end;
  return passes;
end
$$;

ALTER FUNCTION app_private.merge_lead_groups() OWNER TO switchboard_owner;

--
-- Name: merge_lead_update_matched(app_public.lead_import_batches, text[]); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.merge_lead_update_matched(b app_public.lead_import_batches, email_ok text[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  n_updated int;
begin
  -- 5a. Matched leads. Newer data (this batch was received at or after the lead's data)
  --     wins where non-null; older data only fills gaps. Keys fill gaps only when free.
  with u as (
    select u.*, l.data_as_of <= b.received_at as newer
      from pg_temp.lm_units u
      join app_public.leads l on l.org_id = b.org_id and l.id = u.target_id
  )
  update app_public.leads l set
    first_name = case when u.newer then coalesce(u.first_name, l.first_name) else coalesce(l.first_name, u.first_name) end,
    last_name = case when u.newer then coalesce(u.last_name, l.last_name) else coalesce(l.last_name, u.last_name) end,
    email = case when u.newer then coalesce(u.email, l.email) else coalesce(l.email, u.email) end,
    phone = case when u.newer then coalesce(u.phone, l.phone) else coalesce(l.phone, u.phone) end,
    property_address = case when u.newer then coalesce(u.property_address, l.property_address) else coalesce(l.property_address, u.property_address) end,
    property_city = case when u.newer then coalesce(u.property_city, l.property_city) else coalesce(l.property_city, u.property_city) end,
    property_state = case when u.newer then coalesce(u.property_state, l.property_state) else coalesce(l.property_state, u.property_state) end,
    property_zip = case when u.newer then coalesce(u.property_zip, l.property_zip) else coalesce(l.property_zip, u.property_zip) end,
    mailing_address = case when u.newer then coalesce(u.mailing_address, l.mailing_address) else coalesce(l.mailing_address, u.mailing_address) end,
    mailing_city = case when u.newer then coalesce(u.mailing_city, l.mailing_city) else coalesce(l.mailing_city, u.mailing_city) end,
    mailing_state = case when u.newer then coalesce(u.mailing_state, l.mailing_state) else coalesce(l.mailing_state, u.mailing_state) end,
    mailing_zip = case when u.newer then coalesce(u.mailing_zip, l.mailing_zip) else coalesce(l.mailing_zip, u.mailing_zip) end,
    estimated_equity = case when u.newer then coalesce(u.estimated_equity, l.estimated_equity) else coalesce(l.estimated_equity, u.estimated_equity) end,
    owner_occupied = case when l.owner_occupied is null and u.owner_occupied is null then null
                          else coalesce(l.owner_occupied, false) or coalesce(u.owner_occupied, false) end,
    mak = coalesce(l.mak, case when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.mak = u.mak) then u.mak end),
    county_fips = case when l.apn_normalized is not null then l.county_fips
                       when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                         then u.county_fips end,
    apn = case when l.apn_normalized is not null then l.apn
               when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                 then u.apn end,
    apn_normalized = case when l.apn_normalized is not null then l.apn_normalized
                          when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.county_fips = u.county_fips and x.apn_normalized = u.apn_normalized)
                            then u.apn_normalized end,
    address_normalized = case when l.addr_hash is not null then l.address_normalized
                              when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.addr_hash = u.addr_hash)
                                then u.address_normalized end,
    addr_hash = coalesce(l.addr_hash, case when not exists (select 1 from app_public.leads x where x.org_id = b.org_id and x.addr_hash = u.addr_hash) then u.addr_hash end),
    email_verification_codes = array(select distinct c from unnest(l.email_verification_codes || u.email_codes) c order by c),
    phone_verification_codes = array(select distinct c from unnest(l.phone_verification_codes || u.phone_codes) c order by c),
    attributes = case when u.newer then l.attributes || u.attributes else u.attributes || l.attributes end,
    data_as_of = greatest(l.data_as_of, b.received_at),
    last_batch_id = b.id,
    updated_at = now()
  from u
  where l.org_id = b.org_id and l.id = u.target_id;
  get diagnostics n_updated = row_count;

  -- 6. Flags and score of the updated leads (new ones were computed on insert).
  update app_public.leads l
     set email_verified = l.email_verification_codes && email_ok,
         phone_verified = l.phone_verification_codes && email_ok,
         lead_score = app_private.lead_score(l.email_verification_codes && email_ok, l.phone_verification_codes && email_ok,
                                             l.estimated_equity, l.owner_occupied, now() - l.data_as_of)
    from pg_temp.lm_units u
   where u.target_id is not null and l.org_id = b.org_id and l.id = u.target_id
     and l.verification_provider = b.verification_provider;

  return n_updated;
end
$$;

ALTER FUNCTION app_private.merge_lead_update_matched(b app_public.lead_import_batches, email_ok text[]) OWNER TO switchboard_owner;

--
-- Name: mfa_begin_enrollment(uuid, bytea, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.mfa_begin_enrollment(session_id uuid, secret bytea, secret_key text) RETURNS TABLE(status text, email public.citext)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  s app_private.sessions := app_private.live_session(mfa_begin_enrollment.session_id);
begin
  if s.id is null then
    status := 'invalid_session';
    return next;
    return;
  end if;
  if exists (select 1 from app_private.user_mfa m where m.user_id = s.user_id and m.enabled_at is not null) then
    status := 'already_enabled';
    return next;
    return;
  end if;
  insert into app_private.user_mfa (user_id, secret)
  values (s.user_id, public.pgp_sym_encrypt_bytea(mfa_begin_enrollment.secret, secret_key))
  on conflict (user_id) do update set secret = excluded.secret, created_at = now(), last_used_step = 0;
  perform app_private.record_auth_event('mfa_enrollment_started', s.user_id, s.org_id, s.id, s.ip, s.user_agent);
  status := 'ok';
  email := (select u.email from app_public.users u where u.id = s.user_id);
  return next;
end
$$;

ALTER FUNCTION app_private.mfa_begin_enrollment(session_id uuid, secret bytea, secret_key text) OWNER TO switchboard_owner;

--
-- Name: mfa_disable(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.mfa_disable(session_id uuid, code text, secret_key text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  s app_private.sessions := app_private.live_session(mfa_disable.session_id);
begin
  if s.id is null then
    return 'invalid_session';
  end if;
  if not exists (select 1 from app_private.user_mfa m where m.user_id = s.user_id and m.enabled_at is not null) then
    return 'not_enabled';
  end if;
  if exists (select 1 from app_public.memberships ms join app_public.organizations o on o.id = ms.org_id
              where ms.user_id = s.user_id and o.require_mfa) then
    return 'required_by_org';
  end if;
  if app_private.consume_second_factor(s.user_id, code, secret_key) is null then
    perform app_private.record_auth_event('mfa_failed', s.user_id, s.org_id, s.id, s.ip, s.user_agent,
                                          '{"stage":"disable"}');
    return 'invalid_code';
  end if;
  delete from app_private.user_mfa m where m.user_id = s.user_id;
  delete from app_private.mfa_recovery_codes r where r.user_id = s.user_id;
  perform app_private.record_auth_event('mfa_disabled', s.user_id, null, s.id, s.ip, s.user_agent);
  return 'ok';
end
$$;

ALTER FUNCTION app_private.mfa_disable(session_id uuid, code text, secret_key text) OWNER TO switchboard_owner;

--
-- Name: mfa_enable(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.mfa_enable(session_id uuid, code text, secret_key text) RETURNS TABLE(status text, recovery_codes text[])
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  s app_private.sessions := app_private.live_session(mfa_enable.session_id);
  mfa app_private.user_mfa;
  codes text[];
begin
  if s.id is null then
    status := 'invalid_session';
    return next;
    return;
  end if;
  select * into mfa from app_private.user_mfa m where m.user_id = s.user_id for update;
  if not found then
    status := 'not_enrolled';
  elsif mfa.enabled_at is not null then
    status := 'already_enabled';
  elsif coalesce(app_private.consume_second_factor(s.user_id, code, secret_key), '') <> 'totp' then
    status := 'invalid_code';
    perform app_private.record_auth_event('mfa_failed', s.user_id, s.org_id, s.id, s.ip, s.user_agent,
                                          '{"stage":"enrollment"}');
  else
    update app_private.user_mfa m set enabled_at = now() where m.user_id = s.user_id;
    delete from app_private.mfa_recovery_codes r where r.user_id = s.user_id;
    select array_agg(substr(c, 1, 5) || '-' || substr(c, 6, 5)) into codes
      from (select encode(public.gen_random_bytes(5), 'hex') as c from generate_series(1, 10)) g;
    insert into app_private.mfa_recovery_codes (user_id, code_hash)
    select s.user_id, public.digest(app_private.normalize_recovery_code(c), 'sha256') from unnest(codes) c;
    perform app_private.record_auth_event('mfa_enabled', s.user_id, null, s.id, s.ip, s.user_agent);
    status := 'ok';
    recovery_codes := codes;
  end if;
  return next;
end
$$;

ALTER FUNCTION app_private.mfa_enable(session_id uuid, code text, secret_key text) OWNER TO switchboard_owner;

--
-- Name: new_delivery_secret(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.new_delivery_secret() RETURNS text
    LANGUAGE sql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select 'whsec_' || encode(gen_random_bytes(32), 'base64')
$$;

ALTER FUNCTION app_private.new_delivery_secret() OWNER TO switchboard_owner;

--
-- Name: new_source_secret(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.new_source_secret(provider text) RETURNS text
    LANGUAGE sql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  -- Standard Webhooks secrets are whsec_<base64 key>; the others are hex strings used as UTF-8.
  select case when provider = 'standard'
              then 'whsec_' || encode(gen_random_bytes(32), 'base64')
              else encode(gen_random_bytes(32), 'hex') end
$$;

ALTER FUNCTION app_private.new_source_secret(provider text) OWNER TO switchboard_owner;

--
-- Name: next_business_opening(uuid, uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.next_business_opening(org_id uuid, resource_id uuid, after timestamp with time zone) RETURNS timestamp with time zone
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.next_business_opening(org_id uuid, resource_id uuid, after timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: next_window_start(smallint[], time without time zone, time without time zone, text, timestamp with time zone, boolean); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.next_window_start(days smallint[], starts time without time zone, ends time without time zone, tz text, after timestamp with time zone, skip_today boolean DEFAULT false) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  local_now timestamp := after at time zone tz;
  d date;
begin
  for i in 0..8 loop
    d := local_now::date + i;
    continue when i = 0 and skip_today;
    continue when not (extract(isodow from d)::smallint = any(days));
    if i = 0 then
      if local_now::time < starts then
        return (d + starts) at time zone tz;
      elsif local_now::time < ends or ends = '24:00' then
        return after;
      end if;
      continue;
    end if;
    return (d + starts) at time zone tz;
  end loop;
  return null;
end
$$;

ALTER FUNCTION app_private.next_window_start(days smallint[], starts time without time zone, ends time without time zone, tz text, after timestamp with time zone, skip_today boolean) OWNER TO switchboard_owner;

--
-- Name: normalize_address(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.normalize_address(address text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
-- A loop over the tokens: 2.3× faster per row than the same rule as one SQL query over
-- unnest (which cannot be inlined, so it paid an executor start per call). The
-- abbreviations' jsonb is folded into this function's cached plan once per session.
declare
  token text;
  result text;
begin
  if address is null then
    return null;
  end if;
  foreach token in array string_to_array(
      btrim(regexp_replace(replace(upper(address), '#', ' # '), '[^A-Z0-9#]+', ' ', 'g')), ' ') loop
    result := case when result is null then '' else result || ' ' end
              || coalesce(app_private.usps_abbreviations() ->> token, token);
  end loop;
  return result;
end
$$;

ALTER FUNCTION app_private.normalize_address(address text) OWNER TO switchboard_owner;

--
-- Name: normalize_apn(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.normalize_apn(apn text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select nullif(upper(regexp_replace(apn, '[^A-Za-z0-9]', '', 'g')), '')
$$;

ALTER FUNCTION app_private.normalize_apn(apn text) OWNER TO switchboard_owner;

--
-- Name: normalize_e164(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.normalize_e164(phone text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select case when cleaned ~ '^\+[1-9]\d{7,14}$' then cleaned end
    from (select regexp_replace(coalesce(phone, ''), '[\s().-]', '', 'g') as cleaned) x
$_$;

ALTER FUNCTION app_private.normalize_e164(phone text) OWNER TO switchboard_owner;

--
-- Name: normalize_email(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.normalize_email(email text) RETURNS public.citext
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select case when btrim(email) ~ '^[^@\s,;<>()]+@[^@\s,;<>()]+\.[A-Za-z]{2,}$' then lower(btrim(email))::public.citext end
$_$;

ALTER FUNCTION app_private.normalize_email(email text) OWNER TO switchboard_owner;

--
-- Name: normalize_fips(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.normalize_fips(fips text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select case when btrim(fips) ~ '^[0-9]{4,5}$' then lpad(btrim(fips), 5, '0') end
$_$;

ALTER FUNCTION app_private.normalize_fips(fips text) OWNER TO switchboard_owner;

--
-- Name: normalize_mak(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.normalize_mak(mak text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select nullif(upper(regexp_replace(mak, '\s', '', 'g')), '')
$$;

ALTER FUNCTION app_private.normalize_mak(mak text) OWNER TO switchboard_owner;

--
-- Name: normalize_message_id(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.normalize_message_id(mid text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case when nullif(btrim(mid), '') is null then null
              else '<' || btrim(btrim(mid), '<>') || '>' end
$$;

ALTER FUNCTION app_private.normalize_message_id(mid text) OWNER TO switchboard_owner;

--
-- Name: normalize_phone(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.normalize_phone(phone text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  -- Separators people type ( ) - . + / and spaces are dropped; anything else makes it unreadable.
  select case when translate(phone, E' ()-.+/\t', '') ~ '^1?[2-9][0-9]{9}$'
              then '+1' || right(translate(phone, E' ()-.+/\t', ''), 10) end
$_$;

ALTER FUNCTION app_private.normalize_phone(phone text) OWNER TO switchboard_owner;

--
-- Name: normalize_recovery_code(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.normalize_recovery_code(code text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
  select regexp_replace(lower(code), '[\s-]', '', 'g')
$$;

ALTER FUNCTION app_private.normalize_recovery_code(code text) OWNER TO switchboard_owner;

--
-- Name: normalize_zip(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.normalize_zip(zip text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  -- One expression (no FROM) so the planner inlines it into the merge.
  select case
    when translate(zip, E' -\t', '') ~ '^[0-9]{4,5}$' then lpad(translate(zip, E' -\t', ''), 5, '0')
    when translate(zip, E' -\t', '') ~ '^[0-9]{9}$' then left(translate(zip, E' -\t', ''), 5) || '-' || right(translate(zip, E' -\t', ''), 4)
  end
$_$;

ALTER FUNCTION app_private.normalize_zip(zip text) OWNER TO switchboard_owner;

--
-- Name: opaque_id(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.opaque_id() RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  k int := (nextval('app_private.opaque_id_seq') % 4096)::int;
  b bytea;
begin
  select substring(p.perm_bytes from 2 * k + 1 for 2) into b from app_private.opaque_id_permutation p;
  if length(b) is distinct from 2 then
    -- Not derived yet (cannot happen after this migration): the array itself.
    return (floor(extract(epoch from clock_timestamp() - timestamptz '2024-01-01 00:00:00+00') * 1000)::bigint << 12)
           | (select p.perm[k + 1] from app_private.opaque_id_permutation p);
  end if;
  return (floor(extract(epoch from clock_timestamp() - timestamptz '2024-01-01 00:00:00+00') * 1000)::bigint << 12)
         | (get_byte(b, 0) << 8 | get_byte(b, 1));
end
$$;

ALTER FUNCTION app_private.opaque_id() OWNER TO switchboard_owner;

--
-- Name: ops_metrics(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.ops_metrics() RETURNS TABLE(name text, value double precision)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select 'switchboard_inbox_depth', count(*)::float8 from app_public.webhook_events where status in ('pending', 'failed')
  union all
  select 'switchboard_inbox_oldest_pending_seconds', coalesce(extract(epoch from now() - min(received_at)), 0)::float8
    from app_public.webhook_events where status in ('pending', 'failed')
  union all
  select 'switchboard_job_queue_depth', count(*)::float8 from graphile_worker.jobs where attempts < max_attempts
  union all
  select 'switchboard_jobs_failing', count(*)::float8 from graphile_worker.jobs where last_error is not null and attempts < max_attempts
  union all
  select 'switchboard_jobs_failed_permanently', count(*)::float8 from graphile_worker.jobs where attempts >= max_attempts
  union all
  select 'switchboard_dead_letters_open', count(*)::float8 from app_public.dead_letters where retried_at is null
  union all
  select 'switchboard_deliveries_pending', count(*)::float8 from app_public.deliveries where status = 'pending'
  union all
  select 'switchboard_worker_heartbeat_age_seconds', coalesce(app_private.seconds_since_worker_heartbeat(), -1)::float8
  union all
  select 'switchboard_lead_pushes_pending', count(*)::float8 from app_public.lead_pushes where status = 'pending'
  union all
  select 'switchboard_lead_pushes_failed', count(*)::float8 from app_public.lead_pushes where status = 'failed'
  union all
  select 'switchboard_lead_push_connections_failing', count(*)::float8 from app_public.campaign_connections
   where enabled and (consecutive_failures > 0 or validation_status = 'invalid')
  union all
  select 'switchboard_sms_failed_24h', count(*)::float8 from app_public.sms_messages
   where status in ('failed', 'undelivered', 'in_doubt') and updated_at > now() - interval '1 day'
  union all
  select 'switchboard_backup_last_ok', coalesce((select ok::int from app_private.backup_verification_log order by id desc limit 1), -1)::float8
  union all
  select 'switchboard_replica_lag_seconds', app_private.replica_lag_seconds()
$$;

ALTER FUNCTION app_private.ops_metrics() OWNER TO switchboard_owner;

--
-- Name: outreach_fields(text, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.outreach_fields(provider text, payload jsonb) RETURNS TABLE(event_type text, external_id text, campaign_name text, email text, category text, bounce_type text)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select
    x.event_type,
    nullif(btrim(case provider when 'smartlead' then payload ->> 'campaign_id'
                               when 'replyio' then coalesce(payload #>> '{payload,sequence,id}', payload #>> '{sequence_fields,id}')
                               else payload #>> '{data,campaign_id}' end), ''),
    case provider when 'smartlead' then payload ->> 'campaign_name'
                  when 'replyio' then coalesce(payload #>> '{payload,sequence,name}', payload #>> '{sequence_fields,name}')
                  else payload #>> '{data,campaign_name}' end,
    lower(nullif(btrim(case provider
      when 'smartlead' then case x.event_type
        -- A reply's to_email may be the sender's own mailbox: trust it only when it is not the from_email.
        when 'EMAIL_REPLY' then coalesce(payload ->> 'sl_lead_email', payload #>> '{leadCorrespondence,targetLeadEmail}',
                                         nullif(payload ->> 'to_email', payload ->> 'from_email'))
        when 'LEAD_UNSUBSCRIBED' then coalesce(payload ->> 'lead_email', payload ->> 'to_email')
        when 'LEAD_CATEGORY_UPDATED' then coalesce(payload #>> '{lead_data,email}', payload ->> 'lead_email', payload ->> 'to_email')
        -- An untracked reply names its sender as "Name <address>".
        when 'UNTRACKED_REPLIES' then coalesce(payload ->> 'sl_lead_email', payload ->> 'lead_email', payload #>> '{lead_data,email}',
                                               app_private.address_of(payload ->> 'sender_detail'), payload ->> 'from_email')
        else coalesce(payload ->> 'to_email', payload ->> 'lead_email', payload ->> 'sl_lead_email') end
      when 'replyio' then coalesce(payload #>> '{payload,contact,email}', payload #>> '{contact_fields,email}')
      else payload #>> '{data,email}' end), '')),
    case provider
      when 'smartlead' then coalesce(payload #>> '{lead_category,new_name}',
                                     case jsonb_typeof(payload -> 'lead_category') when 'string' then payload ->> 'lead_category' end,
                                     payload ->> 'category')
      when 'replyio' then coalesce(payload #>> '{payload,category}', payload #>> '{payload,data,category}',
                                   payload ->> 'category', payload ->> 'reply_category')
      else payload #>> '{data,category}' end,
    lower(coalesce(payload ->> 'bounce_type', payload #>> '{data,bounce_type}', payload #>> '{payload,bounce_type}',
                   payload #>> '{payload,data,bounceType}', payload ->> 'bounceType'))
  from (select case provider when 'smartlead' then payload ->> 'event_type'
                             when 'replyio' then payload #>> '{event,type}'
                             else payload ->> 'type' end as event_type) x
$$;

ALTER FUNCTION app_private.outreach_fields(provider text, payload jsonb) OWNER TO switchboard_owner;

--
-- Name: parse_boolean(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.parse_boolean(value text) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case lower(btrim(value))
    when 'y' then true when 'yes' then true when 'true' then true when '1' then true when 't' then true
    when 'n' then false when 'no' then false when 'false' then false when '0' then false when 'f' then false
  end
$$;

ALTER FUNCTION app_private.parse_boolean(value text) OWNER TO switchboard_owner;

--
-- Name: parse_money(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.parse_money(value text) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select case when translate(value, E'$, \t', '') ~ '^-?[0-9]{1,13}(\.[0-9]{1,2})?$' then translate(value, E'$, \t', '')::numeric end
$_$;

ALTER FUNCTION app_private.parse_money(value text) OWNER TO switchboard_owner;

--
-- Name: pending_lead_batch_ids(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.pending_lead_batch_ids() RETURNS uuid[]
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select coalesce(array_agg(p.batch_id), '{}')
    from app_private.lead_import_pending p
   where p.org_id = app_public.current_org_id()
$$;

ALTER FUNCTION app_private.pending_lead_batch_ids() OWNER TO switchboard_owner;

--
-- Name: percent_encode(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.percent_encode(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select coalesce(string_agg(case when ch ~ '^[A-Za-z0-9._~-]$' then ch
                                  else upper(regexp_replace(encode(convert_to(ch, 'UTF8'), 'hex'), '(..)', '%\1', 'g')) end,
                             '' order by i), '')
    from regexp_split_to_table(value, '') with ordinality t (ch, i)
$_$;

ALTER FUNCTION app_private.percent_encode(value text) OWNER TO switchboard_owner;

--
-- Name: phone_e164(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.phone_e164(phone text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
  select coalesce(app_private.normalize_phone(phone),
                  case when translate(phone, E' ()-./\t', '') ~ '^\+[1-9][0-9]{7,14}$' then translate(phone, E' ()-./\t', '') end)
$_$;

ALTER FUNCTION app_private.phone_e164(phone text) OWNER TO switchboard_owner;

--
-- Name: phone_suppressed(uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.phone_suppressed(org_id uuid, phone text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select exists (select 1 from app_public.suppressions s where s.org_id = phone_suppressed.org_id and s.phone = phone_suppressed.phone)
$$;

ALTER FUNCTION app_private.phone_suppressed(org_id uuid, phone text) OWNER TO switchboard_owner;

--
-- Name: plan_lead_pushes(uuid, date, uuid[]); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.plan_lead_pushes(org_id uuid, local_date date, lead_ids uuid[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  conn app_public.campaign_connections;
  size int;
  n int := 0;
  ch record;
begin
  for conn in select * from app_private.feed_connections(plan_lead_pushes.org_id) loop
    size := app_private.campaign_tool_chunk_size(conn.provider);
    create temp table if not exists pg_temp.push_plan (lead_id uuid, position int) on commit drop;
    truncate pg_temp.push_plan;
    insert into pg_temp.push_plan
    select l.id, ((row_number() over (order by l.lead_score desc, l.id) - 1) / size)::int
      from app_public.leads l
     where l.org_id = plan_lead_pushes.org_id and l.id = any (lead_ids) and l.campaign_status = 'active'
       and not exists (select 1 from app_public.lead_pushes p
                        where p.org_id = plan_lead_pushes.org_id and p.connection_id = conn.id
                          and p.local_date = plan_lead_pushes.local_date and p.lead_id = l.id);
    for ch in
      insert into app_public.lead_push_chunks (org_id, connection_id, local_date, position)
      select plan_lead_pushes.org_id, conn.id, plan_lead_pushes.local_date, p.position
        from (select distinct position from pg_temp.push_plan) p
      on conflict do nothing
      returning id, position
    loop
      insert into app_public.lead_pushes (org_id, connection_id, local_date, lead_id, chunk_id)
      select plan_lead_pushes.org_id, conn.id, plan_lead_pushes.local_date, p.lead_id, ch.id
        from pg_temp.push_plan p where p.position = ch.position
      on conflict do nothing;
      perform app_private.schedule_lead_push(plan_lead_pushes.org_id, ch.id);
    end loop;
    n := n + 1;
  end loop;
  return n;
end
$$;

ALTER FUNCTION app_private.plan_lead_pushes(org_id uuid, local_date date, lead_ids uuid[]) OWNER TO switchboard_owner;

--
-- Name: platform_setting(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.platform_setting(key text) RETURNS interval
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select s.value from app_private.platform_settings s where s.key = platform_setting.key
$$;

ALTER FUNCTION app_private.platform_setting(key text) OWNER TO switchboard_owner;

--
-- Name: process_call_events(uuid, smallint, integer, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.process_call_events(org_id uuid, shard smallint, batch_size integer DEFAULT 500, only_event uuid DEFAULT NULL::uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.process_call_events(org_id uuid, shard smallint, batch_size integer, only_event uuid) OWNER TO switchboard_owner;

--
-- Name: process_outreach_events(uuid, smallint, integer, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.process_outreach_events(org_id uuid, shard smallint, batch_size integer DEFAULT 2000, only_event uuid DEFAULT NULL::uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET client_min_messages TO 'warning'
    AS $$
#variable_conflict use_column
declare
  the_org constant uuid := process_outreach_events.org_id;
  tz text;
  positive_set text[];
  n int;
begin
  perform pg_advisory_xact_lock(hashtext('process_outreach_events'), hashtext(the_org::text || ':' || shard));
  select o.timezone, (select array_agg(lower(c)) from unnest(s.positive_categories) c)
    into tz, positive_set
    from app_public.organizations o join app_public.workspace_settings s on s.org_id = o.id
   where o.id = the_org;

  create temp table if not exists outreach_events_batch (
    event_id uuid, provider text, metric text, external_id text, campaign_name text,
    email citext, category text, bounce_type text, occurred_at timestamptz,
    campaign_id uuid, contact_id uuid, counted boolean default false, message_id text
  ) on commit delete rows;
  create temp table if not exists outreach_pairs (
    campaign_id uuid, contact_id uuid, replied boolean, positive boolean, occurred_at timestamptz,
    was_replied boolean default false, was_positive boolean default false
  ) on commit delete rows;
  create temp table if not exists outreach_deltas (
    campaign_id uuid, occurred_at timestamptz, metric text
  ) on commit delete rows;
  -- Several batches may run in one transaction (tests, callers looping over shards).
  truncate outreach_events_batch, outreach_pairs, outreach_deltas;

  -- The Message-ID of a standard report is read here, with the other fields, so later
  -- statements never go back to webhook_events (a join there hashed all of the org's
  -- events for every batch). No row locks: the shard's advisory lock above already makes this
  -- the shard's only processor, and a FOR UPDATE cost a tuple lock (a WAL record and a dirtied
  -- page) per event, ≈ 3 % of the batch's CPU; an event is counted once whatever happens by
  -- the unique (org_id, webhook_event_id) of email_events.
  insert into outreach_events_batch (event_id, provider, metric, external_id, campaign_name, email, category, bounce_type,
                                     occurred_at, message_id)
  select e.id, e.provider, m.metric, f.external_id, f.campaign_name,
         case when app_private.is_platform_email(f.email) then f.email end, f.category, f.bounce_type,
         coalesce(e.occurred_at, e.received_at),
         case when e.provider = 'standard' then app_private.normalize_message_id(e.payload #>> '{data,message_id}') end
    from app_public.webhook_events e
    cross join lateral app_private.outreach_fields(e.provider, e.payload) f
    left join app_private.outreach_event_types m on m.provider = e.provider and m.provider_type = f.event_type
   where e.org_id = the_org and e.shard = process_outreach_events.shard
     and e.provider in (select t.provider from app_private.provider_tasks t where t.task_identifier = 'process_outreach_events')
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
     and (only_event is null or e.id = only_event)
   order by e.received_at
   limit batch_size;
  get diagnostics n = row_count;
  if n = 0 then
    return 0;
  end if;

  -- Unknown campaigns are created on first sight, named by the payload (placeholder names
  -- give way to the first real one). Sorted, so two shards creating the same campaigns never
  -- wait on each other in opposite orders. Two statements, not one ON CONFLICT DO UPDATE:
  -- that form locks every existing campaign of the batch FOR UPDATE even when its WHERE
  -- leaves the name alone, which serialised whole batches of every shard on the hot
  -- campaign's row (and blocked the email_events foreign key checks of the others).
  -- Here an existing campaign is locked only when it is actually renamed.
  insert into app_public.campaigns as c (org_id, provider, external_id, name)
  select distinct on (b.provider, b.external_id) the_org, b.provider, b.external_id,
         coalesce(nullif(btrim(b.campaign_name), ''), app_private.campaign_placeholder_name(b.provider, b.external_id))
    from outreach_events_batch b
   where b.external_id is not null
   order by b.provider, b.external_id, (nullif(btrim(b.campaign_name), '') is null), b.occurred_at desc
  on conflict (org_id, provider, external_id) do nothing;
  update app_public.campaigns c set name = n.name
    from (select distinct on (b.provider, b.external_id) b.provider, b.external_id, btrim(b.campaign_name) as name
            from outreach_events_batch b
           where b.external_id is not null and nullif(btrim(b.campaign_name), '') is not null
           order by b.provider, b.external_id, b.occurred_at desc) n
   where c.org_id = the_org and c.provider = n.provider and c.external_id = n.external_id
     and c.name = app_private.campaign_placeholder_name(c.provider, c.external_id) and n.name <> c.name;
  update outreach_events_batch b set campaign_id = c.id
    from app_public.campaigns c
   where c.org_id = the_org and c.provider = b.provider and c.external_id = b.external_id;
  -- Reports about an email Switchboard sent (standard `data.message_id`) fill in the address
  -- and campaign the payload left out.
  update outreach_events_batch b
     set email = coalesce(b.email, m.to_email), campaign_id = coalesce(b.campaign_id, m.campaign_id)
    from app_public.emails m
   where b.message_id is not null and m.org_id = the_org and m.message_id = b.message_id;

  -- Contacts: the known ones are looked up first (one hash join); only addresses still
  -- without a contact are inserted (an ON CONFLICT probe of the citext unique index for every
  -- event of the batch cost more than the rest of the contact work together).
  update outreach_events_batch b set contact_id = k.id
    from app_public.contacts k
   where k.org_id = the_org and k.email = b.email;
  if exists (select 1 from outreach_events_batch b where b.email is not null and b.contact_id is null) then
    insert into app_public.contacts (org_id, email)
    select distinct the_org, b.email from outreach_events_batch b where b.email is not null and b.contact_id is null order by 2
    on conflict (org_id, email) do nothing;
    -- Every row with an address, not only those still without a contact: the planner guesses
    -- "contact_id is null" at 0.5 % of the batch and, with a new org's contacts also guessed
    -- few, compared every such row with every contact of the org (seconds per batch).
    update outreach_events_batch b set contact_id = k.id
      from app_public.contacts k
     where b.email is not null and k.org_id = the_org and k.email = b.email;
  end if;

  -- One email_event per inbox event: only the rows inserted now are counted.
  with inserted as (
    insert into app_public.email_events (org_id, webhook_event_id, campaign_id, contact_id, kind, category, occurred_at)
    select the_org, b.event_id, b.campaign_id, b.contact_id, b.metric, b.category, b.occurred_at
      from outreach_events_batch b
     -- An event of no campaign (SmartLead's untracked replies) is stored against its contact only.
     where b.metric is not null and (b.campaign_id is not null or b.contact_id is not null)
    on conflict (org_id, webhook_event_id) do nothing
    returning webhook_event_id)
  update outreach_events_batch b set counted = true from inserted i where i.webhook_event_id = b.event_id;

  -- Positive replies count (campaign, contact) pairs that have replied with, or were later
  -- categorised into, a positive category — each pair once.
  insert into outreach_pairs (campaign_id, contact_id, replied, positive, occurred_at)
  select b.campaign_id, b.contact_id, bool_or(b.metric = 'replied'),
         coalesce(bool_or(lower(b.category) = any(positive_set)), false), max(b.occurred_at)
    from outreach_events_batch b
   where b.counted and b.metric in ('replied', 'categorized') and b.contact_id is not null and b.campaign_id is not null
   group by b.campaign_id, b.contact_id;
  update outreach_pairs p set was_replied = r.replied, was_positive = r.positive
    from app_private.campaign_replies r
   where r.org_id = the_org and r.campaign_id = p.campaign_id and r.contact_id = p.contact_id;
  insert into app_private.campaign_replies (org_id, campaign_id, contact_id, replied, positive)
  select the_org, p.campaign_id, p.contact_id, p.replied, p.positive
    from outreach_pairs p order by p.campaign_id, p.contact_id
  on conflict (org_id, campaign_id, contact_id) do update
     set replied = campaign_replies.replied or excluded.replied,
         positive = campaign_replies.positive or excluded.positive;

  insert into outreach_deltas (campaign_id, occurred_at, metric)
  select b.campaign_id, b.occurred_at, b.metric from outreach_events_batch b
   where b.counted and b.metric <> 'categorized' and b.campaign_id is not null
  union all
  select p.campaign_id, p.occurred_at, 'positive_replies' from outreach_pairs p
   where (p.was_replied or p.replied) and (p.was_positive or p.positive)
     and not (p.was_replied and p.was_positive);

  -- Unsubscribes and hard bounces suppress the address for the whole org.
  insert into app_public.suppressions (org_id, email, reason, source)
  select distinct on (b.email) the_org, b.email,
         case b.metric when 'unsubscribed' then 'unsubscribed' else 'bounced' end, b.provider
    from outreach_events_batch b
   where b.counted and b.email is not null
     and (b.metric = 'unsubscribed' or (b.metric = 'bounced' and coalesce(b.bounce_type, 'hard') <> 'soft'))
   order by b.email
  on conflict (org_id, email) do nothing;

  -- A reply stops the replier's sequences (by Message-ID, else by address) and marks the lead replied.
  perform app_private.stop_sequences_on_reply(the_org,
    array(select distinct b.email from outreach_events_batch b where b.metric = 'replied' and b.email is not null),
    array(select distinct b.message_id from outreach_events_batch b
           where b.metric = 'replied' and b.message_id is not null))
   where exists (select 1 from outreach_events_batch b where b.metric = 'replied');

  -- Neither contact nor campaign found: kept, marked for admins. The events are found by
  -- their keys (the planner, misled by a new org's statistics, otherwise hashed all of the
  -- org's inbox for every batch).
  update app_public.webhook_events e
     set status = case when b.contact_id is null and b.campaign_id is null then 'unattributed' else 'processed' end,
         processed_at = now(), attempts = e.attempts + 1, last_error = null
    from outreach_events_batch b
   where e.org_id = the_org and e.id = any (array(select x.event_id from outreach_events_batch x))
     and e.id = b.event_id;

  -- Counters and hourly buckets come last: the hot campaign's counter row is locked from
  -- here to the commit, so the other shards' batches wait on it only for these statements,
  -- not for the status update of the whole batch. Both in key order (deadlock-free).
  -- One upsert per campaign of the batch: its deltas (zero for a campaign touched without a
  -- countable event, e.g. a categorisation, which is still marked synced).
  insert into app_public.campaign_counters as t (org_id, campaign_id, sent, opened, clicked, replied,
                                                 positive_replies, bounced, unsubscribed, synced_at)
  select the_org, c.campaign_id,
         count(d.metric) filter (where d.metric = 'sent'), count(d.metric) filter (where d.metric = 'opened'),
         count(d.metric) filter (where d.metric = 'clicked'), count(d.metric) filter (where d.metric = 'replied'),
         count(d.metric) filter (where d.metric = 'positive_replies'), count(d.metric) filter (where d.metric = 'bounced'),
         count(d.metric) filter (where d.metric = 'unsubscribed'), now()
    from (select distinct b.campaign_id from outreach_events_batch b where b.campaign_id is not null) c
    left join outreach_deltas d on d.campaign_id = c.campaign_id
   group by c.campaign_id order by c.campaign_id
  on conflict (org_id, campaign_id) do update
     set sent = t.sent + excluded.sent, opened = t.opened + excluded.opened,
         clicked = t.clicked + excluded.clicked, replied = t.replied + excluded.replied,
         positive_replies = t.positive_replies + excluded.positive_replies,
         bounced = t.bounced + excluded.bounced, unsubscribed = t.unsubscribed + excluded.unsubscribed,
         synced_at = now();

  -- Hourly buckets in the org's time zone.
  insert into app_public.campaign_hourly_metrics as t (org_id, campaign_id, local_hour, hour_start, sent, opened,
                                                      clicked, replied, positive_replies, bounced, unsubscribed)
  select the_org, h.campaign_id, h.local_hour, h.local_hour at time zone tz,
         count(*) filter (where h.metric = 'sent'), count(*) filter (where h.metric = 'opened'),
         count(*) filter (where h.metric = 'clicked'), count(*) filter (where h.metric = 'replied'),
         count(*) filter (where h.metric = 'positive_replies'), count(*) filter (where h.metric = 'bounced'),
         count(*) filter (where h.metric = 'unsubscribed')
    from (select d.campaign_id, d.metric, date_trunc('hour', d.occurred_at at time zone tz) as local_hour
            from outreach_deltas d) h
   group by h.campaign_id, h.local_hour order by h.campaign_id, h.local_hour
  on conflict (org_id, campaign_id, local_hour) do update
     set sent = t.sent + excluded.sent, opened = t.opened + excluded.opened,
         clicked = t.clicked + excluded.clicked, replied = t.replied + excluded.replied,
         positive_replies = t.positive_replies + excluded.positive_replies,
         bounced = t.bounced + excluded.bounced, unsubscribed = t.unsubscribed + excluded.unsubscribed;

  return n;
end
$$;

ALTER FUNCTION app_private.process_outreach_events(org_id uuid, shard smallint, batch_size integer, only_event uuid) OWNER TO switchboard_owner;

--
-- Name: process_sms_events(uuid, smallint, integer, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.process_sms_events(org_id uuid, shard smallint, batch_size integer DEFAULT 500, only_event uuid DEFAULT NULL::uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.process_sms_events(org_id uuid, shard smallint, batch_size integer, only_event uuid) OWNER TO switchboard_owner;

--
-- Name: purge_audit_log(interval, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.purge_audit_log(older_than interval, batch_size integer DEFAULT 5000) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  removed bigint;
begin
  perform set_config('switchboard.audit_retention', 'on', true);
  delete from app_public.audit_log
   where id in (select id from app_public.audit_log
                 where at < now() - older_than
                 order by id limit batch_size);
  get diagnostics removed = row_count;
  perform set_config('switchboard.audit_retention', 'off', true);
  return removed;
end
$$;

ALTER FUNCTION app_private.purge_audit_log(older_than interval, batch_size integer) OWNER TO switchboard_owner;

--
-- Name: purge_auth_events(interval, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.purge_auth_events(older_than interval DEFAULT '90 days'::interval, batch_size integer DEFAULT 5000) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  removed bigint;
  attempts bigint;
begin
  perform set_config('switchboard.audit_retention', 'on', true);
  delete from app_public.auth_events
   where (org_id, id) in (select e.org_id, e.id from app_public.auth_events e
                           where e.at < now() - older_than order by e.at limit batch_size);
  get diagnostics removed = row_count;
  perform set_config('switchboard.audit_retention', 'off', true);
  delete from app_private.login_attempts
   where id in (select a.id from app_private.login_attempts a
                 where a.at < now() - older_than order by a.id limit batch_size);
  get diagnostics attempts = row_count;
  delete from app_private.account_lockouts l where l.locked_until < now() - interval '1 day';
  delete from app_private.password_reset_tokens t where t.expires_at < now() - older_than;
  return removed + attempts;
end
$$;

ALTER FUNCTION app_private.purge_auth_events(older_than interval, batch_size integer) OWNER TO switchboard_owner;

--
-- Name: purge_call_data(integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.purge_call_data(batch_size integer DEFAULT 5000) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  removed bigint;
  cleared bigint;
begin
  delete from app_public.transcripts t
   where (t.org_id, t.id) in (
     select t2.org_id, t2.id from app_public.transcripts t2
       join app_public.workspace_settings s on s.org_id = t2.org_id
      where t2.created_at < now() - s.transcript_retention
      limit batch_size);
  get diagnostics removed = row_count;
  update app_public.calls c set recording_url = null, updated_at = now()
   where (c.org_id, c.id) in (
     select c2.org_id, c2.id from app_public.calls c2
       join app_public.workspace_settings s on s.org_id = c2.org_id
      where c2.recording_url is not null and c2.created_at < now() - s.transcript_retention
      limit batch_size);
  get diagnostics cleared = row_count;
  return removed + cleared;
end
$$;

ALTER FUNCTION app_private.purge_call_data(batch_size integer) OWNER TO switchboard_owner;

--
-- Name: purge_request_counters(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.purge_request_counters() RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  with gone as (delete from app_private.request_counters c
                 where c.window_start < date_trunc('minute', now()) - interval '2 minutes' returning 1)
  select count(*) from gone
$$;

ALTER FUNCTION app_private.purge_request_counters() OWNER TO switchboard_owner;

--
-- Name: queue_calendar_pushes(uuid, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.queue_calendar_pushes(org uuid, resource uuid, appointment uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  s record;
begin
  for s in select c.id from app_public.calendar_sources c
            where c.org_id = org and c.resource_id = resource and c.write and c.enabled
  loop
    perform graphile_worker.add_job('calendar_push',
      json_build_object('org_id', org, 'source_id', s.id, 'appointment_id', appointment),
      job_key => 'calendar_push:' || s.id || ':' || appointment, job_key_mode => 'replace', max_attempts => 10);
  end loop;
end
$$;

ALTER FUNCTION app_private.queue_calendar_pushes(org uuid, resource uuid, appointment uuid) OWNER TO switchboard_owner;

--
-- Name: queue_sms(uuid, text, uuid, uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.queue_sms(org_id uuid, kind text, contact_id uuid, appointment_id uuid, to_number text, body text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  id uuid;
begin
  insert into app_public.sms_messages (org_id, kind, contact_id, appointment_id, to_number, body, status, send_at)
  values (queue_sms.org_id, kind, contact_id, appointment_id, to_number, body, 'scheduled', now())
  returning sms_messages.id into id;
  perform app_private.schedule_sms(queue_sms.org_id, id);
  return id;
end
$$;

ALTER FUNCTION app_private.queue_sms(org_id uuid, kind text, contact_id uuid, appointment_id uuid, to_number text, body text) OWNER TO switchboard_owner;

--
-- Name: quota_limits(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.quota_limits(org_id uuid, OUT per_user integer, OUT per_org integer) RETURNS record
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select coalesce(q.requests_per_user_per_minute, app_private.default_user_quota()),
         coalesce(q.requests_per_org_per_minute, app_private.default_org_quota())
    from (select 1) one
    left join app_private.org_quotas q on q.org_id = quota_limits.org_id
$$;

ALTER FUNCTION app_private.quota_limits(org_id uuid, OUT per_user integer, OUT per_org integer) OWNER TO switchboard_owner;

--
-- Name: raise_quota_exceeded(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.raise_quota_exceeded(which text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  retry int := greatest(1, ceil(extract(epoch from (date_trunc('minute', now()) + interval '1 minute' - clock_timestamp())))::int);
begin
  raise sqlstate 'PGRST' using
    message = json_build_object('code', 'quota_exceeded',
                                'message', 'Request quota exceeded; retry after ' || retry || ' s.',
                                'details', which, 'hint', null)::text,
    detail = json_build_object('status', 429, 'headers', json_build_object('Retry-After', retry::text))::text;
end
$$;

ALTER FUNCTION app_private.raise_quota_exceeded(which text) OWNER TO switchboard_owner;

--
-- Name: raise_slot_taken(uuid, uuid, tstzrange, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.raise_slot_taken(org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid DEFAULT NULL::uuid) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  taken record;
begin
  select a.starts_at, a.ends_at into taken
    from app_public.appointments a
   where a.org_id = raise_slot_taken.org_id and a.resource_id = raise_slot_taken.resource_id
     and a.status <> 'cancelled' and a.blocked && raise_slot_taken.blocked
     and a.id is distinct from except_id
   order by a.starts_at limit 1;
  raise exception 'the requested slot is already booked'
    using errcode = 'PT409', hint = 'slot_taken',
          detail = json_build_object('resource_id', resource_id,
                                     'starts_at', taken.starts_at, 'ends_at', taken.ends_at)::text;
end
$$;

ALTER FUNCTION app_private.raise_slot_taken(org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid) OWNER TO switchboard_owner;

--
-- Name: record_auth_event(text, uuid, uuid, uuid, inet, text, jsonb, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_auth_event(event text, user_id uuid, org_id uuid DEFAULT NULL::uuid, session_id uuid DEFAULT NULL::uuid, ip inet DEFAULT NULL::inet, user_agent text DEFAULT NULL::text, detail jsonb DEFAULT '{}'::jsonb, actor_id uuid DEFAULT NULL::uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  insert into app_public.auth_events (org_id, user_id, actor_id, session_id, event, ip, user_agent, detail)
  select o.org_id, record_auth_event.user_id, coalesce(record_auth_event.actor_id, record_auth_event.user_id),
         record_auth_event.session_id, record_auth_event.event, record_auth_event.ip,
         left(record_auth_event.user_agent, 500), coalesce(record_auth_event.detail, '{}')
    from (select record_auth_event.org_id as org_id where record_auth_event.org_id is not null
          union
          select m.org_id from app_public.memberships m
           where record_auth_event.org_id is null and m.user_id = record_auth_event.user_id) o
$$;

ALTER FUNCTION app_private.record_auth_event(event text, user_id uuid, org_id uuid, session_id uuid, ip inet, user_agent text, detail jsonb, actor_id uuid) OWNER TO switchboard_owner;

--
-- Name: record_backup_verification(boolean, jsonb, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_backup_verification(ok boolean, details jsonb, error text) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  log_id bigint;
begin
  insert into app_private.backup_verification_log (ok, details, error)
  values (ok, details, left(error, 2000))
  returning id into log_id;
  if not ok then
    insert into app_private.operational_events (kind, severity, details)
    values ('backup_verification_failed', 'critical', jsonb_build_object('log_id', log_id, 'error', left(error, 500)));
  end if;
  return log_id;
end
$$;

ALTER FUNCTION app_private.record_backup_verification(ok boolean, details jsonb, error text) OWNER TO switchboard_owner;

--
-- Name: record_callback_failure(uuid, uuid, text, boolean); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_callback_failure(org_id uuid, request_id uuid, error text, final boolean) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  update app_public.callback_requests q
     set attempts = q.attempts + 1, last_error = left(error, 500), updated_at = now(),
         status = case when final then 'failed' else q.status end
   where q.org_id = record_callback_failure.org_id and q.id = request_id and q.status = 'queued'
$$;

ALTER FUNCTION app_private.record_callback_failure(org_id uuid, request_id uuid, error text, final boolean) OWNER TO switchboard_owner;

--
-- Name: record_callback_sent(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_callback_sent(org_id uuid, request_id uuid, external_call_id text) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.record_callback_sent(org_id uuid, request_id uuid, external_call_id text) OWNER TO switchboard_owner;

--
-- Name: record_connection_validation(uuid, uuid, boolean, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_connection_validation(org_id uuid, connection_id uuid, ok boolean, error text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  update app_public.campaign_connections c
     set validation_status = case when ok then 'valid' else 'invalid' end,
         validation_error = case when ok then null else left(error, 300) end,
         validated_at = now()
   where c.org_id = record_connection_validation.org_id and c.id = record_connection_validation.connection_id;
$$;

ALTER FUNCTION app_private.record_connection_validation(org_id uuid, connection_id uuid, ok boolean, error text) OWNER TO switchboard_owner;

--
-- Name: record_consent(uuid, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_consent(org_id uuid, lead_id uuid, nonce uuid) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  update app_private.consent_nonces n set used_at = now()
   where n.nonce = record_consent.nonce and n.org_id = record_consent.org_id and n.lead_id = record_consent.lead_id
     and n.used_at is null and n.expires_at > now();
  if not found then
    return case when exists (select 1 from app_private.consent_nonces n
                              where n.nonce = record_consent.nonce and n.org_id = record_consent.org_id
                                and n.lead_id = record_consent.lead_id and n.used_at is not null)
                then 'used' else 'invalid' end;
  end if;
  update app_public.leads l set consent_given = true, consented_at = now(), updated_at = now()
   where l.org_id = record_consent.org_id and l.id = record_consent.lead_id;
  insert into app_public.pipeline_events (org_id, kind, subject_id, data)
  values (record_consent.org_id, 'consented', record_consent.lead_id, '{}');
  return 'recorded';
end
$$;

ALTER FUNCTION app_private.record_consent(org_id uuid, lead_id uuid, nonce uuid) OWNER TO switchboard_owner;

--
-- Name: record_email_event(uuid, uuid, uuid, text, timestamp with time zone, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_email_event(org_id uuid, campaign_id uuid, contact_id uuid, kind text, occurred_at timestamp with time zone, event_key uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  the_org constant uuid := record_email_event.org_id;
  tz text;
begin
  insert into app_public.email_events (org_id, webhook_event_id, campaign_id, contact_id, kind, occurred_at)
  values (the_org, event_key, record_email_event.campaign_id, record_email_event.contact_id, kind, record_email_event.occurred_at)
  on conflict (org_id, webhook_event_id) do nothing;
  if not found then
    return false;
  end if;
  select o.timezone into tz from app_public.organizations o where o.id = the_org;
  insert into app_public.campaign_counters as t (org_id, campaign_id, sent, opened, clicked, synced_at)
  values (the_org, record_email_event.campaign_id, (kind = 'sent')::int, (kind = 'opened')::int, (kind = 'clicked')::int, now())
  on conflict (org_id, campaign_id) do update
     set sent = t.sent + excluded.sent, opened = t.opened + excluded.opened, clicked = t.clicked + excluded.clicked,
         synced_at = now();
  insert into app_public.campaign_hourly_metrics as t (org_id, campaign_id, local_hour, hour_start, sent, opened, clicked)
  values (the_org, record_email_event.campaign_id, date_trunc('hour', record_email_event.occurred_at at time zone tz),
          date_trunc('hour', record_email_event.occurred_at at time zone tz) at time zone tz,
          (kind = 'sent')::int, (kind = 'opened')::int, (kind = 'clicked')::int)
  on conflict (org_id, campaign_id, local_hour) do update
     set sent = t.sent + excluded.sent, opened = t.opened + excluded.opened, clicked = t.clicked + excluded.clicked;
  return true;
end
$$;

ALTER FUNCTION app_private.record_email_event(org_id uuid, campaign_id uuid, contact_id uuid, kind text, occurred_at timestamp with time zone, event_key uuid) OWNER TO switchboard_owner;

--
-- Name: record_login_failure(public.citext, uuid, inet, text, integer, interval, interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_login_failure(email public.citext, user_id uuid, ip inet, outcome text, max_failures integer DEFAULT 10, failure_window interval DEFAULT '00:15:00'::interval, lock_for interval DEFAULT '00:15:00'::interval) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  last_success timestamptz;
  failures int;
begin
  insert into app_private.login_attempts (email, user_id, ip, outcome)
  values (record_login_failure.email, record_login_failure.user_id, record_login_failure.ip, record_login_failure.outcome);
  perform pg_advisory_xact_lock(hashtextextended('switchboard.login:' || lower(record_login_failure.email::text), 0));
  select max(a.at) into last_success from app_private.login_attempts a
   where a.email = record_login_failure.email and a.outcome = 'success' and a.at > now() - failure_window;
  select count(*) into failures from app_private.login_attempts a
   where a.email = record_login_failure.email
     and a.outcome in ('invalid_credentials', 'mfa_failed')
     and a.at > greatest(now() - failure_window, coalesce(last_success, '-infinity'));
  if failures >= max_failures and not app_private.is_locked_out(record_login_failure.email) then
    insert into app_private.account_lockouts as l (email, locked_until)
    values (record_login_failure.email, now() + lock_for)
    on conflict on constraint account_lockouts_pkey do update set locked_at = now(), locked_until = excluded.locked_until;
    if record_login_failure.user_id is not null then
      perform app_private.record_auth_event('account_locked', record_login_failure.user_id, null, null,
                                            record_login_failure.ip, null,
                                            jsonb_build_object('failures', failures, 'locked_until', now() + lock_for));
    end if;
    return true;
  end if;
  return false;
end
$$;

ALTER FUNCTION app_private.record_login_failure(email public.citext, user_id uuid, ip inet, outcome text, max_failures integer, failure_window interval, lock_for interval) OWNER TO switchboard_owner;

--
-- Name: record_signature_failure(uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_signature_failure(source_id uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  insert into app_private.signature_failures (source_id, minute, failures)
  values (source_id, date_trunc('minute', now()), 1)
  on conflict (source_id, minute) do update set failures = app_private.signature_failures.failures + 1
$$;

ALTER FUNCTION app_private.record_signature_failure(source_id uuid) OWNER TO switchboard_owner;

--
-- Name: record_tracking_hit(uuid, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_tracking_hit(org_id uuid, email_id uuid, kind text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  m record;
begin
  if kind not in ('opened', 'clicked') then
    return false;
  end if;
  update app_public.emails x
     set open_count = x.open_count + (kind = 'opened')::int,
         click_count = x.click_count + (kind = 'clicked')::int
   where x.org_id = record_tracking_hit.org_id and x.id = record_tracking_hit.email_id and x.status = 'sent'
  returning x.campaign_id, x.contact_id into m;
  if not found then
    return false;
  end if;
  perform app_private.record_email_event(record_tracking_hit.org_id, m.campaign_id, m.contact_id, kind, now(),
                                         md5(record_tracking_hit.email_id::text || ':' || kind)::uuid);
  return true;
end
$$;

ALTER FUNCTION app_private.record_tracking_hit(org_id uuid, email_id uuid, kind text) OWNER TO switchboard_owner;

--
-- Name: record_worker_heartbeat(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.record_worker_heartbeat(worker_id text) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  insert into app_private.worker_heartbeats (worker_id, beat_at) values (worker_id, now())
  on conflict on constraint worker_heartbeats_pkey do update set beat_at = excluded.beat_at
$$;

ALTER FUNCTION app_private.record_worker_heartbeat(worker_id text) OWNER TO switchboard_owner;

--
-- Name: redact_json_text(jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.redact_json_text(doc jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
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

ALTER FUNCTION app_private.redact_json_text(doc jsonb) OWNER TO switchboard_owner;

--
-- Name: redact_phi(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.redact_phi(input text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
declare
  t text := input;
  m text;
  -- A date as people say or type it.
  month_name constant text := '(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?';
  any_date text;
  old_date text;
  old_year constant text := '(19\d\d|200\d|201[0-2])';
  -- Numbers after these words are order/tracking/reference numbers, not phones or SSNs.
  not_after constant text := '(?<!(?:order |order number |order no\. |order # |order #|tracking number |tracking |invoice |invoice number |confirmation |confirmation number |reference |reference number |ref |serial |serial number |policy |ticket |account number |order id is |order is ))';
begin
  if t is null or t !~ '[0-9@]|\mat\M' then
    return t;
  end if;
  any_date := '(\m\d{1,2}[/-]\d{1,2}[/-](\d{4}|\d{2})\M|\m\d{4}-\d{1,2}-\d{1,2}\M|\m' || month_name
           || ' \d{1,2}(st|nd|rd|th)?,? \d{4}\M|\m\d{1,2}(st|nd|rd|th)? (of )?' || month_name || ',? \d{4}\M)';
  old_date := '(\m\d{1,2}[/-]\d{1,2}[/-]' || old_year || '\M|\m' || old_year || '-\d{1,2}-\d{1,2}\M|\m' || month_name
           || ' \d{1,2}(st|nd|rd|th)?,? ' || old_year || '\M|\m\d{1,2}(st|nd|rd|th)? (of )?' || month_name || ',? ' || old_year || '\M)';

  -- Email addresses, typed and spoken ("jane dot doe at example dot com").
  t := regexp_replace(t, '[A-Za-z0-9._%+''-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}', '[EMAIL]', 'g');
  t := regexp_replace(t,
    '\m[a-z0-9]+(( dot | underscore | dash |[._-])[a-z0-9]+)* at [a-z0-9-]+( dot [a-z0-9-]+)* dot (com|net|org|edu|gov|io|us|co|info|biz|me)\M',
    '[EMAIL]', 'gi');

  -- Payment cards: 13-19 digits, optionally grouped by spaces or dashes, Luhn-valid only.
  for m in select distinct x[1] from regexp_matches(t, '(\m\d(?:[ -]?\d){12,18}\M)', 'g') x loop
    if app_private.luhn_valid(regexp_replace(m, '\D', '', 'g')) then
      t := replace(t, m, '[CARD]');
    end if;
  end loop;

  -- US social security numbers: AAA-GG-SSSS (valid ranges), or nine digits after "social"/"SSN".
  t := regexp_replace(t, not_after || '\m(?!000|666|9\d\d)\d{3}([- ])(?!00)\d{2}\1(?!0000)\d{4}\M', '[SSN]', 'g');
  t := regexp_replace(t, '(\m(social security|social|ssn)( number| no\.?| #)?( is|:)?\s*)\d{3}[- ]?\d{2}[- ]?\d{4}\M', '\1[SSN]', 'gi');

  -- Dates of birth: any date after a birth keyword; otherwise full dates in 1900-2012.
  t := regexp_replace(t, '(\m(date of birth|birth ?date|birthday|born( on)?|d\.?o\.?b\.?)(:| is| was)?\s*)' || any_date, '\1[DOB]', 'gi');
  t := regexp_replace(t, old_date, '[DOB]', 'gi');

  -- Medical record numbers: an identifier after "MRN", "medical record number", "patient ID", "chart number".
  t := regexp_replace(t,
    '(\m(MRN|medical record (number|no\.?|num|#)|medical record|patient (ID|id number|number)|chart (number|no\.?|#))(:| is| was| #)?\s*(is\s+)?#?)[A-Z]{0,3}-?\d[\d-]{3,12}\d\M',
    '\1[MRN]', 'gi');

  -- Phone numbers: international (+CC …) and North American formats.
  t := regexp_replace(t, not_after || '\+\d{1,3}([ .-]?\d{1,4}){2,5}\M', '[PHONE]', 'g');
  t := regexp_replace(t, not_after || '(\m1[-. ]?)?(\(\d{3}\) ?|\m\d{3}[-. ]?)\d{3}[-. ]?\d{4}\M', '[PHONE]', 'g');
  return t;
end
$$;

ALTER FUNCTION app_private.redact_phi(input text) OWNER TO switchboard_owner;

--
-- Name: rederive_lead_verification(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.rederive_lead_verification(org_id uuid, provider text, code text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  ok text[];
  n int;
begin
  select coalesce(array_agg(upper(m.code)), '{}') into ok
    from app_public.verification_code_map m
   where m.org_id = rederive_lead_verification.org_id and m.provider = rederive_lead_verification.provider
     and m.verdict = 'valid';
  update app_public.leads l
     set email_verified = l.email_verification_codes && ok,
         phone_verified = l.phone_verification_codes && ok,
         lead_score = app_private.lead_score(l.email_verification_codes && ok, l.phone_verification_codes && ok,
                                             l.estimated_equity, l.owner_occupied, now() - l.data_as_of),
         updated_at = now()
   where l.org_id = rederive_lead_verification.org_id
     and l.verification_provider = rederive_lead_verification.provider
     and (l.email_verification_codes @> array[upper(rederive_lead_verification.code)]
          or l.phone_verification_codes @> array[upper(rederive_lead_verification.code)])
     and (l.email_verified, l.phone_verified) is distinct from (l.email_verification_codes && ok, l.phone_verification_codes && ok);
  get diagnostics n = row_count;
  if n > 0 then
    insert into app_public.pipeline_events (org_id, kind, quantity, data)
    values (rederive_lead_verification.org_id, 'verified', n,
            jsonb_build_object('provider', rederive_lead_verification.provider, 'code', rederive_lead_verification.code));
  end if;
  return n;
end
$$;

ALTER FUNCTION app_private.rederive_lead_verification(org_id uuid, provider text, code text) OWNER TO switchboard_owner;

--
-- Name: refresh_contactable_leads(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.refresh_contactable_leads() RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    SET work_mem TO '256MB'
    SET enable_mergejoin TO 'off'
    SET enable_nestloop TO 'off'
    AS $$
declare
  t0 timestamptz := clock_timestamp();
  waited_ms numeric;
  n_removed int;
  n_added int;
begin
  perform pg_advisory_xact_lock(hashtextextended('switchboard.contactable_leads_refresh', 0));
  waited_ms := round(extract(epoch from clock_timestamp() - t0) * 1000);
  with cur as materialized (
    select l.org_id, l.id as lead_id
      from app_public.leads l
     where (l.email_verified or l.phone_verified)
       and l.consent_given
       and l.campaign_status <> 'do_not_contact'
       and not exists (select 1 from app_public.suppressions s where s.org_id = l.org_id and s.email = l.email)
  ), removed as (
    delete from app_private.contactable_lead_set t
     where not exists (select 1 from cur where cur.org_id = t.org_id and cur.lead_id = t.lead_id)
    returning 1
  ), added as (
    insert into app_private.contactable_lead_set (org_id, lead_id)
    select cur.org_id, cur.lead_id from cur
     where not exists (select 1 from app_private.contactable_lead_set t where t.org_id = cur.org_id and t.lead_id = cur.lead_id)
    on conflict do nothing
    returning 1
  )
  select (select count(*) from removed), (select count(*) from added) into n_removed, n_added;
  return jsonb_build_object('refreshed', true, 'waited_ms', waited_ms, 'added', n_added, 'removed', n_removed,
                            'ms', round(extract(epoch from clock_timestamp() - t0) * 1000) - waited_ms);
end
$$;

ALTER FUNCTION app_private.refresh_contactable_leads() OWNER TO switchboard_owner;

--
-- Name: refresh_session(text, inet, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.refresh_session(refresh_token text, ip inet DEFAULT NULL::inet, user_agent text DEFAULT NULL::text) RETURNS TABLE(status text, user_id uuid, org_id uuid, org_role text, session_id uuid, new_refresh_token text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  presented bytea := public.digest(coalesce(refresh_session.refresh_token, ''), 'sha256');
  s app_private.sessions;
  reused_sid uuid;
  v_role text;
  token text := encode(public.gen_random_bytes(32), 'hex');
begin
  -- FOR UPDATE: a concurrent refresh with the same token waits, then no longer matches
  -- (the hash has moved on) and is treated as reuse.
  select * into s from app_private.sessions x where x.refresh_token_hash = presented for update;
  if not found then
    select u.session_id into reused_sid from app_private.used_refresh_tokens u where u.token_hash = presented;
    if reused_sid is null then
      status := 'invalid';
      return next;
      return;
    end if;
    update app_private.sessions x set revoked_at = now(), revoked_reason = 'refresh_token_reuse'
     where x.id = reused_sid and x.revoked_at is null
    returning * into s;
    if s.id is not null then
      perform app_private.record_auth_event('refresh_token_reused', s.user_id, s.org_id, s.id,
                                            refresh_session.ip, refresh_session.user_agent);
    end if;
    status := 'reused';
    return next;
    return;
  end if;
  if s.revoked_at is not null or s.expires_at <= now() then
    status := 'invalid';
    return next;
    return;
  end if;
  select m.role into v_role from app_public.memberships m where m.org_id = s.org_id and m.user_id = s.user_id;
  if v_role is null then
    update app_private.sessions x set revoked_at = now(), revoked_reason = 'membership_removed' where x.id = s.id;
    perform app_private.record_auth_event('session_revoked', s.user_id, s.org_id, s.id, refresh_session.ip,
                                          refresh_session.user_agent, '{"reason":"membership_removed"}');
    status := 'invalid';
    return next;
    return;
  end if;
  insert into app_private.used_refresh_tokens (token_hash, session_id) values (presented, s.id);
  update app_private.sessions x
     set refresh_token_hash = public.digest(token, 'sha256'), last_refreshed_at = now(),
         ip = coalesce(refresh_session.ip, x.ip)
   where x.id = s.id;
  status := 'ok';
  user_id := s.user_id;
  org_id := s.org_id;
  org_role := v_role;
  session_id := s.id;
  new_refresh_token := token;
  return next;
end
$$;

ALTER FUNCTION app_private.refresh_session(refresh_token text, ip inet, user_agent text) OWNER TO switchboard_owner;

--
-- Name: regex_escape(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.regex_escape(s text) RETURNS text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
  select regexp_replace(s, '([.^$*+?()\[\]{}|\\/-])', '\\\1', 'g')
$_$;

ALTER FUNCTION app_private.regex_escape(s text) OWNER TO switchboard_owner;

--
-- Name: replica_lag_seconds(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.replica_lag_seconds() RETURNS double precision
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select coalesce(max(extract(epoch from coalesce(r.replay_lag, interval '0'))), -1)::float8
    from pg_stat_replication r
   where r.state = 'streaming'
$$;

ALTER FUNCTION app_private.replica_lag_seconds() OWNER TO switchboard_owner;

--
-- Name: request_password_reset(public.citext, inet); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.request_password_reset(email public.citext, ip inet DEFAULT NULL::inet) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  uid uuid;
  token text := encode(public.gen_random_bytes(32), 'hex');
begin
  select u.id into uid from app_public.users u where u.email = request_password_reset.email;
  if uid is null then
    return;
  end if;
  -- At most 5 outstanding tokens per user per 30 minutes; older live ones stay valid.
  if (select count(*) from app_private.password_reset_tokens t
       where t.user_id = uid and t.created_at > now() - interval '30 minutes') >= 5 then
    return;
  end if;
  insert into app_private.password_reset_tokens (token_hash, user_id, expires_at)
  values (public.digest(token, 'sha256'), uid, now() + interval '30 minutes');
  perform graphile_worker.add_job('send_password_reset_email',
                                  json_build_object('user_id', uid, 'email', request_password_reset.email, 'token', token),
                                  max_attempts := 5);
  perform app_private.record_auth_event('password_reset_requested', uid, null, null, request_password_reset.ip);
end
$$;

ALTER FUNCTION app_private.request_password_reset(email public.citext, ip inet) OWNER TO switchboard_owner;

--
-- Name: requeue_delivery(uuid, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.requeue_delivery(org_id uuid, delivery_id uuid, actor uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  update app_public.deliveries d
     set status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = null
   where d.org_id = requeue_delivery.org_id and d.id = requeue_delivery.delivery_id;
  if not found then
    return false;
  end if;
  update app_public.dead_letters l set retried_at = now(), retried_by = actor
   where l.org_id = requeue_delivery.org_id and l.kind = 'delivery' and l.ref_id = requeue_delivery.delivery_id
     and l.retried_at is null;
  perform app_private.schedule_delivery(org_id, delivery_id);
  return true;
end
$$;

ALTER FUNCTION app_private.requeue_delivery(org_id uuid, delivery_id uuid, actor uuid) OWNER TO switchboard_owner;

--
-- Name: requeue_due_deliveries(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.requeue_due_deliveries() RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select count(app_private.schedule_delivery(d.org_id, d.id, now()))::int
    from app_public.deliveries d
   where d.status = 'pending' and d.next_attempt_at < now() - interval '1 minute'
$$;

ALTER FUNCTION app_private.requeue_due_deliveries() OWNER TO switchboard_owner;

--
-- Name: requeue_due_lead_pushes(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.requeue_due_lead_pushes() RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select count(app_private.schedule_lead_push(c.org_id, c.id, now()))::int
    from app_public.lead_push_chunks c
   where c.status = 'pending' and c.next_attempt_at < now() - interval '5 seconds'
$$;

ALTER FUNCTION app_private.requeue_due_lead_pushes() OWNER TO switchboard_owner;

--
-- Name: requeue_lead_push(uuid, uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.requeue_lead_push(org_id uuid, chunk_id uuid, actor uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  update app_public.lead_push_chunks c
     set status = 'pending', attempts = 0, next_attempt_at = now(), finished_at = null
   where c.org_id = requeue_lead_push.org_id and c.id = requeue_lead_push.chunk_id and c.status = 'dead';
  if not found then
    return false;
  end if;
  update app_public.lead_pushes p set status = 'pending', reason = null, updated_at = now()
   where p.org_id = requeue_lead_push.org_id and p.chunk_id = requeue_lead_push.chunk_id and p.status = 'failed';
  update app_public.dead_letters l set retried_at = now(), retried_by = actor
   where l.org_id = requeue_lead_push.org_id and l.kind = 'lead_push' and l.ref_id = requeue_lead_push.chunk_id
     and l.retried_at is null;
  perform app_private.schedule_lead_push(org_id, chunk_id);
  return true;
end
$$;

ALTER FUNCTION app_private.requeue_lead_push(org_id uuid, chunk_id uuid, actor uuid) OWNER TO switchboard_owner;

--
-- Name: requeue_stale_sending(interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.requeue_stale_sending(older_than interval DEFAULT '00:15:00'::interval) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  n int;
begin
  update app_public.emails m set status = 'queued', scheduled_at = now(), account_id = null,
         last_error = 'requeued: the sender stopped mid-send', updated_at = now()
   where m.status = 'sending' and m.claimed_at < now() - older_than;
  get diagnostics n = row_count;
  return n;
end
$$;

ALTER FUNCTION app_private.requeue_stale_sending(older_than interval) OWNER TO switchboard_owner;

--
-- Name: require_admin(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.require_admin() RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if app_public.current_org_id() is null or app_public.current_user_id() is null then
    raise exception 'sign in to an organization first' using errcode = '42501', hint = 'not_authenticated';
  end if;
  if not app_public.current_user_is_admin() then
    raise exception 'only admins may do this' using errcode = '42501', hint = 'not_authorized';
  end if;
  return app_public.current_org_id();
end
$$;

ALTER FUNCTION app_private.require_admin() OWNER TO switchboard_owner;

--
-- Name: require_member(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.require_member() RETURNS uuid
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if app_public.current_org_id() is null or app_public.current_user_id() is null
     or app_public.current_org_role() is null then
    raise exception 'sign in to an organization first' using errcode = '42501', hint = 'not_authenticated';
  end if;
  return app_public.current_org_id();
end
$$;

ALTER FUNCTION app_private.require_member() OWNER TO switchboard_owner;

--
-- Name: reschedule_due_events(interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.reschedule_due_events(older_than interval DEFAULT '00:00:00'::interval) RETURNS integer
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  with due as (
    select distinct e.org_id, e.shard, t.task_identifier
      from app_public.webhook_events e
      join app_private.provider_tasks t on t.provider = e.provider
     where e.status in ('pending', 'failed') and e.next_attempt_at <= now()
       and e.received_at < now() - older_than)
  select count(app_private.schedule_event_processing(due.task_identifier, due.org_id, due.shard, now(), 'preserve_run_at'))::int
    from due
$$;

ALTER FUNCTION app_private.reschedule_due_events(older_than interval) OWNER TO switchboard_owner;

--
-- Name: rescore_leads(uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.rescore_leads(org_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  o uuid;
  n int;
  total int := 0;
  orgs int := 0;
  t0 timestamptz := clock_timestamp();
begin
  for o in
    select g.id from app_public.organizations g
     where rescore_leads.org_id is null or g.id = rescore_leads.org_id
     order by g.id
  loop
    perform pg_advisory_xact_lock(app_private.lead_lock_key(o));
    update app_public.leads l
       set lead_score = app_private.lead_score(l.email_verified, l.phone_verified, l.estimated_equity, l.owner_occupied,
                                               rescore_leads.at - l.data_as_of),
           updated_at = now()
     where l.org_id = o
       and l.lead_score is distinct from app_private.lead_score(l.email_verified, l.phone_verified, l.estimated_equity,
                                                                 l.owner_occupied, rescore_leads.at - l.data_as_of);
    get diagnostics n = row_count;
    total := total + n;
    orgs := orgs + 1;
  end loop;
  return jsonb_build_object('orgs', orgs, 'rescored', total, 'ms', round(extract(epoch from clock_timestamp() - t0) * 1000));
end
$$;

ALTER FUNCTION app_private.rescore_leads(org_id uuid, at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: rescore_next_org(uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.rescore_next_org(after uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now()) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  o uuid;
  r jsonb;
begin
  select g.id into o from app_public.organizations g
   where rescore_next_org.after is null or g.id > rescore_next_org.after
   order by g.id limit 1;
  if o is null then
    return null;
  end if;
  r := app_private.rescore_leads(o, rescore_next_org.at);
  return jsonb_build_object('org_id', o, 'rescored', r -> 'rescored');
end
$$;

ALTER FUNCTION app_private.rescore_next_org(after uuid, at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: reserve_connection_call(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.reserve_connection_call(connection_id uuid, for_chunk uuid DEFAULT NULL::uuid, OUT reserved boolean, OUT not_before timestamp with time zone) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  conn app_public.campaign_connections;
  at_ts timestamptz := clock_timestamp();
begin
  select * into conn from app_public.campaign_connections c where c.id = reserve_connection_call.connection_id for update;
  if conn.id is null then
    reserved := false;
    return;
  end if;
  select max(x.t) into not_before
    from (select (select k.at from app_private.connection_calls k
                   where k.connection_id = conn.id and k.at > at_ts - (lim.per * 1.1 + interval '250 milliseconds')
                   order by k.at desc offset lim.max_calls - 1 limit 1) + (lim.per * 1.1 + interval '250 milliseconds') as t
            from app_private.campaign_tool_limits(conn.provider) lim) x;
  not_before := greatest(not_before, conn.paused_until);
  if for_chunk is not null then
    not_before := greatest(not_before,
      (select case when min(c.next_attempt_at) is not null then least(min(c.next_attempt_at), at_ts + interval '2 seconds') end
         from app_public.lead_push_chunks c
        where c.connection_id = conn.id and c.status = 'pending' and c.in_flight_since is not null
          and c.next_attempt_at > at_ts and c.id <> for_chunk));
  end if;
  if not_before > at_ts then
    reserved := false;
    return;
  end if;
  insert into app_private.connection_calls (connection_id, at) values (conn.id, at_ts);
  delete from app_private.connection_calls k where k.connection_id = conn.id and k.at < at_ts - interval '2 hours';
  reserved := true;
  not_before := at_ts;
end
$$;

ALTER FUNCTION app_private.reserve_connection_call(connection_id uuid, for_chunk uuid, OUT reserved boolean, OUT not_before timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: reset_password(text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.reset_password(token text, new_password text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  uid uuid;
  ended int;
begin
  if new_password is null or length(new_password) < 8 or length(new_password) > 1024 then
    return 'weak_password';
  end if;
  update app_private.password_reset_tokens t set used_at = now()
   where t.token_hash = public.digest(coalesce(token, ''), 'sha256') and t.used_at is null and t.expires_at > now()
  returning t.user_id into uid;
  if uid is null then
    return 'invalid_token';
  end if;
  update app_private.user_secrets x
     set password_hash = public.crypt(new_password, public.gen_salt('bf', 10)), password_changed_at = now()
   where x.user_id = uid;
  update app_private.sessions x set revoked_at = now(), revoked_reason = 'password_reset'
   where x.user_id = uid and x.revoked_at is null;
  get diagnostics ended = row_count;
  delete from app_private.account_lockouts l using app_public.users u where u.id = uid and l.email = u.email;
  perform app_private.record_auth_event('password_reset', uid, null, null, null, null,
                                        jsonb_build_object('sessions_revoked', ended));
  return 'ok';
end
$$;

ALTER FUNCTION app_private.reset_password(token text, new_password text) OWNER TO switchboard_owner;

--
-- Name: resolve_resource(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.resolve_resource(org_id uuid, resource_id uuid) RETURNS uuid
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  rid uuid;
begin
  if resource_id is not null then
    select r.id into rid from app_public.resources r
     where r.org_id = resolve_resource.org_id and r.id = resolve_resource.resource_id and r.active;
    if rid is null then
      raise exception 'resource not found' using errcode = 'PT404', hint = 'resource_not_found';
    end if;
    return rid;
  end if;
  select r.id into rid from app_public.resources r
   where r.org_id = resolve_resource.org_id and r.is_default;
  if rid is null then
    insert into app_public.resources (org_id, name, is_default)
    values (resolve_resource.org_id, 'Default', true)
    on conflict (org_id) where is_default do nothing
    returning id into rid;
    if rid is null then
      select r.id into rid from app_public.resources r
       where r.org_id = resolve_resource.org_id and r.is_default;
    else
      -- A new default resource opens Monday to Friday, 09:00-17:00 in the org's time zone.
      insert into app_public.resource_hours (org_id, resource_id, weekday, opens_at, closes_at)
      select resolve_resource.org_id, rid, d, '09:00', '17:00' from generate_series(1, 5) d;
    end if;
  end if;
  return rid;
end
$$;

ALTER FUNCTION app_private.resolve_resource(org_id uuid, resource_id uuid) OWNER TO switchboard_owner;

--
-- Name: retention_step(text, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.retention_step(step text, batch_size integer DEFAULT 5000) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  n bigint;
begin
  case step
  when 'webhook_bodies' then
    -- Processed events lose their body; the row (and its dedupe key) stays.
    update app_public.webhook_events e set payload = null
     where (e.org_id, e.id) in (
       select x.org_id, x.id from app_public.webhook_events x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.payload is not null and x.status in ('processed', 'unattributed')
          and x.received_at < now() - s.webhook_body_retention
        limit batch_size);
  when 'webhook_keys' then
    delete from app_public.webhook_events e
     where (e.org_id, e.id) in (
       select x.org_id, x.id from app_public.webhook_events x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.status in ('processed', 'unattributed') and x.received_at < now() - s.webhook_key_retention
        limit batch_size);
  when 'delivery_attempts' then
    delete from app_public.delivery_attempts a
     where (a.org_id, a.id) in (
       select x.org_id, x.id from app_public.delivery_attempts x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.attempted_at < now() - s.delivery_attempt_retention
        limit batch_size);
  when 'delivery_messages' then
    -- Messages with no delivery still pending; their deliveries and attempts go with them.
    delete from app_public.delivery_messages m
     where (m.org_id, m.id) in (
       select x.org_id, x.id from app_public.delivery_messages x
         join app_public.workspace_settings s on s.org_id = x.org_id
        where x.created_at < now() - s.delivery_attempt_retention
          and not exists (select 1 from app_public.deliveries d where d.message_id = x.id and d.status = 'pending')
        limit batch_size);
  when 'replay_guards' then
    delete from app_private.lead_upload_hashes h
     where (h.org_id, h.content_sha256) in (
       select x.org_id, x.content_sha256 from app_private.lead_upload_hashes x
        where x.received_at < now() - app_private.platform_setting('replay_guard_retention')
        limit batch_size);
  when 'consent_tokens' then
    delete from app_private.consent_nonces c
     where c.nonce in (
       select x.nonce from app_private.consent_nonces x
        where x.expires_at < now() - app_private.platform_setting('consent_token_retention')
        limit batch_size);
  when 'operational_events' then
    delete from app_private.operational_events o
     where o.id in (select x.id from app_private.operational_events x
                     where x.created_at < now() - app_private.platform_setting('operational_event_retention')
                     order by x.id limit batch_size);
  when 'retention_runs' then
    delete from app_private.retention_runs r
     where r.id in (select x.id from app_private.retention_runs x
                     where x.finished_at < now() - app_private.platform_setting('retention_run_retention')
                     order by x.id limit batch_size);
  else
    raise exception 'unknown retention step %', step using errcode = '22023';
  end case;
  get diagnostics n = row_count;
  return n;
end
$$;

ALTER FUNCTION app_private.retention_step(step text, batch_size integer) OWNER TO switchboard_owner;

--
-- Name: retention_steps(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.retention_steps() RETURNS SETOF text
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select unnest(array['webhook_bodies', 'webhook_keys', 'delivery_attempts', 'delivery_messages',
                      'replay_guards', 'consent_tokens', 'operational_events', 'retention_runs'])
$$;

ALTER FUNCTION app_private.retention_steps() OWNER TO switchboard_owner;

--
-- Name: revoke_calendar_feed(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.revoke_calendar_feed(org_id uuid, feed_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  update app_public.calendar_feeds f set revoked_at = coalesce(f.revoked_at, now())
   where f.org_id = revoke_calendar_feed.org_id and f.id = feed_id;
  if not found then
    raise exception 'calendar feed not found' using errcode = 'PT404', hint = 'calendar_feed_not_found';
  end if;
  return true;
end
$$;

ALTER FUNCTION app_private.revoke_calendar_feed(org_id uuid, feed_id uuid) OWNER TO switchboard_owner;

--
-- Name: rollout_bucket(uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.rollout_bucket(org_id uuid, flag text) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
  select (('x' || substr(md5(org_id::text || ':' || flag), 1, 8))::bit(32)::bigint % 10000)::int
$$;

ALTER FUNCTION app_private.rollout_bucket(org_id uuid, flag text) OWNER TO switchboard_owner;

--
-- Name: rotate_delivery_secret(uuid, interval, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.rotate_delivery_secret(endpoint_id uuid, grace interval, encryption_key text, OUT secret text) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  ep app_public.delivery_endpoints;
begin
  select * into ep from app_public.delivery_endpoints e where e.id = rotate_delivery_secret.endpoint_id for update;
  if not found then
    raise exception 'endpoint not found' using errcode = 'P0002';
  end if;
  update app_private.delivery_endpoint_secrets s set expires_at = now()
   where s.endpoint_id = ep.id and s.expires_at > now();
  update app_private.delivery_endpoint_secrets s set expires_at = now() + greatest(grace, '0'::interval)
   where s.endpoint_id = ep.id and s.expires_at is null;
  secret := app_private.new_delivery_secret();
  insert into app_private.delivery_endpoint_secrets (org_id, endpoint_id, secret_encrypted)
  values (ep.org_id, ep.id, pgp_sym_encrypt(secret, encryption_key));
end
$$;

ALTER FUNCTION app_private.rotate_delivery_secret(endpoint_id uuid, grace interval, encryption_key text, OUT secret text) OWNER TO switchboard_owner;

--
-- Name: rotate_source_secret(uuid, interval, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.rotate_source_secret(source_id uuid, grace interval, encryption_key text, given_secret text DEFAULT NULL::text, OUT secret text, OUT url text) RETURNS record
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  src app_public.sources;
begin
  select * into src from app_public.sources s where s.id = rotate_source_secret.source_id for update;
  if not found then
    raise exception 'source not found' using errcode = 'P0002';
  end if;
  secret := app_private.checked_source_secret(src.provider, given_secret, src.auth);
  update app_private.source_secrets s set expires_at = now()
   where s.source_id = src.id and s.expires_at > now();
  update app_private.source_secrets s set expires_at = now() + greatest(grace, '0'::interval)
   where s.source_id = src.id and s.expires_at is null;
  insert into app_private.source_secrets (org_id, source_id, secret_encrypted)
  values (src.org_id, src.id, pgp_sym_encrypt(secret, encryption_key));
  url := app_private.source_url(src.provider, src.id, secret);
end
$$;

ALTER FUNCTION app_private.rotate_source_secret(source_id uuid, grace interval, encryption_key text, given_secret text, OUT secret text, OUT url text) OWNER TO switchboard_owner;

--
-- Name: say_slots(uuid, uuid, timestamp with time zone, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.say_slots(org_id uuid, resource_id uuid, near timestamp with time zone, how_many integer DEFAULT 3) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  with tz as (select o.timezone from app_public.organizations o where o.id = say_slots.org_id),
  days as (select ((near at time zone tz.timezone)::date + d)::date as day from tz, generate_series(0, 6) d),
  slots as (
    select s.starts_at from days, app_private.available_slots(org_id, resource_id, days.day) s
     order by abs(extract(epoch from s.starts_at - near)) limit how_many)
  select string_agg(app_private.say_time(s.starts_at, tz.timezone), '; ' order by s.starts_at) from slots s, tz
$$;

ALTER FUNCTION app_private.say_slots(org_id uuid, resource_id uuid, near timestamp with time zone, how_many integer) OWNER TO switchboard_owner;

--
-- Name: say_time(timestamp with time zone, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.say_time(ts timestamp with time zone, tz text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select trim(to_char(ts at time zone tz, 'FMDay, FMMonth FMDD "at" FMHH12:MI AM'))
$$;

ALTER FUNCTION app_private.say_time(ts timestamp with time zone, tz text) OWNER TO switchboard_owner;

--
-- Name: schedule_calendar_sync(uuid, uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.schedule_calendar_sync(org_id uuid, source_id uuid, run_at timestamp with time zone DEFAULT now()) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select graphile_worker.add_job('calendar_sync', json_build_object('org_id', org_id, 'source_id', source_id),
    run_at => run_at, job_key => 'calendar_sync:' || source_id, job_key_mode => 'replace', max_attempts => 1)
$$;

ALTER FUNCTION app_private.schedule_calendar_sync(org_id uuid, source_id uuid, run_at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: schedule_connection_validation(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.schedule_connection_validation(org_id uuid, connection_id uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select graphile_worker.add_job('validate_campaign_connection',
    json_build_object('org_id', org_id, 'connection_id', connection_id),
    job_key => 'validate_campaign_connection:' || connection_id, max_attempts => 5);
$$;

ALTER FUNCTION app_private.schedule_connection_validation(org_id uuid, connection_id uuid) OWNER TO switchboard_owner;

--
-- Name: schedule_delivery(uuid, uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.schedule_delivery(org_id uuid, delivery_id uuid, run_at timestamp with time zone DEFAULT now()) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select graphile_worker.add_job(
    'deliver_webhook',
    json_build_object('org_id', org_id, 'delivery_id', delivery_id),
    run_at => run_at,
    job_key => 'deliver_webhook:' || delivery_id,
    job_key_mode => 'replace',
    max_attempts => 10)
$$;

ALTER FUNCTION app_private.schedule_delivery(org_id uuid, delivery_id uuid, run_at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: schedule_event_processing(text, uuid, smallint, timestamp with time zone, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.schedule_event_processing(task text, org_id uuid, shard smallint, run_at timestamp with time zone DEFAULT now(), mode text DEFAULT 'unsafe_dedupe'::text, key_suffix text DEFAULT ''::text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  job_key constant text := task || ':' || org_id || ':' || shard || key_suffix;
begin
  if mode = 'unsafe_dedupe' then
    perform 1 from graphile_worker._private_jobs j
     where j.key = job_key and j.locked_at is null
       for key share;
    if found then
      return;
    end if;
  end if;
  perform graphile_worker.add_job(
    task,
    json_build_object('org_id', org_id, 'shard', shard),
    run_at => run_at,
    job_key => job_key,
    job_key_mode => mode,
    max_attempts => 25);
end
$$;

ALTER FUNCTION app_private.schedule_event_processing(task text, org_id uuid, shard smallint, run_at timestamp with time zone, mode text, key_suffix text) OWNER TO switchboard_owner;

--
-- Name: schedule_lead_push(uuid, uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.schedule_lead_push(org_id uuid, chunk_id uuid, run_at timestamp with time zone DEFAULT now()) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select graphile_worker.add_job(
    'push_leads',
    json_build_object('org_id', org_id, 'chunk_id', chunk_id),
    run_at => run_at,
    job_key => 'push_leads:' || chunk_id,
    job_key_mode => 'replace',
    max_attempts => 10)
$$;

ALTER FUNCTION app_private.schedule_lead_push(org_id uuid, chunk_id uuid, run_at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: schedule_sms(uuid, uuid, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.schedule_sms(org_id uuid, message_id uuid, run_at timestamp with time zone DEFAULT now()) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select graphile_worker.add_job('send_sms', json_build_object('org_id', org_id, 'message_id', message_id),
    run_at => run_at, job_key => 'send_sms:' || message_id, job_key_mode => 'replace', max_attempts => 5)
$$;

ALTER FUNCTION app_private.schedule_sms(org_id uuid, message_id uuid, run_at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: scrub_jsonb(jsonb, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.scrub_jsonb(doc jsonb, pattern text) RETURNS jsonb
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select case jsonb_typeof(doc)
    when 'string' then to_jsonb(regexp_replace(doc #>> '{}', pattern, '[erased]', 'gi'))
    when 'object' then coalesce((select jsonb_object_agg(k, app_private.scrub_jsonb(v, pattern)) from jsonb_each(doc) e(k, v)), '{}'::jsonb)
    when 'array' then coalesce((select jsonb_agg(app_private.scrub_jsonb(v, pattern) order by i) from jsonb_array_elements(doc) with ordinality a(v, i)), '[]'::jsonb)
    else doc end
$$;

ALTER FUNCTION app_private.scrub_jsonb(doc jsonb, pattern text) OWNER TO switchboard_owner;

--
-- Name: seconds_since_worker_heartbeat(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.seconds_since_worker_heartbeat() RETURNS double precision
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select extract(epoch from now() - max(beat_at)) from app_private.worker_heartbeats
$$;

ALTER FUNCTION app_private.seconds_since_worker_heartbeat() OWNER TO switchboard_owner;

--
-- Name: set_calendar_source_password(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.set_calendar_source_password(source_id uuid, password text, encryption_key text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  src app_public.calendar_sources;
begin
  select * into src from app_public.calendar_sources s where s.id = set_calendar_source_password.source_id;
  if src.id is null then
    raise exception 'calendar source not found' using errcode = 'PT404', hint = 'calendar_source_not_found';
  end if;
  update app_private.calendar_source_secrets k set password_encrypted = pgp_sym_encrypt(password, encryption_key), updated_at = now()
   where k.org_id = src.org_id and k.source_id = src.id;
  perform app_private.schedule_calendar_sync(src.org_id, src.id);
  return true;
end
$$;

ALTER FUNCTION app_private.set_calendar_source_password(source_id uuid, password text, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: set_campaign_connection_base_url(uuid, uuid, text, boolean); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.set_campaign_connection_base_url(org_id uuid, connection_id uuid, base_url text, allow_private boolean) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  problem text := case when base_url is null then null else app_private.delivery_url_problem(base_url, allow_private) end;
begin
  if problem is not null then
    raise exception 'base URL refused: %', problem using errcode = '22023';
  end if;
  update app_public.campaign_connections c set base_url = rtrim(set_campaign_connection_base_url.base_url, '/')
   where c.org_id = set_campaign_connection_base_url.org_id and c.id = set_campaign_connection_base_url.connection_id;
  return found;
end
$$;

ALTER FUNCTION app_private.set_campaign_connection_base_url(org_id uuid, connection_id uuid, base_url text, allow_private boolean) OWNER TO switchboard_owner;

--
-- Name: set_campaign_connection_key(uuid, uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.set_campaign_connection_key(org_id uuid, connection_id uuid, api_key text, encryption_key text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if api_key is null or length(api_key) not between 8 and 500 or api_key ~ '\s' then
    raise exception 'an API key (8 to 500 characters, no spaces) is required' using errcode = '22023';
  end if;
  update app_private.campaign_connection_secrets s set api_key_encrypted = pgp_sym_encrypt(api_key, encryption_key), updated_at = now()
   where s.org_id = set_campaign_connection_key.org_id and s.connection_id = set_campaign_connection_key.connection_id;
  if not found then
    return false;
  end if;
  update app_public.campaign_connections c
     set validation_status = 'pending', validation_error = null, consecutive_failures = 0, circuit_open_until = null,
         failing_since = null, last_error = null
   where c.org_id = set_campaign_connection_key.org_id and c.id = set_campaign_connection_key.connection_id;
  perform app_private.schedule_connection_validation(set_campaign_connection_key.org_id, set_campaign_connection_key.connection_id);
  return true;
end
$$;

ALTER FUNCTION app_private.set_campaign_connection_key(org_id uuid, connection_id uuid, api_key text, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: feature_flags; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.feature_flags (
    key text NOT NULL,
    description text,
    default_enabled boolean DEFAULT false NOT NULL,
    rollout_percent numeric(5,2) DEFAULT 0 NOT NULL,
    allow_org_override boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT feature_flags_description_check CHECK ((length(description) <= 500)),
    CONSTRAINT feature_flags_key_check CHECK ((key ~ '^[a-z][a-z0-9_.-]{0,62}$'::text)),
    CONSTRAINT feature_flags_rollout_percent_check CHECK (((rollout_percent >= (0)::numeric) AND (rollout_percent <= (100)::numeric)))
);

ALTER TABLE ONLY app_public.feature_flags FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.feature_flags OWNER TO switchboard_owner;

--
-- Name: set_feature_flag(text, boolean, numeric, boolean, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.set_feature_flag(key text, default_enabled boolean DEFAULT NULL::boolean, rollout_percent numeric DEFAULT NULL::numeric, allow_org_override boolean DEFAULT NULL::boolean, description text DEFAULT NULL::text, actor text DEFAULT CURRENT_USER) RETURNS app_public.feature_flags
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  result app_public.feature_flags;
begin
  perform set_config('switchboard.flag_actor', coalesce(actor, current_user::text), true);
  insert into app_public.feature_flags as f (key, description, default_enabled, rollout_percent, allow_org_override)
  values (set_feature_flag.key, set_feature_flag.description, coalesce(set_feature_flag.default_enabled, false),
          coalesce(set_feature_flag.rollout_percent, 0), coalesce(set_feature_flag.allow_org_override, true))
  on conflict on constraint feature_flags_pkey do update
    set description = coalesce(set_feature_flag.description, f.description),
        default_enabled = coalesce(set_feature_flag.default_enabled, f.default_enabled),
        rollout_percent = coalesce(set_feature_flag.rollout_percent, f.rollout_percent),
        allow_org_override = coalesce(set_feature_flag.allow_org_override, f.allow_org_override),
        updated_at = now()
  returning * into result;
  return result;
end
$$;

ALTER FUNCTION app_private.set_feature_flag(key text, default_enabled boolean, rollout_percent numeric, allow_org_override boolean, description text, actor text) OWNER TO switchboard_owner;

--
-- Name: set_org_quota(uuid, integer, integer); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.set_org_quota(org_id uuid, per_user integer, per_org integer) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  insert into app_private.org_quotas as q (org_id, requests_per_user_per_minute, requests_per_org_per_minute)
  values (set_org_quota.org_id, per_user, per_org)
  on conflict on constraint org_quotas_pkey do update
    set requests_per_user_per_minute = excluded.requests_per_user_per_minute,
        requests_per_org_per_minute = excluded.requests_per_org_per_minute, updated_at = now()
$$;

ALTER FUNCTION app_private.set_org_quota(org_id uuid, per_user integer, per_org integer) OWNER TO switchboard_owner;

--
-- Name: set_sending_account_password(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.set_sending_account_password(account_id uuid, smtp_password text, encryption_key text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  org uuid;
begin
  select a.org_id into org from app_public.sending_accounts a where a.id = set_sending_account_password.account_id;
  if org is null then
    return false;
  end if;
  insert into app_private.sending_account_secrets as s (org_id, account_id, password_encrypted)
  values (org, set_sending_account_password.account_id, pgp_sym_encrypt(smtp_password, encryption_key))
  on conflict (org_id, account_id)
  do update set password_encrypted = excluded.password_encrypted, updated_at = now();
  update app_public.sending_accounts a set enabled = true, disabled_reason = null
   where a.id = set_sending_account_password.account_id;
  return true;
end
$$;

ALTER FUNCTION app_private.set_sending_account_password(account_id uuid, smtp_password text, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: sms_send_time(text, timestamp with time zone, time without time zone, time without time zone, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.sms_send_time(tz text, due timestamp with time zone, quiet_start time without time zone, quiet_end time without time zone, deadline timestamp with time zone DEFAULT NULL::timestamp with time zone, now_at timestamp with time zone DEFAULT now()) RETURNS timestamp with time zone
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  t timestamptz := greatest(due, now_at);
  lt timestamp := t at time zone tz;
  quiet boolean;
  window_end timestamp;
  window_start timestamp;
begin
  quiet := case when quiet_start > quiet_end then lt::time >= quiet_start or lt::time < quiet_end
                else lt::time >= quiet_start and lt::time < quiet_end end;
  if not quiet then
    return case when deadline is null or t < deadline then t end;
  end if;
  window_end := case when quiet_start > quiet_end and lt::time >= quiet_start then lt::date + 1 + quiet_end
                     else lt::date + quiet_end end;
  if deadline is null or (window_end at time zone tz) < deadline then
    return window_end at time zone tz;
  end if;
  -- Too late after the quiet hours: the minute before they began, if still ahead.
  window_start := case when quiet_start > quiet_end and lt::time < quiet_end then lt::date - 1 + quiet_start
                       else lt::date + quiet_start end;
  if (window_start at time zone tz) - interval '1 minute' > now_at then
    return (window_start at time zone tz) - interval '1 minute';
  end if;
  return null;
end
$$;

ALTER FUNCTION app_private.sms_send_time(tz text, due timestamp with time zone, quiet_start time without time zone, quiet_end time without time zone, deadline timestamp with time zone, now_at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: sms_start_keywords(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.sms_start_keywords() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select array['START', 'YES', 'UNSTOP']
$$;

ALTER FUNCTION app_private.sms_start_keywords() OWNER TO switchboard_owner;

--
-- Name: sms_status_rank(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.sms_status_rank(status text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case status when 'scheduled' then 0 when 'sending' then 0 when 'accepted' then 1 when 'queued' then 2
                     when 'sending_twilio' then 3 when 'sent' then 4 when 'delivered' then 6 when 'read' then 7
                     when 'undelivered' then 5 when 'failed' then 5 else 0 end
$$;

ALTER FUNCTION app_private.sms_status_rank(status text) OWNER TO switchboard_owner;

--
-- Name: sms_stop_keywords(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.sms_stop_keywords() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select array['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']
$$;

ALTER FUNCTION app_private.sms_stop_keywords() OWNER TO switchboard_owner;

--
-- Name: sms_template_problem(text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.sms_template_problem(template text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case when exists (select 1 from regexp_matches(template, '\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}', 'g') m
                            where m[1] not in ('first_name', 'last_name', 'starts_at_local', 'resource', 'cancel_url'))
              then 'templates may use {{first_name}}, {{last_name}}, {{starts_at_local}}, {{resource}} and {{cancel_url}}' end
$$;

ALTER FUNCTION app_private.sms_template_problem(template text) OWNER TO switchboard_owner;

--
-- Name: source_auth(text, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.source_auth(provider text, given jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case
    when provider <> 'vapi' then coalesce(given, '{}'::jsonb)
    when coalesce(given ->> 'mode', 'secret') <> 'hmac' then jsonb_build_object('mode', coalesce(given ->> 'mode', 'secret'))
    else jsonb_build_object(
      'mode', 'hmac',
      'algorithm', coalesce(given ->> 'algorithm', 'sha256'),
      'signature_header', lower(coalesce(given ->> 'signature_header', 'x-signature')),
      -- A JSON null (or "none") means no timestamp; an absent key means Vapi's default.
      'timestamp_header', case when given -> 'timestamp_header' = 'null'::jsonb
                                 or lower(given ->> 'timestamp_header') = 'none' then null
                               else lower(coalesce(given ->> 'timestamp_header', 'x-timestamp')) end,
      'payload_format', coalesce(given ->> 'payload_format',
                                 case when given -> 'timestamp_header' = 'null'::jsonb
                                        or lower(given ->> 'timestamp_header') = 'none'
                                      then '{body}' else '{timestamp}.{body}' end),
      'encoding', coalesce(given ->> 'encoding', 'hex'),
      'prefix', coalesce(given ->> 'prefix', ''),
      'secret_base64', coalesce((given ->> 'secret_base64')::boolean, false))
  end
$$;

ALTER FUNCTION app_private.source_auth(provider text, given jsonb) OWNER TO switchboard_owner;

--
-- Name: source_credentials(uuid, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.source_credentials(source_id uuid, provider text, encryption_key text) RETURNS TABLE(org_id uuid, secrets text[], auth jsonb)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select s.org_id,
         array_agg(pgp_sym_decrypt(k.secret_encrypted, encryption_key) order by k.created_at desc),
         s.auth
    from app_public.sources s
    join app_private.source_secrets k on k.source_id = s.id
   where s.id = source_credentials.source_id
     and s.provider = source_credentials.provider
     and s.enabled
     and (k.expires_at is null or k.expires_at > now())
   group by s.org_id, s.auth
$$;

ALTER FUNCTION app_private.source_credentials(source_id uuid, provider text, encryption_key text) OWNER TO switchboard_owner;

--
-- Name: source_url(text, uuid, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.source_url(provider text, source_id uuid, secret text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select case provider
    when 'csv' then '/uploads/leads/' || source_id
    when 'replyio' then '/webhooks/replyio/' || source_id || '/' || app_private.percent_encode(secret)
    else '/webhooks/' || provider || '/' || source_id end
$$;

ALTER FUNCTION app_private.source_url(provider text, source_id uuid, secret text) OWNER TO switchboard_owner;

--
-- Name: sso_begin(uuid, text, text, text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.sso_begin(org_id uuid, state text, code_verifier text, nonce text, redirect_uri text) RETURNS TABLE(issuer text, client_id text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
begin
  delete from app_private.sso_states s where s.expires_at < now() - interval '1 hour';
  return query
    with p as (select x.issuer, x.client_id from app_private.sso_providers x
                where x.org_id = sso_begin.org_id and x.enabled),
    saved as (
      insert into app_private.sso_states (state_hash, org_id, code_verifier, nonce, redirect_uri, expires_at)
      select public.digest(sso_begin.state, 'sha256'), sso_begin.org_id, sso_begin.code_verifier, sso_begin.nonce,
             sso_begin.redirect_uri, now() + interval '10 minutes'
        from p
      returning 1)
    select p.issuer, p.client_id from p, saved;
end
$$;

ALTER FUNCTION app_private.sso_begin(org_id uuid, state text, code_verifier text, nonce text, redirect_uri text) OWNER TO switchboard_owner;

--
-- Name: sso_login(uuid, text, text, public.citext, boolean, inet, text, interval); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.sso_login(org_id uuid, issuer text, subject text, email public.citext, email_verified boolean, ip inet DEFAULT NULL::inet, user_agent text DEFAULT NULL::text, session_ttl interval DEFAULT '30 days'::interval) RETURNS TABLE(status text, user_id uuid, org_id_out uuid, org_role text, session_id uuid, refresh_token text)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  provider app_private.sso_providers;
  uid uuid;
  v_role text;
  token text := encode(public.gen_random_bytes(32), 'hex');
  sid uuid;
begin
  select * into provider from app_private.sso_providers p
   where p.org_id = sso_login.org_id and p.enabled and p.issuer = rtrim(sso_login.issuer, '/');
  if provider.org_id is null then
    status := 'sso_not_configured';
    return next;
    return;
  end if;
  if not coalesce(sso_login.email_verified, false) then
    status := 'email_not_verified';
    return next;
    return;
  end if;
  if sso_login.email is null or not (lower(split_part(sso_login.email::text, '@', 2)) = any (provider.allowed_domains)) then
    status := 'domain_not_allowed';
    return next;
    return;
  end if;

  select i.user_id into uid from app_private.user_identities i
   where i.issuer = provider.issuer and i.subject = sso_login.subject;
  if uid is null then
    select u.id into uid from app_public.users u where u.email = sso_login.email;
    if uid is not null and not exists (select 1 from app_public.memberships m
                                        where m.user_id = uid and m.org_id = provider.org_id) then
      status := 'email_in_use';
      return next;
      return;
    end if;
    if uid is null then
      insert into app_public.users (email) values (sso_login.email) returning id into uid;
    end if;
    insert into app_private.user_identities (issuer, subject, user_id, email)
    values (provider.issuer, sso_login.subject, uid, sso_login.email);
  end if;
  update app_private.user_identities i set last_login_at = now(), email = sso_login.email
   where i.issuer = provider.issuer and i.subject = sso_login.subject;

  -- Just-in-time membership, once.
  insert into app_public.memberships (org_id, user_id, role)
  values (provider.org_id, uid, 'member')
  on conflict on constraint memberships_pkey do nothing;
  select m.role into v_role from app_public.memberships m where m.org_id = provider.org_id and m.user_id = uid;

  insert into app_private.sessions (user_id, org_id, refresh_token_hash, ip, user_agent, device, expires_at, auth_method)
  values (uid, provider.org_id, public.digest(token, 'sha256'), sso_login.ip, left(sso_login.user_agent, 500),
          app_private.device_from_user_agent(sso_login.user_agent), now() + sso_login.session_ttl, 'sso')
  returning id into sid;
  insert into app_private.login_attempts (email, user_id, ip, outcome) values (sso_login.email, uid, sso_login.ip, 'success');
  perform app_private.record_auth_event('login_succeeded', uid, provider.org_id, sid, sso_login.ip, sso_login.user_agent,
                                        jsonb_build_object('method', 'sso', 'issuer', provider.issuer));
  status := 'ok';
  user_id := uid;
  org_id_out := provider.org_id;
  org_role := v_role;
  session_id := sid;
  refresh_token := token;
  return next;
end
$$;

ALTER FUNCTION app_private.sso_login(org_id uuid, issuer text, subject text, email public.citext, email_verified boolean, ip inet, user_agent text, session_ttl interval) OWNER TO switchboard_owner;

--
-- Name: sso_take_state(text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.sso_take_state(state text, secret_key text) RETURNS TABLE(org_id uuid, issuer text, client_id text, client_secret text, code_verifier text, nonce text, redirect_uri text)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  with taken as (
    delete from app_private.sso_states s
     where s.state_hash = public.digest(coalesce(sso_take_state.state, ''), 'sha256')
    returning s.*)
  select t.org_id, p.issuer, p.client_id, public.pgp_sym_decrypt(p.client_secret, sso_take_state.secret_key),
         t.code_verifier, t.nonce, t.redirect_uri
    from taken t join app_private.sso_providers p on p.org_id = t.org_id and p.enabled
   where t.expires_at > now()
$$;

ALTER FUNCTION app_private.sso_take_state(state text, secret_key text) OWNER TO switchboard_owner;

--
-- Name: stop_sequences_on_reply(uuid, public.citext[], text[]); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.stop_sequences_on_reply(org_id uuid, emails public.citext[], message_ids text[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  the_org constant uuid := stop_sequences_on_reply.org_id;
  n int;
begin
  with hit as (
    select m.enrollment_id from app_public.emails m
     where m.org_id = the_org and m.message_id = any(message_ids)
    union
    select e.id from app_public.sequence_enrollments e
      join app_public.contacts k on k.id = e.contact_id
     where e.org_id = the_org and k.org_id = the_org and k.email = any(emails)),
  stopped as (
    update app_public.sequence_enrollments e
       set status = 'stopped', stop_reason = 'replied', updated_at = now()
      from hit h, app_public.campaigns c
     where e.org_id = the_org and e.id = h.enrollment_id and e.status = 'active'
       and c.id = e.campaign_id and c.stop_on_reply
    returning e.id, e.lead_id, e.contact_id),
  skipped as (
    update app_public.emails m set status = 'skipped', last_error = 'sequence stopped: replied', updated_at = now()
      from stopped s
     where m.org_id = the_org and m.enrollment_id = s.id and m.status = 'queued'
    returning m.id)
  update app_public.leads l set campaign_status = 'replied'
   where l.org_id = the_org and l.campaign_status in ('new', 'queued', 'active')
     and (l.id in (select s.lead_id from stopped s where s.lead_id is not null)
          -- By address through the (org_id, email_hash) index.
          or l.email_hash in (select app_private.hash_email(x::text) from unnest(emails) x
                               union all
                              select app_private.hash_email(k.email::text) from app_public.contacts k join stopped s on s.contact_id = k.id));
  get diagnostics n = row_count;
  return n;
end
$$;

ALTER FUNCTION app_private.stop_sequences_on_reply(org_id uuid, emails public.citext[], message_ids text[]) OWNER TO switchboard_owner;

--
-- Name: sync_appointment_reminders(app_public.appointments); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.sync_appointment_reminders(appt app_public.appointments) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  cfg app_public.sms_settings;
  tz text;
  phone text;
  m record;
begin
  if appt.status = 'cancelled' then
    update app_public.sms_messages s set status = 'cancelled', updated_at = now()
     where s.org_id = appt.org_id and s.appointment_id = appt.id and s.kind = 'reminder' and s.status = 'scheduled';
    return;
  end if;
  select * into cfg from app_public.sms_settings s where s.org_id = appt.org_id and s.enabled;
  if cfg.org_id is null or appt.contact_id is null then
    return;
  end if;
  select app_private.normalize_e164(k.phone) into phone from app_public.contacts k where k.org_id = appt.org_id and k.id = appt.contact_id;
  if phone is null then
    return;
  end if;
  select g.timezone into tz from app_public.organizations g where g.id = appt.org_id;
  for m in
    insert into app_public.sms_messages as s (org_id, kind, contact_id, appointment_id, reminder_offset, to_number, status, send_at)
    select appt.org_id, 'reminder', appt.contact_id, appt.id, o.off, phone,
           case when app_private.phone_suppressed(appt.org_id, phone) then 'suppressed'
                when x.at is null then 'skipped' else 'scheduled' end,
           coalesce(x.at, appt.starts_at - o.off)
      from unnest(cfg.reminder_offsets) o (off)
      cross join lateral (select app_private.sms_send_time(tz, appt.starts_at - o.off, cfg.quiet_start, cfg.quiet_end, appt.starts_at) as at) x
    on conflict (org_id, appointment_id, reminder_offset) where kind = 'reminder'
    do update set send_at = excluded.send_at, status = excluded.status, to_number = excluded.to_number, updated_at = now()
       where s.status in ('scheduled', 'skipped', 'cancelled')
    returning s.org_id, s.id, s.status, s.send_at
  loop
    if m.status = 'scheduled' then
      perform app_private.schedule_sms(m.org_id, m.id, m.send_at);
    end if;
  end loop;
end
$$;

ALTER FUNCTION app_private.sync_appointment_reminders(appt app_public.appointments) OWNER TO switchboard_owner;

--
-- Name: system_health_for_current_org(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.system_health_for_current_org() RETURNS TABLE(org_id uuid, pending_events bigint, oldest_pending_event_seconds double precision, open_dead_letters bigint, pending_deliveries bigint, dead_deliveries_24h bigint, disabled_endpoints bigint, queued_jobs bigint, failing_jobs bigint, last_feeder_run_at timestamp with time zone, last_contactable_refresh_at timestamp with time zone, last_backup_verified_at timestamp with time zone, last_backup_ok boolean, worker_heartbeat_seconds double precision, checked_at timestamp with time zone, calendar_sources_failing bigint, calendar_last_sync_error text, pending_lead_pushes bigint, failed_lead_pushes_24h bigint, refused_lead_pushes_24h bigint, failing_connections bigint, failed_sms_24h bigint, replica_lag_seconds double precision)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select o.id,
         (select count(*) from app_public.webhook_events e where e.org_id = o.id and e.status in ('pending', 'failed')),
         (select extract(epoch from now() - min(e.received_at)) from app_public.webhook_events e
           where e.org_id = o.id and e.status in ('pending', 'failed')),
         (select count(*) from app_public.dead_letters d where d.org_id = o.id and d.retried_at is null),
         (select count(*) from app_public.deliveries d where d.org_id = o.id and d.status = 'pending'),
         (select count(*) from app_public.deliveries d where d.org_id = o.id and d.status = 'dead' and d.created_at > now() - interval '1 day'),
         (select count(*) from app_public.delivery_endpoints e where e.org_id = o.id and not e.enabled),
         (select count(*) from graphile_worker._private_jobs j where j.payload ->> 'org_id' = o.id::text and j.attempts < j.max_attempts),
         (select count(*) from graphile_worker._private_jobs j where j.payload ->> 'org_id' = o.id::text and j.last_error is not null),
         (select max(r.started_at) from app_private.lead_feed_runs r where r.org_id = o.id),
         (select max(r.refreshed_at) from app_private.contactable_refresh_runs r where r.org_id = o.id),
         (select max(b.verified_at) from app_private.backup_verification_log b where b.ok),
         (select b.ok from app_private.backup_verification_log b order by b.id desc limit 1),
         app_private.seconds_since_worker_heartbeat(),
         now(),
         (select count(*) from app_public.calendar_sources c where c.org_id = o.id and c.enabled and c.consecutive_failures > 0),
         (select c.name || ': ' || c.last_error from app_public.calendar_sources c
           where c.org_id = o.id and c.enabled and c.consecutive_failures > 0 order by c.last_error_at desc limit 1),
         (select count(*) from app_public.lead_pushes p where p.org_id = o.id and p.status = 'pending'),
         (select count(*) from app_public.lead_pushes p where p.org_id = o.id and p.status = 'failed' and p.updated_at > now() - interval '1 day'),
         (select count(*) from app_public.lead_pushes p where p.org_id = o.id and p.status = 'refused' and p.updated_at > now() - interval '1 day'),
         (select count(*) from app_public.campaign_connections c
           where c.org_id = o.id and c.enabled and (c.consecutive_failures > 0 or c.validation_status = 'invalid')),
         (select count(*) from app_public.sms_messages m
           where m.org_id = o.id and m.status in ('failed', 'undelivered', 'in_doubt') and m.updated_at > now() - interval '1 day'),
         app_private.replica_lag_seconds()
    from app_public.organizations o
   where o.id = app_public.current_org_id() and app_public.current_user_is_admin()
$$;

ALTER FUNCTION app_private.system_health_for_current_org() OWNER TO switchboard_owner;

--
-- Name: temp_view_of(text, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.temp_view_of(name text, batch_table text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  begin
    execute format('drop view if exists pg_temp.%I', name);
  exception when wrong_object_type then
    execute format('drop table pg_temp.%I', name);
  end;
  execute format('create temporary view %I as select * from app_private.%I', name, batch_table);
end
$$;

ALTER FUNCTION app_private.temp_view_of(name text, batch_table text) OWNER TO switchboard_owner;

--
-- Name: tg__audit(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg__audit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org_column text := coalesce(tg_argv[0], 'org_id');
  old_row jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  new_row jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  any_row jsonb := coalesce(new_row, old_row);
begin
  if tg_op = 'UPDATE' and old_row = new_row then
    return null;
  end if;
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (
    (any_row ->> org_column)::uuid,
    app_public.current_user_id(),
    tg_table_schema || '.' || tg_table_name,
    coalesce(any_row ->> 'id', any_row ->> 'user_id'),
    lower(tg_op),
    old_row,
    new_row
  );
  return null;
end
$$;

ALTER FUNCTION app_private.tg__audit() OWNER TO switchboard_owner;

--
-- Name: tg_appointments__after_insert(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_appointments__after_insert() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  subscribed boolean;
  calendars boolean;
  reminders boolean;
begin
  if new.status <> 'booked' then
    return null;
  end if;
  select exists (select 1 from app_public.delivery_endpoints e
                  where e.org_id = new.org_id and e.enabled
                    and (cardinality(e.event_types) = 0 or 'appointment.booked' = any (e.event_types))),
         exists (select 1 from app_public.calendar_sources c
                  where c.org_id = new.org_id and c.resource_id = new.resource_id and c.write and c.enabled),
         new.contact_id is not null
           and exists (select 1 from app_public.sms_settings x where x.org_id = new.org_id and x.enabled)
    into subscribed, calendars, reminders;
  if calendars then
    perform app_private.queue_calendar_pushes(new.org_id, new.resource_id, new.id);
  end if;
  if subscribed then
    perform app_private.emit_event(new.org_id, 'appointment.booked', jsonb_build_object(
      'appointment_id', new.id, 'resource_id', new.resource_id, 'contact_id', new.contact_id,
      'starts_at', new.starts_at, 'ends_at', new.ends_at, 'source', new.source));
  end if;
  if reminders then
    perform app_private.sync_appointment_reminders(new);
  end if;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_appointments__after_insert() OWNER TO switchboard_owner;

--
-- Name: tg_appointments__blocked_range(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_appointments__blocked_range() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  before_buf interval;
  after_buf interval;
begin
  if tg_op = 'INSERT' and new.blocked is not null then
    return new;
  end if;
  if tg_op = 'UPDATE' then
    new.updated_at := now();
    if new.starts_at = old.starts_at and new.ends_at = old.ends_at and new.resource_id = old.resource_id
       and new.blocked is not distinct from old.blocked then
      return new;
    end if;
  end if;
  select r.buffer_before, r.buffer_after into before_buf, after_buf
    from app_public.resources r
   where r.org_id = new.org_id and r.id = new.resource_id;
  new.blocked := tstzrange(new.starts_at - coalesce(before_buf, '0'::interval),
                           new.ends_at + coalesce(after_buf, '0'::interval), '[)');
  return new;
end
$$;

ALTER FUNCTION app_private.tg_appointments__blocked_range() OWNER TO switchboard_owner;

--
-- Name: tg_appointments__calendar_push(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_appointments__calendar_push() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if tg_op = 'UPDATE' and new.starts_at = old.starts_at and new.ends_at = old.ends_at and new.status = old.status then
    return null;
  end if;
  if tg_op = 'INSERT' and new.status <> 'booked' then
    return null;
  end if;
  perform app_private.queue_calendar_pushes(new.org_id, new.resource_id, new.id);
  return null;
end
$$;

ALTER FUNCTION app_private.tg_appointments__calendar_push() OWNER TO switchboard_owner;

--
-- Name: tg_appointments__emit(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_appointments__emit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.tg_appointments__emit() OWNER TO switchboard_owner;

--
-- Name: tg_appointments__sequence(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_appointments__sequence() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if new.starts_at is distinct from old.starts_at or new.ends_at is distinct from old.ends_at
     or (new.status = 'cancelled' and old.status <> 'cancelled') then
    new.sequence := old.sequence + 1;
  end if;
  return new;
end
$$;

ALTER FUNCTION app_private.tg_appointments__sequence() OWNER TO switchboard_owner;

--
-- Name: tg_appointments__sms_reminders(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_appointments__sms_reminders() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if tg_op = 'UPDATE' and new.starts_at is not distinct from old.starts_at and new.status is not distinct from old.status then
    return null;
  end if;
  perform app_private.sync_appointment_reminders(new);
  return null;
end
$$;

ALTER FUNCTION app_private.tg_appointments__sms_reminders() OWNER TO switchboard_owner;

--
-- Name: tg_audit_log__append_only(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_audit_log__append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if tg_op = 'DELETE' and current_setting('switchboard.audit_retention', true) = 'on' then
    return old;
  end if;
  raise exception 'audit_log is append-only' using errcode = '42501';
end
$$;

ALTER FUNCTION app_private.tg_audit_log__append_only() OWNER TO switchboard_owner;

--
-- Name: tg_calls__emit(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_calls__emit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if new.status = 'ended' and (tg_op = 'INSERT' or old.status is distinct from 'ended') then
    perform app_private.emit_event(new.org_id, 'call.ended', jsonb_build_object(
      'call_id', new.id, 'external_id', new.external_id, 'contact_id', new.contact_id, 'campaign_id', new.campaign_id,
      'direction', new.direction, 'duration_seconds', new.duration_seconds, 'ended_reason', new.ended_reason));
  end if;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_calls__emit() OWNER TO switchboard_owner;

--
-- Name: tg_calls__redact(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_calls__redact() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  new.summary := app_private.redact_phi(new.summary);
  return new;
end
$$;

ALTER FUNCTION app_private.tg_calls__redact() OWNER TO switchboard_owner;

--
-- Name: tg_calls__search_summary(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_calls__search_summary() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  update app_public.transcripts t set summary = new.summary
   where t.org_id = new.org_id and t.call_id = new.id and t.summary is distinct from new.summary;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_calls__search_summary() OWNER TO switchboard_owner;

--
-- Name: tg_campaign_connections__validate(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_campaign_connections__validate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  problem text := app_private.field_mapping_problem(new.field_mapping);
begin
  if problem is not null then
    raise exception 'invalid field mapping: %', problem using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end
$$;

ALTER FUNCTION app_private.tg_campaign_connections__validate() OWNER TO switchboard_owner;

--
-- Name: tg_campaigns__delete_email_events(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_campaigns__delete_email_events() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  delete from app_public.email_events e using gone_campaigns g where e.org_id = g.org_id and e.campaign_id = g.id;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_campaigns__delete_email_events() OWNER TO switchboard_owner;

--
-- Name: tg_contacts__unlink_email_events(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_contacts__unlink_email_events() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  update app_public.email_events e set contact_id = null
    from gone_contacts g
   where e.contact_id = g.id and e.org_id = g.org_id;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_contacts__unlink_email_events() OWNER TO switchboard_owner;

--
-- Name: tg_delivery_endpoints__reenable(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_delivery_endpoints__reenable() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if new.enabled and not old.enabled then
    new.disabled_reason := null;
    new.disabled_at := null;
    new.consecutive_failures := 0;
    new.failing_since := null;
    new.circuit_open_until := null;
  elsif not new.enabled and old.enabled and new.disabled_at is null then
    new.disabled_at := now();
    new.disabled_reason := coalesce(new.disabled_reason, 'disabled by an admin');
  end if;
  return new;
end
$$;

ALTER FUNCTION app_private.tg_delivery_endpoints__reenable() OWNER TO switchboard_owner;

--
-- Name: tg_email_event_targets__key_fixed(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_email_event_targets__key_fixed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if exists (select 1 from app_public.email_events e
              where e.org_id = old.org_id
                and case tg_table_name when 'campaigns' then e.campaign_id else e.contact_id end = old.id) then
    raise exception 'update on table "%" violates foreign key on table "email_events"', tg_table_name
      using errcode = 'foreign_key_violation';
  end if;
  return new;
end
$$;

ALTER FUNCTION app_private.tg_email_event_targets__key_fixed() OWNER TO switchboard_owner;

--
-- Name: tg_email_events__emit_reply(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_email_events__emit_reply() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if new.kind = 'replied' then
    perform app_private.emit_event(new.org_id, 'reply.received', jsonb_build_object(
      'email_event_id', new.id, 'campaign_id', new.campaign_id, 'contact_id', new.contact_id,
      'category', new.category, 'occurred_at', new.occurred_at));
  end if;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_email_events__emit_reply() OWNER TO switchboard_owner;

--
-- Name: tg_email_events__references(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_email_events__references() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  missing record;
begin
  perform 1 from app_public.organizations o
   where o.id in (select n.org_id from new_events n)
     for key share of o;
  perform 1 from app_public.campaigns c
   where (c.org_id, c.id) in (select n.org_id, n.campaign_id from new_events n where n.campaign_id is not null)
     for key share of c;
  perform 1 from app_public.contacts c
   where (c.org_id, c.id) in (select n.org_id, n.contact_id from new_events n where n.contact_id is not null)
     for key share of c;
  -- Read again after the locks: a row deleted while this waited for its lock is gone now.
  select x.constraint_name, x.detail into missing
    from (select 'email_events_org_id_fkey' as constraint_name,
                 format('Key (org_id)=(%s) is not present in table "organizations".', n.org_id) as detail
            from (select distinct org_id from new_events) n
           where not exists (select 1 from app_public.organizations o where o.id = n.org_id)
          union all
          select 'email_events_campaign_id_fkey',
                 format('Key (org_id, campaign_id)=(%s, %s) is not present in table "campaigns".', n.org_id, n.campaign_id)
            from (select distinct org_id, campaign_id from new_events where campaign_id is not null) n
           where not exists (select 1 from app_public.campaigns c where c.org_id = n.org_id and c.id = n.campaign_id)
          union all
          select 'email_events_contact_id_fkey',
                 format('Key (org_id, contact_id)=(%s, %s) is not present in table "contacts".', n.org_id, n.contact_id)
            from (select distinct org_id, contact_id from new_events where contact_id is not null) n
           where not exists (select 1 from app_public.contacts c where c.org_id = n.org_id and c.id = n.contact_id)) x
   limit 1;
  if found then
    raise exception 'insert on table "email_events" violates foreign key "%"', missing.constraint_name
      using errcode = 'foreign_key_violation', detail = missing.detail,
            table = 'email_events', schema = 'app_public', constraint = missing.constraint_name;
  end if;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_email_events__references() OWNER TO switchboard_owner;

--
-- Name: tg_email_events__references_fixed(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_email_events__references_fixed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  raise exception 'an email event does not move to another org, campaign or contact' using errcode = 'foreign_key_violation';
end
$$;

ALTER FUNCTION app_private.tg_email_events__references_fixed() OWNER TO switchboard_owner;

--
-- Name: tg_feature_flags__history(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_feature_flags__history() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  insert into app_private.feature_flag_history (flag_key, action, actor, old_values, new_values)
  values (coalesce(new.key, old.key), lower(tg_op),
          coalesce(nullif(current_setting('switchboard.flag_actor', true), ''), current_user::text),
          case when tg_op <> 'INSERT' then to_jsonb(old) end,
          case when tg_op <> 'DELETE' then to_jsonb(new) end);
  return null;
end
$$;

ALTER FUNCTION app_private.tg_feature_flags__history() OWNER TO switchboard_owner;

--
-- Name: tg_lead_import_batches__emit(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_lead_import_batches__emit() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if new.status in ('merged', 'failed') and old.status is distinct from new.status then
    perform app_private.emit_event(new.org_id, 'import.finished', jsonb_build_object(
      'batch_id', new.id, 'status', new.status, 'rows_total', new.rows_total, 'rows_merged', new.rows_merged,
      'rows_rejected', new.rows_rejected, 'leads_created', new.leads_created, 'leads_updated', new.leads_updated));
  end if;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_lead_import_batches__emit() OWNER TO switchboard_owner;

--
-- Name: tg_leads__campaign_status(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_leads__campaign_status() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if new.campaign_status in ('active', 'replied', 'converted') and new.added_to_campaign_at is null then
    new.added_to_campaign_at := now();
  end if;
  if tg_op = 'UPDATE' then
    new.added_to_campaign_at := coalesce(old.added_to_campaign_at, new.added_to_campaign_at);
    new.updated_at := now();
  end if;
  return new;
end
$$;

ALTER FUNCTION app_private.tg_leads__campaign_status() OWNER TO switchboard_owner;

--
-- Name: tg_leads__emit_fed(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_leads__emit_fed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  perform app_private.emit_event(new.org_id, 'lead.fed', app_private.lead_fed_payload(new));
  return null;
end
$$;

ALTER FUNCTION app_private.tg_leads__emit_fed() OWNER TO switchboard_owner;

--
-- Name: tg_leads__org_exists(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_leads__org_exists() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  missing uuid;
begin
  perform 1 from app_public.organizations o where o.id in (select distinct n.org_id from new_leads n) for key share of o;
  select n.org_id into missing
    from (select distinct x.org_id from new_leads x) n
   where not exists (select 1 from app_public.organizations o where o.id = n.org_id)
   limit 1;
  if found then
    raise exception 'insert on table "leads" violates foreign key "leads_org_id_fkey"'
      using errcode = 'foreign_key_violation', detail = format('Key (org_id)=(%s) is not present in table "organizations".', missing),
            table = 'leads', schema = 'app_public', constraint = 'leads_org_id_fkey';
  end if;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_leads__org_exists() OWNER TO switchboard_owner;

--
-- Name: tg_leads__org_fixed(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_leads__org_fixed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  raise exception 'a lead does not move to another org' using errcode = 'foreign_key_violation';
end
$$;

ALTER FUNCTION app_private.tg_leads__org_fixed() OWNER TO switchboard_owner;

--
-- Name: tg_memberships__keep_an_owner(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_memberships__keep_an_owner() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  if old.role = 'owner'
     and (tg_op = 'DELETE' or new.role <> 'owner')
     and exists (select 1 from app_public.organizations o where o.id = old.org_id)
     and not exists (select 1 from app_public.memberships m
                      where m.org_id = old.org_id and m.role = 'owner' and m.user_id <> old.user_id) then
    raise exception 'an organization must keep at least one owner' using errcode = '23514';
  end if;
  return coalesce(new, old);
end
$$;

ALTER FUNCTION app_private.tg_memberships__keep_an_owner() OWNER TO switchboard_owner;

--
-- Name: tg_organizations__create_settings(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_organizations__create_settings() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  insert into app_public.workspace_settings (org_id) values (new.id) on conflict do nothing;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_organizations__create_settings() OWNER TO switchboard_owner;

--
-- Name: tg_organizations__delete_email_events(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_organizations__delete_email_events() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  delete from app_public.email_events e using gone_orgs g where e.org_id = g.id;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_organizations__delete_email_events() OWNER TO switchboard_owner;

--
-- Name: tg_organizations__delete_leads(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_organizations__delete_leads() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  delete from app_public.leads l using gone_orgs g where l.org_id = g.id;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_organizations__delete_leads() OWNER TO switchboard_owner;

--
-- Name: tg_sending_accounts__credentials(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_sending_accounts__credentials() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if (new.smtp_host, new.smtp_port, new.smtp_user) is distinct from (old.smtp_host, old.smtp_port, old.smtp_user) then
    delete from app_private.sending_account_secrets s where s.account_id = new.id;
    new.enabled := false;
    new.disabled_reason := 'credentials_changed';
  elsif new.enabled and not old.enabled
        and not exists (select 1 from app_private.sending_account_secrets s where s.account_id = new.id) then
    raise exception 'this sending account has no password: enter it again (switchboard account password) to enable it'
      using errcode = '22023';
  end if;
  return new;
end
$$;

ALTER FUNCTION app_private.tg_sending_accounts__credentials() OWNER TO switchboard_owner;

--
-- Name: tg_signature_failures__hourly(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_signature_failures__hourly() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  added int := new.failures - case when tg_op = 'UPDATE' then old.failures else 0 end;
begin
  if added <= 0 or not exists (select 1 from app_public.sources s where s.id = new.source_id) then
    return null;
  end if;
  insert into app_private.source_signature_failures as f (source_id, hour, failures)
  values (new.source_id, date_trunc('hour', new.minute), added)
  on conflict (source_id, hour) do update set failures = f.failures + excluded.failures;
  if tg_op = 'INSERT' and new.minute = date_trunc('hour', new.minute) then
    delete from app_private.source_signature_failures f where f.hour < now() - interval '48 hours';
  end if;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_signature_failures__hourly() OWNER TO switchboard_owner;

--
-- Name: tg_sms_settings__validate(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_sms_settings__validate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if app_private.sms_template_problem(new.reminder_template) is not null then
    raise exception '%', app_private.sms_template_problem(new.reminder_template) using errcode = '22023';
  end if;
  if exists (select 1 from unnest(new.reminder_offsets) o where o <= interval '0' or o > interval '30 days')
     or cardinality(new.reminder_offsets) > 5 then
    raise exception 'reminder offsets are up to five intervals between 1 minute and 30 days' using errcode = '22023';
  end if;
  new.updated_at := now();
  return new;
end
$$;

ALTER FUNCTION app_private.tg_sms_settings__validate() OWNER TO switchboard_owner;

--
-- Name: tg_sources__auth(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_sources__auth() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  new.auth := app_private.source_auth(new.provider, new.auth);
  return new;
end
$$;

ALTER FUNCTION app_private.tg_sources__auth() OWNER TO switchboard_owner;

--
-- Name: tg_transcripts__redact(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_transcripts__redact() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  new.content := app_private.redact_phi(new.content);
  new.updated_at := now();
  return new;
end
$$;

ALTER FUNCTION app_private.tg_transcripts__redact() OWNER TO switchboard_owner;

--
-- Name: tg_transcripts__turns(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_transcripts__turns() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if new.messages is not null and (tg_op = 'INSERT' or new.messages is distinct from old.messages) then
    new.messages := (select jsonb_agg(case when jsonb_typeof(t -> 'text') = 'string'
                                           then jsonb_set(t, '{text}', to_jsonb(app_private.redact_phi(t ->> 'text')))
                                           else t end order by ord)
                       from jsonb_array_elements(case when jsonb_typeof(new.messages) = 'array' then new.messages else '[]' end)
                            with ordinality e (t, ord));
  end if;
  if tg_op = 'INSERT' and new.summary is null then
    select c.summary into new.summary from app_public.calls c where c.org_id = new.org_id and c.id = new.call_id;
  end if;
  new.summary := app_private.redact_phi(new.summary);
  return new;
end
$$;

ALTER FUNCTION app_private.tg_transcripts__turns() OWNER TO switchboard_owner;

--
-- Name: tg_verification_code_map__rederive(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_verification_code_map__rederive() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform app_private.rederive_lead_verification(old.org_id, old.provider, old.code);
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform app_private.rederive_lead_verification(new.org_id, new.provider, new.code);
  end if;
  return null;
end
$$;

ALTER FUNCTION app_private.tg_verification_code_map__rederive() OWNER TO switchboard_owner;

--
-- Name: tg_webhook_events__twilio(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_webhook_events__twilio() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  new.shard := 16 + new.shard % 8;
  return new;
end
$$;

ALTER FUNCTION app_private.tg_webhook_events__twilio() OWNER TO switchboard_owner;

--
-- Name: tg_webhook_events__vapi(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_webhook_events__vapi() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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

ALTER FUNCTION app_private.tg_webhook_events__vapi() OWNER TO switchboard_owner;

--
-- Name: tg_workspace_settings__history(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.tg_workspace_settings__history() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  new.updated_at := now();
  new.updated_by := app_public.current_user_id();
  insert into app_public.workspace_settings_history (org_id, changed_by, old_values, new_values)
  values (new.org_id, new.updated_by, to_jsonb(old), to_jsonb(new));
  return new;
end
$$;

ALTER FUNCTION app_private.tg_workspace_settings__history() OWNER TO switchboard_owner;

--
-- Name: time_ordered_uuid(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.time_ordered_uuid() RETURNS uuid
    LANGUAGE sql PARALLEL RESTRICTED
    AS $$
  select encode(int8send(((date_part('epoch', clock_timestamp()) * 1000)::bigint << 16)
                         | 28672 | (random() * 4095)::int)
                || int8send(((random() * 2147483647)::bigint << 31) | (random() * 2147483647)::bigint
                            | (-9223372036854775807 - 1)), 'hex')::uuid
$$;

ALTER FUNCTION app_private.time_ordered_uuid() OWNER TO switchboard_owner;

--
-- Name: unsubscribe(uuid, public.citext, text); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.unsubscribe(org_id uuid, email public.citext, source text DEFAULT 'unsubscribe_link'::text) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if not exists (select 1 from app_public.organizations g where g.id = unsubscribe.org_id) then
    return false;
  end if;
  insert into app_public.suppressions (org_id, email, reason, source)
  values (unsubscribe.org_id, unsubscribe.email, 'unsubscribed', left(unsubscribe.source, 100))
  on conflict do nothing;
  update app_public.leads l set campaign_status = 'do_not_contact'
   where l.org_id = unsubscribe.org_id and l.email_hash = app_private.hash_email(unsubscribe.email::text)
     and l.email = unsubscribe.email and l.campaign_status <> 'do_not_contact';
  return true;
end
$$;

ALTER FUNCTION app_private.unsubscribe(org_id uuid, email public.citext, source text) OWNER TO switchboard_owner;

--
-- Name: unsubscribe_page(uuid, public.citext); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.unsubscribe_page(org_id uuid, email public.citext) RETURNS TABLE(org_name text, display_name text, already boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select g.name,
         coalesce((select nullif(btrim(concat_ws(' ', c.first_name, c.last_name)), '') from app_public.contacts c
                    where c.org_id = g.id and c.email = unsubscribe_page.email limit 1),
                  (select nullif(btrim(concat_ws(' ', l.first_name, l.last_name)), '') from app_public.leads l
                    where l.org_id = g.id and l.email_hash = app_private.hash_email(unsubscribe_page.email::text)
                      and l.email = unsubscribe_page.email limit 1)),
         exists (select 1 from app_public.suppressions s where s.org_id = g.id and s.email = unsubscribe_page.email)
    from app_public.organizations g
   where g.id = unsubscribe_page.org_id
$$;

ALTER FUNCTION app_private.unsubscribe_page(org_id uuid, email public.citext) OWNER TO switchboard_owner;

--
-- Name: calls; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.calls (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    platform text DEFAULT 'vapi'::text NOT NULL,
    external_id text NOT NULL,
    direction text,
    status text DEFAULT 'queued'::text NOT NULL,
    agent_id uuid,
    contact_id uuid,
    campaign_id uuid,
    customer_number text,
    started_at timestamp with time zone,
    ended_at timestamp with time zone,
    duration_seconds numeric(10,2),
    ended_reason text,
    cost numeric(12,4),
    recording_url text,
    summary text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    structured_data jsonb,
    success_evaluation text,
    CONSTRAINT calls_customer_number_check CHECK ((length(customer_number) <= 40)),
    CONSTRAINT calls_direction_check CHECK ((direction = ANY (ARRAY['inbound'::text, 'outbound'::text, 'web'::text]))),
    CONSTRAINT calls_ended_reason_check CHECK ((length(ended_reason) <= 200)),
    CONSTRAINT calls_external_id_check CHECK (((length(external_id) >= 1) AND (length(external_id) <= 200))),
    CONSTRAINT calls_platform_check CHECK ((platform = 'vapi'::text)),
    CONSTRAINT calls_recording_url_check CHECK ((length(recording_url) <= 2000)),
    CONSTRAINT calls_status_check CHECK ((status = ANY (ARRAY['scheduled'::text, 'queued'::text, 'ringing'::text, 'in-progress'::text, 'forwarding'::text, 'ended'::text, 'not-found'::text, 'deletion-failed'::text]))),
    CONSTRAINT calls_success_evaluation_check CHECK ((length(success_evaluation) <= 2000))
);

ALTER TABLE ONLY app_public.calls FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.calls OWNER TO switchboard_owner;

--
-- Name: upsert_call(uuid, text, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.upsert_call(org_id uuid, platform text, external_id text, attrs jsonb) RETURNS app_public.calls
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_column
declare
  c app_public.calls;
  new_status text := case when app_private.call_status_rank(attrs ->> 'status') >= 0 then attrs ->> 'status' end;
begin
  insert into app_public.calls as k (
    org_id, platform, external_id, direction, status, agent_id, contact_id, campaign_id, customer_number,
    started_at, ended_at, duration_seconds, ended_reason, cost, recording_url, summary, structured_data, success_evaluation)
  values (
    upsert_call.org_id, upsert_call.platform, upsert_call.external_id,
    attrs ->> 'direction', coalesce(new_status, 'queued'),
    (attrs ->> 'agent_id')::uuid, (attrs ->> 'contact_id')::uuid, (attrs ->> 'campaign_id')::uuid,
    attrs ->> 'customer_number', (attrs ->> 'started_at')::timestamptz, (attrs ->> 'ended_at')::timestamptz,
    (attrs ->> 'duration_seconds')::numeric, attrs ->> 'ended_reason', (attrs ->> 'cost')::numeric,
    attrs ->> 'recording_url', attrs ->> 'summary', attrs -> 'structured_data', attrs ->> 'success_evaluation')
  on conflict (org_id, platform, external_id) do update set
    direction = coalesce(excluded.direction, k.direction),
    status = case when new_status is not null
                   and app_private.call_status_rank(new_status) > app_private.call_status_rank(k.status)
                  then new_status else k.status end,
    agent_id = coalesce(excluded.agent_id, k.agent_id),
    contact_id = coalesce(excluded.contact_id, k.contact_id),
    campaign_id = coalesce(excluded.campaign_id, k.campaign_id),
    customer_number = coalesce(excluded.customer_number, k.customer_number),
    started_at = coalesce(excluded.started_at, k.started_at),
    ended_at = coalesce(excluded.ended_at, k.ended_at),
    duration_seconds = coalesce(excluded.duration_seconds, k.duration_seconds),
    ended_reason = coalesce(excluded.ended_reason, k.ended_reason),
    cost = coalesce(excluded.cost, k.cost),
    recording_url = coalesce(excluded.recording_url, k.recording_url),
    summary = coalesce(excluded.summary, k.summary),
    structured_data = coalesce(excluded.structured_data, k.structured_data),
    success_evaluation = coalesce(excluded.success_evaluation, k.success_evaluation),
    updated_at = now()
  returning * into c;
  return c;
end
$$;

ALTER FUNCTION app_private.upsert_call(org_id uuid, platform text, external_id text, attrs jsonb) OWNER TO switchboard_owner;

--
-- Name: upsert_transcript(uuid, uuid, text, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.upsert_transcript(org_id uuid, call_id uuid, content text, messages jsonb DEFAULT NULL::jsonb) RETURNS uuid
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  insert into app_public.transcripts as t (org_id, call_id, content, messages)
  values (org_id, call_id,
          coalesce(nullif(content, ''),
                   (select string_agg(case x ->> 'role' when 'agent' then 'AI: ' else 'User: ' end || (x ->> 'text'), E'\n' order by ord)
                      from jsonb_array_elements(case when jsonb_typeof(messages) = 'array' then messages else '[]' end)
                           with ordinality m (x, ord)
                     where jsonb_typeof(x -> 'text') = 'string'),
                   ''),
          messages)
  on conflict (org_id, call_id) do update
    set content = case when coalesce(upsert_transcript.content, '') = '' and t.content <> '' then t.content else excluded.content end,
        messages = coalesce(excluded.messages, t.messages)
  returning t.id
$$;

ALTER FUNCTION app_private.upsert_transcript(org_id uuid, call_id uuid, content text, messages jsonb) OWNER TO switchboard_owner;

--
-- Name: usps_abbreviations(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.usps_abbreviations() RETURNS jsonb
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select '{
    "ALLEY":"ALY","ALLEE":"ALY","ALLY":"ALY","ANNEX":"ANX","ANNX":"ANX","ARCADE":"ARC",
    "AVENUE":"AVE","AV":"AVE","AVEN":"AVE","AVENU":"AVE","AVN":"AVE","AVNUE":"AVE",
    "BAYOU":"BYU","BEACH":"BCH","BEND":"BND","BLUFF":"BLF","BOTTOM":"BTM","BOULEVARD":"BLVD","BOULV":"BLVD","BOUL":"BLVD",
    "BRANCH":"BR","BRIDGE":"BRG","BROOK":"BRK","BYPASS":"BYP","CAMP":"CP","CANYON":"CYN","CAPE":"CPE",
    "CAUSEWAY":"CSWY","CENTER":"CTR","CENTRE":"CTR","CENTR":"CTR","CIRCLE":"CIR","CIRCL":"CIR","CIRC":"CIR",
    "CLIFF":"CLF","CLUB":"CLB","COMMON":"CMN","CORNER":"COR","COURSE":"CRSE","COURT":"CT","COVE":"CV",
    "CREEK":"CRK","CRESCENT":"CRES","CROSSING":"XING","CRSSNG":"XING","DALE":"DL","DAM":"DM","DIVIDE":"DV",
    "DRIVE":"DR","DRIV":"DR","DRV":"DR","ESTATE":"EST","ESTATES":"ESTS","EXPRESSWAY":"EXPY","EXPRESS":"EXPY",
    "EXTENSION":"EXT","FALLS":"FLS","FERRY":"FRY","FIELD":"FLD","FIELDS":"FLDS","FLAT":"FLT","FORD":"FRD",
    "FOREST":"FRST","FORGE":"FRG","FORK":"FRK","FORT":"FT","FREEWAY":"FWY","GARDEN":"GDN","GARDENS":"GDNS",
    "GATEWAY":"GTWY","GLEN":"GLN","GREEN":"GRN","GROVE":"GRV","HARBOR":"HBR","HAVEN":"HVN","HEIGHTS":"HTS",
    "HIGHWAY":"HWY","HIGHWY":"HWY","HIWAY":"HWY","HILL":"HL","HILLS":"HLS","HOLLOW":"HOLW","ISLAND":"IS",
    "JUNCTION":"JCT","KNOLL":"KNL","LAKE":"LK","LAKES":"LKS","LANDING":"LNDG","LANE":"LN","LIGHT":"LGT",
    "LOOP":"LOOP","MANOR":"MNR","MEADOW":"MDW","MEADOWS":"MDWS","MILL":"ML","MISSION":"MSN","MOUNT":"MT",
    "MOUNTAIN":"MTN","ORCHARD":"ORCH","OVERPASS":"OPAS","PARKWAY":"PKWY","PARKWY":"PKWY","PKY":"PKWY",
    "PASSAGE":"PSGE","PINE":"PNE","PINES":"PNES","PLACE":"PL","PLAIN":"PLN","PLAINS":"PLNS","PLAZA":"PLZ",
    "POINT":"PT","POINTS":"PTS","PORT":"PRT","PRAIRIE":"PR","RANCH":"RNCH","RAPIDS":"RPDS","REST":"RST",
    "RIDGE":"RDG","RIVER":"RIV","ROAD":"RD","ROADS":"RDS","ROUTE":"RTE","SHORE":"SHR","SHORES":"SHRS",
    "SKYWAY":"SKWY","SPRING":"SPG","SPRINGS":"SPGS","SQUARE":"SQ","SQR":"SQ","STATION":"STA","STREAM":"STRM",
    "STREET":"ST","STR":"ST","STRT":"ST","SUMMIT":"SMT","TERRACE":"TER","TERR":"TER","THROUGHWAY":"TRWY",
    "TRACE":"TRCE","TRACK":"TRAK","TRAIL":"TRL","TRAILS":"TRL","TUNNEL":"TUNL","TURNPIKE":"TPKE",
    "UNION":"UN","VALLEY":"VLY","VIADUCT":"VIA","VIEW":"VW","VILLAGE":"VLG","VILLE":"VL","VISTA":"VIS",
    "WALK":"WALK","WELL":"WL","WELLS":"WLS",
    "NORTH":"N","SOUTH":"S","EAST":"E","WEST":"W","NORTHEAST":"NE","NORTHWEST":"NW","SOUTHEAST":"SE","SOUTHWEST":"SW",
    "APARTMENT":"APT","BUILDING":"BLDG","BASEMENT":"BSMT","DEPARTMENT":"DEPT","FLOOR":"FL","FRONT":"FRNT",
    "HANGAR":"HNGR","LOBBY":"LBBY","LOWER":"LOWR","OFFICE":"OFC","PENTHOUSE":"PH","ROOM":"RM","SPACE":"SPC",
    "SUITE":"STE","TRAILER":"TRLR","UPPER":"UPPR","NUMBER":"#","NO":"#"
  }'::jsonb
$$;

ALTER FUNCTION app_private.usps_abbreviations() OWNER TO switchboard_owner;

--
-- Name: valid_source_auth(text, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.valid_source_auth(provider text, auth jsonb) RETURNS boolean
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $_$
  select case
    when provider <> 'vapi' then auth = '{}'::jsonb
    when auth ->> 'mode' in ('secret', 'bearer') then auth = jsonb_build_object('mode', auth ->> 'mode')
    when auth ->> 'mode' = 'hmac' then
      auth ->> 'algorithm' in ('sha256', 'sha512', 'sha1')
      and auth ->> 'encoding' in ('hex', 'base64')
      and auth ->> 'signature_header' ~ '^[a-z0-9-]{1,100}$'
      and (auth -> 'timestamp_header' = 'null'::jsonb or auth ->> 'timestamp_header' ~ '^[a-z0-9-]{1,100}$')
      -- The signature must cover the body; a timestamp placeholder needs a timestamp header.
      and length(auth ->> 'payload_format') <= 200 and position('{body}' in auth ->> 'payload_format') > 0
      and (auth -> 'timestamp_header' <> 'null'::jsonb or position('{timestamp}' in auth ->> 'payload_format') = 0)
      and length(auth ->> 'prefix') <= 50
      and jsonb_typeof(auth -> 'secret_base64') = 'boolean'
      and (select count(*) from jsonb_object_keys(auth)) = 8
    else false
  end
$_$;

ALTER FUNCTION app_private.valid_source_auth(provider text, auth jsonb) OWNER TO switchboard_owner;

--
-- Name: validate_slot(uuid, uuid, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.validate_slot(org_id uuid, resource_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) RETURNS void
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if starts_at is null or ends_at is null or ends_at <= starts_at
     or ends_at - starts_at > interval '24 hours' then
    raise exception 'ends_at must be after starts_at (at most 24 hours)'
      using errcode = '22023', hint = 'invalid_time_range';
  end if;
  if starts_at < now() then
    raise exception 'the slot is in the past' using errcode = '22023', hint = 'in_the_past';
  end if;
  if not app_private.within_business_hours(org_id, resource_id, starts_at, ends_at) then
    raise exception 'the slot is outside the resource''s business hours'
      using errcode = '22023', hint = 'outside_business_hours';
  end if;
end
$$;

ALTER FUNCTION app_private.validate_slot(org_id uuid, resource_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: vapi_assistant_request(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.vapi_assistant_request(org_id uuid, msg jsonb) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select coalesce(
    (select jsonb_build_object('assistantId', a.assistant_id) from app_public.agents a
      where a.org_id = vapi_assistant_request.org_id and a.active and a.direction = 'inbound'
        and coalesce(a.assistant_id, '') <> ''
      order by a.phone_number_id is not distinct from coalesce(msg -> 'phoneNumber' ->> 'id', msg -> 'call' ->> 'phoneNumberId') desc,
               a.created_at
      limit 1),
    jsonb_build_object('error', 'No inbound agent is configured for this number.'))
$$;

ALTER FUNCTION app_private.vapi_assistant_request(org_id uuid, msg jsonb) OWNER TO switchboard_owner;

--
-- Name: vapi_call_contact(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.vapi_call_contact(org_id uuid, msg jsonb) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.vapi_call_contact(org_id uuid, msg jsonb) OWNER TO switchboard_owner;

--
-- Name: vapi_customer_number(jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.vapi_customer_number(msg jsonb) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select coalesce(msg -> 'call' -> 'customer' ->> 'number', msg -> 'customer' ->> 'number')
$$;

ALTER FUNCTION app_private.vapi_customer_number(msg jsonb) OWNER TO switchboard_owner;

--
-- Name: agents; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.agents (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    platform text DEFAULT 'vapi'::text NOT NULL,
    direction text NOT NULL,
    assistant_id text,
    phone_number_id text,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    escalation_number text,
    resource_id uuid,
    CONSTRAINT agents_assistant_id_check CHECK ((length(assistant_id) <= 200)),
    CONSTRAINT agents_direction_check CHECK ((direction = ANY (ARRAY['inbound'::text, 'outbound'::text]))),
    CONSTRAINT agents_escalation_number_check CHECK (((escalation_number IS NULL) OR (escalation_number ~ '^\+[1-9]\d{7,14}$'::text))),
    CONSTRAINT agents_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT agents_phone_number_id_check CHECK ((length(phone_number_id) <= 200)),
    CONSTRAINT agents_platform_check CHECK ((platform = 'vapi'::text))
);

ALTER TABLE ONLY app_public.agents FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.agents OWNER TO switchboard_owner;

--
-- Name: vapi_message_agent(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.vapi_message_agent(org_id uuid, msg jsonb) RETURNS app_public.agents
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select a.* from app_public.agents a
   where a.org_id = vapi_message_agent.org_id and a.active
   order by a.assistant_id is not distinct from coalesce(msg -> 'call' ->> 'assistantId', msg -> 'assistant' ->> 'id') desc,
            a.phone_number_id is not distinct from coalesce(msg -> 'phoneNumber' ->> 'id', msg -> 'call' ->> 'phoneNumberId') desc,
            a.direction = 'inbound' desc, a.created_at
   limit 1
$$;

ALTER FUNCTION app_private.vapi_message_agent(org_id uuid, msg jsonb) OWNER TO switchboard_owner;

--
-- Name: vapi_respond(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.vapi_respond(org_id uuid, msg jsonb) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select case msg ->> 'type'
    when 'tool-calls' then app_private.vapi_tool_calls(org_id, msg)
    when 'assistant-request' then app_private.vapi_assistant_request(org_id, msg)
    when 'transfer-destination-request' then app_private.vapi_transfer_destination(org_id, msg)
  end
$$;

ALTER FUNCTION app_private.vapi_respond(org_id uuid, msg jsonb) OWNER TO switchboard_owner;

--
-- Name: vapi_tool_args(jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.vapi_tool_args(tool_call jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
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

ALTER FUNCTION app_private.vapi_tool_args(tool_call jsonb) OWNER TO switchboard_owner;

--
-- Name: vapi_tool_call(uuid, jsonb, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.vapi_tool_call(org_id uuid, msg jsonb, tool_call jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.vapi_tool_call(org_id uuid, msg jsonb, tool_call jsonb) OWNER TO switchboard_owner;

--
-- Name: vapi_tool_calls(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.vapi_tool_calls(org_id uuid, msg jsonb) RETURNS jsonb
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.vapi_tool_calls(org_id uuid, msg jsonb) OWNER TO switchboard_owner;

--
-- Name: vapi_transfer_destination(uuid, jsonb); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.vapi_transfer_destination(org uuid, msg jsonb) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_private.vapi_transfer_destination(org uuid, msg jsonb) OWNER TO switchboard_owner;

--
-- Name: visible_sessions(); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.visible_sessions() RETURNS TABLE(id uuid, user_id uuid, org_id uuid, device text, ip inet, user_agent text, created_at timestamp with time zone, last_refreshed_at timestamp with time zone, expires_at timestamp with time zone, revoked_at timestamp with time zone, revoked_reason text, active boolean, current boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select s.id, s.user_id, s.org_id, s.device, s.ip, s.user_agent, s.created_at, s.last_refreshed_at,
         s.expires_at, s.revoked_at, s.revoked_reason,
         s.revoked_at is null and s.expires_at > now(),
         s.id = app_public.current_session_id()
    from app_private.sessions s
   where app_public.current_user_id() is not null
     and (s.user_id = app_public.current_user_id()
          or (s.org_id = app_public.current_org_id() and app_public.current_user_is_admin()))
$$;

ALTER FUNCTION app_private.visible_sessions() OWNER TO switchboard_owner;

--
-- Name: wake_next_lead_push(uuid, uuid); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.wake_next_lead_push(connection_id uuid, after_chunk uuid) RETURNS void
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select app_private.schedule_lead_push(c.org_id, c.id, greatest(now(), c.next_attempt_at))
    from app_public.lead_push_chunks c
   where c.connection_id = wake_next_lead_push.connection_id and c.status = 'pending' and c.in_flight_since is null
     and c.id <> after_chunk
   order by c.next_attempt_at, c.local_date, c.position
   limit 1
$$;

ALTER FUNCTION app_private.wake_next_lead_push(connection_id uuid, after_chunk uuid) OWNER TO switchboard_owner;

--
-- Name: within_business_hours(uuid, uuid, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: app_private; Owner: switchboard_owner
--

CREATE FUNCTION app_private.within_business_hours(org_id uuid, resource_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  with tz as (
    select o.timezone from app_public.organizations o where o.id = within_business_hours.org_id
  ), local as (
    select (starts_at at time zone tz.timezone) as s, (ends_at at time zone tz.timezone) as e from tz
  )
  select not exists (select 1 from app_public.resource_hours h
                      where h.org_id = within_business_hours.org_id
                        and h.resource_id = within_business_hours.resource_id)
      or exists (
        select 1 from local, app_public.resource_hours h
         where h.org_id = within_business_hours.org_id
           and h.resource_id = within_business_hours.resource_id
           and h.weekday = extract(isodow from local.s)
           and local.s - date_trunc('day', local.s) >= h.opens_at - time '00:00'
           and local.e - date_trunc('day', local.s) <= h.closes_at - time '00:00')
$$;

ALTER FUNCTION app_private.within_business_hours(org_id uuid, resource_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: assign_leads(uuid[], uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.assign_leads(lead_ids uuid[], user_id uuid) RETURNS integer
    LANGUAGE plpgsql
    AS $$
declare
  n int;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only owners and admins assign leads' using errcode = '42501';
  end if;
  update app_public.leads l set assigned_to = assign_leads.user_id
   where l.id = any(assign_leads.lead_ids) and l.org_id = app_public.current_org_id();
  get diagnostics n = row_count;
  return n;
end
$$;

ALTER FUNCTION app_public.assign_leads(lead_ids uuid[], user_id uuid) OWNER TO switchboard_owner;

--
-- Name: batch_update_email_status(uuid[], text); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.batch_update_email_status(ids uuid[], status text) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
#variable_conflict use_variable
declare
  the_org uuid;
  n int;
begin
  if ids is null or cardinality(ids) > 1000 then
    raise exception 'ids must hold at most 1000 ids' using errcode = '22023', detail = 'too_many_ids';
  end if;
  if status is null or status not in ('queued', 'skipped') then
    raise exception 'status must be queued or skipped' using errcode = '22023', detail = 'invalid_status';
  end if;
  the_org := app_private.require_admin();
  if status = 'skipped' then
    update app_public.emails m set status = 'skipped', last_error = 'skipped by an admin', updated_at = now()
     where m.org_id = the_org and m.id = any(ids) and m.status = 'queued';
  else
    -- Requeued emails resume their sequence (suppression is checked again at the claim).
    with requeued as (
      update app_public.emails m set status = 'queued', scheduled_at = now(), attempts = 0, last_error = null, updated_at = now()
       where m.org_id = the_org and m.id = any(ids) and m.status in ('failed', 'skipped')
      returning m.enrollment_id),
    resumed as (
      update app_public.sequence_enrollments e set status = 'active', stop_reason = null, updated_at = now()
       where e.org_id = the_org and e.id in (select r.enrollment_id from requeued r) and e.status = 'stopped')
    select count(*) into n from requeued;
    return n;
  end if;
  get diagnostics n = row_count;
  return n;
end
$$;

ALTER FUNCTION app_public.batch_update_email_status(ids uuid[], status text) OWNER TO switchboard_owner;

--
-- Name: book_appointment(timestamp with time zone, timestamp with time zone, uuid, uuid, text); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.book_appointment(starts_at timestamp with time zone, ends_at timestamp with time zone, contact_id uuid, resource_id uuid DEFAULT NULL::uuid, idempotency_key text DEFAULT NULL::text) RETURNS app_public.appointments
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  -- The claims parsed once (app_private.require_member and current_user_id would parse
  -- them four times); the same check and error as require_member.
  claims jsonb := coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb;
  org uuid := nullif(claims ->> 'org_id', '')::uuid;
  actor uuid := nullif(claims ->> 'sub', '')::uuid;
begin
  if org is null or actor is null or claims ->> 'org_role' is null then
    raise exception 'sign in to an organization first' using errcode = '42501', hint = 'not_authenticated';
  end if;
  -- PL/pgSQL, not SQL: a SQL function that cannot be inlined is parsed and planned again
  -- on every call; this plan is cached for the session.
  return app_private.book_appointment(org, starts_at, ends_at, contact_id,
                                      resource_id, idempotency_key, 'api', actor);
end
$$;

ALTER FUNCTION app_public.book_appointment(starts_at timestamp with time zone, ends_at timestamp with time zone, contact_id uuid, resource_id uuid, idempotency_key text) OWNER TO switchboard_owner;

--
-- Name: cancel_appointment(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.cancel_appointment(appointment_id uuid) RETURNS app_public.appointments
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org uuid := app_private.require_member();
  appt app_public.appointments;
begin
  update app_public.appointments a set status = 'cancelled', cancelled_at = coalesce(a.cancelled_at, now())
   where a.org_id = org and a.id = appointment_id
  returning * into appt;
  if appt.id is null then
    raise exception 'appointment not found' using errcode = 'PT404', hint = 'appointment_not_found';
  end if;
  insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
  values (org, 'appointment_cancelled', appt.contact_id, appt.id, app_public.current_user_id(),
          jsonb_build_object('resource_id', appt.resource_id, 'starts_at', appt.starts_at, 'ends_at', appt.ends_at));
  return appt;
end
$$;

ALTER FUNCTION app_public.cancel_appointment(appointment_id uuid) OWNER TO switchboard_owner;

--
-- Name: check_availability(uuid, date); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.check_availability(resource_id uuid DEFAULT NULL::uuid, day date DEFAULT NULL::date) RETURNS TABLE(starts_at timestamp with time zone, ends_at timestamp with time zone)
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org uuid := app_private.require_member();
  rid uuid := app_private.resolve_resource(org, resource_id);
  local_day date := coalesce(day, (now() at time zone (select o.timezone from app_public.organizations o where o.id = org))::date);
begin
  return query select * from app_private.available_slots(org, rid, local_day);
end
$$;

ALTER FUNCTION app_public.check_availability(resource_id uuid, day date) OWNER TO switchboard_owner;

--
-- Name: create_calendar_feed(uuid, boolean, text); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.create_calendar_feed(resource_id uuid DEFAULT NULL::uuid, with_names boolean DEFAULT false, name text DEFAULT NULL::text) RETURNS TABLE(feed_id uuid, token text, path text)
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select * from app_private.create_calendar_feed(app_private.require_admin(), resource_id, with_names, name,
                                                 app_public.current_user_id())
$$;

ALTER FUNCTION app_public.create_calendar_feed(resource_id uuid, with_names boolean, name text) OWNER TO switchboard_owner;

--
-- Name: current_claims(); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.current_claims() RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;

ALTER FUNCTION app_public.current_claims() OWNER TO switchboard_owner;

--
-- Name: current_org_role(); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.current_org_role() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select app_public.current_claims() ->> 'org_role'
$$;

ALTER FUNCTION app_public.current_org_role() OWNER TO switchboard_owner;

--
-- Name: current_session_id(); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.current_session_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select nullif(app_public.current_claims() ->> 'sid', '')::uuid
$$;

ALTER FUNCTION app_public.current_session_id() OWNER TO switchboard_owner;

--
-- Name: current_user_id(); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select nullif(app_public.current_claims() ->> 'sub', '')::uuid
$$;

ALTER FUNCTION app_public.current_user_id() OWNER TO switchboard_owner;

--
-- Name: current_user_is_admin(); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.current_user_is_admin() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select coalesce(app_public.current_org_role() in ('owner', 'admin'), false)
$$;

ALTER FUNCTION app_public.current_user_is_admin() OWNER TO switchboard_owner;

--
-- Name: delete_calendar_source(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.delete_calendar_source(source_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org uuid := app_private.require_admin();
begin
  delete from app_public.calendar_sources s where s.org_id = org and s.id = source_id;
  if not found then
    raise exception 'calendar source not found' using errcode = 'PT404', hint = 'calendar_source_not_found';
  end if;
  return true;
end
$$;

ALTER FUNCTION app_public.delete_calendar_source(source_id uuid) OWNER TO switchboard_owner;

--
-- Name: email_preview_variables(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.email_preview_variables(contact_id uuid) RETURNS jsonb
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select k.attributes
         || jsonb_strip_nulls(jsonb_build_object('email', k.email, 'first_name', k.first_name, 'last_name', k.last_name,
                                                 'company', k.company, 'phone', k.phone))
    from app_public.contacts k
   where app_public.require_org_admin() and k.org_id = app_public.current_org_id() and k.id = email_preview_variables.contact_id
$$;

ALTER FUNCTION app_public.email_preview_variables(contact_id uuid) OWNER TO switchboard_owner;

--
-- Name: enroll_contacts(uuid, uuid[]); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.enroll_contacts(campaign_id uuid, contact_ids uuid[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if cardinality(contact_ids) > 1000 then
    raise exception 'at most 1000 ids per call' using errcode = '22023', detail = 'too_many_ids';
  end if;
  return app_private.enroll(app_private.require_admin(), campaign_id, contact_ids, null);
end
$$;

ALTER FUNCTION app_public.enroll_contacts(campaign_id uuid, contact_ids uuid[]) OWNER TO switchboard_owner;

--
-- Name: enroll_leads(uuid, uuid[]); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.enroll_leads(campaign_id uuid, lead_ids uuid[]) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  the_org uuid := app_private.require_admin();
  n int;
begin
  if cardinality(lead_ids) > 1000 then
    raise exception 'at most 1000 ids per call' using errcode = '22023', detail = 'too_many_ids';
  end if;
  insert into app_public.contacts (org_id, email, first_name, last_name, phone)
  select distinct on (l.email) the_org, l.email, l.first_name, l.last_name, l.phone
    from app_public.leads l
   where l.org_id = the_org and l.id = any(lead_ids) and l.email is not null
   order by l.email
  on conflict (org_id, email) do nothing;
  n := app_private.enroll(the_org, campaign_id, null, lead_ids);
  update app_public.leads l set campaign_status = 'active'
   where l.org_id = the_org and l.id = any(lead_ids) and l.campaign_status in ('new', 'queued');
  return n;
end
$$;

ALTER FUNCTION app_public.enroll_leads(campaign_id uuid, lead_ids uuid[]) OWNER TO switchboard_owner;

--
-- Name: erase_contact(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.erase_contact(contact_id uuid) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  org uuid := app_public.current_org_id();
  ident record;
  person app_public.contacts;
  s record;
  col text;
  typ text;
  mention text;
  n bigint;
  changed jsonb := '{}';
  ref text;
  scope_sql text;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins erase contacts' using errcode = '42501';
  end if;
  select * into ident from app_private.contact_identity(org, contact_id);
  person := ident.contact;
  ref := encode(digest(org::text || ':' || person.id::text || ':' || coalesce(lower(person.email::text), ''), 'sha256'), 'hex');
  -- The exact address, not inside a longer one.
  mention := case when ident.norm_email is not null
                  then '(?<![A-Za-z0-9._%+-])' || app_private.regex_escape(ident.norm_email::text) || '(?![A-Za-z0-9-]|\.[A-Za-z0-9])' end;

  -- Scrub and unlink first (their conditions may name rows that are deleted below), then delete.
  for s in select * from app_private.erasure_scope() e
            where e.action in ('scrub', 'mention', 'unlink') order by e.table_name loop
    scope_sql := format('t.org_id = $1 and (%s)', s.match);
    if s.action = 'unlink' then
      execute format('update %s t set lead_ids = array(select x from unnest(t.lead_ids) x where not (x = any ($5))) where %s', s.table_name, scope_sql)
        using org, person.id, ident.norm_email, ident.norm_phone, ident.lead_ids, ident.call_ids, ident.inbox_ids;
      get diagnostics n = row_count;
      if n > 0 then changed := changed || jsonb_build_object(s.table_name || '.lead_ids', n); end if;
      continue;
    end if;
    if s.action = 'mention' and mention is null then continue; end if;
    if s.action = 'scrub' and ident.pattern is null then continue; end if;
    foreach col in array s.columns loop
      select format_type(a.atttypid, a.atttypmod) into typ
        from pg_attribute a where a.attrelid = s.table_name::regclass and a.attname = col and not a.attisdropped;
      -- Replace; where a constraint refuses that, null; where that is refused too, delete.
      begin
        if typ = 'jsonb' then
          execute format('update %s t set %I = app_private.scrub_jsonb(t.%I, $8) where %s and t.%I::text ~* $8',
                         s.table_name, col, col, scope_sql, col)
            using org, person.id, ident.norm_email, ident.norm_phone, ident.lead_ids, ident.call_ids, ident.inbox_ids,
                  case s.action when 'mention' then mention else ident.pattern end;
        else
          execute format('update %s t set %I = regexp_replace(t.%I::text, $8, ''[erased]'', ''gi'')::%s where %s and t.%I::text ~* $8',
                         s.table_name, col, col, typ, scope_sql, col)
            using org, person.id, ident.norm_email, ident.norm_phone, ident.lead_ids, ident.call_ids, ident.inbox_ids,
                  case s.action when 'mention' then mention else ident.pattern end;
        end if;
        get diagnostics n = row_count;
      exception when others then
        begin
          execute format('update %s t set %I = null where %s and t.%I::text ~* $8', s.table_name, col, scope_sql, col)
            using org, person.id, ident.norm_email, ident.norm_phone, ident.lead_ids, ident.call_ids, ident.inbox_ids,
                  case s.action when 'mention' then mention else ident.pattern end;
          get diagnostics n = row_count;
        exception when others then
          execute format('delete from %s t where %s and t.%I::text ~* $8', s.table_name, scope_sql, col)
            using org, person.id, ident.norm_email, ident.norm_phone, ident.lead_ids, ident.call_ids, ident.inbox_ids,
                  case s.action when 'mention' then mention else ident.pattern end;
          get diagnostics n = row_count;
        end;
      end;
      if n > 0 then changed := changed || jsonb_build_object(s.table_name || '.' || col, n); end if;
    end loop;
  end loop;

  perform set_config('switchboard.audit_retention', 'on', true);
  for s in select * from app_private.erasure_scope() e where e.action = 'delete'
            order by e.table_name = 'app_public.contacts', e.table_name loop
    execute format('delete from %s t where t.org_id = $1 and (%s)', s.table_name, s.match)
      using org, person.id, ident.norm_email, ident.norm_phone, ident.lead_ids, ident.call_ids, ident.inbox_ids;
    get diagnostics n = row_count;
    if n > 0 and s.table_name <> 'app_public.audit_log' then changed := changed || jsonb_build_object(s.table_name, n); end if;
  end loop;
  perform set_config('switchboard.audit_retention', 'off', true);

  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (org, app_public.current_user_id(), 'app_public.contacts', 'erased:' || ref, 'delete', null,
          jsonb_build_object('erasure', ref, 'changed', changed));
  return jsonb_build_object('erased', true, 'reference', ref, 'changed', changed);
end
$_$;

ALTER FUNCTION app_public.erase_contact(contact_id uuid) OWNER TO switchboard_owner;

--
-- Name: export_contact(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.export_contact(contact_id uuid) RETURNS jsonb
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $_$
declare
  org uuid := app_public.current_org_id();
  ident record;
  person app_public.contacts;
  s record;
  rows jsonb;
  result jsonb := '{}';
  lead_ids uuid[];
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins export contacts' using errcode = '42501';
  end if;
  select * into ident from app_private.contact_identity(org, contact_id);
  person := ident.contact;
  -- Leads of a batch still being merged in parallel are not there yet for users
  -- (leads/merge_parallel.sql); erasure, though, removes them too.
  lead_ids := array(select l.id from app_public.leads l
                     where l.org_id = org and l.id = any (ident.lead_ids)
                       and (l.first_batch_id is null
                            or not l.first_batch_id = any (array(select p.batch_id from app_private.lead_import_pending p
                                                                  where p.org_id = org))));
  for s in select * from app_private.erasure_scope() e
            where e.action in ('delete', 'scrub', 'keep') and e.table_name not in ('app_public.contacts', 'app_public.audit_log')
            order by e.table_name loop
    execute format('select jsonb_agg(to_jsonb(t)) from %s t where t.org_id = $1 and (%s)', s.table_name, s.match)
      into rows using org, person.id, ident.norm_email, ident.norm_phone, lead_ids, ident.call_ids, ident.inbox_ids;
    if rows is not null then
      result := result || jsonb_build_object(s.table_name, coalesce(result -> s.table_name, '[]'::jsonb) || rows);
    end if;
  end loop;
  return jsonb_build_object('contact', to_jsonb(person), 'exported_at', now(), 'tables', result);
end
$_$;

ALTER FUNCTION app_public.export_contact(contact_id uuid) OWNER TO switchboard_owner;

--
-- Name: invite_member(text, text); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.invite_member(email text, role text DEFAULT 'member'::text) RETURNS jsonb
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org uuid := app_public.current_org_id();
  address public.citext := app_private.normalize_email(invite_member.email);
  token text := encode(public.gen_random_bytes(32), 'hex');
  inv app_public.invitations;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins invite members' using errcode = '42501';
  end if;
  if address is null then
    raise exception 'invalid email address' using errcode = '22023';
  end if;
  if invite_member.role is null or invite_member.role not in ('owner', 'admin', 'member') then
    raise exception 'role must be owner, admin or member' using errcode = '22023';
  end if;
  if invite_member.role = 'owner' and app_public.current_org_role() <> 'owner' then
    raise exception 'only owners invite owners' using errcode = '42501';
  end if;
  -- At most 50 invitations per org per hour: an invitation sends mail.
  if (select count(*) from app_public.invitations i where i.org_id = org and i.created_at > now() - interval '1 hour') >= 50 then
    raise exception 'too many invitations; try again later' using errcode = '54000';
  end if;
  update app_public.invitations i set revoked_at = now()
   where i.org_id = org and i.email = address and i.accepted_at is null and i.revoked_at is null;
  insert into app_public.invitations (org_id, email, role, token_hash, invited_by, expires_at)
  values (org, address, invite_member.role, public.digest(token, 'sha256'), app_public.current_user_id(),
          now() + coalesce(nullif(current_setting('switchboard.invitation_ttl', true), '')::interval, interval '7 days'))
  returning * into inv;
  perform graphile_worker.add_job('send_invitation_email',
    json_build_object('invitation_id', inv.id, 'org_id', org, 'email', address, 'role', inv.role, 'token', token),
    max_attempts := 5);
  return jsonb_build_object('invitation_id', inv.id, 'email', inv.email, 'role', inv.role, 'expires_at', inv.expires_at);
end
$$;

ALTER FUNCTION app_public.invite_member(email text, role text) OWNER TO switchboard_owner;

--
-- Name: is_feature_enabled(text); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.is_feature_enabled(flag text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select app_public.current_org_id() is not null
     and app_private.feature_enabled_for(app_public.current_org_id(), flag)
$$;

ALTER FUNCTION app_public.is_feature_enabled(flag text) OWNER TO switchboard_owner;

--
-- Name: move_sequence_step(uuid, integer); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.move_sequence_step(step_id uuid, direction integer) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  s app_public.sequence_steps;
  other app_public.sequence_steps;
  spare int;
begin
  perform app_public.require_org_admin();
  select * into s from app_public.sequence_steps x where x.org_id = app_public.current_org_id() and x.id = step_id for update;
  if not found then
    raise exception 'step not found' using errcode = 'PT404', hint = 'step_not_found';
  end if;
  perform pg_advisory_xact_lock(hashtext('sequence_steps'), hashtext(s.campaign_id::text));
  select * into other from app_public.sequence_steps x
   where x.campaign_id = s.campaign_id
     and case when direction < 0 then x.position < s.position else x.position > s.position end
   order by case when direction < 0 then -x.position else x.position end
   limit 1 for update;
  if not found then
    return;
  end if;
  -- (campaign_id, position) is unique: park one step on a free position first.
  select p into spare from generate_series(100, 1, -1) p
   where not exists (select 1 from app_public.sequence_steps x where x.campaign_id = s.campaign_id and x.position = p)
   limit 1;
  if spare is null then
    raise exception 'a sequence holds at most 99 steps to reorder' using errcode = '22023';
  end if;
  update app_public.sequence_steps x set position = spare where x.id = s.id;
  update app_public.sequence_steps x set position = s.position where x.id = other.id;
  update app_public.sequence_steps x set position = other.position where x.id = s.id;
end
$$;

ALTER FUNCTION app_public.move_sequence_step(step_id uuid, direction integer) OWNER TO switchboard_owner;

--
-- Name: deliveries; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.deliveries (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    message_id uuid NOT NULL,
    endpoint_id uuid NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    last_status_code integer,
    last_error text,
    delivered_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT deliveries_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'delivered'::text, 'dead'::text])))
);

ALTER TABLE ONLY app_public.deliveries FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.deliveries OWNER TO switchboard_owner;

--
-- Name: replay_delivery(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.replay_delivery(delivery_id uuid) RETURNS app_public.deliveries
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  dl app_public.deliveries;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins replay deliveries' using errcode = '42501';
  end if;
  if not app_private.requeue_delivery(app_public.current_org_id(), delivery_id, app_public.current_user_id()) then
    raise exception 'delivery not found' using errcode = 'PT404';
  end if;
  select * into dl from app_public.deliveries d where d.org_id = app_public.current_org_id() and d.id = delivery_id;
  return dl;
end
$$;

ALTER FUNCTION app_public.replay_delivery(delivery_id uuid) OWNER TO switchboard_owner;

--
-- Name: replay_failed_deliveries(uuid, timestamp with time zone); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.replay_failed_deliveries(endpoint_id uuid, since timestamp with time zone) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  n int := 0;
  d record;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins replay deliveries' using errcode = '42501';
  end if;
  for d in
    select x.org_id, x.id from app_public.deliveries x
     where x.org_id = app_public.current_org_id() and x.endpoint_id = replay_failed_deliveries.endpoint_id
       and x.status = 'dead' and x.created_at >= since
     order by x.created_at
  loop
    perform app_private.requeue_delivery(d.org_id, d.id, app_public.current_user_id());
    n := n + 1;
  end loop;
  return n;
end
$$;

ALTER FUNCTION app_public.replay_failed_deliveries(endpoint_id uuid, since timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: lead_push_chunks; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.lead_push_chunks (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    connection_id uuid NOT NULL,
    local_date date NOT NULL,
    "position" integer NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    in_flight_since timestamp with time zone,
    resent_in_doubt boolean DEFAULT false NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    last_status_code integer,
    last_error text,
    answer jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    CONSTRAINT lead_push_chunks_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'done'::text, 'dead'::text])))
);

ALTER TABLE ONLY app_public.lead_push_chunks FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.lead_push_chunks OWNER TO switchboard_owner;

--
-- Name: replay_lead_push(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.replay_lead_push(chunk_id uuid) RETURNS app_public.lead_push_chunks
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  ch app_public.lead_push_chunks;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins replay pushes' using errcode = '42501';
  end if;
  if not app_private.requeue_lead_push(app_public.current_org_id(), chunk_id, app_public.current_user_id()) then
    raise exception 'no dead push chunk with that id' using errcode = 'PT404';
  end if;
  select * into ch from app_public.lead_push_chunks c where c.org_id = app_public.current_org_id() and c.id = chunk_id;
  return ch;
end
$$;

ALTER FUNCTION app_public.replay_lead_push(chunk_id uuid) OWNER TO switchboard_owner;

--
-- Name: callback_requests; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.callback_requests (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    contact_id uuid,
    agent_id uuid NOT NULL,
    customer_number text NOT NULL,
    status text DEFAULT 'queued'::text NOT NULL,
    call_id uuid,
    external_call_id text,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    requested_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    origin_call_external_id text,
    CONSTRAINT callback_requests_origin_call_external_id_check CHECK ((length(origin_call_external_id) <= 200)),
    CONSTRAINT callback_requests_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'sent'::text, 'failed'::text])))
);

ALTER TABLE ONLY app_public.callback_requests FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.callback_requests OWNER TO switchboard_owner;

--
-- Name: request_callback(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.request_callback(contact_id uuid) RETURNS app_public.callback_requests
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
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

ALTER FUNCTION app_public.request_callback(contact_id uuid) OWNER TO switchboard_owner;

--
-- Name: require_org_admin(); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.require_org_admin() RETURNS boolean
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if not coalesce(app_public.current_user_is_admin(), false) then
    raise exception 'owners and admins only' using errcode = '42501', hint = 'admin_required';
  end if;
  return true;
end;
$$;

ALTER FUNCTION app_public.require_org_admin() OWNER TO switchboard_owner;

--
-- Name: reschedule_appointment(uuid, timestamp with time zone, timestamp with time zone); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.reschedule_appointment(appointment_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) RETURNS app_public.appointments
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org uuid := app_private.require_member();
  appt app_public.appointments;
  prev app_public.appointments;
  want tstzrange;
begin
  select * into prev from app_public.appointments a
   where a.org_id = org and a.id = appointment_id for update;
  if not found then
    raise exception 'appointment not found' using errcode = 'PT404', hint = 'appointment_not_found';
  end if;
  if prev.status = 'cancelled' then
    raise exception 'a cancelled appointment cannot be rescheduled; book a new one'
      using errcode = '22023', hint = 'appointment_cancelled';
  end if;
  perform app_private.validate_slot(org, prev.resource_id, starts_at, ends_at);
  select tstzrange(reschedule_appointment.starts_at - r.buffer_before, reschedule_appointment.ends_at + r.buffer_after, '[)')
    into want from app_public.resources r where r.org_id = org and r.id = prev.resource_id for key share of r;
  perform app_private.lock_booking_range(prev.resource_id, want);
  perform app_private.assert_slot_free(org, prev.resource_id, want, prev.id);
  perform app_private.assert_not_busy(org, prev.resource_id, want);
  begin
    update app_public.appointments a
       set starts_at = reschedule_appointment.starts_at, ends_at = reschedule_appointment.ends_at
     where a.org_id = org and a.id = appointment_id
    returning * into appt;
  exception when exclusion_violation then
    perform app_private.raise_slot_taken(org, prev.resource_id, want, prev.id);
  end;
  insert into app_public.pipeline_events (org_id, kind, contact_id, subject_id, actor_id, data)
  values (org, 'appointment_rescheduled', appt.contact_id, appt.id, app_public.current_user_id(),
          jsonb_build_object('resource_id', appt.resource_id,
                             'from', jsonb_build_object('starts_at', prev.starts_at, 'ends_at', prev.ends_at),
                             'starts_at', appt.starts_at, 'ends_at', appt.ends_at));
  return appt;
end
$$;

ALTER FUNCTION app_public.reschedule_appointment(appointment_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) OWNER TO switchboard_owner;

--
-- Name: dead_letters; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.dead_letters (
    org_id uuid NOT NULL,
    id bigint DEFAULT app_private.opaque_id() NOT NULL,
    kind text NOT NULL,
    ref_id uuid NOT NULL,
    error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    retried_at timestamp with time zone,
    retried_by uuid
);

ALTER TABLE ONLY app_public.dead_letters FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.dead_letters OWNER TO switchboard_owner;

--
-- Name: retry_dead_letter(bigint); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.retry_dead_letter(dead_letter_id bigint) RETURNS app_public.dead_letters
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  dl app_public.dead_letters;
  ev app_public.webhook_events;
  task text;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins retry dead letters' using errcode = '42501';
  end if;
  update app_public.dead_letters d set retried_at = now(), retried_by = app_public.current_user_id()
   where d.org_id = app_public.current_org_id() and d.id = dead_letter_id and d.retried_at is null
  returning * into dl;
  if dl.id is null then
    raise exception 'dead letter not found or already retried' using errcode = 'PT404';
  end if;
  if dl.kind = 'webhook_event' then
    update app_public.webhook_events e
       set status = 'pending', attempts = 0, next_attempt_at = now()
     where e.org_id = dl.org_id and e.id = dl.ref_id
    returning * into ev;
    select t.task_identifier into task from app_private.provider_tasks t where t.provider = ev.provider;
    perform app_private.schedule_event_processing(task, ev.org_id, ev.shard, now(), 'preserve_run_at');
  elsif dl.kind = 'delivery' then
    perform app_private.requeue_delivery(dl.org_id, dl.ref_id, app_public.current_user_id());
  elsif dl.kind = 'lead_push' then
    -- A dead push chunk: its failed leads go again (handoff/push.sql).
    perform app_private.requeue_lead_push(dl.org_id, dl.ref_id, app_public.current_user_id());
  elsif dl.kind = 'sms' then
    -- An SMS Twilio refused (not one whose fate is unknown): sent again.
    update app_public.sms_messages m set status = 'scheduled', send_at = now(), attempts = 0, updated_at = now()
     where m.org_id = dl.org_id and m.id = dl.ref_id and m.status = 'failed';
    if found then
      perform app_private.schedule_sms(dl.org_id, dl.ref_id);
    end if;
  end if;
  return dl;
end
$$;

ALTER FUNCTION app_public.retry_dead_letter(dead_letter_id bigint) OWNER TO switchboard_owner;

--
-- Name: revoke_calendar_feed(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.revoke_calendar_feed(feed_id uuid) RETURNS boolean
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select app_private.revoke_calendar_feed(app_private.require_admin(), feed_id)
$$;

ALTER FUNCTION app_public.revoke_calendar_feed(feed_id uuid) OWNER TO switchboard_owner;

--
-- Name: revoke_invitation(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.revoke_invitation(invitation_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins revoke invitations' using errcode = '42501';
  end if;
  update app_public.invitations i set revoked_at = now()
   where i.org_id = app_public.current_org_id() and i.id = revoke_invitation.invitation_id
     and i.accepted_at is null and i.revoked_at is null;
  return found;
end
$$;

ALTER FUNCTION app_public.revoke_invitation(invitation_id uuid) OWNER TO switchboard_owner;

--
-- Name: revoke_session(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.revoke_session(session_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  s app_private.sessions;
  me uuid := app_public.current_user_id();
begin
  update app_private.sessions x
     set revoked_at = now(),
         revoked_reason = case when x.user_id = me then 'user_revoked' else 'admin_revoked' end
   where x.id = revoke_session.session_id and x.revoked_at is null
     and (x.user_id = me
          or (x.org_id = app_public.current_org_id() and app_public.current_user_is_admin()))
  returning * into s;
  if s.id is null then
    return false;
  end if;
  perform app_private.record_auth_event('session_revoked', s.user_id, s.org_id, s.id, null, null,
                                        jsonb_build_object('reason', s.revoked_reason), me);
  return true;
end
$$;

ALTER FUNCTION app_public.revoke_session(session_id uuid) OWNER TO switchboard_owner;

--
-- Name: revoke_user_sessions(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.revoke_user_sessions(user_id uuid) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  ended int;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only owners and admins revoke other members'' sessions' using errcode = '42501';
  end if;
  update app_private.sessions x set revoked_at = now(), revoked_reason = 'admin_revoked'
   where x.user_id = revoke_user_sessions.user_id and x.org_id = app_public.current_org_id()
     and x.revoked_at is null;
  get diagnostics ended = row_count;
  if ended > 0 then
    perform app_private.record_auth_event('session_revoked', revoke_user_sessions.user_id,
                                          app_public.current_org_id(), null, null, null,
                                          jsonb_build_object('reason', 'admin_revoked', 'sessions', ended),
                                          app_public.current_user_id());
  end if;
  return ended;
end
$$;

ALTER FUNCTION app_public.revoke_user_sessions(user_id uuid) OWNER TO switchboard_owner;

--
-- Name: sending_account_usage_today(); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.sending_account_usage_today() RETURNS TABLE(account_id uuid, local_day date, sent integer, daily_cap integer)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select a.id, d.day, coalesce(u.sent, 0), a.daily_cap
    from app_public.sending_accounts a
    join app_public.organizations o on o.id = a.org_id
    cross join lateral (select app_private.local_day(o.timezone) as day) d
    left join app_private.sending_account_usage u on u.account_id = a.id and u.local_day = d.day
   where app_public.require_org_admin() and a.org_id = app_public.current_org_id()
   order by a.created_at
$$;

ALTER FUNCTION app_public.sending_account_usage_today() OWNER TO switchboard_owner;

--
-- Name: set_calendar_source(uuid, boolean, interval, boolean); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.set_calendar_source(source_id uuid, enabled boolean DEFAULT NULL::boolean, sync_interval interval DEFAULT NULL::interval, write boolean DEFAULT NULL::boolean) RETURNS app_public.calendar_sources
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org uuid := app_private.require_admin();
  src app_public.calendar_sources;
begin
  update app_public.calendar_sources s
     set enabled = coalesce(set_calendar_source.enabled, s.enabled),
         sync_interval = coalesce(set_calendar_source.sync_interval, s.sync_interval),
         write = coalesce(set_calendar_source.write, s.write)
   where s.org_id = org and s.id = source_id
  returning * into src;
  if src.id is null then
    raise exception 'calendar source not found' using errcode = 'PT404', hint = 'calendar_source_not_found';
  end if;
  return src;
end
$$;

ALTER FUNCTION app_public.set_calendar_source(source_id uuid, enabled boolean, sync_interval interval, write boolean) OWNER TO switchboard_owner;

--
-- Name: source_activity(); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.source_activity() RETURNS TABLE(source_id uuid, provider text, name text, enabled boolean, created_at timestamp with time zone, last_event_at timestamp with time zone, events_24h bigint, signature_failures_24h bigint, secrets_valid integer, grace_until timestamp with time zone)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
  select s.id, s.provider, s.name, s.enabled, s.created_at,
         (select max(e.received_at) from app_public.webhook_events e
           where e.org_id = s.org_id and e.source_id = s.id),
         (select count(*) from app_public.webhook_events e
           where e.org_id = s.org_id and e.source_id = s.id and e.received_at > now() - interval '24 hours'),
         coalesce((select sum(f.failures) from app_private.source_signature_failures f
                    where f.source_id = s.id and f.hour > now() - interval '24 hours'), 0)::bigint,
         (select count(*)::int from app_private.source_secrets k
           where k.source_id = s.id and (k.expires_at is null or k.expires_at > now())),
         (select max(k.expires_at) from app_private.source_secrets k
           where k.source_id = s.id and k.expires_at > now())
    from app_public.sources s
   where app_public.require_org_admin()
     and s.org_id = app_public.current_org_id()
   order by s.created_at
$$;

ALTER FUNCTION app_public.source_activity() OWNER TO switchboard_owner;

--
-- Name: sync_calendar_source(uuid); Type: FUNCTION; Schema: app_public; Owner: switchboard_owner
--

CREATE FUNCTION app_public.sync_calendar_source(source_id uuid) RETURNS boolean
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public'
    AS $$
declare
  org uuid := app_private.require_admin();
begin
  if not exists (select 1 from app_public.calendar_sources s where s.org_id = org and s.id = source_id) then
    raise exception 'calendar source not found' using errcode = 'PT404', hint = 'calendar_source_not_found';
  end if;
  perform app_private.schedule_calendar_sync(org, source_id);
  return true;
end
$$;

ALTER FUNCTION app_public.sync_calendar_source(source_id uuid) OWNER TO switchboard_owner;

--
-- Name: jsonb_merge_agg(jsonb); Type: AGGREGATE; Schema: app_private; Owner: switchboard_owner
--

CREATE AGGREGATE app_private.jsonb_merge_agg(jsonb) (
    SFUNC = jsonb_concat,
    STYPE = jsonb,
    INITCOND = '{}'
);

ALTER AGGREGATE app_private.jsonb_merge_agg(jsonb) OWNER TO switchboard_owner;

--
-- Name: account_lockouts; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.account_lockouts (
    email public.citext NOT NULL,
    locked_at timestamp with time zone DEFAULT now() NOT NULL,
    locked_until timestamp with time zone NOT NULL
);

ALTER TABLE app_private.account_lockouts OWNER TO switchboard_owner;

--
-- Name: alert_state; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.alert_state (
    id bigint NOT NULL,
    org_id uuid,
    rule text NOT NULL,
    key text NOT NULL,
    severity text NOT NULL,
    message text NOT NULL,
    raised_at timestamp with time zone DEFAULT now() NOT NULL,
    resolved_at timestamp with time zone
);

ALTER TABLE app_private.alert_state OWNER TO switchboard_owner;

--
-- Name: alert_state_id_seq; Type: SEQUENCE; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.alert_state ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.alert_state_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: backup_verification_log; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.backup_verification_log (
    id bigint NOT NULL,
    verified_at timestamp with time zone DEFAULT now() NOT NULL,
    ok boolean NOT NULL,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    error text
);

ALTER TABLE app_private.backup_verification_log OWNER TO switchboard_owner;

--
-- Name: backup_verification_log_id_seq; Type: SEQUENCE; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.backup_verification_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.backup_verification_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: calendar_feed_key; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.calendar_feed_key (
    id boolean DEFAULT true NOT NULL,
    key bytea NOT NULL,
    CONSTRAINT calendar_feed_key_id_check CHECK (id)
);

ALTER TABLE app_private.calendar_feed_key OWNER TO switchboard_owner;

--
-- Name: calendar_source_secrets; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.calendar_source_secrets (
    org_id uuid NOT NULL,
    source_id uuid NOT NULL,
    url_encrypted bytea NOT NULL,
    username text,
    password_encrypted bytea,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.calendar_source_secrets OWNER TO switchboard_owner;

--
-- Name: calendar_writes; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.calendar_writes (
    org_id uuid NOT NULL,
    source_id uuid NOT NULL,
    appointment_id uuid NOT NULL,
    href text NOT NULL,
    etag text,
    sequence integer NOT NULL,
    written_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.calendar_writes OWNER TO switchboard_owner;

--
-- Name: campaign_connection_secrets; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.campaign_connection_secrets (
    org_id uuid NOT NULL,
    connection_id uuid NOT NULL,
    api_key_encrypted bytea NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.campaign_connection_secrets OWNER TO switchboard_owner;

--
-- Name: campaign_replies; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.campaign_replies (
    org_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    replied boolean DEFAULT false NOT NULL,
    positive boolean DEFAULT false NOT NULL
);

ALTER TABLE app_private.campaign_replies OWNER TO switchboard_owner;

--
-- Name: connection_calls; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.connection_calls (
    connection_id uuid NOT NULL,
    at timestamp with time zone NOT NULL
);

ALTER TABLE app_private.connection_calls OWNER TO switchboard_owner;

--
-- Name: consent_nonces; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.consent_nonces (
    nonce uuid DEFAULT gen_random_uuid() NOT NULL,
    org_id uuid NOT NULL,
    lead_id uuid NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    used_at timestamp with time zone
);

ALTER TABLE app_private.consent_nonces OWNER TO switchboard_owner;

--
-- Name: contactable_lead_set; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.contactable_lead_set (
    org_id uuid NOT NULL,
    lead_id uuid NOT NULL
);

ALTER TABLE app_private.contactable_lead_set OWNER TO switchboard_owner;

--
-- Name: contactable_leads_mv; Type: VIEW; Schema: app_private; Owner: switchboard_owner
--

CREATE VIEW app_private.contactable_leads_mv AS
 SELECT s.org_id,
    s.lead_id
   FROM app_private.contactable_lead_set s;

ALTER TABLE app_private.contactable_leads_mv OWNER TO switchboard_owner;

--
-- Name: contactable_refresh_runs; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.contactable_refresh_runs (
    org_id uuid NOT NULL,
    local_date date NOT NULL,
    refreshed_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.contactable_refresh_runs OWNER TO switchboard_owner;

--
-- Name: delivery_endpoint_secrets; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.delivery_endpoint_secrets (
    org_id uuid NOT NULL,
    id bigint NOT NULL,
    endpoint_id uuid NOT NULL,
    secret_encrypted bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone
);

ALTER TABLE app_private.delivery_endpoint_secrets OWNER TO switchboard_owner;

--
-- Name: delivery_endpoint_secrets_id_seq; Type: SEQUENCE; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.delivery_endpoint_secrets ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.delivery_endpoint_secrets_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: feature_flag_history; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.feature_flag_history (
    id bigint NOT NULL,
    flag_key text NOT NULL,
    action text NOT NULL,
    actor text NOT NULL,
    old_values jsonb,
    new_values jsonb,
    at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.feature_flag_history OWNER TO switchboard_owner;

--
-- Name: feature_flag_history_id_seq; Type: SEQUENCE; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.feature_flag_history ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.feature_flag_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: lead_feed_runs; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.lead_feed_runs (
    org_id uuid NOT NULL,
    local_date date NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    fed integer DEFAULT 0 NOT NULL,
    lead_ids uuid[] DEFAULT '{}'::uuid[] NOT NULL,
    handed_off_at timestamp with time zone
);

ALTER TABLE app_private.lead_feed_runs OWNER TO switchboard_owner;

--
-- Name: lead_import_chunks; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.lead_import_chunks (
    org_id uuid NOT NULL,
    batch_id uuid NOT NULL,
    chunk integer NOT NULL,
    attempt uuid NOT NULL,
    rows_inserted integer,
    done_at timestamp with time zone,
    passes integer
);

ALTER TABLE ONLY app_private.lead_import_chunks FORCE ROW LEVEL SECURITY;

ALTER TABLE app_private.lead_import_chunks OWNER TO switchboard_owner;

--
-- Name: lead_import_pending; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.lead_import_pending (
    org_id uuid NOT NULL,
    batch_id uuid NOT NULL,
    attempt uuid NOT NULL,
    chunks integer NOT NULL,
    rows_new integer NOT NULL,
    rows_merged integer NOT NULL,
    rows_rejected integer NOT NULL,
    passes integer DEFAULT 0 NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT lead_import_pending_chunks_check CHECK (((chunks >= 2) AND (chunks <= 16)))
);

ALTER TABLE ONLY app_private.lead_import_pending FORCE ROW LEVEL SECURITY;

ALTER TABLE app_private.lead_import_pending OWNER TO switchboard_owner;

--
-- Name: lead_staging; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.lead_staging (
    batch_id uuid NOT NULL,
    row_number integer NOT NULL,
    first_name text,
    last_name text,
    email text,
    phone text,
    property_address text,
    property_city text,
    property_state text,
    property_zip text,
    county_fips text,
    apn text,
    mak text,
    mailing_address text,
    mailing_city text,
    mailing_state text,
    mailing_zip text,
    estimated_equity text,
    owner_occupied text,
    email_verification_code text,
    phone_verification_code text,
    attributes jsonb
);

ALTER TABLE app_private.lead_staging OWNER TO switchboard_owner;

--
-- Name: lead_upload_hashes; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.lead_upload_hashes (
    org_id uuid NOT NULL,
    content_sha256 text NOT NULL,
    batch_id uuid NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.lead_upload_hashes OWNER TO switchboard_owner;

--
-- Name: login_attempts; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.login_attempts (
    id bigint NOT NULL,
    email public.citext NOT NULL,
    user_id uuid,
    ip inet,
    outcome text NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT login_attempts_outcome_check CHECK ((outcome = ANY (ARRAY['success'::text, 'invalid_credentials'::text, 'mfa_required'::text, 'mfa_failed'::text, 'locked'::text])))
);

ALTER TABLE app_private.login_attempts OWNER TO switchboard_owner;

--
-- Name: login_attempts_id_seq; Type: SEQUENCE; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.login_attempts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.login_attempts_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: mfa_recovery_codes; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.mfa_recovery_codes (
    user_id uuid NOT NULL,
    code_hash bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    used_at timestamp with time zone
);

ALTER TABLE app_private.mfa_recovery_codes OWNER TO switchboard_owner;

--
-- Name: opaque_id_permutation; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.opaque_id_permutation (
    only_row boolean DEFAULT true NOT NULL,
    perm integer[] NOT NULL,
    perm_bytes bytea,
    CONSTRAINT opaque_id_permutation_only_row_check CHECK (only_row),
    CONSTRAINT opaque_id_permutation_perm_check CHECK ((cardinality(perm) = 4096))
);
ALTER TABLE ONLY app_private.opaque_id_permutation ALTER COLUMN perm_bytes SET STORAGE EXTERNAL;

ALTER TABLE app_private.opaque_id_permutation OWNER TO switchboard_owner;

--
-- Name: opaque_id_seq; Type: SEQUENCE; Schema: app_private; Owner: switchboard_owner
--

CREATE SEQUENCE app_private.opaque_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER TABLE app_private.opaque_id_seq OWNER TO switchboard_owner;

--
-- Name: operational_events; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.operational_events (
    id bigint NOT NULL,
    org_id uuid,
    kind text NOT NULL,
    severity text DEFAULT 'warning'::text NOT NULL,
    details jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT operational_events_severity_check CHECK ((severity = ANY (ARRAY['info'::text, 'warning'::text, 'critical'::text])))
);

ALTER TABLE app_private.operational_events OWNER TO switchboard_owner;

--
-- Name: operational_events_id_seq; Type: SEQUENCE; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.operational_events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.operational_events_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: org_quotas; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.org_quotas (
    org_id uuid NOT NULL,
    requests_per_user_per_minute integer,
    requests_per_org_per_minute integer,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT org_quotas_requests_per_org_per_minute_check CHECK ((requests_per_org_per_minute > 0)),
    CONSTRAINT org_quotas_requests_per_user_per_minute_check CHECK ((requests_per_user_per_minute > 0))
);

ALTER TABLE app_private.org_quotas OWNER TO switchboard_owner;

--
-- Name: outreach_event_types; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.outreach_event_types (
    provider text NOT NULL,
    provider_type text NOT NULL,
    metric text NOT NULL,
    CONSTRAINT outreach_event_types_metric_check CHECK ((metric = ANY (ARRAY['sent'::text, 'opened'::text, 'clicked'::text, 'replied'::text, 'bounced'::text, 'unsubscribed'::text, 'categorized'::text])))
);

ALTER TABLE app_private.outreach_event_types OWNER TO switchboard_owner;

--
-- Name: password_reset_tokens; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.password_reset_tokens (
    token_hash bytea NOT NULL,
    user_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone
);

ALTER TABLE app_private.password_reset_tokens OWNER TO switchboard_owner;

--
-- Name: platform_settings; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.platform_settings (
    key text NOT NULL,
    value interval NOT NULL,
    description text
);

ALTER TABLE app_private.platform_settings OWNER TO switchboard_owner;

--
-- Name: provider_tasks; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.provider_tasks (
    provider text NOT NULL,
    task_identifier text NOT NULL
);

ALTER TABLE app_private.provider_tasks OWNER TO switchboard_owner;

--
-- Name: request_counters; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE UNLOGGED TABLE app_private.request_counters (
    subject uuid NOT NULL,
    window_start timestamp with time zone NOT NULL,
    shard smallint NOT NULL,
    count bigint NOT NULL
);

ALTER TABLE app_private.request_counters OWNER TO switchboard_owner;

--
-- Name: retention_runs; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.retention_runs (
    id bigint NOT NULL,
    step text NOT NULL,
    removed bigint NOT NULL,
    started_at timestamp with time zone NOT NULL,
    finished_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.retention_runs OWNER TO switchboard_owner;

--
-- Name: retention_runs_id_seq; Type: SEQUENCE; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.retention_runs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.retention_runs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: sending_account_secrets; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.sending_account_secrets (
    org_id uuid NOT NULL,
    account_id uuid NOT NULL,
    password_encrypted bytea NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.sending_account_secrets OWNER TO switchboard_owner;

--
-- Name: sending_account_usage; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.sending_account_usage (
    org_id uuid NOT NULL,
    account_id uuid NOT NULL,
    local_day date NOT NULL,
    sent integer DEFAULT 0 NOT NULL,
    CONSTRAINT sending_account_usage_sent_check CHECK ((sent >= 0))
);

ALTER TABLE app_private.sending_account_usage OWNER TO switchboard_owner;

--
-- Name: signature_failures; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE UNLOGGED TABLE app_private.signature_failures (
    source_id uuid NOT NULL,
    minute timestamp with time zone NOT NULL,
    failures integer DEFAULT 0 NOT NULL
);

ALTER TABLE app_private.signature_failures OWNER TO switchboard_owner;

--
-- Name: sms_credentials; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.sms_credentials (
    org_id uuid NOT NULL,
    secret_encrypted bytea NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.sms_credentials OWNER TO switchboard_owner;

--
-- Name: source_secrets; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.source_secrets (
    org_id uuid NOT NULL,
    id bigint NOT NULL,
    source_id uuid NOT NULL,
    secret_encrypted bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone
);

ALTER TABLE app_private.source_secrets OWNER TO switchboard_owner;

--
-- Name: source_secrets_id_seq; Type: SEQUENCE; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.source_secrets ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME app_private.source_secrets_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: source_signature_failures; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.source_signature_failures (
    source_id uuid NOT NULL,
    hour timestamp with time zone NOT NULL,
    failures integer DEFAULT 0 NOT NULL
);

ALTER TABLE app_private.source_signature_failures OWNER TO switchboard_owner;

--
-- Name: sso_providers; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.sso_providers (
    org_id uuid NOT NULL,
    issuer text NOT NULL,
    client_id text NOT NULL,
    client_secret bytea NOT NULL,
    allowed_domains text[] NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sso_providers_allowed_domains_check CHECK ((cardinality(allowed_domains) > 0))
);

ALTER TABLE app_private.sso_providers OWNER TO switchboard_owner;

--
-- Name: sso_states; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.sso_states (
    state_hash bytea NOT NULL,
    org_id uuid NOT NULL,
    code_verifier text NOT NULL,
    nonce text NOT NULL,
    redirect_uri text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL
);

ALTER TABLE app_private.sso_states OWNER TO switchboard_owner;

--
-- Name: used_refresh_tokens; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.used_refresh_tokens (
    token_hash bytea NOT NULL,
    session_id uuid NOT NULL,
    used_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.used_refresh_tokens OWNER TO switchboard_owner;

--
-- Name: user_identities; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.user_identities (
    issuer text NOT NULL,
    subject text NOT NULL,
    user_id uuid NOT NULL,
    email public.citext,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_login_at timestamp with time zone
);

ALTER TABLE app_private.user_identities OWNER TO switchboard_owner;

--
-- Name: user_mfa; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.user_mfa (
    user_id uuid NOT NULL,
    secret bytea NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    enabled_at timestamp with time zone,
    last_used_step bigint DEFAULT 0 NOT NULL
);

ALTER TABLE app_private.user_mfa OWNER TO switchboard_owner;

--
-- Name: user_secrets; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.user_secrets (
    user_id uuid NOT NULL,
    password_hash text NOT NULL,
    password_changed_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE app_private.user_secrets OWNER TO switchboard_owner;

--
-- Name: worker_heartbeats; Type: TABLE; Schema: app_private; Owner: switchboard_owner
--

CREATE TABLE app_private.worker_heartbeats (
    worker_id text NOT NULL,
    beat_at timestamp with time zone NOT NULL
);

ALTER TABLE app_private.worker_heartbeats OWNER TO switchboard_owner;

--
-- Name: audit_log; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.audit_log (
    org_id uuid NOT NULL,
    id bigint DEFAULT app_private.opaque_id() NOT NULL,
    actor_id uuid,
    table_name text NOT NULL,
    row_id text,
    action text NOT NULL,
    old_values jsonb,
    new_values jsonb,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT audit_log_action_check CHECK ((action = ANY (ARRAY['insert'::text, 'update'::text, 'delete'::text])))
);

ALTER TABLE ONLY app_public.audit_log FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.audit_log OWNER TO switchboard_owner;

--
-- Name: auth_events; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.auth_events (
    org_id uuid NOT NULL,
    id bigint DEFAULT app_private.opaque_id() NOT NULL,
    user_id uuid,
    actor_id uuid,
    session_id uuid,
    event text NOT NULL,
    ip inet,
    user_agent text,
    detail jsonb DEFAULT '{}'::jsonb NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT auth_events_event_check CHECK ((event = ANY (ARRAY['login_succeeded'::text, 'login_failed'::text, 'login_locked'::text, 'account_locked'::text, 'mfa_enrollment_started'::text, 'mfa_enabled'::text, 'mfa_disabled'::text, 'mfa_failed'::text, 'mfa_recovery_code_used'::text, 'session_revoked'::text, 'logout'::text, 'logout_all'::text, 'refresh_token_reused'::text, 'password_changed'::text, 'password_reset_requested'::text, 'password_reset'::text, 'org_mfa_requirement_changed'::text, 'feature_flag_changed'::text, 'invitation_accepted'::text])))
);

ALTER TABLE ONLY app_public.auth_events FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.auth_events OWNER TO switchboard_owner;

--
-- Name: calendar_feeds; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.calendar_feeds (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    resource_id uuid,
    name text,
    with_names boolean DEFAULT false NOT NULL,
    created_by uuid,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    revoked_at timestamp with time zone,
    last_fetched_at timestamp with time zone,
    CONSTRAINT calendar_feeds_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200)))
);

ALTER TABLE ONLY app_public.calendar_feeds FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.calendar_feeds OWNER TO switchboard_owner;

--
-- Name: campaign_counters; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.campaign_counters (
    org_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    sent bigint DEFAULT 0 NOT NULL,
    opened bigint DEFAULT 0 NOT NULL,
    clicked bigint DEFAULT 0 NOT NULL,
    replied bigint DEFAULT 0 NOT NULL,
    positive_replies bigint DEFAULT 0 NOT NULL,
    bounced bigint DEFAULT 0 NOT NULL,
    unsubscribed bigint DEFAULT 0 NOT NULL,
    synced_at timestamp with time zone
);

ALTER TABLE ONLY app_public.campaign_counters FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.campaign_counters OWNER TO switchboard_owner;

--
-- Name: campaign_hourly_metrics; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.campaign_hourly_metrics (
    org_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    local_hour timestamp without time zone NOT NULL,
    hour_start timestamp with time zone NOT NULL,
    sent bigint DEFAULT 0 NOT NULL,
    opened bigint DEFAULT 0 NOT NULL,
    clicked bigint DEFAULT 0 NOT NULL,
    replied bigint DEFAULT 0 NOT NULL,
    positive_replies bigint DEFAULT 0 NOT NULL,
    bounced bigint DEFAULT 0 NOT NULL,
    unsubscribed bigint DEFAULT 0 NOT NULL
);

ALTER TABLE ONLY app_public.campaign_hourly_metrics FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.campaign_hourly_metrics OWNER TO switchboard_owner;

--
-- Name: campaigns; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.campaigns (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    provider text DEFAULT 'manual'::text NOT NULL,
    external_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    stop_on_reply boolean DEFAULT true NOT NULL,
    track_opens boolean DEFAULT false NOT NULL,
    track_clicks boolean DEFAULT false NOT NULL,
    CONSTRAINT campaigns_name_check CHECK (((length(name) >= 1) AND (length(name) <= 300))),
    CONSTRAINT campaigns_provider_check CHECK ((provider = ANY (ARRAY['manual'::text, 'smartlead'::text, 'replyio'::text, 'standard'::text])))
);

ALTER TABLE ONLY app_public.campaigns FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.campaigns OWNER TO switchboard_owner;

--
-- Name: workspace_settings; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.workspace_settings (
    org_id uuid NOT NULL,
    stale_after interval DEFAULT '01:00:00'::interval NOT NULL,
    expired_after interval DEFAULT '24:00:00'::interval NOT NULL,
    positive_categories text[] DEFAULT '{interested,meeting_request,information_request}'::text[] NOT NULL,
    reply_rate_warning numeric(5,4) DEFAULT 0.02 NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_by uuid,
    transcript_retention interval DEFAULT '90 days'::interval NOT NULL,
    voice_api_base_url text,
    lead_feed_daily_limit integer DEFAULT 250 NOT NULL,
    lead_feed_enabled boolean DEFAULT true NOT NULL,
    lead_verification_provider text DEFAULT 'default'::text NOT NULL,
    delivery_retry_schedule interval[] DEFAULT '{00:00:00,00:00:05,00:05:00,00:30:00,02:00:00,05:00:00,10:00:00,10:00:00}'::interval[] NOT NULL,
    delivery_retry_jitter numeric(4,3) DEFAULT 0.1 NOT NULL,
    delivery_circuit_failures integer DEFAULT 5 NOT NULL,
    delivery_circuit_cooldown interval DEFAULT '00:05:00'::interval NOT NULL,
    delivery_disable_after interval DEFAULT '5 days'::interval NOT NULL,
    delivery_attempt_retention interval DEFAULT '30 days'::interval NOT NULL,
    webhook_body_retention interval DEFAULT '7 days'::interval NOT NULL,
    webhook_key_retention interval DEFAULT '30 days'::interval NOT NULL,
    CONSTRAINT workspace_settings_check CHECK ((expired_after > stale_after)),
    CONSTRAINT workspace_settings_check1 CHECK ((webhook_key_retention >= webhook_body_retention)),
    CONSTRAINT workspace_settings_delivery_attempt_retention_check CHECK (((delivery_attempt_retention >= '1 day'::interval) AND (delivery_attempt_retention <= '10 years'::interval))),
    CONSTRAINT workspace_settings_delivery_circuit_cooldown_check CHECK (((delivery_circuit_cooldown >= '00:00:00'::interval) AND (delivery_circuit_cooldown <= '1 day'::interval))),
    CONSTRAINT workspace_settings_delivery_circuit_failures_check CHECK (((delivery_circuit_failures >= 1) AND (delivery_circuit_failures <= 1000))),
    CONSTRAINT workspace_settings_delivery_disable_after_check CHECK ((delivery_disable_after >= '00:01:00'::interval)),
    CONSTRAINT workspace_settings_delivery_retry_jitter_check CHECK (((delivery_retry_jitter >= (0)::numeric) AND (delivery_retry_jitter <= (1)::numeric))),
    CONSTRAINT workspace_settings_delivery_retry_schedule_check CHECK (((cardinality(delivery_retry_schedule) >= 1) AND (cardinality(delivery_retry_schedule) <= 30))),
    CONSTRAINT workspace_settings_lead_feed_daily_limit_check CHECK (((lead_feed_daily_limit >= 0) AND (lead_feed_daily_limit <= 100000))),
    CONSTRAINT workspace_settings_lead_verification_provider_check CHECK (((length(lead_verification_provider) >= 1) AND (length(lead_verification_provider) <= 100))),
    CONSTRAINT workspace_settings_reply_rate_warning_check CHECK (((reply_rate_warning >= (0)::numeric) AND (reply_rate_warning <= (1)::numeric))),
    CONSTRAINT workspace_settings_stale_after_check CHECK ((stale_after > '00:00:00'::interval)),
    CONSTRAINT workspace_settings_transcript_retention_check CHECK (((transcript_retention >= '1 day'::interval) AND (transcript_retention <= '10 years'::interval))),
    CONSTRAINT workspace_settings_voice_api_base_url_check CHECK ((voice_api_base_url ~ '^https?://[^\s]+$'::text)),
    CONSTRAINT workspace_settings_webhook_body_retention_check CHECK (((webhook_body_retention >= '01:00:00'::interval) AND (webhook_body_retention <= '10 years'::interval))),
    CONSTRAINT workspace_settings_webhook_key_retention_check CHECK (((webhook_key_retention >= '1 day'::interval) AND (webhook_key_retention <= '10 years'::interval)))
);

ALTER TABLE ONLY app_public.workspace_settings FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.workspace_settings OWNER TO switchboard_owner;

--
-- Name: campaign_metrics; Type: VIEW; Schema: app_public; Owner: switchboard_owner
--

CREATE VIEW app_public.campaign_metrics WITH (security_invoker='true') AS
 SELECT c.org_id,
    c.id AS campaign_id,
    c.name,
    c.provider,
    c.external_id,
    COALESCE(k.sent, (0)::bigint) AS sent,
    COALESCE(k.opened, (0)::bigint) AS opened,
    COALESCE(k.clicked, (0)::bigint) AS clicked,
    COALESCE(k.replied, (0)::bigint) AS replied,
    COALESCE(k.positive_replies, (0)::bigint) AS positive_replies,
    COALESCE(k.bounced, (0)::bigint) AS bounced,
    COALESCE(k.unsubscribed, (0)::bigint) AS unsubscribed,
    round(((k.replied)::numeric / (NULLIF(k.sent, 0))::numeric), 4) AS reply_rate,
    round(((k.positive_replies)::numeric / (NULLIF(k.replied, 0))::numeric), 4) AS positive_rate,
    round(((k.bounced)::numeric / (NULLIF(k.sent, 0))::numeric), 4) AS bounce_rate,
    COALESCE((((k.replied)::numeric / (NULLIF(k.sent, 0))::numeric) < s.reply_rate_warning), false) AS reply_rate_warning,
    k.synced_at,
        CASE
            WHEN ((k.synced_at IS NULL) OR ((now() - k.synced_at) >= s.expired_after)) THEN 'expired'::text
            WHEN ((now() - k.synced_at) >= s.stale_after) THEN 'stale'::text
            ELSE 'fresh'::text
        END AS freshness
   FROM ((app_public.campaigns c
     LEFT JOIN app_public.campaign_counters k ON (((k.org_id = c.org_id) AND (k.campaign_id = c.id))))
     JOIN app_public.workspace_settings s ON ((s.org_id = c.org_id)));

ALTER TABLE app_public.campaign_metrics OWNER TO switchboard_owner;

--
-- Name: contactable_leads; Type: VIEW; Schema: app_public; Owner: switchboard_owner
--

CREATE VIEW app_public.contactable_leads WITH (security_invoker='true') AS
 SELECT l.org_id,
    l.id,
    l.first_name,
    l.last_name,
    l.email,
    l.email_hash,
    l.phone,
    l.property_address,
    l.property_city,
    l.property_state,
    l.property_zip,
    l.county_fips,
    l.apn,
    l.mak,
    l.apn_normalized,
    l.address_normalized,
    l.addr_hash,
    l.mailing_address,
    l.mailing_city,
    l.mailing_state,
    l.mailing_zip,
    l.estimated_equity,
    l.owner_occupied,
    l.email_verification_codes,
    l.phone_verification_codes,
    l.verification_provider,
    l.email_verified,
    l.phone_verified,
    l.lead_score,
    l.attributes,
    l.pii_encrypted,
    l.campaign_status,
    l.added_to_campaign_at,
    l.assigned_to,
    l.consent_given,
    l.consented_at,
    l.data_as_of,
    l.first_batch_id,
    l.last_batch_id,
    l.created_at,
    l.updated_at
   FROM app_public.leads l
  WHERE (l.id IN ( SELECT app_private.contactable_lead_ids() AS contactable_lead_ids));

ALTER TABLE app_public.contactable_leads OWNER TO switchboard_owner;

--
-- Name: delivery_attempts; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.delivery_attempts (
    org_id uuid NOT NULL,
    id bigint DEFAULT app_private.opaque_id() NOT NULL,
    delivery_id uuid NOT NULL,
    endpoint_id uuid NOT NULL,
    attempt integer NOT NULL,
    attempted_at timestamp with time zone DEFAULT now() NOT NULL,
    status_code integer,
    latency_ms integer,
    response_excerpt text,
    error text
);

ALTER TABLE ONLY app_public.delivery_attempts FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.delivery_attempts OWNER TO switchboard_owner;

--
-- Name: delivery_endpoints; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.delivery_endpoints (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    url text NOT NULL,
    description text,
    event_types text[] DEFAULT '{}'::text[] NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    disabled_reason text,
    disabled_at timestamp with time zone,
    consecutive_failures integer DEFAULT 0 NOT NULL,
    failing_since timestamp with time zone,
    circuit_open_until timestamp with time zone,
    last_success_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT delivery_endpoints_description_check CHECK ((length(description) <= 500)),
    CONSTRAINT delivery_endpoints_url_check CHECK ((length(url) <= 2000))
);

ALTER TABLE ONLY app_public.delivery_endpoints FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.delivery_endpoints OWNER TO switchboard_owner;

--
-- Name: delivery_messages; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.delivery_messages (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    event_type text NOT NULL,
    payload jsonb,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT delivery_messages_event_type_check CHECK (((length(event_type) >= 1) AND (length(event_type) <= 100)))
);

ALTER TABLE ONLY app_public.delivery_messages FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.delivery_messages OWNER TO switchboard_owner;

--
-- Name: email_events; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.email_events (
    org_id uuid NOT NULL,
    id uuid DEFAULT app_private.time_ordered_uuid() NOT NULL,
    webhook_event_id uuid NOT NULL,
    campaign_id uuid,
    contact_id uuid,
    kind text NOT NULL,
    category text,
    occurred_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY app_public.email_events FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.email_events OWNER TO switchboard_owner;

--
-- Name: emails; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.emails (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    enrollment_id uuid NOT NULL,
    campaign_id uuid NOT NULL,
    contact_id uuid,
    step_id uuid,
    step_position integer NOT NULL,
    to_email public.citext NOT NULL,
    status text DEFAULT 'queued'::text NOT NULL,
    scheduled_at timestamp with time zone DEFAULT now() NOT NULL,
    account_id uuid,
    cap_day date,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    message_id text,
    in_reply_to text,
    refs text,
    subject text,
    claimed_at timestamp with time zone,
    sent_at timestamp with time zone,
    open_count integer DEFAULT 0 NOT NULL,
    click_count integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT emails_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'sending'::text, 'sent'::text, 'failed'::text, 'skipped'::text])))
);

ALTER TABLE ONLY app_public.emails FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.emails OWNER TO switchboard_owner;

--
-- Name: external_busy; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.external_busy (
    org_id uuid NOT NULL,
    id bigint DEFAULT app_private.opaque_id() NOT NULL,
    resource_id uuid NOT NULL,
    source_id uuid NOT NULL,
    busy tstzrange NOT NULL,
    uid text NOT NULL,
    all_day boolean DEFAULT false NOT NULL,
    synced_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT external_busy_busy_check CHECK ((NOT isempty(busy)))
);

ALTER TABLE ONLY app_public.external_busy FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.external_busy OWNER TO switchboard_owner;

--
-- Name: feature_flag_overrides; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.feature_flag_overrides (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    flag_key text NOT NULL,
    enabled boolean NOT NULL,
    updated_by uuid DEFAULT app_public.current_user_id(),
    updated_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY app_public.feature_flag_overrides FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.feature_flag_overrides OWNER TO switchboard_owner;

--
-- Name: lead_import_rejects; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.lead_import_rejects (
    org_id uuid NOT NULL,
    batch_id uuid NOT NULL,
    row_number integer NOT NULL,
    reason text NOT NULL,
    row_data jsonb DEFAULT '{}'::jsonb NOT NULL
);

ALTER TABLE ONLY app_public.lead_import_rejects FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.lead_import_rejects OWNER TO switchboard_owner;

--
-- Name: lead_push_attempts; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.lead_push_attempts (
    org_id uuid NOT NULL,
    id bigint DEFAULT app_private.opaque_id() NOT NULL,
    chunk_id uuid NOT NULL,
    connection_id uuid NOT NULL,
    attempt integer NOT NULL,
    status_code integer,
    latency_ms integer,
    response_excerpt text,
    error text,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);

ALTER TABLE ONLY app_public.lead_push_attempts FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.lead_push_attempts OWNER TO switchboard_owner;

--
-- Name: lead_pushes; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.lead_pushes (
    org_id uuid NOT NULL,
    connection_id uuid NOT NULL,
    local_date date NOT NULL,
    lead_id uuid NOT NULL,
    chunk_id uuid NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    reason text,
    answer jsonb,
    attempts integer DEFAULT 0 NOT NULL,
    pushed_at timestamp with time zone,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT lead_pushes_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'pushed'::text, 'duplicate'::text, 'refused'::text, 'failed'::text])))
);

ALTER TABLE ONLY app_public.lead_pushes FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.lead_pushes OWNER TO switchboard_owner;

--
-- Name: memberships; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.memberships (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    user_id uuid NOT NULL,
    role text DEFAULT 'member'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT memberships_role_check CHECK ((role = ANY (ARRAY['owner'::text, 'admin'::text, 'member'::text])))
);

ALTER TABLE ONLY app_public.memberships FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.memberships OWNER TO switchboard_owner;

--
-- Name: org_feature_flags; Type: VIEW; Schema: app_public; Owner: switchboard_owner
--

CREATE VIEW app_public.org_feature_flags WITH (security_invoker='true') AS
 SELECT f.key,
    f.description,
    app_public.is_feature_enabled(f.key) AS enabled,
        CASE
            WHEN (f.allow_org_override AND (o.enabled IS NOT NULL)) THEN 'override'::text
            WHEN f.default_enabled THEN 'default'::text
            WHEN (f.rollout_percent > (0)::numeric) THEN 'rollout'::text
            ELSE 'default'::text
        END AS source
   FROM (app_public.feature_flags f
     LEFT JOIN app_public.feature_flag_overrides o ON (((o.flag_key = f.key) AND (o.org_id = app_public.current_org_id()))));

ALTER TABLE app_public.org_feature_flags OWNER TO switchboard_owner;

--
-- Name: users; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.users (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    email public.citext NOT NULL,
    display_name text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_display_name_check CHECK ((length(display_name) <= 200))
);

ALTER TABLE ONLY app_public.users FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.users OWNER TO switchboard_owner;

--
-- Name: org_members; Type: VIEW; Schema: app_public; Owner: switchboard_owner
--

CREATE VIEW app_public.org_members WITH (security_invoker='true') AS
 SELECT m.org_id,
    m.user_id,
    u.email,
    u.display_name,
    m.role,
    m.created_at
   FROM (app_public.memberships m
     JOIN app_public.users u ON ((u.id = m.user_id)))
  WHERE ((m.org_id = app_public.current_org_id()) AND app_public.require_org_admin());

ALTER TABLE app_public.org_members OWNER TO switchboard_owner;

--
-- Name: organizations; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.organizations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    timezone text DEFAULT 'UTC'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    require_mfa boolean DEFAULT false NOT NULL,
    CONSTRAINT organizations_name_check CHECK (((length(TRIM(BOTH FROM name)) >= 1) AND (length(TRIM(BOTH FROM name)) <= 200))),
    CONSTRAINT organizations_timezone_check CHECK (app_private.is_valid_timezone(timezone))
);

ALTER TABLE ONLY app_public.organizations FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.organizations OWNER TO switchboard_owner;

--
-- Name: pipeline_events; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.pipeline_events (
    org_id uuid NOT NULL,
    id bigint DEFAULT app_private.opaque_id() NOT NULL,
    kind text NOT NULL,
    contact_id uuid,
    subject_id uuid,
    actor_id uuid,
    data jsonb DEFAULT '{}'::jsonb NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    duration_ms bigint,
    quantity integer DEFAULT 1 NOT NULL,
    CONSTRAINT pipeline_events_duration_ms_check CHECK ((duration_ms >= 0)),
    CONSTRAINT pipeline_events_kind_check CHECK (((length(kind) >= 1) AND (length(kind) <= 100))),
    CONSTRAINT pipeline_events_quantity_check CHECK ((quantity >= 0))
);

ALTER TABLE ONLY app_public.pipeline_events FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.pipeline_events OWNER TO switchboard_owner;

--
-- Name: pipeline_funnel; Type: VIEW; Schema: app_public; Owner: switchboard_owner
--

CREATE VIEW app_public.pipeline_funnel WITH (security_invoker='true') AS
 SELECT e.org_id,
    ((e.occurred_at AT TIME ZONE o.timezone))::date AS day,
    e.kind AS stage,
    sum(e.quantity) AS quantity,
    count(*) AS events,
    (round(avg(e.duration_ms)))::bigint AS avg_duration_ms,
    max(e.duration_ms) AS max_duration_ms
   FROM (app_public.pipeline_events e
     JOIN app_public.organizations o ON ((o.id = e.org_id)))
  WHERE (e.kind = ANY (ARRAY['upload_received'::text, 'rows_rejected'::text, 'merged'::text, 'verified'::text, 'fed'::text, 'replied'::text, 'booked'::text]))
  GROUP BY e.org_id, (((e.occurred_at AT TIME ZONE o.timezone))::date), e.kind;

ALTER TABLE app_public.pipeline_funnel OWNER TO switchboard_owner;

--
-- Name: resource_hours; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.resource_hours (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    resource_id uuid NOT NULL,
    weekday smallint NOT NULL,
    opens_at time without time zone NOT NULL,
    closes_at time without time zone NOT NULL,
    CONSTRAINT resource_hours_check CHECK ((closes_at > opens_at)),
    CONSTRAINT resource_hours_weekday_check CHECK (((weekday >= 1) AND (weekday <= 7)))
);

ALTER TABLE ONLY app_public.resource_hours FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.resource_hours OWNER TO switchboard_owner;

--
-- Name: resources; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.resources (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    is_default boolean DEFAULT false NOT NULL,
    slot_minutes integer DEFAULT 30 NOT NULL,
    buffer_before interval DEFAULT '00:00:00'::interval NOT NULL,
    buffer_after interval DEFAULT '00:00:00'::interval NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT resources_buffer_after_check CHECK (((buffer_after >= '00:00:00'::interval) AND (buffer_after <= '04:00:00'::interval))),
    CONSTRAINT resources_buffer_before_check CHECK (((buffer_before >= '00:00:00'::interval) AND (buffer_before <= '04:00:00'::interval))),
    CONSTRAINT resources_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT resources_slot_minutes_check CHECK (((slot_minutes >= 5) AND (slot_minutes <= 480)))
);

ALTER TABLE ONLY app_public.resources FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.resources OWNER TO switchboard_owner;

--
-- Name: sending_accounts; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.sending_accounts (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    name text NOT NULL,
    from_email public.citext NOT NULL,
    from_name text,
    smtp_host text NOT NULL,
    smtp_port integer DEFAULT 587 NOT NULL,
    smtp_secure boolean DEFAULT false NOT NULL,
    smtp_user text NOT NULL,
    daily_cap integer DEFAULT 50 NOT NULL,
    window_days smallint[] DEFAULT '{1,2,3,4,5}'::smallint[] NOT NULL,
    window_start time without time zone DEFAULT '08:00:00'::time without time zone NOT NULL,
    window_end time without time zone DEFAULT '18:00:00'::time without time zone NOT NULL,
    min_gap_seconds integer DEFAULT 90 NOT NULL,
    jitter_seconds integer DEFAULT 60 NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    disabled_reason text,
    last_sent_at timestamp with time zone,
    next_send_at timestamp with time zone DEFAULT '-infinity'::timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sending_accounts_check CHECK ((window_end > window_start)),
    CONSTRAINT sending_accounts_daily_cap_check CHECK (((daily_cap >= 1) AND (daily_cap <= 10000))),
    CONSTRAINT sending_accounts_from_email_check CHECK ((from_email OPERATOR(public.~) '^[^@\s]+@[^@\s]+$'::public.citext)),
    CONSTRAINT sending_accounts_from_name_check CHECK (((from_name IS NULL) OR ((length(from_name) <= 200) AND (from_name !~ '[\r\n]'::text)))),
    CONSTRAINT sending_accounts_jitter_seconds_check CHECK (((jitter_seconds >= 0) AND (jitter_seconds <= 86400))),
    CONSTRAINT sending_accounts_min_gap_seconds_check CHECK (((min_gap_seconds >= 0) AND (min_gap_seconds <= 86400))),
    CONSTRAINT sending_accounts_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT sending_accounts_smtp_host_check CHECK (((length(smtp_host) >= 1) AND (length(smtp_host) <= 255))),
    CONSTRAINT sending_accounts_smtp_port_check CHECK (((smtp_port >= 1) AND (smtp_port <= 65535))),
    CONSTRAINT sending_accounts_smtp_user_check CHECK (((length(smtp_user) >= 1) AND (length(smtp_user) <= 320))),
    CONSTRAINT sending_accounts_window_days_check CHECK (((window_days <@ '{1,2,3,4,5,6,7}'::smallint[]) AND (cardinality(window_days) > 0)))
);

ALTER TABLE ONLY app_public.sending_accounts FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.sending_accounts OWNER TO switchboard_owner;

--
-- Name: sequence_enrollments; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.sequence_enrollments (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    campaign_id uuid NOT NULL,
    contact_id uuid NOT NULL,
    lead_id uuid,
    status text DEFAULT 'active'::text NOT NULL,
    stop_reason text,
    current_step integer,
    account_id uuid,
    thread_message_id text,
    thread_subject text,
    refs text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sequence_enrollments_status_check CHECK ((status = ANY (ARRAY['active'::text, 'completed'::text, 'stopped'::text])))
);

ALTER TABLE ONLY app_public.sequence_enrollments FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.sequence_enrollments OWNER TO switchboard_owner;

--
-- Name: sequence_steps; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.sequence_steps (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    campaign_id uuid NOT NULL,
    "position" integer NOT NULL,
    subject_template text,
    html_template text NOT NULL,
    text_template text,
    delay_days integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sequence_steps_delay_days_check CHECK (((delay_days >= 0) AND (delay_days <= 365))),
    CONSTRAINT sequence_steps_html_template_check CHECK (((length(html_template) >= 1) AND (length(html_template) <= 100000))),
    CONSTRAINT sequence_steps_position_check CHECK ((("position" >= 1) AND ("position" <= 100))),
    CONSTRAINT sequence_steps_subject_template_check CHECK ((length(subject_template) <= 998)),
    CONSTRAINT sequence_steps_text_template_check CHECK ((length(text_template) <= 100000))
);

ALTER TABLE ONLY app_public.sequence_steps FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.sequence_steps OWNER TO switchboard_owner;

--
-- Name: sms_messages; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.sms_messages (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    kind text NOT NULL,
    contact_id uuid,
    appointment_id uuid,
    reminder_offset interval,
    to_number text NOT NULL,
    body text,
    status text DEFAULT 'scheduled'::text NOT NULL,
    send_at timestamp with time zone DEFAULT now() NOT NULL,
    twilio_sid text,
    twilio_status text,
    error_code integer,
    error text,
    attempts integer DEFAULT 0 NOT NULL,
    sent_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sms_messages_kind_check CHECK ((kind = ANY (ARRAY['reminder'::text, 'cancel_confirmation'::text, 'message'::text]))),
    CONSTRAINT sms_messages_status_check CHECK ((status = ANY (ARRAY['scheduled'::text, 'sending'::text, 'accepted'::text, 'queued'::text, 'sending_twilio'::text, 'sent'::text, 'delivered'::text, 'undelivered'::text, 'failed'::text, 'cancelled'::text, 'suppressed'::text, 'skipped'::text, 'in_doubt'::text]))),
    CONSTRAINT sms_messages_to_number_check CHECK ((to_number ~ '^\+[1-9][0-9]{7,14}$'::text))
);

ALTER TABLE ONLY app_public.sms_messages FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.sms_messages OWNER TO switchboard_owner;

--
-- Name: sms_settings; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.sms_settings (
    org_id uuid NOT NULL,
    account_sid text NOT NULL,
    api_key_sid text,
    from_number text,
    messaging_service_sid text,
    base_url text,
    status_callback_url text,
    enabled boolean DEFAULT true NOT NULL,
    reminder_offsets interval[] DEFAULT '{24:00:00,02:00:00}'::interval[] NOT NULL,
    reminder_template text DEFAULT 'Hi {{first_name}}, a reminder of your appointment ({{resource}}) on {{starts_at_local}}. To cancel: {{cancel_url}}'::text NOT NULL,
    quiet_start time without time zone DEFAULT '21:00:00'::time without time zone NOT NULL,
    quiet_end time without time zone DEFAULT '08:00:00'::time without time zone NOT NULL,
    cancel_by_reply boolean DEFAULT false NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT sms_settings_account_sid_check CHECK ((account_sid ~ '^AC[0-9a-fA-F]{32}$'::text)),
    CONSTRAINT sms_settings_api_key_sid_check CHECK ((api_key_sid ~ '^SK[0-9a-fA-F]{32}$'::text)),
    CONSTRAINT sms_settings_check CHECK (((from_number IS NOT NULL) OR (messaging_service_sid IS NOT NULL))),
    CONSTRAINT sms_settings_from_number_check CHECK ((from_number ~ '^\+[1-9][0-9]{7,14}$'::text)),
    CONSTRAINT sms_settings_messaging_service_sid_check CHECK ((messaging_service_sid ~ '^MG[0-9a-fA-F]{32}$'::text)),
    CONSTRAINT sms_settings_reminder_template_check CHECK (((length(reminder_template) >= 1) AND (length(reminder_template) <= 1600))),
    CONSTRAINT sms_settings_status_callback_url_check CHECK ((status_callback_url ~ '^https?://'::text))
);

ALTER TABLE ONLY app_public.sms_settings FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.sms_settings OWNER TO switchboard_owner;

--
-- Name: sources; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.sources (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    provider text NOT NULL,
    name text NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    auth jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT sources_auth_valid CHECK (app_private.valid_source_auth(provider, auth)),
    CONSTRAINT sources_name_check CHECK (((length(name) >= 1) AND (length(name) <= 200))),
    CONSTRAINT sources_provider_check CHECK ((provider = ANY (ARRAY['smartlead'::text, 'replyio'::text, 'vapi'::text, 'standard'::text, 'csv'::text, 'twilio'::text])))
);

ALTER TABLE ONLY app_public.sources FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.sources OWNER TO switchboard_owner;

--
-- Name: suppressions; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.suppressions (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    email public.citext,
    reason text NOT NULL,
    source text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    phone text,
    id bigint DEFAULT app_private.opaque_id() NOT NULL,
    CONSTRAINT suppressions_email_or_phone CHECK (((email IS NOT NULL) OR (phone IS NOT NULL))),
    CONSTRAINT suppressions_phone_e164 CHECK ((phone ~ '^\+[1-9][0-9]{7,14}$'::text)),
    CONSTRAINT suppressions_reason_check CHECK ((reason = ANY (ARRAY['unsubscribed'::text, 'bounced'::text, 'complaint'::text, 'do_not_contact'::text])))
);

ALTER TABLE ONLY app_public.suppressions FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.suppressions OWNER TO switchboard_owner;

--
-- Name: system_health; Type: VIEW; Schema: app_public; Owner: switchboard_owner
--

CREATE VIEW app_public.system_health WITH (security_invoker='true') AS
 SELECT system_health_for_current_org.org_id,
    system_health_for_current_org.pending_events,
    system_health_for_current_org.oldest_pending_event_seconds,
    system_health_for_current_org.open_dead_letters,
    system_health_for_current_org.pending_deliveries,
    system_health_for_current_org.dead_deliveries_24h,
    system_health_for_current_org.disabled_endpoints,
    system_health_for_current_org.queued_jobs,
    system_health_for_current_org.failing_jobs,
    system_health_for_current_org.last_feeder_run_at,
    system_health_for_current_org.last_contactable_refresh_at,
    system_health_for_current_org.last_backup_verified_at,
    system_health_for_current_org.last_backup_ok,
    system_health_for_current_org.worker_heartbeat_seconds,
    system_health_for_current_org.checked_at,
    system_health_for_current_org.calendar_sources_failing,
    system_health_for_current_org.calendar_last_sync_error,
    system_health_for_current_org.pending_lead_pushes,
    system_health_for_current_org.failed_lead_pushes_24h,
    system_health_for_current_org.refused_lead_pushes_24h,
    system_health_for_current_org.failing_connections,
    system_health_for_current_org.failed_sms_24h,
    system_health_for_current_org.replica_lag_seconds
   FROM app_private.system_health_for_current_org() system_health_for_current_org(org_id, pending_events, oldest_pending_event_seconds, open_dead_letters, pending_deliveries, dead_deliveries_24h, disabled_endpoints, queued_jobs, failing_jobs, last_feeder_run_at, last_contactable_refresh_at, last_backup_verified_at, last_backup_ok, worker_heartbeat_seconds, checked_at, calendar_sources_failing, calendar_last_sync_error, pending_lead_pushes, failed_lead_pushes_24h, refused_lead_pushes_24h, failing_connections, failed_sms_24h, replica_lag_seconds);

ALTER TABLE app_public.system_health OWNER TO switchboard_owner;

--
-- Name: transcripts; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.transcripts (
    org_id uuid NOT NULL,
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    call_id uuid NOT NULL,
    content text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    messages jsonb,
    summary text,
    search tsvector GENERATED ALWAYS AS ((setweight(to_tsvector('english'::regconfig, regexp_replace(COALESCE(summary, ''::text), '\[(EMAIL|CARD|SSN|DOB|MRN|PHONE)\]'::text, ' '::text, 'g'::text)), 'A'::"char") || setweight(to_tsvector('english'::regconfig, regexp_replace(COALESCE(content, ''::text), '\[(EMAIL|CARD|SSN|DOB|MRN|PHONE)\]'::text, ' '::text, 'g'::text)), 'B'::"char"))) STORED
);

ALTER TABLE ONLY app_public.transcripts FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.transcripts OWNER TO switchboard_owner;

--
-- Name: user_sessions; Type: VIEW; Schema: app_public; Owner: switchboard_owner
--

CREATE VIEW app_public.user_sessions WITH (security_invoker='true') AS
 SELECT visible_sessions.id,
    visible_sessions.user_id,
    visible_sessions.org_id,
    visible_sessions.device,
    visible_sessions.ip,
    visible_sessions.user_agent,
    visible_sessions.created_at,
    visible_sessions.last_refreshed_at,
    visible_sessions.expires_at,
    visible_sessions.revoked_at,
    visible_sessions.revoked_reason,
    visible_sessions.active,
    visible_sessions.current
   FROM app_private.visible_sessions() visible_sessions(id, user_id, org_id, device, ip, user_agent, created_at, last_refreshed_at, expires_at, revoked_at, revoked_reason, active, current);

ALTER TABLE app_public.user_sessions OWNER TO switchboard_owner;

--
-- Name: verification_code_map; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.verification_code_map (
    org_id uuid DEFAULT app_public.current_org_id() NOT NULL,
    provider text DEFAULT 'default'::text NOT NULL,
    code text NOT NULL,
    verdict text NOT NULL,
    CONSTRAINT verification_code_map_code_check CHECK (((length(code) >= 1) AND (length(code) <= 100))),
    CONSTRAINT verification_code_map_provider_check CHECK (((length(provider) >= 1) AND (length(provider) <= 100))),
    CONSTRAINT verification_code_map_verdict_check CHECK ((verdict = ANY (ARRAY['valid'::text, 'invalid'::text, 'risky'::text, 'unknown'::text])))
);

ALTER TABLE ONLY app_public.verification_code_map FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.verification_code_map OWNER TO switchboard_owner;

--
-- Name: webhook_events; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.webhook_events (
    org_id uuid NOT NULL,
    id uuid DEFAULT app_private.time_ordered_uuid() NOT NULL,
    source_id uuid NOT NULL,
    provider text NOT NULL,
    dedupe_key text NOT NULL,
    shard smallint NOT NULL,
    event_type text,
    occurred_at timestamp with time zone,
    payload jsonb,
    status text DEFAULT 'pending'::text NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    received_at timestamp with time zone DEFAULT now() NOT NULL,
    processed_at timestamp with time zone,
    CONSTRAINT webhook_events_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'processed'::text, 'unattributed'::text, 'failed'::text, 'dead'::text])))
);

ALTER TABLE ONLY app_public.webhook_events FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.webhook_events OWNER TO switchboard_owner;

--
-- Name: workspace_settings_history; Type: TABLE; Schema: app_public; Owner: switchboard_owner
--

CREATE TABLE app_public.workspace_settings_history (
    org_id uuid NOT NULL,
    id bigint DEFAULT app_private.opaque_id() NOT NULL,
    changed_by uuid,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    old_values jsonb NOT NULL,
    new_values jsonb NOT NULL
);

ALTER TABLE ONLY app_public.workspace_settings_history FORCE ROW LEVEL SECURITY;

ALTER TABLE app_public.workspace_settings_history OWNER TO switchboard_owner;

--
-- Name: workspace_settings_changes; Type: VIEW; Schema: app_public; Owner: switchboard_owner
--

CREATE VIEW app_public.workspace_settings_changes WITH (security_invoker='true') AS
 SELECT h.org_id,
    h.id,
    h.changed_at,
    h.changed_by,
    u.email AS changed_by_email,
    h.old_values,
    h.new_values
   FROM (app_public.workspace_settings_history h
     LEFT JOIN app_public.users u ON ((u.id = h.changed_by)))
  WHERE ((h.org_id = app_public.current_org_id()) AND app_public.require_org_admin());

ALTER TABLE app_public.workspace_settings_changes OWNER TO switchboard_owner;

--
-- Name: account_lockouts account_lockouts_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.account_lockouts
    ADD CONSTRAINT account_lockouts_pkey PRIMARY KEY (email);

--
-- Name: alert_state alert_state_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.alert_state
    ADD CONSTRAINT alert_state_pkey PRIMARY KEY (id);

--
-- Name: backup_verification_log backup_verification_log_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.backup_verification_log
    ADD CONSTRAINT backup_verification_log_pkey PRIMARY KEY (id);

--
-- Name: calendar_feed_key calendar_feed_key_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.calendar_feed_key
    ADD CONSTRAINT calendar_feed_key_pkey PRIMARY KEY (id);

--
-- Name: calendar_source_secrets calendar_source_secrets_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.calendar_source_secrets
    ADD CONSTRAINT calendar_source_secrets_pkey PRIMARY KEY (org_id, source_id);

--
-- Name: calendar_writes calendar_writes_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.calendar_writes
    ADD CONSTRAINT calendar_writes_pkey PRIMARY KEY (org_id, source_id, appointment_id);

--
-- Name: campaign_connection_secrets campaign_connection_secrets_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.campaign_connection_secrets
    ADD CONSTRAINT campaign_connection_secrets_pkey PRIMARY KEY (org_id, connection_id);

--
-- Name: campaign_replies campaign_replies_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.campaign_replies
    ADD CONSTRAINT campaign_replies_pkey PRIMARY KEY (org_id, campaign_id, contact_id);

--
-- Name: consent_nonces consent_nonces_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.consent_nonces
    ADD CONSTRAINT consent_nonces_pkey PRIMARY KEY (org_id, nonce);

--
-- Name: contactable_lead_set contactable_lead_set_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.contactable_lead_set
    ADD CONSTRAINT contactable_lead_set_pkey PRIMARY KEY (org_id, lead_id);

--
-- Name: contactable_refresh_runs contactable_refresh_runs_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.contactable_refresh_runs
    ADD CONSTRAINT contactable_refresh_runs_pkey PRIMARY KEY (org_id, local_date);

--
-- Name: delivery_endpoint_secrets delivery_endpoint_secrets_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.delivery_endpoint_secrets
    ADD CONSTRAINT delivery_endpoint_secrets_pkey PRIMARY KEY (org_id, id);

--
-- Name: feature_flag_history feature_flag_history_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.feature_flag_history
    ADD CONSTRAINT feature_flag_history_pkey PRIMARY KEY (id);

--
-- Name: lead_feed_runs lead_feed_runs_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.lead_feed_runs
    ADD CONSTRAINT lead_feed_runs_pkey PRIMARY KEY (org_id, local_date);

--
-- Name: lead_import_chunks lead_import_chunks_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.lead_import_chunks
    ADD CONSTRAINT lead_import_chunks_pkey PRIMARY KEY (org_id, batch_id, chunk);

--
-- Name: lead_import_pending lead_import_pending_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.lead_import_pending
    ADD CONSTRAINT lead_import_pending_pkey PRIMARY KEY (org_id, batch_id);

--
-- Name: lead_upload_hashes lead_upload_hashes_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.lead_upload_hashes
    ADD CONSTRAINT lead_upload_hashes_pkey PRIMARY KEY (org_id, content_sha256);

--
-- Name: login_attempts login_attempts_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.login_attempts
    ADD CONSTRAINT login_attempts_pkey PRIMARY KEY (id);

--
-- Name: mfa_recovery_codes mfa_recovery_codes_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.mfa_recovery_codes
    ADD CONSTRAINT mfa_recovery_codes_pkey PRIMARY KEY (user_id, code_hash);

--
-- Name: opaque_id_permutation opaque_id_permutation_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.opaque_id_permutation
    ADD CONSTRAINT opaque_id_permutation_pkey PRIMARY KEY (only_row);

--
-- Name: operational_events operational_events_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.operational_events
    ADD CONSTRAINT operational_events_pkey PRIMARY KEY (id);

--
-- Name: org_quotas org_quotas_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.org_quotas
    ADD CONSTRAINT org_quotas_pkey PRIMARY KEY (org_id);

--
-- Name: outreach_event_types outreach_event_types_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.outreach_event_types
    ADD CONSTRAINT outreach_event_types_pkey PRIMARY KEY (provider, provider_type);

--
-- Name: password_reset_tokens password_reset_tokens_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.password_reset_tokens
    ADD CONSTRAINT password_reset_tokens_pkey PRIMARY KEY (token_hash);

--
-- Name: platform_settings platform_settings_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.platform_settings
    ADD CONSTRAINT platform_settings_pkey PRIMARY KEY (key);

--
-- Name: provider_tasks provider_tasks_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.provider_tasks
    ADD CONSTRAINT provider_tasks_pkey PRIMARY KEY (provider);

--
-- Name: request_counters request_counters_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.request_counters
    ADD CONSTRAINT request_counters_pkey PRIMARY KEY (subject, window_start, shard);

--
-- Name: retention_runs retention_runs_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.retention_runs
    ADD CONSTRAINT retention_runs_pkey PRIMARY KEY (id);

--
-- Name: sending_account_secrets sending_account_secrets_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sending_account_secrets
    ADD CONSTRAINT sending_account_secrets_pkey PRIMARY KEY (org_id, account_id);

--
-- Name: sending_account_usage sending_account_usage_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sending_account_usage
    ADD CONSTRAINT sending_account_usage_pkey PRIMARY KEY (org_id, account_id, local_day);

--
-- Name: sessions sessions_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);

--
-- Name: sessions sessions_refresh_token_hash_key; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sessions
    ADD CONSTRAINT sessions_refresh_token_hash_key UNIQUE (refresh_token_hash);

--
-- Name: signature_failures signature_failures_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.signature_failures
    ADD CONSTRAINT signature_failures_pkey PRIMARY KEY (source_id, minute);

--
-- Name: sms_credentials sms_credentials_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sms_credentials
    ADD CONSTRAINT sms_credentials_pkey PRIMARY KEY (org_id);

--
-- Name: source_secrets source_secrets_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.source_secrets
    ADD CONSTRAINT source_secrets_pkey PRIMARY KEY (org_id, id);

--
-- Name: source_signature_failures source_signature_failures_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.source_signature_failures
    ADD CONSTRAINT source_signature_failures_pkey PRIMARY KEY (source_id, hour);

--
-- Name: sso_providers sso_providers_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sso_providers
    ADD CONSTRAINT sso_providers_pkey PRIMARY KEY (org_id);

--
-- Name: sso_states sso_states_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sso_states
    ADD CONSTRAINT sso_states_pkey PRIMARY KEY (state_hash);

--
-- Name: used_refresh_tokens used_refresh_tokens_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.used_refresh_tokens
    ADD CONSTRAINT used_refresh_tokens_pkey PRIMARY KEY (token_hash);

--
-- Name: user_identities user_identities_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.user_identities
    ADD CONSTRAINT user_identities_pkey PRIMARY KEY (issuer, subject);

--
-- Name: user_mfa user_mfa_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.user_mfa
    ADD CONSTRAINT user_mfa_pkey PRIMARY KEY (user_id);

--
-- Name: user_secrets user_secrets_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.user_secrets
    ADD CONSTRAINT user_secrets_pkey PRIMARY KEY (user_id);

--
-- Name: worker_heartbeats worker_heartbeats_pkey; Type: CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.worker_heartbeats
    ADD CONSTRAINT worker_heartbeats_pkey PRIMARY KEY (worker_id);

--
-- Name: agents agents_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.agents
    ADD CONSTRAINT agents_pkey PRIMARY KEY (org_id, id);

--
-- Name: appointments appointments_no_overlap; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.appointments
    ADD CONSTRAINT appointments_no_overlap EXCLUDE USING gist (org_id WITH =, resource_id WITH =, blocked WITH &&) WHERE ((status <> 'cancelled'::text));

--
-- Name: appointments appointments_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.appointments
    ADD CONSTRAINT appointments_pkey PRIMARY KEY (org_id, id);

--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (org_id, id);

--
-- Name: auth_events auth_events_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.auth_events
    ADD CONSTRAINT auth_events_pkey PRIMARY KEY (org_id, id);

--
-- Name: calendar_feeds calendar_feeds_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calendar_feeds
    ADD CONSTRAINT calendar_feeds_pkey PRIMARY KEY (org_id, id);

--
-- Name: calendar_sources calendar_sources_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calendar_sources
    ADD CONSTRAINT calendar_sources_pkey PRIMARY KEY (org_id, id);

--
-- Name: callback_requests callback_requests_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.callback_requests
    ADD CONSTRAINT callback_requests_pkey PRIMARY KEY (org_id, id);

--
-- Name: calls calls_org_id_platform_external_id_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calls
    ADD CONSTRAINT calls_org_id_platform_external_id_key UNIQUE (org_id, platform, external_id);

--
-- Name: calls calls_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calls
    ADD CONSTRAINT calls_pkey PRIMARY KEY (org_id, id);

--
-- Name: campaign_connections campaign_connections_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaign_connections
    ADD CONSTRAINT campaign_connections_pkey PRIMARY KEY (org_id, id);

--
-- Name: campaign_counters campaign_counters_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaign_counters
    ADD CONSTRAINT campaign_counters_pkey PRIMARY KEY (org_id, campaign_id);

--
-- Name: campaign_hourly_metrics campaign_hourly_metrics_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaign_hourly_metrics
    ADD CONSTRAINT campaign_hourly_metrics_pkey PRIMARY KEY (org_id, campaign_id, local_hour);

--
-- Name: campaigns campaigns_org_id_provider_external_id_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaigns
    ADD CONSTRAINT campaigns_org_id_provider_external_id_key UNIQUE (org_id, provider, external_id);

--
-- Name: campaigns campaigns_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaigns
    ADD CONSTRAINT campaigns_pkey PRIMARY KEY (org_id, id);

--
-- Name: contacts contacts_org_id_email_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.contacts
    ADD CONSTRAINT contacts_org_id_email_key UNIQUE (org_id, email);

--
-- Name: contacts contacts_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.contacts
    ADD CONSTRAINT contacts_pkey PRIMARY KEY (org_id, id);

--
-- Name: dead_letters dead_letters_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.dead_letters
    ADD CONSTRAINT dead_letters_pkey PRIMARY KEY (org_id, id);

--
-- Name: deliveries deliveries_message_id_endpoint_id_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.deliveries
    ADD CONSTRAINT deliveries_message_id_endpoint_id_key UNIQUE (org_id, message_id, endpoint_id);

--
-- Name: deliveries deliveries_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.deliveries
    ADD CONSTRAINT deliveries_pkey PRIMARY KEY (org_id, id);

--
-- Name: delivery_attempts delivery_attempts_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.delivery_attempts
    ADD CONSTRAINT delivery_attempts_pkey PRIMARY KEY (org_id, id);

--
-- Name: delivery_endpoints delivery_endpoints_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.delivery_endpoints
    ADD CONSTRAINT delivery_endpoints_pkey PRIMARY KEY (org_id, id);

--
-- Name: delivery_messages delivery_messages_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.delivery_messages
    ADD CONSTRAINT delivery_messages_pkey PRIMARY KEY (org_id, id);

--
-- Name: email_events email_events_org_id_webhook_event_id_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.email_events
    ADD CONSTRAINT email_events_org_id_webhook_event_id_key UNIQUE (org_id, webhook_event_id);

--
-- Name: email_events email_events_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.email_events
    ADD CONSTRAINT email_events_pkey PRIMARY KEY (org_id, id);

--
-- Name: emails emails_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.emails
    ADD CONSTRAINT emails_pkey PRIMARY KEY (org_id, id);

--
-- Name: external_busy external_busy_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.external_busy
    ADD CONSTRAINT external_busy_pkey PRIMARY KEY (org_id, id);

--
-- Name: feature_flag_overrides feature_flag_overrides_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.feature_flag_overrides
    ADD CONSTRAINT feature_flag_overrides_pkey PRIMARY KEY (org_id, flag_key);

--
-- Name: feature_flags feature_flags_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.feature_flags
    ADD CONSTRAINT feature_flags_pkey PRIMARY KEY (key);

--
-- Name: invitations invitations_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.invitations
    ADD CONSTRAINT invitations_pkey PRIMARY KEY (org_id, id);

--
-- Name: invitations invitations_token_hash_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.invitations
    ADD CONSTRAINT invitations_token_hash_key UNIQUE (org_id, token_hash);

--
-- Name: lead_import_batches lead_import_batches_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_import_batches
    ADD CONSTRAINT lead_import_batches_pkey PRIMARY KEY (org_id, id);

--
-- Name: lead_import_rejects lead_import_rejects_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_import_rejects
    ADD CONSTRAINT lead_import_rejects_pkey PRIMARY KEY (org_id, batch_id, row_number);

--
-- Name: lead_push_attempts lead_push_attempts_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_push_attempts
    ADD CONSTRAINT lead_push_attempts_pkey PRIMARY KEY (org_id, id);

--
-- Name: lead_push_chunks lead_push_chunks_org_id_connection_id_local_date_position_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_push_chunks
    ADD CONSTRAINT lead_push_chunks_org_id_connection_id_local_date_position_key UNIQUE (org_id, connection_id, local_date, "position");

--
-- Name: lead_push_chunks lead_push_chunks_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_push_chunks
    ADD CONSTRAINT lead_push_chunks_pkey PRIMARY KEY (org_id, id);

--
-- Name: lead_pushes lead_pushes_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_pushes
    ADD CONSTRAINT lead_pushes_pkey PRIMARY KEY (org_id, connection_id, local_date, lead_id);

--
-- Name: leads leads_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.leads
    ADD CONSTRAINT leads_pkey PRIMARY KEY (org_id, id);

--
-- Name: memberships memberships_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.memberships
    ADD CONSTRAINT memberships_pkey PRIMARY KEY (org_id, user_id);

--
-- Name: organizations organizations_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.organizations
    ADD CONSTRAINT organizations_pkey PRIMARY KEY (id);

--
-- Name: pipeline_events pipeline_events_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.pipeline_events
    ADD CONSTRAINT pipeline_events_pkey PRIMARY KEY (org_id, id);

--
-- Name: resource_hours resource_hours_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.resource_hours
    ADD CONSTRAINT resource_hours_pkey PRIMARY KEY (org_id, resource_id, weekday, opens_at);

--
-- Name: resources resources_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.resources
    ADD CONSTRAINT resources_pkey PRIMARY KEY (org_id, id);

--
-- Name: sending_accounts sending_accounts_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sending_accounts
    ADD CONSTRAINT sending_accounts_pkey PRIMARY KEY (org_id, id);

--
-- Name: sequence_enrollments sequence_enrollments_org_id_campaign_id_contact_id_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_enrollments
    ADD CONSTRAINT sequence_enrollments_org_id_campaign_id_contact_id_key UNIQUE (org_id, campaign_id, contact_id);

--
-- Name: sequence_enrollments sequence_enrollments_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_enrollments
    ADD CONSTRAINT sequence_enrollments_pkey PRIMARY KEY (org_id, id);

--
-- Name: sequence_steps sequence_steps_campaign_id_position_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_steps
    ADD CONSTRAINT sequence_steps_campaign_id_position_key UNIQUE (org_id, campaign_id, "position");

--
-- Name: sequence_steps sequence_steps_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_steps
    ADD CONSTRAINT sequence_steps_pkey PRIMARY KEY (org_id, id);

--
-- Name: sms_messages sms_messages_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sms_messages
    ADD CONSTRAINT sms_messages_pkey PRIMARY KEY (org_id, id);

--
-- Name: sms_settings sms_settings_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sms_settings
    ADD CONSTRAINT sms_settings_pkey PRIMARY KEY (org_id);

--
-- Name: sources sources_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sources
    ADD CONSTRAINT sources_pkey PRIMARY KEY (org_id, id);

--
-- Name: suppressions suppressions_org_id_email_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.suppressions
    ADD CONSTRAINT suppressions_org_id_email_key UNIQUE (org_id, email);

--
-- Name: suppressions suppressions_org_id_phone_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.suppressions
    ADD CONSTRAINT suppressions_org_id_phone_key UNIQUE (org_id, phone);

--
-- Name: suppressions suppressions_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.suppressions
    ADD CONSTRAINT suppressions_pkey PRIMARY KEY (org_id, id);

--
-- Name: transcripts transcripts_org_id_call_id_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.transcripts
    ADD CONSTRAINT transcripts_org_id_call_id_key UNIQUE (org_id, call_id);

--
-- Name: transcripts transcripts_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.transcripts
    ADD CONSTRAINT transcripts_pkey PRIMARY KEY (org_id, id);

--
-- Name: users users_email_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.users
    ADD CONSTRAINT users_email_key UNIQUE (email);

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

--
-- Name: verification_code_map verification_code_map_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.verification_code_map
    ADD CONSTRAINT verification_code_map_pkey PRIMARY KEY (org_id, provider, code);

--
-- Name: webhook_events webhook_events_org_id_source_id_dedupe_key_key; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.webhook_events
    ADD CONSTRAINT webhook_events_org_id_source_id_dedupe_key_key UNIQUE (org_id, source_id, dedupe_key);

--
-- Name: webhook_events webhook_events_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.webhook_events
    ADD CONSTRAINT webhook_events_pkey PRIMARY KEY (org_id, id);

--
-- Name: workspace_settings_history workspace_settings_history_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.workspace_settings_history
    ADD CONSTRAINT workspace_settings_history_pkey PRIMARY KEY (org_id, id);

--
-- Name: workspace_settings workspace_settings_pkey; Type: CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.workspace_settings
    ADD CONSTRAINT workspace_settings_pkey PRIMARY KEY (org_id);

--
-- Name: alert_state_open_key; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE UNIQUE INDEX alert_state_open_key ON app_private.alert_state USING btree (COALESCE(org_id, '00000000-0000-0000-0000-000000000000'::uuid), rule, key) WHERE (resolved_at IS NULL);

--
-- Name: alert_state_org_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX alert_state_org_id_idx ON app_private.alert_state USING btree (org_id);

--
-- Name: backup_verification_log_verified_at_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX backup_verification_log_verified_at_idx ON app_private.backup_verification_log USING btree (verified_at);

--
-- Name: campaign_connection_secrets_connection_lookup_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX campaign_connection_secrets_connection_lookup_idx ON app_private.campaign_connection_secrets USING btree (connection_id);

--
-- Name: connection_calls_connection_at_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX connection_calls_connection_at_idx ON app_private.connection_calls USING btree (connection_id, at DESC);

--
-- Name: consent_nonces_lead_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX consent_nonces_lead_id_idx ON app_private.consent_nonces USING btree (lead_id);

--
-- Name: consent_nonces_nonce_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX consent_nonces_nonce_idx ON app_private.consent_nonces USING btree (nonce);

--
-- Name: contactable_lead_set_lead_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX contactable_lead_set_lead_id_idx ON app_private.contactable_lead_set USING btree (lead_id);

--
-- Name: delivery_endpoint_secrets_endpoint_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX delivery_endpoint_secrets_endpoint_id_idx ON app_private.delivery_endpoint_secrets USING btree (endpoint_id);

--
-- Name: feature_flag_history_flag_key_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX feature_flag_history_flag_key_idx ON app_private.feature_flag_history USING btree (flag_key, at);

--
-- Name: lead_staging_batch_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX lead_staging_batch_id_idx ON app_private.lead_staging USING btree (batch_id);

--
-- Name: login_attempts_at_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX login_attempts_at_idx ON app_private.login_attempts USING btree (at);

--
-- Name: login_attempts_email_at_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX login_attempts_email_at_idx ON app_private.login_attempts USING btree (email, at DESC);

--
-- Name: operational_events_created_at_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX operational_events_created_at_idx ON app_private.operational_events USING btree (created_at);

--
-- Name: operational_events_org_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX operational_events_org_id_idx ON app_private.operational_events USING btree (org_id, created_at);

--
-- Name: password_reset_tokens_user_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX password_reset_tokens_user_id_idx ON app_private.password_reset_tokens USING btree (user_id);

--
-- Name: retention_runs_finished_at_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX retention_runs_finished_at_idx ON app_private.retention_runs USING btree (finished_at);

--
-- Name: sending_account_usage_account_day_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX sending_account_usage_account_day_idx ON app_private.sending_account_usage USING btree (account_id, local_day);

--
-- Name: sessions_org_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX sessions_org_id_idx ON app_private.sessions USING btree (org_id);

--
-- Name: sessions_user_id_active_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX sessions_user_id_active_idx ON app_private.sessions USING btree (user_id) WHERE (revoked_at IS NULL);

--
-- Name: sessions_user_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX sessions_user_id_idx ON app_private.sessions USING btree (user_id);

--
-- Name: source_secrets_source_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX source_secrets_source_id_idx ON app_private.source_secrets USING btree (source_id);

--
-- Name: sso_states_expires_at_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX sso_states_expires_at_idx ON app_private.sso_states USING btree (expires_at);

--
-- Name: used_refresh_tokens_session_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX used_refresh_tokens_session_id_idx ON app_private.used_refresh_tokens USING btree (session_id);

--
-- Name: user_identities_user_id_idx; Type: INDEX; Schema: app_private; Owner: switchboard_owner
--

CREATE INDEX user_identities_user_id_idx ON app_private.user_identities USING btree (user_id);

--
-- Name: agents_assistant_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX agents_assistant_id_idx ON app_public.agents USING btree (org_id, assistant_id);

--
-- Name: agents_phone_number_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX agents_phone_number_idx ON app_public.agents USING btree (org_id, phone_number_id);

--
-- Name: agents_resource_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX agents_resource_id_idx ON app_public.agents USING btree (resource_id) WHERE (resource_id IS NOT NULL);

--
-- Name: appointments_contact_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX appointments_contact_id_idx ON app_public.appointments USING btree (contact_id) WHERE (contact_id IS NOT NULL);

--
-- Name: appointments_idempotency_key_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE UNIQUE INDEX appointments_idempotency_key_idx ON app_public.appointments USING btree (org_id, idempotency_key) WHERE (idempotency_key IS NOT NULL);

--
-- Name: appointments_org_id_starts_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX appointments_org_id_starts_at_idx ON app_public.appointments USING btree (org_id, starts_at);

--
-- Name: audit_log_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX audit_log_at_idx ON app_public.audit_log USING btree (at);

--
-- Name: audit_log_org_id_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX audit_log_org_id_at_idx ON app_public.audit_log USING btree (org_id, at DESC);

--
-- Name: auth_events_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX auth_events_at_idx ON app_public.auth_events USING btree (at);

--
-- Name: auth_events_org_id_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX auth_events_org_id_at_idx ON app_public.auth_events USING btree (org_id, at DESC);

--
-- Name: auth_events_user_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX auth_events_user_id_idx ON app_public.auth_events USING btree (user_id);

--
-- Name: calendar_feeds_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX calendar_feeds_id_idx ON app_public.calendar_feeds USING btree (id);

--
-- Name: calendar_sources_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX calendar_sources_id_idx ON app_public.calendar_sources USING btree (id);

--
-- Name: calendar_sources_resource_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX calendar_sources_resource_idx ON app_public.calendar_sources USING btree (org_id, resource_id);

--
-- Name: callback_requests_contact_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX callback_requests_contact_id_idx ON app_public.callback_requests USING btree (contact_id) WHERE (contact_id IS NOT NULL);

--
-- Name: callback_requests_org_id_created_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX callback_requests_org_id_created_at_idx ON app_public.callback_requests USING btree (org_id, created_at DESC);

--
-- Name: callback_requests_origin_call_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE UNIQUE INDEX callback_requests_origin_call_idx ON app_public.callback_requests USING btree (org_id, origin_call_external_id) WHERE (origin_call_external_id IS NOT NULL);

--
-- Name: calls_agent_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX calls_agent_id_idx ON app_public.calls USING btree (agent_id) WHERE (agent_id IS NOT NULL);

--
-- Name: calls_campaign_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX calls_campaign_id_idx ON app_public.calls USING btree (campaign_id) WHERE (campaign_id IS NOT NULL);

--
-- Name: calls_contact_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX calls_contact_id_idx ON app_public.calls USING btree (contact_id) WHERE (contact_id IS NOT NULL);

--
-- Name: calls_org_id_created_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX calls_org_id_created_at_idx ON app_public.calls USING btree (org_id, created_at DESC);

--
-- Name: calls_org_id_started_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX calls_org_id_started_at_idx ON app_public.calls USING btree (org_id, started_at DESC);

--
-- Name: deliveries_endpoint_id_status_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX deliveries_endpoint_id_status_idx ON app_public.deliveries USING btree (endpoint_id, status, created_at);

--
-- Name: deliveries_org_id_created_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX deliveries_org_id_created_at_idx ON app_public.deliveries USING btree (org_id, created_at);

--
-- Name: delivery_attempts_attempted_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX delivery_attempts_attempted_at_idx ON app_public.delivery_attempts USING btree (attempted_at);

--
-- Name: delivery_attempts_delivery_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX delivery_attempts_delivery_id_idx ON app_public.delivery_attempts USING btree (delivery_id);

--
-- Name: delivery_attempts_org_id_attempted_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX delivery_attempts_org_id_attempted_at_idx ON app_public.delivery_attempts USING btree (org_id, attempted_at);

--
-- Name: delivery_messages_org_id_created_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX delivery_messages_org_id_created_at_idx ON app_public.delivery_messages USING btree (org_id, created_at);

--
-- Name: email_events_campaign_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX email_events_campaign_idx ON app_public.email_events USING btree (org_id, campaign_id, occurred_at DESC);

--
-- Name: email_events_contact_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX email_events_contact_idx ON app_public.email_events USING btree (contact_id);

--
-- Name: emails_due_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX emails_due_idx ON app_public.emails USING btree (scheduled_at, id) WHERE (status = 'queued'::text);

--
-- Name: emails_enrollment_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX emails_enrollment_idx ON app_public.emails USING btree (enrollment_id);

--
-- Name: emails_message_id_key; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE UNIQUE INDEX emails_message_id_key ON app_public.emails USING btree (org_id, message_id) WHERE (message_id IS NOT NULL);

--
-- Name: emails_org_status_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX emails_org_status_idx ON app_public.emails USING btree (org_id, status, scheduled_at);

--
-- Name: emails_sending_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX emails_sending_idx ON app_public.emails USING btree (claimed_at) WHERE (status = 'sending'::text);

--
-- Name: external_busy_resource_busy_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX external_busy_resource_busy_idx ON app_public.external_busy USING gist (org_id, resource_id, busy);

--
-- Name: external_busy_source_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX external_busy_source_idx ON app_public.external_busy USING btree (org_id, source_id);

--
-- Name: feature_flag_overrides_flag_key_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX feature_flag_overrides_flag_key_idx ON app_public.feature_flag_overrides USING btree (flag_key);

--
-- Name: invitations_org_email; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX invitations_org_email ON app_public.invitations USING btree (org_id, email);

--
-- Name: lead_import_batches_org_id_received_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX lead_import_batches_org_id_received_at_idx ON app_public.lead_import_batches USING btree (org_id, received_at DESC);

--
-- Name: lead_import_batches_source_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX lead_import_batches_source_id_idx ON app_public.lead_import_batches USING btree (source_id);

--
-- Name: lead_import_rejects_batch_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX lead_import_rejects_batch_id_idx ON app_public.lead_import_rejects USING btree (batch_id);

--
-- Name: lead_push_attempts_chunk_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX lead_push_attempts_chunk_idx ON app_public.lead_push_attempts USING btree (chunk_id);

--
-- Name: lead_push_chunks_pending_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX lead_push_chunks_pending_idx ON app_public.lead_push_chunks USING btree (next_attempt_at) WHERE (status = 'pending'::text);

--
-- Name: lead_pushes_chunk_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX lead_pushes_chunk_idx ON app_public.lead_pushes USING btree (chunk_id);

--
-- Name: lead_pushes_lead_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX lead_pushes_lead_idx ON app_public.lead_pushes USING btree (lead_id);

--
-- Name: leads_email_hash_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX leads_email_hash_idx ON app_public.leads USING hash (email_hash) WHERE (email_hash IS NOT NULL);

--
-- Name: leads_org_id_addr_hash_key; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE UNIQUE INDEX leads_org_id_addr_hash_key ON app_public.leads USING btree (org_id, addr_hash) WHERE (addr_hash IS NOT NULL);

--
-- Name: leads_org_id_assigned_to_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX leads_org_id_assigned_to_idx ON app_public.leads USING btree (org_id, assigned_to) WHERE (assigned_to IS NOT NULL);

--
-- Name: leads_org_id_fips_apn_key; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE UNIQUE INDEX leads_org_id_fips_apn_key ON app_public.leads USING btree (org_id, county_fips, apn_normalized) WHERE ((county_fips IS NOT NULL) AND (apn_normalized IS NOT NULL));

--
-- Name: leads_org_id_mak_key; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE UNIQUE INDEX leads_org_id_mak_key ON app_public.leads USING btree (org_id, mak) WHERE (mak IS NOT NULL);

--
-- Name: leads_org_id_queued_score_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX leads_org_id_queued_score_idx ON app_public.leads USING btree (org_id, lead_score DESC, id) WHERE (campaign_status = 'queued'::app_public.lead_campaign_status);

--
-- Name: leads_org_id_score_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX leads_org_id_score_idx ON app_public.leads USING btree (org_id, lead_score DESC, id);

--
-- Name: memberships_user_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX memberships_user_id_idx ON app_public.memberships USING btree (user_id);

--
-- Name: pipeline_events_contact_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX pipeline_events_contact_id_idx ON app_public.pipeline_events USING btree (contact_id) WHERE (contact_id IS NOT NULL);

--
-- Name: pipeline_events_org_id_occurred_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX pipeline_events_org_id_occurred_at_idx ON app_public.pipeline_events USING btree (org_id, occurred_at DESC);

--
-- Name: pipeline_events_subject_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX pipeline_events_subject_id_idx ON app_public.pipeline_events USING btree (subject_id) WHERE (subject_id IS NOT NULL);

--
-- Name: resources_one_default_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE UNIQUE INDEX resources_one_default_idx ON app_public.resources USING btree (org_id) WHERE is_default;

--
-- Name: sequence_enrollments_contact_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX sequence_enrollments_contact_idx ON app_public.sequence_enrollments USING btree (contact_id);

--
-- Name: sms_messages_contact_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX sms_messages_contact_idx ON app_public.sms_messages USING btree (contact_id) WHERE (contact_id IS NOT NULL);

--
-- Name: sms_messages_due_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX sms_messages_due_idx ON app_public.sms_messages USING btree (send_at) WHERE (status = 'scheduled'::text);

--
-- Name: sms_messages_org_twilio_sid_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE UNIQUE INDEX sms_messages_org_twilio_sid_idx ON app_public.sms_messages USING btree (org_id, twilio_sid) WHERE (twilio_sid IS NOT NULL);

--
-- Name: sms_messages_reminder_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE UNIQUE INDEX sms_messages_reminder_idx ON app_public.sms_messages USING btree (org_id, appointment_id, reminder_offset) WHERE (kind = 'reminder'::text);

--
-- Name: sms_messages_to_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX sms_messages_to_idx ON app_public.sms_messages USING btree (org_id, to_number, created_at DESC);

--
-- Name: sources_id_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX sources_id_idx ON app_public.sources USING btree (id);

--
-- Name: transcripts_created_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX transcripts_created_at_idx ON app_public.transcripts USING btree (created_at);

--
-- Name: transcripts_search_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX transcripts_search_idx ON app_public.transcripts USING gin (search) WITH (fastupdate=off);

--
-- Name: webhook_events_received_at_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX webhook_events_received_at_idx ON app_public.webhook_events USING btree (org_id, received_at DESC);

--
-- Name: webhook_events_todo_idx; Type: INDEX; Schema: app_public; Owner: switchboard_owner
--

CREATE INDEX webhook_events_todo_idx ON app_public.webhook_events USING btree (org_id, shard, received_at) WHERE (status = ANY (ARRAY['pending'::text, 'failed'::text]));

--
-- Name: signature_failures tg_signature_failures__hourly; Type: TRIGGER; Schema: app_private; Owner: switchboard_owner
--

CREATE TRIGGER tg_signature_failures__hourly AFTER INSERT OR UPDATE ON app_private.signature_failures FOR EACH ROW EXECUTE FUNCTION app_private.tg_signature_failures__hourly();

--
-- Name: agents tg_agents__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_agents__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.agents FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: appointments tg_appointments__after_insert; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_appointments__after_insert AFTER INSERT ON app_public.appointments FOR EACH ROW EXECUTE FUNCTION app_private.tg_appointments__after_insert();

--
-- Name: appointments tg_appointments__blocked_range_insert; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_appointments__blocked_range_insert BEFORE INSERT ON app_public.appointments FOR EACH ROW WHEN ((new.blocked IS NULL)) EXECUTE FUNCTION app_private.tg_appointments__blocked_range();

--
-- Name: appointments tg_appointments__blocked_range_update; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_appointments__blocked_range_update BEFORE UPDATE ON app_public.appointments FOR EACH ROW EXECUTE FUNCTION app_private.tg_appointments__blocked_range();

--
-- Name: appointments tg_appointments__calendar_push; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_appointments__calendar_push AFTER UPDATE OF starts_at, ends_at, status ON app_public.appointments FOR EACH ROW EXECUTE FUNCTION app_private.tg_appointments__calendar_push();

--
-- Name: appointments tg_appointments__emit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_appointments__emit AFTER UPDATE OF status ON app_public.appointments FOR EACH ROW EXECUTE FUNCTION app_private.tg_appointments__emit();

--
-- Name: appointments tg_appointments__sequence; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_appointments__sequence BEFORE UPDATE OF starts_at, ends_at, status ON app_public.appointments FOR EACH ROW EXECUTE FUNCTION app_private.tg_appointments__sequence();

--
-- Name: appointments tg_appointments__sms_reminders; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_appointments__sms_reminders AFTER UPDATE OF starts_at, status ON app_public.appointments FOR EACH ROW EXECUTE FUNCTION app_private.tg_appointments__sms_reminders();

--
-- Name: audit_log tg_audit_log__append_only; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_audit_log__append_only BEFORE DELETE OR UPDATE ON app_public.audit_log FOR EACH ROW EXECUTE FUNCTION app_private.tg_audit_log__append_only();

--
-- Name: audit_log tg_audit_log__no_truncate; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_audit_log__no_truncate BEFORE TRUNCATE ON app_public.audit_log FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_audit_log__append_only();

--
-- Name: auth_events tg_auth_events__append_only; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_auth_events__append_only BEFORE DELETE OR UPDATE ON app_public.auth_events FOR EACH ROW EXECUTE FUNCTION app_private.tg_audit_log__append_only();

--
-- Name: auth_events tg_auth_events__no_truncate; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_auth_events__no_truncate BEFORE TRUNCATE ON app_public.auth_events FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_audit_log__append_only();

--
-- Name: calls tg_calls__emit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_calls__emit AFTER INSERT OR UPDATE OF status ON app_public.calls FOR EACH ROW WHEN ((new.status = 'ended'::text)) EXECUTE FUNCTION app_private.tg_calls__emit();

--
-- Name: calls tg_calls__redact; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_calls__redact BEFORE INSERT OR UPDATE ON app_public.calls FOR EACH ROW EXECUTE FUNCTION app_private.tg_calls__redact();

--
-- Name: calls tg_calls__search_summary; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_calls__search_summary AFTER UPDATE OF summary ON app_public.calls FOR EACH ROW WHEN ((new.summary IS DISTINCT FROM old.summary)) EXECUTE FUNCTION app_private.tg_calls__search_summary();

--
-- Name: campaign_connections tg_campaign_connections__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_campaign_connections__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.campaign_connections FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: campaign_connections tg_campaign_connections__validate; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_campaign_connections__validate BEFORE INSERT OR UPDATE ON app_public.campaign_connections FOR EACH ROW EXECUTE FUNCTION app_private.tg_campaign_connections__validate();

--
-- Name: campaigns tg_campaigns__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_campaigns__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.campaigns FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: campaigns tg_campaigns__delete_email_events; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_campaigns__delete_email_events AFTER DELETE ON app_public.campaigns REFERENCING OLD TABLE AS gone_campaigns FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_campaigns__delete_email_events();

--
-- Name: campaigns tg_campaigns__email_events_key_fixed; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_campaigns__email_events_key_fixed BEFORE UPDATE OF org_id, id ON app_public.campaigns FOR EACH ROW WHEN (((new.org_id IS DISTINCT FROM old.org_id) OR (new.id IS DISTINCT FROM old.id))) EXECUTE FUNCTION app_private.tg_email_event_targets__key_fixed();

--
-- Name: contacts tg_contacts__email_events_key_fixed; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_contacts__email_events_key_fixed BEFORE UPDATE OF org_id, id ON app_public.contacts FOR EACH ROW WHEN (((new.org_id IS DISTINCT FROM old.org_id) OR (new.id IS DISTINCT FROM old.id))) EXECUTE FUNCTION app_private.tg_email_event_targets__key_fixed();

--
-- Name: contacts tg_contacts__unlink_email_events; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_contacts__unlink_email_events AFTER DELETE ON app_public.contacts REFERENCING OLD TABLE AS gone_contacts FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_contacts__unlink_email_events();

--
-- Name: delivery_endpoints tg_delivery_endpoints__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_delivery_endpoints__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.delivery_endpoints FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: delivery_endpoints tg_delivery_endpoints__reenable; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_delivery_endpoints__reenable BEFORE UPDATE ON app_public.delivery_endpoints FOR EACH ROW EXECUTE FUNCTION app_private.tg_delivery_endpoints__reenable();

--
-- Name: email_events tg_email_events__emit_reply; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_email_events__emit_reply AFTER INSERT ON app_public.email_events FOR EACH ROW WHEN ((new.kind = 'replied'::text)) EXECUTE FUNCTION app_private.tg_email_events__emit_reply();

--
-- Name: email_events tg_email_events__references; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_email_events__references AFTER INSERT ON app_public.email_events REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_email_events__references();

--
-- Name: email_events tg_email_events__references_fixed; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_email_events__references_fixed BEFORE UPDATE OF org_id, campaign_id, contact_id ON app_public.email_events FOR EACH ROW WHEN (((new.org_id IS DISTINCT FROM old.org_id) OR (new.campaign_id IS DISTINCT FROM old.campaign_id) OR ((new.contact_id IS DISTINCT FROM old.contact_id) AND (new.contact_id IS NOT NULL)))) EXECUTE FUNCTION app_private.tg_email_events__references_fixed();

--
-- Name: feature_flag_overrides tg_feature_flag_overrides__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_feature_flag_overrides__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.feature_flag_overrides FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: feature_flags tg_feature_flags__history; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_feature_flags__history AFTER INSERT OR DELETE OR UPDATE ON app_public.feature_flags FOR EACH ROW EXECUTE FUNCTION app_private.tg_feature_flags__history();

--
-- Name: lead_import_batches tg_lead_import_batches__emit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_lead_import_batches__emit AFTER UPDATE OF status ON app_public.lead_import_batches FOR EACH ROW WHEN ((new.status = ANY (ARRAY['merged'::text, 'failed'::text]))) EXECUTE FUNCTION app_private.tg_lead_import_batches__emit();

--
-- Name: leads tg_leads__campaign_status_insert; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_leads__campaign_status_insert BEFORE INSERT ON app_public.leads FOR EACH ROW WHEN ((new.campaign_status <> 'new'::app_public.lead_campaign_status)) EXECUTE FUNCTION app_private.tg_leads__campaign_status();

--
-- Name: leads tg_leads__campaign_status_update; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_leads__campaign_status_update BEFORE UPDATE OF campaign_status ON app_public.leads FOR EACH ROW WHEN ((old.campaign_status IS DISTINCT FROM new.campaign_status)) EXECUTE FUNCTION app_private.tg_leads__campaign_status();

--
-- Name: leads tg_leads__emit_fed; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_leads__emit_fed AFTER UPDATE OF campaign_status ON app_public.leads FOR EACH ROW WHEN (((new.campaign_status = 'active'::app_public.lead_campaign_status) AND (old.campaign_status IS DISTINCT FROM 'active'::app_public.lead_campaign_status) AND (current_setting('switchboard.feeding'::text, true) IS DISTINCT FROM 'on'::text))) EXECUTE FUNCTION app_private.tg_leads__emit_fed();

--
-- Name: leads tg_leads__org_exists; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_leads__org_exists AFTER INSERT ON app_public.leads REFERENCING NEW TABLE AS new_leads FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_leads__org_exists();

--
-- Name: leads tg_leads__org_fixed; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_leads__org_fixed BEFORE UPDATE OF org_id ON app_public.leads FOR EACH ROW WHEN ((new.org_id IS DISTINCT FROM old.org_id)) EXECUTE FUNCTION app_private.tg_leads__org_fixed();

--
-- Name: memberships tg_memberships__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_memberships__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.memberships FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: memberships tg_memberships__keep_an_owner; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_memberships__keep_an_owner BEFORE DELETE OR UPDATE ON app_public.memberships FOR EACH ROW EXECUTE FUNCTION app_private.tg_memberships__keep_an_owner();

--
-- Name: organizations tg_organizations__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_organizations__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.organizations FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit('id');

--
-- Name: organizations tg_organizations__create_settings; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_organizations__create_settings AFTER INSERT ON app_public.organizations FOR EACH ROW EXECUTE FUNCTION app_private.tg_organizations__create_settings();

--
-- Name: organizations tg_organizations__delete_email_events; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_organizations__delete_email_events AFTER DELETE ON app_public.organizations REFERENCING OLD TABLE AS gone_orgs FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_organizations__delete_email_events();

--
-- Name: organizations tg_organizations__delete_leads; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_organizations__delete_leads AFTER DELETE ON app_public.organizations REFERENCING OLD TABLE AS gone_orgs FOR EACH STATEMENT EXECUTE FUNCTION app_private.tg_organizations__delete_leads();

--
-- Name: resources tg_resources__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_resources__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.resources FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: sending_accounts tg_sending_accounts__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_sending_accounts__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.sending_accounts FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: sending_accounts tg_sending_accounts__credentials; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_sending_accounts__credentials BEFORE UPDATE ON app_public.sending_accounts FOR EACH ROW EXECUTE FUNCTION app_private.tg_sending_accounts__credentials();

--
-- Name: sequence_steps tg_sequence_steps__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_sequence_steps__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.sequence_steps FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: sms_settings tg_sms_settings__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_sms_settings__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.sms_settings FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: sms_settings tg_sms_settings__validate; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_sms_settings__validate BEFORE INSERT OR UPDATE ON app_public.sms_settings FOR EACH ROW EXECUTE FUNCTION app_private.tg_sms_settings__validate();

--
-- Name: sources tg_sources__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_sources__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.sources FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: sources tg_sources__auth; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_sources__auth BEFORE INSERT OR UPDATE OF provider, auth ON app_public.sources FOR EACH ROW EXECUTE FUNCTION app_private.tg_sources__auth();

--
-- Name: suppressions tg_suppressions__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_suppressions__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.suppressions FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: transcripts tg_transcripts__redact; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_transcripts__redact BEFORE INSERT OR UPDATE ON app_public.transcripts FOR EACH ROW EXECUTE FUNCTION app_private.tg_transcripts__redact();

--
-- Name: transcripts tg_transcripts__turns; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_transcripts__turns BEFORE INSERT OR UPDATE ON app_public.transcripts FOR EACH ROW EXECUTE FUNCTION app_private.tg_transcripts__turns();

--
-- Name: verification_code_map tg_verification_code_map__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_verification_code_map__audit AFTER INSERT OR DELETE OR UPDATE ON app_public.verification_code_map FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: verification_code_map tg_verification_code_map__rederive; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_verification_code_map__rederive AFTER INSERT OR DELETE OR UPDATE ON app_public.verification_code_map FOR EACH ROW EXECUTE FUNCTION app_private.tg_verification_code_map__rederive();

--
-- Name: webhook_events tg_webhook_events__twilio; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_webhook_events__twilio BEFORE INSERT ON app_public.webhook_events FOR EACH ROW WHEN ((new.provider = 'twilio'::text)) EXECUTE FUNCTION app_private.tg_webhook_events__twilio();

--
-- Name: webhook_events tg_webhook_events__vapi; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_webhook_events__vapi BEFORE INSERT ON app_public.webhook_events FOR EACH ROW WHEN ((new.provider = 'vapi'::text)) EXECUTE FUNCTION app_private.tg_webhook_events__vapi();

--
-- Name: workspace_settings tg_workspace_settings__audit; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_workspace_settings__audit AFTER UPDATE ON app_public.workspace_settings FOR EACH ROW EXECUTE FUNCTION app_private.tg__audit();

--
-- Name: workspace_settings tg_workspace_settings__history; Type: TRIGGER; Schema: app_public; Owner: switchboard_owner
--

CREATE TRIGGER tg_workspace_settings__history BEFORE UPDATE ON app_public.workspace_settings FOR EACH ROW EXECUTE FUNCTION app_private.tg_workspace_settings__history();

--
-- Name: alert_state alert_state_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.alert_state
    ADD CONSTRAINT alert_state_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: calendar_source_secrets calendar_source_secrets_org_id_source_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.calendar_source_secrets
    ADD CONSTRAINT calendar_source_secrets_org_id_source_id_fkey FOREIGN KEY (org_id, source_id) REFERENCES app_public.calendar_sources(org_id, id) ON DELETE CASCADE;

--
-- Name: calendar_writes calendar_writes_org_id_source_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.calendar_writes
    ADD CONSTRAINT calendar_writes_org_id_source_id_fkey FOREIGN KEY (org_id, source_id) REFERENCES app_public.calendar_sources(org_id, id) ON DELETE CASCADE;

--
-- Name: campaign_connection_secrets campaign_connection_secrets_connection_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.campaign_connection_secrets
    ADD CONSTRAINT campaign_connection_secrets_connection_id_fkey FOREIGN KEY (org_id, connection_id) REFERENCES app_public.campaign_connections(org_id, id) ON DELETE CASCADE;

--
-- Name: campaign_connection_secrets campaign_connection_secrets_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.campaign_connection_secrets
    ADD CONSTRAINT campaign_connection_secrets_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: campaign_replies campaign_replies_campaign_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.campaign_replies
    ADD CONSTRAINT campaign_replies_campaign_id_fkey FOREIGN KEY (org_id, campaign_id) REFERENCES app_public.campaigns(org_id, id) ON DELETE CASCADE;

--
-- Name: campaign_replies campaign_replies_contact_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.campaign_replies
    ADD CONSTRAINT campaign_replies_contact_id_fkey FOREIGN KEY (org_id, contact_id) REFERENCES app_public.contacts(org_id, id) ON DELETE CASCADE;

--
-- Name: consent_nonces consent_nonces_lead_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.consent_nonces
    ADD CONSTRAINT consent_nonces_lead_id_fkey FOREIGN KEY (org_id, lead_id) REFERENCES app_public.leads(org_id, id) ON DELETE CASCADE;

--
-- Name: consent_nonces consent_nonces_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.consent_nonces
    ADD CONSTRAINT consent_nonces_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: contactable_lead_set contactable_lead_set_lead_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.contactable_lead_set
    ADD CONSTRAINT contactable_lead_set_lead_id_fkey FOREIGN KEY (org_id, lead_id) REFERENCES app_public.leads(org_id, id) ON DELETE CASCADE;

--
-- Name: contactable_lead_set contactable_lead_set_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.contactable_lead_set
    ADD CONSTRAINT contactable_lead_set_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: contactable_refresh_runs contactable_refresh_runs_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.contactable_refresh_runs
    ADD CONSTRAINT contactable_refresh_runs_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: delivery_endpoint_secrets delivery_endpoint_secrets_endpoint_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.delivery_endpoint_secrets
    ADD CONSTRAINT delivery_endpoint_secrets_endpoint_id_fkey FOREIGN KEY (org_id, endpoint_id) REFERENCES app_public.delivery_endpoints(org_id, id) ON DELETE CASCADE;

--
-- Name: lead_feed_runs lead_feed_runs_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.lead_feed_runs
    ADD CONSTRAINT lead_feed_runs_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: lead_import_chunks lead_import_chunks_org_id_batch_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.lead_import_chunks
    ADD CONSTRAINT lead_import_chunks_org_id_batch_id_fkey FOREIGN KEY (org_id, batch_id) REFERENCES app_private.lead_import_pending(org_id, batch_id) ON DELETE CASCADE;

--
-- Name: lead_import_pending lead_import_pending_org_id_batch_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.lead_import_pending
    ADD CONSTRAINT lead_import_pending_org_id_batch_id_fkey FOREIGN KEY (org_id, batch_id) REFERENCES app_public.lead_import_batches(org_id, id) ON DELETE CASCADE;

--
-- Name: lead_upload_hashes lead_upload_hashes_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.lead_upload_hashes
    ADD CONSTRAINT lead_upload_hashes_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: login_attempts login_attempts_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.login_attempts
    ADD CONSTRAINT login_attempts_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public.users(id) ON DELETE SET NULL;

--
-- Name: mfa_recovery_codes mfa_recovery_codes_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.mfa_recovery_codes
    ADD CONSTRAINT mfa_recovery_codes_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public.users(id) ON DELETE CASCADE;

--
-- Name: operational_events operational_events_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.operational_events
    ADD CONSTRAINT operational_events_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: org_quotas org_quotas_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.org_quotas
    ADD CONSTRAINT org_quotas_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: password_reset_tokens password_reset_tokens_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.password_reset_tokens
    ADD CONSTRAINT password_reset_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public.users(id) ON DELETE CASCADE;

--
-- Name: sending_account_secrets sending_account_secrets_account_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sending_account_secrets
    ADD CONSTRAINT sending_account_secrets_account_id_fkey FOREIGN KEY (org_id, account_id) REFERENCES app_public.sending_accounts(org_id, id) ON DELETE CASCADE;

--
-- Name: sending_account_usage sending_account_usage_account_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sending_account_usage
    ADD CONSTRAINT sending_account_usage_account_id_fkey FOREIGN KEY (org_id, account_id) REFERENCES app_public.sending_accounts(org_id, id) ON DELETE CASCADE;

--
-- Name: sessions sessions_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sessions
    ADD CONSTRAINT sessions_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: sessions sessions_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sessions
    ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public.users(id) ON DELETE CASCADE;

--
-- Name: sms_credentials sms_credentials_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sms_credentials
    ADD CONSTRAINT sms_credentials_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: source_secrets source_secrets_source_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.source_secrets
    ADD CONSTRAINT source_secrets_source_id_fkey FOREIGN KEY (org_id, source_id) REFERENCES app_public.sources(org_id, id) ON DELETE CASCADE;

--
-- Name: sso_providers sso_providers_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sso_providers
    ADD CONSTRAINT sso_providers_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: sso_states sso_states_org_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.sso_states
    ADD CONSTRAINT sso_states_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: used_refresh_tokens used_refresh_tokens_session_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.used_refresh_tokens
    ADD CONSTRAINT used_refresh_tokens_session_id_fkey FOREIGN KEY (session_id) REFERENCES app_private.sessions(id) ON DELETE CASCADE;

--
-- Name: user_identities user_identities_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.user_identities
    ADD CONSTRAINT user_identities_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public.users(id) ON DELETE CASCADE;

--
-- Name: user_mfa user_mfa_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.user_mfa
    ADD CONSTRAINT user_mfa_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public.users(id) ON DELETE CASCADE;

--
-- Name: user_secrets user_secrets_user_id_fkey; Type: FK CONSTRAINT; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE ONLY app_private.user_secrets
    ADD CONSTRAINT user_secrets_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public.users(id) ON DELETE CASCADE;

--
-- Name: agents agents_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.agents
    ADD CONSTRAINT agents_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: agents agents_resource_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.agents
    ADD CONSTRAINT agents_resource_fkey FOREIGN KEY (org_id, resource_id) REFERENCES app_public.resources(org_id, id) ON DELETE SET NULL (resource_id);

--
-- Name: appointments appointments_org_id_contact_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.appointments
    ADD CONSTRAINT appointments_org_id_contact_id_fkey FOREIGN KEY (org_id, contact_id) REFERENCES app_public.contacts(org_id, id) ON DELETE SET NULL (contact_id);

--
-- Name: appointments appointments_org_id_resource_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.appointments
    ADD CONSTRAINT appointments_org_id_resource_id_fkey FOREIGN KEY (org_id, resource_id) REFERENCES app_public.resources(org_id, id) ON DELETE CASCADE;

--
-- Name: auth_events auth_events_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.auth_events
    ADD CONSTRAINT auth_events_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: calendar_feeds calendar_feeds_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calendar_feeds
    ADD CONSTRAINT calendar_feeds_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: calendar_feeds calendar_feeds_org_id_resource_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calendar_feeds
    ADD CONSTRAINT calendar_feeds_org_id_resource_id_fkey FOREIGN KEY (org_id, resource_id) REFERENCES app_public.resources(org_id, id) ON DELETE CASCADE;

--
-- Name: calendar_sources calendar_sources_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calendar_sources
    ADD CONSTRAINT calendar_sources_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: calendar_sources calendar_sources_org_id_resource_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calendar_sources
    ADD CONSTRAINT calendar_sources_org_id_resource_id_fkey FOREIGN KEY (org_id, resource_id) REFERENCES app_public.resources(org_id, id) ON DELETE CASCADE;

--
-- Name: callback_requests callback_requests_org_id_agent_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.callback_requests
    ADD CONSTRAINT callback_requests_org_id_agent_id_fkey FOREIGN KEY (org_id, agent_id) REFERENCES app_public.agents(org_id, id);

--
-- Name: callback_requests callback_requests_org_id_contact_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.callback_requests
    ADD CONSTRAINT callback_requests_org_id_contact_id_fkey FOREIGN KEY (org_id, contact_id) REFERENCES app_public.contacts(org_id, id) ON DELETE SET NULL (contact_id);

--
-- Name: callback_requests callback_requests_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.callback_requests
    ADD CONSTRAINT callback_requests_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: calls calls_org_id_agent_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calls
    ADD CONSTRAINT calls_org_id_agent_id_fkey FOREIGN KEY (org_id, agent_id) REFERENCES app_public.agents(org_id, id) ON DELETE SET NULL (agent_id);

--
-- Name: calls calls_org_id_campaign_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calls
    ADD CONSTRAINT calls_org_id_campaign_id_fkey FOREIGN KEY (org_id, campaign_id) REFERENCES app_public.campaigns(org_id, id) ON DELETE SET NULL (campaign_id);

--
-- Name: calls calls_org_id_contact_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calls
    ADD CONSTRAINT calls_org_id_contact_id_fkey FOREIGN KEY (org_id, contact_id) REFERENCES app_public.contacts(org_id, id) ON DELETE SET NULL (contact_id);

--
-- Name: calls calls_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.calls
    ADD CONSTRAINT calls_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: campaign_connections campaign_connections_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaign_connections
    ADD CONSTRAINT campaign_connections_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: campaign_counters campaign_counters_campaign_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaign_counters
    ADD CONSTRAINT campaign_counters_campaign_id_fkey FOREIGN KEY (org_id, campaign_id) REFERENCES app_public.campaigns(org_id, id) ON DELETE CASCADE;

--
-- Name: campaign_counters campaign_counters_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaign_counters
    ADD CONSTRAINT campaign_counters_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: campaign_hourly_metrics campaign_hourly_metrics_campaign_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaign_hourly_metrics
    ADD CONSTRAINT campaign_hourly_metrics_campaign_id_fkey FOREIGN KEY (org_id, campaign_id) REFERENCES app_public.campaigns(org_id, id) ON DELETE CASCADE;

--
-- Name: campaign_hourly_metrics campaign_hourly_metrics_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaign_hourly_metrics
    ADD CONSTRAINT campaign_hourly_metrics_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: campaigns campaigns_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.campaigns
    ADD CONSTRAINT campaigns_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: contacts contacts_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.contacts
    ADD CONSTRAINT contacts_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: dead_letters dead_letters_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.dead_letters
    ADD CONSTRAINT dead_letters_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: deliveries deliveries_endpoint_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.deliveries
    ADD CONSTRAINT deliveries_endpoint_id_fkey FOREIGN KEY (org_id, endpoint_id) REFERENCES app_public.delivery_endpoints(org_id, id) ON DELETE CASCADE;

--
-- Name: deliveries deliveries_message_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.deliveries
    ADD CONSTRAINT deliveries_message_id_fkey FOREIGN KEY (org_id, message_id) REFERENCES app_public.delivery_messages(org_id, id) ON DELETE CASCADE;

--
-- Name: deliveries deliveries_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.deliveries
    ADD CONSTRAINT deliveries_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: delivery_attempts delivery_attempts_delivery_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.delivery_attempts
    ADD CONSTRAINT delivery_attempts_delivery_id_fkey FOREIGN KEY (org_id, delivery_id) REFERENCES app_public.deliveries(org_id, id) ON DELETE CASCADE;

--
-- Name: delivery_attempts delivery_attempts_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.delivery_attempts
    ADD CONSTRAINT delivery_attempts_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: delivery_endpoints delivery_endpoints_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.delivery_endpoints
    ADD CONSTRAINT delivery_endpoints_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: delivery_messages delivery_messages_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.delivery_messages
    ADD CONSTRAINT delivery_messages_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: emails emails_account_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.emails
    ADD CONSTRAINT emails_account_id_fkey FOREIGN KEY (org_id, account_id) REFERENCES app_public.sending_accounts(org_id, id) ON DELETE SET NULL (account_id);

--
-- Name: emails emails_campaign_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.emails
    ADD CONSTRAINT emails_campaign_id_fkey FOREIGN KEY (org_id, campaign_id) REFERENCES app_public.campaigns(org_id, id) ON DELETE CASCADE;

--
-- Name: emails emails_contact_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.emails
    ADD CONSTRAINT emails_contact_id_fkey FOREIGN KEY (org_id, contact_id) REFERENCES app_public.contacts(org_id, id) ON DELETE SET NULL (contact_id);

--
-- Name: emails emails_enrollment_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.emails
    ADD CONSTRAINT emails_enrollment_id_fkey FOREIGN KEY (org_id, enrollment_id) REFERENCES app_public.sequence_enrollments(org_id, id) ON DELETE CASCADE;

--
-- Name: emails emails_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.emails
    ADD CONSTRAINT emails_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: emails emails_step_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.emails
    ADD CONSTRAINT emails_step_id_fkey FOREIGN KEY (org_id, step_id) REFERENCES app_public.sequence_steps(org_id, id) ON DELETE SET NULL (step_id);

--
-- Name: external_busy external_busy_org_id_resource_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.external_busy
    ADD CONSTRAINT external_busy_org_id_resource_id_fkey FOREIGN KEY (org_id, resource_id) REFERENCES app_public.resources(org_id, id) ON DELETE CASCADE;

--
-- Name: external_busy external_busy_org_id_source_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.external_busy
    ADD CONSTRAINT external_busy_org_id_source_id_fkey FOREIGN KEY (org_id, source_id) REFERENCES app_public.calendar_sources(org_id, id) ON DELETE CASCADE;

--
-- Name: feature_flag_overrides feature_flag_overrides_flag_key_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.feature_flag_overrides
    ADD CONSTRAINT feature_flag_overrides_flag_key_fkey FOREIGN KEY (flag_key) REFERENCES app_public.feature_flags(key) ON UPDATE CASCADE ON DELETE CASCADE;

--
-- Name: feature_flag_overrides feature_flag_overrides_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.feature_flag_overrides
    ADD CONSTRAINT feature_flag_overrides_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: invitations invitations_accepted_by_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.invitations
    ADD CONSTRAINT invitations_accepted_by_fkey FOREIGN KEY (accepted_by) REFERENCES app_public.users(id) ON DELETE SET NULL;

--
-- Name: invitations invitations_invited_by_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.invitations
    ADD CONSTRAINT invitations_invited_by_fkey FOREIGN KEY (invited_by) REFERENCES app_public.users(id) ON DELETE SET NULL;

--
-- Name: invitations invitations_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.invitations
    ADD CONSTRAINT invitations_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: lead_import_batches lead_import_batches_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_import_batches
    ADD CONSTRAINT lead_import_batches_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: lead_import_batches lead_import_batches_source_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_import_batches
    ADD CONSTRAINT lead_import_batches_source_id_fkey FOREIGN KEY (org_id, source_id) REFERENCES app_public.sources(org_id, id) ON DELETE SET NULL (source_id);

--
-- Name: lead_import_rejects lead_import_rejects_batch_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_import_rejects
    ADD CONSTRAINT lead_import_rejects_batch_id_fkey FOREIGN KEY (org_id, batch_id) REFERENCES app_public.lead_import_batches(org_id, id) ON DELETE CASCADE;

--
-- Name: lead_import_rejects lead_import_rejects_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_import_rejects
    ADD CONSTRAINT lead_import_rejects_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: lead_push_attempts lead_push_attempts_chunk_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_push_attempts
    ADD CONSTRAINT lead_push_attempts_chunk_id_fkey FOREIGN KEY (org_id, chunk_id) REFERENCES app_public.lead_push_chunks(org_id, id) ON DELETE CASCADE;

--
-- Name: lead_push_attempts lead_push_attempts_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_push_attempts
    ADD CONSTRAINT lead_push_attempts_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: lead_push_chunks lead_push_chunks_connection_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_push_chunks
    ADD CONSTRAINT lead_push_chunks_connection_id_fkey FOREIGN KEY (org_id, connection_id) REFERENCES app_public.campaign_connections(org_id, id) ON DELETE CASCADE;

--
-- Name: lead_push_chunks lead_push_chunks_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_push_chunks
    ADD CONSTRAINT lead_push_chunks_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: lead_pushes lead_pushes_chunk_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_pushes
    ADD CONSTRAINT lead_pushes_chunk_id_fkey FOREIGN KEY (org_id, chunk_id) REFERENCES app_public.lead_push_chunks(org_id, id) ON DELETE CASCADE;

--
-- Name: lead_pushes lead_pushes_connection_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_pushes
    ADD CONSTRAINT lead_pushes_connection_id_fkey FOREIGN KEY (org_id, connection_id) REFERENCES app_public.campaign_connections(org_id, id) ON DELETE CASCADE;

--
-- Name: lead_pushes lead_pushes_lead_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_pushes
    ADD CONSTRAINT lead_pushes_lead_id_fkey FOREIGN KEY (org_id, lead_id) REFERENCES app_public.leads(org_id, id) ON DELETE CASCADE;

--
-- Name: lead_pushes lead_pushes_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.lead_pushes
    ADD CONSTRAINT lead_pushes_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: leads leads_org_id_assigned_to_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.leads
    ADD CONSTRAINT leads_org_id_assigned_to_fkey FOREIGN KEY (org_id, assigned_to) REFERENCES app_public.memberships(org_id, user_id) ON DELETE SET NULL (assigned_to);

--
-- Name: memberships memberships_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.memberships
    ADD CONSTRAINT memberships_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: memberships memberships_user_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.memberships
    ADD CONSTRAINT memberships_user_id_fkey FOREIGN KEY (user_id) REFERENCES app_public.users(id) ON DELETE CASCADE;

--
-- Name: pipeline_events pipeline_events_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.pipeline_events
    ADD CONSTRAINT pipeline_events_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: resource_hours resource_hours_org_id_resource_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.resource_hours
    ADD CONSTRAINT resource_hours_org_id_resource_id_fkey FOREIGN KEY (org_id, resource_id) REFERENCES app_public.resources(org_id, id) ON DELETE CASCADE;

--
-- Name: resources resources_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.resources
    ADD CONSTRAINT resources_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: sending_accounts sending_accounts_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sending_accounts
    ADD CONSTRAINT sending_accounts_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: sequence_enrollments sequence_enrollments_account_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_enrollments
    ADD CONSTRAINT sequence_enrollments_account_id_fkey FOREIGN KEY (org_id, account_id) REFERENCES app_public.sending_accounts(org_id, id) ON DELETE SET NULL (account_id);

--
-- Name: sequence_enrollments sequence_enrollments_contact_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_enrollments
    ADD CONSTRAINT sequence_enrollments_contact_id_fkey FOREIGN KEY (org_id, contact_id) REFERENCES app_public.contacts(org_id, id) ON DELETE CASCADE;

--
-- Name: sequence_enrollments sequence_enrollments_lead_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_enrollments
    ADD CONSTRAINT sequence_enrollments_lead_id_fkey FOREIGN KEY (org_id, lead_id) REFERENCES app_public.leads(org_id, id) ON DELETE SET NULL (lead_id);

--
-- Name: sequence_enrollments sequence_enrollments_org_id_campaign_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_enrollments
    ADD CONSTRAINT sequence_enrollments_org_id_campaign_id_fkey FOREIGN KEY (org_id, campaign_id) REFERENCES app_public.campaigns(org_id, id) ON DELETE CASCADE;

--
-- Name: sequence_enrollments sequence_enrollments_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_enrollments
    ADD CONSTRAINT sequence_enrollments_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: sequence_steps sequence_steps_org_id_campaign_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_steps
    ADD CONSTRAINT sequence_steps_org_id_campaign_id_fkey FOREIGN KEY (org_id, campaign_id) REFERENCES app_public.campaigns(org_id, id) ON DELETE CASCADE;

--
-- Name: sequence_steps sequence_steps_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sequence_steps
    ADD CONSTRAINT sequence_steps_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: sms_messages sms_messages_appointment_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sms_messages
    ADD CONSTRAINT sms_messages_appointment_id_fkey FOREIGN KEY (org_id, appointment_id) REFERENCES app_public.appointments(org_id, id) ON DELETE CASCADE;

--
-- Name: sms_messages sms_messages_org_id_contact_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sms_messages
    ADD CONSTRAINT sms_messages_org_id_contact_id_fkey FOREIGN KEY (org_id, contact_id) REFERENCES app_public.contacts(org_id, id) ON DELETE SET NULL (contact_id);

--
-- Name: sms_messages sms_messages_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sms_messages
    ADD CONSTRAINT sms_messages_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: sms_settings sms_settings_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sms_settings
    ADD CONSTRAINT sms_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: sources sources_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.sources
    ADD CONSTRAINT sources_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: suppressions suppressions_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.suppressions
    ADD CONSTRAINT suppressions_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: transcripts transcripts_org_id_call_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.transcripts
    ADD CONSTRAINT transcripts_org_id_call_id_fkey FOREIGN KEY (org_id, call_id) REFERENCES app_public.calls(org_id, id) ON DELETE CASCADE;

--
-- Name: transcripts transcripts_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.transcripts
    ADD CONSTRAINT transcripts_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: verification_code_map verification_code_map_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.verification_code_map
    ADD CONSTRAINT verification_code_map_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: webhook_events webhook_events_source_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.webhook_events
    ADD CONSTRAINT webhook_events_source_id_fkey FOREIGN KEY (org_id, source_id) REFERENCES app_public.sources(org_id, id) ON DELETE CASCADE;

--
-- Name: workspace_settings_history workspace_settings_history_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.workspace_settings_history
    ADD CONSTRAINT workspace_settings_history_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: workspace_settings workspace_settings_org_id_fkey; Type: FK CONSTRAINT; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE ONLY app_public.workspace_settings
    ADD CONSTRAINT workspace_settings_org_id_fkey FOREIGN KEY (org_id) REFERENCES app_public.organizations(id) ON DELETE CASCADE;

--
-- Name: lead_import_chunks; Type: ROW SECURITY; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.lead_import_chunks ENABLE ROW LEVEL SECURITY;

--
-- Name: lead_import_pending; Type: ROW SECURITY; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.lead_import_pending ENABLE ROW LEVEL SECURITY;

--
-- Name: source_signature_failures; Type: ROW SECURITY; Schema: app_private; Owner: switchboard_owner
--

ALTER TABLE app_private.source_signature_failures ENABLE ROW LEVEL SECURITY;

--
-- Name: campaign_connections admins_delete; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_delete ON app_public.campaign_connections FOR DELETE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: delivery_endpoints admins_delete; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_delete ON app_public.delivery_endpoints FOR DELETE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: feature_flag_overrides admins_delete; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_delete ON app_public.feature_flag_overrides FOR DELETE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: memberships admins_delete; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_delete ON app_public.memberships FOR DELETE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin) AND ((role <> 'owner'::text) OR (( SELECT app_public.current_org_role() AS current_org_role) = 'owner'::text))));

--
-- Name: resource_hours admins_delete; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_delete ON app_public.resource_hours FOR DELETE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: sending_accounts admins_delete; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_delete ON app_public.sending_accounts FOR DELETE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: sequence_steps admins_delete; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_delete ON app_public.sequence_steps FOR DELETE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: suppressions admins_delete; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_delete ON app_public.suppressions FOR DELETE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: verification_code_map admins_delete; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_delete ON app_public.verification_code_map FOR DELETE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: agents admins_insert; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_insert ON app_public.agents FOR INSERT TO authenticated WITH CHECK (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: campaigns admins_insert; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_insert ON app_public.campaigns FOR INSERT TO authenticated WITH CHECK (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: feature_flag_overrides admins_insert; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_insert ON app_public.feature_flag_overrides FOR INSERT TO authenticated WITH CHECK (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin) AND (EXISTS ( SELECT 1
   FROM app_public.feature_flags f
  WHERE ((f.key = feature_flag_overrides.flag_key) AND f.allow_org_override)))));

--
-- Name: resource_hours admins_insert; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_insert ON app_public.resource_hours FOR INSERT TO authenticated WITH CHECK (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: resources admins_insert; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_insert ON app_public.resources FOR INSERT TO authenticated WITH CHECK (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: sequence_steps admins_insert; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_insert ON app_public.sequence_steps FOR INSERT TO authenticated WITH CHECK (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: verification_code_map admins_insert; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_insert ON app_public.verification_code_map FOR INSERT TO authenticated WITH CHECK (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: campaign_connections admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.campaign_connections FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: deliveries admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.deliveries FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: delivery_attempts admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.delivery_attempts FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: delivery_endpoints admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.delivery_endpoints FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: delivery_messages admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.delivery_messages FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: invitations admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.invitations FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: lead_import_batches admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.lead_import_batches FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: lead_import_rejects admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.lead_import_rejects FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: lead_push_attempts admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.lead_push_attempts FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: lead_push_chunks admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.lead_push_chunks FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: lead_pushes admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.lead_pushes FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: sending_accounts admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.sending_accounts FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: sms_messages admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.sms_messages FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: sms_settings admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.sms_settings FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: sources admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.sources FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: webhook_events admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.webhook_events FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: workspace_settings_history admins_select; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select ON app_public.workspace_settings_history FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: audit_log admins_select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select_own_org ON app_public.audit_log FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: auth_events admins_select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select_own_org ON app_public.auth_events FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: calendar_feeds admins_select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_select_own_org ON app_public.calendar_feeds FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin)));

--
-- Name: agents admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.agents FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: campaign_connections admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.campaign_connections FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: campaigns admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.campaigns FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: delivery_endpoints admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.delivery_endpoints FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: feature_flag_overrides admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.feature_flag_overrides FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND (EXISTS ( SELECT 1
   FROM app_public.feature_flags f
  WHERE ((f.key = feature_flag_overrides.flag_key) AND f.allow_org_override)))));

--
-- Name: memberships admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.memberships FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin) AND ((role <> 'owner'::text) OR (( SELECT app_public.current_org_role() AS current_org_role) = 'owner'::text)))) WITH CHECK (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ((role <> 'owner'::text) OR (( SELECT app_public.current_org_role() AS current_org_role) = 'owner'::text))));

--
-- Name: resource_hours admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.resource_hours FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: resources admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.resources FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: sending_accounts admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.sending_accounts FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: sequence_enrollments admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.sequence_enrollments FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: sequence_steps admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.sequence_steps FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: sms_settings admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.sms_settings FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: sources admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.sources FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: verification_code_map admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.verification_code_map FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: workspace_settings admins_update; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update ON app_public.workspace_settings FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: organizations admins_update_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY admins_update_own_org ON app_public.organizations FOR UPDATE TO authenticated USING (((id = ( SELECT app_public.current_org_id() AS current_org_id)) AND ( SELECT app_public.current_user_is_admin() AS current_user_is_admin))) WITH CHECK ((id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: agents; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.agents ENABLE ROW LEVEL SECURITY;

--
-- Name: appointments; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.appointments ENABLE ROW LEVEL SECURITY;

--
-- Name: audit_log; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.audit_log ENABLE ROW LEVEL SECURITY;

--
-- Name: auth_events; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.auth_events ENABLE ROW LEVEL SECURITY;

--
-- Name: calendar_feeds; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.calendar_feeds ENABLE ROW LEVEL SECURITY;

--
-- Name: calendar_sources; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.calendar_sources ENABLE ROW LEVEL SECURITY;

--
-- Name: callback_requests; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.callback_requests ENABLE ROW LEVEL SECURITY;

--
-- Name: calls; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.calls ENABLE ROW LEVEL SECURITY;

--
-- Name: campaign_connections; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.campaign_connections ENABLE ROW LEVEL SECURITY;

--
-- Name: campaign_counters; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.campaign_counters ENABLE ROW LEVEL SECURITY;

--
-- Name: campaign_hourly_metrics; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.campaign_hourly_metrics ENABLE ROW LEVEL SECURITY;

--
-- Name: campaigns; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.campaigns ENABLE ROW LEVEL SECURITY;

--
-- Name: contacts; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.contacts ENABLE ROW LEVEL SECURITY;

--
-- Name: dead_letters; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.dead_letters ENABLE ROW LEVEL SECURITY;

--
-- Name: deliveries; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.deliveries ENABLE ROW LEVEL SECURITY;

--
-- Name: delivery_attempts; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.delivery_attempts ENABLE ROW LEVEL SECURITY;

--
-- Name: delivery_endpoints; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.delivery_endpoints ENABLE ROW LEVEL SECURITY;

--
-- Name: delivery_messages; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.delivery_messages ENABLE ROW LEVEL SECURITY;

--
-- Name: email_events; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.email_events ENABLE ROW LEVEL SECURITY;

--
-- Name: emails; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.emails ENABLE ROW LEVEL SECURITY;

--
-- Name: external_busy; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.external_busy ENABLE ROW LEVEL SECURITY;

--
-- Name: feature_flag_overrides; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.feature_flag_overrides ENABLE ROW LEVEL SECURITY;

--
-- Name: feature_flags; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.feature_flags ENABLE ROW LEVEL SECURITY;

--
-- Name: contacts insert_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY insert_own_org ON app_public.contacts FOR INSERT TO authenticated WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: suppressions insert_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY insert_own_org ON app_public.suppressions FOR INSERT TO authenticated WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: invitations; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.invitations ENABLE ROW LEVEL SECURITY;

--
-- Name: lead_import_batches; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.lead_import_batches ENABLE ROW LEVEL SECURITY;

--
-- Name: lead_import_rejects; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.lead_import_rejects ENABLE ROW LEVEL SECURITY;

--
-- Name: lead_push_attempts; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.lead_push_attempts ENABLE ROW LEVEL SECURITY;

--
-- Name: lead_push_chunks; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.lead_push_chunks ENABLE ROW LEVEL SECURITY;

--
-- Name: lead_pushes; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.lead_pushes ENABLE ROW LEVEL SECURITY;

--
-- Name: leads; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.leads ENABLE ROW LEVEL SECURITY;

--
-- Name: memberships; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.memberships ENABLE ROW LEVEL SECURITY;

--
-- Name: organizations; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.organizations ENABLE ROW LEVEL SECURITY;

--
-- Name: pipeline_events; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.pipeline_events ENABLE ROW LEVEL SECURITY;

--
-- Name: resource_hours; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.resource_hours ENABLE ROW LEVEL SECURITY;

--
-- Name: resources; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.resources ENABLE ROW LEVEL SECURITY;

--
-- Name: feature_flags select_all; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_all ON app_public.feature_flags FOR SELECT TO authenticated USING (true);

--
-- Name: leads select_assigned_or_admin; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_assigned_or_admin ON app_public.leads FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND (( SELECT app_public.current_user_is_admin() AS current_user_is_admin) OR (assigned_to = ( SELECT app_public.current_user_id() AS current_user_id))) AND ((first_batch_id IS NULL) OR (NOT (first_batch_id = ANY (( SELECT app_private.pending_lead_batch_ids() AS pending_lead_batch_ids)::uuid[]))))));

--
-- Name: auth_events select_own_entries; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_entries ON app_public.auth_events FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND (user_id = ( SELECT app_public.current_user_id() AS current_user_id))));

--
-- Name: agents select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.agents FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: appointments select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.appointments FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: calendar_sources select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.calendar_sources FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: callback_requests select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.callback_requests FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: calls select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.calls FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: campaign_counters select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.campaign_counters FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: campaign_hourly_metrics select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.campaign_hourly_metrics FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: campaigns select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.campaigns FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: contacts select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.contacts FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: dead_letters select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.dead_letters FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: email_events select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.email_events FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: emails select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.emails FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: external_busy select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.external_busy FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: feature_flag_overrides select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.feature_flag_overrides FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: memberships select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.memberships FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: organizations select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.organizations FOR SELECT TO authenticated USING ((id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: resource_hours select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.resource_hours FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: resources select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.resources FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: sequence_enrollments select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.sequence_enrollments FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: sequence_steps select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.sequence_steps FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: suppressions select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.suppressions FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: transcripts select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.transcripts FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: verification_code_map select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.verification_code_map FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: workspace_settings select_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_own_org ON app_public.workspace_settings FOR SELECT TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: users select_self_and_org_members; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_self_and_org_members ON app_public.users FOR SELECT TO authenticated USING (((id = ( SELECT app_public.current_user_id() AS current_user_id)) OR (id IN ( SELECT m.user_id
   FROM app_public.memberships m
  WHERE (m.org_id = ( SELECT app_public.current_org_id() AS current_org_id))))));

--
-- Name: pipeline_events select_visible; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY select_visible ON app_public.pipeline_events FOR SELECT TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND (( SELECT app_public.current_user_is_admin() AS current_user_is_admin) OR (actor_id = ( SELECT app_public.current_user_id() AS current_user_id)) OR (EXISTS ( SELECT 1
   FROM app_public.appointments a
  WHERE ((a.org_id = pipeline_events.org_id) AND (a.id = pipeline_events.subject_id)))) OR (EXISTS ( SELECT 1
   FROM app_public.calls k
  WHERE ((k.org_id = pipeline_events.org_id) AND (k.id = pipeline_events.subject_id)))) OR (EXISTS ( SELECT 1
   FROM app_public.leads l
  WHERE ((l.org_id = pipeline_events.org_id) AND (l.id = pipeline_events.subject_id) AND (l.assigned_to = ( SELECT app_public.current_user_id() AS current_user_id))))))));

--
-- Name: sending_accounts; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.sending_accounts ENABLE ROW LEVEL SECURITY;

--
-- Name: sequence_enrollments; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.sequence_enrollments ENABLE ROW LEVEL SECURITY;

--
-- Name: sequence_steps; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.sequence_steps ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_messages; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.sms_messages ENABLE ROW LEVEL SECURITY;

--
-- Name: sms_settings; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.sms_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: sources; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.sources ENABLE ROW LEVEL SECURITY;

--
-- Name: suppressions; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.suppressions ENABLE ROW LEVEL SECURITY;

--
-- Name: transcripts; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.transcripts ENABLE ROW LEVEL SECURITY;

--
-- Name: leads update_assigned_or_admin; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY update_assigned_or_admin ON app_public.leads FOR UPDATE TO authenticated USING (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND (( SELECT app_public.current_user_is_admin() AS current_user_is_admin) OR (assigned_to = ( SELECT app_public.current_user_id() AS current_user_id))) AND ((first_batch_id IS NULL) OR (NOT (first_batch_id = ANY (( SELECT app_private.pending_lead_batch_ids() AS pending_lead_batch_ids)::uuid[])))))) WITH CHECK (((org_id = ( SELECT app_public.current_org_id() AS current_org_id)) AND (( SELECT app_public.current_user_is_admin() AS current_user_is_admin) OR (assigned_to = ( SELECT app_public.current_user_id() AS current_user_id)))));

--
-- Name: contacts update_own_org; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY update_own_org ON app_public.contacts FOR UPDATE TO authenticated USING ((org_id = ( SELECT app_public.current_org_id() AS current_org_id))) WITH CHECK ((org_id = ( SELECT app_public.current_org_id() AS current_org_id)));

--
-- Name: users update_self; Type: POLICY; Schema: app_public; Owner: switchboard_owner
--

CREATE POLICY update_self ON app_public.users FOR UPDATE TO authenticated USING ((id = ( SELECT app_public.current_user_id() AS current_user_id))) WITH CHECK ((id = ( SELECT app_public.current_user_id() AS current_user_id)));

--
-- Name: users; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.users ENABLE ROW LEVEL SECURITY;

--
-- Name: verification_code_map; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.verification_code_map ENABLE ROW LEVEL SECURITY;

--
-- Name: webhook_events; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.webhook_events ENABLE ROW LEVEL SECURITY;

--
-- Name: workspace_settings; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.workspace_settings ENABLE ROW LEVEL SECURITY;

--
-- Name: workspace_settings_history; Type: ROW SECURITY; Schema: app_public; Owner: switchboard_owner
--

ALTER TABLE app_public.workspace_settings_history ENABLE ROW LEVEL SECURITY;

--
-- Name: SCHEMA app_private; Type: ACL; Schema: -; Owner: switchboard_owner
--

GRANT USAGE ON SCHEMA app_private TO anon;
GRANT USAGE ON SCHEMA app_private TO authenticated;
GRANT USAGE ON SCHEMA app_private TO switchboard_gateway;
GRANT USAGE ON SCHEMA app_private TO switchboard_worker;

--
-- Name: SCHEMA app_public; Type: ACL; Schema: -; Owner: switchboard_owner
--

GRANT USAGE ON SCHEMA app_public TO anon;
GRANT USAGE ON SCHEMA app_public TO authenticated;
GRANT USAGE ON SCHEMA app_public TO switchboard_gateway;
GRANT USAGE ON SCHEMA app_public TO switchboard_worker;

--
-- Name: FUNCTION absorb_leads(org_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.absorb_leads(org_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION accept_invitation(token text, user_id uuid, OUT status text, OUT org_id uuid, OUT role text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.accept_invitation(token text, user_id uuid, OUT status text, OUT org_id uuid, OUT role text) FROM PUBLIC;

--
-- Name: FUNCTION accept_invitation_for_session(token text, session_id uuid, OUT status text, OUT org_id uuid, OUT role text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.accept_invitation_for_session(token text, session_id uuid, OUT status text, OUT org_id uuid, OUT role text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.accept_invitation_for_session(token text, session_id uuid, OUT status text, OUT org_id uuid, OUT role text) TO switchboard_gateway;

--
-- Name: FUNCTION accept_invitation_with_password(token text, password text, OUT status text, OUT org_id uuid, OUT user_id uuid, OUT email text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.accept_invitation_with_password(token text, password text, OUT status text, OUT org_id uuid, OUT user_id uuid, OUT email text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.accept_invitation_with_password(token text, password text, OUT status text, OUT org_id uuid, OUT user_id uuid, OUT email text) TO switchboard_gateway;

--
-- Name: FUNCTION add_user(org_id uuid, email public.citext, password text, role text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.add_user(org_id uuid, email public.citext, password text, role text) FROM PUBLIC;

--
-- Name: FUNCTION address_hash(address text, zip text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.address_hash(address text, zip text) FROM PUBLIC;

--
-- Name: FUNCTION address_of(mailbox text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.address_of(mailbox text) FROM PUBLIC;

--
-- Name: FUNCTION admin_configure_sms(session_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text, status_callback_url text, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.admin_configure_sms(session_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text, status_callback_url text, encryption_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.admin_configure_sms(session_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text, status_callback_url text, encryption_key text) TO switchboard_gateway;

--
-- Name: FUNCTION admin_create_campaign_connection(session_id uuid, provider text, name text, external_campaign_id text, api_key text, field_mapping jsonb, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.admin_create_campaign_connection(session_id uuid, provider text, name text, external_campaign_id text, api_key text, field_mapping jsonb, encryption_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.admin_create_campaign_connection(session_id uuid, provider text, name text, external_campaign_id text, api_key text, field_mapping jsonb, encryption_key text) TO switchboard_gateway;

--
-- Name: FUNCTION admin_session(session_id uuid, OUT status text, OUT org_id uuid, OUT user_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.admin_session(session_id uuid, OUT status text, OUT org_id uuid, OUT user_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION admin_set_campaign_connection_key(session_id uuid, connection_id uuid, api_key text, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.admin_set_campaign_connection_key(session_id uuid, connection_id uuid, api_key text, encryption_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.admin_set_campaign_connection_key(session_id uuid, connection_id uuid, api_key text, encryption_key text) TO switchboard_gateway;

--
-- Name: FUNCTION apply_twilio_event(org_id uuid, p jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.apply_twilio_event(org_id uuid, p jsonb) FROM PUBLIC;

--
-- Name: FUNCTION apply_vapi_message(org_id uuid, msg jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.apply_vapi_message(org_id uuid, msg jsonb) FROM PUBLIC;

--
-- Name: FUNCTION appointment_cancel_page(org_id uuid, appointment_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.appointment_cancel_page(org_id uuid, appointment_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.appointment_cancel_page(org_id uuid, appointment_id uuid) TO switchboard_gateway;

--
-- Name: FUNCTION assert_not_busy(org_id uuid, resource_id uuid, blocked tstzrange); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.assert_not_busy(org_id uuid, resource_id uuid, blocked tstzrange) FROM PUBLIC;

--
-- Name: FUNCTION assert_slot_free(org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.assert_slot_free(org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION authenticate(email public.citext, password text, totp_code text, requested_org_id uuid, ip inet, user_agent text, device text, secret_key text, session_ttl interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.authenticate(email public.citext, password text, totp_code text, requested_org_id uuid, ip inet, user_agent text, device text, secret_key text, session_ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.authenticate(email public.citext, password text, totp_code text, requested_org_id uuid, ip inet, user_agent text, device text, secret_key text, session_ttl interval) TO switchboard_gateway;

--
-- Name: FUNCTION available_slots(org_id uuid, resource_id uuid, day date); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.available_slots(org_id uuid, resource_id uuid, day date) FROM PUBLIC;

--
-- Name: FUNCTION backup_critical_tables(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.backup_critical_tables() FROM PUBLIC;

--
-- Name: FUNCTION backup_fingerprint(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.backup_fingerprint() FROM PUBLIC;

--
-- Name: FUNCTION backup_key_functions(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.backup_key_functions() FROM PUBLIC;

--
-- Name: FUNCTION begin_delivery_attempt(org_id uuid, delivery_id uuid, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.begin_delivery_attempt(org_id uuid, delivery_id uuid, encryption_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.begin_delivery_attempt(org_id uuid, delivery_id uuid, encryption_key text) TO switchboard_worker;

--
-- Name: FUNCTION begin_lead_push(org_id uuid, chunk_id uuid, encryption_key text, lease_seconds integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.begin_lead_push(org_id uuid, chunk_id uuid, encryption_key text, lease_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.begin_lead_push(org_id uuid, chunk_id uuid, encryption_key text, lease_seconds integer) TO switchboard_worker;

--
-- Name: FUNCTION begin_lead_upload(source_id uuid, org_id uuid, content_sha256 text, verification_provider text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.begin_lead_upload(source_id uuid, org_id uuid, content_sha256 text, verification_provider text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.begin_lead_upload(source_id uuid, org_id uuid, content_sha256 text, verification_provider text) TO switchboard_gateway;

--
-- Name: FUNCTION begin_session_lead_upload(session_id uuid, content_sha256 text, verification_provider text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.begin_session_lead_upload(session_id uuid, content_sha256 text, verification_provider text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.begin_session_lead_upload(session_id uuid, content_sha256 text, verification_provider text) TO switchboard_gateway;

--
-- Name: FUNCTION begin_sms_send(org_id uuid, message_id uuid, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.begin_sms_send(org_id uuid, message_id uuid, encryption_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.begin_sms_send(org_id uuid, message_id uuid, encryption_key text) TO switchboard_worker;

--
-- Name: FUNCTION current_org_id(); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.current_org_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_org_id() TO authenticated;

--
-- Name: TABLE appointments; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.appointments TO authenticated;

--
-- Name: FUNCTION book_appointment(org_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone, contact_id uuid, resource_id uuid, idempotency_key text, source text, actor_id uuid, call_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.book_appointment(org_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone, contact_id uuid, resource_id uuid, idempotency_key text, source text, actor_id uuid, call_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION calendar_feed_events(token text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_feed_events(token text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.calendar_feed_events(token text) TO switchboard_gateway;

--
-- Name: FUNCTION calendar_feed_token(feed_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_feed_token(feed_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION calendar_source_for_sync(org_id uuid, source_id uuid, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_source_for_sync(org_id uuid, source_id uuid, encryption_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.calendar_source_for_sync(org_id uuid, source_id uuid, encryption_key text) TO switchboard_worker;

--
-- Name: FUNCTION calendar_sync_apply(org_id uuid, source_id uuid, blocks jsonb, etag text, ctag text, content_hash text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_sync_apply(org_id uuid, source_id uuid, blocks jsonb, etag text, ctag text, content_hash text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.calendar_sync_apply(org_id uuid, source_id uuid, blocks jsonb, etag text, ctag text, content_hash text) TO switchboard_worker;

--
-- Name: FUNCTION calendar_sync_failed(org_id uuid, source_id uuid, error text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_sync_failed(org_id uuid, source_id uuid, error text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.calendar_sync_failed(org_id uuid, source_id uuid, error text) TO switchboard_worker;

--
-- Name: TABLE calendar_sources; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.calendar_sources TO authenticated;

--
-- Name: FUNCTION calendar_sync_succeeded(src app_public.calendar_sources); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_sync_succeeded(src app_public.calendar_sources) FROM PUBLIC;

--
-- Name: FUNCTION calendar_sync_unchanged(org_id uuid, source_id uuid, etag text, ctag text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_sync_unchanged(org_id uuid, source_id uuid, etag text, ctag text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.calendar_sync_unchanged(org_id uuid, source_id uuid, etag text, ctag text) TO switchboard_worker;

--
-- Name: FUNCTION calendar_url_display(url text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_url_display(url text) FROM PUBLIC;

--
-- Name: FUNCTION calendar_write_done(org_id uuid, source_id uuid, appointment_id uuid, href text, etag text, sequence integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_write_done(org_id uuid, source_id uuid, appointment_id uuid, href text, etag text, sequence integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.calendar_write_done(org_id uuid, source_id uuid, appointment_id uuid, href text, etag text, sequence integer) TO switchboard_worker;

--
-- Name: FUNCTION calendar_write_forget(org_id uuid, source_id uuid, appointment_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_write_forget(org_id uuid, source_id uuid, appointment_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.calendar_write_forget(org_id uuid, source_id uuid, appointment_id uuid) TO switchboard_worker;

--
-- Name: FUNCTION calendar_write_state(org_id uuid, source_id uuid, appointment_id uuid, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.calendar_write_state(org_id uuid, source_id uuid, appointment_id uuid, encryption_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.calendar_write_state(org_id uuid, source_id uuid, appointment_id uuid, encryption_key text) TO switchboard_worker;

--
-- Name: FUNCTION call_status_rank(status text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.call_status_rank(status text) FROM PUBLIC;

--
-- Name: FUNCTION call_turns(messages jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.call_turns(messages jsonb) FROM PUBLIC;

--
-- Name: FUNCTION callback_dispatch(org_id uuid, request_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.callback_dispatch(org_id uuid, request_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.callback_dispatch(org_id uuid, request_id uuid) TO switchboard_worker;

--
-- Name: FUNCTION campaign_connection_credentials(org_id uuid, connection_id uuid, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.campaign_connection_credentials(org_id uuid, connection_id uuid, encryption_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.campaign_connection_credentials(org_id uuid, connection_id uuid, encryption_key text) TO switchboard_worker;

--
-- Name: FUNCTION campaign_placeholder_name(provider text, external_id text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.campaign_placeholder_name(provider text, external_id text) FROM PUBLIC;

--
-- Name: FUNCTION campaign_tool_chunk_size(provider text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.campaign_tool_chunk_size(provider text) FROM PUBLIC;

--
-- Name: FUNCTION campaign_tool_limits(provider text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.campaign_tool_limits(provider text) FROM PUBLIC;

--
-- Name: FUNCTION cancel_appointment_by_link(org_id uuid, appointment_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.cancel_appointment_by_link(org_id uuid, appointment_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.cancel_appointment_by_link(org_id uuid, appointment_id uuid) TO switchboard_gateway;

--
-- Name: FUNCTION change_password(session_id uuid, current_password text, new_password text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.change_password(session_id uuid, current_password text, new_password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.change_password(session_id uuid, current_password text, new_password text) TO switchboard_gateway;

--
-- Name: FUNCTION check_session(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.check_session() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.check_session() TO anon;
GRANT ALL ON FUNCTION app_private.check_session() TO authenticated;
GRANT ALL ON FUNCTION app_private.check_session() TO switchboard_gateway;

--
-- Name: FUNCTION checked_source_secret(provider text, given text, auth jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.checked_source_secret(provider text, given text, auth jsonb) FROM PUBLIC;

--
-- Name: FUNCTION claim_emails(max_count integer, encryption_key text, only_org uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.claim_emails(max_count integer, encryption_key text, only_org uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.claim_emails(max_count integer, encryption_key text, only_org uuid) TO switchboard_worker;

--
-- Name: COLUMN invitations.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(org_id) ON TABLE app_public.invitations TO authenticated;

--
-- Name: COLUMN invitations.id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(id) ON TABLE app_public.invitations TO authenticated;

--
-- Name: COLUMN invitations.email; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(email) ON TABLE app_public.invitations TO authenticated;

--
-- Name: COLUMN invitations.role; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(role) ON TABLE app_public.invitations TO authenticated;

--
-- Name: COLUMN invitations.invited_by; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(invited_by) ON TABLE app_public.invitations TO authenticated;

--
-- Name: COLUMN invitations.created_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(created_at) ON TABLE app_public.invitations TO authenticated;

--
-- Name: COLUMN invitations.expires_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(expires_at) ON TABLE app_public.invitations TO authenticated;

--
-- Name: COLUMN invitations.accepted_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(accepted_at) ON TABLE app_public.invitations TO authenticated;

--
-- Name: COLUMN invitations.accepted_by; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(accepted_by) ON TABLE app_public.invitations TO authenticated;

--
-- Name: COLUMN invitations.revoked_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(revoked_at) ON TABLE app_public.invitations TO authenticated;

--
-- Name: FUNCTION claim_invitation(token text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.claim_invitation(token text) FROM PUBLIC;

--
-- Name: FUNCTION configure_sms(org_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text, base_url text, status_callback_url text, encryption_key text, allow_private boolean); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.configure_sms(org_id uuid, account_sid text, api_key_sid text, secret text, from_number text, messaging_service_sid text, base_url text, status_callback_url text, encryption_key text, allow_private boolean) FROM PUBLIC;

--
-- Name: FUNCTION configure_sso(org_id uuid, issuer text, client_id text, client_secret text, allowed_domains text[], secret_key text, enabled boolean); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.configure_sso(org_id uuid, issuer text, client_id text, client_secret text, allowed_domains text[], secret_key text, enabled boolean) FROM PUBLIC;

--
-- Name: FUNCTION confirm_lead_pushes(org_id uuid, chunk_id uuid, lead_ids uuid[], answer jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.confirm_lead_pushes(org_id uuid, chunk_id uuid, lead_ids uuid[], answer jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.confirm_lead_pushes(org_id uuid, chunk_id uuid, lead_ids uuid[], answer jsonb) TO switchboard_worker;

--
-- Name: FUNCTION consent_page(org_id uuid, lead_id uuid, nonce uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.consent_page(org_id uuid, lead_id uuid, nonce uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.consent_page(org_id uuid, lead_id uuid, nonce uuid) TO switchboard_gateway;

--
-- Name: FUNCTION console_create_endpoint(encryption_key text, allow_private_urls boolean, url text, event_types text[], description text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.console_create_endpoint(encryption_key text, allow_private_urls boolean, url text, event_types text[], description text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.console_create_endpoint(encryption_key text, allow_private_urls boolean, url text, event_types text[], description text) TO switchboard_gateway;

--
-- Name: FUNCTION console_create_sending_account(encryption_key text, from_email text, smtp_host text, smtp_user text, smtp_password text, name text, from_name text, smtp_port integer, smtp_secure boolean, daily_cap integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.console_create_sending_account(encryption_key text, from_email text, smtp_host text, smtp_user text, smtp_password text, name text, from_name text, smtp_port integer, smtp_secure boolean, daily_cap integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.console_create_sending_account(encryption_key text, from_email text, smtp_host text, smtp_user text, smtp_password text, name text, from_name text, smtp_port integer, smtp_secure boolean, daily_cap integer) TO switchboard_gateway;

--
-- Name: FUNCTION console_create_source(encryption_key text, provider text, name text, given_secret text, auth jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.console_create_source(encryption_key text, provider text, name text, given_secret text, auth jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.console_create_source(encryption_key text, provider text, name text, given_secret text, auth jsonb) TO switchboard_gateway;

--
-- Name: FUNCTION console_rotate_endpoint(encryption_key text, endpoint uuid, grace interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.console_rotate_endpoint(encryption_key text, endpoint uuid, grace interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.console_rotate_endpoint(encryption_key text, endpoint uuid, grace interval) TO switchboard_gateway;

--
-- Name: FUNCTION console_rotate_source(encryption_key text, source uuid, grace interval, given_secret text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.console_rotate_source(encryption_key text, source uuid, grace interval, given_secret text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.console_rotate_source(encryption_key text, source uuid, grace interval, given_secret text) TO switchboard_gateway;

--
-- Name: FUNCTION console_set_sending_account_password(encryption_key text, account_id uuid, smtp_password text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.console_set_sending_account_password(encryption_key text, account_id uuid, smtp_password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.console_set_sending_account_password(encryption_key text, account_id uuid, smtp_password text) TO switchboard_gateway;

--
-- Name: FUNCTION consume_request_quota(user_id uuid, org_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.consume_request_quota(user_id uuid, org_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION consume_second_factor(uid uuid, code text, secret_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.consume_second_factor(uid uuid, code text, secret_key text) FROM PUBLIC;

--
-- Name: FUNCTION is_platform_email(address text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.is_platform_email(address text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.is_platform_email(address text) TO authenticated;

--
-- Name: TABLE contacts; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.contacts TO authenticated;

--
-- Name: COLUMN contacts.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(org_id) ON TABLE app_public.contacts TO authenticated;

--
-- Name: COLUMN contacts.email; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(email),UPDATE(email) ON TABLE app_public.contacts TO authenticated;

--
-- Name: COLUMN contacts.first_name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(first_name),UPDATE(first_name) ON TABLE app_public.contacts TO authenticated;

--
-- Name: COLUMN contacts.last_name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(last_name),UPDATE(last_name) ON TABLE app_public.contacts TO authenticated;

--
-- Name: COLUMN contacts.phone; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(phone),UPDATE(phone) ON TABLE app_public.contacts TO authenticated;

--
-- Name: COLUMN contacts.company; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(company),UPDATE(company) ON TABLE app_public.contacts TO authenticated;

--
-- Name: COLUMN contacts.attributes; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(attributes),UPDATE(attributes) ON TABLE app_public.contacts TO authenticated;

--
-- Name: FUNCTION contact_identity(org_id uuid, contact_id uuid, OUT contact app_public.contacts, OUT norm_email public.citext, OUT norm_phone text, OUT lead_ids uuid[], OUT call_ids uuid[], OUT inbox_ids uuid[], OUT pattern text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.contact_identity(org_id uuid, contact_id uuid, OUT contact app_public.contacts, OUT norm_email public.citext, OUT norm_phone text, OUT lead_ids uuid[], OUT call_ids uuid[], OUT inbox_ids uuid[], OUT pattern text) FROM PUBLIC;

--
-- Name: FUNCTION contactable_lead_ids(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.contactable_lead_ids() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.contactable_lead_ids() TO authenticated;

--
-- Name: FUNCTION create_calendar_feed(org_id uuid, resource_id uuid, with_names boolean, name text, actor_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.create_calendar_feed(org_id uuid, resource_id uuid, with_names boolean, name text, actor_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION create_calendar_source(resource_id uuid, kind text, name text, url text, username text, password text, write boolean, sync_interval interval, encryption_key text, allow_private boolean); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.create_calendar_source(resource_id uuid, kind text, name text, url text, username text, password text, write boolean, sync_interval interval, encryption_key text, allow_private boolean) FROM PUBLIC;

--
-- Name: FUNCTION create_campaign(org_id uuid, name text, provider text, external_id text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.create_campaign(org_id uuid, name text, provider text, external_id text) FROM PUBLIC;

--
-- Name: FUNCTION create_campaign_connection(org_id uuid, provider text, name text, external_campaign_id text, api_key text, base_url text, field_mapping jsonb, encryption_key text, allow_private boolean); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.create_campaign_connection(org_id uuid, provider text, name text, external_campaign_id text, api_key text, base_url text, field_mapping jsonb, encryption_key text, allow_private boolean) FROM PUBLIC;

--
-- Name: FUNCTION create_delivery_endpoint(org_id uuid, url text, event_types text[], description text, encryption_key text, allow_private boolean, OUT endpoint_id uuid, OUT secret text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.create_delivery_endpoint(org_id uuid, url text, event_types text[], description text, encryption_key text, allow_private boolean, OUT endpoint_id uuid, OUT secret text) FROM PUBLIC;

--
-- Name: FUNCTION create_organization(name text, admin_email public.citext, admin_password text, timezone text, OUT org_id uuid, OUT user_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.create_organization(name text, admin_email public.citext, admin_password text, timezone text, OUT org_id uuid, OUT user_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION create_sending_account(org_id uuid, name text, from_email public.citext, from_name text, smtp_host text, smtp_port integer, smtp_secure boolean, smtp_user text, smtp_password text, daily_cap integer, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.create_sending_account(org_id uuid, name text, from_email public.citext, from_name text, smtp_host text, smtp_port integer, smtp_secure boolean, smtp_user text, smtp_password text, daily_cap integer, encryption_key text) FROM PUBLIC;

--
-- Name: FUNCTION create_source(org_id uuid, provider text, name text, encryption_key text, given_secret text, auth jsonb, OUT source_id uuid, OUT secret text, OUT url text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.create_source(org_id uuid, provider text, name text, encryption_key text, given_secret text, auth jsonb, OUT source_id uuid, OUT secret text, OUT url text) FROM PUBLIC;

--
-- Name: FUNCTION current_request_id(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.current_request_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.current_request_id() TO authenticated;
GRANT ALL ON FUNCTION app_private.current_request_id() TO switchboard_gateway;
GRANT ALL ON FUNCTION app_private.current_request_id() TO switchboard_worker;

--
-- Name: FUNCTION current_totp_step(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.current_totp_step() FROM PUBLIC;

--
-- Name: FUNCTION dead_letter_delivery(org_id uuid, delivery_id uuid, error text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.dead_letter_delivery(org_id uuid, delivery_id uuid, error text) FROM PUBLIC;

--
-- Name: FUNCTION dead_letter_lead_push(org_id uuid, chunk_id uuid, error text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.dead_letter_lead_push(org_id uuid, chunk_id uuid, error text) FROM PUBLIC;

--
-- Name: FUNCTION decrypt_pii(value bytea, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.decrypt_pii(value bytea, encryption_key text) FROM PUBLIC;

--
-- Name: FUNCTION default_field_mapping(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.default_field_mapping() FROM PUBLIC;

--
-- Name: FUNCTION default_org_quota(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.default_org_quota() FROM PUBLIC;

--
-- Name: FUNCTION default_user_quota(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.default_user_quota() FROM PUBLIC;

--
-- Name: FUNCTION delivery_url_problem(url text, allow_private boolean); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.delivery_url_problem(url text, allow_private boolean) FROM PUBLIC;

--
-- Name: FUNCTION device_from_user_agent(user_agent text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.device_from_user_agent(user_agent text) FROM PUBLIC;

--
-- Name: FUNCTION disable_delivery_endpoint(org_id uuid, endpoint_id uuid, reason text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.disable_delivery_endpoint(org_id uuid, endpoint_id uuid, reason text) FROM PUBLIC;

--
-- Name: FUNCTION disable_sending_account(account_id uuid, reason text, error text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.disable_sending_account(account_id uuid, reason text, error text) FROM PUBLIC;

--
-- Name: FUNCTION discard_lead_batch_attempt(batch_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.discard_lead_batch_attempt(batch_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.discard_lead_batch_attempt(batch_id uuid) TO switchboard_worker;

--
-- Name: FUNCTION discard_pending_lead_batches(org_id uuid, only_batch uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.discard_pending_lead_batches(org_id uuid, only_batch uuid) FROM PUBLIC;

--
-- Name: FUNCTION due_calendar_sources(max_count integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.due_calendar_sources(max_count integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.due_calendar_sources(max_count integer) TO switchboard_worker;

--
-- Name: FUNCTION due_call_events(org_id uuid, shard smallint, max_count integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.due_call_events(org_id uuid, shard smallint, max_count integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.due_call_events(org_id uuid, shard smallint, max_count integer) TO switchboard_worker;

--
-- Name: FUNCTION due_sms_events(org_id uuid, shard smallint, max_count integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.due_sms_events(org_id uuid, shard smallint, max_count integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.due_sms_events(org_id uuid, shard smallint, max_count integer) TO switchboard_worker;

--
-- Name: FUNCTION due_webhook_events(org_id uuid, shard smallint, max_count integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.due_webhook_events(org_id uuid, shard smallint, max_count integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.due_webhook_events(org_id uuid, shard smallint, max_count integer) TO switchboard_worker;

--
-- Name: FUNCTION emails_due(only_org uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.emails_due(only_org uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.emails_due(only_org uuid) TO switchboard_worker;

--
-- Name: FUNCTION emit_event(org_id uuid, event_type text, data jsonb, only_endpoint uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.emit_event(org_id uuid, event_type text, data jsonb, only_endpoint uuid) FROM PUBLIC;

--
-- Name: FUNCTION encrypt_pii(value text, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.encrypt_pii(value text, encryption_key text) FROM PUBLIC;

--
-- Name: FUNCTION enroll(org_id uuid, campaign_id uuid, contact_ids uuid[], lead_ids uuid[]); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.enroll(org_id uuid, campaign_id uuid, contact_ids uuid[], lead_ids uuid[]) FROM PUBLIC;

--
-- Name: FUNCTION ensure_user(email public.citext, password text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.ensure_user(email public.citext, password text) FROM PUBLIC;

--
-- Name: FUNCTION erasure_exempt(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.erasure_exempt() FROM PUBLIC;

--
-- Name: FUNCTION erasure_scope(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.erasure_scope() FROM PUBLIC;

--
-- Name: FUNCTION evaluate_alerts(platform_org uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.evaluate_alerts(platform_org uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.evaluate_alerts(platform_org uuid) TO switchboard_worker;

--
-- Name: FUNCTION expire_sms_in_flight(older_than interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.expire_sms_in_flight(older_than interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.expire_sms_in_flight(older_than interval) TO switchboard_worker;

--
-- Name: FUNCTION fail_webhook_event(org_id uuid, event_id uuid, error text, max_attempts integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.fail_webhook_event(org_id uuid, event_id uuid, error text, max_attempts integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.fail_webhook_event(org_id uuid, event_id uuid, error text, max_attempts integer) TO switchboard_worker;

--
-- Name: FUNCTION feature_enabled_for(org_id uuid, flag text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.feature_enabled_for(org_id uuid, flag text) FROM PUBLIC;

--
-- Name: TABLE campaign_connections; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT DELETE ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(org_id) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(id) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.provider; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(provider) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(name),UPDATE(name) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.external_campaign_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(external_campaign_id) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.base_url; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(base_url) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.field_mapping; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(field_mapping),UPDATE(field_mapping) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.use_for_feed; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(use_for_feed),UPDATE(use_for_feed) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.enabled; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(enabled),UPDATE(enabled) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.validation_status; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(validation_status) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.validation_error; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(validation_error) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.validated_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(validated_at) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.consecutive_failures; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(consecutive_failures) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.failing_since; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(failing_since) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.circuit_open_until; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(circuit_open_until) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.paused_until; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(paused_until) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.last_success_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(last_success_at) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.last_error; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(last_error) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.created_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(created_at) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: COLUMN campaign_connections.updated_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(updated_at) ON TABLE app_public.campaign_connections TO authenticated;

--
-- Name: FUNCTION feed_connections(org_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.feed_connections(org_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION feed_leads(org_id uuid, at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.feed_leads(org_id uuid, at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.feed_leads(org_id uuid, at timestamp with time zone) TO switchboard_worker;

--
-- Name: FUNCTION field_mapping_problem(mapping jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.field_mapping_problem(mapping jsonb) FROM PUBLIC;

--
-- Name: FUNCTION finish_delivery_attempt(org_id uuid, delivery_id uuid, attempt integer, status_code integer, latency_ms integer, response_excerpt text, error text, retry_after_seconds integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.finish_delivery_attempt(org_id uuid, delivery_id uuid, attempt integer, status_code integer, latency_ms integer, response_excerpt text, error text, retry_after_seconds integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.finish_delivery_attempt(org_id uuid, delivery_id uuid, attempt integer, status_code integer, latency_ms integer, response_excerpt text, error text, retry_after_seconds integer) TO switchboard_worker;

--
-- Name: FUNCTION finish_email(email_id uuid, outcome text, error text, subject text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.finish_email(email_id uuid, outcome text, error text, subject text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.finish_email(email_id uuid, outcome text, error text, subject text) TO switchboard_worker;

--
-- Name: FUNCTION finish_lead_push(org_id uuid, chunk_id uuid, attempt integer, outcome text, status_code integer, latency_ms integer, response_excerpt text, error text, retry_after_seconds integer, results jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.finish_lead_push(org_id uuid, chunk_id uuid, attempt integer, outcome text, status_code integer, latency_ms integer, response_excerpt text, error text, retry_after_seconds integer, results jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.finish_lead_push(org_id uuid, chunk_id uuid, attempt integer, outcome text, status_code integer, latency_ms integer, response_excerpt text, error text, retry_after_seconds integer, results jsonb) TO switchboard_worker;

--
-- Name: FUNCTION finish_lead_upload(batch_id uuid, rows_total integer, bytes bigint); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.finish_lead_upload(batch_id uuid, rows_total integer, bytes bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.finish_lead_upload(batch_id uuid, rows_total integer, bytes bigint) TO switchboard_gateway;

--
-- Name: FUNCTION finish_sms_send(org_id uuid, message_id uuid, http_status integer, sid text, twilio_status text, error_code integer, error text, rendered_body text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.finish_sms_send(org_id uuid, message_id uuid, http_status integer, sid text, twilio_status text, error_code integer, error text, rendered_body text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.finish_sms_send(org_id uuid, message_id uuid, http_status integer, sid text, twilio_status text, error_code integer, error text, rendered_body text) TO switchboard_worker;

--
-- Name: FUNCTION firing_alerts(platform_org uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.firing_alerts(platform_org uuid) FROM PUBLIC;

--
-- Name: FUNCTION handoff_leads(org_id uuid, local_date date, lead_ids uuid[]); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.handoff_leads(org_id uuid, local_date date, lead_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.handoff_leads(org_id uuid, local_date date, lead_ids uuid[]) TO switchboard_worker;

--
-- Name: FUNCTION has_subscriber(org_id uuid, event_type text, only_endpoint uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.has_subscriber(org_id uuid, event_type text, only_endpoint uuid) FROM PUBLIC;

--
-- Name: FUNCTION hash_email(email text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.hash_email(email text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.hash_email(email text) TO authenticated;

--
-- Name: FUNCTION hotp(secret bytea, counter bigint); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.hotp(secret bytea, counter bigint) FROM PUBLIC;

--
-- Name: FUNCTION ingest_webhook_event(source_id uuid, provider text, dedupe_key text, partition_key text, event_type text, occurred_at timestamp with time zone, payload jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.ingest_webhook_event(source_id uuid, provider text, dedupe_key text, partition_key text, event_type text, occurred_at timestamp with time zone, payload jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ingest_webhook_event(source_id uuid, provider text, dedupe_key text, partition_key text, event_type text, occurred_at timestamp with time zone, payload jsonb) TO switchboard_gateway;

--
-- Name: FUNCTION ingest_webhook_events(source_ids uuid[], providers text[], dedupe_keys text[], partition_keys text[], event_types text[], occurred_ats timestamp with time zone[], payloads text[]); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.ingest_webhook_events(source_ids uuid[], providers text[], dedupe_keys text[], partition_keys text[], event_types text[], occurred_ats timestamp with time zone[], payloads text[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ingest_webhook_events(source_ids uuid[], providers text[], dedupe_keys text[], partition_keys text[], event_types text[], occurred_ats timestamp with time zone[], payloads text[]) TO switchboard_gateway;

--
-- Name: FUNCTION is_locked_out(email public.citext); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.is_locked_out(email public.citext) FROM PUBLIC;

--
-- Name: FUNCTION is_uuid(value text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.is_uuid(value text) FROM PUBLIC;

--
-- Name: FUNCTION is_valid_timezone(tz text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.is_valid_timezone(tz text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.is_valid_timezone(tz text) TO authenticated;

--
-- Name: FUNCTION issue_consent_link(session_id uuid, lead_id uuid, ttl interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.issue_consent_link(session_id uuid, lead_id uuid, ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.issue_consent_link(session_id uuid, lead_id uuid, ttl interval) TO switchboard_gateway;

--
-- Name: FUNCTION issue_consent_nonce(lead_id uuid, ttl interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.issue_consent_nonce(lead_id uuid, ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.issue_consent_nonce(lead_id uuid, ttl interval) TO switchboard_gateway;
GRANT ALL ON FUNCTION app_private.issue_consent_nonce(lead_id uuid, ttl interval) TO switchboard_worker;

--
-- Name: TABLE leads; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.leads TO authenticated;

--
-- Name: COLUMN leads.campaign_status; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(campaign_status) ON TABLE app_public.leads TO authenticated;

--
-- Name: COLUMN leads.assigned_to; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(assigned_to) ON TABLE app_public.leads TO authenticated;

--
-- Name: FUNCTION lead_fed_payload(l app_public.leads); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.lead_fed_payload(l app_public.leads) FROM PUBLIC;

--
-- Name: FUNCTION lead_lock_key(org_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.lead_lock_key(org_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION lead_mapping_columns(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.lead_mapping_columns() FROM PUBLIC;

--
-- Name: FUNCTION lead_score(email_verified boolean, phone_verified boolean, estimated_equity numeric, owner_occupied boolean, data_age interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.lead_score(email_verified boolean, phone_verified boolean, estimated_equity numeric, owner_occupied boolean, data_age interval) FROM PUBLIC;

--
-- Name: FUNCTION lead_upload_table(batch_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.lead_upload_table(batch_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION leads_cron_tick(at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.leads_cron_tick(at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.leads_cron_tick(at timestamp with time zone) TO switchboard_worker;

--
-- Name: FUNCTION live_session(sid uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.live_session(sid uuid) FROM PUBLIC;

--
-- Name: FUNCTION local_day(tz text, at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.local_day(tz text, at timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION lock_booking_range(resource_id uuid, blocked tstzrange); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.lock_booking_range(resource_id uuid, blocked tstzrange) FROM PUBLIC;

--
-- Name: FUNCTION lock_lead_batch_org(batch_id uuid, take boolean); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.lock_lead_batch_org(batch_id uuid, take boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.lock_lead_batch_org(batch_id uuid, take boolean) TO switchboard_worker;

--
-- Name: FUNCTION log_retention_run(step text, removed bigint, started_at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.log_retention_run(step text, removed bigint, started_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.log_retention_run(step text, removed bigint, started_at timestamp with time zone) TO switchboard_worker;

--
-- Name: FUNCTION login(email public.citext, password text, requested_org_id uuid, ip inet, user_agent text, session_ttl interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.login(email public.citext, password text, requested_org_id uuid, ip inet, user_agent text, session_ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.login(email public.citext, password text, requested_org_id uuid, ip inet, user_agent text, session_ttl interval) TO switchboard_gateway;

--
-- Name: FUNCTION logout(session_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.logout(session_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.logout(session_id uuid) TO switchboard_gateway;

--
-- Name: FUNCTION logout_all(session_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.logout_all(session_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.logout_all(session_id uuid) TO switchboard_gateway;

--
-- Name: FUNCTION luhn_valid(digits text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.luhn_valid(digits text) FROM PUBLIC;

--
-- Name: FUNCTION map_lead(l app_public.leads, mapping jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.map_lead(l app_public.leads, mapping jsonb) FROM PUBLIC;

--
-- Name: FUNCTION mark_lead_batch_failed(batch_id uuid, error text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.mark_lead_batch_failed(batch_id uuid, error text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.mark_lead_batch_failed(batch_id uuid, error text) TO switchboard_worker;

--
-- Name: FUNCTION merge_lead_batch(batch_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.merge_lead_batch(batch_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.merge_lead_batch(batch_id uuid) TO switchboard_worker;

--
-- Name: FUNCTION merge_lead_batch_chunk(batch_id uuid, attempt uuid, chunk integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.merge_lead_batch_chunk(batch_id uuid, attempt uuid, chunk integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.merge_lead_batch_chunk(batch_id uuid, attempt uuid, chunk integer) TO switchboard_worker;

--
-- Name: TABLE lead_import_batches; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.lead_import_batches TO authenticated;

--
-- Name: FUNCTION merge_lead_batch_groups(b app_public.lead_import_batches, email_ok text[], OUT leads integer, OUT passes integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.merge_lead_batch_groups(b app_public.lead_import_batches, email_ok text[], OUT leads integer, OUT passes integer) FROM PUBLIC;

--
-- Name: FUNCTION merge_lead_batch_prepare(batch_id uuid, chunks integer, min_rows integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.merge_lead_batch_prepare(batch_id uuid, chunks integer, min_rows integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.merge_lead_batch_prepare(batch_id uuid, chunks integer, min_rows integer) TO switchboard_worker;

--
-- Name: FUNCTION merge_lead_batch_publish(batch_id uuid, attempt uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.merge_lead_batch_publish(batch_id uuid, attempt uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.merge_lead_batch_publish(batch_id uuid, attempt uuid) TO switchboard_worker;

--
-- Name: FUNCTION merge_lead_groups(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.merge_lead_groups() FROM PUBLIC;

--
-- Name: FUNCTION merge_lead_update_matched(b app_public.lead_import_batches, email_ok text[]); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.merge_lead_update_matched(b app_public.lead_import_batches, email_ok text[]) FROM PUBLIC;

--
-- Name: FUNCTION mfa_begin_enrollment(session_id uuid, secret bytea, secret_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.mfa_begin_enrollment(session_id uuid, secret bytea, secret_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.mfa_begin_enrollment(session_id uuid, secret bytea, secret_key text) TO switchboard_gateway;

--
-- Name: FUNCTION mfa_disable(session_id uuid, code text, secret_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.mfa_disable(session_id uuid, code text, secret_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.mfa_disable(session_id uuid, code text, secret_key text) TO switchboard_gateway;

--
-- Name: FUNCTION mfa_enable(session_id uuid, code text, secret_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.mfa_enable(session_id uuid, code text, secret_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.mfa_enable(session_id uuid, code text, secret_key text) TO switchboard_gateway;

--
-- Name: FUNCTION new_delivery_secret(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.new_delivery_secret() FROM PUBLIC;

--
-- Name: FUNCTION new_source_secret(provider text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.new_source_secret(provider text) FROM PUBLIC;

--
-- Name: FUNCTION next_business_opening(org_id uuid, resource_id uuid, after timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.next_business_opening(org_id uuid, resource_id uuid, after timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION next_window_start(days smallint[], starts time without time zone, ends time without time zone, tz text, after timestamp with time zone, skip_today boolean); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.next_window_start(days smallint[], starts time without time zone, ends time without time zone, tz text, after timestamp with time zone, skip_today boolean) FROM PUBLIC;

--
-- Name: FUNCTION normalize_address(address text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.normalize_address(address text) FROM PUBLIC;

--
-- Name: FUNCTION normalize_apn(apn text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.normalize_apn(apn text) FROM PUBLIC;

--
-- Name: FUNCTION normalize_e164(phone text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.normalize_e164(phone text) FROM PUBLIC;

--
-- Name: FUNCTION normalize_email(email text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.normalize_email(email text) FROM PUBLIC;

--
-- Name: FUNCTION normalize_fips(fips text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.normalize_fips(fips text) FROM PUBLIC;

--
-- Name: FUNCTION normalize_mak(mak text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.normalize_mak(mak text) FROM PUBLIC;

--
-- Name: FUNCTION normalize_message_id(mid text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.normalize_message_id(mid text) FROM PUBLIC;

--
-- Name: FUNCTION normalize_phone(phone text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.normalize_phone(phone text) FROM PUBLIC;

--
-- Name: FUNCTION normalize_recovery_code(code text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.normalize_recovery_code(code text) FROM PUBLIC;

--
-- Name: FUNCTION normalize_zip(zip text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.normalize_zip(zip text) FROM PUBLIC;

--
-- Name: FUNCTION opaque_id(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.opaque_id() FROM PUBLIC;

--
-- Name: FUNCTION ops_metrics(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.ops_metrics() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.ops_metrics() TO switchboard_gateway;

--
-- Name: FUNCTION outreach_fields(provider text, payload jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.outreach_fields(provider text, payload jsonb) FROM PUBLIC;

--
-- Name: FUNCTION parse_boolean(value text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.parse_boolean(value text) FROM PUBLIC;

--
-- Name: FUNCTION parse_money(value text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.parse_money(value text) FROM PUBLIC;

--
-- Name: FUNCTION pending_lead_batch_ids(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.pending_lead_batch_ids() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.pending_lead_batch_ids() TO authenticated;

--
-- Name: FUNCTION percent_encode(value text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.percent_encode(value text) FROM PUBLIC;

--
-- Name: FUNCTION phone_e164(phone text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.phone_e164(phone text) FROM PUBLIC;

--
-- Name: FUNCTION phone_suppressed(org_id uuid, phone text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.phone_suppressed(org_id uuid, phone text) FROM PUBLIC;

--
-- Name: FUNCTION plan_lead_pushes(org_id uuid, local_date date, lead_ids uuid[]); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.plan_lead_pushes(org_id uuid, local_date date, lead_ids uuid[]) FROM PUBLIC;

--
-- Name: FUNCTION platform_setting(key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.platform_setting(key text) FROM PUBLIC;

--
-- Name: FUNCTION process_call_events(org_id uuid, shard smallint, batch_size integer, only_event uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.process_call_events(org_id uuid, shard smallint, batch_size integer, only_event uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.process_call_events(org_id uuid, shard smallint, batch_size integer, only_event uuid) TO switchboard_worker;

--
-- Name: FUNCTION process_outreach_events(org_id uuid, shard smallint, batch_size integer, only_event uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.process_outreach_events(org_id uuid, shard smallint, batch_size integer, only_event uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.process_outreach_events(org_id uuid, shard smallint, batch_size integer, only_event uuid) TO switchboard_worker;

--
-- Name: FUNCTION process_sms_events(org_id uuid, shard smallint, batch_size integer, only_event uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.process_sms_events(org_id uuid, shard smallint, batch_size integer, only_event uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.process_sms_events(org_id uuid, shard smallint, batch_size integer, only_event uuid) TO switchboard_worker;

--
-- Name: FUNCTION purge_audit_log(older_than interval, batch_size integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.purge_audit_log(older_than interval, batch_size integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.purge_audit_log(older_than interval, batch_size integer) TO switchboard_worker;

--
-- Name: FUNCTION purge_auth_events(older_than interval, batch_size integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.purge_auth_events(older_than interval, batch_size integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.purge_auth_events(older_than interval, batch_size integer) TO switchboard_worker;

--
-- Name: FUNCTION purge_call_data(batch_size integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.purge_call_data(batch_size integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.purge_call_data(batch_size integer) TO switchboard_worker;

--
-- Name: FUNCTION purge_request_counters(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.purge_request_counters() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.purge_request_counters() TO switchboard_worker;

--
-- Name: FUNCTION queue_calendar_pushes(org uuid, resource uuid, appointment uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.queue_calendar_pushes(org uuid, resource uuid, appointment uuid) FROM PUBLIC;

--
-- Name: FUNCTION queue_sms(org_id uuid, kind text, contact_id uuid, appointment_id uuid, to_number text, body text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.queue_sms(org_id uuid, kind text, contact_id uuid, appointment_id uuid, to_number text, body text) FROM PUBLIC;

--
-- Name: FUNCTION quota_limits(org_id uuid, OUT per_user integer, OUT per_org integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.quota_limits(org_id uuid, OUT per_user integer, OUT per_org integer) FROM PUBLIC;

--
-- Name: FUNCTION raise_quota_exceeded(which text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.raise_quota_exceeded(which text) FROM PUBLIC;

--
-- Name: FUNCTION raise_slot_taken(org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.raise_slot_taken(org_id uuid, resource_id uuid, blocked tstzrange, except_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION record_auth_event(event text, user_id uuid, org_id uuid, session_id uuid, ip inet, user_agent text, detail jsonb, actor_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_auth_event(event text, user_id uuid, org_id uuid, session_id uuid, ip inet, user_agent text, detail jsonb, actor_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION record_backup_verification(ok boolean, details jsonb, error text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_backup_verification(ok boolean, details jsonb, error text) FROM PUBLIC;

--
-- Name: FUNCTION record_callback_failure(org_id uuid, request_id uuid, error text, final boolean); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_callback_failure(org_id uuid, request_id uuid, error text, final boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_callback_failure(org_id uuid, request_id uuid, error text, final boolean) TO switchboard_worker;

--
-- Name: FUNCTION record_callback_sent(org_id uuid, request_id uuid, external_call_id text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_callback_sent(org_id uuid, request_id uuid, external_call_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_callback_sent(org_id uuid, request_id uuid, external_call_id text) TO switchboard_worker;

--
-- Name: FUNCTION record_connection_validation(org_id uuid, connection_id uuid, ok boolean, error text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_connection_validation(org_id uuid, connection_id uuid, ok boolean, error text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_connection_validation(org_id uuid, connection_id uuid, ok boolean, error text) TO switchboard_worker;

--
-- Name: FUNCTION record_consent(org_id uuid, lead_id uuid, nonce uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_consent(org_id uuid, lead_id uuid, nonce uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_consent(org_id uuid, lead_id uuid, nonce uuid) TO switchboard_gateway;

--
-- Name: FUNCTION record_email_event(org_id uuid, campaign_id uuid, contact_id uuid, kind text, occurred_at timestamp with time zone, event_key uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_email_event(org_id uuid, campaign_id uuid, contact_id uuid, kind text, occurred_at timestamp with time zone, event_key uuid) FROM PUBLIC;

--
-- Name: FUNCTION record_login_failure(email public.citext, user_id uuid, ip inet, outcome text, max_failures integer, failure_window interval, lock_for interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_login_failure(email public.citext, user_id uuid, ip inet, outcome text, max_failures integer, failure_window interval, lock_for interval) FROM PUBLIC;

--
-- Name: FUNCTION record_signature_failure(source_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_signature_failure(source_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_signature_failure(source_id uuid) TO switchboard_gateway;

--
-- Name: FUNCTION record_tracking_hit(org_id uuid, email_id uuid, kind text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_tracking_hit(org_id uuid, email_id uuid, kind text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_tracking_hit(org_id uuid, email_id uuid, kind text) TO switchboard_gateway;

--
-- Name: FUNCTION record_worker_heartbeat(worker_id text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.record_worker_heartbeat(worker_id text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.record_worker_heartbeat(worker_id text) TO switchboard_worker;

--
-- Name: FUNCTION redact_json_text(doc jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.redact_json_text(doc jsonb) FROM PUBLIC;

--
-- Name: FUNCTION redact_phi(input text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.redact_phi(input text) FROM PUBLIC;

--
-- Name: FUNCTION rederive_lead_verification(org_id uuid, provider text, code text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.rederive_lead_verification(org_id uuid, provider text, code text) FROM PUBLIC;

--
-- Name: FUNCTION refresh_contactable_leads(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.refresh_contactable_leads() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.refresh_contactable_leads() TO switchboard_worker;

--
-- Name: FUNCTION refresh_session(refresh_token text, ip inet, user_agent text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.refresh_session(refresh_token text, ip inet, user_agent text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.refresh_session(refresh_token text, ip inet, user_agent text) TO switchboard_gateway;

--
-- Name: FUNCTION regex_escape(s text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.regex_escape(s text) FROM PUBLIC;

--
-- Name: FUNCTION replica_lag_seconds(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.replica_lag_seconds() FROM PUBLIC;

--
-- Name: FUNCTION request_password_reset(email public.citext, ip inet); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.request_password_reset(email public.citext, ip inet) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.request_password_reset(email public.citext, ip inet) TO switchboard_gateway;

--
-- Name: FUNCTION requeue_delivery(org_id uuid, delivery_id uuid, actor uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.requeue_delivery(org_id uuid, delivery_id uuid, actor uuid) FROM PUBLIC;

--
-- Name: FUNCTION requeue_due_deliveries(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.requeue_due_deliveries() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.requeue_due_deliveries() TO switchboard_worker;

--
-- Name: FUNCTION requeue_due_lead_pushes(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.requeue_due_lead_pushes() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.requeue_due_lead_pushes() TO switchboard_worker;

--
-- Name: FUNCTION requeue_lead_push(org_id uuid, chunk_id uuid, actor uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.requeue_lead_push(org_id uuid, chunk_id uuid, actor uuid) FROM PUBLIC;

--
-- Name: FUNCTION requeue_stale_sending(older_than interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.requeue_stale_sending(older_than interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.requeue_stale_sending(older_than interval) TO switchboard_worker;

--
-- Name: FUNCTION require_admin(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.require_admin() FROM PUBLIC;

--
-- Name: FUNCTION require_member(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.require_member() FROM PUBLIC;

--
-- Name: FUNCTION reschedule_due_events(older_than interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.reschedule_due_events(older_than interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.reschedule_due_events(older_than interval) TO switchboard_worker;

--
-- Name: FUNCTION rescore_leads(org_id uuid, at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.rescore_leads(org_id uuid, at timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION rescore_next_org(after uuid, at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.rescore_next_org(after uuid, at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.rescore_next_org(after uuid, at timestamp with time zone) TO switchboard_worker;

--
-- Name: FUNCTION reserve_connection_call(connection_id uuid, for_chunk uuid, OUT reserved boolean, OUT not_before timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.reserve_connection_call(connection_id uuid, for_chunk uuid, OUT reserved boolean, OUT not_before timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.reserve_connection_call(connection_id uuid, for_chunk uuid, OUT reserved boolean, OUT not_before timestamp with time zone) TO switchboard_worker;

--
-- Name: FUNCTION reset_password(token text, new_password text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.reset_password(token text, new_password text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.reset_password(token text, new_password text) TO switchboard_gateway;

--
-- Name: FUNCTION resolve_resource(org_id uuid, resource_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.resolve_resource(org_id uuid, resource_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION retention_step(step text, batch_size integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.retention_step(step text, batch_size integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.retention_step(step text, batch_size integer) TO switchboard_worker;

--
-- Name: FUNCTION retention_steps(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.retention_steps() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.retention_steps() TO switchboard_worker;

--
-- Name: FUNCTION revoke_calendar_feed(org_id uuid, feed_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.revoke_calendar_feed(org_id uuid, feed_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION rollout_bucket(org_id uuid, flag text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.rollout_bucket(org_id uuid, flag text) FROM PUBLIC;

--
-- Name: FUNCTION rotate_delivery_secret(endpoint_id uuid, grace interval, encryption_key text, OUT secret text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.rotate_delivery_secret(endpoint_id uuid, grace interval, encryption_key text, OUT secret text) FROM PUBLIC;

--
-- Name: FUNCTION rotate_source_secret(source_id uuid, grace interval, encryption_key text, given_secret text, OUT secret text, OUT url text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.rotate_source_secret(source_id uuid, grace interval, encryption_key text, given_secret text, OUT secret text, OUT url text) FROM PUBLIC;

--
-- Name: FUNCTION say_slots(org_id uuid, resource_id uuid, near timestamp with time zone, how_many integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.say_slots(org_id uuid, resource_id uuid, near timestamp with time zone, how_many integer) FROM PUBLIC;

--
-- Name: FUNCTION say_time(ts timestamp with time zone, tz text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.say_time(ts timestamp with time zone, tz text) FROM PUBLIC;

--
-- Name: FUNCTION schedule_calendar_sync(org_id uuid, source_id uuid, run_at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.schedule_calendar_sync(org_id uuid, source_id uuid, run_at timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION schedule_connection_validation(org_id uuid, connection_id uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.schedule_connection_validation(org_id uuid, connection_id uuid) FROM PUBLIC;

--
-- Name: FUNCTION schedule_delivery(org_id uuid, delivery_id uuid, run_at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.schedule_delivery(org_id uuid, delivery_id uuid, run_at timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION schedule_event_processing(task text, org_id uuid, shard smallint, run_at timestamp with time zone, mode text, key_suffix text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.schedule_event_processing(task text, org_id uuid, shard smallint, run_at timestamp with time zone, mode text, key_suffix text) FROM PUBLIC;

--
-- Name: FUNCTION schedule_lead_push(org_id uuid, chunk_id uuid, run_at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.schedule_lead_push(org_id uuid, chunk_id uuid, run_at timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION schedule_sms(org_id uuid, message_id uuid, run_at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.schedule_sms(org_id uuid, message_id uuid, run_at timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION scrub_jsonb(doc jsonb, pattern text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.scrub_jsonb(doc jsonb, pattern text) FROM PUBLIC;

--
-- Name: FUNCTION seconds_since_worker_heartbeat(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.seconds_since_worker_heartbeat() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.seconds_since_worker_heartbeat() TO switchboard_gateway;

--
-- Name: FUNCTION set_calendar_source_password(source_id uuid, password text, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.set_calendar_source_password(source_id uuid, password text, encryption_key text) FROM PUBLIC;

--
-- Name: FUNCTION set_campaign_connection_base_url(org_id uuid, connection_id uuid, base_url text, allow_private boolean); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.set_campaign_connection_base_url(org_id uuid, connection_id uuid, base_url text, allow_private boolean) FROM PUBLIC;

--
-- Name: FUNCTION set_campaign_connection_key(org_id uuid, connection_id uuid, api_key text, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.set_campaign_connection_key(org_id uuid, connection_id uuid, api_key text, encryption_key text) FROM PUBLIC;

--
-- Name: TABLE feature_flags; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.feature_flags TO authenticated;

--
-- Name: FUNCTION set_feature_flag(key text, default_enabled boolean, rollout_percent numeric, allow_org_override boolean, description text, actor text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.set_feature_flag(key text, default_enabled boolean, rollout_percent numeric, allow_org_override boolean, description text, actor text) FROM PUBLIC;

--
-- Name: FUNCTION set_org_quota(org_id uuid, per_user integer, per_org integer); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.set_org_quota(org_id uuid, per_user integer, per_org integer) FROM PUBLIC;

--
-- Name: FUNCTION set_sending_account_password(account_id uuid, smtp_password text, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.set_sending_account_password(account_id uuid, smtp_password text, encryption_key text) FROM PUBLIC;

--
-- Name: FUNCTION sms_send_time(tz text, due timestamp with time zone, quiet_start time without time zone, quiet_end time without time zone, deadline timestamp with time zone, now_at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.sms_send_time(tz text, due timestamp with time zone, quiet_start time without time zone, quiet_end time without time zone, deadline timestamp with time zone, now_at timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION sms_start_keywords(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.sms_start_keywords() FROM PUBLIC;

--
-- Name: FUNCTION sms_status_rank(status text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.sms_status_rank(status text) FROM PUBLIC;

--
-- Name: FUNCTION sms_stop_keywords(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.sms_stop_keywords() FROM PUBLIC;

--
-- Name: FUNCTION sms_template_problem(template text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.sms_template_problem(template text) FROM PUBLIC;

--
-- Name: FUNCTION source_auth(provider text, given jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.source_auth(provider text, given jsonb) FROM PUBLIC;

--
-- Name: FUNCTION source_credentials(source_id uuid, provider text, encryption_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.source_credentials(source_id uuid, provider text, encryption_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.source_credentials(source_id uuid, provider text, encryption_key text) TO switchboard_gateway;

--
-- Name: FUNCTION source_url(provider text, source_id uuid, secret text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.source_url(provider text, source_id uuid, secret text) FROM PUBLIC;

--
-- Name: FUNCTION sso_begin(org_id uuid, state text, code_verifier text, nonce text, redirect_uri text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.sso_begin(org_id uuid, state text, code_verifier text, nonce text, redirect_uri text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.sso_begin(org_id uuid, state text, code_verifier text, nonce text, redirect_uri text) TO switchboard_gateway;

--
-- Name: FUNCTION sso_login(org_id uuid, issuer text, subject text, email public.citext, email_verified boolean, ip inet, user_agent text, session_ttl interval); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.sso_login(org_id uuid, issuer text, subject text, email public.citext, email_verified boolean, ip inet, user_agent text, session_ttl interval) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.sso_login(org_id uuid, issuer text, subject text, email public.citext, email_verified boolean, ip inet, user_agent text, session_ttl interval) TO switchboard_gateway;

--
-- Name: FUNCTION sso_take_state(state text, secret_key text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.sso_take_state(state text, secret_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.sso_take_state(state text, secret_key text) TO switchboard_gateway;

--
-- Name: FUNCTION stop_sequences_on_reply(org_id uuid, emails public.citext[], message_ids text[]); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.stop_sequences_on_reply(org_id uuid, emails public.citext[], message_ids text[]) FROM PUBLIC;

--
-- Name: FUNCTION sync_appointment_reminders(appt app_public.appointments); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.sync_appointment_reminders(appt app_public.appointments) FROM PUBLIC;

--
-- Name: FUNCTION system_health_for_current_org(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.system_health_for_current_org() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.system_health_for_current_org() TO authenticated;

--
-- Name: FUNCTION temp_view_of(name text, batch_table text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.temp_view_of(name text, batch_table text) FROM PUBLIC;

--
-- Name: FUNCTION tg__audit(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg__audit() FROM PUBLIC;

--
-- Name: FUNCTION tg_appointments__after_insert(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_appointments__after_insert() FROM PUBLIC;

--
-- Name: FUNCTION tg_appointments__blocked_range(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_appointments__blocked_range() FROM PUBLIC;

--
-- Name: FUNCTION tg_appointments__calendar_push(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_appointments__calendar_push() FROM PUBLIC;

--
-- Name: FUNCTION tg_appointments__emit(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_appointments__emit() FROM PUBLIC;

--
-- Name: FUNCTION tg_appointments__sequence(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_appointments__sequence() FROM PUBLIC;

--
-- Name: FUNCTION tg_appointments__sms_reminders(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_appointments__sms_reminders() FROM PUBLIC;

--
-- Name: FUNCTION tg_audit_log__append_only(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_audit_log__append_only() FROM PUBLIC;

--
-- Name: FUNCTION tg_calls__emit(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_calls__emit() FROM PUBLIC;

--
-- Name: FUNCTION tg_calls__redact(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_calls__redact() FROM PUBLIC;

--
-- Name: FUNCTION tg_calls__search_summary(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_calls__search_summary() FROM PUBLIC;

--
-- Name: FUNCTION tg_campaign_connections__validate(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_campaign_connections__validate() FROM PUBLIC;

--
-- Name: FUNCTION tg_campaigns__delete_email_events(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_campaigns__delete_email_events() FROM PUBLIC;

--
-- Name: FUNCTION tg_contacts__unlink_email_events(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_contacts__unlink_email_events() FROM PUBLIC;

--
-- Name: FUNCTION tg_delivery_endpoints__reenable(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_delivery_endpoints__reenable() FROM PUBLIC;

--
-- Name: FUNCTION tg_email_event_targets__key_fixed(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_email_event_targets__key_fixed() FROM PUBLIC;

--
-- Name: FUNCTION tg_email_events__emit_reply(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_email_events__emit_reply() FROM PUBLIC;

--
-- Name: FUNCTION tg_email_events__references(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_email_events__references() FROM PUBLIC;

--
-- Name: FUNCTION tg_email_events__references_fixed(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_email_events__references_fixed() FROM PUBLIC;

--
-- Name: FUNCTION tg_feature_flags__history(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_feature_flags__history() FROM PUBLIC;

--
-- Name: FUNCTION tg_lead_import_batches__emit(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_lead_import_batches__emit() FROM PUBLIC;

--
-- Name: FUNCTION tg_leads__campaign_status(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_leads__campaign_status() FROM PUBLIC;

--
-- Name: FUNCTION tg_leads__emit_fed(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_leads__emit_fed() FROM PUBLIC;

--
-- Name: FUNCTION tg_leads__org_exists(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_leads__org_exists() FROM PUBLIC;

--
-- Name: FUNCTION tg_leads__org_fixed(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_leads__org_fixed() FROM PUBLIC;

--
-- Name: FUNCTION tg_memberships__keep_an_owner(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_memberships__keep_an_owner() FROM PUBLIC;

--
-- Name: FUNCTION tg_organizations__create_settings(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_organizations__create_settings() FROM PUBLIC;

--
-- Name: FUNCTION tg_organizations__delete_email_events(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_organizations__delete_email_events() FROM PUBLIC;

--
-- Name: FUNCTION tg_organizations__delete_leads(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_organizations__delete_leads() FROM PUBLIC;

--
-- Name: FUNCTION tg_sending_accounts__credentials(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_sending_accounts__credentials() FROM PUBLIC;

--
-- Name: FUNCTION tg_signature_failures__hourly(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_signature_failures__hourly() FROM PUBLIC;

--
-- Name: FUNCTION tg_sms_settings__validate(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_sms_settings__validate() FROM PUBLIC;

--
-- Name: FUNCTION tg_sources__auth(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_sources__auth() FROM PUBLIC;

--
-- Name: FUNCTION tg_transcripts__redact(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_transcripts__redact() FROM PUBLIC;

--
-- Name: FUNCTION tg_transcripts__turns(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_transcripts__turns() FROM PUBLIC;

--
-- Name: FUNCTION tg_verification_code_map__rederive(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_verification_code_map__rederive() FROM PUBLIC;

--
-- Name: FUNCTION tg_webhook_events__twilio(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_webhook_events__twilio() FROM PUBLIC;

--
-- Name: FUNCTION tg_webhook_events__vapi(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_webhook_events__vapi() FROM PUBLIC;

--
-- Name: FUNCTION tg_workspace_settings__history(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.tg_workspace_settings__history() FROM PUBLIC;

--
-- Name: FUNCTION time_ordered_uuid(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.time_ordered_uuid() FROM PUBLIC;

--
-- Name: FUNCTION unsubscribe(org_id uuid, email public.citext, source text); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.unsubscribe(org_id uuid, email public.citext, source text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.unsubscribe(org_id uuid, email public.citext, source text) TO switchboard_gateway;

--
-- Name: FUNCTION unsubscribe_page(org_id uuid, email public.citext); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.unsubscribe_page(org_id uuid, email public.citext) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.unsubscribe_page(org_id uuid, email public.citext) TO switchboard_gateway;

--
-- Name: TABLE calls; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.calls TO authenticated;

--
-- Name: FUNCTION upsert_call(org_id uuid, platform text, external_id text, attrs jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.upsert_call(org_id uuid, platform text, external_id text, attrs jsonb) FROM PUBLIC;

--
-- Name: FUNCTION upsert_transcript(org_id uuid, call_id uuid, content text, messages jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.upsert_transcript(org_id uuid, call_id uuid, content text, messages jsonb) FROM PUBLIC;

--
-- Name: FUNCTION usps_abbreviations(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.usps_abbreviations() FROM PUBLIC;

--
-- Name: FUNCTION valid_source_auth(provider text, auth jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.valid_source_auth(provider text, auth jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.valid_source_auth(provider text, auth jsonb) TO authenticated;

--
-- Name: FUNCTION validate_slot(org_id uuid, resource_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.validate_slot(org_id uuid, resource_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION vapi_assistant_request(org_id uuid, msg jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.vapi_assistant_request(org_id uuid, msg jsonb) FROM PUBLIC;

--
-- Name: FUNCTION vapi_call_contact(org_id uuid, msg jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.vapi_call_contact(org_id uuid, msg jsonb) FROM PUBLIC;

--
-- Name: FUNCTION vapi_customer_number(msg jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.vapi_customer_number(msg jsonb) FROM PUBLIC;

--
-- Name: TABLE agents; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.agents TO authenticated;

--
-- Name: COLUMN agents.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(org_id) ON TABLE app_public.agents TO authenticated;

--
-- Name: COLUMN agents.name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(name),UPDATE(name) ON TABLE app_public.agents TO authenticated;

--
-- Name: COLUMN agents.platform; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(platform) ON TABLE app_public.agents TO authenticated;

--
-- Name: COLUMN agents.direction; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(direction),UPDATE(direction) ON TABLE app_public.agents TO authenticated;

--
-- Name: COLUMN agents.assistant_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(assistant_id),UPDATE(assistant_id) ON TABLE app_public.agents TO authenticated;

--
-- Name: COLUMN agents.phone_number_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(phone_number_id),UPDATE(phone_number_id) ON TABLE app_public.agents TO authenticated;

--
-- Name: COLUMN agents.active; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(active),UPDATE(active) ON TABLE app_public.agents TO authenticated;

--
-- Name: COLUMN agents.escalation_number; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(escalation_number),UPDATE(escalation_number) ON TABLE app_public.agents TO authenticated;

--
-- Name: COLUMN agents.resource_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(resource_id),UPDATE(resource_id) ON TABLE app_public.agents TO authenticated;

--
-- Name: FUNCTION vapi_message_agent(org_id uuid, msg jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.vapi_message_agent(org_id uuid, msg jsonb) FROM PUBLIC;

--
-- Name: FUNCTION vapi_respond(org_id uuid, msg jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.vapi_respond(org_id uuid, msg jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.vapi_respond(org_id uuid, msg jsonb) TO switchboard_gateway;

--
-- Name: FUNCTION vapi_tool_args(tool_call jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.vapi_tool_args(tool_call jsonb) FROM PUBLIC;

--
-- Name: FUNCTION vapi_tool_call(org_id uuid, msg jsonb, tool_call jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.vapi_tool_call(org_id uuid, msg jsonb, tool_call jsonb) FROM PUBLIC;

--
-- Name: FUNCTION vapi_tool_calls(org_id uuid, msg jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.vapi_tool_calls(org_id uuid, msg jsonb) FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.vapi_tool_calls(org_id uuid, msg jsonb) TO switchboard_gateway;

--
-- Name: FUNCTION vapi_transfer_destination(org uuid, msg jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.vapi_transfer_destination(org uuid, msg jsonb) FROM PUBLIC;

--
-- Name: FUNCTION visible_sessions(); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.visible_sessions() FROM PUBLIC;
GRANT ALL ON FUNCTION app_private.visible_sessions() TO authenticated;

--
-- Name: FUNCTION wake_next_lead_push(connection_id uuid, after_chunk uuid); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.wake_next_lead_push(connection_id uuid, after_chunk uuid) FROM PUBLIC;

--
-- Name: FUNCTION within_business_hours(org_id uuid, resource_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.within_business_hours(org_id uuid, resource_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) FROM PUBLIC;

--
-- Name: FUNCTION assign_leads(lead_ids uuid[], user_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.assign_leads(lead_ids uuid[], user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.assign_leads(lead_ids uuid[], user_id uuid) TO authenticated;

--
-- Name: FUNCTION batch_update_email_status(ids uuid[], status text); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.batch_update_email_status(ids uuid[], status text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.batch_update_email_status(ids uuid[], status text) TO authenticated;

--
-- Name: FUNCTION book_appointment(starts_at timestamp with time zone, ends_at timestamp with time zone, contact_id uuid, resource_id uuid, idempotency_key text); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.book_appointment(starts_at timestamp with time zone, ends_at timestamp with time zone, contact_id uuid, resource_id uuid, idempotency_key text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.book_appointment(starts_at timestamp with time zone, ends_at timestamp with time zone, contact_id uuid, resource_id uuid, idempotency_key text) TO authenticated;

--
-- Name: FUNCTION cancel_appointment(appointment_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.cancel_appointment(appointment_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.cancel_appointment(appointment_id uuid) TO authenticated;

--
-- Name: FUNCTION check_availability(resource_id uuid, day date); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.check_availability(resource_id uuid, day date) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.check_availability(resource_id uuid, day date) TO authenticated;

--
-- Name: FUNCTION create_calendar_feed(resource_id uuid, with_names boolean, name text); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.create_calendar_feed(resource_id uuid, with_names boolean, name text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.create_calendar_feed(resource_id uuid, with_names boolean, name text) TO authenticated;

--
-- Name: FUNCTION current_claims(); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.current_claims() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_claims() TO authenticated;

--
-- Name: FUNCTION current_org_role(); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.current_org_role() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_org_role() TO authenticated;

--
-- Name: FUNCTION current_session_id(); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.current_session_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_session_id() TO authenticated;

--
-- Name: FUNCTION current_user_id(); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.current_user_id() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_user_id() TO authenticated;

--
-- Name: FUNCTION current_user_is_admin(); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.current_user_is_admin() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.current_user_is_admin() TO authenticated;

--
-- Name: FUNCTION delete_calendar_source(source_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.delete_calendar_source(source_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.delete_calendar_source(source_id uuid) TO authenticated;

--
-- Name: FUNCTION email_preview_variables(contact_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.email_preview_variables(contact_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.email_preview_variables(contact_id uuid) TO authenticated;

--
-- Name: FUNCTION enroll_contacts(campaign_id uuid, contact_ids uuid[]); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.enroll_contacts(campaign_id uuid, contact_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.enroll_contacts(campaign_id uuid, contact_ids uuid[]) TO authenticated;

--
-- Name: FUNCTION enroll_leads(campaign_id uuid, lead_ids uuid[]); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.enroll_leads(campaign_id uuid, lead_ids uuid[]) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.enroll_leads(campaign_id uuid, lead_ids uuid[]) TO authenticated;

--
-- Name: FUNCTION erase_contact(contact_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.erase_contact(contact_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.erase_contact(contact_id uuid) TO authenticated;

--
-- Name: FUNCTION export_contact(contact_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.export_contact(contact_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.export_contact(contact_id uuid) TO authenticated;

--
-- Name: FUNCTION invite_member(email text, role text); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.invite_member(email text, role text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.invite_member(email text, role text) TO authenticated;

--
-- Name: FUNCTION is_feature_enabled(flag text); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.is_feature_enabled(flag text) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.is_feature_enabled(flag text) TO authenticated;

--
-- Name: FUNCTION move_sequence_step(step_id uuid, direction integer); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.move_sequence_step(step_id uuid, direction integer) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.move_sequence_step(step_id uuid, direction integer) TO authenticated;

--
-- Name: TABLE deliveries; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.deliveries TO authenticated;

--
-- Name: FUNCTION replay_delivery(delivery_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.replay_delivery(delivery_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.replay_delivery(delivery_id uuid) TO authenticated;

--
-- Name: FUNCTION replay_failed_deliveries(endpoint_id uuid, since timestamp with time zone); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.replay_failed_deliveries(endpoint_id uuid, since timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.replay_failed_deliveries(endpoint_id uuid, since timestamp with time zone) TO authenticated;

--
-- Name: TABLE lead_push_chunks; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.lead_push_chunks TO authenticated;

--
-- Name: FUNCTION replay_lead_push(chunk_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.replay_lead_push(chunk_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.replay_lead_push(chunk_id uuid) TO authenticated;

--
-- Name: TABLE callback_requests; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.callback_requests TO authenticated;

--
-- Name: FUNCTION request_callback(contact_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.request_callback(contact_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.request_callback(contact_id uuid) TO authenticated;

--
-- Name: FUNCTION require_org_admin(); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.require_org_admin() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.require_org_admin() TO authenticated;

--
-- Name: FUNCTION reschedule_appointment(appointment_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.reschedule_appointment(appointment_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.reschedule_appointment(appointment_id uuid, starts_at timestamp with time zone, ends_at timestamp with time zone) TO authenticated;

--
-- Name: TABLE dead_letters; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.dead_letters TO authenticated;

--
-- Name: FUNCTION retry_dead_letter(dead_letter_id bigint); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.retry_dead_letter(dead_letter_id bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.retry_dead_letter(dead_letter_id bigint) TO authenticated;

--
-- Name: FUNCTION revoke_calendar_feed(feed_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.revoke_calendar_feed(feed_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.revoke_calendar_feed(feed_id uuid) TO authenticated;

--
-- Name: FUNCTION revoke_invitation(invitation_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.revoke_invitation(invitation_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.revoke_invitation(invitation_id uuid) TO authenticated;

--
-- Name: FUNCTION revoke_session(session_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.revoke_session(session_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.revoke_session(session_id uuid) TO authenticated;

--
-- Name: FUNCTION revoke_user_sessions(user_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.revoke_user_sessions(user_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.revoke_user_sessions(user_id uuid) TO authenticated;

--
-- Name: FUNCTION sending_account_usage_today(); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.sending_account_usage_today() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.sending_account_usage_today() TO authenticated;

--
-- Name: FUNCTION set_calendar_source(source_id uuid, enabled boolean, sync_interval interval, write boolean); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.set_calendar_source(source_id uuid, enabled boolean, sync_interval interval, write boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.set_calendar_source(source_id uuid, enabled boolean, sync_interval interval, write boolean) TO authenticated;

--
-- Name: FUNCTION source_activity(); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.source_activity() FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.source_activity() TO authenticated;

--
-- Name: FUNCTION sync_calendar_source(source_id uuid); Type: ACL; Schema: app_public; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_public.sync_calendar_source(source_id uuid) FROM PUBLIC;
GRANT ALL ON FUNCTION app_public.sync_calendar_source(source_id uuid) TO authenticated;

--
-- Name: FUNCTION jsonb_merge_agg(jsonb); Type: ACL; Schema: app_private; Owner: switchboard_owner
--

REVOKE ALL ON FUNCTION app_private.jsonb_merge_agg(jsonb) FROM PUBLIC;

--
-- Name: TABLE audit_log; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.audit_log TO authenticated;

--
-- Name: TABLE auth_events; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.auth_events TO authenticated;

--
-- Name: TABLE calendar_feeds; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.calendar_feeds TO authenticated;

--
-- Name: TABLE campaign_counters; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.campaign_counters TO authenticated;

--
-- Name: TABLE campaign_hourly_metrics; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.campaign_hourly_metrics TO authenticated;

--
-- Name: TABLE campaigns; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.campaigns TO authenticated;

--
-- Name: COLUMN campaigns.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(org_id) ON TABLE app_public.campaigns TO authenticated;

--
-- Name: COLUMN campaigns.name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(name),UPDATE(name) ON TABLE app_public.campaigns TO authenticated;

--
-- Name: COLUMN campaigns.provider; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(provider) ON TABLE app_public.campaigns TO authenticated;

--
-- Name: COLUMN campaigns.external_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(external_id) ON TABLE app_public.campaigns TO authenticated;

--
-- Name: COLUMN campaigns.stop_on_reply; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(stop_on_reply),UPDATE(stop_on_reply) ON TABLE app_public.campaigns TO authenticated;

--
-- Name: COLUMN campaigns.track_opens; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(track_opens),UPDATE(track_opens) ON TABLE app_public.campaigns TO authenticated;

--
-- Name: COLUMN campaigns.track_clicks; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(track_clicks),UPDATE(track_clicks) ON TABLE app_public.campaigns TO authenticated;

--
-- Name: TABLE workspace_settings; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.stale_after; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(stale_after) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.expired_after; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(expired_after) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.positive_categories; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(positive_categories) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.reply_rate_warning; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(reply_rate_warning) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.transcript_retention; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(transcript_retention) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.lead_feed_daily_limit; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(lead_feed_daily_limit) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.lead_feed_enabled; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(lead_feed_enabled) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.lead_verification_provider; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(lead_verification_provider) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.delivery_retry_schedule; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(delivery_retry_schedule) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.delivery_retry_jitter; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(delivery_retry_jitter) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.delivery_circuit_failures; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(delivery_circuit_failures) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.delivery_circuit_cooldown; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(delivery_circuit_cooldown) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.delivery_disable_after; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(delivery_disable_after) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.delivery_attempt_retention; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(delivery_attempt_retention) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.webhook_body_retention; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(webhook_body_retention) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: COLUMN workspace_settings.webhook_key_retention; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(webhook_key_retention) ON TABLE app_public.workspace_settings TO authenticated;

--
-- Name: TABLE campaign_metrics; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.campaign_metrics TO authenticated;

--
-- Name: TABLE contactable_leads; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.contactable_leads TO authenticated;

--
-- Name: TABLE delivery_attempts; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.delivery_attempts TO authenticated;

--
-- Name: TABLE delivery_endpoints; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT,DELETE ON TABLE app_public.delivery_endpoints TO authenticated;

--
-- Name: COLUMN delivery_endpoints.description; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(description) ON TABLE app_public.delivery_endpoints TO authenticated;

--
-- Name: COLUMN delivery_endpoints.event_types; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(event_types) ON TABLE app_public.delivery_endpoints TO authenticated;

--
-- Name: COLUMN delivery_endpoints.enabled; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(enabled) ON TABLE app_public.delivery_endpoints TO authenticated;

--
-- Name: TABLE delivery_messages; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.delivery_messages TO authenticated;

--
-- Name: TABLE email_events; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.email_events TO authenticated;

--
-- Name: TABLE emails; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.emails TO authenticated;

--
-- Name: TABLE external_busy; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.external_busy TO authenticated;

--
-- Name: TABLE feature_flag_overrides; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT,DELETE ON TABLE app_public.feature_flag_overrides TO authenticated;

--
-- Name: COLUMN feature_flag_overrides.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(org_id) ON TABLE app_public.feature_flag_overrides TO authenticated;

--
-- Name: COLUMN feature_flag_overrides.flag_key; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(flag_key) ON TABLE app_public.feature_flag_overrides TO authenticated;

--
-- Name: COLUMN feature_flag_overrides.enabled; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(enabled),UPDATE(enabled) ON TABLE app_public.feature_flag_overrides TO authenticated;

--
-- Name: TABLE lead_import_rejects; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.lead_import_rejects TO authenticated;

--
-- Name: TABLE lead_push_attempts; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.lead_push_attempts TO authenticated;

--
-- Name: TABLE lead_pushes; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.lead_pushes TO authenticated;

--
-- Name: TABLE memberships; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT,DELETE ON TABLE app_public.memberships TO authenticated;

--
-- Name: COLUMN memberships.role; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(role) ON TABLE app_public.memberships TO authenticated;

--
-- Name: TABLE org_feature_flags; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.org_feature_flags TO authenticated;

--
-- Name: COLUMN users.id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(id) ON TABLE app_public.users TO authenticated;

--
-- Name: COLUMN users.email; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(email) ON TABLE app_public.users TO authenticated;

--
-- Name: COLUMN users.display_name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(display_name),UPDATE(display_name) ON TABLE app_public.users TO authenticated;

--
-- Name: COLUMN users.created_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(created_at) ON TABLE app_public.users TO authenticated;

--
-- Name: TABLE org_members; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.org_members TO authenticated;

--
-- Name: TABLE organizations; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.organizations TO authenticated;

--
-- Name: COLUMN organizations.name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(name) ON TABLE app_public.organizations TO authenticated;

--
-- Name: COLUMN organizations.timezone; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(timezone) ON TABLE app_public.organizations TO authenticated;

--
-- Name: COLUMN organizations.require_mfa; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(require_mfa) ON TABLE app_public.organizations TO authenticated;

--
-- Name: TABLE pipeline_events; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.pipeline_events TO authenticated;

--
-- Name: TABLE pipeline_funnel; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.pipeline_funnel TO authenticated;

--
-- Name: TABLE resource_hours; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT,DELETE ON TABLE app_public.resource_hours TO authenticated;

--
-- Name: COLUMN resource_hours.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(org_id) ON TABLE app_public.resource_hours TO authenticated;

--
-- Name: COLUMN resource_hours.resource_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(resource_id) ON TABLE app_public.resource_hours TO authenticated;

--
-- Name: COLUMN resource_hours.weekday; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(weekday) ON TABLE app_public.resource_hours TO authenticated;

--
-- Name: COLUMN resource_hours.opens_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(opens_at),UPDATE(opens_at) ON TABLE app_public.resource_hours TO authenticated;

--
-- Name: COLUMN resource_hours.closes_at; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(closes_at),UPDATE(closes_at) ON TABLE app_public.resource_hours TO authenticated;

--
-- Name: TABLE resources; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.resources TO authenticated;

--
-- Name: COLUMN resources.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(org_id) ON TABLE app_public.resources TO authenticated;

--
-- Name: COLUMN resources.name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(name),UPDATE(name) ON TABLE app_public.resources TO authenticated;

--
-- Name: COLUMN resources.slot_minutes; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(slot_minutes),UPDATE(slot_minutes) ON TABLE app_public.resources TO authenticated;

--
-- Name: COLUMN resources.buffer_before; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(buffer_before),UPDATE(buffer_before) ON TABLE app_public.resources TO authenticated;

--
-- Name: COLUMN resources.buffer_after; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(buffer_after),UPDATE(buffer_after) ON TABLE app_public.resources TO authenticated;

--
-- Name: COLUMN resources.active; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(active) ON TABLE app_public.resources TO authenticated;

--
-- Name: TABLE sending_accounts; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT,DELETE ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(name) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.from_name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(from_name) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.smtp_host; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(smtp_host) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.smtp_port; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(smtp_port) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.smtp_secure; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(smtp_secure) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.smtp_user; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(smtp_user) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.daily_cap; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(daily_cap) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.window_days; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(window_days) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.window_start; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(window_start) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.window_end; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(window_end) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.min_gap_seconds; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(min_gap_seconds) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.jitter_seconds; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(jitter_seconds) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: COLUMN sending_accounts.enabled; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(enabled) ON TABLE app_public.sending_accounts TO authenticated;

--
-- Name: TABLE sequence_enrollments; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.sequence_enrollments TO authenticated;

--
-- Name: COLUMN sequence_enrollments.status; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(status) ON TABLE app_public.sequence_enrollments TO authenticated;

--
-- Name: COLUMN sequence_enrollments.stop_reason; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(stop_reason) ON TABLE app_public.sequence_enrollments TO authenticated;

--
-- Name: TABLE sequence_steps; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT,DELETE ON TABLE app_public.sequence_steps TO authenticated;

--
-- Name: COLUMN sequence_steps.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(org_id) ON TABLE app_public.sequence_steps TO authenticated;

--
-- Name: COLUMN sequence_steps.campaign_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(campaign_id) ON TABLE app_public.sequence_steps TO authenticated;

--
-- Name: COLUMN sequence_steps."position"; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT("position"),UPDATE("position") ON TABLE app_public.sequence_steps TO authenticated;

--
-- Name: COLUMN sequence_steps.subject_template; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(subject_template),UPDATE(subject_template) ON TABLE app_public.sequence_steps TO authenticated;

--
-- Name: COLUMN sequence_steps.html_template; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(html_template),UPDATE(html_template) ON TABLE app_public.sequence_steps TO authenticated;

--
-- Name: COLUMN sequence_steps.text_template; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(text_template),UPDATE(text_template) ON TABLE app_public.sequence_steps TO authenticated;

--
-- Name: COLUMN sequence_steps.delay_days; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(delay_days),UPDATE(delay_days) ON TABLE app_public.sequence_steps TO authenticated;

--
-- Name: TABLE sms_messages; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.sms_messages TO authenticated;

--
-- Name: TABLE sms_settings; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.sms_settings TO authenticated;

--
-- Name: COLUMN sms_settings.enabled; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(enabled) ON TABLE app_public.sms_settings TO authenticated;

--
-- Name: COLUMN sms_settings.reminder_offsets; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(reminder_offsets) ON TABLE app_public.sms_settings TO authenticated;

--
-- Name: COLUMN sms_settings.reminder_template; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(reminder_template) ON TABLE app_public.sms_settings TO authenticated;

--
-- Name: COLUMN sms_settings.quiet_start; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(quiet_start) ON TABLE app_public.sms_settings TO authenticated;

--
-- Name: COLUMN sms_settings.quiet_end; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(quiet_end) ON TABLE app_public.sms_settings TO authenticated;

--
-- Name: COLUMN sms_settings.cancel_by_reply; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(cancel_by_reply) ON TABLE app_public.sms_settings TO authenticated;

--
-- Name: TABLE sources; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.sources TO authenticated;

--
-- Name: COLUMN sources.name; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(name) ON TABLE app_public.sources TO authenticated;

--
-- Name: COLUMN sources.enabled; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT UPDATE(enabled) ON TABLE app_public.sources TO authenticated;

--
-- Name: TABLE suppressions; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT,DELETE ON TABLE app_public.suppressions TO authenticated;

--
-- Name: COLUMN suppressions.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(org_id) ON TABLE app_public.suppressions TO authenticated;

--
-- Name: COLUMN suppressions.email; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(email) ON TABLE app_public.suppressions TO authenticated;

--
-- Name: COLUMN suppressions.reason; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(reason) ON TABLE app_public.suppressions TO authenticated;

--
-- Name: COLUMN suppressions.source; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(source) ON TABLE app_public.suppressions TO authenticated;

--
-- Name: COLUMN suppressions.phone; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(phone) ON TABLE app_public.suppressions TO authenticated;

--
-- Name: COLUMN suppressions.id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT(id) ON TABLE app_public.suppressions TO authenticated;

--
-- Name: TABLE system_health; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.system_health TO authenticated;

--
-- Name: TABLE transcripts; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.transcripts TO authenticated;

--
-- Name: TABLE user_sessions; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.user_sessions TO authenticated;

--
-- Name: TABLE verification_code_map; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT,DELETE ON TABLE app_public.verification_code_map TO authenticated;

--
-- Name: COLUMN verification_code_map.org_id; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(org_id) ON TABLE app_public.verification_code_map TO authenticated;

--
-- Name: COLUMN verification_code_map.provider; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(provider) ON TABLE app_public.verification_code_map TO authenticated;

--
-- Name: COLUMN verification_code_map.code; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(code) ON TABLE app_public.verification_code_map TO authenticated;

--
-- Name: COLUMN verification_code_map.verdict; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT INSERT(verdict),UPDATE(verdict) ON TABLE app_public.verification_code_map TO authenticated;

--
-- Name: TABLE webhook_events; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.webhook_events TO authenticated;

--
-- Name: TABLE workspace_settings_history; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.workspace_settings_history TO authenticated;

--
-- Name: TABLE workspace_settings_changes; Type: ACL; Schema: app_public; Owner: switchboard_owner
--

GRANT SELECT ON TABLE app_public.workspace_settings_changes TO authenticated;

--
-- Name: DEFAULT PRIVILEGES FOR FUNCTIONS; Type: DEFAULT ACL; Schema: -; Owner: switchboard_owner
--

ALTER DEFAULT PRIVILEGES FOR ROLE switchboard_owner REVOKE ALL ON FUNCTIONS  FROM PUBLIC;

--
-- PostgreSQL database dump complete
--
