import type { TaskList } from 'graphile-worker';
import { identity_cleanup } from './identity_cleanup.ts';
import { send_password_reset_email } from './send_password_reset_email.ts';
import { send_invitation_email } from './send_invitation_email.ts';
import { process_call_events } from './process_call_events.ts';
import { purge_transcripts } from './purge_transcripts.ts';
import { request_callback } from './request_callback.ts';
import { process_outreach_events } from './process_outreach_events.ts';
import { reschedule_due_events } from './reschedule_due_events.ts';
import { merge_lead_batch } from './merge_lead_batch.ts';
import { refresh_contactable_leads } from './refresh_contactable_leads.ts';
import { leads_cron_tick } from './leads_cron_tick.ts';
import { feed_leads } from './feed_leads.ts';
import { handoff_leads } from './handoff_leads.ts';
import { rescore_leads } from './rescore_leads.ts';
import { deliver_webhook } from './deliver_webhook.ts';
import { requeue_deliveries } from './requeue_deliveries.ts';
import { retention_cleanup } from './retention_cleanup.ts';
import { verify_backup } from './verify_backup.ts';
import { evaluate_alerts } from './evaluate_alerts.ts';
import { send_emails } from './send_emails.ts';
import { calendar_sync } from './calendar_sync.ts';
import { calendar_sync_tick } from './calendar_sync_tick.ts';
import { calendar_push } from './calendar_push.ts';
import { push_leads } from './push_leads.ts';
import { validate_campaign_connection } from './validate_campaign_connection.ts';
import { requeue_lead_pushes } from './requeue_lead_pushes.ts';
import { send_sms } from './send_sms.ts';
import { process_sms_events } from './process_sms_events.ts';

/**
 * Every graphile-worker task, by identifier. Each lives in its own file named after
 * the identifier; SQL enqueues them with graphile_worker.add_job in the same
 * transaction as the data they act on.
 */
export const taskList: TaskList = {
  merge_lead_batch,
  refresh_contactable_leads,
  leads_cron_tick,
  feed_leads,
  handoff_leads,
  rescore_leads,
  process_call_events,
  purge_transcripts,
  request_callback,
  process_outreach_events,
  reschedule_due_events,
  identity_cleanup,
  send_password_reset_email,
  send_invitation_email,
  deliver_webhook,
  requeue_deliveries,
  retention_cleanup,
  verify_backup,
  evaluate_alerts,
  send_emails,
  calendar_sync,
  calendar_sync_tick,
  calendar_push,
  push_leads,
  validate_campaign_connection,
  requeue_lead_pushes,
  send_sms,
  process_sms_events,
};
