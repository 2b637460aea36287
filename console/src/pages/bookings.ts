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

interface Busy {
  resource_id: string;
  busy: string;
}

/** "[start,end)" of a tstzrange as PostgREST returns it. */
const rangeBounds = (r: string) => r.replace(/^[[(]|[)\]]$/g, '').split(',').map((t) => t.replace(/"/g, ''));

export const renderBookings: Page = async (container, ctx) => {
  const client = await db();
  const now = new Date().toISOString();
  const [resources, appointments, busyBlocks, sources, feeds] = await Promise.all([
    client.from('resources').select('id,name,active').order('name'),
    client.from('appointments').select('id,resource_id,contact_id,starts_at,ends_at,source').eq('status', 'booked').gte('ends_at', now).order('starts_at').limit(500),
    client.from('external_busy').select('resource_id,busy').not('busy', 'sl', `[${now},${now}]`).limit(500),
    client.from('calendar_sources').select('id,resource_id,name,kind,url_display,write,last_synced_at,last_error,busy_blocks').order('name'),
    // Admins only (RLS): members get an empty list.
    client.from('calendar_feeds').select('id,resource_id,name,with_names,last_fetched_at').is('revoked_at', null).order('created_at'),
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
  const busy = ((busyBlocks.data ?? []) as Busy[]).map((b) => ({ resource_id: b.resource_id, bounds: rangeBounds(b.busy) }))
    .sort((x, y) => Date.parse(x.bounds[0]) - Date.parse(y.bounds[0]));
  for (const resource of byResource) {
    const upcoming = list.filter((a) => a.resource_id === resource.id);
    const blocked = busy.filter((b) => b.resource_id === resource.id).slice(0, 50);
    if (upcoming.length === 0 && blocked.length === 0) continue;
    // Busy blocks from the resource's calendars, greyed, beside the appointments.
    const rows: Array<{ at: string; busy: boolean; a?: Appointment; b?: { bounds: string[] } }> = [
      ...upcoming.map((a) => ({ at: a.starts_at, busy: false, a })),
      ...blocked.map((b) => ({ at: b.bounds[0], busy: true, b })),
    ].sort((x, y) => Date.parse(x.at) - Date.parse(y.at));
    append(
      container,
      section(
        `${resource.name}${resource.active ? '' : ' (inactive)'}`,
        table(
          ['Starts', 'Ends', 'Contact', 'Booked via', ''],
          rows.map((r) => r.busy ? [when(r.b!.bounds[0]), when(r.b!.bounds[1]), '—', 'busy in calendar', ''] : ((a: Appointment) => [
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
          ])(r.a!)),
          'appointments',
          (i) => (rows[i].busy ? { class: 'busy' } : {}),
        ),
      ),
    );
  }
  const srcList = (sources.data ?? []) as Array<{ id: string; resource_id: string; name: string; kind: string; url_display: string; write: boolean; last_synced_at: string | null; last_error: string | null; busy_blocks: number }>;
  const feedList = (feeds.data ?? []) as Array<{ id: string; resource_id: string | null; name: string | null; with_names: boolean; last_fetched_at: string | null }>;
  const resourceName = (id: string | null) => (id ? byResource.find((r) => r.id === id)?.name ?? id.slice(0, 8) : 'all resources');
  if (srcList.length || feedList.length) {
    append(container, section('Calendars',
      srcList.length ? table(['Source', 'Resource', 'Kind', 'Last sync', 'Busy blocks', 'Error'], srcList.map((c) => [
        `${c.name} (${c.url_display})`, resourceName(c.resource_id), c.kind + (c.write ? ', write-back' : ''),
        c.last_synced_at ? when(c.last_synced_at) : 'never', String(c.busy_blocks), c.last_error ?? '—',
      ]), 'calendar-sources') : '',
      feedList.length ? table(['Feed', 'Resource', 'Names', 'Last fetched', ''], feedList.map((f) => [
        f.name ?? 'feed', resourceName(f.resource_id), f.with_names ? 'shown' : '"Booked"', f.last_fetched_at ? when(f.last_fetched_at) : 'never',
        h('button', { type: 'button', class: 'danger', onclick: async () => {
          if (!(await confirmDialog('Revoke this feed link? Subscribed calendars stop updating.', 'Revoke'))) return;
          const answer = await (await db()).rpc('revoke_calendar_feed', { feed_id: f.id });
          status.replaceChildren(answer.error ? notice(apiError(answer.error, answer.status), 'error') : notice('Feed revoked.', 'ok'));
          if (!answer.error) ctx.reload();
        } }, 'Revoke'),
      ]), 'calendar-feeds') : '',
      notice('Feed links are shown once, when created (npx switchboard calendar feed create, or POST /rpc/create_calendar_feed).'),
    ));
  }
};
