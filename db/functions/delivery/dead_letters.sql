-- Admin RPC: a dead letter goes back to work: a dead webhook event is processed again,
-- a dead delivery is sent again with a fresh attempt budget, a dead lead push chunk or a
-- refused SMS goes out again.
create or replace function app_public.retry_dead_letter(dead_letter_id bigint) returns app_public.dead_letters
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  dl app_public.dead_letters;
  ev app_public.webhook_events;
  task text;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins retry dead letters' using errcode = '42501';
  end if;
  update app_public.dead_letters d set retried_at = now(), retried_by = app_public.current_user_id()
   where d.org_id = app_public.current_org_id() and d.id = dead_letter_id and d.retried_at is null
  returning * into dl;
  if dl.id is null then
    raise exception 'dead letter not found or already retried' using errcode = 'PT404';
  end if;
  if dl.kind = 'webhook_event' then
    update app_public.webhook_events e
       set status = 'pending', attempts = 0, next_attempt_at = now()
     where e.org_id = dl.org_id and e.id = dl.ref_id
    returning * into ev;
    select t.task_identifier into task from app_private.provider_tasks t where t.provider = ev.provider;
    perform app_private.schedule_event_processing(task, ev.org_id, ev.shard, now(), 'preserve_run_at');
  elsif dl.kind = 'delivery' then
    perform app_private.requeue_delivery(dl.org_id, dl.ref_id, app_public.current_user_id());
  elsif dl.kind = 'lead_push' then
    -- A dead push chunk: its failed leads go again (handoff/push.sql).
    perform app_private.requeue_lead_push(dl.org_id, dl.ref_id, app_public.current_user_id());
  elsif dl.kind = 'sms' then
    -- An SMS Twilio refused (not one whose fate is unknown): sent again.
    update app_public.sms_messages m set status = 'scheduled', send_at = now(), attempts = 0, updated_at = now()
     where m.org_id = dl.org_id and m.id = dl.ref_id and m.status = 'failed';
    if found then
      perform app_private.schedule_sms(dl.org_id, dl.ref_id);
    end if;
  end if;
  return dl;
end
$$;
