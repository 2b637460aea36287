import type { Task } from 'graphile-worker';
import { loadEnvFile, resolveConfig } from '../lib/config.ts';
import { alreadyInCampaign, type Connection, type LeadResult, type MappedLead, type Provider, push, validEmail } from './lib/campaign-tools/index.ts';

interface Payload {
  org_id: string;
  chunk_id: string;
}

interface Begin {
  connection_id: string;
  provider: Provider;
  base_url: string | null;
  external_campaign_id: string;
  api_key: string;
  attempt: number;
  in_doubt: boolean;
  leads: MappedLead[];
}

let encryptionKey: string | undefined;
function key(): string {
  if (!encryptionKey) {
    loadEnvFile();
    encryptionKey = resolveConfig().encryptionKey;
  }
  return encryptionKey;
}
/** How long a call may take before its chunk is considered in doubt (the lease). */
const leaseSeconds = () => Number(process.env.PUSH_LEASE_SECONDS ?? 60);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One call of a feed run's hand-off into a campaign tool (a job per chunk). SQL decides
 * whether the call may run now (due, circuit closed, not paused by a 429, within the tool's
 * pace) and which leads it carries (only those still pending); this task makes the call
 * and reports each lead's outcome. A chunk whose previous call never reported back (worker
 * killed mid-call) is reconciled first: leads the tool already has are confirmed, not sent.
 */
export const push_leads: Task = async (payload, helpers) => {
  const { org_id, chunk_id } = payload as Payload;
  const { rows } = await helpers.query<Begin>('select * from app_private.begin_lead_push($1, $2, $3, $4)', [
    org_id, chunk_id, key(), leaseSeconds(),
  ]);
  if (!rows.length) return;
  const a = rows[0];
  const connection: Connection = { provider: a.provider, baseUrl: a.base_url, campaignId: a.external_campaign_id, apiKey: a.api_key };
  let leads = a.leads;

  if (a.in_doubt && a.provider === 'smartlead') {
    const found: string[] = [];
    for (const lead of leads) {
      // Each look-up is a call too: paced like the pushes.
      for (;;) {
        const { rows: [p] } = await helpers.query<{ reserved: boolean; not_before: Date | null }>(
          'select * from app_private.reserve_connection_call($1, null)', [a.connection_id]);
        if (p.reserved) break;
        await sleep(Math.max(50, Math.min(60_000, (p.not_before?.getTime() ?? Date.now() + 1000) - Date.now())));
      }
      if (await alreadyInCampaign(connection, lead)) found.push(lead.lead_id);
    }
    if (found.length) {
      await helpers.query('select app_private.confirm_lead_pushes($1, $2, $3::uuid[], $4::jsonb)', [
        org_id, chunk_id, found, JSON.stringify({ reconciled: true }),
      ]);
      leads = leads.filter((l) => !found.includes(l.lead_id));
    }
    helpers.logger.info(`chunk ${chunk_id}: interrupted call reconciled, ${found.length} already in the campaign`);
  }

  // Addresses no tool would take are refused here, without a call.
  const local: LeadResult[] = leads.filter((l) => !validEmail(l.email))
    .map((l) => ({ lead_id: l.lead_id, status: 'refused', reason: 'invalid_email', answer: { checked: 'locally' } }));
  leads = leads.filter((l) => validEmail(l.email));

  const finish = (outcome: string, status: number | null, latency: number | null, excerpt: string | null, error: string | null,
                  retryAfter: number | null, results: LeadResult[]) =>
    helpers.query<{ s: string }>('select app_private.finish_lead_push($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb) as s', [
      org_id, chunk_id, a.attempt, outcome, status, latency, excerpt, error, retryAfter, JSON.stringify(results),
    ]);

  if (!leads.length) {
    await finish('ok', null, 0, null, null, null, local);
    return;
  }
  const started = performance.now();
  const result = await push(connection, leads);
  const latency = Math.round(performance.now() - started);
  const { rows: [done] } = await finish(result.outcome, result.http.status, latency, result.http.excerpt?.slice(0, 500) ?? null,
    result.http.error, result.http.retryAfter, [...local, ...result.results]);
  helpers.logger.info(`chunk ${chunk_id} (${a.provider}, attempt ${a.attempt}): ${result.outcome} HTTP ${result.http.status} → ${done.s}`);
};
