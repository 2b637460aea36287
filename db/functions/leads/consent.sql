-- Consent links and unsubscribes. The gateway signs and verifies the tokens (HMAC-SHA256
-- under a key derived from ENCRYPTION_KEY, constant-time compare); these functions keep
-- the single-use nonces and record the outcome in one transaction.

create or replace function app_private.issue_consent_nonce(lead_id uuid, ttl interval default '7 days')
  returns table (nonce uuid, org_id uuid, expires_at timestamptz)
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_private.consent_nonces (org_id, lead_id, expires_at)
  select l.org_id, l.id, now() + least(greatest(ttl, interval '1 minute'), interval '90 days')
    from app_public.leads l where l.id = issue_consent_nonce.lead_id
  returning nonce, org_id, expires_at
$$;

-- What the consent form shows; does not use the nonce. status: ok | used | invalid.
create or replace function app_private.consent_page(org_id uuid, lead_id uuid, nonce uuid)
  returns table (status text, first_name text, last_name text, org_name text)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select case when n.nonce is null or n.expires_at <= now() then 'invalid'
              when n.used_at is not null then 'used' else 'ok' end,
         l.first_name, l.last_name, g.name
    from (select 1) one
    left join app_private.consent_nonces n
           on n.nonce = consent_page.nonce and n.org_id = consent_page.org_id and n.lead_id = consent_page.lead_id
    left join app_public.leads l on l.org_id = n.org_id and l.id = n.lead_id
    left join app_public.organizations g on g.id = n.org_id
$$;

-- Uses the nonce (once) and records consent with its timestamp. recorded | used | invalid.
create or replace function app_private.record_consent(org_id uuid, lead_id uuid, nonce uuid)
  returns text
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

-- What the unsubscribe page shows: the org and the person's name (escaped by the gateway).
create or replace function app_private.unsubscribe_page(org_id uuid, email citext)
  returns table (org_name text, display_name text, already boolean)
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
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

-- Suppress the address and stop every lead with it, in one transaction. False: no such org.
create or replace function app_private.unsubscribe(org_id uuid, email citext, source text default 'unsubscribe_link')
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

-- A consent link minted by a signed-in user (POST /leads/{id}/consent-link): the session
-- must be live, the lead in the session's org, and visible to the caller under the leads
-- policy (owners and admins: every lead; members: leads assigned to them). status:
-- ok | invalid_session | not_found. The gateway signs the token from the nonce.
create or replace function app_private.issue_consent_link(session_id uuid, lead_id uuid, ttl interval default '7 days')
  returns table (status text, nonce uuid, org_id uuid, expires_at timestamptz)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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
