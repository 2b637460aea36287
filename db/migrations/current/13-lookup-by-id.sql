-- A webhook names its source by id alone (the URL carries no org). Since the Citus-ready keys
-- (99-citus.sql) the primary key of sources is (org_id, id), which cannot find an id by
-- itself: every ingest scanned the whole key. A plain index on id serves that look-up
-- (not unique, so the key rule of 10-citus-readiness still holds; ids are uuids).
create index if not exists sources_id_idx on app_public.sources (id);
