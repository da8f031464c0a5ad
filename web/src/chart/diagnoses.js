// diagnoses.js - the chart's Diagnoses tab: add a diagnosis (ICD-10-CM), change
// its status (resolve, mark entered in error, reactivate).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { post } from '../lib/api.js';
import { useDraft } from '../lib/draft.js';
import { instant, today } from '../lib/format.js';
import {
  DateField, FormError, SelectField, TableWrap, TextArea, TextField, errorFor, fieldId, useFocusError,
} from '../components/ui.js';

const cap = (s) => (s ? s[0].toUpperCase() + s.slice(1) : '');

// The server's title ("Major depressive disorder, single episode, moderate");
// when it has none, one built from the category: "Opioid dependence, in
// remission" / "Mental-health diagnosis".
export function diagnosisTitle(d) {
  if (d.title) return d.title;
  if (d.category === 'substance_use') {
    const t = [cap(d.substance || 'substance'), d.pattern || 'use'].join(' ');
    return d.in_remission ? `${t}, in remission` : t;
  }
  if (d.category === 'mental_health') return 'Mental-health diagnosis';
  return cap((d.category || '').replace(/_/g, ' '));
}

const STATUS = { active: 'Active', resolved: 'Resolved', entered_in_error: 'Entered in error' };

const ADD_FIELDS = ['code', 'onset_date', 'note'];

function AddForm({ ctx }) {
  const form = 'dx-add';
  const blank = { code: '', onset_date: '', note: '' };
  const [v, setV, clear] = useDraft(`dx-add-${ctx.patient.id}`, blank);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(form, err, ADD_FIELDS);
  const prop = (name, label, extra = {}) => ({
    id: fieldId(form, name), label, value: v[name], error: errorFor(err, name),
    onValue: (x) => setV((o) => ({ ...o, [name]: x })), ...extra,
  });

  async function submit(e) {
    e.preventDefault();
    setErr(null);
    const body = { code: v.code.trim() };
    if (v.onset_date.trim()) body.onset_date = v.onset_date.trim();
    if (v.note.trim()) body.note = v.note.trim();
    setBusy(true);
    try {
      const d = await post(`/patients/${ctx.patient.id}/diagnoses`, body);
      clear();
      setV(blank);
      await ctx.reload();
      ctx.say(`Added ${d.code} (${diagnosisTitle(d)}).`);
      const el = document.getElementById(fieldId(form, 'code'));
      if (el) el.focus();
    } catch (x) {
      setErr(x);
    }
    setBusy(false);
  }

  return html`<form class="card form inline-form" onSubmit=${submit} noValidate aria-labelledby="dx-add-title">
    <h2 id="dx-add-title">Add a diagnosis</h2>
    <${FormError} err=${err} fields=${ADD_FIELDS} />
    <div class="grid dx-grid">
      <${TextField} ...${prop('code', 'ICD-10-CM code', { required: true, hint: 'e.g. F11.20 or F32.1', autocomplete: 'off', spellcheck: 'false' })} />
      <${DateField} ...${prop('onset_date', 'Onset date')} />
      <${TextField} ...${prop('note', 'Note', { autocomplete: 'off' })} />
    </div>
    <div class="actions"><button class="btn btn-primary" type="submit" disabled=${busy}>Add diagnosis</button></div>
  </form>`;
}

const STATUS_FIELDS = ['status', 'effective_on', 'reason'];

function StatusForm({ d, ctx, onDone }) {
  const form = `dx-st-${d.id}`;
  const choices = d.status === 'active' ? ['resolved', 'entered_in_error'] : ['active', ...(d.status === 'resolved' ? ['entered_in_error'] : [])];
  const [v, setV, clear] = useDraft(form, { status: choices[0], effective_on: today(), reason: '' });
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(form, err, STATUS_FIELDS);
  const prop = (name, label, extra = {}) => ({
    id: fieldId(form, name), label, value: v[name], error: errorFor(err, name),
    onValue: (x) => setV((o) => ({ ...o, [name]: x })), ...extra,
  });

  async function submit(e) {
    e.preventDefault();
    setErr(null);
    const body = { status: v.status, reason: v.reason.trim() };
    if (v.effective_on.trim()) body.effective_on = v.effective_on.trim();
    setBusy(true);
    try {
      await post(`/diagnoses/${d.id}/status`, body);
      clear();
      await ctx.reload();
      ctx.say(`${d.code} is now ${STATUS[v.status].toLowerCase()}.`);
      onDone();
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }

  return html`<form class="status-form" onSubmit=${submit} noValidate aria-label=${`Change the status of ${d.code}`}>
    <${FormError} err=${err} fields=${STATUS_FIELDS} />
    <div class="grid dx-grid">
      <${SelectField} ...${prop('status', 'New status', { options: choices.map((c) => [c, STATUS[c]]) })} />
      <${DateField} ...${prop('effective_on', 'Effective on')} />
      <${TextArea} ...${prop('reason', 'Reason', { required: true, rows: 1 })} />
    </div>
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>Save status</button>
      <button class="btn" type="button" onClick=${onDone}>Cancel</button>
    </div>
  </form>`;
}

function Table({ rows, ctx, caption, inactive }) {
  const [open, setOpen] = useState(null);
  const mayChange = ctx.can('POST /api/v1/diagnoses/{id}/status');
  const cols = 5 + (inactive ? 1 : 0) + (mayChange ? 1 : 0);
  return html`<${TableWrap} label=${caption}>
    <table class="table">
      <caption>${caption}</caption>
      <thead><tr>
        <th scope="col">Code</th><th scope="col">Diagnosis</th><th scope="col">Onset</th>
        ${inactive ? html`<th scope="col">Status</th>` : null}
        <th scope="col">Recorded</th><th scope="col">Note</th>
        ${mayChange ? html`<th scope="col"><span class="sr-only">Actions</span></th>` : null}
      </tr></thead>
      <tbody>
        ${rows.map((d) => html`
          <tr key=${d.id}>
            <td class="mono code">${d.code}</td>
            <td>${diagnosisTitle(d)}</td>
            <td class="nowrap">${d.onset_date || html`<span class="muted">—</span>`}</td>
            ${inactive
              ? html`<td>${STATUS[d.status] || d.status}${d.status_on ? ` on ${d.status_on}` : ''}
                  ${d.status_reason ? html`<div class="muted small">${d.status_reason}</div>` : null}</td>`
              : null}
            <td class="nowrap small">${instant(d.recorded_at)}<div class="muted">${d.recorded_by}</div></td>
            <td>${d.note || ''}</td>
            ${mayChange
              ? html`<td class="nowrap">
                  <button type="button" class="btn btn-small" aria-expanded=${open === d.id ? 'true' : 'false'}
                    onClick=${() => setOpen(open === d.id ? null : d.id)}>
                    ${d.status === 'active' ? 'Resolve…' : 'Change status…'}<span class="sr-only"> ${d.code}</span></button></td>`
              : null}
          </tr>
          ${open === d.id
            ? html`<tr class="row-form"><td colspan=${cols}><${StatusForm} d=${d} ctx=${ctx} onDone=${() => setOpen(null)} /></td></tr>`
            : null}`)}
      </tbody>
    </table>
  <//>`;
}

function Panel({ ctx }) {
  const active = ctx.diagnoses.filter((d) => d.status === 'active');
  const inactive = ctx.diagnoses.filter((d) => d.status !== 'active');
  return html`<div class="stack">
    ${ctx.can('POST /api/v1/patients/{id}/diagnoses') ? html`<${AddForm} ctx=${ctx} />` : null}
    <section class="card">
      ${active.length
        ? html`<${Table} rows=${active} ctx=${ctx} caption="Active diagnoses" />`
        : html`<h2>Active diagnoses</h2><p class="muted">None recorded.</p>`}
    </section>
    ${inactive.length
      ? html`<section class="card"><${Table} rows=${inactive} ctx=${ctx} caption="Resolved and entered in error" inactive /></section>`
      : null}
  </div>`;
}

export default { id: 'diagnoses', label: 'Diagnoses', visible: (ctx) => ctx.can('GET /api/v1/patients/{id}/diagnoses'), Panel };
