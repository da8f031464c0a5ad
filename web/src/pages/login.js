// login.js - the login screen. The username is kept as a draft; the password
// never is.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { useDraft } from '../lib/draft.js';
import { session } from '../lib/session.js';
import { TextField, ErrorBanner, Notice } from '../components/ui.js';

export function Login({ onLogin }) {
  const [username, setUsername] = useDraft('login-username', session.username() || '');
  const [password, setPassword] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const [notice] = useState(() => session.takeNotice());

  useEffect(() => {
    document.title = 'Log in · Tandem';
    const el = document.getElementById(username ? 'login-password' : 'login-username');
    if (el) el.focus();
  }, []);

  async function submit(e) {
    e.preventDefault();
    setErr(null);
    if (!username || !password) {
      setErr(new Error('Enter your username and password.'));
      return;
    }
    setBusy(true);
    try {
      const r = await api('POST', '/session', { username, password }, { auth: false });
      setPassword('');
      await onLogin(r.token, username);
    } catch (x) {
      setErr(x);
      setBusy(false);
      const el = document.getElementById('login-password');
      if (el) el.select();
    }
  }

  return html`<main id="main" class="login-page">
    <form class="card login-card" onSubmit=${submit} noValidate aria-labelledby="login-title">
      <div class="login-brand"><span class="brand-mark" aria-hidden="true">T</span> Tandem</div>
      <h1 id="login-title" tabindex="-1">Log in</h1>
      ${notice ? html`<${Notice}>${notice}<//>` : null}
      <${ErrorBanner} err=${err} />
      <${TextField} id="login-username" label="Username" value=${username} onValue=${setUsername}
        autocomplete="username" autocapitalize="none" spellcheck="false" required />
      <${TextField} id="login-password" label="Password" type="password" value=${password} onValue=${setPassword}
        autocomplete="current-password" required />
      <button class="btn btn-primary btn-block" type="submit" disabled=${busy}>${busy ? 'Logging in…' : 'Log in'}</button>
      <p class="fine">For clinical staff. Every access to a patient's record is recorded.</p>
    </form>
  </main>`;
}
