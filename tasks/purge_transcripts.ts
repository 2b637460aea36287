import type { Task } from 'graphile-worker';

/** Retention: transcripts and recording links older than each org's transcript_retention. */
export const purge_transcripts: Task = async (_payload, helpers) => {
  for (;;) {
    const { rows } = await helpers.query<{ n: string }>('select app_private.purge_call_data(5000) as n');
    if (Number(rows[0].n) === 0) return;
  }
};
