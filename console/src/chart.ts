import { h, svg } from './dom.ts';

export interface HourPoint {
  hour_start: string;
  sent: number;
  replied: number;
}

/** A small SVG bar chart: sent per hour, replies drawn over them. Scales with its box. */
export function hourlyChart(points: HourPoint[], title: string): HTMLElement {
  const width = 720;
  const height = 200;
  const pad = { left: 40, right: 10, top: 12, bottom: 28 };
  const max = Math.max(1, ...points.map((p) => Number(p.sent)), ...points.map((p) => Number(p.replied)));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const step = plotW / Math.max(points.length, 1);
  const bar = Math.max(2, step * 0.7);
  const y = (v: number) => pad.top + plotH - (v / max) * plotH;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart', 'data-testid': 'hourly-chart' });
  chart.appendChild(svg('title', {}, title));
  chart.appendChild(svg('line', { x1: pad.left, y1: y(0), x2: width - pad.right, y2: y(0), class: 'axis' }));
  chart.appendChild(svg('text', { x: pad.left - 6, y: y(max) + 4, 'text-anchor': 'end', class: 'tick' }, String(max)));
  chart.appendChild(svg('text', { x: pad.left - 6, y: y(0) + 4, 'text-anchor': 'end', class: 'tick' }, '0'));
  points.forEach((p, i) => {
    const x = pad.left + i * step + (step - bar) / 2;
    if (Number(p.sent) === 0 && Number(p.replied) === 0) return;
    const sent = svg('rect', { x, y: y(Number(p.sent)), width: bar, height: y(0) - y(Number(p.sent)), class: 'bar-sent' });
    sent.appendChild(svg('title', {}, `${new Date(p.hour_start).toLocaleString()}: ${p.sent} sent, ${p.replied} replied`));
    chart.appendChild(sent);
    if (Number(p.replied) > 0) {
      chart.appendChild(svg('rect', { x: x + bar * 0.25, y: y(Number(p.replied)), width: bar * 0.5, height: y(0) - y(Number(p.replied)), class: 'bar-replied' }));
    }
  });
  const label = (p: HourPoint) => {
    const d = new Date(p.hour_start);
    return `${d.getMonth() + 1}/${d.getDate()} ${String(d.getHours()).padStart(2, '0')}:00`;
  };
  if (points.length > 0) {
    chart.appendChild(svg('text', { x: pad.left, y: height - 8, class: 'tick' }, label(points[0])));
    chart.appendChild(svg('text', { x: width - pad.right, y: height - 8, 'text-anchor': 'end', class: 'tick' }, label(points[points.length - 1])));
  }
  return h(
    'figure',
    { class: 'chart-box' },
    chart,
    h('figcaption', {}, h('span', { class: 'key key-sent' }), 'sent ', h('span', { class: 'key key-replied' }), 'replied'),
  );
}
