// audit-table.js - rows of the audit trail (GET /api/v1/audit), newest first,
// paged. Used by the Audit screen and the chart's Audit tab.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { clinicZoneName, instant } from '../lib/format.js';
import { ErrorBanner, Loading, Pager, TableWrap, useAsync } from './ui.js';

const LIMIT = 25;

// patient (an id) or mrn picks one patient's rows. An error about one of
// `fields` (the caller's form fields: "mrn", "patient") goes to
// onFieldError(err) for the caller to show by its field (and null once the
// next answer comes); any other error is shown here.
export function AuditTable({ patient, mrn, showPatient, fields = [], onFieldError }) {
  const [offset, setOffset] = useState(0);
  const rows = useAsync(() => get('/audit', { patient, mrn, limit: LIMIT, offset }), [patient, mrn, offset]);
  const fieldErr = rows.error && rows.error.field && fields.includes(rows.error.field) ? rows.error : null;
  useEffect(() => {
    if (onFieldError) onFieldError(fieldErr);
  }, [fieldErr]);
  if (fieldErr) return html`<p class="empty">No rows to show.</p>`;
  if (rows.error) return html`<${ErrorBanner} err=${rows.error} />`;
  if (!rows.data) return html`<${Loading} what="Reading the audit trail" />`;
  const { items, total } = rows.data;
  if (!items.length) return html`<p class="empty">No audit rows${patient || mrn ? ' for this patient' : ''}.</p>`;
  return html`<div>
    <p class="muted small">Newest first. Times in ${clinicZoneName()}. Reading this list is itself recorded.</p>
    <${TableWrap} label="Audit trail">
      <table class="table audit small">
        <thead><tr>
          <th scope="col">#</th><th scope="col">When</th><th scope="col">User</th><th scope="col">Action</th>
          ${showPatient ? html`<th scope="col">Patient</th>` : null}
          <th scope="col">Object</th><th scope="col">Outcome</th><th scope="col">From</th><th scope="col">Detail</th>
        </tr></thead>
        <tbody>${items.map(
          (r) => html`<tr key=${r.seq} class=${r.outcome === 'ok' ? '' : 'warn'}>
            <td class="mono">${r.seq}</td>
            <td class="nowrap">${instant(r.at)}</td>
            <td>${r.username || html`<span class="muted">—</span>`}${r.roles ? html`<div class="muted">${r.roles}</div>` : null}</td>
            <td class="mono">${r.action}</td>
            ${showPatient ? html`<td>${r.patient_id ?? ''}</td>` : null}
            <td class="nowrap">${r.object_type || ''}${r.object_id ? ` ${r.object_id}` : ''}</td>
            <td><span class=${`badge ${r.outcome === 'ok' ? 'ok' : 'warn'}`}>${r.outcome}</span></td>
            <td class="small">${r.client_addr || ''}<div class="muted mono" title="request id">${r.request_id || ''}</div></td>
            <td>${r.detail || ''}</td>
          </tr>`,
        )}</tbody>
      </table>
    <//>
    <${Pager} total=${total} limit=${LIMIT} offset=${offset} onPage=${setOffset} label="Audit pages" />
  </div>`;
}
