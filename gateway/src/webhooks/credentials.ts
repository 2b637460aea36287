import type { Db } from '../db.ts';
import type { SourceCredentials } from './provider.ts';

/**
 * Source secrets, cached briefly so a flood of webhooks does not decrypt on every request.
 * The TTL bounds how long a rotated-out or disabled secret can still pass (seconds).
 */
export class CredentialCache {
  private readonly entries = new Map<string, { value: SourceCredentials | null; expires: number }>();
  /** Look-ups in flight: requests that miss together share one query (a burst, or every TTL). */
  private readonly loading = new Map<string, Promise<SourceCredentials | null>>();

  constructor(
    private readonly db: Db,
    private readonly encryptionKey: string,
    private readonly ttlMs: number,
  ) {}

  get(sourceId: string, provider: string): Promise<SourceCredentials | null> {
    const key = `${provider}:${sourceId}`;
    const hit = this.entries.get(key);
    if (hit && hit.expires > Date.now()) return Promise.resolve(hit.value);
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.load(key, sourceId, provider).finally(() => this.loading.delete(key));
      this.loading.set(key, loading);
    }
    return loading;
  }

  private async load(key: string, sourceId: string, provider: string): Promise<SourceCredentials | null> {
    const now = Date.now();
    const { rows } = await this.db.query<{ org_id: string; secrets: string[]; auth: Record<string, unknown> }>(
      'select org_id, secrets, auth from app_private.source_credentials($1, $2, $3)',
      [sourceId, provider, this.encryptionKey],
    );
    const value = rows[0] ? { orgId: rows[0].org_id, secrets: rows[0].secrets, auth: rows[0].auth } : null;
    if (this.entries.size > 10_000) this.entries.clear();
    this.entries.set(key, { value, expires: now + this.ttlMs });
    return value;
  }
}
