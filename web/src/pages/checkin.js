// checkin.js - the patient's self check-in, PUBLIC (no login):
//   /checkin/<token>  a link sent to the patient's phone
//   /checkin          the waiting-room tablet: type the code from the desk
// The page shows a greeting with the first name and the questionnaires, sends
// the answers and says thank you. It uses only the two public check-in routes
// (GET and POST /api/v1/checkin/{token-or-code}), never the clinician's
// session, and shows nothing else of the app: no menu, no links. An invalid,
// used or expired link gets the server's message on a plain page.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { InstrumentItems, answersFor, unanswered } from '../components/instrument-items.js';
import { DefinitionFoot } from '../chart/measure-record.js';

const TITLES = { 404: 'This check-in is not valid', 409: 'Already completed', 410: 'This check-in has expired' };
const AUTO_RESET_MS = 90000; // the tablet returns to the code screen

const call = (method, key, body) => api(method, `/checkin/${encodeURIComponent(key)}`, body, { auth: false });

export const isCheckinPath = (path) => path === '/checkin' || path === '/checkin/' || path.startsWith('/checkin/');

function untilText(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' }).format(d);
}

function Plain({ title, children }) {
  useEffect(() => {
    const h = document.querySelector('.checkin-page h1');
    if (h) h.focus();
  }, [title]);
  return html`<main id="main" class="checkin-page">
    <div class="checkin-box">
      <h1 tabindex="-1">${title}</h1>
      ${children}
    </div>
  </main>`;
}

function CodeEntry({ onOpen }) {
  const [code, setCode] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.getElementById('ci-code')?.focus();
  }, []);
  async function submit(e) {
    e.preventDefault();
    setErr(null);
    const c = code.trim();
    if (!c) {
      setErr('Type the code you were given at the front desk.');
      return;
    }
    setBusy(true);
    try {
      const data = await call('GET', c);
      onOpen(c, data);
    } catch (x) {
      setErr(x.message);
      setBusy(false);
      document.getElementById('ci-code')?.select();
    }
  }
  return html`<${Plain} title="Check-in">
    <form onSubmit=${submit} noValidate class="checkin-code-form">
      <div class=${`field${err ? ' has-error' : ''}`}>
        <label for="ci-code">Your check-in code</label>
        <input id="ci-code" class="checkin-code-input" value=${code} onInput=${(e) => setCode(e.currentTarget.value)}
          autocomplete="off" autocapitalize="characters" spellcheck="false" inputmode="text"
          aria-invalid=${err ? 'true' : undefined} aria-describedby=${err ? 'ci-code-err ci-code-hint' : 'ci-code-hint'} />
        <p class="hint" id="ci-code-hint">The front desk gave you a code of 9 letters and numbers, for example ABC-DEF-GHJ.</p>
        ${err ? html`<p class="field-error" id="ci-code-err" role="alert">${err}</p>` : null}
      </div>
      <button class="btn btn-primary btn-big" type="submit" disabled=${busy}>${busy ? 'Opening…' : 'Start'}</button>
    </form>
  <//>`;
}

function Questionnaires({ data, keyOf, onSent, onGone }) {
  const defs = data.instruments || [];
  const [values, setValues] = useState(() => defs.map(() => ({})));
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const msgRef = useRef(null);
  useEffect(() => {
    document.querySelector('.checkin-page h1')?.focus();
  }, []);

  // Which questions to mark: a server error naming an item
  // ("answers.<k>.items.<id>": questionnaire k), or, when answers are
  // missing, the unanswered ones.
  const marks = defs.map(() => ({}));
  const named = err && err.field ? /^answers\.(\d+)\.items\.(.+)$/.exec(err.field) : null;
  if (named && defs[Number(named[1])]) {
    marks[Number(named[1])][named[2]] = err.message;
  } else if (err && err.status === 422) {
    defs.forEach((d, k) => unanswered(d, values[k]).forEach((it) => (marks[k][it.id] = 'Please answer this question.')));
  }

  async function submit(e) {
    e.preventDefault();
    setErr(null);
    setBusy(true);
    try {
      const r = await call('POST', keyOf, { answers: defs.map((d, k) => answersFor(d, values[k])) });
      onSent(r);
    } catch (x) {
      setBusy(false);
      if (x.status === 404 || x.status === 409 || x.status === 410) {
        onGone(x);
        return;
      }
      setErr(x);
      setTimeout(() => msgRef.current && msgRef.current.focus(), 0);
    }
  }

  const set = (k) => (id, v) => setValues((all) => all.map((x, i) => (i === k ? { ...x, [id]: v } : x)));
  return html`<main id="main" class="checkin-page">
    <form class="checkin-box checkin-form" onSubmit=${submit} noValidate aria-labelledby="ci-hello">
      <h1 id="ci-hello" tabindex="-1">Hello, ${data.greeting}</h1>
      <p class="checkin-intro">Please answer the ${defs.length === 1 ? 'questions' : `${defs.length} short questionnaires`} below.
        Your answers go to your care team. There are no right or wrong answers.</p>
      <p class="checkin-until">This page is open until ${untilText(data.expires_at)}.</p>
      ${err
        ? html`<div class="alert error checkin-error" role="alert" tabindex="-1" ref=${msgRef}>
            ${err.status === 422 ? html`<p><strong>Some answers are missing or not valid.</strong></p>` : null}
            <p>${err.message}</p>
          </div>`
        : null}
      ${defs.map(
        (d, k) => html`<section class="checkin-instrument" aria-labelledby=${`ci-q-${k}`} key=${d.code}>
          <h2 id=${`ci-q-${k}`}>${defs.length > 1 ? html`<span class="checkin-step">${k + 1} of ${defs.length}</span> ` : null}${d.name}</h2>
          ${d.stem ? html`<p class="checkin-stem">${d.stem}</p>` : null}
          <${InstrumentItems} def=${d} values=${values[k]} onValue=${set(k)} errors=${marks[k]} prefix=${`ci-${k}`} patient />
          <${DefinitionFoot} def=${d} patient />
        </section>`,
      )}
      <div class="checkin-send">
        <button class="btn btn-primary btn-big" type="submit" disabled=${busy}>${busy ? 'Sending…' : 'Send my answers'}</button>
      </div>
    </form>
  </main>`;
}

export function CheckinApp({ path }) {
  const fromLink = path.startsWith('/checkin/') && path.length > '/checkin/'.length ? decodeURIComponent(path.slice('/checkin/'.length)) : null;
  const [state, setState] = useState(fromLink ? { phase: 'loading' } : { phase: 'code' });

  useEffect(() => {
    document.title = 'Check-in';
    if (!fromLink) return;
    call('GET', fromLink).then(
      (data) => setState({ phase: 'form', key: fromLink, data }),
      (err) => setState({ phase: 'gone', err }),
    );
  }, []);

  // On the tablet, the thank-you goes back to the code screen by itself.
  useEffect(() => {
    if (fromLink || state.phase !== 'done') return undefined;
    const t = setTimeout(() => setState({ phase: 'code' }), AUTO_RESET_MS);
    return () => clearTimeout(t);
  }, [state.phase]);

  if (state.phase === 'loading') return html`<${Plain} title="Check-in"><p class="loading" role="status">Opening your check-in…</p><//>`;
  if (state.phase === 'code') return html`<${CodeEntry} onOpen=${(key, data) => setState({ phase: 'form', key, data })} />`;
  if (state.phase === 'gone') {
    const e = state.err;
    return html`<${Plain} title=${TITLES[e.status] || 'Check-in is not available'}>
      <p class="checkin-message" data-status=${e.status}>${e.message}</p>
      ${!fromLink ? html`<button class="btn btn-big" type="button" onClick=${() => setState({ phase: 'code' })}>Back</button>` : null}
      ${e.status === 0 || e.status >= 500 ? html`<button class="btn btn-big" type="button" onClick=${() => location.reload()}>Try again</button>` : null}
    <//>`;
  }
  if (state.phase === 'done')
    return html`<${Plain} title="Thank you">
      <p class="checkin-message">${state.result.message}</p>
      <p class="muted">You can close this page${fromLink ? '' : ' and give the tablet back to the front desk'}.</p>
      ${!fromLink ? html`<button class="btn btn-big" type="button" onClick=${() => setState({ phase: 'code' })}>Finish</button>` : null}
    <//>`;
  return html`<${Questionnaires} key=${state.key} data=${state.data} keyOf=${state.key}
    onSent=${(result) => setState({ phase: 'done', result })} onGone=${(err) => setState({ phase: 'gone', err })} />`;
}
