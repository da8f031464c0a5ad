// audit.js - the Audit screen for admins and auditors: the whole trail or one
// patient's. Auditors cannot open charts, so they choose the patient by MRN
// (GET /api/v1/audit?mrn=...) or by id; the server's message about either
// (an MRN it does not know or that the user may not audit, both given) is
// shown next to that field.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { href, navigate } from '../lib/router.js';
import { AuditTable } from '../components/audit-table.js';
import { TextField, errorFor, fieldId, useFocusError } from '../components/ui.js';

const FORM = 'au';
const FIELDS = ['mrn', 'patient'];

export function AuditPage({ query }) {
  const mrn = query.get('mrn') || '';
  const patient = query.get('patient') || '';
  const [v, setV] = useState({ mrn, patient });
  const [err, setErr] = useState(null); // the app's own check of the id
  const [serverErr, setServerErr] = useState(null); // the server's, about mrn or patient
  useEffect(() => {
    document.title = 'Audit · Tandem';
  }, []);
  useEffect(() => setV({ mrn, patient }), [mrn, patient]);
  const shown = err || serverErr;
  useFocusError(FORM, shown, FIELDS);

  function submit(e) {
    e.preventDefault();
    // Read what the fields hold now: a click can arrive before the render
    // that follows the last keystroke, when `v` in this closure is stale.
    const now = (name) => {
      const el = e.currentTarget.querySelector(`#${fieldId(FORM, name)}`);
      return (el ? el.value : v[name]).trim();
    };
    const m = now('mrn');
    const p = now('patient');
    if (p && !/^[1-9]\d{0,14}$/.test(p)) {
      setErr({ field: 'patient', message: 'A patient id is a whole number, as in the chart address /patients/ID.' });
      return;
    }
    setErr(null);
    navigate(href('/audit', { mrn: m, patient: p }));
  }

  const prop = (name, label, extra) => ({
    id: fieldId(FORM, name), label, value: v[name], error: errorFor(shown, name),
    onValue: (x) => setV((o) => ({ ...o, [name]: x })), autocomplete: 'off', ...extra,
  });
  const what = [mrn && `MRN ${mrn}`, patient && `Patient ${patient}`].filter(Boolean).join(', ');

  return html`<section class="page">
    <div class="page-head"><h1 tabindex="-1">Audit trail</h1></div>
    <form class="card search" onSubmit=${submit} noValidate aria-label="Filter the audit trail">
      <p class="muted small">One patient's rows: give the MRN or the patient id. Both empty: every row.</p>
      <div class="grid search-grid">
        <${TextField} ...${prop('mrn', 'MRN', { spellcheck: 'false', autocapitalize: 'characters', hint: 'e.g. T0000241' })} />
        <${TextField} ...${prop('patient', 'Patient id', { inputmode: 'numeric', hint: 'The number in the chart address /patients/ID' })} />
      </div>
      <div class="actions">
        <button class="btn btn-primary" type="submit">Show</button>
        ${what ? html`<button class="btn" type="button" onClick=${() => navigate('/audit')}>Show every row</button>` : null}
      </div>
    </form>
    <section class="card">
      <h2>${what || 'All rows'}</h2>
      <${AuditTable} key=${`${mrn}|${patient}`} mrn=${mrn || undefined} patient=${patient || undefined} showPatient=${!what}
        fields=${FIELDS} onFieldError=${setServerErr} />
    </section>
  </section>`;
}
