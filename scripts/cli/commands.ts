import type pg from 'pg';
import type { StackConfig } from '../lib/config.ts';

type Values = Record<string, string | undefined>;

export interface Command {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  required: string[];
  run(client: pg.Client, values: Values, config: StackConfig): Promise<Record<string, unknown>>;
}

const str = { type: 'string' } as const;

/** "24h", "30m", "7d", "90s" (or any PostgreSQL interval text) → an interval literal. */
export function toInterval(text: string): string {
  const match = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!match) return text;
  const unit = { s: 'seconds', m: 'minutes', h: 'hours', d: 'days' }[match[2] as 's' | 'm' | 'h' | 'd'];
  return `${match[1]} ${unit}`;
}

async function one<T extends Record<string, unknown>>(client: pg.Client, sql: string, params: unknown[]): Promise<T> {
  const { rows } = await client.query<T>(sql, params);
  return rows[0];
}

/** Vapi's credential options (CONTRACT.md "Source authentication"); SQL fills in Vapi's defaults. */
const vapiAuthOptions = {
  auth: str, 'hmac-algorithm': str, 'hmac-header': str, 'hmac-timestamp-header': str, 'hmac-payload': str,
  'hmac-encoding': str, 'hmac-prefix': str, 'secret-base64': { type: 'boolean' },
} as const;

function vapiAuth(v: Values): string | null {
  const given = Object.entries({
    mode: v.auth, algorithm: v['hmac-algorithm'], signature_header: v['hmac-header'],
    timestamp_header: v['hmac-timestamp-header'], payload_format: v['hmac-payload'], encoding: v['hmac-encoding'],
    prefix: v['hmac-prefix'], secret_base64: v['secret-base64'] === undefined ? undefined : Boolean(v['secret-base64']),
  }).filter(([, value]) => value !== undefined);
  return given.length ? JSON.stringify(Object.fromEntries(given)) : null;
}

export const commands: Record<string, Command> = {
  'org create': {
    usage: '--name N --admin-email E --admin-password P [--timezone America/Los_Angeles]',
    options: { name: str, 'admin-email': str, 'admin-password': str, timezone: str },
    required: ['name', 'admin-email', 'admin-password'],
    run: (client, v) =>
      one(client, 'select org_id, user_id from app_private.create_organization($1, $2, $3, $4)', [
        v.name, v['admin-email'], v['admin-password'], v.timezone ?? 'UTC',
      ]),
  },
  'user add': {
    usage: '--org ORG --email E --password P --role owner|admin|member',
    options: { org: str, email: str, password: str, role: str },
    required: ['org', 'email', 'password', 'role'],
    run: (client, v) =>
      one(client, 'select app_private.add_user($1, $2, $3, $4) as user_id', [v.org, v.email, v.password, v.role]),
  },
  'source create': {
    usage: '--org ORG --provider smartlead|replyio|vapi|standard|csv [--name N] [--secret S] ' +
      '[--auth secret|bearer|hmac] [--hmac-algorithm sha256|sha512|sha1] [--hmac-header H] ' +
      '[--hmac-timestamp-header H|none] [--hmac-payload F] [--hmac-encoding hex|base64] [--hmac-prefix P] [--secret-base64]',
    options: { org: str, provider: str, name: str, secret: str, ...vapiAuthOptions },
    required: ['org', 'provider'],
    run: (client, v, config) =>
      one(client, 'select source_id, secret, url from app_private.create_source($1, $2, $3, $4, $5, $6)', [
        v.org, v.provider, v.name ?? null, config.encryptionKey, v.secret ?? null, vapiAuth(v),
      ]),
  },
  'source rotate': {
    usage: '--source ID [--grace 24h] [--secret S]',
    options: { source: str, grace: str, secret: str },
    required: ['source'],
    run: async (client, v, config) => {
      const { secret, url } = await one<{ secret: string; url: string }>(client,
        'select secret, url from app_private.rotate_source_secret($1, $2::interval, $3, $4)',
        [v.source, toInterval(v.grace ?? '24h'), config.encryptionKey, v.secret ?? null]);
      return { source_id: v.source, secret, url };
    },
  },
  'campaign create': {
    usage: '--org ORG --name N [--provider smartlead|replyio|standard] [--external-id X]',
    options: { org: str, name: str, provider: str, 'external-id': str },
    required: ['org', 'name'],
    run: (client, v) =>
      one(client, 'select app_private.create_campaign($1, $2, $3, $4) as campaign_id', [
        v.org, v.name, v.provider ?? 'manual', v['external-id'] ?? null,
      ]),
  },
  'account create': {
    usage: '--org ORG --from-email E --smtp-host H --smtp-user U --smtp-password P [--smtp-port 587] [--secure] ' +
      '[--from-name N] [--name N] [--daily-cap 50]  (the password is read from SMTP_PASSWORD when --smtp-password is "-")',
    options: {
      org: str, 'from-email': str, 'from-name': str, name: str, 'smtp-host': str, 'smtp-port': str, secure: { type: 'boolean' },
      'smtp-user': str, 'smtp-password': str, 'daily-cap': str,
    },
    required: ['org', 'from-email', 'smtp-host', 'smtp-user', 'smtp-password'],
    run: (client, v, config) => {
      const password = v['smtp-password'] === '-' ? process.env.SMTP_PASSWORD : v['smtp-password'];
      if (!password) throw new Error('no SMTP password (set SMTP_PASSWORD when passing --smtp-password -)');
      const secure = (v.secure as unknown) === true;
      return one(client, 'select app_private.create_sending_account($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) as account_id', [
        v.org, v.name ?? null, v['from-email'], v['from-name'] ?? null, v['smtp-host'],
        Number(v['smtp-port'] ?? (secure ? 465 : 587)), secure, v['smtp-user'], password, Number(v['daily-cap'] ?? 50),
        config.encryptionKey,
      ]);
    },
  },
  'account password': {
    usage: '--account ID --smtp-password P  (sets a new password and re-enables the account)',
    options: { account: str, 'smtp-password': str },
    required: ['account', 'smtp-password'],
    run: (client, v, config) => {
      const password = v['smtp-password'] === '-' ? process.env.SMTP_PASSWORD : v['smtp-password'];
      return one(client, 'select app_private.set_sending_account_password($1, $2, $3) as updated', [v.account, password, config.encryptionKey]);
    },
  },
  'endpoint create': {
    usage: '--org ORG --url URL [--events lead.fed,call.ended] [--description D]',
    options: { org: str, url: str, events: str, description: str },
    required: ['org', 'url'],
    run: (client, v, config) =>
      one(client, 'select endpoint_id, secret from app_private.create_delivery_endpoint($1, $2, $3, $4, $5, $6)', [
        v.org, v.url, v.events ? v.events.split(',').map((e) => e.trim()).filter(Boolean) : [], v.description ?? null,
        config.encryptionKey, /^(1|true|yes)$/i.test(process.env.DELIVERY_ALLOW_PRIVATE_URLS ?? ''),
      ]),
  },
  'endpoint rotate': {
    usage: '--endpoint ID [--grace 24h]',
    options: { endpoint: str, grace: str },
    required: ['endpoint'],
    run: async (client, v, config) => {
      const { secret } = await one<{ secret: string }>(client, 'select secret from app_private.rotate_delivery_secret($1, $2::interval, $3)', [
        v.endpoint, toInterval(v.grace ?? '24h'), config.encryptionKey,
      ]);
      return { endpoint_id: v.endpoint, secret };
    },
  },
  'flag set': {
    usage: '--key K [--default true|false] [--rollout 0-100] [--allow-override true|false] [--description D]',
    options: { key: str, default: str, rollout: str, 'allow-override': str, description: str },
    required: ['key'],
    run: (client, v) =>
      one(client,
        'select key, default_enabled, rollout_percent::float8 as rollout_percent, allow_org_override from app_private.set_feature_flag($1, $2::boolean, $3::numeric, $4::boolean, $5, $6)',
        [v.key, v.default ?? null, v.rollout ?? null, v['allow-override'] ?? null, v.description ?? null, `cli:${process.env.USER ?? 'operator'}`]),
  },
  'quota set': {
    usage: '--org ORG --per-user N --per-org N   (requests per minute through PostgREST)',
    options: { org: str, 'per-user': str, 'per-org': str },
    required: ['org', 'per-user', 'per-org'],
    run: async (client, v) => {
      await client.query('select app_private.set_org_quota($1, $2::int, $3::int)', [v.org, v['per-user'], v['per-org']]);
      return { org_id: v.org, requests_per_user_per_minute: Number(v['per-user']), requests_per_org_per_minute: Number(v['per-org']) };
    },
  },
  'backup create': {
    usage: '--out FILE   (pg_dump custom format + FILE.manifest.json with row counts and checksums)',
    options: { out: str },
    required: ['out'],
    run: async (_client, v, config) => {
      const { createBackup } = await import('../lib/backup.ts');
      const m = await createBackup(config, v.out!);
      return { file: v.out, manifest: `${v.out}.manifest.json`, tables: Object.keys(m.counts).length, rows: Object.values(m.counts).reduce((a, b) => a + b, 0), dump_bytes: m.dump_bytes };
    },
  },
  'backup restore': {
    usage: '--from FILE --into URL   (an empty database; a superuser URL keeps owners and grants)',
    options: { from: str, into: str },
    required: ['from', 'into'],
    run: async (_client, v) => {
      const { checkRestored, readManifest, restoreBackup } = await import('../lib/backup.ts');
      const manifest = readManifest(v.from!);
      await restoreBackup(v.from!, v.into!);
      const { default: pg } = await import('pg');
      const target = new pg.Client({ connectionString: v.into });
      await target.connect();
      try {
        const check = await checkRestored(target, manifest);
        if (!check.ok) throw new Error(`restored, but the check failed: ${check.problems.join('; ')}`);
        return { restored: true, tables: Object.keys(check.actual.counts).length, rows: Object.values(check.actual.counts).reduce((a, b) => a + b, 0) };
      } finally {
        await target.end();
      }
    },
  },
  'backup verify': {
    usage: '[--drill-tamper SQL]   (dump, restore into a scratch database, compare, log; non-zero exit on failure)',
    options: { 'drill-tamper': str },
    required: [],
    run: async (_client, v, config) => {
      const { verifyBackup } = await import('../lib/backup.ts');
      const result = await verifyBackup(config, { tamperSql: v['drill-tamper'] });
      if (!result.ok) throw new Error(`backup verification failed (log ${result.log_id}): ${result.problems.slice(0, 10).join('; ')}`);
      return { ok: true, log_id: result.log_id, tables: result.tables, rows: result.rows, dump_bytes: result.dump_bytes, seconds: result.seconds };
    },
  },
  'sso configure': {
    usage: '--org ORG --issuer URL --client-id ID --client-secret S --domains example.com[,other.com] [--disabled]',
    options: { org: str, issuer: str, 'client-id': str, 'client-secret': str, domains: str, disabled: { type: 'boolean' } },
    required: ['org', 'issuer', 'client-id', 'client-secret', 'domains'],
    run: async (client, v, config) => {
      const domains = (v.domains ?? '').split(',').map((d) => d.trim().toLowerCase()).filter(Boolean);
      const enabled = !v.disabled;
      await client.query('select app_private.configure_sso($1, $2, $3, $4, $5, $6, $7)', [
        v.org, v.issuer, v['client-id'], v['client-secret'], domains, config.encryptionKey, enabled,
      ]);
      return { org_id: v.org, issuer: v.issuer, allowed_domains: domains, enabled };
    },
  },
};
