import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

/**
 * The base URL of links the gateway hands out (consent links, the SSO redirect_uri).
 * `PUBLIC_URL` when set. Without it the request's Host header would decide where a consent
 * link or an identity provider's redirect points — anyone can send any Host — so:
 *  - with NODE_ENV=production such links are refused (503) until PUBLIC_URL is set;
 *  - otherwise the request's host name must be one of ALLOWED_HOSTS (comma-separated host
 *    names, any port; default `localhost,127.0.0.1,::1` for local development).
 */
export interface PublicUrlPolicy {
  publicUrl?: string;
  allowedHosts: string[];
  production: boolean;
}

export function publicUrlPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): PublicUrlPolicy {
  const publicUrl = env.PUBLIC_URL?.trim() ? env.PUBLIC_URL.trim().replace(/\/+$/, '') : undefined;
  const allowedHosts = (env.ALLOWED_HOSTS ?? 'localhost,127.0.0.1,::1')
    .split(',')
    .map((h) => h.trim().toLowerCase().replace(/^\[|\]$/g, ''))
    .filter(Boolean);
  return { publicUrl, allowedHosts, production: env.NODE_ENV === 'production' };
}

/** The start-up warning, or null when links are built from PUBLIC_URL. */
export function publicUrlWarning(policy: PublicUrlPolicy): string | null {
  if (policy.publicUrl) return null;
  return policy.production
    ? 'PUBLIC_URL is not set: consent links and SSO sign-in are refused until it is (NODE_ENV=production)'
    : `PUBLIC_URL is not set: consent links and SSO redirect_uri use the request's host, only for ALLOWED_HOSTS (${policy.allowedHosts.join(', ')})`;
}

const hostName = (host: string) => {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']'));
  const colon = h.lastIndexOf(':');
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
};

export function publicBase(request: FastifyRequest, policy: PublicUrlPolicy): string {
  if (policy.publicUrl) return policy.publicUrl;
  const refused = () => new ApiError(503, 'public_url_not_configured', 'This gateway has no PUBLIC_URL for links; ask the operator to set it.');
  if (policy.production) throw refused();
  const host = request.host ?? '';
  if (!host || !policy.allowedHosts.includes(hostName(host))) throw refused();
  return `${request.protocol}://${host}`;
}
