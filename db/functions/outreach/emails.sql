-- The email queue: claim (one short transaction: suppression, account rotation, the exact
-- daily cap, the gap), send outside the transaction, then finish (sent / transient / permanent
-- / auth). Counted events go to the same email_events and campaign counters as webhooks.

-- One counted email event (sent, opened, clicked) keyed by event_key: counted once, ever.
create or replace function app_private.record_email_event(
  org_id uuid, campaign_id uuid, contact_id uuid, kind text, occurred_at timestamptz, event_key uuid)
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

-- A worker that died mid-send leaves rows in `sending`: after 15 minutes they are queued
-- again (at-least-once; their cap slot stays used, so the cap is never exceeded).
create or replace function app_private.requeue_stale_sending(older_than interval default '15 minutes')
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

-- Claims up to max_count due emails, each with a reserved slot of one account's daily cap.
create or replace function app_private.claim_emails(max_count int, encryption_key text, only_org uuid default null)
  returns table (email_id uuid, org_id uuid, campaign_id uuid, account_id uuid, to_email text, from_email text,
                 from_name text, subject_template text, html_template text, text_template text, variables jsonb,
                 message_id text, in_reply_to text, refs text, smtp_host text, smtp_port int, smtp_secure boolean,
                 smtp_user text, smtp_password text, track_opens boolean, track_clicks boolean, attempt int)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

-- The outcome of one send: sent (record the Message-ID, count it, queue the next step in the
-- thread), transient (back to the queue with backoff, at most 5 attempts), permanent (failed,
-- never retried), auth (the account is disabled; the email waits for another account).
create or replace function app_private.finish_email(email_id uuid, outcome text, error text default null, subject text default null)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

-- Admins cancel queued emails (status 'skipped') or requeue failed/skipped ones ('queued'),
-- at most 1,000 ids per call. Returns how many changed.
create or replace function app_public.batch_update_email_status(ids uuid[], status text)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

-- Whether due emails wait that no claim holds right now (the sender keeps going while true).
create or replace function app_private.emails_due(only_org uuid default null)
  returns boolean
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  select exists (select 1 from app_public.emails m
                  where m.status = 'queued' and m.scheduled_at <= now() and (only_org is null or m.org_id = only_org)
                  limit 1 for update skip locked)
$$;
