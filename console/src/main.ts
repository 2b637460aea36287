import { SignedOut, claimsOf, isAdmin, loadSession, logout } from './api.ts';
import { append, clear, h, notice } from './dom.ts';
import { renderLogin } from './pages/login.ts';
import { renderCampaigns } from './pages/campaigns.ts';
import { renderLeads } from './pages/leads.ts';
import { renderBookings } from './pages/bookings.ts';
import { renderFailures } from './pages/failures.ts';
import { renderSettings } from './pages/settings.ts';
import { renderAudit } from './pages/audit.ts';
import { renderSessions } from './pages/sessions.ts';
import { renderCalls } from './pages/calls.ts';
import { renderUpload } from './pages/upload.ts';
import { renderSources } from './pages/sources.ts';
import { renderEndpoints } from './pages/endpoints.ts';
import { renderAgents } from './pages/agents.ts';
import { renderSequences } from './pages/sequences.ts';
import type { Page } from './pages/page.ts';

const pages: Array<{ path: string; label: string; render: Page }> = [
  { path: 'campaigns', label: 'Campaigns', render: renderCampaigns },
  { path: 'calls', label: 'Calls', render: renderCalls },
  { path: 'leads', label: 'Leads', render: renderLeads },
  { path: 'upload', label: 'Upload leads', render: renderUpload },
  { path: 'bookings', label: 'Bookings', render: renderBookings },
  { path: 'failures', label: 'Failures', render: renderFailures },
  { path: 'sequences', label: 'Sequences', render: renderSequences },
  { path: 'sources', label: 'Sources', render: renderSources },
  { path: 'endpoints', label: 'Endpoints', render: renderEndpoints },
  { path: 'agents', label: 'Agents', render: renderAgents },
  { path: 'settings', label: 'Settings', render: renderSettings },
  { path: 'audit', label: 'Audit log', render: renderAudit },
  { path: 'sessions', label: 'Sessions', render: renderSessions },
];

const root = document.getElementById('app')!;
let generation = 0;

async function route(): Promise<void> {
  const mine = ++generation;
  const session = loadSession();
  clear(root);
  if (!session) {
    renderLogin(root, () => {
      if (location.hash !== '#/campaigns') location.hash = '#/campaigns';
      else void route();
    });
    return;
  }
  const claims = claimsOf(session.access_token);
  const current = location.hash.replace(/^#\/?/, '').split('?')[0] || 'campaigns';
  const page = pages.find((p) => p.path === current) ?? pages[0];
  const main = h('main', { id: 'main', 'data-page': page.path });
  const signOut = h('button', { type: 'button', class: 'secondary', 'data-testid': 'logout', onclick: async () => {
    await logout();
    location.hash = '#/';
    void route();
  } }, 'Log out');
  append(
    root,
    h(
      'header',
      { class: 'top' },
      h('a', { class: 'brand', href: '#/campaigns' }, 'Switchboard'),
      h('nav', {}, ...pages.map((p) => h('a', { href: `#/${p.path}`, class: p === page ? 'active' : null, 'aria-current': p === page ? 'page' : null }, p.label))),
      h('div', { class: 'who' }, h('span', { 'data-testid': 'whoami' }, session.email), h('span', { class: 'role' }, claims.org_role), signOut),
    ),
    main,
  );
  append(main, h('h1', {}, page.label), h('p', { class: 'loading' }, 'Loading…'));
  try {
    const body = h('div', { class: 'page' });
    await page.render(body, { claims, admin: isAdmin(claims), reload: () => void route() });
    if (mine !== generation) return;
    main.querySelector('.loading')?.remove();
    main.appendChild(body);
    main.setAttribute('data-ready', 'true');
  } catch (error) {
    if (error instanceof SignedOut) {
      void route();
      return;
    }
    if (mine !== generation) return;
    main.querySelector('.loading')?.remove();
    main.appendChild(notice(`Could not load this page: ${(error as Error).message}`, 'error'));
    main.setAttribute('data-ready', 'true');
  }
}

window.addEventListener('hashchange', () => void route());
void route();
