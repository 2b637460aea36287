-- Daily re-scoring. The score has an age-of-data factor (freshness: up to 15 points, full
-- when the data is new, 0 after a year), so scores drift down as days pass without new
-- data. Per org, one set-based UPDATE of only the leads whose score actually changes
-- (unchanged rows are not rewritten; with a 15-point freshness range a lead's score moves
-- about once every 24 days). Serialised with merges and feeds of the org by its lead lock.
-- The daily job (tasks/rescore_leads.ts) calls it once per org, each in its own
-- transaction; org_id NULL does every org in one call.
create or replace function app_private.rescore_leads(org_id uuid default null, at timestamptz default now())
  returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

-- The job's cursor: re-scores the first org after `after` (NULL: the first org) and
-- returns {"org_id", "rescored"}; NULL when there is none left.
create or replace function app_private.rescore_next_org(after uuid default null, at timestamptz default now())
  returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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
