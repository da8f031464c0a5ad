// allergies.js - the patient's allergies: the line under the name in the chart
// header (active allergies, or "No allergies recorded") and the Allergies card
// on the Overview tab (add one; resolve or mark entered in error, with a reason).
// The list is read once with the chart (chart.js: ctx.allergies).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { post } from '../lib/api.js';
import { useDraft } from '../lib/draft.js';
import { instant } from '../lib/format.js';
import {
  DateField, FormError, SelectField, TextArea, TextField, errorFor, fieldId, useFocusError,
} from '../components/ui.js';

const KINDS = [['drug', 'Drug'], ['food', 'Food'], ['environment', 'Environment'], ['other', 'Other']];
const SEVERITIES = [['unknown', 'Unknown'], ['mild', 'Mild'], ['moderate', 'Moderate'], ['severe', 'Severe']];
const STATUS = { active: 'Active', resolved: 'Resolved', entered_in_error: 'Entered in error' };

// "naltrexone (hives, moderate)"; an unknown severity is left out.
export function allergyText(g) {
  const more = [g.reaction, g.severity && g.severity !== 'unknown' ? g.severity : null].filter(Boolean);
  return more.length ? `${g.substance} (${more.join(', ')})` : g.substance;
}

// The chart header's line.
export function AllergyLine({ ctx }) {
  const active = (ctx.allergies || []).filter((g) => g.status === 'active');
  if (!active.length) return html`<p class="allergy-line none">No allergies recorded</p>`;
  return html`<p class="allergy-line" role="note"><strong>Allergies:</strong> ${active.map(allergyText).join('; ')}</p>`;
}

const ADD_FIELDS = ['substance', 'kind', 'reaction', 'severity', 'noted_on'];

function AddForm({ ctx, onDone }) {
  const form = 'al-add';
  const blank = { substance: '', kind: 'drug', reaction: '', severity: 'unknown', noted_on: '' };
  const [v, setV, clear] = useDraft(`al-add-${ctx.patient.id}`, blank);
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
    const body = { substance: v.substance.trim(), kind: v.kind, severity: v.severity };
    if (v.reaction.trim()) body.reaction = v.reaction.trim();
    if (v.noted_on.trim()) body.noted_on = v.noted_on.trim();
    setBusy(true);
    try {
      const g = await post(`/patients/${ctx.patient.id}/allergies`, body);
      clear();
      setV(blank);
      await ctx.reload();
      ctx.say(`Recorded an allergy to ${g.substance}.`);
      onDone();
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }

  return html`<form class="allergy-form" onSubmit=${submit} noValidate aria-label="Add an allergy">
    <${FormError} err=${err} fields=${ADD_FIELDS} />
    <div class="grid two">
      <${TextField} ...${prop('substance', 'Substance', { required: true, autocomplete: 'off', hint: 'e.g. naltrexone, penicillin, peanuts' })} />
      <${SelectField} ...${prop('kind', 'Kind', { options: KINDS })} />
      <${TextField} ...${prop('reaction', 'Reaction', { autocomplete: 'off', hint: 'e.g. hives' })} />
      <${SelectField} ...${prop('severity', 'Severity', { options: SEVERITIES })} />
      <${DateField} ...${prop('noted_on', 'Noted on')} />
    </div>
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>Save allergy</button>
      <button class="btn" type="button" onClick=${onDone}>Cancel</button>
    </div>
  </form>`;
}

const STATUS_FIELDS = ['status', 'reason'];

function StatusForm({ g, ctx, onDone }) {
  const form = `al-st-${g.id}`;
  const choices = g.status === 'active' ? ['resolved', 'entered_in_error'] : ['active', 'entered_in_error'];
  const [v, setV] = useState({ status: choices[0], reason: '' });
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
    setBusy(true);
    try {
      await post(`/allergies/${g.id}/status`, { status: v.status, reason: v.reason.trim() });
      await ctx.reload();
      ctx.say(`The allergy to ${g.substance} is now ${STATUS[v.status].toLowerCase()}.`);
      onDone();
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }

  return html`<form class="status-form" onSubmit=${submit} noValidate aria-label=${`Change the status of the allergy to ${g.substance}`}>
    <${FormError} err=${err} fields=${STATUS_FIELDS} />
    <div class="grid two">
      <${SelectField} ...${prop('status', 'New status', { options: choices.map((c) => [c, STATUS[c]]) })} />
      <${TextField} ...${prop('reason', 'Reason', { required: true, autocomplete: 'off' })} />
    </div>
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>Save status</button>
      <button class="btn" type="button" onClick=${onDone}>Cancel</button>
    </div>
  </form>`;
}

function Item({ g, ctx, open, setOpen }) {
  const mayChange = ctx.can('POST /api/v1/allergies/{id}/status') && g.status !== 'entered_in_error';
  return html`<li class=${`allergy-item${g.status === 'active' ? '' : ' inactive'}`}>
    <div class="allergy-row">
      <div>
        <span class="allergy-substance">${g.substance}</span>
        <span class="muted small"> ${g.kind}${g.reaction ? ` · ${g.reaction}` : ''} · ${g.severity}${g.noted_on ? ` · noted ${g.noted_on}` : ''}</span>
        ${g.status !== 'active'
          ? html`<div class="muted small">${STATUS[g.status] || g.status}${g.status_reason ? `: ${g.status_reason}` : ''}</div>`
          : html`<div class="muted small">Recorded ${instant(g.recorded_at)} by ${g.recorded_by}</div>`}
      </div>
      ${mayChange
        ? html`<button type="button" class="btn btn-small" aria-expanded=${open === g.id ? 'true' : 'false'}
            onClick=${() => setOpen(open === g.id ? null : g.id)}>
            ${g.status === 'active' ? 'Resolve…' : 'Change status…'}<span class="sr-only"> ${g.substance}</span></button>`
        : null}
    </div>
    ${open === g.id ? html`<${StatusForm} g=${g} ctx=${ctx} onDone=${() => setOpen(null)} />` : null}
  </li>`;
}

// The Overview tab's card.
export function AllergiesCard({ ctx }) {
  const [adding, setAdding] = useState(false);
  const [open, setOpen] = useState(null);
  const all = ctx.allergies || [];
  const active = all.filter((g) => g.status === 'active');
  const inactive = all.filter((g) => g.status !== 'active');
  const mayAdd = ctx.can('POST /api/v1/patients/{id}/allergies');
  return html`<section class="card allergies" aria-labelledby="ov-allergies">
    <div class="card-head">
      <h2 id="ov-allergies">Allergies</h2>
      ${mayAdd && !adding ? html`<button type="button" class="btn btn-small" onClick=${() => setAdding(true)}>Add an allergy…</button>` : null}
    </div>
    ${adding ? html`<${AddForm} ctx=${ctx} onDone=${() => setAdding(false)} />` : null}
    ${active.length
      ? html`<ul class="allergy-list">${active.map((g) => html`<${Item} key=${g.id} g=${g} ctx=${ctx} open=${open} setOpen=${setOpen} />`)}</ul>`
      : html`<p class="muted">No allergies recorded.</p>`}
    ${inactive.length
      ? html`<details class="allergy-old"><summary>Resolved and entered in error (${inactive.length})</summary>
          <ul class="allergy-list">${inactive.map((g) => html`<${Item} key=${g.id} g=${g} ctx=${ctx} open=${open} setOpen=${setOpen} />`)}</ul>
        </details>`
      : null}
  </section>`;
}
