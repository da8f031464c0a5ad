// med-order.js - one medication order on the Medications tab: its current
// state in a line (dose, status, titration's next step), and, expanded, its
// history from GET /api/v1/orders/{id}: the events (start, dose changes,
// holds, ...) with who, when and why, every rule alert shown for it with the
// overrides, and the titration plans with their steps. A prescriber changes
// the dose, holds, resumes, discontinues or reassesses it (a reason each
// time), sets a titration plan and pauses or resumes it.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../lib/api.js';
import { instant, shortDate, today } from '../lib/format.js';
import {
  amountText, blocking, eventLabel, frequencyLabel, num, orderStatusLabel, orderText,
} from '../lib/meds.js';
import {
  DateField, ErrorBanner, FormError, Loading, TableWrap, TextArea, TextField, errorFor, fieldId, useAsync, useFocusError,
} from '../components/ui.js';
import { RuleAlerts } from '../components/rule-alerts.js';

const number = (s) => {
  const t = String(s).trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
};

export function OrderStatus({ o }) {
  return html`<span class=${`badge ost ost-${o.status}`} data-status=${o.status}>${orderStatusLabel(o.status)}</span>`;
}

// "+5 mg every 3 days to 80 mg" / "Day 1: 8 mg, day 2: 16 mg"
export function planText(t, unit) {
  const p = t.plan || t;
  if (p.steps && p.steps.length)
    return p.steps.map((s, i) => `${i ? 'day' : 'Day'} ${s.day}: ${amountText(s.dose, unit)}`).join(', ');
  if (p.step !== undefined)
    return `${p.step > 0 ? '+' : ''}${amountText(p.step, unit)} every ${p.every_days === 1 ? 'day' : `${p.every_days} days`}${p.target !== undefined ? ` to ${amountText(p.target, unit)}` : ''}`;
  return '';
}

const EVENT_FIELDS = ['reason', 'dose', 'effective_on', 'override_reason'];
const KIND_TITLE = {
  change: 'Change the dose',
  hold: 'Hold the order',
  resume: 'Resume the order',
  discontinue: 'Discontinue the order',
  reassess: 'Record a reassessment',
};
const KIND_DONE = { change: 'Dose changed', hold: 'Order held', resume: 'Order resumed', discontinue: 'Order discontinued', reassess: 'Reassessment recorded' };
const KIND_BUTTON = { change: 'Save dose change', hold: 'Hold', resume: 'Resume', discontinue: 'Discontinue', reassess: 'Save reassessment' };

// change | hold | resume | discontinue | reassess, with a reason; a blocked
// dose change may be overridden with a written reason.
function EventForm({ o, kind, onDone, onCancel }) {
  const form = `mo-ev-${o.id}`;
  const [v, setV] = useState({ dose: kind === 'change' ? num(o.dose) : '', effective_on: '', reason: '', override_reason: '' });
  const [err, setErr] = useState(null);
  const [blocked, setBlocked] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(form, err, EVENT_FIELDS);
  useEffect(() => {
    const el = document.getElementById(fieldId(form, kind === 'change' ? 'dose' : 'reason'));
    if (el) el.focus();
  }, [kind]);
  const prop = (name, label, extra = {}) => ({
    id: fieldId(form, name), label, value: v[name], error: errorFor(err, name),
    onValue: (x) => setV((s) => ({ ...s, [name]: x })), ...extra,
  });

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    const body = { kind, reason: v.reason.trim() };
    if (kind === 'change') body.dose = number(v.dose);
    if (v.effective_on.trim()) body.effective_on = v.effective_on.trim();
    if (blocked) {
      if (!v.override_reason.trim()) {
        setErr({ field: 'override_reason', message: 'Write why the change goes ahead despite the block.' });
        return;
      }
      body.override_reason = v.override_reason.trim();
    }
    setBusy(true);
    try {
      const r = await post(`/orders/${o.id}/events`, body);
      setBusy(false);
      onDone(r, kind);
    } catch (x) {
      setBusy(false);
      if (x.status === 409 && blocking(x.alerts).length) {
        setBlocked(x);
        setTimeout(() => {
          const el = document.getElementById(fieldId(form, 'override_reason'));
          if (el) el.focus();
        }, 0);
      } else setErr(x);
    }
  }

  return html`<form class="mo-form" onSubmit=${submit} noValidate aria-labelledby=${`${form}-title`}>
    <h3 id=${`${form}-title`}>${KIND_TITLE[kind]}: ${orderText(o)}</h3>
    <${FormError} err=${err} fields=${EVENT_FIELDS} />
    <div class="grid mo-ev-grid">
      ${kind === 'change'
        ? html`<${TextField} ...${prop('dose', `New dose (${o.unit})`, { required: true, inputmode: 'decimal', autocomplete: 'off', hint: `Now ${amountText(o.dose, o.unit)}` })} />`
        : null}
      <${DateField} ...${prop('effective_on', 'From', { hint: 'Leave empty for today' })} />
      <div class="mo-reason"><${TextField} ...${prop('reason', 'Reason', { required: true, autocomplete: 'off' })} /></div>
    </div>
    ${blocked
      ? html`<div class="blocked" role="alert">
          <p><strong>Not saved: ${blocking(blocked.alerts).length === 1 ? 'a rule blocks this change' : 'rules block this change'}.</strong> ${blocked.message}</p>
          <${RuleAlerts} alerts=${blocked.alerts} />
          <${TextArea} ...${prop('override_reason', 'Override reason', { required: true, rows: 2, hint: 'Kept with the order and shown in its history.' })} />
        </div>`
      : null}
    <div class="actions">
      <button class=${`btn ${blocked ? 'btn-danger' : 'btn-primary'}`} type="submit" disabled=${busy}>
        ${blocked ? 'Override and save' : KIND_BUTTON[kind]}</button>
      <button class="btn" type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

const TITRATION_FIELDS = ['step', 'every_days', 'target', 'start_on', 'steps'];

function TitrationForm({ o, onDone, onCancel }) {
  const form = `mo-ti-${o.id}`;
  const [mode, setMode] = useState('step');
  const [v, setV] = useState({ step: '', every_days: '3', target: '', start_on: '' });
  const [rows, setRows] = useState([{ day: '1', dose: num(o.dose) }, { day: '2', dose: '' }]);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(form, err, TITRATION_FIELDS);
  const prop = (name, label, extra = {}) => ({
    id: fieldId(form, name), label, value: v[name], error: errorFor(err, name),
    onValue: (x) => setV((s) => ({ ...s, [name]: x })), ...extra,
  });
  const setRow = (i, k) => (x) => setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [k]: x } : r)));
  // The server names a step's field as steps[0].dose or steps.0.dose.
  const rowErr = (i, k) => (err && err.field && (err.field === `steps[${i}].${k}` || err.field === `steps.${i}.${k}`) ? err.message : null);

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    let body;
    if (mode === 'step') {
      body = { step: number(v.step), every_days: number(v.every_days), target: number(v.target) };
    } else {
      body = { steps: rows.filter((r) => String(r.day).trim() || String(r.dose).trim()).map((r) => ({ day: number(r.day), dose: number(r.dose) })) };
    }
    if (v.start_on.trim()) body.start_on = v.start_on.trim();
    setBusy(true);
    try {
      const r = await post(`/orders/${o.id}/titration`, body);
      setBusy(false);
      onDone(r);
    } catch (x) {
      setBusy(false);
      setErr(x);
    }
  }

  const stepsErr = err && err.field && /^steps/.test(err.field) && !rows.some((_, i) => rowErr(i, 'day') || rowErr(i, 'dose')) ? err.message : null;
  return html`<form class="mo-form" onSubmit=${submit} noValidate aria-labelledby=${`${form}-title`}>
    <h3 id=${`${form}-title`}>Titration plan: ${orderText(o)}</h3>
    <${FormError} err=${err} fields=${[...TITRATION_FIELDS, ...rows.flatMap((_, i) => [`steps[${i}].day`, `steps[${i}].dose`, `steps.${i}.day`, `steps.${i}.dose`])]} />
    <fieldset class="mo-mode">
      <legend class="sr-only">Kind of plan</legend>
      <label class="check-label"><input type="radio" name=${`${form}-mode`} checked=${mode === 'step'} onChange=${() => setMode('step')} />
        Step to a target</label>
      <label class="check-label"><input type="radio" name=${`${form}-mode`} checked=${mode === 'steps'} onChange=${() => setMode('steps')} />
        Dose for each day (e.g. induction)</label>
    </fieldset>
    ${mode === 'step'
      ? html`<div class="grid mo-ti-grid">
          <${TextField} ...${prop('step', `Step (${o.unit})`, { required: true, inputmode: 'decimal', autocomplete: 'off', hint: 'Negative to taper' })} />
          <${TextField} ...${prop('every_days', 'Every (days)', { required: true, inputmode: 'numeric', autocomplete: 'off' })} />
          <${TextField} ...${prop('target', `Target (${o.unit})`, { required: true, inputmode: 'decimal', autocomplete: 'off' })} />
          <${DateField} ...${prop('start_on', 'Start', { hint: 'Leave empty for today' })} />
        </div>`
      : html`<div class="mo-steps">
          ${stepsErr ? html`<p class="field-error" role="alert">${stepsErr}</p>` : null}
          <table class="table compact mo-steps-table">
            <thead><tr><th scope="col">Day</th><th scope="col">Dose (${o.unit})</th><th scope="col"><span class="sr-only">Remove</span></th></tr></thead>
            <tbody>
              ${rows.map((r, i) => html`<tr key=${i}>
                <td><${TextField} id=${`${form}-day-${i}`} label=${`Day of step ${i + 1}`} value=${r.day} onValue=${setRow(i, 'day')}
                  error=${rowErr(i, 'day')} inputmode="numeric" autocomplete="off" /></td>
                <td><${TextField} id=${`${form}-dose-${i}`} label=${`Dose of step ${i + 1}`} value=${r.dose} onValue=${setRow(i, 'dose')}
                  error=${rowErr(i, 'dose')} inputmode="decimal" autocomplete="off" /></td>
                <td>${rows.length > 1
                  ? html`<button type="button" class="btn btn-small btn-quiet" onClick=${() => setRows((rs) => rs.filter((_, j) => j !== i))}>
                      Remove<span class="sr-only"> step ${i + 1}</span></button>`
                  : null}</td>
              </tr>`)}
            </tbody>
          </table>
          <button type="button" class="btn btn-small" onClick=${() => setRows((rs) => [...rs, { day: String(rs.length + 1), dose: '' }])}>Add a day</button>
          <${DateField} ...${prop('start_on', 'Day 1 is', { hint: 'Leave empty for today' })} />
        </div>`}
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>Save plan</button>
      <button class="btn" type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

// Pause or resume the titration, with a reason.
function PlanForm({ o, what, onDone, onCancel }) {
  const form = `mo-tp-${o.id}`;
  const [reason, setReason] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(form, err, ['reason']);
  useEffect(() => {
    const el = document.getElementById(fieldId(form, 'reason'));
    if (el) el.focus();
  }, []);
  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    setBusy(true);
    try {
      const r = await post(`/orders/${o.id}/titration/${what}`, { reason: reason.trim() });
      setBusy(false);
      onDone(r);
    } catch (x) {
      setBusy(false);
      setErr(x);
    }
  }
  return html`<form class="mo-form" onSubmit=${submit} noValidate aria-labelledby=${`${form}-title`}>
    <h3 id=${`${form}-title`}>${what === 'pause' ? 'Pause the titration' : 'Resume the titration'}</h3>
    <${FormError} err=${err} fields=${['reason']} />
    <${TextField} id=${fieldId(form, 'reason')} label="Reason" required value=${reason} onValue=${setReason}
      error=${errorFor(err, 'reason')} autocomplete="off"
      hint=${what === 'pause' ? 'Later steps stop applying.' : 'The plan continues from the current dose, from today.'} />
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>${what === 'pause' ? 'Pause titration' : 'Resume titration'}</button>
      <button class="btn" type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

function Events({ d }) {
  const ev = d.events || [];
  if (!ev.length) return html`<p class="muted">No events.</p>`;
  return html`<${TableWrap} label="Order history">
    <table class="table small mo-events">
      <caption>History, oldest first</caption>
      <thead><tr><th scope="col">From</th><th scope="col">What</th><th scope="col" class="num">Dose</th>
        <th scope="col">Why</th><th scope="col">Recorded</th></tr></thead>
      <tbody>
        ${ev.map((e) => html`<tr key=${e.id} data-kind=${e.kind}>
          <td class="nowrap">${e.effective_on || ''}</td>
          <td>${eventLabel(e.kind)}</td>
          <td class="num nowrap">${e.dose !== null && e.dose !== undefined ? amountText(e.dose, d.unit) : ''}</td>
          <td>${e.reason || html`<span class="muted">—</span>`}
            ${e.override_reason ? html`<div class="small"><span class="badge rsev rsev-block">Override</span> ${e.override_reason}</div>` : null}</td>
          <td class="nowrap small">${instant(e.recorded_at)}<div class="muted">${e.recorded_by}</div></td>
        </tr>`)}
      </tbody>
    </table>
  <//>`;
}

function Titrations({ d }) {
  const ts = d.titrations || [];
  if (!ts.length) return null;
  const on = today();
  return html`<div class="mo-titrations">
    <h3>Titration</h3>
    ${ts.map((t) => html`<div class="mo-plan" key=${t.id} data-plan=${t.id}>
      <p><strong>${planText(t, d.unit)}</strong>
        ${t.paused_on ? html` <span class="badge warn">Paused ${t.paused_on}</span>` : null}
        <span class="muted small"> · set ${instant(t.created_at)} by ${t.created_by}</span></p>
      ${(t.steps || []).length
        ? html`<${TableWrap} label="Titration steps">
            <table class="table compact small mo-steps-list">
              <thead><tr><th scope="col">Day</th><th scope="col" class="num">Dose</th><th scope="col">Status</th></tr></thead>
              <tbody>
                ${t.steps.map((s) => html`<tr key=${s.on} class=${s.applies ? '' : 'muted'}>
                  <td class="nowrap">${shortDate(s.on, true)}</td>
                  <td class="num">${amountText(s.dose, d.unit)}</td>
                  <td>${!s.applies ? 'Does not apply (paused or replaced)' : s.on <= on ? 'Applied' : 'Planned'}</td>
                </tr>`)}
              </tbody>
            </table>
          <//>`
        : null}
    </div>`)}
  </div>`;
}

function Detail({ o, ctx, onChanged }) {
  const det = useAsync(() => get(`/orders/${o.id}`), [o.id, o.dose, o.status, o.titrating, o.next_step && o.next_step.on]);
  const [form, setForm] = useState(null); // event kind | 'titration' | 'pause' | 'resume-plan'
  const d = det.data;
  const mayEvent = ctx.can('POST /api/v1/orders/{id}/events');
  const mayTitrate = ctx.can('POST /api/v1/orders/{id}/titration');
  const live = o.status === 'active' || o.status === 'held' || o.status === 'pending';
  const plan = d && (d.titrations || []).slice(-1)[0];
  const paused = plan && plan.paused_on;

  async function done(msg) {
    setForm(null);
    ctx.say(msg);
    await Promise.all([det.reload(), onChanged()]);
  }

  const btn = (id, label) => html`<button type="button" class=${`btn btn-small${form === id ? ' pressed' : ''}`}
    aria-expanded=${form === id ? 'true' : 'false'} onClick=${() => setForm(form === id ? null : id)}>${label}<span class="sr-only"> ${o.medication_name || o.medication}</span></button>`;

  return html`<div class="mo-detail">
    ${live && (mayEvent || mayTitrate)
      ? html`<div class="toolbar mo-actions" role="group" aria-label=${`Change ${o.medication_name || o.medication}`}>
          ${mayEvent && o.status !== 'held' ? btn('change', 'Change dose…') : null}
          ${mayEvent && o.status === 'active' ? btn('hold', 'Hold…') : null}
          ${mayEvent && o.status === 'held' ? btn('resume', 'Resume…') : null}
          ${mayEvent ? btn('reassess', 'Reassess…') : null}
          ${mayEvent ? btn('discontinue', 'Discontinue…') : null}
          ${mayTitrate ? btn('titration', plan && !paused ? 'New titration plan…' : 'Titration plan…') : null}
          ${mayTitrate && plan && !paused && o.titrating !== false ? btn('pause', 'Pause titration…') : null}
          ${mayTitrate && plan && paused ? btn('resume-plan', 'Resume titration…') : null}
        </div>`
      : null}
    ${form && KIND_TITLE[form]
      ? html`<${EventForm} key=${form} o=${o} kind=${form} onCancel=${() => setForm(null)}
          onDone=${(r, k) => done(`${KIND_DONE[k]}: ${o.medication_name || o.medication}${k === 'change' && r && r.dose !== undefined ? ` ${amountText(r.dose, o.unit)}` : ''}.`)} />`
      : null}
    ${form === 'titration'
      ? html`<${TitrationForm} o=${o} onCancel=${() => setForm(null)}
          onDone=${(r) => done(`Titration plan saved for ${o.medication_name || o.medication}${r && r.steps ? ` (${r.steps.length} steps)` : ''}.`)} />`
      : null}
    ${form === 'pause' || form === 'resume-plan'
      ? html`<${PlanForm} key=${form} o=${o} what=${form === 'pause' ? 'pause' : 'resume'} onCancel=${() => setForm(null)}
          onDone=${() => done(`Titration ${form === 'pause' ? 'paused' : 'resumed'} for ${o.medication_name || o.medication}.`)} />`
      : null}
    <${ErrorBanner} err=${det.error} />
    ${!d && !det.error ? html`<${Loading} what="Loading the order's history" />` : null}
    ${d
      ? html`<${Events} d=${{ ...d, unit: d.unit || o.unit }} />
          <${Titrations} d=${{ ...d, unit: d.unit || o.unit }} />
          ${(d.alerts || []).length
            ? html`<${RuleAlerts} alerts=${d.alerts} title="Rule alerts" />`
            : html`<p class="muted small">No rule alerts for this order.</p>`}`
      : null}
  </div>`;
}

export function OrderItem({ o, ctx, open, onToggle, onChanged }) {
  const indication = o.indication_id ? (ctx.diagnoses || []).find((d) => d.id === o.indication_id) : null;
  return html`<li class=${`mo-item ost-row-${o.status}`} data-order=${o.id} data-medication=${o.medication}>
    <div class="mo-row">
      <div class="mo-main">
        <div class="mo-title"><strong class="mo-name">${o.medication_name || o.medication}</strong>
          <span class="mo-dose">${amountText(o.dose, o.unit)}</span>
          <span class="muted"> ${o.route} · ${frequencyLabel(o.frequency)}</span></div>
        <div class="small muted">Since ${o.start_on}${o.stop_on ? ` until ${o.stop_on}` : ''}
          ${indication ? ` · for ${indication.code}` : ''}${o.created_by ? ` · ordered by ${o.created_by}` : ''}</div>
        ${o.instructions ? html`<div class="small mo-instructions">${o.instructions}</div>` : null}
      </div>
      <div class="mo-state">
        <${OrderStatus} o=${o} />
        ${o.titrating ? html`<span class="badge flag-info">Titrating</span>` : null}
        ${o.next_step
          ? html`<div class="small mo-next">Next step: <strong>${amountText(o.next_step.dose, o.unit)}</strong> on ${shortDate(o.next_step.on, true)}</div>`
          : null}
      </div>
      <button type="button" class="btn btn-small mo-toggle" aria-expanded=${open ? 'true' : 'false'} onClick=${onToggle}>
        ${open ? 'Hide history' : 'History and changes'}<span class="sr-only"> ${o.medication_name || o.medication}</span></button>
    </div>
    ${open ? html`<${Detail} o=${o} ctx=${ctx} onChanged=${onChanged} />` : null}
  </li>`;
}
