-- Auth audit trail. With no org given, the event is written once per org of the user
-- (an event about a person rather than a session); unknown users leave no trail here
-- (their attempts stay in app_private.login_attempts).
create or replace function app_private.record_auth_event(
  event text, user_id uuid, org_id uuid default null, session_id uuid default null,
  ip inet default null, user_agent text default null, detail jsonb default '{}',
  actor_id uuid default null)
  returns void
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_public.auth_events (org_id, user_id, actor_id, session_id, event, ip, user_agent, detail)
  select o.org_id, record_auth_event.user_id, coalesce(record_auth_event.actor_id, record_auth_event.user_id),
         record_auth_event.session_id, record_auth_event.event, record_auth_event.ip,
         left(record_auth_event.user_agent, 500), coalesce(record_auth_event.detail, '{}')
    from (select record_auth_event.org_id as org_id where record_auth_event.org_id is not null
          union
          select m.org_id from app_public.memberships m
           where record_auth_event.org_id is null and m.user_id = record_auth_event.user_id) o
$$;

-- Retention: the auth trail and raw login attempts are kept 90 days by default.
create or replace function app_private.purge_auth_events(older_than interval default '90 days', batch_size int default 5000)
  returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
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
