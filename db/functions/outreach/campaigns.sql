-- Operator command `campaign create`; the provider's id makes it findable by webhooks.
create or replace function app_private.create_campaign(org_id uuid, name text, provider text, external_id text)
  returns uuid
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_public.campaigns (org_id, name, provider, external_id)
  values (org_id, name, provider, external_id)
  returning id
$$;
