import type { WebhookProvider } from '../provider.ts';
import { replyio } from './replyio.ts';
import { smartlead } from './smartlead.ts';
import { standard } from './standard.ts';
import { twilio } from './twilio.ts';
import { vapi } from './vapi.ts';

/** The webhook senders the gateway accepts, by the {provider} path segment. */
export const providers: Record<string, WebhookProvider<any>> = {
  smartlead,
  replyio,
  standard,
  vapi,
  twilio,
};
