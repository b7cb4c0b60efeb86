/** The login form: a token (from `configurator console token`) and, optionally, a name for the
 * audit log. */
import { api, reasonOf, setSession } from './api.js';
import { h, show } from './dom.js';
import type { SessionInfo } from './types.js';

export function showLogin(main: HTMLElement, onLogin: (s: SessionInfo) => void): void {
  const token = h('input', {
    name: 'token',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    size: 50,
  });
  const name = h('input', { name: 'name', maxlength: 40, placeholder: 'for the audit log' });
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'inline', id: 'login' },
    h('label', {}, 'Token', token),
    h('label', {}, 'Your name (optional)', name),
    h('button', { class: 'primary', type: 'submit' }, 'Log in'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    const body: { token: string; name?: string } = { token: token.value.trim() };
    if (name.value.trim() !== '') body.name = name.value.trim();
    api<SessionInfo>('POST', '/api/login', body)
      .then((s) => {
        setSession(s);
        onLogin(s);
      })
      .catch((err: unknown) => (error.textContent = reasonOf(err)));
  });
  show(
    main,
    h('h1', {}, 'Log in'),
    h(
      'p',
      { class: 'muted' },
      'Ask the admin for a token: `configurator console token` prints it (--role viewer for a read-only one).',
    ),
    form,
    error,
  );
  token.focus();
}
