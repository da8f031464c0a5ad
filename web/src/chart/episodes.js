// episodes.js - the chart's Episodes tab: each episode of care with a timeline
// of its placements, and admit / transfer / discharge.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { post } from '../lib/api.js';
import { useDraft } from '../lib/draft.js';
import { DISCHARGE_REASONS, dischargeLabel, instant, plural, daysBetween, today } from '../lib/format.js';
import { allLevels, levelInfo, levelLabel } from '../lib/levels.js';
import {
  DateField, FormError, SelectField, TableWrap, TextArea, errorFor, fieldId, useFocusError,
} from '../components/ui.js';
import { Timeline } from './timeline.js';

function asamOptions(level) {
  const l = levelInfo(level);
  if (!l) return [['', 'Choose a level first']];
  return [['', `Default for the level (${l.asam_default})`], ...l.asam_levels.map((a) => [a, a])];
}

// One small form: admit, transfer or discharge. `spec` says what it posts.
function ActionForm({ ctx, spec, onDone }) {
  const form = spec.form;
  const [v, setV, clear] = useDraft(`${form}-${ctx.patient.id}`, spec.initial());
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(form, err, spec.fields);
  const prop = (name, label, extra = {}) => ({
    id: fieldId(form, name), label, value: v[name], error: errorFor(err, name),
    onValue: (x) => setV((o) => ({ ...o, [name]: x, ...(name === 'level' ? { asam_level: '' } : {}) })), ...extra,
  });

  async function submit(e) {
    e.preventDefault();
    setErr(null);
    const body = {};
    for (const [k, val] of Object.entries(v)) if (String(val).trim() !== '') body[k] = String(val).trim();
    setBusy(true);
    try {
      await post(spec.path, body);
      clear();
      await ctx.reload();
      ctx.say(spec.done(v));
      onDone();
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }

  return html`<form class="card form inline-form" onSubmit=${submit} noValidate aria-labelledby=${`${form}-title`}>
    <h2 id=${`${form}-title`}>${spec.title}</h2>
    <${FormError} err=${err} fields=${spec.fields} />
    <div class="grid action-grid">${spec.render(prop, v)}</div>
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>${spec.submit}</button>
      <button class="btn" type="button" onClick=${onDone}>Cancel</button>
    </div>
  </form>`;
}

const levelOptions = (first) => [['', first], ...allLevels().map((l) => [l.id, l.label])];

function admitSpec(ctx) {
  return {
    form: 'ep-admit', title: 'Admit', submit: 'Admit', path: `/patients/${ctx.patient.id}/episodes`,
    fields: ['level', 'asam_level', 'admitted_on', 'reason'],
    initial: () => ({ level: '', asam_level: '', admitted_on: today(), reason: '' }),
    done: (v) => `Admitted to ${levelLabel(v.level)}.`,
    render: (prop, v) => html`
      <${SelectField} ...${prop('level', 'Level of care', { required: true, options: levelOptions('Choose a level') })} />
      <${SelectField} ...${prop('asam_level', 'ASAM level', { options: asamOptions(v.level) })} />
      <${DateField} ...${prop('admitted_on', 'Admitted on', { required: true })} />
      <${TextArea} ...${prop('reason', 'Reason', { rows: 1 })} />`,
  };
}

function transferSpec(ctx, ep) {
  return {
    form: 'ep-transfer', title: 'Transfer to another level of care', submit: 'Transfer',
    path: `/episodes/${ep.id}/placements`, fields: ['level', 'asam_level', 'started_on', 'reason'],
    initial: () => ({ level: '', asam_level: '', started_on: today(), reason: '' }),
    done: (v) => `Transferred to ${levelLabel(v.level)}.`,
    render: (prop, v) => html`
      <${SelectField} ...${prop('level', 'New level of care', { required: true, options: levelOptions('Choose a level') })} />
      <${SelectField} ...${prop('asam_level', 'ASAM level', { options: asamOptions(v.level) })} />
      <${DateField} ...${prop('started_on', 'Starts on', { required: true })} />
      <${TextArea} ...${prop('reason', 'Reason', { required: true, rows: 1 })} />`,
  };
}

function dischargeSpec(ctx, ep) {
  return {
    form: 'ep-discharge', title: 'Discharge', submit: 'Discharge', path: `/episodes/${ep.id}/discharge`,
    fields: ['reason', 'discharged_on', 'note'],
    initial: () => ({ reason: '', discharged_on: today(), note: '' }),
    done: () => 'Discharged.',
    render: (prop) => html`
      <${SelectField} ...${prop('reason', 'Reason', { required: true,
        options: [['', 'Choose a reason'], ...DISCHARGE_REASONS.map((r) => [r, dischargeLabel(r)])] })} />
      <${DateField} ...${prop('discharged_on', 'Discharged on', { required: true })} />
      <${TextArea} ...${prop('note', 'Note', { rows: 1 })} />`,
  };
}

function History({ ep }) {
  return html`<details class="history">
    <summary>Placement history (${plural(ep.placements.length, 'placement')})</summary>
    <${TableWrap} label="Placement history">
      <table class="table small">
        <thead><tr><th scope="col">Level</th><th scope="col">ASAM</th><th scope="col">From</th><th scope="col">To</th>
          <th scope="col">Reason</th><th scope="col">Recorded</th></tr></thead>
        <tbody>${ep.placements.map(
          (p) => html`<tr key=${p.id}><td>${levelLabel(p.level)}</td><td>${p.asam_level}</td>
            <td class="nowrap">${p.started_on}</td><td class="nowrap">${p.ended_on || 'now'}</td><td>${p.reason}</td>
            <td class="nowrap">${instant(p.recorded_at)} <span class="muted">${p.recorded_by}</span></td></tr>`,
        )}</tbody>
      </table>
    <//>
  </details>`;
}

function Episode({ ep }) {
  const open = ep.status === 'open';
  const end = ep.discharged_on || today();
  return html`<article class=${`card episode${open ? ' is-open' : ''}`} aria-labelledby=${`ep-${ep.id}`}>
    <header class="episode-head">
      <h2 id=${`ep-${ep.id}`}>${open ? 'Current episode' : 'Episode'} <span class="muted">${ep.admitted_on} – ${ep.discharged_on || 'now'}</span></h2>
      <span class=${`badge ${open ? 'ok' : 'muted'}`}>${open ? 'Open' : 'Discharged'}</span>
      <span class="muted small">${plural(Math.max(0, daysBetween(ep.admitted_on, end)), 'day')}</span>
    </header>
    ${!open && ep.discharge_reason
      ? html`<p class="small">Discharge: ${dischargeLabel(ep.discharge_reason)}${ep.discharge_note ? ` — ${ep.discharge_note}` : ''}</p>`
      : null}
    <${Timeline} episode=${ep} />
    <${History} ep=${ep} />
  </article>`;
}

function Panel({ ctx }) {
  const [form, setForm] = useState(null); // 'admit' | 'transfer' | 'discharge'
  const open = ctx.episodes.find((e) => e.status === 'open');
  const mayAdmit = ctx.can('POST /api/v1/patients/{id}/episodes');
  const mayMove = ctx.can('POST /api/v1/episodes/{id}/placements');
  const mayDischarge = ctx.can('POST /api/v1/episodes/{id}/discharge');
  const toggle = (f) => () => setForm(form === f ? null : f);
  const close = () => setForm(null);

  const buttons = [];
  if (!open && mayAdmit) buttons.push(['admit', 'Admit…']);
  if (open && mayMove) buttons.push(['transfer', 'Transfer…']);
  if (open && mayDischarge) buttons.push(['discharge', 'Discharge…']);

  return html`<div class="stack">
    ${buttons.length
      ? html`<div class="toolbar" role="group" aria-label="Episode actions">
          ${buttons.map(([f, label]) => html`<button type="button" class=${`btn${form === f ? ' btn-primary' : ''}`}
            aria-expanded=${form === f ? 'true' : 'false'} onClick=${toggle(f)}>${label}</button>`)}
        </div>`
      : null}
    ${form === 'admit' ? html`<${ActionForm} ctx=${ctx} spec=${admitSpec(ctx)} onDone=${close} />` : null}
    ${form === 'transfer' && open ? html`<${ActionForm} ctx=${ctx} spec=${transferSpec(ctx, open)} onDone=${close} />` : null}
    ${form === 'discharge' && open ? html`<${ActionForm} ctx=${ctx} spec=${dischargeSpec(ctx, open)} onDone=${close} />` : null}
    ${ctx.episodes.length
      ? ctx.episodes.map((ep) => html`<${Episode} key=${ep.id} ep=${ep} />`)
      : html`<section class="card"><p class="muted">No episodes of care yet.</p></section>`}
  </div>`;
}

export default { id: 'episodes', label: 'Episodes', visible: (ctx) => ctx.can('GET /api/v1/patients/{id}/episodes'), Panel };
