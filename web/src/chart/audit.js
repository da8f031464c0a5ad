// audit.js - the chart's Audit tab: who read or changed this record (admin and
// auditor only, as GET /api/v1/audit allows).
import { html } from 'htm/preact';
import { AuditTable } from '../components/audit-table.js';

const Panel = ({ ctx }) => html`<section class="card">
  <h2>Audit trail of this record</h2>
  <${AuditTable} patient=${ctx.patient.id} />
</section>`;

export default { id: 'audit', label: 'Audit', visible: (ctx) => ctx.can('GET /api/v1/audit'), Panel };
