// medications.js - the chart's Medications tab:
//   - "New order…" for prescribers (med-order-form.js), with the rules'
//     blocks, overrides and warnings;
//   - the orders (active and held, or all), each expandable to its history
//     and the prescriber's changes (med-order.js);
//   - the monitoring due or overdue for the patient's medications (ECG, liver
//     tests, lithium levels, ...: GET /api/v1/patients/{id}/monitoring).
// The dose record is on the MAR tab (mar.js) and the dosing window (pages/dosing.js).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { plural, shortDate } from '../lib/format.js';
import { advisory, orderText } from '../lib/meds.js';
import { ErrorBanner, Loading, SelectField, TableWrap, useAsync } from '../components/ui.js';
import { RuleAlerts } from '../components/rule-alerts.js';
import { NewOrderForm } from './med-order-form.js';
import { OrderItem } from './med-order.js';

const MON_STATUS = { overdue: 'Overdue', due: 'Due', ok: 'Up to date' };

export function MonitoringTable({ items, withPatient = false, caption }) {
  return html`<${TableWrap} label=${caption || 'Monitoring'}>
    <table class="table small monitoring-table">
      ${caption ? html`<caption class="sr-only">${caption}</caption>` : null}
      <thead><tr>
        ${withPatient ? html`<th scope="col">Patient</th>` : null}
        <th scope="col">What</th><th scope="col">For</th><th scope="col">Due</th><th scope="col">Status</th>
        <th scope="col">Last done</th><th scope="col">Source</th>
      </tr></thead>
      <tbody>
        ${items.map((m, i) => html`<tr key=${`${m.rule}-${m.order_id}-${i}`} data-rule=${m.rule} data-status=${m.status}
            class=${m.status === 'overdue' ? 'warn' : ''}>
          ${withPatient
            ? html`<td>${m.patient
                ? html`<a class="rowlink" href=${`/patients/${m.patient.id}/medications`}>${m.patient.name || `${m.patient.family_name}, ${m.patient.given_name}`}</a>
                    <div class="mono small muted">${m.patient.mrn}</div>`
                : ''}</td>`
            : null}
          <td><strong>${m.what}</strong></td>
          <td>${m.medication}</td>
          <td class="nowrap">${m.due_on ? shortDate(m.due_on, true) : html`<span class="muted">—</span>`}
            <div class="muted small">${m.due_on || ''}</div></td>
          <td><span class=${`badge mon mon-${m.status}`}>${MON_STATUS[m.status] || m.status}</span></td>
          <td class="nowrap">${m.last_done ? m.last_done.slice(0, 10) : html`<span class="muted">never recorded</span>`}</td>
          <td class="small muted">${m.source}</td>
        </tr>`)}
      </tbody>
    </table>
  <//>`;
}

function Monitoring({ ctx, version }) {
  const mon = useAsync(() => get(`/patients/${ctx.patient.id}/monitoring`), [ctx.patient.id, version]);
  const items = mon.data ? mon.data.items || [] : [];
  const open = items.filter((m) => m.status !== 'ok');
  const [all, setAll] = useState(false);
  const shown = all ? items : open;
  return html`<section class="card med-monitoring" aria-labelledby="md-mon">
    <div class="card-head">
      <h2 id="md-mon">Monitoring${mon.data ? html` <span class="muted">(${open.length} due or overdue)</span>` : null}</h2>
      ${items.length > open.length
        ? html`<button type="button" class="btn btn-small btn-quiet" onClick=${() => setAll(!all)}>${all ? 'Only what is due' : 'Show everything'}</button>`
        : null}
    </div>
    <${ErrorBanner} err=${mon.error} />
    ${!mon.data && !mon.error ? html`<${Loading} what="Loading monitoring" />` : null}
    ${mon.data && !shown.length ? html`<p class="muted">${items.length ? 'Nothing is due or overdue.' : 'No monitoring applies to the current medications.'}</p>` : null}
    ${shown.length ? html`<${MonitoringTable} items=${shown} caption="Monitoring for this patient's medications" />` : null}
  </section>`;
}

// What the prescriber sees after saving an order: the order and its warnings.
function Saved({ o, onClose }) {
  const warns = advisory(o.alerts);
  useEffect(() => {
    const el = document.getElementById('md-saved');
    if (el) el.focus();
  }, [o]);
  return html`<section class="card saved-order" id="md-saved" tabindex="-1" aria-labelledby="md-saved-title">
    <div class="card-head">
      <h2 id="md-saved-title">Order saved: ${orderText(o)}</h2>
      <button type="button" class="btn btn-small btn-quiet" onClick=${onClose}>Close</button>
    </div>
    ${warns.length
      ? html`<${RuleAlerts} alerts=${warns} title=${`${plural(warns.length, 'warning')} to keep in mind`} />`
      : html`<p class="muted">No warnings.</p>`}
    ${(o.alerts || []).some((a) => a.overridden)
      ? html`<${RuleAlerts} alerts=${o.alerts.filter((a) => a.overridden)} title="Overridden" />`
      : null}
  </section>`;
}

function Panel({ ctx }) {
  const pid = ctx.patient.id;
  const [status, setStatus] = useState('active');
  const [adding, setAdding] = useState(false);
  const [saved, setSaved] = useState(null);
  const [open, setOpen] = useState(() => new Set());
  const [version, setVersion] = useState(0);
  const orders = useAsync(() => get(`/patients/${pid}/orders`, { status }), [pid, status]);
  const mayOrder = ctx.can('POST /api/v1/patients/{id}/orders');
  const mayMonitor = ctx.can('GET /api/v1/patients/{id}/monitoring');
  const items = orders.data ? orders.data.items || [] : [];

  async function onSaved(o) {
    setAdding(false);
    setSaved(o);
    setOpen((s) => new Set(s).add(o.id));
    setVersion((n) => n + 1);
    await orders.reload();
  }

  async function changed() {
    setVersion((n) => n + 1);
    await orders.reload();
  }

  const toggle = (id) => setOpen((s) => {
    const n = new Set(s);
    if (n.has(id)) n.delete(id);
    else n.add(id);
    return n;
  });

  return html`<div class="stack medications">
    ${mayOrder
      ? html`<div class="toolbar" role="group" aria-label="Medication actions">
          <button type="button" class=${`btn${adding ? ' btn-primary' : ''}`} aria-expanded=${adding ? 'true' : 'false'}
            onClick=${() => { setAdding(!adding); setSaved(null); }}>New order…</button>
        </div>`
      : null}
    ${adding ? html`<${NewOrderForm} ctx=${ctx} onSaved=${onSaved} onCancel=${() => setAdding(false)} />` : null}
    ${saved ? html`<${Saved} o=${saved} onClose=${() => setSaved(null)} />` : null}
    <section class="card med-orders" aria-labelledby="md-orders">
      <div class="card-head">
        <h2 id="md-orders">${status === 'all' ? 'All orders' : 'Current orders'}${orders.data ? html` <span class="muted">(${items.length})</span>` : null}</h2>
        <${SelectField} id="md-status" label="Show" value=${status} onValue=${setStatus}
          options=${[['active', 'Active and on hold'], ['all', 'All, with ended and discontinued']]} />
      </div>
      <${ErrorBanner} err=${orders.error} />
      ${!orders.data && !orders.error ? html`<${Loading} what="Loading orders" />` : null}
      ${orders.data && !items.length
        ? html`<p class="muted">${status === 'all' ? 'No medication orders.' : 'No active medication orders.'}</p>`
        : null}
      ${items.length
        ? html`<ul class="mo-list">${items.map((o) => html`<${OrderItem} key=${o.id} o=${o} ctx=${ctx} open=${open.has(o.id)}
            onToggle=${() => toggle(o.id)} onChanged=${changed} />`)}</ul>`
        : null}
    </section>
    ${mayMonitor ? html`<${Monitoring} ctx=${ctx} version=${version} />` : null}
  </div>`;
}

export default {
  id: 'medications',
  label: 'Medications',
  visible: (ctx) => ctx.can('GET /api/v1/patients/{id}/orders'),
  Panel,
};
