-- Open pixel and click redirect hits (the gateway verified the signed token). Every hit is
-- tallied on the email (open_count, click_count); the campaign metrics count unique opens
-- and clicks: the first open and the first click of each sent email, exactly once.
create or replace function app_private.record_tracking_hit(org_id uuid, email_id uuid, kind text)
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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
