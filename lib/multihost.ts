import pg from 'pg';

/**
 * Multi-host libpq URIs (`postgres://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write`) for
 * node-postgres, which understands one host only. PostgREST links libpq and reads these URIs
 * itself; the gateway and the worker get a pg.Pool whose new connections go to the first host
 * that is read-write (the pg_auto_failover primary), as libpq would do.
 */
export interface HostPort {
  host: string;
  port: number;
}

export interface ParsedUrl {
  /** `postgres://` or `postgresql://` */
  scheme: string;
  user: string;
  password: string;
  hosts: HostPort[];
  /** `/db` */
  path: string;
  params: URLSearchParams;
}

const SHAPE = /^(postgres(?:ql)?:\/\/)(?:([^@/]*)@)?([^/?#]*)([^?#]*)(?:\?([^#]*))?$/;

export function parseDbUrl(url: string): ParsedUrl {
  const match = SHAPE.exec(url);
  if (!match) throw new Error('not a postgres:// URL');
  const [, scheme, auth = '', hostList, path, query = ''] = match;
  const [user = '', password = ''] = auth.split(/:(.*)/s);
  const hosts = hostList.split(',').filter(Boolean).map((entry) => {
    const m = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(entry);
    if (!m) throw new Error('a host in the URL is malformed');
    return { host: m[1] || '127.0.0.1', port: Number(m[2] ?? 5432) };
  });
  return { scheme, user: decodeURIComponent(user), password: decodeURIComponent(password), hosts, path: path || '/', params: new URLSearchParams(query) };
}

export function formatDbUrl(p: ParsedUrl): string {
  const auth = p.user ? `${encodeURIComponent(p.user)}${p.password ? ':' + encodeURIComponent(p.password) : ''}@` : '';
  const query = p.params.toString();
  return `${p.scheme}${auth}${p.hosts.map((h) => `${h.host}:${h.port}`).join(',')}${p.path}${query ? '?' + query : ''}`;
}

/** The same URL with other credentials; works for one host or many. */
export function withCredentials(url: string, user: string, password: string | undefined): string {
  return formatDbUrl({ ...parseDbUrl(url), user, password: password ?? '' });
}

export function isMultiHost(url: string): boolean {
  try {
    const p = parseDbUrl(url);
    return p.hosts.length > 1 || p.params.has('target_session_attrs');
  } catch {
    return false;
  }
}

/** Whether an error means the connection (or the server behind it) went away, not that a statement failed. */
export function isConnectionLoss(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e || typeof e !== 'object') return false;
  return e.code === undefined
    ? /Connection terminated|not queryable|Client was closed/i.test(e.message ?? '')
    : ['57P01', '57P02', '57P03', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', '08006', '08003', '08001'].includes(e.code);
}

/**
 * The error a pool raises while no host of a multi-host URL is read-write (a failover). Its
 * SQLSTATE is 57P03 (cannot_connect_now), which graphile-worker retries with a back-off.
 */
export class NoPrimaryError extends Error {
  readonly code = '57P03';
  readonly failingOver = true;
  constructor() {
    super('no read-write database host is reachable (failing over)');
  }
}

/**
 * A connection that died under a query (the primary was killed or demoted) says so with
 * SQLSTATE 57P03 too, so that graphile-worker retries its bookkeeping (completing or failing
 * a job) on the new primary instead of losing that worker slot. The original code is kept.
 */
function markConnectionLoss(error: unknown): unknown {
  const e = error as { code?: string; message?: string; originalCode?: string };
  if (isConnectionLoss(error) && e.code !== '57P03') {
    e.originalCode = e.code;
    e.code = '57P03';
  }
  return error;
}

/** Remembers which host is the primary; asks every host again once a connection to it breaks. */
class PrimaryLocator {
  private current?: HostPort;
  private probing?: Promise<HostPort>;

  constructor(private readonly parsed: ParsedUrl, private readonly readWrite: boolean, private readonly timeoutMs: number) {}

  invalidate(host?: HostPort): void {
    if (!host || (this.current && this.current.host === host.host && this.current.port === host.port)) this.current = undefined;
  }

  async primary(): Promise<HostPort> {
    if (this.current) return this.current;
    this.probing ??= this.probe().finally(() => (this.probing = undefined));
    return this.probing;
  }

  /** All hosts at once; the first in URL order that answers (read-write, when asked) wins. */
  private async probe(): Promise<HostPort> {
    const answers = await Promise.all(
      this.parsed.hosts.map(async (h) => {
        const client = new pg.Client({
          host: h.host, port: h.port, user: this.parsed.user, password: this.parsed.password,
          database: decodeURIComponent(this.parsed.path.slice(1)) || undefined,
          connectionTimeoutMillis: this.timeoutMs, application_name: 'switchboard-probe',
        });
        client.on('error', () => {});
        try {
          await client.connect();
          if (!this.readWrite) return true;
          const { rows } = await client.query<{ ro: string }>("select current_setting('transaction_read_only') as ro");
          return rows[0].ro === 'off';
        } catch {
          return false;
        } finally {
          void client.end().catch(() => {});
        }
      }),
    );
    const index = answers.indexOf(true);
    if (index < 0) throw new NoPrimaryError();
    this.current = this.parsed.hosts[index];
    return this.current;
  }
}

export interface PoolOptions extends Omit<pg.PoolConfig, 'connectionString'> {}

/**
 * A pg.Pool for a one-host or multi-host URL. For several hosts (or target_session_attrs),
 * each new connection goes to the current primary; a connection that breaks is dropped by the
 * pool and makes the next one look for the primary again. Connecting while no host is
 * read-write fails with NoPrimaryError (callers answer 503).
 */
export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  if (!isMultiHost(connectionString)) return new pg.Pool({ connectionString, ...options });
  const parsed = parseDbUrl(connectionString);
  const attrs = parsed.params.get('target_session_attrs') ?? 'any';
  if (!['any', 'read-write', 'primary'].includes(attrs)) throw new Error(`target_session_attrs=${attrs} is not supported for the gateway and worker pools`);
  const readWrite = attrs !== 'any';
  // A host that is down refuses at once; a busy one may take a few seconds to answer.
  const timeoutMs = Number(parsed.params.get('connect_timeout') ?? 10) * 1000;
  const locator = new PrimaryLocator(parsed, readWrite, timeoutMs);
  // node-postgres reads this one-host URL; the host and port are set per connection below.
  const single = formatDbUrl({ ...parsed, hosts: [parsed.hosts[0]], params: new URLSearchParams([...parsed.params].filter(([k]) => !['target_session_attrs', 'connect_timeout'].includes(k))) });

  class PrimaryClient extends pg.Client {
    private target?: HostPort;

    constructor(config?: string | pg.ClientConfig) {
      super(config);
      const query = this.query.bind(this) as (...args: unknown[]) => unknown;
      this.query = ((...args: unknown[]) => {
        const result = query(...args) as { then?: unknown; catch?: (f: (e: unknown) => never) => unknown };
        return typeof result?.then === 'function' ? result.catch!((error) => { throw markConnectionLoss(error); }) : result;
      }) as typeof this.query;
    }

    // pg-pool calls connect(callback); the promise form is kept for completeness.
    override connect(): Promise<pg.Client>;
    override connect(callback: (err: Error) => void): void;
    override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
      const done = this.connectToPrimary().then(() => this as pg.Client);
      if (!callback) return done;
      done.then(() => callback(null as unknown as Error), (err: Error) => callback(err));
    }

    private async connectToPrimary(): Promise<void> {
      let target: HostPort;
      try {
        target = await locator.primary();
      } catch (error) {
        throw markConnectionLoss(error);
      }
      this.target = target;
      const self = this as unknown as { host: string; port: number; connectionParameters: { host: string; port: number } };
      self.host = self.connectionParameters.host = target.host;
      self.port = self.connectionParameters.port = target.port;
      this.on('error', () => locator.invalidate(target));
      try {
        await super.connect();
      } catch (error) {
        // The host we knew is gone: the next connection looks for the primary again.
        locator.invalidate(target);
        throw markConnectionLoss(error);
      }
      if (readWrite) {
        // The host may have been demoted since it was found: check, as libpq does.
        const { rows } = await this.query<{ ro: string }>("select current_setting('transaction_read_only') as ro");
        if (rows[0].ro !== 'off') {
          locator.invalidate(target);
          await this.end().catch(() => {});
          throw new NoPrimaryError();
        }
      }
    }
  }

  const pool = new pg.Pool({ connectionString: single, ...options, Client: PrimaryClient as unknown as typeof pg.Client });
  return pool;
}

/**
 * A one-host URL for the current primary of a multi-host URL (migrations and bootstrap use
 * graphile-migrate and plain clients, which take one host); other URLs come back unchanged.
 */
export async function pinToPrimary(url: string): Promise<string> {
  if (!isMultiHost(url)) return url;
  const parsed = parseDbUrl(url);
  const primary = await new PrimaryLocator(parsed, true, Number(parsed.params.get('connect_timeout') ?? 10) * 1000).primary();
  const params = new URLSearchParams([...parsed.params].filter(([k]) => k !== 'target_session_attrs'));
  return formatDbUrl({ ...parsed, hosts: [primary], params });
}
