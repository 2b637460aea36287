-- Voice calls and transcripts. A call is unique per (org, platform, external call id):
-- re-delivered or re-synced events update it, never duplicate it. Status only moves
-- forward (an "in-progress" arriving after "ended" does not reopen the call).

create or replace function app_private.call_status_rank(status text) returns int
  language sql immutable parallel safe
as $$
  select case status when 'scheduled' then 0 when 'queued' then 1 when 'ringing' then 2
                     when 'in-progress' then 3 when 'forwarding' then 4 when 'ended' then 5
                     -- Vapi's terminal alternatives: a call it could not find, or whose deletion failed.
                     when 'not-found' then 5 when 'deletion-failed' then 6 else -1 end
$$;

-- Summaries and transcripts are redacted before they are stored, whatever the write path
-- (the speaker turns in transcripts.messages by tg_transcripts__turns, console/calls.sql).
create or replace function app_private.tg_calls__redact() returns trigger
  language plpgsql
as $$
begin
  new.summary := app_private.redact_phi(new.summary);
  return new;
end
$$;

create or replace function app_private.tg_transcripts__redact() returns trigger
  language plpgsql
as $$
begin
  new.content := app_private.redact_phi(new.content);
  new.updated_at := now();
  return new;
end
$$;

-- attrs: any of direction, status, agent_id, contact_id, campaign_id, customer_number,
-- started_at, ended_at, duration_seconds, ended_reason, cost, recording_url, summary,
-- structured_data, success_evaluation.
-- Missing keys keep what is stored.
create or replace function app_private.upsert_call(org_id uuid, platform text, external_id text, attrs jsonb)
  returns app_public.calls
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
#variable_conflict use_column
declare
  c app_public.calls;
  new_status text := case when app_private.call_status_rank(attrs ->> 'status') >= 0 then attrs ->> 'status' end;
begin
  insert into app_public.calls as k (
    org_id, platform, external_id, direction, status, agent_id, contact_id, campaign_id, customer_number,
    started_at, ended_at, duration_seconds, ended_reason, cost, recording_url, summary, structured_data, success_evaluation)
  values (
    upsert_call.org_id, upsert_call.platform, upsert_call.external_id,
    attrs ->> 'direction', coalesce(new_status, 'queued'),
    (attrs ->> 'agent_id')::uuid, (attrs ->> 'contact_id')::uuid, (attrs ->> 'campaign_id')::uuid,
    attrs ->> 'customer_number', (attrs ->> 'started_at')::timestamptz, (attrs ->> 'ended_at')::timestamptz,
    (attrs ->> 'duration_seconds')::numeric, attrs ->> 'ended_reason', (attrs ->> 'cost')::numeric,
    attrs ->> 'recording_url', attrs ->> 'summary', attrs -> 'structured_data', attrs ->> 'success_evaluation')
  on conflict (org_id, platform, external_id) do update set
    direction = coalesce(excluded.direction, k.direction),
    status = case when new_status is not null
                   and app_private.call_status_rank(new_status) > app_private.call_status_rank(k.status)
                  then new_status else k.status end,
    agent_id = coalesce(excluded.agent_id, k.agent_id),
    contact_id = coalesce(excluded.contact_id, k.contact_id),
    campaign_id = coalesce(excluded.campaign_id, k.campaign_id),
    customer_number = coalesce(excluded.customer_number, k.customer_number),
    started_at = coalesce(excluded.started_at, k.started_at),
    ended_at = coalesce(excluded.ended_at, k.ended_at),
    duration_seconds = coalesce(excluded.duration_seconds, k.duration_seconds),
    ended_reason = coalesce(excluded.ended_reason, k.ended_reason),
    cost = coalesce(excluded.cost, k.cost),
    recording_url = coalesce(excluded.recording_url, k.recording_url),
    summary = coalesce(excluded.summary, k.summary),
    structured_data = coalesce(excluded.structured_data, k.structured_data),
    success_evaluation = coalesce(excluded.success_evaluation, k.success_evaluation),
    updated_at = now()
  returning * into c;
  return c;
end
$$;

-- messages: the speaker turns ([{role agent|customer, text, seconds}], app_private.call_turns),
-- kept when a later write has none. An empty content keeps the stored text; with none stored,
-- the turns make the text (so a call with turns only is found by the transcript search).
create or replace function app_private.upsert_transcript(org_id uuid, call_id uuid, content text, messages jsonb default null)
  returns uuid
  language sql volatile security definer
  set search_path = pg_catalog, public
as $$
  insert into app_public.transcripts as t (org_id, call_id, content, messages)
  values (org_id, call_id,
          coalesce(nullif(content, ''),
                   (select string_agg(case x ->> 'role' when 'agent' then 'AI: ' else 'User: ' end || (x ->> 'text'), E'\n' order by ord)
                      from jsonb_array_elements(case when jsonb_typeof(messages) = 'array' then messages else '[]' end)
                           with ordinality m (x, ord)
                     where jsonb_typeof(x -> 'text') = 'string'),
                   ''),
          messages)
  on conflict (org_id, call_id) do update
    set content = case when coalesce(upsert_transcript.content, '') = '' and t.content <> '' then t.content else excluded.content end,
        messages = coalesce(excluded.messages, t.messages)
  returning t.id
$$;

-- Retention: transcripts and recording links older than the org's window go away.
create or replace function app_private.purge_call_data(batch_size int default 5000) returns bigint
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  removed bigint;
  cleared bigint;
begin
  delete from app_public.transcripts t
   where (t.org_id, t.id) in (
     select t2.org_id, t2.id from app_public.transcripts t2
       join app_public.workspace_settings s on s.org_id = t2.org_id
      where t2.created_at < now() - s.transcript_retention
      limit batch_size);
  get diagnostics removed = row_count;
  update app_public.calls c set recording_url = null, updated_at = now()
   where (c.org_id, c.id) in (
     select c2.org_id, c2.id from app_public.calls c2
       join app_public.workspace_settings s on s.org_id = c2.org_id
      where c2.recording_url is not null and c2.created_at < now() - s.transcript_retention
      limit batch_size);
  get diagnostics cleared = row_count;
  return removed + cleared;
end
$$;
