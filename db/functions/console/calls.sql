-- The console's Calls page: speaker turns and transcript search.
--
-- app_public.transcripts carries, beside the redacted transcript text:
--   messages — the call's speaker turns [{role, text, seconds}] from Vapi's
--              artifact.messages (bot/assistant and user turns only), redacted like the text;
--              apply_vapi_message (calls/vapi.sql) stores them through call_turns;
--   summary  — a copy of the call's (redacted) summary, kept in step by a trigger on calls,
--              so one row and one tsvector cover what the search box searches (a call
--              with a summary but no transcript at all is not found by the search);
--   search   — a generated tsvector (summary weighted A, transcript B) with a GIN index,
--              queried by PostgREST's fts/wfts filters (`search=wfts(english).refund`).
-- Everything indexed is already redacted (the BEFORE triggers run before the generated
-- column is computed), so a redacted number can never be found.

-- Vapi's artifact.messages → [{role, text, seconds}], redacted; null when there are none.
create or replace function app_private.call_turns(messages jsonb) returns jsonb
  language sql immutable parallel safe
  set search_path = pg_catalog, public
as $$
  select jsonb_agg(jsonb_build_object(
           'role', case when m ->> 'role' in ('bot', 'assistant') then 'agent' else 'customer' end,
           'text', app_private.redact_phi(coalesce(m ->> 'message', m ->> 'content')),
           'seconds', case when jsonb_typeof(m -> 'secondsFromStart') = 'number' then round((m ->> 'secondsFromStart')::numeric, 1) end)
         order by ord)
    from jsonb_array_elements(case when jsonb_typeof(messages) = 'array' then messages else '[]' end) with ordinality e (m, ord)
   where m ->> 'role' in ('bot', 'assistant', 'user')
     and coalesce(m ->> 'message', m ->> 'content', '') <> ''
$$;

-- Turns are redacted on every write path (the text is by tg_transcripts__redact).
create or replace function app_private.tg_transcripts__turns() returns trigger
  language plpgsql
  set search_path = pg_catalog, public
as $$
begin
  if new.messages is not null and (tg_op = 'INSERT' or new.messages is distinct from old.messages) then
    new.messages := (select jsonb_agg(case when jsonb_typeof(t -> 'text') = 'string'
                                           then jsonb_set(t, '{text}', to_jsonb(app_private.redact_phi(t ->> 'text')))
                                           else t end order by ord)
                       from jsonb_array_elements(case when jsonb_typeof(new.messages) = 'array' then new.messages else '[]' end)
                            with ordinality e (t, ord));
  end if;
  if tg_op = 'INSERT' and new.summary is null then
    select c.summary into new.summary from app_public.calls c where c.org_id = new.org_id and c.id = new.call_id;
  end if;
  new.summary := app_private.redact_phi(new.summary);
  return new;
end
$$;

-- The call's summary (already redacted by tg_calls__redact) follows into its transcript row
-- (a transcript stored later copies it on insert, see above).
create or replace function app_private.tg_calls__search_summary() returns trigger
  language plpgsql security definer
  set search_path = pg_catalog, public
as $$
begin
  update app_public.transcripts t set summary = new.summary
   where t.org_id = new.org_id and t.call_id = new.id and t.summary is distinct from new.summary;
  return null;
end
$$;
