-- Deterministic rollout: an org's bucket for a flag (0..9999) comes from a hash of the org
-- id and the flag key, so an org never flips between requests and different flags roll
-- out to different orgs.
create or replace function app_private.rollout_bucket(org_id uuid, flag text) returns int
  language sql immutable strict parallel safe
as $$
  select (('x' || substr(md5(org_id::text || ':' || flag), 1, 8))::bit(32)::bigint % 10000)::int
$$;

-- Effective value of a flag for an org: the org's override when the flag allows one,
-- else on when the flag is on by default or the org's bucket is inside the rollout.
-- Unknown flags are off.
create or replace function app_private.feature_enabled_for(org_id uuid, flag text) returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
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

-- For the caller's org (GET/POST /rpc/is_feature_enabled?flag=…).
create or replace function app_public.is_feature_enabled(flag text) returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select app_public.current_org_id() is not null
     and app_private.feature_enabled_for(app_public.current_org_id(), flag)
$$;

-- Platform operators (CLI, owner connection) create and change global flags.
create or replace function app_private.set_feature_flag(
  key text, default_enabled boolean default null, rollout_percent numeric default null,
  allow_org_override boolean default null, description text default null, actor text default current_user)
  returns app_public.feature_flags
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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

-- Every change to a global flag is kept (there is no org to file it under in audit_log).
create or replace function app_private.tg_feature_flags__history() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  insert into app_private.feature_flag_history (flag_key, action, actor, old_values, new_values)
  values (coalesce(new.key, old.key), lower(tg_op),
          coalesce(nullif(current_setting('switchboard.flag_actor', true), ''), current_user::text),
          case when tg_op <> 'INSERT' then to_jsonb(old) end,
          case when tg_op <> 'DELETE' then to_jsonb(new) end);
  return null;
end
$$;
