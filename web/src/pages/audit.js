// audit.js - the Audit screen for admins and auditors: the whole trail or one
// patient's (auditors cannot open charts, so they choose a patient by id).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { href, navigate } from '../lib/router.js';
import { AuditTable } from '../components/audit-table.js';
import { TextField } from '../components/ui.js';

export function AuditPage({ query }) {
  const patient = query.get('patient') || '';
  const [value, setValue] = useState(patient);
  const [err, setErr] = useState(null);
  useEffect(() => {
    document.title = 'Audit · Tandem';
  }, []);
  useEffect(() => setValue(patient), [patient]);

  function submit(e) {
    e.preventDefault();
    const v = value.trim();
    if (v && !/^[1-9]\d{0,14}$/.test(v)) {
      setErr('A patient id is a whole number, as in the chart address /patients/ID.');
      return;
    }
    setErr(null);
    navigate(href('/audit', { patient: v }));
  }

  return html`<section class="page">
    <div class="page-head"><h1 tabindex="-1">Audit trail</h1></div>
    <form class="card search" onSubmit=${submit} noValidate aria-label="Filter the audit trail">
      <div class="grid search-grid">
        <${TextField} id="au-patient" label="Patient id" value=${value} onValue=${setValue} error=${err}
          inputmode="numeric" autocomplete="off" hint="Empty: every row" />
      </div>
      <div class="actions">
        <button class="btn btn-primary" type="submit">Show</button>
        ${patient ? html`<button class="btn" type="button" onClick=${() => navigate('/audit')}>Show every row</button>` : null}
      </div>
    </form>
    <section class="card">
      <h2>${patient ? `Patient ${patient}` : 'All rows'}</h2>
      <${AuditTable} key=${patient} patient=${patient || undefined} showPatient=${!patient} />
    </section>
  </section>`;
}
