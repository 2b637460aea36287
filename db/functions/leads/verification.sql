-- Verification codes → flags, campaign status stamping, assignment.

-- Re-derive email_verified / phone_verified (and the score) of an org's leads after its
-- verification_code_map changed. Only leads carrying the changed code are touched.
create or replace function app_private.rederive_lead_verification(org_id uuid, provider text, code text)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

create or replace function app_private.tg_verification_code_map__rederive() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
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

-- added_to_campaign_at is stamped the first time a lead enters a campaign (active, or a
-- later stage reached directly); it never moves afterwards.
create or replace function app_private.tg_leads__campaign_status() returns trigger
  language plpgsql
as $$
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

-- Assign leads to a member (NULL unassigns). Admins only; RLS applies (security invoker).
create or replace function app_public.assign_leads(lead_ids uuid[], user_id uuid)
  returns int
  language plpgsql volatile
as $$
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
