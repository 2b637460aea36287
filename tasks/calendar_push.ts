import type { Task } from 'graphile-worker';
import { calendarKey } from './calendar_sync.ts';
import { pushAppointment } from './lib/calendar-push.ts';
import type { Query } from './lib/calendar-sync.ts';

/**
 * CalDAV write-back of one appointment into one source marked `write` (queued by the
 * appointments trigger tg_appointments__calendar_push). A failed PUT/DELETE throws, so
 * graphile-worker retries it with backoff (up to 10 attempts); the job is idempotent.
 */
export const calendar_push: Task = async (payload, helpers) => {
  const { org_id, source_id, appointment_id } = payload as { org_id: string; source_id: string; appointment_id: string };
  const result = await pushAppointment(helpers.query as unknown as Query, org_id, source_id, appointment_id, calendarKey());
  helpers.logger.debug(`calendar push ${appointment_id} → ${source_id}: ${result}`);
};
