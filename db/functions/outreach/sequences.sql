-- Sequences: ordered steps per campaign; enrolling a contact (or a lead, through its
-- contact) queues step 1 now; each sent step queues the next after its delay.

create or replace function app_private.enroll(org_id uuid, campaign_id uuid, contact_ids uuid[], lead_ids uuid[] default null)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

create or replace function app_private.require_admin() returns uuid
  language plpgsql stable
  set search_path = pg_catalog, public
as $$
begin
  if app_public.current_org_id() is null or not app_public.current_user_is_admin() then
    raise exception 'only admins manage sending' using errcode = '42501';
  end if;
  return app_public.current_org_id();
end
$$;

-- Enroll contacts of the caller's org (admins; at most 1,000 per call).
create or replace function app_public.enroll_contacts(campaign_id uuid, contact_ids uuid[])
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
begin
  if cardinality(contact_ids) > 1000 then
    raise exception 'at most 1000 ids per call' using errcode = '22023', detail = 'too_many_ids';
  end if;
  return app_private.enroll(app_private.require_admin(), campaign_id, contact_ids, null);
end
$$;

-- Enroll leads: each lead with an email gets (or reuses) the org's contact for that address;
-- the lead's fields fill the contact's empty ones and its campaign status becomes active.
create or replace function app_public.enroll_leads(campaign_id uuid, lead_ids uuid[])
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

-- A reply stops the replier's active sequences (of campaigns with stop_on_reply) and marks
-- their leads `replied`. Matched by Message-ID when the report has one, else by address.
create or replace function app_private.stop_sequences_on_reply(org_id uuid, emails citext[], message_ids text[])
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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
