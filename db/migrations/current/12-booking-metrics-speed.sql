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
