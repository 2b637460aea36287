import { createHmac, randomUUID } from 'node:crypto';
import { cli, stack } from './helpers.ts';

/** Test-side Vapi sender: a source with Vapi's HMAC credential at its defaults (x-timestamp, x-signature over "{timestamp}.{body}"). */
export interface VapiSource {
  sourceId: string;
  secret: string;
}

export async function createVapiSource(orgId: string): Promise<VapiSource> {
  const { source_id, secret } = await cli('source', 'create', '--org', orgId, '--provider', 'vapi', '--auth', 'hmac');
  return { sourceId: source_id, secret };
}

export function vapiHeaders(source: VapiSource, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = createHmac('sha256', source.secret).update(`${timestamp}.${body}`).digest('hex');
  return { 'content-type': 'application/json', 'x-timestamp': String(timestamp), 'x-signature': signature };
}

export function sendVapi(source: VapiSource, message: Record<string, unknown>, timestamp?: number, headers?: Record<string, string>): Promise<Response> {
  const body = JSON.stringify({ message });
  return fetch(`${stack().gatewayUrl}/webhooks/vapi/${source.sourceId}`, {
    method: 'POST',
    headers: headers ?? vapiHeaders(source, body, timestamp),
    body,
  });
}

export function toolCall(name: string, args: Record<string, unknown>, callId = `call-${randomUUID()}`, toolCallId = `tc-${randomUUID()}`) {
  return {
    type: 'tool-calls',
    call: { id: callId },
    toolCallList: [{ id: toolCallId, type: 'function', function: { name, arguments: args } }],
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
