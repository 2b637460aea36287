import type { Task } from 'graphile-worker';

interface Payload {
  user_id: string;
  email: string;
  token: string;
}

const mask = (email: string) => email.replace(/^(.).*(@.*)$/, '$1***$2');

/**
 * Hands a password-reset link to the mail system. There is no SMTP here: the hand-off is
 * logged (without the token) so operators can wire a provider in one place. The job is
 * enqueued by app_private.request_password_reset in the same transaction as the token.
 */
export const send_password_reset_email: Task = async (payload, helpers) => {
  const { user_id, email, token } = payload as Payload;
  if (!user_id || !email || !token) throw new Error('send_password_reset_email: incomplete payload');
  const base = process.env.PASSWORD_RESET_URL ?? 'http://localhost:8080/auth/password/reset';
  const link = `${base}#token=${token}`;
  void link; // would go to the mail provider; never logged
  helpers.logger.info(`password reset link handed off for user ${user_id} (${mask(email)})`);
};
