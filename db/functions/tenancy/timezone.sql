-- A check constraint needs an immutable function; the IANA list only changes with a
-- PostgreSQL upgrade, so treating it as immutable is safe for validation.
create or replace function app_private.is_valid_timezone(tz text) returns boolean
  language sql immutable parallel safe
as $$
  select exists (select 1 from pg_catalog.pg_timezone_names where name = tz)
$$;
