// measure-schedules.js - the Measures tab's schedules: what is measured how
// often, when it is next due (overdue in red), and add / stop for the roles
// that may (POST /api/v1/patients/{id}/schedules, /schedules/{id}/stop).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { post } from '../lib/api.js';
import { useDraft } from '../lib/draft.js';
import { clinicZoneName, instant } from '../lib/format.js';
import { clinicInputToInstant, dueState, everyText, fromNow } from '../lib/measures.js';
import { FormError, SelectField, TableWrap, TextArea, TextField, errorFor, useFocusError } from '../components/ui.js';

const FORM = 'ms-sched';
const EVERY_FIELDS = ['every_minutes', 'every_hours', 'every_days'];
const FIELDS = ['instrument', 'every', 'starts_at', 'reason'];

export function DueBadge({ s }) {
  const st = dueState(s);
  if (st === 'overdue') return html`<span class="badge overdue-badge">Overdue</span>`;
  if (st === 'due') return html`<span class="badge warn">Due now</span>`;
  return html`<span class="badge muted">Due ${fromNow(s.due_at)}</span>`;
}

function AddSchedule({ ctx, instruments, onDone, onCancel }) {
  const pid = ctx.patient.id;
  const initial = { instrument: '', every: '', unit: 'days', starts_at: '', reason: '' };
  const [v, setV, clear] = useDraft(`${FORM}-${pid}`, initial);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  // The server names the unit it read ("every_hours"); the form has one field.
  const shown = err && EVERY_FIELDS.includes(err.field) ? { field: 'every', message: err.message } : err;
  useFocusError(FORM, shown, FIELDS);
  const set = (k) => (x) => setV((o) => ({ ...o, [k]: x }));

  async function submit(e) {
    e.preventDefault();
    setErr(null);
    const body = { instrument: v.instrument, reason: v.reason.trim() };
    const n = v.every.trim();
    body[`every_${v.unit}`] = /^\d+$/.test(n) ? Number(n) : n === '' ? undefined : n;
    if (body[`every_${v.unit}`] === undefined) delete body[`every_${v.unit}`];
    const at = clinicInputToInstant(v.starts_at);
    if (at) body.starts_at = at;
    setBusy(true);
    try {
      const s = await post(`/patients/${pid}/schedules`, body);
      clear();
      setBusy(false);
      onDone(`${s.instrument} scheduled ${everyText(s.every_minutes)}.`);
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }

  return html`<form class="inline-form msched-form" onSubmit=${submit} noValidate aria-labelledby=${`${FORM}-title`}>
    <h3 id=${`${FORM}-title`}>Add a schedule</h3>
    <${FormError} err=${shown} fields=${FIELDS} />
    <div class="grid msched-grid">
      <${SelectField} id=${`${FORM}-instrument`} label="Instrument" required value=${v.instrument} onValue=${set('instrument')}
        error=${errorFor(shown, 'instrument')} options=${[['', 'Choose an instrument'], ...instruments.map((i) => [i.code, `${i.code} — ${i.name}`])]} />
      <div class="msched-every">
        <${TextField} id=${`${FORM}-every`} label="Every" required inputmode="numeric" value=${v.every} onValue=${set('every')}
          error=${errorFor(shown, 'every')} />
        <${SelectField} id=${`${FORM}-unit`} label="Unit" value=${v.unit} onValue=${set('unit')}
          options=${[['minutes', 'minutes'], ['hours', 'hours'], ['days', 'days']]} />
      </div>
      <${TextField} id=${`${FORM}-starts_at`} label="Starts at" type="datetime-local" value=${v.starts_at} onValue=${set('starts_at')}
        error=${errorFor(shown, 'starts_at')} hint=${`Clinic time (${clinicZoneName()}). Leave empty for now.`} />
      <${TextArea} id=${`${FORM}-reason`} label="Reason" required rows="1" value=${v.reason} onValue=${set('reason')}
        error=${errorFor(shown, 'reason')} />
    </div>
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>Add schedule</button>
      <button class="btn" type="button" onClick=${() => { clear(); onCancel(); }}>Cancel</button>
    </div>
  </form>`;
}

function StopRow({ s, onDone, onCancel, cols }) {
  const [reason, setReason] = useState('');
  const [err, setErr] = useState(null);
  const id = `${FORM}-stop-${s.id}`;
  useEffect(() => {
    const el = document.getElementById(id);
    if (el) el.focus();
  }, []);
  async function submit(e) {
    e.preventDefault();
    setErr(null);
    try {
      await post(`/schedules/${s.id}/stop`, { reason: reason.trim() });
      onDone(`Stopped the ${s.instrument} schedule.`);
    } catch (x) {
      setErr(x);
    }
  }
  return html`<tr class="row-form"><td colspan=${cols}>
    <form class="stop-form" onSubmit=${submit} noValidate aria-label=${`Stop the ${s.instrument} schedule`}>
      <${FormError} err=${err} fields=${['reason']} />
      <${TextField} id=${id} label=${`Why stop the ${s.instrument} schedule?`} required value=${reason} onValue=${setReason}
        error=${errorFor(err, 'reason')} />
      <div class="actions">
        <button class="btn btn-primary btn-small" type="submit">Stop schedule</button>
        <button class="btn btn-small" type="button" onClick=${onCancel}>Cancel</button>
      </div>
    </form>
  </td></tr>`;
}

export function Schedules({ ctx, schedules, instruments, reload }) {
  const [adding, setAdding] = useState(false);
  const [stopping, setStopping] = useState(null);
  const mayAdd = ctx.can('POST /api/v1/patients/{id}/schedules');
  const mayStop = ctx.can('POST /api/v1/schedules/{id}/stop');
  const rows = schedules.data ? schedules.data.items : [];
  const cols = mayStop ? 7 : 6;
  const done = async (msg) => {
    setAdding(false);
    setStopping(null);
    await reload();
    ctx.say(msg);
  };
  return html`<section class="card msched" aria-labelledby="ms-sched-title">
    <div class="card-head">
      <h2 id="ms-sched-title">Schedules</h2>
      ${mayAdd && !adding ? html`<button type="button" class="btn btn-small" onClick=${() => setAdding(true)}>Add a schedule…</button>` : null}
    </div>
    ${schedules.error ? html`<p class="alert error" role="alert">${schedules.error.message}</p>` : null}
    ${adding ? html`<${AddSchedule} ctx=${ctx} instruments=${instruments} onDone=${done} onCancel=${() => setAdding(false)} />` : null}
    ${schedules.data && !rows.length ? html`<p class="muted">No measures are scheduled.</p>` : null}
    ${rows.length
      ? html`<${TableWrap} label="Schedules">
          <table class="table small msched-table">
            <thead><tr><th scope="col">Measure</th><th scope="col">How often</th><th scope="col">Reason</th>
              <th scope="col">Last given</th><th scope="col">Next due</th><th scope="col">Status</th>
              ${mayStop ? html`<th scope="col"><span class="sr-only">Actions</span></th>` : null}</tr></thead>
            <tbody>
              ${rows.map(
                (s) => html`<tr key=${s.id} class=${`due-${dueState(s)}`} data-instrument=${s.instrument}>
                  <td class="code">${s.instrument}</td>
                  <td class="nowrap">${everyText(s.every_minutes)}</td>
                  <td>${s.reason}</td>
                  <td class="nowrap">${s.last_at ? instant(s.last_at) : html`<span class="muted">not yet</span>`}</td>
                  <td class="nowrap">${instant(s.due_at)}</td>
                  <td><${DueBadge} s=${s} /></td>
                  ${mayStop
                    ? html`<td><button type="button" class="btn btn-small" aria-expanded=${stopping === s.id ? 'true' : 'false'}
                        onClick=${() => setStopping(stopping === s.id ? null : s.id)}>Stop…</button></td>`
                    : null}
                </tr>
                ${stopping === s.id ? html`<${StopRow} s=${s} cols=${cols} onDone=${done} onCancel=${() => setStopping(null)} />` : null}`,
              )}
            </tbody>
          </table>
        <//>`
      : null}
  </section>`;
}
