-- Message-IDs are stored as sent, in angle brackets; reports may leave them out.
create or replace function app_private.normalize_message_id(mid text) returns text
  language sql immutable parallel safe
as $$
  select case when nullif(btrim(mid), '') is null then null
              else '<' || btrim(btrim(mid), '<>') || '>' end
$$;

-- The address in "Name <address>", or the whole text when it has no angle brackets.
create or replace function app_private.address_of(mailbox text) returns text
  language sql immutable parallel safe
as $$
  select coalesce(substring(mailbox from '<([^<>]+)>\s*$'), nullif(btrim(mailbox), ''))
$$;

-- Provider payload → the fields outreach processing needs: the one table of where each
-- provider puts each field (CONTRACT.md "Payloads as the platforms send them"). A field that
-- can arrive in several places is looked up in the order written here.
create or replace function app_private.outreach_fields(provider text, payload jsonb)
  returns table (event_type text, external_id text, campaign_name text, email text, category text, bounce_type text)
  language sql immutable parallel safe
as $$
  select
    x.event_type,
    nullif(btrim(case provider when 'smartlead' then payload ->> 'campaign_id'
                               when 'replyio' then coalesce(payload #>> '{payload,sequence,id}', payload #>> '{sequence_fields,id}')
                               else payload #>> '{data,campaign_id}' end), ''),
    case provider when 'smartlead' then payload ->> 'campaign_name'
                  when 'replyio' then coalesce(payload #>> '{payload,sequence,name}', payload #>> '{sequence_fields,name}')
                  else payload #>> '{data,campaign_name}' end,
    lower(nullif(btrim(case provider
      when 'smartlead' then case x.event_type
        -- A reply's to_email may be the sender's own mailbox: trust it only when it is not the from_email.
        when 'EMAIL_REPLY' then coalesce(payload ->> 'sl_lead_email', payload #>> '{leadCorrespondence,targetLeadEmail}',
                                         nullif(payload ->> 'to_email', payload ->> 'from_email'))
        when 'LEAD_UNSUBSCRIBED' then coalesce(payload ->> 'lead_email', payload ->> 'to_email')
        when 'LEAD_CATEGORY_UPDATED' then coalesce(payload #>> '{lead_data,email}', payload ->> 'lead_email', payload ->> 'to_email')
        -- An untracked reply names its sender as "Name <address>".
        when 'UNTRACKED_REPLIES' then coalesce(payload ->> 'sl_lead_email', payload ->> 'lead_email', payload #>> '{lead_data,email}',
                                               app_private.address_of(payload ->> 'sender_detail'), payload ->> 'from_email')
        else coalesce(payload ->> 'to_email', payload ->> 'lead_email', payload ->> 'sl_lead_email') end
      when 'replyio' then coalesce(payload #>> '{payload,contact,email}', payload #>> '{contact_fields,email}')
      else payload #>> '{data,email}' end), '')),
    case provider
      when 'smartlead' then coalesce(payload #>> '{lead_category,new_name}',
                                     case jsonb_typeof(payload -> 'lead_category') when 'string' then payload ->> 'lead_category' end,
                                     payload ->> 'category')
      when 'replyio' then coalesce(payload #>> '{payload,category}', payload #>> '{payload,data,category}',
                                   payload ->> 'category', payload ->> 'reply_category')
      else payload #>> '{data,category}' end,
    lower(coalesce(payload ->> 'bounce_type', payload #>> '{data,bounce_type}', payload #>> '{payload,bounce_type}',
                   payload #>> '{payload,data,bounceType}', payload ->> 'bounceType'))
  from (select case provider when 'smartlead' then payload ->> 'event_type'
                             when 'replyio' then payload #>> '{event,type}'
                             else payload ->> 'type' end as event_type) x
$$;

-- A campaign first seen without a name is named after its provider and id, and renamed as
-- soon as a payload names it.
create or replace function app_private.campaign_placeholder_name(provider text, external_id text) returns text
  language sql immutable parallel safe
as $$
  select case provider when 'smartlead' then 'SmartLead campaign '
                       when 'replyio' then 'Reply.io sequence '
                       else initcap(provider) || ' campaign ' end || external_id
$$;

-- Processes up to batch_size due events of one org and shard in ONE transaction:
-- campaigns and contacts upserted set-wise, email_events inserted once per inbox event
-- (so re-running never double-counts), and counters bumped once per campaign and hour.
-- The advisory lock serialises a shard: a contact's events are never processed twice at once.
create or replace function app_private.process_outreach_events(
  org_id uuid, shard smallint, batch_size int default 2000, only_event uuid default null)
  returns int
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
  set client_min_messages = warning -- "temp table already exists" notices on every batch
as $$
#variable_conflict use_column
declare
  the_org constant uuid := process_outreach_events.org_id;
  tz text;
  positive_set text[];
  n int;
begin
  perform pg_advisory_xact_lock(hashtext('process_outreach_events'), hashtext(the_org::text || ':' || shard));
  select o.timezone, (select array_agg(lower(c)) from unnest(s.positive_categories) c)
    into tz, positive_set
    from app_public.organizations o join app_public.workspace_settings s on s.org_id = o.id
   where o.id = the_org;

  create temp table if not exists outreach_events_batch (
    event_id uuid, provider text, metric text, external_id text, campaign_name text,
    email citext, category text, bounce_type text, occurred_at timestamptz,
    campaign_id uuid, contact_id uuid, counted boolean default false, message_id text
  ) on commit delete rows;
  create temp table if not exists outreach_pairs (
    campaign_id uuid, contact_id uuid, replied boolean, positive boolean, occurred_at timestamptz,
    was_replied boolean default false, was_positive boolean default false
  ) on commit delete rows;
  create temp table if not exists outreach_deltas (
    campaign_id uuid, occurred_at timestamptz, metric text
  ) on commit delete rows;
  -- Several batches may run in one transaction (tests, callers looping over shards).
  truncate outreach_events_batch, outreach_pairs, outreach_deltas;

  -- The Message-ID of a standard report is read here, with the other fields, so later
  -- statements never go back to webhook_events (a join there hashed all of the org's
  -- events for every batch). No row locks: the shard's advisory lock above already makes this
  -- the shard's only processor, and a FOR UPDATE cost a tuple lock (a WAL record and a dirtied
  -- page) per event, ≈ 3 % of the batch's CPU; an event is counted once whatever happens by
  -- the unique (org_id, webhook_event_id) of email_events.
  insert into outreach_events_batch (event_id, provider, metric, external_id, campaign_name, email, category, bounce_type,
                                     occurred_at, message_id)
  select e.id, e.provider, m.metric, f.external_id, f.campaign_name,
         case when app_private.is_platform_email(f.email) then f.email end, f.category, f.bounce_type,
         coalesce(e.occurred_at, e.received_at),
         case when e.provider = 'standard' then app_private.normalize_message_id(e.payload #>> '{data,message_id}') end
    from app_public.webhook_events e
    cross join lateral app_private.outreach_fields(e.provider, e.payload) f
    left join app_private.outreach_event_types m on m.provider = e.provider and m.provider_type = f.event_type
   where e.org_id = the_org and e.shard = process_outreach_events.shard
     and e.provider in (select t.provider from app_private.provider_tasks t where t.task_identifier = 'process_outreach_events')
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
     and (only_event is null or e.id = only_event)
   order by e.received_at
   limit batch_size;
  get diagnostics n = row_count;
  if n = 0 then
    return 0;
  end if;

  -- Unknown campaigns are created on first sight, named by the payload (placeholder names
  -- give way to the first real one). Sorted, so two shards creating the same campaigns never
  -- wait on each other in opposite orders. Two statements, not one ON CONFLICT DO UPDATE:
  -- that form locks every existing campaign of the batch FOR UPDATE even when its WHERE
  -- leaves the name alone, which serialised whole batches of every shard on the hot
  -- campaign's row (and blocked the email_events foreign key checks of the others).
  -- Here an existing campaign is locked only when it is actually renamed.
  insert into app_public.campaigns as c (org_id, provider, external_id, name)
  select distinct on (b.provider, b.external_id) the_org, b.provider, b.external_id,
         coalesce(nullif(btrim(b.campaign_name), ''), app_private.campaign_placeholder_name(b.provider, b.external_id))
    from outreach_events_batch b
   where b.external_id is not null
   order by b.provider, b.external_id, (nullif(btrim(b.campaign_name), '') is null), b.occurred_at desc
  on conflict (org_id, provider, external_id) do nothing;
  update app_public.campaigns c set name = n.name
    from (select distinct on (b.provider, b.external_id) b.provider, b.external_id, btrim(b.campaign_name) as name
            from outreach_events_batch b
           where b.external_id is not null and nullif(btrim(b.campaign_name), '') is not null
           order by b.provider, b.external_id, b.occurred_at desc) n
   where c.org_id = the_org and c.provider = n.provider and c.external_id = n.external_id
     and c.name = app_private.campaign_placeholder_name(c.provider, c.external_id) and n.name <> c.name;
  update outreach_events_batch b set campaign_id = c.id
    from app_public.campaigns c
   where c.org_id = the_org and c.provider = b.provider and c.external_id = b.external_id;
  -- Reports about an email Switchboard sent (standard `data.message_id`) fill in the address
  -- and campaign the payload left out.
  update outreach_events_batch b
     set email = coalesce(b.email, m.to_email), campaign_id = coalesce(b.campaign_id, m.campaign_id)
    from app_public.emails m
   where b.message_id is not null and m.org_id = the_org and m.message_id = b.message_id;

  -- Contacts: the known ones are looked up first (one hash join); only addresses still
  -- without a contact are inserted (an ON CONFLICT probe of the citext unique index for every
  -- event of the batch cost more than the rest of the contact work together).
  update outreach_events_batch b set contact_id = k.id
    from app_public.contacts k
   where k.org_id = the_org and k.email = b.email;
  if exists (select 1 from outreach_events_batch b where b.email is not null and b.contact_id is null) then
    insert into app_public.contacts (org_id, email)
    select distinct the_org, b.email from outreach_events_batch b where b.email is not null and b.contact_id is null order by 2
    on conflict (org_id, email) do nothing;
    -- Every row with an address, not only those still without a contact: the planner guesses
    -- "contact_id is null" at 0.5 % of the batch and, with a new org's contacts also guessed
    -- few, compared every such row with every contact of the org (seconds per batch).
    update outreach_events_batch b set contact_id = k.id
      from app_public.contacts k
     where b.email is not null and k.org_id = the_org and k.email = b.email;
  end if;

  -- One email_event per inbox event: only the rows inserted now are counted.
  with inserted as (
    insert into app_public.email_events (org_id, webhook_event_id, campaign_id, contact_id, kind, category, occurred_at)
    select the_org, b.event_id, b.campaign_id, b.contact_id, b.metric, b.category, b.occurred_at
      from outreach_events_batch b
     -- An event of no campaign (SmartLead's untracked replies) is stored against its contact only.
     where b.metric is not null and (b.campaign_id is not null or b.contact_id is not null)
    on conflict (org_id, webhook_event_id) do nothing
    returning webhook_event_id)
  update outreach_events_batch b set counted = true from inserted i where i.webhook_event_id = b.event_id;

  -- Positive replies count (campaign, contact) pairs that have replied with, or were later
  -- categorised into, a positive category — each pair once.
  insert into outreach_pairs (campaign_id, contact_id, replied, positive, occurred_at)
  select b.campaign_id, b.contact_id, bool_or(b.metric = 'replied'),
         coalesce(bool_or(lower(b.category) = any(positive_set)), false), max(b.occurred_at)
    from outreach_events_batch b
   where b.counted and b.metric in ('replied', 'categorized') and b.contact_id is not null and b.campaign_id is not null
   group by b.campaign_id, b.contact_id;
  update outreach_pairs p set was_replied = r.replied, was_positive = r.positive
    from app_private.campaign_replies r
   where r.org_id = the_org and r.campaign_id = p.campaign_id and r.contact_id = p.contact_id;
  insert into app_private.campaign_replies (org_id, campaign_id, contact_id, replied, positive)
  select the_org, p.campaign_id, p.contact_id, p.replied, p.positive
    from outreach_pairs p order by p.campaign_id, p.contact_id
  on conflict (org_id, campaign_id, contact_id) do update
     set replied = campaign_replies.replied or excluded.replied,
         positive = campaign_replies.positive or excluded.positive;

  insert into outreach_deltas (campaign_id, occurred_at, metric)
  select b.campaign_id, b.occurred_at, b.metric from outreach_events_batch b
   where b.counted and b.metric <> 'categorized' and b.campaign_id is not null
  union all
  select p.campaign_id, p.occurred_at, 'positive_replies' from outreach_pairs p
   where (p.was_replied or p.replied) and (p.was_positive or p.positive)
     and not (p.was_replied and p.was_positive);

  -- Unsubscribes and hard bounces suppress the address for the whole org.
  insert into app_public.suppressions (org_id, email, reason, source)
  select distinct on (b.email) the_org, b.email,
         case b.metric when 'unsubscribed' then 'unsubscribed' else 'bounced' end, b.provider
    from outreach_events_batch b
   where b.counted and b.email is not null
     and (b.metric = 'unsubscribed' or (b.metric = 'bounced' and coalesce(b.bounce_type, 'hard') <> 'soft'))
   order by b.email
  on conflict (org_id, email) do nothing;

  -- A reply stops the replier's sequences (by Message-ID, else by address) and marks the lead replied.
  perform app_private.stop_sequences_on_reply(the_org,
    array(select distinct b.email from outreach_events_batch b where b.metric = 'replied' and b.email is not null),
    array(select distinct b.message_id from outreach_events_batch b
           where b.metric = 'replied' and b.message_id is not null))
   where exists (select 1 from outreach_events_batch b where b.metric = 'replied');

  -- Neither contact nor campaign found: kept, marked for admins. The events are found by
  -- their keys (the planner, misled by a new org's statistics, otherwise hashed all of the
  -- org's inbox for every batch).
  update app_public.webhook_events e
     set status = case when b.contact_id is null and b.campaign_id is null then 'unattributed' else 'processed' end,
         processed_at = now(), attempts = e.attempts + 1, last_error = null
    from outreach_events_batch b
   where e.org_id = the_org and e.id = any (array(select x.event_id from outreach_events_batch x))
     and e.id = b.event_id;

  -- Counters and hourly buckets come last: the hot campaign's counter row is locked from
  -- here to the commit, so the other shards' batches wait on it only for these statements,
  -- not for the status update of the whole batch. Both in key order (deadlock-free).
  -- One upsert per campaign of the batch: its deltas (zero for a campaign touched without a
  -- countable event, e.g. a categorisation, which is still marked synced).
  insert into app_public.campaign_counters as t (org_id, campaign_id, sent, opened, clicked, replied,
                                                 positive_replies, bounced, unsubscribed, synced_at)
  select the_org, c.campaign_id,
         count(d.metric) filter (where d.metric = 'sent'), count(d.metric) filter (where d.metric = 'opened'),
         count(d.metric) filter (where d.metric = 'clicked'), count(d.metric) filter (where d.metric = 'replied'),
         count(d.metric) filter (where d.metric = 'positive_replies'), count(d.metric) filter (where d.metric = 'bounced'),
         count(d.metric) filter (where d.metric = 'unsubscribed'), now()
    from (select distinct b.campaign_id from outreach_events_batch b where b.campaign_id is not null) c
    left join outreach_deltas d on d.campaign_id = c.campaign_id
   group by c.campaign_id order by c.campaign_id
  on conflict (org_id, campaign_id) do update
     set sent = t.sent + excluded.sent, opened = t.opened + excluded.opened,
         clicked = t.clicked + excluded.clicked, replied = t.replied + excluded.replied,
         positive_replies = t.positive_replies + excluded.positive_replies,
         bounced = t.bounced + excluded.bounced, unsubscribed = t.unsubscribed + excluded.unsubscribed,
         synced_at = now();

  -- Hourly buckets in the org's time zone.
  insert into app_public.campaign_hourly_metrics as t (org_id, campaign_id, local_hour, hour_start, sent, opened,
                                                      clicked, replied, positive_replies, bounced, unsubscribed)
  select the_org, h.campaign_id, h.local_hour, h.local_hour at time zone tz,
         count(*) filter (where h.metric = 'sent'), count(*) filter (where h.metric = 'opened'),
         count(*) filter (where h.metric = 'clicked'), count(*) filter (where h.metric = 'replied'),
         count(*) filter (where h.metric = 'positive_replies'), count(*) filter (where h.metric = 'bounced'),
         count(*) filter (where h.metric = 'unsubscribed')
    from (select d.campaign_id, d.metric, date_trunc('hour', d.occurred_at at time zone tz) as local_hour
            from outreach_deltas d) h
   group by h.campaign_id, h.local_hour order by h.campaign_id, h.local_hour
  on conflict (org_id, campaign_id, local_hour) do update
     set sent = t.sent + excluded.sent, opened = t.opened + excluded.opened,
         clicked = t.clicked + excluded.clicked, replied = t.replied + excluded.replied,
         positive_replies = t.positive_replies + excluded.positive_replies,
         bounced = t.bounced + excluded.bounced, unsubscribed = t.unsubscribed + excluded.unsubscribed;

  return n;
end
$$;

-- Due outreach event ids of a shard, for processing one by one after a batch failed.
create or replace function app_private.due_webhook_events(org_id uuid, shard smallint, max_count int default 100)
  returns setof uuid
  language sql stable security definer
  set search_path = pg_catalog, public
as $$
  select e.id from app_public.webhook_events e
   where e.org_id = due_webhook_events.org_id and e.shard = due_webhook_events.shard
     and e.provider in (select t.provider from app_private.provider_tasks t where t.task_identifier = 'process_outreach_events')
     and e.status in ('pending', 'failed') and e.next_attempt_at <= now()
   order by e.received_at limit max_count
$$;
