-- Switchboard on Citus: shard every tenant table by org_id (issue 17).
--
-- Run once on the Citus coordinator after the migrations, in this order: reference tables
-- first (the tenant tables' foreign keys point at them), then the tenant tables, all
-- distributed by org_id and so co-located: a tenant's rows, and every join and foreign key
-- between them, stay on one worker. Tables that stay on the coordinator (looked up before an
-- org is known, or platform-wide) are listed with their reasons in
-- db/tests/10-citus-readiness.test.sql, which also runs this file against the catalog:
-- every table with org_id must be named here exactly once, or be on that list.

-- Reference tables: small, read on every tenant's path, copied to every worker.
select create_reference_table('app_public.organizations');
select create_reference_table('app_public.users');
select create_reference_table('app_public.feature_flags');
select create_reference_table('app_private.outreach_event_types');
select create_reference_table('app_private.provider_tasks');
select create_reference_table('app_private.platform_settings');

-- Tenant tables, distributed by org_id.
select create_distributed_table('app_public.memberships', 'org_id');
select create_distributed_table('app_public.audit_log', 'org_id');
select create_distributed_table('app_public.sources', 'org_id');
select create_distributed_table('app_private.source_secrets', 'org_id');
select create_distributed_table('app_public.webhook_events', 'org_id');
select create_distributed_table('app_public.dead_letters', 'org_id');
select create_distributed_table('app_public.workspace_settings', 'org_id');
select create_distributed_table('app_public.workspace_settings_history', 'org_id');
select create_distributed_table('app_public.campaigns', 'org_id');
select create_distributed_table('app_public.contacts', 'org_id');
select create_distributed_table('app_public.suppressions', 'org_id');
select create_distributed_table('app_public.email_events', 'org_id');
select create_distributed_table('app_private.campaign_replies', 'org_id');
select create_distributed_table('app_public.campaign_counters', 'org_id');
select create_distributed_table('app_public.campaign_hourly_metrics', 'org_id');
select create_distributed_table('app_public.auth_events', 'org_id');
select create_distributed_table('app_public.feature_flag_overrides', 'org_id');
select create_distributed_table('app_private.org_quotas', 'org_id');
select create_distributed_table('app_private.sso_providers', 'org_id');
select create_distributed_table('app_public.pipeline_events', 'org_id');
select create_distributed_table('app_public.resources', 'org_id');
select create_distributed_table('app_public.resource_hours', 'org_id');
select create_distributed_table('app_public.appointments', 'org_id');
select create_distributed_table('app_public.agents', 'org_id');
select create_distributed_table('app_public.calls', 'org_id');
select create_distributed_table('app_public.transcripts', 'org_id');
select create_distributed_table('app_public.callback_requests', 'org_id');
select create_distributed_table('app_public.lead_import_batches', 'org_id');
select create_distributed_table('app_private.lead_upload_hashes', 'org_id');
select create_distributed_table('app_private.lead_import_pending', 'org_id');
select create_distributed_table('app_private.lead_import_chunks', 'org_id');
select create_distributed_table('app_public.lead_import_rejects', 'org_id');
select create_distributed_table('app_public.leads', 'org_id');
select create_distributed_table('app_public.verification_code_map', 'org_id');
select create_distributed_table('app_private.lead_feed_runs', 'org_id');
select create_distributed_table('app_private.contactable_refresh_runs', 'org_id');
select create_distributed_table('app_private.consent_nonces', 'org_id');
select create_distributed_table('app_public.delivery_endpoints', 'org_id');
select create_distributed_table('app_private.delivery_endpoint_secrets', 'org_id');
select create_distributed_table('app_public.delivery_messages', 'org_id');
select create_distributed_table('app_public.deliveries', 'org_id');
select create_distributed_table('app_public.delivery_attempts', 'org_id');
select create_distributed_table('app_public.sending_accounts', 'org_id');
select create_distributed_table('app_private.sending_account_secrets', 'org_id');
select create_distributed_table('app_private.sending_account_usage', 'org_id');
select create_distributed_table('app_public.sequence_steps', 'org_id');
select create_distributed_table('app_public.sequence_enrollments', 'org_id');
select create_distributed_table('app_public.emails', 'org_id');
select create_distributed_table('app_private.contactable_lead_set', 'org_id');

-- Calendars (issue 21), hand-off and SMS (issue 22), invitations (issue 19).
select create_distributed_table('app_public.calendar_feeds', 'org_id');
select create_distributed_table('app_public.calendar_sources', 'org_id');
select create_distributed_table('app_private.calendar_source_secrets', 'org_id');
select create_distributed_table('app_public.external_busy', 'org_id');
select create_distributed_table('app_private.calendar_writes', 'org_id');
select create_distributed_table('app_public.campaign_connections', 'org_id');
select create_distributed_table('app_private.campaign_connection_secrets', 'org_id');
select create_distributed_table('app_public.lead_push_chunks', 'org_id');
select create_distributed_table('app_public.lead_pushes', 'org_id');
select create_distributed_table('app_public.lead_push_attempts', 'org_id');
select create_distributed_table('app_public.sms_settings', 'org_id');
select create_distributed_table('app_private.sms_credentials', 'org_id');
select create_distributed_table('app_public.sms_messages', 'org_id');
select create_distributed_table('app_public.invitations', 'org_id');
