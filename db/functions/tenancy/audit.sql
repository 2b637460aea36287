-- Generic audit trail. Attach with:
--   create trigger tg_<table>__audit after insert or update or delete on <table>
--     for each row execute function app_private.tg__audit([org_column]);
-- The org column defaults to org_id (organizations pass 'id').
create or replace function app_private.tg__audit() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
declare
  org_column text := coalesce(tg_argv[0], 'org_id');
  old_row jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  new_row jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  any_row jsonb := coalesce(new_row, old_row);
begin
  if tg_op = 'UPDATE' and old_row = new_row then
    return null;
  end if;
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (
    (any_row ->> org_column)::uuid,
    app_public.current_user_id(),
    tg_table_schema || '.' || tg_table_name,
    coalesce(any_row ->> 'id', any_row ->> 'user_id'),
    lower(tg_op),
    old_row,
    new_row
  );
  return null;
end
$$;

-- The audit log is append-only. Only app_private.purge_audit_log (the retention job)
-- may delete, and it marks its transaction so this trigger lets it through.
create or replace function app_private.tg_audit_log__append_only() returns trigger
  language plpgsql
as $$
begin
  if tg_op = 'DELETE' and current_setting('switchboard.audit_retention', true) = 'on' then
    return old;
  end if;
  raise exception 'audit_log is append-only' using errcode = '42501';
end
$$;

create or replace function app_private.purge_audit_log(older_than interval, batch_size int default 5000)
  returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  removed bigint;
begin
  perform set_config('switchboard.audit_retention', 'on', true);
  delete from app_public.audit_log
   where id in (select id from app_public.audit_log
                 where at < now() - older_than
                 order by id limit batch_size);
  get diagnostics removed = row_count;
  perform set_config('switchboard.audit_retention', 'off', true);
  return removed;
end
$$;
