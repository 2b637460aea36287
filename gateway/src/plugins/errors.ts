import type { FastifyError, FastifyInstance } from 'fastify';
import { ZodError } from 'zod';
import { ZodError as ZodError4 } from 'zod/v4';
import { ApiError } from '../errors.ts';
import { isPoolTimeout, poolBusy } from '../db.ts';

/** Known Fastify client errors mapped to our stable codes. */
const fastifyCodes: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_payload', 'The body is not valid JSON.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_payload', 'The body is empty.'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large', 'The body is larger than this endpoint accepts.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'This content type is not accepted here.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_payload', 'The content length does not match the body.'],
};

function describeZodError(error: ZodError | ZodError4): string {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'body';
  return `${where}: ${issue?.message ?? 'invalid'}`;
}

/**
 * Every error leaves as `{error, message}` with a stable code. Our own faults are
 * logged in full and answered with a bare 500 — never SQL text, stacks or secrets.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      return reply.code(error.statusCode).headers(error.headers).send({ error: error.code, message: error.message });
    }
    if (isPoolTimeout(error)) {
      // No connection within the acquire timeout: busy, not broken — the client retries.
      const busy = poolBusy();
      return reply.code(busy.statusCode).headers(busy.headers).send({ error: busy.code, message: busy.message });
    }
    if (error instanceof ZodError || error instanceof ZodError4) {
      return reply.code(400).send({ error: 'invalid_payload', message: describeZodError(error) });
    }
    const known = error.code ? fastifyCodes[error.code] : undefined;
    if (known) {
      return reply.code(known[0]).send({ error: known[1], message: known[2] });
    }
    if (error.statusCode === 429) {
      return reply.code(429).send({ error: 'rate_limited', message: 'Too many requests; retry later.' });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: 'bad_request', message: 'The request could not be processed.' });
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send({ error: 'internal_error', message: 'Something went wrong on our side.' });
  });
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).send({ error: 'not_found', message: 'No such endpoint.' });
  });
}
