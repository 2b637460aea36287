import { db } from '../api.ts';
import { append, confirmDialog, h, notice, section, table, when } from '../dom.ts';
import { apiError, type Page } from './page.ts';

interface Appointment {
  id: string;
  resource_id: string;
  contact_id: string | null;
  starts_at: string;
  ends_at: string;
  source: string;
}

export const renderBookings: Page = async (container, ctx) => {
  const client = await db();
  const [resources, appointments] = await Promise.all([
    client.from('resources').select('id,name,active').order('name'),
    client.from('appointments').select('id,resource_id,contact_id,starts_at,ends_at,source').eq('status', 'booked').gte('ends_at', new Date().toISOString()).order('starts_at').limit(500),
  ]);
  if (resources.error || appointments.error) {
    const failed = resources.error ? resources : appointments;
    return void container.appendChild(notice(apiError(failed.error, failed.status), 'error'));
  }
  const list = (appointments.data ?? []) as Appointment[];
  const status = h('div', { 'aria-live': 'polite' });
  append(container, status);
  const byResource = (resources.data ?? []) as Array<{ id: string; name: string; active: boolean }>;
  if (byResource.length === 0 || list.length === 0) append(container, notice('No upcoming appointments.'));
  for (const resource of byResource) {
    const upcoming = list.filter((a) => a.resource_id === resource.id);
    if (upcoming.length === 0) continue;
    append(
      container,
      section(
        `${resource.name}${resource.active ? '' : ' (inactive)'}`,
        table(
          ['Starts', 'Ends', 'Contact', 'Booked via', ''],
          upcoming.map((a) => [
            when(a.starts_at),
            when(a.ends_at),
            a.contact_id ? a.contact_id.slice(0, 8) : '—',
            a.source,
            h('button', { type: 'button', class: 'danger', 'data-testid': 'cancel-appointment', onclick: async () => {
              if (!(await confirmDialog(`Cancel the appointment on ${when(a.starts_at)} (${resource.name})?`, 'Cancel appointment'))) return;
              const answer = await (await db()).rpc('cancel_appointment', { appointment_id: a.id });
              status.replaceChildren(answer.error ? notice(apiError(answer.error, answer.status), 'error') : notice('Appointment cancelled.', 'ok'));
              if (!answer.error) ctx.reload();
            } }, 'Cancel'),
          ]),
          'appointments',
        ),
      ),
    );
  }
};
