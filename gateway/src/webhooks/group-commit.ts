import { AsyncResource } from 'node:async_hooks';
import type { Db } from '../db.ts';

/**
 * Group commit for the webhook inbox (issue 23).
 *
 * Why: a webhook costs one round trip, one transaction and one commit (a WAL flush) when it
 * is stored alone, and on a small machine those per-transaction costs, on both sides of the
 * connection, are most of the time an ingest takes. Webhooks that arrive while an earlier
 * batch is being stored (or in the same turn of the event loop) are stored together: one
 * statement, app_private.ingest_webhook_events, one transaction, one commit.
 *
 * What does not change:
 *  - each caller's promise settles only after the transaction holding its event committed
 *    (or failed), so a 2xx is still only sent for a committed event; `pg_current_xact_id()`
 *    still gives a batch of duplicates a commit record, so with a synchronous standby even a
 *    duplicate's 200 waits for it;
 *  - at low load nothing waits: a webhook that finds a free slot (fewer than `maxInFlight`
 *    statements running) and nobody queued is stored at once, alone, by
 *    app_private.ingest_webhook_event, exactly as before; only webhooks that would otherwise
 *    wait for a connection are grouped, and they go as soon as a statement finishes;
 *  - if a batch fails with a PostgreSQL error (a value that cannot be stored, a source
 *    disabled since it was cached, a deadlock …), its events are stored again one at a time
 *    with app_private.ingest_webhook_event, so each gets exactly the answer it would have had
 *    alone and a bad event never fails its neighbours. If the database itself is out of reach
 *    (no SQLSTATE, or a connection/resource/shutdown class), every event of the batch gets
 *    that error at once: retrying each would only add load to a database that is down.
 */
export interface InboxEvent {
  sourceId: string;
  provider: string;
  dedupeKey: string;
  partitionKey: string | null;
  eventType: string | null;
  occurredAt: string | Date | null;
  /** The payload as JSON text (cast to jsonb in SQL). */
  payload: string;
}

export interface StoredEvent {
  event_id: string;
  duplicate: boolean;
}

export interface GroupCommitOptions {
  /** Most events in one statement (default 64). */
  maxBatch?: number;
  /** Most batches being stored at once, each on its own connection (default 2). */
  maxInFlight?: number;
}

interface Pending {
  event: InboxEvent;
  resolve: (row: StoredEvent) => void;
  reject: (error: unknown) => void;
}

const singleSql =
  'select event_id, duplicate from app_private.ingest_webhook_event($1, $2, $3, $4, $5, $6, $7::jsonb), pg_current_xact_id()';
const batchSql =
  'select b.ord, b.event_id, b.duplicate from app_private.ingest_webhook_events($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[]) b, pg_current_xact_id()';

/** Errors that say the database could not be reached or is going away, not that an event is bad. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true; // socket errors, pool timeouts
  return /^(08|53|57|58|XX)/.test(code);
}

export class GroupCommit {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
  /**
   * Batches run in the context this batcher was made in, not in the context of the request
   * whose statement happened to finish first, so a batch's SQL is not labelled with one of
   * its requests' request_id. (One resource for all: AsyncResource.bind per request cost
   * more CPU than the rest of the batching.)
   */
  private readonly root = new AsyncResource('switchboard.group-commit');

  constructor(private readonly db: Db, options: GroupCommitOptions = {}) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 64);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  }

  /** Stores one event; settles after the commit of the transaction that stored it. */
  store(event: InboxEvent): Promise<StoredEvent> {
    return new Promise<StoredEvent>((resolve, reject) => {
      const pending = { event, resolve, reject };
      if (this.inFlight < this.maxInFlight && this.queue.length === 0) {
        // A free connection slot and nobody waiting: stored at once, alone, in the request's
        // own context (its request_id labels the SQL), exactly as before group commit.
        this.start([pending]);
      } else {
        // Waits for the statement in flight; everything that arrived meanwhile goes together.
        this.queue.push(pending);
      }
    });
  }

  private start(batch: Pending[]): void {
    this.inFlight += 1;
    void this.run(batch).finally(() => {
      this.inFlight -= 1;
      if (this.queue.length > 0) this.root.runInAsyncScope(() => this.flush());
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) this.start(this.queue.splice(0, this.maxBatch));
  }

  private async run(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.storeOne(batch[0]);
    let rows: Array<StoredEvent & { ord: number }>;
    try {
      const result = await this.db.query<StoredEvent & { ord: number }>(batchSql, [
        batch.map((p) => p.event.sourceId),
        batch.map((p) => p.event.provider),
        batch.map((p) => p.event.dedupeKey),
        batch.map((p) => p.event.partitionKey),
        batch.map((p) => p.event.eventType),
        batch.map((p) => p.event.occurredAt),
        batch.map((p) => p.event.payload),
      ]);
      rows = result.rows;
    } catch (error) {
      if (isUnavailable(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      // One (or more) of the events is bad: each alone, in arrival order, so only the bad
      // ones fail and the first of two events with one dedupe key is still the accepted one.
      for (const p of batch) await this.storeOne(p);
      return;
    }
    const answered = new Set<number>();
    for (const row of rows) {
      answered.add(row.ord);
      batch[row.ord - 1].resolve({ event_id: row.event_id, duplicate: row.duplicate });
    }
    // Never happens (one row per event), but a caller must never wait forever.
    batch.forEach((p, i) => answered.has(i + 1) || p.reject(new Error('the batch returned no row for an event')));
  }

  private async storeOne(p: Pending): Promise<void> {
    try {
      const { event: e } = p;
      const { rows } = await this.db.query<StoredEvent>(singleSql, [
        e.sourceId, e.provider, e.dedupeKey, e.partitionKey, e.eventType, e.occurredAt, e.payload,
      ]);
      p.resolve(rows[0]);
    } catch (error) {
      p.reject(error);
    }
  }
}
