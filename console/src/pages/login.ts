import { login } from '../api.ts';
import { append, h, notice } from '../dom.ts';

/** Email and password; when the account has MFA the gateway answers mfa_required and a code field appears. */
export function renderLogin(root: HTMLElement, done: () => void): void {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const code = h('input', { type: 'text', name: 'totp_code', inputmode: 'numeric', autocomplete: 'one-time-code' });
  const codeRow = h('label', { hidden: true }, 'Authentication code', code);
  const status = h('div', { 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'login card', 'data-testid': 'login-form' },
    h('h1', {}, 'Switchboard console'),
    h('label', {}, 'Email', email),
    h('label', {}, 'Password', password),
    codeRow,
    submit,
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.replaceChildren();
    submit.disabled = true;
    try {
      const answer = await login(email.value.trim(), password.value, codeRow.hidden ? undefined : code.value.trim());
      if (answer.status === 200) return done();
      if (answer.body.error === 'mfa_required') {
        const first = codeRow.hidden;
        codeRow.hidden = false;
        code.focus();
        append(status, notice(first ? 'Enter the code from your authenticator app (or a recovery code).' : 'That code is not valid.', first ? 'info' : 'error'));
      } else {
        append(status, notice(answer.body.message ?? `Sign-in failed (${answer.status}).`, 'error'));
      }
    } catch (error) {
      append(status, notice(`Sign-in failed: ${(error as Error).message}`, 'error'));
    } finally {
      submit.disabled = false;
    }
  });
  root.appendChild(h('main', { class: 'login-page' }, form));
  email.focus();
}
