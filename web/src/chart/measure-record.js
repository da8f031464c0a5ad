// measure-record.js - the Measures tab's "Record an assessment" form, built
// from the instrument's definition, and the result the server scored (total,
// band, interpretation and any alerts).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { post } from '../lib/api.js';
import { useDraft } from '../lib/draft.js';
import { clinicZoneName } from '../lib/format.js';
import { alertKindLabel, alertSeverityLabel, clinicInputToInstant, instrumentDef, severityLabel } from '../lib/measures.js';
import { ErrorBanner, FormError, Loading, SelectField, TextArea, TextField, errorFor, useAsync } from '../components/ui.js';
import { InstrumentItems, answersFor, focusItem, unanswered } from '../components/instrument-items.js';

const FORM = 'ms-rec';
const ITEMS = 'ms-rec-item'; // ids of the item controls: ms-rec-item-<item id>
const FIELDS = ['instrument', 'administered_at', 'note', 'answers'];
const blank = (code = '') => ({ instrument: code, values: {}, administered_at: '', note: '' });

// The definition's provenance lines: stem and recall above the items,
// attribution and licence below them.
export function DefinitionHead({ def }) {
  return html`<div class="mdef-head">
    ${def.stem ? html`<p class="mstem">${def.stem}</p>` : null}
    ${def.recall ? html`<p class="mrecall"><span class="muted">Recall period:</span> ${def.recall}</p>` : null}
  </div>`;
}

export function DefinitionFoot({ def, patient = false }) {
  return html`<div class="mdef-foot">
    ${def.attribution ? html`<p class="fine mattribution">${def.attribution}</p>` : null}
    ${!patient && def.licence ? html`<p class="fine mlicence"><span class="muted">Licence:</span> ${def.licence}</p>` : null}
  </div>`;
}

export function RecordForm({ ctx, instruments, code, onSaved, onCancel }) {
  const pid = ctx.patient.id;
  const [v, setV, clear] = useDraft(`${FORM}-${pid}`, blank(code));
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const def = useAsync(() => (v.instrument ? instrumentDef(v.instrument) : Promise.resolve(null)), [v.instrument]);
  const d = def.data;

  useEffect(() => {
    if (code && code !== v.instrument) setV(blank(code));
  }, [code]);

  const itemErrors = {};
  let answersMsg = null;
  if (err && d) {
    if (err.field && err.field.startsWith('items.')) itemErrors[err.field.slice(6)] = err.message;
    if (err.field === 'answers') {
      answersMsg = err.message;
      for (const it of unanswered(d, v.values)) itemErrors[it.id] = 'No answer given.';
    }
  }

  useEffect(() => {
    if (!err || !d) return;
    if (err.field && err.field.startsWith('items.')) focusItem(ITEMS, err.field.slice(6));
    else if (err.field === 'answers') {
      const first = unanswered(d, v.values)[0];
      if (first) focusItem(ITEMS, first.id);
    } else if (FIELDS.includes(err.field)) {
      const el = document.getElementById(`${FORM}-${err.field}`);
      if (el) el.focus();
    }
  }, [err]);

  const setValue = (id, value) => setV((o) => ({ ...o, values: { ...o.values, [id]: value } }));

  async function submit(e) {
    e.preventDefault();
    setErr(null);
    if (!d) {
      setErr(Object.assign(new Error('Choose an instrument.'), { field: 'instrument' }));
      return;
    }
    const body = { instrument: d.code, answers: answersFor(d, v.values) };
    const at = clinicInputToInstant(v.administered_at);
    if (at) body.administered_at = at;
    if (v.note.trim()) body.note = v.note.trim();
    setBusy(true);
    try {
      const r = await post(`/patients/${pid}/assessments`, body);
      clear();
      setV(blank());
      setBusy(false);
      onSaved(r, d);
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }

  const options = [['', 'Choose an instrument'], ...instruments.map((i) => [i.code, `${i.code} — ${i.name}${i.self_report ? '' : ' (clinician-rated)'}`])];
  return html`<form class="card form mrecord" onSubmit=${submit} noValidate aria-labelledby=${`${FORM}-title`}>
    <h2 id=${`${FORM}-title`}>Record an assessment</h2>
    <${FormError} err=${err} fields=${[...FIELDS, ...(err && err.field && err.field.startsWith('items.') ? [err.field] : [])]} />
    <div class="grid mrecord-top">
      <${SelectField} id=${`${FORM}-instrument`} label="Instrument" required value=${v.instrument} options=${options}
        error=${errorFor(err, 'instrument')} onValue=${(x) => { setErr(null); setV((o) => ({ ...blank(x), administered_at: o.administered_at, note: o.note })); }} />
      <${TextField} id=${`${FORM}-administered_at`} label="Given at" type="datetime-local" value=${v.administered_at}
        error=${errorFor(err, 'administered_at')} hint=${`Clinic time (${clinicZoneName()}). Leave empty for now.`}
        onValue=${(x) => setV((o) => ({ ...o, administered_at: x }))} />
    </div>
    ${def.error ? html`<${ErrorBanner} err=${def.error} />` : null}
    ${v.instrument && !d && !def.error ? html`<${Loading} what="Loading the instrument" />` : null}
    ${d
      ? html`<section class="minstrument" aria-label=${d.name}>
          <h3 class="mname">${d.name} <span class="muted small">version ${d.version}</span></h3>
          <${DefinitionHead} def=${d} />
          ${answersMsg ? html`<div class="alert error" role="alert" id=${`${FORM}-answers-err`}>${answersMsg}</div>` : null}
          <${InstrumentItems} def=${d} values=${v.values} onValue=${setValue} errors=${itemErrors} prefix=${ITEMS} />
          <${DefinitionFoot} def=${d} />
        </section>`
      : null}
    <${TextArea} id=${`${FORM}-note`} label="Note" rows="2" value=${v.note} error=${errorFor(err, 'note')}
      onValue=${(x) => setV((o) => ({ ...o, note: x }))} />
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>${busy ? 'Saving…' : 'Save assessment'}</button>
      <button class="btn" type="button" onClick=${() => { clear(); onCancel(); }}>Cancel</button>
    </div>
  </form>`;
}

// One alert raised by an assessment (or listed on the chart).
export function AlertFacts({ a }) {
  return html`<dl class="malert-facts">
    ${a.found ? html`<div><dt>Found</dt><dd>${a.found}</dd></div>` : null}
    ${a.why ? html`<div><dt>Why</dt><dd>${a.why}</dd></div>` : null}
    ${a.source ? html`<div><dt>Source</dt><dd>${a.source}</dd></div>` : null}
  </dl>`;
}

// What the server scored, shown until closed.
export function ResultCard({ result, def, onClose }) {
  const r = result;
  const max = def ? def.max_total : null;
  return html`<section class=${`card mresult sev-edge-${r.severity}`} aria-labelledby="ms-result-title" tabindex="-1" id="ms-result">
    <div class="mresult-head">
      <h2 id="ms-result-title">${r.instrument} recorded</h2>
      <button type="button" class="btn btn-quiet btn-small" onClick=${onClose}>Close</button>
    </div>
    <div class="mresult-score">
      <span class="mresult-total" data-total=${r.total}>${r.total}</span>
      ${max !== null ? html`<span class="muted">of ${max}</span>` : null}
      <span class=${`badge sev sev-${r.severity}`}>${r.band}</span>
      <span class="muted small">Severity: ${severityLabel(r.severity)}</span>
      ${r.prorated ? html`<span class="badge warn">Prorated</span>` : null}
    </div>
    ${r.interpretation ? html`<p class="mresult-interp">${r.interpretation}</p>` : null}
    ${(r.alerts || []).map(
      (a) => html`<div class=${`malert malert-${a.severity}`} role="alert" key=${a.id}>
        <p class="malert-title"><span class=${`badge asev asev-${a.severity}`}>${alertSeverityLabel(a.severity)}</span>
          <strong>Alert raised: ${alertKindLabel(a.kind).toLowerCase()}</strong></p>
        <p>${a.message}</p>
        <${AlertFacts} a=${a} />
        <p class="fine">It stays open on the chart and in the Alerts inbox until someone acknowledges it with the action taken.</p>
      </div>`,
    )}
    ${!(r.alerts || []).length ? html`<p class="muted small">No alerts were raised.</p>` : null}
  </section>`;
}
