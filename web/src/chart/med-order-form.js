// med-order-form.js - the prescriber's "New order" form on the Medications
// tab (POST /api/v1/patients/{id}/orders). The medication comes from the
// formulary; its units, routes and usual dose (with sources) follow the
// choice; the indication is one of the patient's active diagnoses. When a
// rule blocks, the answer is 409 with the alerts: they are listed (rule,
// message, why, source) and the prescriber may send the same order again
// with a written override reason, or change it. Warnings show after saving.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { post } from '../lib/api.js';
import { useDraft } from '../lib/draft.js';
import { today } from '../lib/format.js';
import { FREQUENCIES, blocking, classLabel, formularyItem, formularyList, num, unitsOf } from '../lib/meds.js';
import {
  DateField, ErrorBanner, FormError, Loading, SelectField, TextArea, TextField, errorFor, fieldId, useAsync, useFocusError,
} from '../components/ui.js';
import { RuleAlerts } from '../components/rule-alerts.js';
import { diagnosisTitle } from './diagnoses.js';

const FIELDS = ['medication', 'dose', 'unit', 'route', 'frequency', 'start_on', 'stop_on', 'indication_id', 'instructions', 'override_reason'];

const number = (s) => {
  const t = String(s).trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
};

function UsualDose({ med }) {
  const u = med && med.usual_dose;
  if (!u) return null;
  const list = Array.isArray(u) ? u : [u];
  return html`<div class="usual-dose small">
    <strong>Usual dose</strong> (information, not a limit):
    <ul>${list.map(
      (d, i) => html`<li key=${i}>${num(d.min)}–${num(d.max)} ${d.unit} per ${d.per}${d.route ? `, ${d.route}` : ''}${d.form ? ` (${d.form})` : ''}
        ${d.note ? html`<div class="muted">${d.note}</div>` : null}
        ${d.source ? html`<div class="muted">Source: ${d.source}</div>` : null}</li>`,
    )}</ul>
  </div>`;
}

// A blocked order: the alerts and the override.
function Blocked({ err, reason, setReason, reasonErr, busy, onOverride, onChange }) {
  const blocks = blocking(err.alerts);
  return html`<div class="blocked card" role="alert" aria-labelledby="mo-blocked-title" id="mo-blocked">
    <h3 id="mo-blocked-title">Not saved: ${blocks.length === 1 ? 'a rule blocks this order' : `${blocks.length} rules block this order`}</h3>
    <p>${err.message}</p>
    <${RuleAlerts} alerts=${err.alerts} />
    <div class="override">
      <${TextArea} id="mo-new-override_reason" label="Override reason" required value=${reason} onValue=${setReason}
        error=${reasonErr} rows="2" hint="Only a prescriber may override, with a written reason; it is kept with the order and shown in its history." />
      <div class="actions">
        <button type="button" class="btn btn-danger" disabled=${busy} onClick=${onOverride}>Override and save the order</button>
        <button type="button" class="btn" onClick=${onChange}>Change the order</button>
      </div>
    </div>
  </div>`;
}

export function NewOrderForm({ ctx, onSaved, onCancel }) {
  const form = 'mo-new';
  const blank = {
    medication: '', dose: '', unit: '', route: '', frequency: 'daily', start_on: today(), stop_on: '',
    indication_id: '', instructions: '',
  };
  const [v, setV, clear] = useDraft(`mo-new-${ctx.patient.id}`, blank);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonErr, setReasonErr] = useState(null);
  const list = useAsync(() => formularyList(), []);
  const med = useAsync(() => (v.medication ? formularyItem(v.medication) : Promise.resolve(null)), [v.medication]);
  useFocusError(form, err && err.status !== 409 ? err : null, FIELDS);

  const meds = list.data || [];
  const summary = meds.find((m) => m.id === v.medication);
  const m = med.data;
  const units = m ? unitsOf(m) : summary ? [summary.default_unit] : [];
  const routes = (m && m.routes) || (summary && summary.routes) || [];

  // The medication's own unit and route when the choice changes.
  useEffect(() => {
    if (!summary) return;
    setV((o) => ({
      ...o,
      unit: units.includes(o.unit) ? o.unit : summary.default_unit,
      route: routes.includes(o.route) ? o.route : routes[0] || '',
    }));
  }, [v.medication, !!m]);

  useEffect(() => {
    if (err && err.status === 409) {
      const el = document.getElementById('mo-blocked');
      if (el) el.scrollIntoView({ block: 'nearest' });
      const r = document.getElementById('mo-new-override_reason');
      if (r) r.focus();
    }
  }, [err]);

  const set = (name) => (x) => {
    setV((o) => ({ ...o, [name]: x }));
    if (err && err.status === 409) setErr(null);
  };
  const prop = (name, label, extra = {}) => ({
    id: fieldId(form, name), label, value: v[name], error: errorFor(err, name), onValue: set(name), ...extra,
  });

  function body() {
    const b = { medication: v.medication, dose: number(v.dose), unit: v.unit, route: v.route, frequency: v.frequency };
    if (v.start_on.trim()) b.start_on = v.start_on.trim();
    if (v.stop_on.trim()) b.stop_on = v.stop_on.trim();
    if (v.indication_id) b.indication_id = Number(v.indication_id);
    if (v.instructions.trim()) b.instructions = v.instructions.trim();
    return b;
  }

  async function send(b) {
    setBusy(true);
    try {
      const o = await post(`/patients/${ctx.patient.id}/orders`, b);
      clear();
      setV(blank);
      setReason('');
      setErr(null);
      setBusy(false);
      await onSaved(o);
    } catch (x) {
      setBusy(false);
      // A block is 409 with alerts (its field names override_reason: the way
      // past it); a refused override reason is a 422 on that field.
      if (x.status === 409 && x.alerts.length) {
        setErr(x);
        if (b.override_reason) setReasonErr(x.message);
      } else if (x.field === 'override_reason' && err && err.status === 409) setReasonErr(x.message);
      else setErr(x);
    }
  }

  function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    setReasonErr(null);
    send(body());
  }

  function override() {
    if (!reason.trim()) {
      setReasonErr('Write why the order goes ahead despite the block.');
      const r = document.getElementById('mo-new-override_reason');
      if (r) r.focus();
      return;
    }
    setReasonErr(null);
    send({ ...body(), override_reason: reason.trim() });
  }

  const dx = (ctx.diagnoses || []).filter((d) => d.status === 'active');
  const blocked = err && err.status === 409 && err.alerts && err.alerts.length;

  return html`<form class="card form inline-form order-form" onSubmit=${submit} noValidate aria-labelledby="mo-new-title">
    <h2 id="mo-new-title">New medication order</h2>
    ${list.error ? html`<${ErrorBanner} err=${list.error} />` : null}
    ${!list.data && !list.error ? html`<${Loading} what="Loading the formulary" />` : null}
    ${!blocked ? html`<${FormError} err=${err} fields=${FIELDS.filter((f) => f !== 'override_reason')} />` : null}
    <div class="grid order-grid">
      <${SelectField} ...${prop('medication', 'Medication', {
        required: true,
        options: [['', 'Choose a medication…'], ...meds.map((x) => [x.id, `${x.name} — ${classLabel(x.class)}`])],
      })} />
      <${TextField} ...${prop('dose', 'Dose', { required: true, inputmode: 'decimal', autocomplete: 'off', hint: 'Per administration' })} />
      <${SelectField} ...${prop('unit', 'Unit', { options: units.length ? units.map((u) => [u, u]) : [['', '—']] })} />
      <${SelectField} ...${prop('route', 'Route', { options: routes.length ? routes.map((r) => [r, r]) : [['', '—']] })} />
      <${SelectField} ...${prop('frequency', 'Frequency', { options: FREQUENCIES })} />
      <${DateField} ...${prop('start_on', 'Start')} />
      <${DateField} ...${prop('stop_on', 'Stop', { hint: 'Optional' })} />
      <${SelectField} ...${prop('indication_id', 'Indication', {
        options: [['', dx.length ? 'Not linked to a diagnosis' : 'No active diagnoses'], ...dx.map((d) => [String(d.id), `${d.code} ${diagnosisTitle(d)}`])],
      })} />
      <div class="order-instructions"><${TextArea} ...${prop('instructions', 'Instructions', { rows: 2 })} /></div>
    </div>
    ${m ? html`<${UsualDose} med=${m} />` : null}
    ${blocked
      ? html`<${Blocked} err=${err} reason=${reason} setReason=${setReason} reasonErr=${reasonErr} busy=${busy}
          onOverride=${override} onChange=${() => { setErr(null); setReasonErr(null); }} />`
      : html`<div class="actions">
          <button class="btn btn-primary" type="submit" disabled=${busy || !list.data}>Save order</button>
          <button class="btn" type="button" onClick=${onCancel}>Cancel</button>
        </div>`}
  </form>`;
}
