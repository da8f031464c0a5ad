// measure-checkin.js - "Create check-in link": the patient answers
// self-report questionnaires on their own phone (the link) or on the waiting
// room's tablet (the code at /checkin), without logging in. The link and the
// code work once and expire; the server stores only their hashes, so they are
// shown here once.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { post } from '../lib/api.js';
import { instant } from '../lib/format.js';
import { fromNow } from '../lib/measures.js';
import { FormError, SelectField, errorFor } from '../components/ui.js';

const FORM = 'ms-ci';
const EXPIRY = [['30', '30 minutes'], ['60', '1 hour'], ['120', '2 hours'], ['240', '4 hours'], ['1440', '24 hours']];

// "ZMBDXBEUA" -> "ZMB-DXB-EUA" (the server ignores dashes).
export const groupCode = (c) => (c || '').replace(/(.{3})(?=.)/g, '$1-');

function Created({ ck, onClose }) {
  const [copied, setCopied] = useState(false);
  const link = new URL(ck.link, location.origin).href;
  const tablet = new URL('/checkin', location.origin).href;
  async function copy() {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
    } catch {
      const el = document.getElementById(`${FORM}-link`);
      if (el) el.select();
    }
  }
  return html`<div class="ci-created" role="status">
    <h3>Check-in ready: ${ck.instruments.join(', ')}</h3>
    <div class="field wide">
      <label for=${`${FORM}-link`}>Link for the patient's phone</label>
      <div class="ci-link-row">
        <input id=${`${FORM}-link`} class="mono ci-link" readonly value=${link} onFocus=${(e) => e.currentTarget.select()} />
        <button type="button" class="btn" onClick=${copy}>${copied ? 'Copied' : 'Copy link'}</button>
      </div>
    </div>
    <p class="ci-code-line">Code for the waiting-room tablet (${tablet}):
      <strong class="ci-code mono" aria-label=${ck.code.split('').join(' ')}>${groupCode(ck.code)}</strong></p>
    <p>Works once. Expires <strong class="ci-expires">${instant(ck.expires_at)}</strong> <span class="muted">(${fromNow(ck.expires_at)})</span>.
      The patient sees only a greeting with their first name and the questionnaires.</p>
    <p class="fine">This link and code are shown only now; create a new check-in if they are lost.</p>
    <button type="button" class="btn btn-small" onClick=${onClose}>Done</button>
  </div>`;
}

export function CheckinLink({ ctx, instruments, preselect = [], onClose }) {
  const self = instruments.filter((i) => i.self_report);
  const [chosen, setChosen] = useState(() => preselect.filter((c) => self.some((i) => i.code === c)));
  const [expires, setExpires] = useState('60');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const [ck, setCk] = useState(null);

  const toggle = (code) => setChosen((c) => (c.includes(code) ? c.filter((x) => x !== code) : [...c, code]));

  async function submit(e) {
    e.preventDefault();
    setErr(null);
    setBusy(true);
    try {
      // In the order the instruments are listed.
      const codes = self.map((i) => i.code).filter((c) => chosen.includes(c));
      setCk(await post(`/patients/${ctx.patient.id}/checkins`, { instruments: codes, expires_minutes: Number(expires) }));
    } catch (x) {
      setErr(x);
    }
    setBusy(false);
  }

  const instrErr = errorFor(err, 'instruments');
  return html`<section class="card ci-card" aria-labelledby=${`${FORM}-title`}>
    <h2 id=${`${FORM}-title`}>Self check-in</h2>
    ${ck
      ? html`<${Created} ck=${ck} onClose=${onClose} />`
      : html`<form class="form" onSubmit=${submit} noValidate>
          <${FormError} err=${err} fields=${['instruments', 'expires_minutes']} />
          <fieldset class=${`ci-choose${instrErr ? ' has-error' : ''}`} aria-describedby=${instrErr ? `${FORM}-instruments-err` : undefined}>
            <legend>Questionnaires the patient answers</legend>
            <div class="ci-options">
              ${self.map(
                (i, k) => html`<label class="check" key=${i.code}>
                  <input type="checkbox" id=${k === 0 ? `${FORM}-instruments` : undefined} checked=${chosen.includes(i.code)}
                    onChange=${() => toggle(i.code)} />
                  <span><strong>${i.code}</strong> <span class="muted">${i.name}</span></span>
                </label>`,
              )}
            </div>
            ${instrErr ? html`<p class="field-error" id=${`${FORM}-instruments-err`}>${instrErr}</p>` : null}
          </fieldset>
          <div class="grid ci-grid">
            <${SelectField} id=${`${FORM}-expires_minutes`} label="Valid for" value=${expires} onValue=${setExpires}
              options=${EXPIRY} error=${errorFor(err, 'expires_minutes')} />
          </div>
          <div class="actions">
            <button class="btn btn-primary" type="submit" disabled=${busy}>Create link</button>
            <button class="btn" type="button" onClick=${onClose}>Cancel</button>
          </div>
        </form>`}
  </section>`;
}
