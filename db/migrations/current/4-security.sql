-- Issue 19: security hardening (erasure scope, invitations, id exposure, member visibility,
-- sending-account credentials). Idempotent: re-run on every migrate.

-- Erasure: an explicit scope instead of a catalog-wide text search (db/functions/ops/compliance.sql).
drop function if exists app_private.contact_identity(uuid, uuid);
--!include ops/compliance.sql
