-- The dashboard's leads page (`/leads?order=lead_score.desc&limit=50`, bench rest) reads
-- one org's best leads: without this index every request visits all of the org's leads
-- (≈ 10,000 buffers and 25–35 ms at 10,000 leads per org); with it, 50 index entries.
-- The feeder keeps its own partial index on queued leads.
create index if not exists leads_org_id_score_idx on app_public.leads (org_id, lead_score desc, id);
