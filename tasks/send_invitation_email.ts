import type { Task } from 'graphile-worker';

interface Payload {
  invitation_id: string;
  org_id: string;
  email: string;
  role: string;
  token: string;
}

const mask = (email: string) => email.replace(/^(.).*(@.*)$/, '$1***$2');

/**
 * Hands an invitation link to the mail system, exactly as send_password_reset_email does:
 * there is no SMTP here; the hand-off is logged (without the token) so operators wire a
 * provider in one place. Enqueued by app_public.invite_member in the same transaction as the
 * invitation, whose token is stored only as its SHA-256. The link's page posts the token to
 * POST /auth/invitations/accept.
 */
export const send_invitation_email: Task = async (payload, helpers) => {
  const { invitation_id, org_id, email, role, token } = payload as Payload;
  if (!invitation_id || !org_id || !email || !token) throw new Error('send_invitation_email: incomplete payload');
  const base = process.env.INVITATION_URL || `${(process.env.PUBLIC_URL || 'http://localhost:8080').replace(/\/+$/, '')}/auth/invitations/accept`;
  const link = `${base}#token=${token}`;
  void link; // would go to the mail provider; never logged
  helpers.logger.info(`invitation ${invitation_id} (${role}) handed off for ${mask(email)}`);
};
