-- Ready for sharding by org (issue 17): every tenant table keeps org_id in its primary key,
-- in every unique constraint and in every foreign key to another tenant table, so that Citus
-- can distribute them by org_id (db/citus/distribute.sql; proven by
-- db/tests/10-citus-readiness.test.sql, which also names the tables left on the coordinator).
-- Idempotent: each step acts only on what still breaks the rule. It runs last of current/, so
-- the tables every earlier file made are brought in line too.

-- signature_failures is an unlogged per-minute counter purged hourly, keyed by source alone
-- (stays on the coordinator): it no longer holds a foreign key into a tenant table; rows of a
-- deleted source age out with the hourly purge.
alter table app_private.signature_failures drop constraint if exists signature_failures_source_id_fkey;

-- The console's hourly signature failures (by source) and the hand-off's pacing log (by
-- connection) stay on the coordinator too, like signature_failures: no foreign key into a
-- tenant table; their rows age out with their own purge (48 hours, an hour).
alter table app_private.source_signature_failures drop constraint if exists source_signature_failures_source_id_fkey;
alter table app_private.connection_calls drop constraint if exists connection_calls_connection_id_fkey;
-- Keys of the newer tenant tables that lacked org_id.
drop index if exists app_private.campaign_connection_secrets_connection_idx;
create index if not exists campaign_connection_secrets_connection_lookup_idx on app_private.campaign_connection_secrets (connection_id);
drop index if exists app_public.sms_messages_twilio_sid_idx;
create unique index if not exists sms_messages_org_twilio_sid_idx on app_public.sms_messages (org_id, twilio_sid) where twilio_sid is not null;

-- 1. Foreign keys between two tenant tables carry org_id: (org_id, x_id) → (org_id, id).
--    A reference can no longer cross tenants, and Citus can keep both rows on one shard.
do $$
declare
  r record;
  cols text;
  refcols text;
  on_delete text;
begin
  for r in
    select con.conname, con.conrelid, con.confrelid, con.conkey, con.confkey, con.confdeltype, con.condeferrable, con.condeferred
      from pg_constraint con
     where con.contype = 'f'
       and con.connamespace in ('app_public'::regnamespace, 'app_private'::regnamespace)
       and con.conrelid not in ('app_private.sessions'::regclass, 'app_private.sso_states'::regclass,
                                'app_private.alert_state'::regclass, 'app_private.operational_events'::regclass)
       and exists (select 1 from pg_attribute a where a.attrelid = con.confrelid and a.attname = 'org_id' and not a.attisdropped)
       and exists (select 1 from pg_attribute a where a.attrelid = con.conrelid and a.attname = 'org_id' and not a.attisdropped)
       and not (select a.attnum from pg_attribute a where a.attrelid = con.conrelid and a.attname = 'org_id') = any (con.conkey)
  loop
    select string_agg(quote_ident(a.attname), ', ' order by k.i) into cols
      from unnest(r.conkey) with ordinality k(attnum, i) join pg_attribute a on a.attrelid = r.conrelid and a.attnum = k.attnum;
    select string_agg(quote_ident(a.attname), ', ' order by k.i) into refcols
      from unnest(r.confkey) with ordinality k(attnum, i) join pg_attribute a on a.attrelid = r.confrelid and a.attnum = k.attnum;
    on_delete := case r.confdeltype
      when 'c' then 'cascade'
      when 'n' then format('set null (%s)', cols)   -- never org_id
      when 'd' then format('set default (%s)', cols)
      when 'r' then 'restrict'
      else 'no action' end;
    execute format('alter table %s drop constraint %I', r.conrelid::regclass, r.conname);
    execute format('alter table %s add constraint %I foreign key (org_id, %s) references %s (org_id, %s) on delete %s%s',
                   r.conrelid::regclass, r.conname, cols, r.confrelid::regclass, refcols, on_delete,
                   case when r.condeferrable then ' deferrable' || case when r.condeferred then ' initially deferred' else '' end else '' end);
  end loop;
end
$$;

-- 2. Unique constraints without org_id: a lone unique (id) beside primary key (org_id, id) only
--    served the foreign keys above and goes; any other becomes unique (org_id, …).
do $$
declare
  r record;
  cols text;
begin
  for r in
    select con.conname, con.conrelid, con.conkey, con.contype
      from pg_constraint con
     where con.contype in ('u', 'p')
       and con.connamespace in ('app_public'::regnamespace, 'app_private'::regnamespace)
       and con.conrelid not in ('app_private.sessions'::regclass, 'app_private.sso_states'::regclass,
                                'app_private.alert_state'::regclass, 'app_private.operational_events'::regclass)
       and exists (select 1 from pg_attribute a where a.attrelid = con.conrelid and a.attname = 'org_id' and not a.attisdropped)
       and not (select a.attnum from pg_attribute a where a.attrelid = con.conrelid and a.attname = 'org_id') = any (con.conkey)
       -- nothing may still reference it
       and not exists (select 1 from pg_constraint f where f.contype = 'f' and f.conindid = con.conindid)
  loop
    select string_agg(quote_ident(a.attname), ', ' order by k.i) into cols
      from unnest(r.conkey) with ordinality k(attnum, i) join pg_attribute a on a.attrelid = r.conrelid and a.attnum = k.attnum;
    execute format('alter table %s drop constraint %I', r.conrelid::regclass, r.conname);
    if r.contype = 'p' then
      execute format('alter table %s add constraint %I primary key (org_id, %s)', r.conrelid::regclass, r.conname, cols);
    elsif not exists (select 1 from pg_constraint p where p.conrelid = r.conrelid and p.contype = 'p'
                         and p.conkey @> (r.conkey || (select a.attnum from pg_attribute a where a.attrelid = r.conrelid and a.attname = 'org_id'))
                         and array_length(p.conkey, 1) = array_length(r.conkey, 1) + 1) then
      execute format('alter table %s add constraint %I unique (org_id, %s)', r.conrelid::regclass, r.conname, cols);
    end if;
  end loop;
end
$$;

-- Lookups that arrive without the org (a consent link's nonce; a sending account's day) keep an index.
create index if not exists consent_nonces_nonce_idx on app_private.consent_nonces (nonce);
create index if not exists sending_account_usage_account_day_idx on app_private.sending_account_usage (account_id, local_day);

-- The daily cap's atomic increment names the new key (org_id, account_id, local_day).
--!include outreach/emails.sql
