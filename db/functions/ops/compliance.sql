-- Data-subject requests. Both RPCs are admin-only and catalog-driven, so tables other
-- domains add later are covered without changes here:
--  * a row "belongs" to the contact when it carries the contact's id (contact_id), one of
--    its leads' ids (lead_id; leads matched by email or phone), one of its calls (call_id),
--    or mentions its email, phone or full name anywhere in its text;
--  * every table with an org_id column is searched, within the caller's org only.

create or replace function app_private.regex_escape(s text) returns text
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select regexp_replace(s, '([.^$*+?()\[\]{}|\\/-])', '\\\1', 'g')
$$;

-- Tables (schema-qualified) with an org_id column and their text-like columns.
create or replace function app_private.personal_data_columns()
  returns table (table_name text, columns text[], types text[], link_columns text[])
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select format('%I.%I', n.nspname, c.relname),
         array_agg(a.attname::text order by a.attnum) filter (where t.typname in ('text', 'varchar', 'citext', 'bpchar', 'jsonb', 'json', '_text', '_varchar', '_citext')
                                                           and a.attgenerated = ''),
         array_agg(format_type(a.atttypid, a.atttypmod) order by a.attnum) filter (where t.typname in ('text', 'varchar', 'citext', 'bpchar', 'jsonb', 'json', '_text', '_varchar', '_citext')
                                                           and a.attgenerated = ''),
         array_agg(a.attname::text) filter (where a.attname in ('id', 'contact_id', 'lead_id', 'call_id') and t.typname = 'uuid')
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    join pg_type t on t.oid = a.atttypid
   where n.nspname in ('app_public', 'app_private') and c.relkind in ('r', 'p')
     and not c.relispartition
     and exists (select 1 from pg_attribute o where o.attrelid = c.oid and o.attname = 'org_id' and not o.attisdropped)
     and format('%I.%I', n.nspname, c.relname) not in ('app_public.audit_log')
   group by n.nspname, c.relname
$$;

create or replace function app_private.contact_identity(org_id uuid, contact_id uuid,
  out contact app_public.contacts, out strong text, out full_pattern text, out linked uuid[])
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
declare
  terms text[] := '{}';
  names text[] := '{}';
begin
  select * into contact from app_public.contacts c where c.org_id = contact_identity.org_id and c.id = contact_id;
  if contact.id is null then
    raise exception 'contact not found' using errcode = 'PT404';
  end if;
  if contact.email is not null then terms := terms || app_private.regex_escape(contact.email::text); end if;
  if contact.phone is not null and length(contact.phone) >= 6 then terms := terms || app_private.regex_escape(contact.phone); end if;
  if contact.first_name is not null and contact.last_name is not null then
    terms := terms || ('\m' || app_private.regex_escape(contact.first_name) || '\s+' || app_private.regex_escape(contact.last_name) || '\M');
  end if;
  if length(contact.first_name) >= 2 then names := names || ('\m' || app_private.regex_escape(contact.first_name) || '\M'); end if;
  if length(contact.last_name) >= 2 then names := names || ('\m' || app_private.regex_escape(contact.last_name) || '\M'); end if;
  strong := case when cardinality(terms) > 0 then array_to_string(terms, '|') end;
  full_pattern := nullif(array_to_string(terms || names, '|'), '');
  linked := array[contact.id]
    || coalesce((select array_agg(l.id) from app_public.leads l
                  where l.org_id = contact_identity.org_id
                    and (l.email = contact.email or (contact.phone is not null and l.phone = contact.phone))), '{}')
    || coalesce((select array_agg(k.id) from app_public.calls k
                  where k.org_id = contact_identity.org_id and k.contact_id = contact.id), '{}');
end
$$;

-- The WHERE clause selecting a table's rows that belong to the contact.
create or replace function app_private.contact_rows_condition(org_id uuid, link_columns text[], strong text, linked uuid[])
  returns text
  language sql immutable
  set search_path = pg_catalog, public
as $$
  select format('t.org_id = %L and (%s)', org_id,
    array_to_string(
      coalesce((select array_agg(format('t.%I = any (%L::uuid[])', c, linked)) from unnest(link_columns) c), '{}')
      || case when strong is not null then array[format('t::text ~* %L', strong)] else '{}'::text[] end
      || array['false'], ' or '))
$$;

-- Admin RPC: everything stored about a contact, as JSON: {contact, tables: {name: [rows]}}.
create or replace function app_public.export_contact(contact_id uuid) returns jsonb
  language plpgsql stable security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_public.current_org_id();
  ident record;
  tbl record;
  rows jsonb;
  result jsonb := '{}';
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins export contacts' using errcode = '42501';
  end if;
  select x.contact, x.strong, x.linked into ident from app_private.contact_identity(org, contact_id) x;
  for tbl in select * from app_private.personal_data_columns() p
              where p.table_name not like 'app_private.%secret%' and p.table_name not in ('app_private.sessions')
              order by p.table_name loop
    execute format('select jsonb_agg(to_jsonb(t)) from %s t where %s', tbl.table_name,
                   app_private.contact_rows_condition(org, tbl.link_columns, ident.strong, ident.linked))
      into rows;
    if rows is not null then
      result := result || jsonb_build_object(tbl.table_name, rows);
    end if;
  end loop;
  return jsonb_build_object('contact', to_jsonb(ident.contact), 'exported_at', now(), 'tables', result);
end
$$;

-- Admin RPC: removes the contact and its leads, and irreversibly replaces its email, phone
-- and name in every other row of the org (or nulls the value where a constraint refuses
-- the replacement), in one transaction. Aggregates (campaign counters, hourly metrics,
-- batch counts) are untouched. The audit trail keeps one entry with a hashed reference;
-- audit entries that carried the contact's data are removed.
create or replace function app_public.erase_contact(contact_id uuid) returns jsonb
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  org uuid := app_public.current_org_id();
  ident record;
  person app_public.contacts;
  strong text;
  full_pattern text;
  linked uuid[];
  tbl record;
  col text;
  typ text;
  i int;
  cond text;
  n bigint;
  changed jsonb := '{}';
  ref text;
begin
  if not app_public.current_user_is_admin() then
    raise exception 'only admins erase contacts' using errcode = '42501';
  end if;
  select x.contact, x.strong, x.full_pattern, x.linked into ident from app_private.contact_identity(org, contact_id) x;
  person := ident.contact;
  strong := ident.strong;
  full_pattern := ident.full_pattern;
  linked := ident.linked;
  ref := encode(digest(org::text || ':' || person.id::text || ':' || coalesce(lower(person.email::text), ''), 'sha256'), 'hex');

  -- The contact and its leads go (email events, calls and appointments keep their rows,
  -- with contact_id set null by their foreign keys; counters are separate tables).
  delete from app_public.leads l where l.org_id = org and l.id = any (linked);
  get diagnostics n = row_count;
  changed := changed || jsonb_build_object('app_public.leads', n);
  delete from app_public.contacts c where c.org_id = org and c.id = person.id;

  -- Every other mention, in every table of the org.
  for tbl in select * from app_private.personal_data_columns() loop
    cond := app_private.contact_rows_condition(org, tbl.link_columns, strong, linked);
    for i in 1 .. coalesce(cardinality(tbl.columns), 0) loop
      col := tbl.columns[i];
      typ := tbl.types[i];
      -- Replace; where a constraint refuses that, null; where that is refused too, delete.
      begin
        execute format('update %s t set %I = regexp_replace(t.%I::text, %L, ''[erased]'', ''gi'')::%s where %s and t.%I::text ~* %L',
                       tbl.table_name, col, col, full_pattern, typ, cond, col, full_pattern);
        get diagnostics n = row_count;
      exception when others then
        begin
          execute format('update %s t set %I = null where %s and t.%I::text ~* %L',
                         tbl.table_name, col, cond, col, full_pattern);
          get diagnostics n = row_count;
        exception when others then
          execute format('delete from %s t where %s and t.%I::text ~* %L', tbl.table_name, cond, col, full_pattern);
          get diagnostics n = row_count;
        end;
      end;
      if n > 0 then
        changed := changed || jsonb_build_object(tbl.table_name || '.' || col, n);
      end if;
    end loop;
  end loop;

  -- The audit trail: entries that carried the data go; one entry records the erasure.
  perform set_config('switchboard.audit_retention', 'on', true);
  delete from app_public.audit_log a
   where a.org_id = org
     and (a.row_id = any (select x::text from unnest(linked) x)
          or coalesce(a.old_values::text, '') || ' ' || coalesce(a.new_values::text, '') ~* full_pattern);
  perform set_config('switchboard.audit_retention', 'off', true);
  insert into app_public.audit_log (org_id, actor_id, table_name, row_id, action, old_values, new_values)
  values (org, app_public.current_user_id(), 'app_public.contacts', 'erased:' || ref, 'delete', null,
          jsonb_build_object('erasure', ref, 'changed', changed));
  return jsonb_build_object('erased', true, 'reference', ref, 'changed', changed);
end
$$;
