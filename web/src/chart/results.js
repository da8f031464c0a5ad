// results.js - the chart's Results tab: record a drug screen, breath alcohol,
// laboratory value or ECG (the form's fields follow the kind; the server's
// message shows by the field it names), the results newest first, and voiding
// one with a reason. Vocabularies: lib/results-vocab.js (data/results.conf).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get, post } from '../lib/api.js';
import { useDraft } from '../lib/draft.js';
import { clinicZoneName, instant } from '../lib/format.js';
import { clinicInputToInstant } from '../lib/measures.js';
import { BAC_UNIT, LAB_CODES, RESULT_KINDS, UDS_SUBSTANCES, labName } from '../lib/results-vocab.js';
import {
  ErrorBanner, FormError, Loading, SelectField, TableWrap, TextField, errorFor, fieldId, useAsync, useFocusError,
} from '../components/ui.js';

const KIND_LABEL = Object.fromEntries(RESULT_KINDS);
// The one highlight shown: QTc of 500 ms or more, as methadone.json's
// monitoring note gives it (Krantz et al. 2009, clinical reference B.2).
const QTC_SOURCE = 'clinical reference B.2 (methadone QTc)';
const QTC_MARK = 500;

const FIELDS = {
  uds: ['substance', 'result', 'expected'],
  breath_alcohol: ['value'],
  lab: ['code', 'value', 'unit'],
  ecg: ['qtc_ms'],
};
const ALL_FIELDS = ['kind', 'substance', 'result', 'expected', 'code', 'value', 'unit', 'qtc_ms', 'taken_at', 'note'];

// A number as typed, or the text itself so the server names what is wrong.
const num = (s) => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s.trim());


function AddForm({ ctx, onSaved }) {
  const form = 'rs-add';
  const blank = { kind: 'uds', substance: 'opioids', result: 'negative', expected: false, code: LAB_CODES[0][0], value: '', qtc_ms: '', taken_at: '', note: '' };
  const [v, setV, clear] = useDraft(`rs-add-${ctx.patient.id}`, blank);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(form, err, ALL_FIELDS);
  const set = (name) => (x) => setV((o) => ({ ...o, [name]: x }));
  const prop = (name, label, extra = {}) => ({
    id: fieldId(form, name), label, value: v[name], error: errorFor(err, name), onValue: set(name), ...extra,
  });
  const unit = v.kind === 'lab' ? (LAB_CODES.find((l) => l[0] === v.code) || [])[2] : v.kind === 'breath_alcohol' ? BAC_UNIT : null;

  async function submit(e) {
    e.preventDefault();
    setErr(null);
    const body = { kind: v.kind };
    if (v.kind === 'uds') {
      body.substance = v.substance;
      body.result = v.result;
      if (v.result === 'positive' && v.expected) body.expected = true;
    } else if (v.kind === 'breath_alcohol') {
      body.value = num(v.value);
    } else if (v.kind === 'lab') {
      body.code = v.code;
      body.value = num(v.value);
    } else if (v.kind === 'ecg') {
      body.qtc_ms = num(v.qtc_ms);
    }
    const at = clinicInputToInstant(v.taken_at);
    if (at) body.taken_at = at;
    if (v.note.trim()) body.note = v.note.trim();
    setBusy(true);
    try {
      const r = await post(`/patients/${ctx.patient.id}/results`, body);
      clear();
      setV({ ...blank, kind: v.kind });
      ctx.say(`Recorded ${resultSummary(r)}.`);
      await onSaved();
    } catch (x) {
      setErr(x);
    }
    setBusy(false);
  }

  const kindFields = {
    uds: html`
      <${SelectField} ...${prop('substance', 'Substance', { options: UDS_SUBSTANCES.map((s) => [s, s]) })} />
      <${SelectField} ...${prop('result', 'Result', { options: [['negative', 'Negative'], ['positive', 'Positive']] })} />
      <div class=${`field check${errorFor(err, 'expected') ? ' has-error' : ''}`}>
        <label class="check-label"><input type="checkbox" id=${fieldId(form, 'expected')} checked=${!!v.expected}
          disabled=${v.result !== 'positive'} onChange=${(e) => set('expected')(e.currentTarget.checked)} />
          Expected positive (prescribed)</label>
        ${errorFor(err, 'expected') ? html`<p class="field-error">${errorFor(err, 'expected')}</p>` : null}
      </div>`,
    breath_alcohol: html`<${TextField} ...${prop('value', `Breath alcohol (${BAC_UNIT})`, { required: true, inputmode: 'decimal', autocomplete: 'off' })} />`,
    lab: html`
      <${SelectField} ...${prop('code', 'Test', { options: LAB_CODES.map(([c, l]) => [c, l]) })} />
      <${TextField} ...${prop('value', `Value${unit ? ` (${unit})` : ''}`, { required: true, inputmode: 'decimal', autocomplete: 'off' })} />`,
    ecg: html`<${TextField} ...${prop('qtc_ms', 'QTc (ms)', { required: true, inputmode: 'numeric', autocomplete: 'off' })} />`,
  };

  return html`<form class="card form inline-form results-form" onSubmit=${submit} noValidate aria-labelledby="rs-add-title">
    <h2 id="rs-add-title">Record a result</h2>
    <${FormError} err=${err} fields=${['kind', ...FIELDS[v.kind], 'taken_at', 'note']} />
    <div class="grid results-grid">
      <${SelectField} ...${prop('kind', 'Kind', { options: RESULT_KINDS, onValue: (k) => { setErr(null); set('kind')(k); } })} />
      ${kindFields[v.kind]}
    </div>
    <div class="grid results-grid">
      <${TextField} ...${prop('taken_at', 'Taken at', { type: 'datetime-local', hint: `Clinic time (${clinicZoneName()}). Leave empty for now.` })} />
      <div class="results-note"><${TextField} ...${prop('note', 'Note', { autocomplete: 'off' })} /></div>
    </div>
    <div class="actions"><button class="btn btn-primary" type="submit" disabled=${busy}>Save result</button></div>
  </form>`;
}

// "opioids positive", "QTc 510 ms", "ALT 40 U/L".
export function resultSummary(r) {
  if (r.kind === 'uds') return `${r.substance} ${r.result}${r.expected ? ' (expected)' : ''}`;
  if (r.kind === 'ecg') return `QTc ${r.qtc_ms} ms`;
  if (r.kind === 'breath_alcohol') return `breath alcohol ${r.value} ${r.unit}`;
  return `${labName(r.code)} ${r.value} ${r.unit}`;
}

function Value({ r }) {
  if (r.kind === 'uds')
    return html`<span class="uds"><span class="uds-substance">${r.substance}</span>
      <span class=${`badge uds-${r.result}${r.expected ? ' uds-expected' : ''}`}>${r.result === 'positive' ? 'Positive' : 'Negative'}</span>
      ${r.expected ? html`<span class="badge muted" title="A positive for a prescribed medication">Expected</span>` : null}</span>`;
  if (r.kind === 'ecg') {
    const high = r.qtc_ms >= QTC_MARK;
    return html`<span class="ecg"><span class="res-label">QTc</span> <strong class="res-value">${r.qtc_ms}</strong> ms
      ${high ? html`<div class="qtc-high" data-source=${QTC_SOURCE}>QTc ≥ ${QTC_MARK} ms · <span class="src">${QTC_SOURCE}</span></div>` : null}</span>`;
  }
  // Breath alcohol: the Kind column already names it.
  const label = r.kind === 'lab' ? html`<span class="res-label">${labName(r.code)}</span> ` : null;
  return html`<span>${label}<strong class="res-value">${r.value}</strong> ${r.unit}</span>`;
}

function VoidForm({ r, ctx, onDone }) {
  const form = `rs-void-${r.id}`;
  const [reason, setReason] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(form, err, ['reason']);
  async function submit(e) {
    e.preventDefault();
    setErr(null);
    setBusy(true);
    try {
      await post(`/results/${r.id}/void`, { reason: reason.trim() });
      ctx.say(`Voided ${resultSummary(r)}.`);
      await onDone(true);
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }
  return html`<form class="status-form" onSubmit=${submit} noValidate aria-label=${`Void ${resultSummary(r)}`}>
    <${FormError} err=${err} fields=${['reason']} />
    <${TextField} id=${fieldId(form, 'reason')} label="Reason for voiding" required value=${reason} onValue=${setReason}
      error=${errorFor(err, 'reason')} autocomplete="off" />
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>Void result</button>
      <button class="btn" type="button" onClick=${() => onDone(false)}>Cancel</button>
    </div>
  </form>`;
}

function Table({ rows, ctx, reload }) {
  const [open, setOpen] = useState(null);
  const mayVoid = ctx.can('POST /api/v1/results/{id}/void');
  const cols = 5 + (mayVoid ? 1 : 0);
  return html`<${TableWrap} label="Results">
    <table class="table results-table">
      <caption>Results, newest first</caption>
      <thead><tr>
        <th scope="col">Taken</th><th scope="col">Kind</th><th scope="col">Result</th>
        <th scope="col">Note</th><th scope="col">Recorded</th>
        ${mayVoid ? html`<th scope="col"><span class="sr-only">Actions</span></th>` : null}
      </tr></thead>
      <tbody>
        ${rows.map((r) => html`
          <tr key=${r.id} class=${`result-row kind-${r.kind}${r.status !== 'final' ? ' voided' : ''}`} data-kind=${r.kind}>
            <td class="nowrap">${instant(r.taken_at)}</td>
            <td>${KIND_LABEL[r.kind] || r.kind}</td>
            <td><${Value} r=${r} />
              ${r.status !== 'final'
                ? html`<div class="void-note"><span class="badge muted">Voided</span> ${r.status_reason || ''}</div>`
                : null}</td>
            <td>${r.note || ''}</td>
            <td class="nowrap small">${instant(r.recorded_at)}<div class="muted">${r.recorded_by}</div></td>
            ${mayVoid
              ? html`<td class="nowrap">${r.status === 'final'
                  ? html`<button type="button" class="btn btn-small" aria-expanded=${open === r.id ? 'true' : 'false'}
                      onClick=${() => setOpen(open === r.id ? null : r.id)}>Void…<span class="sr-only"> ${resultSummary(r)}</span></button>`
                  : null}</td>`
              : null}
          </tr>
          ${open === r.id
            ? html`<tr class="row-form"><td colspan=${cols}><${VoidForm} r=${r} ctx=${ctx}
                onDone=${async (changed) => { setOpen(null); if (changed) await reload(); }} /></td></tr>`
            : null}`)}
      </tbody>
    </table>
  <//>`;
}

function Panel({ ctx }) {
  const list = useAsync(() => get(`/patients/${ctx.patient.id}/results`, { limit: 200 }), [ctx.patient.id]);
  const rows = list.data ? list.data.items : [];
  return html`<div class="stack">
    ${ctx.can('POST /api/v1/patients/{id}/results') ? html`<${AddForm} ctx=${ctx} onSaved=${list.reload} />` : null}
    <section class="card results-list">
      ${list.error ? html`<${ErrorBanner} err=${list.error} />` : null}
      ${!list.data && !list.error ? html`<${Loading} what="Loading results" />` : null}
      ${list.data && !rows.length ? html`<h2>Results</h2><p class="muted">No results recorded.</p>` : null}
      ${rows.length ? html`<${Table} rows=${rows} ctx=${ctx} reload=${list.reload} />` : null}
    </section>
  </div>`;
}

export default { id: 'results', label: 'Results', visible: (ctx) => ctx.can('GET /api/v1/patients/{id}/results'), Panel };
