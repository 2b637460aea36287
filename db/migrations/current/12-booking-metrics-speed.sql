-- Issue 23 (performance, round 2): bookings and metrics closer to the machine's limits.
-- Measured with auto_explain (log_nested_statements) and perf; see README "Benchmarks".

--!include calls/appointments.sql
--!include outreach/events.sql

-- Bookings: a new appointment fires ONE after-insert trigger (was three, each with a
-- look-up of its own); updates keep the three triggers. The blocked range trigger runs on
-- insert only when the writer did not supply the range (the booking functions do).
drop trigger if exists tg_appointments__after_insert on app_public.appointments;
create trigger tg_appointments__after_insert after insert on app_public.appointments
  for each row execute function app_private.tg_appointments__after_insert();
drop trigger if exists tg_appointments__emit on app_public.appointments;
create trigger tg_appointments__emit after update of status on app_public.appointments
  for each row execute function app_private.tg_appointments__emit();
drop trigger if exists tg_appointments__calendar_push on app_public.appointments;
create trigger tg_appointments__calendar_push after update of starts_at, ends_at, status on app_public.appointments
  for each row execute function app_private.tg_appointments__calendar_push();
drop trigger if exists tg_appointments__sms_reminders on app_public.appointments;
create trigger tg_appointments__sms_reminders after update of starts_at, status on app_public.appointments
  for each row execute function app_private.tg_appointments__sms_reminders();
drop trigger if exists tg_appointments__blocked_range on app_public.appointments;
drop trigger if exists tg_appointments__blocked_range_insert on app_public.appointments;
create trigger tg_appointments__blocked_range_insert before insert on app_public.appointments
  for each row when (new.blocked is null) execute function app_private.tg_appointments__blocked_range();
drop trigger if exists tg_appointments__blocked_range_update on app_public.appointments;
create trigger tg_appointments__blocked_range_update before update on app_public.appointments
  for each row execute function app_private.tg_appointments__blocked_range();

-- Opaque ids (4-security.sql): every pipeline event, audit row, delivery attempt … takes one.
-- The SQL function, not inlinable (SECURITY DEFINER), was parsed and planned again for every
-- single-row INSERT, and `perm[k]` detoasted the whole 16 KB permutation array (eight TOAST
-- chunks) to read one element: ≈ 80 µs of CPU per id, measured. The same secret permutation
-- is also kept as 8,192 bytes stored uncompressed out of line, where substring() fetches
-- only the chunk that holds the two bytes it needs; the function is PL/pgSQL (plan cached).
alter table app_private.opaque_id_permutation add column if not exists perm_bytes bytea;
alter table app_private.opaque_id_permutation alter column perm_bytes set storage external;
update app_private.opaque_id_permutation
   set perm_bytes = (select string_agg(decode(lpad(to_hex(u.v), 4, '0'), 'hex'), ''::bytea order by u.i)
                       from unnest(perm) with ordinality u (v, i))
 where perm_bytes is null;
create or replace function app_private.opaque_id() returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  k int := (nextval('app_private.opaque_id_seq') % 4096)::int;
  b bytea;
begin
  select substring(p.perm_bytes from 2 * k + 1 for 2) into b from app_private.opaque_id_permutation p;
  if length(b) is distinct from 2 then
    -- Not derived yet (cannot happen after this migration): the array itself.
    return (floor(extract(epoch from clock_timestamp() - timestamptz '2024-01-01 00:00:00+00') * 1000)::bigint << 12)
           | (select p.perm[k + 1] from app_private.opaque_id_permutation p);
  end if;
  return (floor(extract(epoch from clock_timestamp() - timestamptz '2024-01-01 00:00:00+00') * 1000)::bigint << 12)
         | (get_byte(b, 0) << 8 | get_byte(b, 1));
end
$$;
revoke all on function app_private.opaque_id() from public;
