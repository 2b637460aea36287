import type pg from 'pg';

type Values = Record<string, string | undefined>;

export interface Command {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  required: string[];
  run(client: pg.Client, values: Values): Promise<Record<string, unknown>>;
}

const str = { type: 'string' } as const;

async function one<T extends Record<string, unknown>>(client: pg.Client, sql: string, params: unknown[]): Promise<T> {
  const { rows } = await client.query<T>(sql, params);
  return rows[0];
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
};
