import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from '../db.ts';
import { verifyToken } from '../../../lib/signed-tokens.ts';
import { escapeHtml, htmlPage } from './unsubscribe.ts';

interface Options {
  db: Db;
  encryptionKey: string;
}

type CancelToken = { o: string; a: string };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The {{cancel_url}} of an SMS reminder: GET shows the appointment and a button, POST
 * cancels it (the same cancel as the REST RPC: status, pipeline event, reminders gone).
 * The token is HMAC-signed (tasks/send_sms.ts mints it); anything else is a 404 page.
 */
export async function appointmentCancelRoutes(app: FastifyInstance, options: Options): Promise<void> {
  // Tokens are longer than a path parameter may be (Fastify's 100 characters): a wildcard route.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => done(null, body));
  const read = (token: string): CancelToken | null => {
    const t = verifyToken<CancelToken>(options.encryptionKey, 'appointment-cancel', token);
    return t && typeof t.o === 'string' && UUID.test(t.o) && typeof t.a === 'string' && UUID.test(t.a) ? t : null;
  };
  const notFound = (reply: FastifyReply) =>
    htmlPage(reply, 404, 'Link not found', '<h1>This link is not valid.</h1><p>Please use the link from your most recent reminder.</p>');

  app.get<{ Params: { '*': string } }>('/appointments/cancel/*', async (request, reply) => {
    const token = read(request.params['*']);
    if (!token) return notFound(reply);
    const { rows } = await options.db.query<{ org_name: string; starts_at_local: string; resource: string; status: string }>(
      'select * from app_private.appointment_cancel_page($1, $2)', [token.o, token.a]);
    if (!rows.length) return notFound(reply);
    const r = rows[0];
    if (r.status === 'cancelled') return htmlPage(reply, 200, 'Cancelled', `<h1>This appointment is cancelled.</h1>`);
    return htmlPage(reply, 200, 'Cancel appointment',
      `<h1>${escapeHtml(r.org_name)}</h1><p>Cancel your appointment (${escapeHtml(r.resource)}) on ${escapeHtml(r.starts_at_local)}?</p>` +
      `<form method="post" action="${escapeHtml(`/appointments/cancel/${encodeURIComponent(request.params['*'])}`)}">` +
      `<button type="submit">Cancel the appointment</button></form>`);
  });

  app.post<{ Params: { '*': string } }>('/appointments/cancel/*', async (request, reply) => {
    const token = read(request.params['*']);
    if (!token) return notFound(reply);
    const { rows } = await options.db.query<{ ok: boolean }>('select app_private.cancel_appointment_by_link($1, $2) as ok', [token.o, token.a]);
    if (!rows[0]?.ok) return notFound(reply);
    request.log.info({ org_id: token.o }, 'appointment cancelled by link');
    return htmlPage(reply, 200, 'Cancelled', '<h1>Your appointment is cancelled.</h1>');
  });
}
