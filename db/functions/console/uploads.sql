-- Lead upload from the console: POST /uploads/leads with the Bearer token of a live session.
-- The gateway verifies the JWT, then makes this one call in the upload's transaction; it
-- answers like begin_lead_upload (no row: the same file within 7 days, 409) after checking
-- that the session is live (else 28000: 401) and that its user is an owner or admin of the
-- session's org (else 42501: 403). The batch records who uploaded it.
create or replace function app_private.begin_session_lead_upload(
  session_id uuid, content_sha256 text, verification_provider text default null)
  returns table (batch_id uuid, staging_table text, org_id uuid)
  language plpgsql volatile security definer
  set search_path = pg_catalog, public
as $$
declare
  s app_private.sessions := app_private.live_session(begin_session_lead_upload.session_id);
  r record;
begin
  if s.id is null then
    raise exception 'the session has ended' using errcode = '28000';
  end if;
  if not exists (select 1 from app_public.memberships m
                  where m.org_id = s.org_id and m.user_id = s.user_id and m.role in ('owner', 'admin')) then
    raise exception 'owners and admins only' using errcode = '42501';
  end if;
  select * into r from app_private.begin_lead_upload(null, s.org_id, content_sha256, verification_provider);
  if r.batch_id is null then
    return;
  end if;
  update app_public.lead_import_batches b set uploaded_by = s.user_id where b.org_id = s.org_id and b.id = r.batch_id;
  batch_id := r.batch_id;
  staging_table := r.staging_table;
  org_id := s.org_id;
  return next;
end
$$;
