// monitoring.js - the clinic-wide monitoring list (GET /api/v1/monitoring):
// every patient with monitoring due or overdue for their medications (ECG
// before and during methadone, liver tests for naltrexone and disulfiram,
// lithium levels, ...), overdue first, each linking to the chart.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { sitesFor } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { href, navigate } from '../lib/router.js';
import { ErrorBanner, Loading, SelectField, TextField, useAsync } from '../components/ui.js';
import { MonitoringTable } from '../chart/medications.js';

const RANK = { overdue: 0, due: 1, ok: 2 };

export function MonitoringPage({ query }) {
  const { me } = useApp();
  const sites = sitesFor(me, 'GET /api/v1/monitoring');
  const site = query.get('site') || '';
  const [status, setStatus] = useState('');
  const [filter, setFilter] = useState('');
  const list = useAsync(() => get('/monitoring', { site }), [site]);
  useEffect(() => {
    document.title = 'Monitoring · Tandem';
  }, []);
  const all = list.data ? list.data.items || [] : [];
  const f = filter.trim().toLowerCase();
  const items = all
    .filter((m) => !status || m.status === status)
    .filter((m) => !f || [m.what, m.medication, m.patient && m.patient.name, m.patient && m.patient.mrn]
      .some((x) => String(x || '').toLowerCase().includes(f)))
    .sort((a, b) => (RANK[a.status] ?? 3) - (RANK[b.status] ?? 3) || String(a.due_on || '').localeCompare(String(b.due_on || '')));
  const overdue = all.filter((m) => m.status === 'overdue').length;
  return html`<section class="page">
    <div class="page-head">
      <h1 tabindex="-1">Monitoring</h1>
      <span class="muted">Tests due or overdue for patients' medications</span>
    </div>
    <div class="card search">
      <div class="grid mon-grid">
        ${sites.length > 1
          ? html`<${SelectField} id="mn-site" label="Site" value=${site} onValue=${(v) => navigate(href('/monitoring', { site: v }))}
              options=${[['', 'All my sites'], ...sites.map((s) => [String(s.id), s.name])]} />`
          : null}
        <${SelectField} id="mn-status" label="Status" value=${status} onValue=${setStatus}
          options=${[['', 'Due and overdue'], ['overdue', 'Overdue only'], ['due', 'Due only']]} />
        <${TextField} id="mn-filter" label="Find" type="search" value=${filter} onValue=${setFilter} autocomplete="off"
          placeholder="Patient, test or medication" />
      </div>
    </div>
    <${ErrorBanner} err=${list.error} />
    ${!list.data && !list.error ? html`<${Loading} what="Loading monitoring" />` : null}
    ${list.data
      ? html`<section class="card list-card" aria-labelledby="mn-title">
          <h2 id="mn-title">${items.length} ${items.length === 1 ? 'item' : 'items'}${overdue ? html` <span class="badge flag-block">${overdue} overdue</span>` : null}</h2>
          ${items.length
            ? html`<${MonitoringTable} items=${items} withPatient caption="Monitoring due or overdue" />`
            : html`<p class="empty" role="status">Nothing is due.</p>`}
        </section>`
      : null}
  </section>`;
}
