import { createHmac } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256hex, signUpload } from '../../bench/lead-file.ts';
import { waitFor } from '../../lib/ports.ts';
import { projectRoot } from '../../lib/paths.ts';
import { cli, createOrg, login, ownerPool, rest, stack, uniqueEmail } from './helpers.ts';
import { type OutreachEvent, createSource, deliver, signedDelivery } from './webhook-senders.ts';

/**
 * The operator console in a real browser (Debian's chromium through playwright-core) against
 * the real stack: every number on the page comes from PostgREST through the gateway's /rest/
 * proxy, and every refusal is the API's. Screenshots land in console/screenshots/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const shots = join(projectRoot, 'console/screenshots');
const pool = ownerPool();

let browser: Browser;
const org = { orgId: '', email: '', password: '' };
const member = { email: uniqueEmail('member'), password: 'member password 1' };
let other: Awaited<ReturnType<typeof createOrg>>;
let deadLetterId = 0;

// Alpha: 4 sent, 2 replies (1 positive), 1 bounce, 1 open. Beta: 3 sent, 1 open, 1 click.
const ALPHA = { Sent: '4', Opened: '1', Replied: '2', Positive: '1', Bounced: '1', 'Unsub.': '0', 'Reply rate': '50.0%', 'Positive rate': '50.0%', 'Bounce rate': '25.0%' };
const BETA = { Sent: '3', Opened: '1', Replied: '0', Positive: '0', Bounced: '0', 'Unsub.': '0', 'Reply rate': '0.0%', 'Positive rate': '—', 'Bounce rate': '0.0%' };

async function open(page: Page, path: string): Promise<void> {
  await page.goto(`${stack().gatewayUrl}/#/${path}`);
  await page.waitForSelector(`main[data-page="${path}"][data-ready="true"]`, { timeout: 30_000 });
}

async function signIn(context: BrowserContext, email: string, password: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${stack().gatewayUrl}/`);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('main[data-page="campaigns"][data-ready="true"]', { timeout: 30_000 });
  return page;
}

async function cells(page: Page, campaign: string): Promise<Record<string, string>> {
  return page.$$eval(`tr[data-campaign="${campaign}"] td`, (tds) =>
    Object.fromEntries(tds.map((td) => [td.getAttribute('data-col') ?? '', (td.textContent ?? '').trim()])),
  );
}

const ALL_PAGES = ['campaigns', 'calls', 'leads', 'upload', 'bookings', 'failures', 'sequences', 'sources', 'endpoints', 'agents', 'settings', 'audit', 'sessions'];
const ADMIN_PAGES = ['upload', 'sequences', 'sources', 'endpoints', 'agents'];

/** axe-core in the page: no serious or critical violation (rule ids and targets when there are). */
async function axe(page: Page, path: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${path}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
}

/** No horizontal scrolling of the page itself (wide tables scroll inside their box). */
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)`);
  mkdirSync(shots, { recursive: true });
  const created = await createOrg('Console Org');
  Object.assign(org, created);
  other = await createOrg('Other Org');
  await cli('user', 'add', '--org', org.orgId, '--email', member.email, '--password', member.password, '--role', 'member');

  // Signed webhooks for two campaigns.
  const source = await createSource(org.orgId, 'standard');
  const events: OutreachEvent[] = [];
  const alpha = { campaignId: 'alpha', campaignName: 'Alpha outreach' };
  const beta = { campaignId: 'beta', campaignName: 'Beta outreach' };
  for (let i = 1; i <= 4; i++) events.push({ metric: 'sent', ...alpha, email: `a${i}@console.test` });
  events.push({ metric: 'opened', ...alpha, email: 'a1@console.test' });
  events.push({ metric: 'replied', ...alpha, email: 'a1@console.test', category: 'interested' });
  events.push({ metric: 'replied', ...alpha, email: 'a2@console.test', category: 'not_interested' });
  events.push({ metric: 'bounced', ...alpha, email: 'a4@console.test' });
  for (let i = 1; i <= 3; i++) events.push({ metric: 'sent', ...beta, email: `b${i}@console.test` });
  events.push({ metric: 'opened', ...beta, email: 'b1@console.test' });
  events.push({ metric: 'clicked', ...beta, email: 'b1@console.test' });
  const answers = await Promise.all(events.map((e) => deliver(signedDelivery(source, e))));
  expect(answers.map((r) => r.status)).toEqual(events.map(() => 202));

  // A poison event (a campaign name over campaigns' 300 characters, written past the gateway's
  // check) becomes a dead letter.
  const { rows: [poison] } = await pool.query<{ event_id: string }>(
    `select event_id from app_private.ingest_webhook_event($1, 'standard', 'console-poison', 'poison@console.test', 'email.sent', now(),
      jsonb_build_object('type', 'email.sent', 'data', jsonb_build_object('campaign_id', 'console-poison', 'email', 'poison@console.test',
        'campaign_name', repeat('x', 301))))`,
    [source.sourceId],
  );
  await waitFor(async () => {
    const { rows } = await pool.query<{ id: string }>('select id from app_public.dead_letters where org_id = $1 and ref_id = $2', [org.orgId, poison.event_id]);
    deadLetterId = Number(rows[0]?.id ?? 0);
    return deadLetterId > 0;
  }, 'the poison event to become a dead letter', 45_000);

  const token = await login(org.email, org.password);
  await waitFor(async () => {
    const res = await rest('/campaign_metrics?select=name,sent,replied,bounced,opened', token);
    const rows = (await res.json()) as Array<{ name: string; sent: number; replied: number; bounced: number; opened: number }>;
    const a = rows.find((r) => r.name === 'Alpha outreach');
    const b = rows.find((r) => r.name === 'Beta outreach');
    return a?.sent === 4 && a.replied === 2 && a.bounced === 1 && a.opened === 1 && b?.sent === 3 && b.opened === 1;
  }, 'the webhooks to be counted', 45_000);

  // A signed lead file: two good rows and one rejected row (spreadsheet row 4).
  const csv = await cli('source', 'create', '--org', org.orgId, '--provider', 'csv', '--name', 'Console list');
  const file = Buffer.from('first_name,last_name,email,mak\nAnn,Lee,ann@console.test,CONSOLE-1\nBob,Ray,bob@console.test,CONSOLE-2\nCy,Bad,not-an-email,CONSOLE-3\n');
  const uploaded = await fetch(`${stack().gatewayUrl}/uploads/leads/${csv.source_id}`, { method: 'POST', headers: signUpload(csv.secret, sha256hex(file)), body: new Uint8Array(file) });
  expect(uploaded.status).toBe(202);
  const { batch_id } = (await uploaded.json()) as { batch_id: string };
  await waitFor(async () => {
    const { rows } = await pool.query<{ status: string }>('select status from app_public.lead_import_batches where id = $1', [batch_id]);
    return rows[0]?.status === 'merged';
  }, 'the lead file to be merged', 60_000);

  // An upcoming booking on a named resource (open around the clock: no hours set).
  const res = await rest('/resources', token, { method: 'POST', headers: { prefer: 'return=representation' }, body: JSON.stringify({ name: 'Closer 1' }) });
  const [resource] = (await res.json()) as Array<{ id: string }>;
  const booked = await rest('/rpc/book_appointment', token, {
    method: 'POST',
    body: JSON.stringify({ starts_at: '2031-03-04T15:00:00Z', ends_at: '2031-03-04T15:30:00Z', contact_id: null, resource_id: resource.id }),
  });
  expect(booked.status).toBe(200);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await pool.end();
});

describe('operator console in a browser', () => {
  it('an admin sees exact campaign counts, retries a dead letter, cancels a booking and turns a freshness badge stale', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await signIn(context, org.email, org.password);
      expect(await page.$$eval('tr[data-testid="campaign-row"]', (rows) => rows.map((r) => r.getAttribute('data-campaign')))).toEqual(['Alpha outreach', 'Beta outreach']);
      expect(await cells(page, 'Alpha outreach')).toMatchObject({ ...ALPHA, Freshness: 'fresh' });
      expect(await cells(page, 'Beta outreach')).toMatchObject({ ...BETA, Freshness: 'fresh' });
      await page.waitForSelector('[data-testid="hourly-chart"] rect.bar-sent');
      // The chart's bars add up to the campaign's sends (all of them in the last hour or two).
      const charted = await page.$$eval('[data-testid="hourly-chart"] rect.bar-sent title', (titles) => titles.map((t) => Number(/: (\d+) sent/.exec(t.textContent ?? '')?.[1] ?? 0)));
      expect(charted.reduce((a, b) => a + b, 0)).toBe(4);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shots, 'campaigns.png'), fullPage: true });

      // Failures: the dead letter with its error and a retry button.
      await open(page, 'failures');
      const row = `tr[data-dead-letter="${deadLetterId}"]`;
      expect(await page.textContent(row)).toMatch(/campaigns_name_check/);
      await page.screenshot({ path: join(shots, 'failures.png'), fullPage: true });
      await page.click(`${row} [data-testid="retry-dead-letter"]`);
      await page.waitForSelector(`${row} [data-testid="retry-dead-letter"]`, { state: 'detached' });
      await page.waitForSelector(`main[data-page="failures"][data-ready="true"] ${row}`);
      expect(await page.textContent(`${row} td[data-col="Retried"]`)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
      const { rows: [letter] } = await pool.query('select retried_at, retried_by from app_public.dead_letters where id = $1', [deadLetterId]);
      expect(letter.retried_at).not.toBeNull();

      // Bookings: cancel through the confirmation dialog ("Keep" first changes nothing).
      await open(page, 'bookings');
      expect(await page.textContent('main')).toContain('Closer 1');
      await page.click('[data-testid="cancel-appointment"]');
      await page.click('dialog[data-testid="confirm-dialog"] button.secondary');
      expect(await page.$$('[data-testid="cancel-appointment"]')).toHaveLength(1);
      await page.screenshot({ path: join(shots, 'bookings.png'), fullPage: true });
      await page.click('[data-testid="cancel-appointment"]');
      await page.click('dialog[data-testid="confirm-dialog"] button.danger');
      await page.waitForFunction(() => document.querySelector('main[data-page="bookings"][data-ready="true"]') && !document.querySelector('[data-testid="cancel-appointment"]'));
      const { rows: [appointment] } = await pool.query(`select status from app_public.appointments a join app_public.resources r on r.id = a.resource_id where r.org_id = $1 and r.name = 'Closer 1'`, [org.orgId]);
      expect(appointment.status).toBe('cancelled');

      // Settings: a one-second stale threshold; the history names the change; the badges turn stale.
      await open(page, 'settings');
      await page.screenshot({ path: join(shots, 'settings.png'), fullPage: true });
      await page.fill('input[name=stale_after]', '1 second');
      await page.click('[data-testid="thresholds-form"] button[type=submit]');
      await page.waitForSelector('[data-testid="settings-history"]');
      expect(await page.textContent('[data-testid="settings-history"]')).toMatch(/stale_after: 01:00:00 → 00:00:01/);
      expect(await page.textContent('[data-testid="settings-history"]')).toContain(org.email);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await open(page, 'campaigns');
      expect(await cells(page, 'Alpha outreach')).toMatchObject({ ...ALPHA, Freshness: 'stale' });
      expect(await cells(page, 'Beta outreach')).toMatchObject({ ...BETA, Freshness: 'stale' });
      expect(await page.getAttribute('tr[data-campaign="Alpha outreach"]', 'class')).toContain('greyed');
      await page.screenshot({ path: join(shots, 'campaigns-stale.png'), fullPage: true });

      // Leads: the batch with its progress and its rejected row, by spreadsheet row number.
      await open(page, 'leads');
      const batch = await page.$$eval('[data-testid="batches"] tbody td', (tds) => Object.fromEntries(tds.map((td) => [td.getAttribute('data-col'), td.textContent])));
      expect(batch).toMatchObject({ Status: 'merged', Progress: '3 / 3', Rejected: '1', Created: '2' });
      await page.click('[data-testid="show-rejects"]');
      await page.waitForSelector('[data-testid="rejects-table"]');
      expect(await page.$$eval('[data-testid="rejects-table"] tbody td[data-col="Row"]', (tds) => tds.map((t) => t.textContent))).toEqual(['4']);

      // The other pages render for the admin; the audit log filters by table.
      for (const path of ['leads', 'audit', 'sessions']) {
        await open(page, path);
        expect(await overflow(page)).toBeLessThanOrEqual(0);
        await page.screenshot({ path: join(shots, `${path}.png`), fullPage: true });
      }
      await open(page, 'audit');
      await page.fill('input[name=table]', 'memberships');
      await page.selectOption('select[name=action]', 'insert');
      await page.click('[data-testid="audit-filters"] button[type=submit]');
      await page.waitForSelector('[data-testid="audit"]');
      // The org's two memberships (owner at creation, the member added later), nothing else.
      expect(await page.$$eval('[data-testid="audit"] tbody tr', (rows) => rows.map((r) => [r.querySelector('[data-col="Table"]')?.textContent, r.querySelector('[data-col="Action"]')?.textContent]))).toEqual([
        ['app_public.memberships', 'insert'],
        ['app_public.memberships', 'insert'],
      ]);
      await open(page, 'sessions');
      expect(await page.textContent('[data-testid="sessions"]')).toContain('this session');

      // Phone width: every page without horizontal overflow.
      await page.setViewportSize({ width: 390, height: 844 });
      for (const path of ALL_PAGES) {
        await open(page, path);
        expect(await overflow(page), path).toBeLessThanOrEqual(0);
      }
      await open(page, 'campaigns');
      await page.screenshot({ path: join(shots, 'campaigns-phone.png'), fullPage: true });

      // Logging out ends the session at the API too.
      const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('switchboard.console.session') ?? '{}').access_token as string);
      await page.click('[data-testid="logout"]');
      await page.waitForSelector('[data-testid="login-form"]');
      expect((await rest('/campaign_metrics', token)).status).toBe(401);
    } finally {
      await context.close();
    }
  }, 240_000);

  it('a member of the same org gets "Access denied" on settings and the audit log, from the API', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await signIn(context, member.email, member.password);
      // Members still see the org's campaigns.
      expect(await cells(page, 'Alpha outreach')).toMatchObject({ Sent: '4' });
      await open(page, 'settings');
      expect(await page.textContent('[data-testid="access-denied"]')).toContain('Access denied');
      expect(await page.$('[data-testid="thresholds-form"]')).toBeNull();
      await page.screenshot({ path: join(shots, 'settings-member.png'), fullPage: true });
      await open(page, 'audit');
      expect(await page.textContent('[data-testid="access-denied"]')).toContain('Access denied');
      await open(page, 'failures');
      expect(await page.$('[data-testid="retry-dead-letter"]')).toBeNull();
      // The refusal is the API's: the same request the page made answers 403.
      const token = await login(member.email, member.password);
      expect((await rest('/org_members', token)).status).toBe(403);
    } finally {
      await context.close();
    }
  }, 120_000);

  it('signs in with the MFA code step and revokes another session from the sessions page', async () => {
    const { email, password } = await createOrg('MFA Org');
    const post = (path: string, body: unknown, token: string) =>
      fetch(`${stack().gatewayUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const apiToken = await login(email, password);
    const enrolled = (await (await post('/auth/mfa/enroll', {}, apiToken)).json()) as { otpauth_url: string };
    const totp = OTPAuth.URI.parse(enrolled.otpauth_url) as OTPAuth.TOTP;
    expect((await post('/auth/mfa/verify', { code: totp.generate() }, apiToken)).status).toBe(200);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(`${stack().gatewayUrl}/`);
      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', password);
      await page.click('button[type=submit]');
      await page.waitForSelector('input[name=totp_code]', { state: 'visible' });
      // A code for the next step (accepted for clock drift) that was never used.
      await page.fill('input[name=totp_code]', totp.generate({ timestamp: Date.now() + 30_000 }));
      await page.click('button[type=submit]');
      await page.waitForSelector('main[data-page="campaigns"][data-ready="true"]');

      // The API session from above is listed; revoking it ends it at once.
      await open(page, 'sessions');
      const rows = await page.$$('[data-testid="sessions"] tbody tr');
      expect(rows.length).toBeGreaterThanOrEqual(2);
      expect((await rest('/campaign_metrics', apiToken)).status).toBe(200);
      const other = await page.$('[data-testid="sessions"] tbody tr:not(:has-text("this session")) button.danger');
      await other!.click();
      await page.waitForFunction(() => document.querySelector('main[data-page="sessions"][data-ready="true"]') && document.querySelectorAll('[data-testid="sessions"] button.danger').length === 1);
      expect((await rest('/campaign_metrics', apiToken)).status).toBe(401);
      await page.screenshot({ path: join(shots, 'sessions-mfa.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 120_000);

  it("another org's admin sees none of the first org's data on any page", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await signIn(context, other.email, other.password);
      const secrets = ['Alpha outreach', 'Beta outreach', 'campaigns_name_check', 'Closer 1', 'ann@console.test', 'not-an-email', org.email, member.email];
      for (const path of ALL_PAGES) {
        await open(page, path);
        const text = (await page.textContent('body')) ?? '';
        for (const secret of secrets) expect(text, `${path} shows ${secret}`).not.toContain(secret);
      }
      await open(page, 'campaigns');
      expect(await page.$$('tr[data-testid="campaign-row"]')).toHaveLength(0);
      await open(page, 'settings');
      expect(await page.$$eval('[data-testid="members"] tbody tr', (rows) => rows.map((r) => r.querySelector('td')?.textContent))).toEqual([other.email]);
      await page.screenshot({ path: join(shots, 'other-org.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 120_000);
});

describe('calls, sources, uploads, endpoints and agents in the console', () => {
  it('an admin creates a Vapi source in the page; a signed end-of-call-report to the URL shown appears on the Calls page, redacted and searchable', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await signIn(context, org.email, org.password);
      await open(page, 'sources');
      await page.selectOption('#source-provider', 'vapi');
      await page.fill('#source-name', 'Vapi from the console');
      // Vapi's default is the X-Vapi-Secret header; this source takes an HMAC credential as
      // integrations in the wild sign: x-vapi-signature over the body, no timestamp.
      expect(await page.isVisible('[data-testid="hmac-options"]')).toBe(false);
      await page.selectOption('#source-auth-mode', 'hmac');
      await page.fill('#source-hmac-signature_header', 'x-vapi-signature');
      await page.fill('#source-hmac-timestamp_header', 'none');
      await page.fill('#source-hmac-payload_format', '{body}');
      await page.click('[data-testid="create-source"] button[type=submit]');
      await page.waitForSelector('[data-testid="secret-once"] code[data-field="secret"]');
      const url = (await page.textContent('[data-testid="secret-once"] code[data-field="url"]'))!;
      const secret = (await page.textContent('[data-testid="secret-once"] code[data-field="secret"]'))!;
      expect(url).toMatch(new RegExp(`^${stack().gatewayUrl}/webhooks/vapi/[0-9a-f-]{36}$`));
      const steps = await page.textContent('[data-testid="secret-once"] .instructions');
      expect(steps).toContain('Server URL');
      expect(steps).toContain('signature header x-vapi-signature; no timestamp; payload format "{body}"');
      await page.screenshot({ path: join(shots, 'sources.png'), fullPage: true });

      // The signature as the integration sends it (gateway/src/webhooks/providers/vapi.ts).
      const body = JSON.stringify({
        message: {
          type: 'end-of-call-report',
          call: { id: 'console-call-1', type: 'outboundPhoneCall', customer: { number: '+14155550111' } },
          startedAt: new Date(Date.now() - 185_000).toISOString(),
          endedAt: new Date(Date.now() - 5_000).toISOString(),
          endedReason: 'customer-ended-call',
          cost: 0.42,
          analysis: { summary: 'The owner asked for a refund of the roof inspection deposit and wants a callback.' },
          artifact: {
            transcript: 'AI: Hi, this is Sam from Acme Roofing.\nUser: Hi. I want a refund of my inspection deposit. Call me on 415 555 0134.',
            recordingUrl: 'https://recordings.example.test/console-call-1.wav',
            messages: [
              { role: 'system', message: 'You are Sam, a friendly scheduler.', secondsFromStart: 0 },
              { role: 'bot', message: 'Hi, this is Sam from Acme Roofing.', secondsFromStart: 0.4 },
              { role: 'user', message: 'Hi. I want a refund of my inspection deposit. Call me on 415 555 0134.', secondsFromStart: 3.1 },
              { role: 'bot', message: 'I have noted the refund request; someone will call you back today.', secondsFromStart: 9.8 },
            ],
          },
        },
      });
      const signature = createHmac('sha256', secret).update(body).digest('hex');
      const sent = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-vapi-signature': signature }, body });
      expect(sent.status).toBe(202);
      await waitFor(async () => {
        const { rows } = await pool.query(`select t.messages from app_public.calls c join app_public.transcripts t on t.call_id = c.id where c.org_id = $1 and c.external_id = 'console-call-1'`, [org.orgId]);
        return Array.isArray(rows[0]?.messages);
      }, 'the end-of-call-report to be applied', 45_000);

      // The list, then the search with highlighted matches.
      await open(page, 'calls');
      const row = await page.$$eval('[data-testid="calls"] tbody tr', (trs) => trs.map((tr) => Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.getAttribute('data-col'), (td.textContent ?? '').trim()]))));
      expect(row).toHaveLength(1);
      expect(row[0]).toMatchObject({ Direction: 'outbound', Status: 'ended', 'Customer number': '+14155550111', Duration: '3 min 0 s', 'Ended reason': 'customer-ended-call', Cost: '$0.42' });
      await page.fill('input[name=q]', 'refunds');
      await page.click('[data-testid="call-filters"] button[type=submit]');
      await page.waitForSelector('[data-testid="call-match"] mark');
      expect(await page.$$eval('[data-testid="call-match"] mark', (marks) => marks.map((m) => m.textContent))).toContain('refund');
      expect(await overflow(page)).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(shots, 'calls.png'), fullPage: true });
      // A redacted number is never found.
      for (const q of ['0134', '415 555 0134']) {
        await page.fill('input[name=q]', q);
        await page.click('[data-testid="call-filters"] button[type=submit]');
        await page.waitForFunction(() => document.querySelector('main[data-ready="true"]') && location.hash.includes('q='));
        await page.waitForSelector('main[data-page="calls"][data-ready="true"]');
        expect(await page.$$('[data-testid="calls"] tbody tr'), q).toHaveLength(0);
      }

      // The call's page: speaker turns, redacted; the summary; the recording link.
      await open(page, 'calls');
      await page.click('[data-testid="call-link"]');
      await page.waitForSelector('[data-testid="transcript"] li');
      const turns = await page.$$eval('[data-testid="transcript"] li', (lis) => lis.map((li) => [li.querySelector('.speaker')?.textContent?.split(' ·')[0], li.querySelector('p')?.textContent]));
      expect(turns).toEqual([
        ['Agent', 'Hi, this is Sam from Acme Roofing.'],
        ['Customer', 'Hi. I want a refund of my inspection deposit. Call me on [PHONE].'],
        ['Agent', 'I have noted the refund request; someone will call you back today.'],
      ]);
      expect(await page.textContent('main')).not.toContain('0134');
      expect(await page.textContent('[data-testid="call-summary"]')).toContain('refund of the roof inspection deposit');
      expect(await page.getAttribute('[data-testid="call-facts"] a', 'href')).toBe('https://recordings.example.test/console-call-1.wav');
      await axe(page, 'call page');
      await page.screenshot({ path: join(shots, 'call.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 180_000);

  it('an admin uploads a 10,000-row CSV from the page, sees the upload reach 100 % and the merge finish, and downloads the planted bad rows', async () => {
    const lines = ['first_name,last_name,email,phone,mak'];
    const bad = new Set([17, 4242, 9999]); // data rows without any key
    for (let i = 1; i <= 10_000; i++) lines.push(bad.has(i) ? `Bad,Row${i},bad${i}@upload.test,,` : `Lead,N${i},lead${i}@upload.test,+1415555${String(i % 10_000).padStart(4, '0')},UPLOAD-${i}`);
    const file = `${lines.join('\n')}\n`;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    try {
      const page = await signIn(context, org.email, org.password);
      await open(page, 'upload');
      await page.setInputFiles('#lead-file', { name: 'leads-10k.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
      await page.click('[data-testid="upload-form"] button[type=submit]');
      await page.waitForSelector('[data-testid="upload-result"] [data-testid="download-rejects"]', { timeout: 90_000 });
      expect(await page.textContent('[data-testid="upload-percent"]')).toMatch(/^100 %/);
      expect(await page.$eval('#upload-progress', (p) => (p as HTMLProgressElement).value === (p as HTMLProgressElement).max)).toBe(true);
      expect(await page.textContent('[data-testid="merge-text"]')).toBe('merged · 10,000 of 10,000 rows');
      const summary = await page.$$eval('[data-testid="upload-summary"] dd', (dds) => Object.fromEntries(dds.map((d) => [d.getAttribute('data-field'), d.textContent])));
      expect(summary).toEqual({ rows: '10000', created: '9997', updated: '0', rejected: '3' });
      await page.screenshot({ path: join(shots, 'upload.png'), fullPage: true });
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="upload-result"] [data-testid="download-rejects"]')]);
      const csv = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/);
      expect(csv[0].split(',').slice(0, 2)).toEqual(['row_number', 'reason']);
      // Spreadsheet row numbers: the header is row 1.
      expect(csv.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([18, 4243, 10000]);
      expect(csv[1]).toMatch(/key/i);

      // The same file again within 7 days: refused, nothing imported twice.
      await page.setInputFiles('#lead-file', { name: 'leads-10k.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
      await page.click('[data-testid="upload-form"] button[type=submit]');
      await page.waitForSelector('[data-testid="upload-status"] .notice-error');
      expect(await page.textContent('[data-testid="upload-status"]')).toContain('already uploaded in the last 7 days');
    } finally {
      await context.close();
    }
  }, 180_000);

  it('an admin registers an endpoint in the page and replays a dead delivery', async () => {
    let healthy = false;
    const hits: number[] = [];
    const receiver: Server = createServer((req: IncomingMessage, res) => {
      req.resume();
      req.on('end', () => {
        hits.push(healthy ? 200 : 500);
        res.writeHead(healthy ? 200 : 500, { 'content-type': 'text/plain' });
        res.end(healthy ? 'thanks' : 'receiver down');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    await pool.query(`update app_public.workspace_settings set delivery_retry_schedule = '{0,1 second}', delivery_retry_jitter = 0.1, delivery_circuit_failures = 50 where org_id = $1`, [org.orgId]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await signIn(context, org.email, org.password);
      await open(page, 'endpoints');
      await page.fill('#endpoint-url', target);
      await page.fill('#endpoint-description', 'CRM sync');
      await page.check('input[name=event][value="lead.fed"]');
      await page.click('[data-testid="create-endpoint"] button[type=submit]');
      await page.waitForSelector('[data-testid="secret-once"] code');
      expect(await page.textContent('[data-testid="secret-once"] code')).toMatch(/^whsec_/);
      const { rows: [ep] } = await pool.query<{ id: string }>('select id from app_public.delivery_endpoints where org_id = $1 and url = $2', [org.orgId, target]);
      const { rows: [msg] } = await pool.query<{ id: string }>(`select app_private.emit_event($1, 'lead.fed', '{"lead_id":"L-console"}') as id`, [org.orgId]);
      await waitFor(async () => {
        const { rows } = await pool.query('select status from app_public.deliveries where message_id = $1 and endpoint_id = $2', [msg.id, ep.id]);
        return rows[0]?.status === 'dead';
      }, 'the delivery to die', 45_000);
      healthy = true;

      await page.click(`tr[data-endpoint="${ep.id}"] [data-testid="show-deliveries"]`);
      await page.waitForSelector('tr[data-status="dead"]');
      expect(await page.textContent('tr[data-status="dead"]')).toContain('500');
      expect(await page.textContent('tr[data-status="dead"]')).toContain('receiver down');
      await page.screenshot({ path: join(shots, 'endpoints.png'), fullPage: true });
      await page.click('tr[data-status="dead"] [data-testid="replay-delivery"]');
      await page.waitForSelector('[data-testid="endpoints-status"] .notice-ok');
      await waitFor(async () => {
        const { rows } = await pool.query('select status from app_public.deliveries where message_id = $1 and endpoint_id = $2', [msg.id, ep.id]);
        return rows[0]?.status === 'delivered';
      }, 'the replayed delivery to arrive', 45_000);
      expect(hits.at(-1)).toBe(200);
    } finally {
      await context.close();
      await new Promise((r) => receiver.close(r));
    }
  }, 180_000);

  it('an admin adds an outbound agent and sees a callback refused with a sentence', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await signIn(context, org.email, org.password);
      const token = await login(org.email, org.password);
      const res = await rest('/contacts', token, { method: 'POST', headers: { prefer: 'return=representation' }, body: JSON.stringify({ email: 'callme@console.test', first_name: 'Callie', phone: '+14155550177' }) });
      expect(res.status).toBe(201);
      await open(page, 'agents');
      await page.fill('#agent-name', 'Closer bot');
      await page.fill('#agent-assistant_id', 'asst-console-1');
      await page.fill('#agent-phone_number_id', '+14155550000'); // the classic mistake: a number, not the UUID
      await page.fill('#agent-escalation_number', '+14155550999');
      await page.click('[data-testid="agent-form"] button[type=submit]');
      await page.waitForSelector('[data-testid="agents"] tbody tr');
      expect(await page.textContent('[data-testid="agents"]')).toContain('Closer bot');
      await page.selectOption('#callback-contact', { label: 'Callie · +14155550177' });
      await page.click('[data-testid="callback-form"] button[type=submit]');
      await page.waitForSelector('[data-testid="callback-status"] .notice-error');
      expect(await page.textContent('[data-testid="callback-status"]')).toContain('must be the Vapi phone-number UUID');
      await page.screenshot({ path: join(shots, 'agents.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 120_000);

  it('an admin adds a sending account and a sequence step, and sees the preview escaped for a contact named <img src=x onerror=alert(1)>', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const token = await login(org.email, org.password);
      const res = await rest('/contacts', token, { method: 'POST', headers: { prefer: 'return=representation' }, body: JSON.stringify({ email: 'evil@console.test', first_name: '<img src=x onerror=alert(1)>' }) });
      expect(res.status).toBe(201);
      const { rows: [alpha] } = await pool.query<{ id: string }>(`select id from app_public.campaigns where org_id = $1 and name = 'Alpha outreach'`, [org.orgId]);
      const page = await signIn(context, org.email, org.password);
      let alerted = false;
      page.on('dialog', (d) => { alerted = true; void d.dismiss(); });
      await page.goto(`${stack().gatewayUrl}/#/sequences?campaign=${alpha.id}`);
      await page.waitForSelector('main[data-page="sequences"][data-ready="true"] [data-testid="step-form"]');

      await page.fill('#new-from_email', 'sales@console.test');
      await page.fill('#new-smtp_host', 'smtp.console.test');
      await page.fill('#new-smtp_user', 'sales');
      await page.fill('#new-smtp_password', 'Sm7p-pa55word-console');
      await page.click('[data-testid="add-account"] button[type=submit]');
      await page.waitForSelector('[data-testid="accounts"] tbody tr');
      expect(await page.textContent('[data-testid="accounts"] td[data-col="Today"]')).toBe('0 / 50');
      expect(await page.textContent('body')).not.toContain('Sm7p-pa55word-console');

      await page.fill('#step-subject', 'Hello {{first_name}}');
      await page.fill('#step-html', '<p>Hi {{first_name}},</p>');
      await page.click('[data-testid="step-form"] button[type=submit]');
      await page.waitForSelector('[data-testid="steps"] tbody tr');
      await page.selectOption('#preview-contact', { label: '<img src=x onerror=alert(1)> <evil@console.test>' });
      await page.click('[data-testid="preview-form"] button[type=submit]');
      await page.waitForSelector('[data-testid="preview"] [data-field="html"]');
      expect(await page.textContent('[data-testid="preview"] [data-field="html"]')).toBe('<p>Hi &lt;img src=x onerror=alert(1)&gt;,</p>');
      expect(await page.textContent('[data-testid="preview"] [data-field="text"]')).toBe('Hi <img src=x onerror=alert(1)>,');
      expect(await page.textContent('[data-testid="preview"] [data-field="subject"]')).toBe('Hello <img src=x onerror=alert(1)>');
      expect(await page.$$('main img')).toHaveLength(0);
      expect(alerted).toBe(false);
      await page.screenshot({ path: join(shots, 'sequences.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 120_000);

  it('a member is refused every admin page: the API answers 403 and the page says so', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await signIn(context, member.email, member.password);
      for (const path of ADMIN_PAGES) {
        await open(page, path);
        expect(await page.textContent('[data-testid="access-denied"]'), path).toContain('Access denied');
      }
      await open(page, 'upload');
      await page.screenshot({ path: join(shots, 'upload-member.png'), fullPage: true });
      const token = await login(member.email, member.password);
      const post = (path: string, body: unknown) => rest(path, token, { method: 'POST', body: JSON.stringify(body) });
      expect((await rest('/rpc/require_org_admin', token)).status).toBe(403);
      expect((await rest('/rpc/source_activity', token)).status).toBe(403);
      // The secret-issuing calls are the gateway's (it holds the key; PostgREST does not).
      const consoleRpc = (name: string, body: unknown) => fetch(`${stack().gatewayUrl}/console/rpc/${name}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await consoleRpc('create_source', { provider: 'vapi', name: 'nope' })).status).toBe(403);
      expect((await consoleRpc('create_endpoint', { url: 'https://example.com/x', event_types: [] })).status).toBe(403);
      expect((await post('/rpc/create_source', { provider: 'vapi', name: 'nope' })).status).toBe(404);
      const file = Buffer.from('first_name,mak\nMia,MEMBER-1\n');
      const upload = await fetch(`${stack().gatewayUrl}/uploads/leads`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'x-content-sha256': sha256hex(file) }, body: new Uint8Array(file) });
      expect(upload.status).toBe(403);
      expect(await upload.json()).toMatchObject({ error: 'forbidden' });
      // The calls list is for everyone in the org (members included).
      await open(page, 'calls');
      expect(await page.$('[data-testid="access-denied"]')).toBeNull();
    } finally {
      await context.close();
    }
  }, 120_000);

  it('axe-core finds no serious or critical violation on any page, at 1280 px and 390 px', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await signIn(context, org.email, org.password);
      for (const path of ALL_PAGES) {
        await open(page, path);
        await axe(page, path);
      }
      await page.setViewportSize({ width: 390, height: 844 });
      for (const path of ['calls', 'upload', 'sequences', 'sources', 'endpoints', 'agents']) {
        await open(page, path);
        expect(await overflow(page), path).toBeLessThanOrEqual(0);
        await axe(page, `${path} at 390 px`);
      }
      await open(page, 'calls');
      await page.screenshot({ path: join(shots, 'calls-phone.png'), fullPage: true });
    } finally {
      await context.close();
    }
  }, 240_000);
});

describe('console static files and the /rest/ proxy', () => {
  it('serves the console at / with a strict CSP and keeps JSON 404s for unknown paths', async () => {
    const res = await fetch(`${stack().gatewayUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await res.text()).toContain('<div id="app"></div>');
    const missing = await fetch(`${stack().gatewayUrl}/no-such-page`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: 'No such endpoint.' });
  });

  it('passes requests to PostgREST unchanged: its JWT check, its RLS, its status codes', async () => {
    const url = (path: string) => `${stack().gatewayUrl}/rest${path}`;
    expect((await fetch(url('/campaign_metrics'))).status).toBe(401);
    const token = await login(org.email, org.password);
    const auth = { authorization: `Bearer ${token}` };
    const res = await fetch(url('/campaign_metrics?select=name,sent&order=name'), { headers: auth });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ name: 'Alpha outreach', sent: 4 }, { name: 'Beta outreach', sent: 3 }]);
    // Counting and writes (PATCH with a JSON body) go through as well.
    const counted = await fetch(url('/campaign_metrics?select=name'), { method: 'HEAD', headers: { ...auth, prefer: 'count=exact' } });
    expect(counted.headers.get('content-range')).toBe('0-1/2');
    const patched = await fetch(url(`/workspace_settings?org_id=eq.${org.orgId}`), {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json', prefer: 'return=representation' },
      body: JSON.stringify({ reply_rate_warning: 0.03 }),
    });
    expect(patched.status).toBe(200);
    expect(((await patched.json()) as Array<{ reply_rate_warning: number }>)[0].reply_rate_warning).toBe(0.03);
    const memberToken = await login(member.email, member.password);
    expect((await fetch(url('/org_members'), { headers: { authorization: `Bearer ${memberToken}` } })).status).toBe(403);
  });
});
