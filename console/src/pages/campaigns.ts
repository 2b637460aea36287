import { db } from '../api.ts';
import { hourlyChart, type HourPoint } from '../chart.ts';
import { append, clear, h, notice, pct, section, table, when } from '../dom.ts';
import { apiError, type Page } from './page.ts';

interface CampaignRow {
  campaign_id: string;
  name: string;
  provider: string | null;
  sent: number;
  opened: number;
  clicked: number;
  replied: number;
  positive_replies: number;
  bounced: number;
  unsubscribed: number;
  reply_rate: number | null;
  positive_rate: number | null;
  bounce_rate: number | null;
  reply_rate_warning: boolean;
  synced_at: string | null;
  freshness: 'fresh' | 'stale' | 'expired';
}

export const renderCampaigns: Page = async (container) => {
  const client = await db();
  const { data, error, status } = await client.from('campaign_metrics').select('*').order('name');
  if (error) return void container.appendChild(notice(apiError(error, status), 'error'));
  const rows = (data ?? []) as CampaignRow[];
  const chartBox = h('div', { 'data-testid': 'chart-area' });

  async function showChart(row: CampaignRow): Promise<void> {
    clear(chartBox);
    append(chartBox, h('p', { class: 'loading' }, 'Loading…'));
    const since = new Date(Date.now() - 48 * 3600 * 1000).toISOString();
    const answer = await client
      .from('campaign_hourly_metrics')
      .select('hour_start,sent,replied')
      .eq('campaign_id', row.campaign_id)
      .gte('hour_start', since)
      .order('hour_start');
    clear(chartBox);
    if (answer.error) return void chartBox.appendChild(notice(apiError(answer.error, answer.status), 'error'));
    // Every hour of the window, zero where nothing happened (org hours with a half-hour
    // offset fall into the window slot they start in).
    const hours = (answer.data ?? []) as HourPoint[];
    const first = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 47 * 3_600_000;
    const points: HourPoint[] = Array.from({ length: 48 }, (_, i) => ({ hour_start: new Date(first + i * 3_600_000).toISOString(), sent: 0, replied: 0 }));
    for (const hour of hours) {
      const slot = Math.floor((new Date(hour.hour_start).getTime() - first) / 3_600_000);
      if (slot >= 0 && slot < 48) points[slot] = hour;
    }
    append(chartBox, h('h3', {}, `${row.name}: last 48 hours`));
    if (hours.length === 0) append(chartBox, notice('No activity in the last 48 hours.'));
    else append(chartBox, hourlyChart(points, `Hourly activity of ${row.name}`));
  }

  const refresh = h('button', { type: 'button', class: 'secondary', 'data-testid': 'refresh' }, 'Refresh');
  const headers = ['Campaign', 'Sent', 'Opened', 'Replied', 'Positive', 'Bounced', 'Unsub.', 'Reply rate', 'Positive rate', 'Bounce rate', 'Freshness', 'Synced'];
  const grid = table(
    headers,
    rows.map((r) => [
      h('button', { type: 'button', class: 'link', onclick: () => void showChart(r) }, r.name),
      r.sent,
      r.opened,
      r.replied,
      r.positive_replies,
      r.bounced,
      r.unsubscribed,
      h('span', { class: r.reply_rate_warning ? 'warn' : null, title: r.reply_rate_warning ? 'Below the reply-rate warning threshold' : null }, pct(r.reply_rate)),
      pct(r.positive_rate),
      pct(r.bounce_rate),
      h('span', { class: `badge badge-${r.freshness}`, 'data-testid': 'freshness' }, r.freshness),
      when(r.synced_at),
    ]),
    'campaigns',
    (i) => ({ 'data-testid': 'campaign-row', 'data-campaign': rows[i].name, class: rows[i].freshness === 'fresh' ? null : 'greyed' }),
  );
  append(
    container,
    section(
      'Campaign metrics',
      h('div', { class: 'toolbar' }, h('span', {}, `${rows.length} campaign${rows.length === 1 ? '' : 's'}`), refresh),
      rows.length === 0 ? notice('No campaigns yet. They appear with the first webhook of a sender.') : grid,
    ),
    section('Hourly activity', chartBox),
  );
  refresh.addEventListener('click', () => window.dispatchEvent(new HashChangeEvent('hashchange')));
  if (rows.length > 0) await showChart(rows[0]);
};
