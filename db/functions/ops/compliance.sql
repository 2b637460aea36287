-- Data-subject requests (export_contact, erase_contact): admin-only, within the caller's org.
--
-- The scope is an explicit list, app_private.erasure_scope(): each table that can hold a
-- contact's personal data, how its rows are linked to the contact, and the columns that carry
-- the data. Rows are linked ONLY by the contact's own ids (contact id, the ids of its leads,
-- calls and inbox events), its normalised email (lower-cased, exact) and its E.164 phone —
-- never by text containment of user-chosen strings such as a name or a free-text phone. Tables
-- that hold no contact data (memberships, users, sessions, auth events, SSO, settings, secrets,
-- operational records, …) are listed in app_private.erasure_exempt() with the reason, and are
-- never touched. A catalog check (db/tests/84-security-erasure-scope) fails when a table with
-- an org_id is in neither list, so a new table cannot be forgotten.
--
-- Bound parameters of every `match` condition (the table is aliased t):
--   $1 org_id, $2 contact id, $3 normalised email (citext, may be null), $4 E.164 phone
--   (may be null), $5 lead ids, $6 call ids, $7 inbox (webhook_events) ids.
-- Actions: delete — the row goes; scrub — the row stays, the listed columns lose every
-- mention of the contact's email, phone and name (jsonb: string values only, keys kept;
-- where a constraint refuses the replacement the column is nulled, then the row deleted);
-- mention — the row belongs to someone else and only the contact's exact email address is
-- replaced in the listed columns (e.g. another contact's note "referred by ann@x.com");
-- unlink — the row stays, the contact's lead ids are removed from the listed uuid[] column.

create or replace function app_private.regex_escape(s text) returns text
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select regexp_replace(s, '([.^$*+?()\[\]{}|\\/-])', '\\\1', 'g')
$$;

-- A phone number in E.164, or null when it is not one: North American numbers through
-- normalize_phone, anything else only when it already reads +<country><number> (8–15 digits).
create or replace function app_private.phone_e164(phone text) returns text
  language sql immutable parallel safe
  set search_path = pg_catalog, public
as $$
  select coalesce(app_private.normalize_phone(phone),
                  case when translate(phone, E' ()-./\t', '') ~ '^\+[1-9][0-9]{7,14}$' then translate(phone, E' ()-./\t', '') end)
$$;

create or replace function app_private.erasure_scope()
  returns table (table_name text, match text, action text, columns text[])
  language sql immutable
  set search_path = pg_catalog, public
as $$
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
$$;

-- Tables with an org_id that hold no contact data, and why erasure leaves them alone.
create or replace function app_private.erasure_exempt()
  returns table (table_name text, reason text)
  language sql immutable
  set search_path = pg_catalog, public
as $$
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

-- The contact's identity: its row, normalised email, E.164 phone, linked ids, and the
-- pattern of its terms used to scrub rows that are already linked to it.
create or replace function app_private.contact_identity(org_id uuid, contact_id uuid,
  out contact app_public.contacts, out norm_email public.citext, out norm_phone text,
  out lead_ids uuid[], out call_ids uuid[], out inbox_ids uuid[], out pattern text)
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
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

-- Every string value in a JSON document with `pattern` replaced; keys and structure stay.
create or replace function app_private.scrub_jsonb(doc jsonb, pattern text) returns jsonb
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select case jsonb_typeof(doc)
    when 'string' then to_jsonb(regexp_replace(doc #>> '{}', pattern, '[erased]', 'gi'))
    when 'object' then coalesce((select jsonb_object_agg(k, app_private.scrub_jsonb(v, pattern)) from jsonb_each(doc) e(k, v)), '{}'::jsonb)
    when 'array' then coalesce((select jsonb_agg(app_private.scrub_jsonb(v, pattern) order by i) from jsonb_array_elements(doc) with ordinality a(v, i)), '[]'::jsonb)
    else doc end
$$;

-- Admin RPC: everything stored about a contact, as JSON: {contact, tables: {name: [rows]}}.
create or replace function app_public.export_contact(contact_id uuid) returns jsonb
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
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
$$;

-- Admin RPC: removes the contact, its leads and the rows erasure_scope() deletes, scrubs the
-- contact's data from the rows it scrubs, in one transaction. Aggregates (campaign counters,
-- hourly metrics, batch counts) are untouched. The audit trail keeps one entry with a hashed
-- reference; only audit entries about the contact's own rows are removed.
create or replace function app_public.erase_contact(contact_id uuid) returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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
$$;

drop function if exists app_private.contact_rows_condition(uuid, text[], text, uuid[]);
drop function if exists app_private.personal_data_columns();
