import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Local stand-ins for SmartLead, Reply.io v3, Instantly v2 and Twilio that implement each
 * platform's documented contract strictly: the path, where the key goes, the content type,
 * the body's field names, the per-request cap and the published pace. Any deviation is
 * answered with the platform's error AND recorded in `violations`, which every test asserts
 * is empty. Each keeps a log of what it received, which the tests check against.
 */
export interface ToolServer {
  url: string;
  violations: string[];
  log: Array<{ at: number; method: string; path: string; body: unknown }>;
  close(): Promise<void>;
}

interface Ctx {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: string;
}
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };

async function serve(handler: (ctx: Ctx, self: ToolServer) => Promise<Reply | null> | Reply | null): Promise<ToolServer> {
  const self: ToolServer = { url: '', violations: [], log: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const ctx = { method: req.method ?? '', path: u.pathname, query: u.searchParams, headers: req.headers, raw: Buffer.concat(chunks).toString('utf8') };
      let reply: Reply | null;
      try {
        reply = await handler(ctx, self);
      } catch (error) {
        self.violations.push(`handler error: ${(error as Error).message}`);
        reply = { status: 500, body: { error: 'mock failure' } };
      }
      if (!reply) return; // held open (a call in flight when the worker dies)
      const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  self.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  self.close = () => new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return self;
}

/** Sliding-window pacing as the platform measures it (arrival times). */
class Pace {
  private readonly arrivals: number[] = [];
  constructor(private readonly limits: Array<[number, number]>) {}
  /** Records an arrival; the name of the limit it breaks, if any. */
  arrive(now = Date.now()): string | null {
    this.arrivals.push(now);
    for (const [max, ms] of this.limits) {
      const inWindow = this.arrivals.filter((t) => t > now - ms).length;
      if (inWindow > max) return `more than ${max} requests in ${ms} ms`;
    }
    return null;
  }
}

function json(ctx: Ctx, self: ToolServer, where: string): Record<string, unknown> | null {
  if (!/^application\/json\s*(;|$)/i.test(String(ctx.headers['content-type'] ?? ''))) {
    self.violations.push(`${where}: content-type ${ctx.headers['content-type']}`);
    return null;
  }
  try {
    const v = JSON.parse(ctx.raw);
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* below */
  }
  self.violations.push(`${where}: body is not a JSON object`);
  return null;
}

function onlyKeys(o: Record<string, unknown>, allowed: string[], where: string, self: ToolServer): boolean {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length) self.violations.push(`${where}: unknown field(s) ${extra.join(', ')}`);
  return extra.length === 0;
}

const nullableString = (v: unknown) => v === undefined || v === null || typeof v === 'string';

// ------------------------------------------------------------------------------------
// SmartLead (https://server.smartlead.ai/api/v1): ?api_key= on every call; leads added with
// POST /campaigns/{id}/leads {lead_list (≤ 100), settings}; 10 requests per 2 s and 60 a minute.

export interface SmartleadOptions {
  apiKey: string;
  campaignId: string;
  /** Addresses the campaign refuses: invalid, unsubscribed (global list) or blocked. */
  invalid?: string[];
  unsubscribed?: string[];
  /** The first N lead uploads answer 429 with Retry-After. */
  rateLimitFirst?: number;
  retryAfterSeconds?: number;
  /** Never answer the first lead upload (the worker gets killed while it waits). */
  holdFirstUpload?: boolean;
}

export interface SmartleadServer extends ToolServer {
  /** Every address in the campaign, with how many times an upload added it. */
  campaign: Map<string, number>;
  uploads: Array<{ at: number; emails: string[]; status: number }>;
}

export async function smartleadServer(o: SmartleadOptions): Promise<SmartleadServer> {
  const pace = new Pace([[10, 2000], [60, 60_000]]);
  const campaign = new Map<string, number>();
  const uploads: SmartleadServer['uploads'] = [];
  let limited = 0;
  let pausedUntil = 0;
  let held = false;
  const s = (await serve((ctx, self) => {
    self.log.push({ at: Date.now(), method: ctx.method, path: ctx.path, body: ctx.raw });
    const broke = pace.arrive();
    if (broke) self.violations.push(`smartlead pace: ${broke}`);
    if (ctx.query.get('api_key') !== o.apiKey) {
      if (ctx.headers.authorization) self.violations.push('smartlead: the key belongs in ?api_key=, not a header');
      return { status: 401, body: { message: 'Invalid API key' } };
    }
    if (ctx.method === 'GET' && ctx.path === `/api/v1/campaigns/${o.campaignId}`) {
      return { status: 200, body: { id: Number(o.campaignId), name: 'Test campaign', status: 'ACTIVE' } };
    }
    if (ctx.method === 'GET' && /^\/api\/v1\/campaigns\/[^/]+$/.test(ctx.path)) return { status: 404, body: { message: 'Campaign not found' } };
    if (ctx.method === 'GET' && ctx.path === '/api/v1/leads/') {
      const email = (ctx.query.get('email') ?? '').toLowerCase();
      if (!campaign.has(email)) return { status: 200, body: {} };
      return { status: 200, body: { id: 1, email, lead_campaign_data: [{ campaign_id: Number(o.campaignId), campaign_lead_map_id: 9 }] } };
    }
    if (ctx.method === 'POST' && ctx.path === `/api/v1/campaigns/${o.campaignId}/leads`) {
      if (Date.now() < pausedUntil) self.violations.push('smartlead: a request arrived before Retry-After elapsed');
      const body = json(ctx, self, 'smartlead');
      if (!body) return { status: 400, body: { message: 'Invalid body' } };
      onlyKeys(body, ['lead_list', 'settings'], 'smartlead body', self);
      const settings = body.settings as Record<string, unknown> | undefined;
      if (!settings || settings.ignore_global_block_list !== false || settings.ignore_unsubscribe_list !== false
          || settings.ignore_duplicate_leads_in_other_campaign !== false) {
        self.violations.push(`smartlead: settings ${JSON.stringify(settings)}`);
      }
      const list = body.lead_list;
      if (!Array.isArray(list) || list.length === 0) return { status: 400, body: { message: 'lead_list is required' } };
      if (list.length > 100) {
        self.violations.push(`smartlead: ${list.length} leads in one request (at most 100)`);
        return { status: 400, body: { message: 'lead_list too large' } };
      }
      for (const l of list as Array<Record<string, unknown>>) {
        onlyKeys(l, ['email', 'first_name', 'last_name', 'phone_number', 'company_name', 'custom_fields', 'website', 'location', 'linkedin_profile', 'company_url'], 'smartlead lead', self);
        if (typeof l.email !== 'string') self.violations.push('smartlead: a lead without email');
        for (const k of ['first_name', 'last_name', 'phone_number', 'company_name']) if (!nullableString(l[k])) self.violations.push(`smartlead: ${k} is not a string`);
        if (l.custom_fields !== undefined && (typeof l.custom_fields !== 'object' || Array.isArray(l.custom_fields))) self.violations.push('smartlead: custom_fields is not an object');
      }
      const emails = (list as Array<{ email: string }>).map((l) => String(l.email).toLowerCase());
      if (o.holdFirstUpload && !held) {
        held = true;
        for (const e of emails) campaign.set(e, (campaign.get(e) ?? 0) + 1); // stored, but the answer never comes
        uploads.push({ at: Date.now(), emails, status: 0 });
        return null;
      }
      if (limited < (o.rateLimitFirst ?? 0)) {
        limited += 1;
        pausedUntil = Date.now() + (o.retryAfterSeconds ?? 2) * 1000;
        uploads.push({ at: Date.now(), emails, status: 429 });
        return { status: 429, body: { message: 'Rate limit exceeded' }, headers: { 'retry-after': String(o.retryAfterSeconds ?? 2) } };
      }
      const invalid = emails.filter((e) => o.invalid?.includes(e));
      const unsub = emails.filter((e) => o.unsubscribed?.includes(e));
      let uploaded = 0;
      let already = 0;
      for (const e of emails) {
        if (invalid.includes(e) || unsub.includes(e)) continue;
        if (campaign.has(e)) already += 1;
        else {
          campaign.set(e, 1);
          uploaded += 1;
        }
      }
      uploads.push({ at: Date.now(), emails, status: 200 });
      return {
        status: 200,
        body: {
          ok: true, upload_count: uploaded, total_leads: emails.length, already_added_to_campaign: already, duplicate_count: 0,
          invalid_email_count: invalid.length, invalid_emails: invalid, unsubscribed_leads: unsub, block_count: 0, is_lead_limit_exhausted: false,
        },
      };
    }
    self.violations.push(`smartlead: unexpected ${ctx.method} ${ctx.path}`);
    return { status: 404, body: { message: 'Not found' } };
  })) as SmartleadServer;
  s.campaign = campaign;
  s.uploads = uploads;
  return s;
}

// ------------------------------------------------------------------------------------
// Reply.io v3 (https://api.reply.io): Authorization: Bearer; POST /v3/sequences/{id}/contacts
// {contact:{email, firstName, lastName, company, phone, customFields:[{key,value}]}}; errors
// as application/problem+json with a `code`; 100 requests a minute and 3,000 an hour.

export interface ReplyioOptions {
  apiKey: string;
  sequenceId: string;
  alreadyInSequence?: string[];
  invalid?: string[];
  rateLimitFirst?: number;
}

export interface ReplyioServer extends ToolServer {
  contacts: Map<string, Record<string, unknown>>;
}

const problem = (status: number, code: string, title: string): Reply => ({
  status, body: { type: `https://api.reply.io/problems/${code}`, title, status, detail: title, code },
  headers: { 'content-type': 'application/problem+json' },
});

export async function replyioServer(o: ReplyioOptions): Promise<ReplyioServer> {
  const pace = new Pace([[100, 60_000], [3000, 3_600_000]]);
  const contacts = new Map<string, Record<string, unknown>>();
  let limited = 0;
  let pausedUntil = 0;
  const s = (await serve((ctx, self) => {
    self.log.push({ at: Date.now(), method: ctx.method, path: ctx.path, body: ctx.raw });
    const broke = pace.arrive();
    if (broke) self.violations.push(`replyio pace: ${broke}`);
    if (ctx.query.has('api_key') || ctx.headers['x-api-key']) self.violations.push('replyio: the key belongs in Authorization: Bearer');
    if (ctx.headers.authorization !== `Bearer ${o.apiKey}`) return problem(401, 'unauthorized', 'Invalid or missing API key');
    if (ctx.method === 'GET' && ctx.path === `/v3/sequences/${o.sequenceId}`) return { status: 200, body: { id: Number(o.sequenceId), name: 'Seq' } };
    if (ctx.method === 'GET' && /^\/v3\/sequences\/[^/]+$/.test(ctx.path)) return problem(404, 'sequenceNotFound', 'Sequence not found');
    if (ctx.method === 'POST' && ctx.path === `/v3/sequences/${o.sequenceId}/contacts`) {
      if (Date.now() < pausedUntil) self.violations.push('replyio: a request arrived before Retry-After elapsed');
      if (limited < (o.rateLimitFirst ?? 0)) {
        limited += 1;
        pausedUntil = Date.now() + 1000;
        return { ...problem(429, 'tooManyRequests', 'Too many requests'), headers: { 'content-type': 'application/problem+json', 'retry-after': '1' } };
      }
      const body = json(ctx, self, 'replyio');
      if (!body) return problem(400, 'invalidBody', 'Invalid body');
      onlyKeys(body, ['contact'], 'replyio body', self);
      const c = body.contact as Record<string, unknown> | undefined;
      if (!c || typeof c !== 'object') return problem(400, 'invalidBody', 'contact is required');
      onlyKeys(c, ['email', 'firstName', 'lastName', 'company', 'phone', 'title', 'linkedInProfile', 'customFields'], 'replyio contact', self);
      for (const k of ['first_name', 'last_name', 'company_name']) if (k in c) self.violations.push(`replyio: snake_case ${k}`);
      if (c.customFields !== undefined && (!Array.isArray(c.customFields)
          || (c.customFields as unknown[]).some((f) => !f || typeof f !== 'object' || Object.keys(f as object).sort().join() !== 'key,value'))) {
        self.violations.push('replyio: customFields must be [{key, value}]');
      }
      const email = String(c.email ?? '').toLowerCase();
      if (!email) return problem(400, 'emailRequired', 'email is required');
      if (o.invalid?.includes(email)) return problem(422, 'invalidEmail', 'The email address is not valid');
      if (o.alreadyInSequence?.includes(email) || contacts.has(email)) return problem(409, 'contactAlreadyInSequence', 'Contact is already in the sequence');
      contacts.set(email, c);
      return { status: 201, body: { id: contacts.size, email } };
    }
    self.violations.push(`replyio: unexpected ${ctx.method} ${ctx.path}`);
    return problem(404, 'notFound', 'Not found');
  })) as ReplyioServer;
  s.contacts = contacts;
  return s;
}

// ------------------------------------------------------------------------------------
// Instantly API v2 (https://api.instantly.ai): Authorization: Bearer; POST /api/v2/leads
// {campaign, email, first_name, last_name, company_name, phone, custom_variables, …};
// 100 requests a second and 6,000 a minute per workspace.

export interface InstantlyServer extends ToolServer {
  leads: Map<string, Record<string, unknown>>;
}

export async function instantlyServer(o: { apiKey: string; campaignId: string }): Promise<InstantlyServer> {
  const pace = new Pace([[100, 1000], [6000, 60_000]]);
  const leads = new Map<string, Record<string, unknown>>();
  const s = (await serve((ctx, self) => {
    self.log.push({ at: Date.now(), method: ctx.method, path: ctx.path, body: ctx.raw });
    const broke = pace.arrive();
    if (broke) self.violations.push(`instantly pace: ${broke}`);
    if (ctx.query.has('api_key')) self.violations.push('instantly: v2 takes the key as a Bearer token, not ?api_key=');
    if (ctx.headers.authorization !== `Bearer ${o.apiKey}`) return { status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid API key' } };
    if (ctx.method === 'GET' && ctx.path === `/api/v2/campaigns/${o.campaignId}`) return { status: 200, body: { id: o.campaignId, name: 'C' } };
    if (ctx.method === 'GET' && ctx.path.startsWith('/api/v2/campaigns/')) return { status: 404, body: { statusCode: 404, message: 'Campaign not found' } };
    if (ctx.method === 'POST' && ctx.path === '/api/v2/leads') {
      const body = json(ctx, self, 'instantly');
      if (!body) return { status: 400, body: { message: 'Invalid body' } };
      onlyKeys(body, ['campaign', 'email', 'personalization', 'website', 'last_name', 'first_name', 'company_name', 'job_title', 'phone',
        'lt_interest_status', 'pl_value_lead', 'list_id', 'assigned_to', 'skip_if_in_workspace', 'skip_if_in_campaign', 'skip_if_in_list',
        'blocklist_id', 'verify_leads_for_lead_finder', 'verify_leads_on_import', 'custom_variables'], 'instantly lead', self);
      if (body.campaign !== o.campaignId) self.violations.push(`instantly: campaign ${String(body.campaign)}`);
      if (body.custom_variables !== undefined && (typeof body.custom_variables !== 'object' || Array.isArray(body.custom_variables))) {
        self.violations.push('instantly: custom_variables must be an object');
      }
      const email = String(body.email ?? '').toLowerCase();
      if (!email.includes('@')) return { status: 400, body: { statusCode: 400, message: 'body/email must match format "email"' } };
      if (leads.has(email) && body.skip_if_in_campaign !== true) self.violations.push(`instantly: ${email} added twice`);
      if (!leads.has(email)) leads.set(email, body);
      return { status: 200, body: { id: randomBytes(8).toString('hex'), email, campaign: o.campaignId } };
    }
    self.violations.push(`instantly: unexpected ${ctx.method} ${ctx.path}`);
    return { status: 404, body: { message: 'Not found' } };
  })) as InstantlyServer;
  s.leads = leads;
  return s;
}

// ------------------------------------------------------------------------------------
// Twilio: POST /2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded, HTTP basic
// auth (Account SID or API key SID : auth token or secret), To + Body + (From |
// MessagingServiceSid); 201 with the message's sid and status; errors {code, message, …}.

export interface TwilioServer extends ToolServer {
  messages: Array<{ sid: string; to: string; from: string | null; body: string; at: number; statusCallback: string | null }>;
}

export async function twilioServer(o: { accountSid: string; authToken: string; unsubscribed?: string[] }): Promise<TwilioServer> {
  const messages: TwilioServer['messages'] = [];
  const s = (await serve((ctx, self) => {
    self.log.push({ at: Date.now(), method: ctx.method, path: ctx.path, body: ctx.raw });
    const expected = `Basic ${Buffer.from(`${o.accountSid}:${o.authToken}`).toString('base64')}`;
    if (ctx.headers.authorization !== expected) {
      return { status: 401, body: { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 } };
    }
    if (ctx.method !== 'POST' || ctx.path !== `/2010-04-01/Accounts/${o.accountSid}/Messages.json`) {
      self.violations.push(`twilio: unexpected ${ctx.method} ${ctx.path}`);
      return { status: 404, body: { code: 20404, message: 'The requested resource was not found', status: 404 } };
    }
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(String(ctx.headers['content-type'] ?? ''))) {
      self.violations.push(`twilio: content-type ${ctx.headers['content-type']}`);
      return { status: 400, body: { code: 20001, message: 'Bad content type', status: 400 } };
    }
    const form = new URLSearchParams(ctx.raw);
    const names = [...form.keys()];
    const extra = names.filter((n) => !['To', 'From', 'MessagingServiceSid', 'Body', 'StatusCallback', 'MediaUrl', 'ValidityPeriod'].includes(n));
    if (extra.length) self.violations.push(`twilio: unknown parameter(s) ${extra.join(', ')}`);
    const to = form.get('To') ?? '';
    const body = form.get('Body') ?? '';
    if (!/^\+[1-9]\d{7,14}$/.test(to)) return { status: 400, body: { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 } };
    if (!!form.get('From') === !!form.get('MessagingServiceSid')) {
      self.violations.push('twilio: exactly one of From and MessagingServiceSid');
      return { status: 400, body: { code: 21603, message: "A 'From' or 'MessagingServiceSid' parameter is required", status: 400 } };
    }
    if (!body || body.length > 1600) return { status: 400, body: { code: 21602, message: 'Message body is required', status: 400 } };
    if (o.unsubscribed?.includes(to)) {
      return { status: 400, body: { code: 21610, message: 'Attempt to send to unsubscribed recipient', more_info: 'https://www.twilio.com/docs/errors/21610', status: 400 } };
    }
    const sid = `SM${randomBytes(16).toString('hex')}`;
    messages.push({ sid, to, from: form.get('From'), body, at: Date.now(), statusCallback: form.get('StatusCallback') });
    return { status: 201, body: { sid, account_sid: o.accountSid, to, from: form.get('From'), body, status: 'queued', num_segments: '1' } };
  })) as TwilioServer;
  s.messages = messages;
  return s;
}
