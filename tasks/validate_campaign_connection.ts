import type { Task } from 'graphile-worker';
import { loadEnvFile, resolveConfig } from '../lib/config.ts';
import { type Provider, validate } from './lib/campaign-tools/index.ts';

let encryptionKey: string | undefined;
function key(): string {
  if (!encryptionKey) {
    loadEnvFile();
    encryptionKey = resolveConfig().encryptionKey;
  }
  return encryptionKey;
}

/**
 * A saved connection is checked against the tool: the key must open the campaign
 * (SmartLead GET /campaigns/{id}, Reply.io GET /v3/sequences/{id}, Instantly
 * GET /api/v2/campaigns/{id}). An invalid connection is not used by the feeder (its
 * runs go out as the leads.fed webhook) and shows in system_health and the alerts.
 */
export const validate_campaign_connection: Task = async (payload, helpers) => {
  const { org_id, connection_id } = payload as { org_id: string; connection_id: string };
  const { rows } = await helpers.query<{ provider: Provider; base_url: string | null; external_campaign_id: string; api_key: string }>(
    'select * from app_private.campaign_connection_credentials($1, $2, $3)', [org_id, connection_id, key()]);
  if (!rows.length) return;
  const c = rows[0];
  const { problem, transient } = await validate({ provider: c.provider, baseUrl: c.base_url, campaignId: c.external_campaign_id, apiKey: c.api_key });
  if (problem && transient && helpers.job.attempts < helpers.job.max_attempts) throw new Error(`validation: ${problem}`);
  await helpers.query('select app_private.record_connection_validation($1, $2, $3, $4)', [org_id, connection_id, !problem, problem]);
};
