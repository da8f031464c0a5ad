// alerts.js - the Alerts page: the inbox of open alerts for the user's roles
// (GET /api/v1/alerts; escalated ones reach admins too), each linking to the
// patient's chart where it is acknowledged, and the measures due or overdue
// across the user's patients (GET /api/v1/due).
//
// ?show=all lists acknowledged alerts too; ?within=MINUTES widens "due".
import { html } from 'htm/preact';
import { useEffect } from 'preact/hooks';
import { get } from '../lib/api.js';
import { can, rolesOf } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { instant } from '../lib/format.js';
import { alertKindLabel, alertSeverityLabel, everyText, fromNow } from '../lib/measures.js';
import { href, navigate } from '../lib/router.js';
import { ErrorBanner, Loading, Pager, SelectField, TableWrap, useAsync } from '../components/ui.js';
import { DueBadge } from '../chart/measure-schedules.js';

const LIMIT = 50;
const WITHIN = [['0', 'Due now'], ['60', 'Due within 1 hour'], ['240', 'Due within 4 hours'], ['1440', 'Due within 24 hours']];

const who = (x) => (x.patient ? `${x.patient.family_name}, ${x.patient.given_name}` : `Patient ${x.patient_id}`);

function Status({ a }) {
  if (a.acknowledged && a.ack)
    return html`<span class="badge ok">Acknowledged</span>
      <div class="small">${a.ack.note} <span class="muted">— ${a.ack.by}, ${instant(a.ack.at)}</span></div>`;
  return html`<span class="badge asev asev-critical-soft">Open</span>
    ${a.escalated ? html` <span class="badge escalated">Escalated</span>` : null}`;
}

function Inbox({ query }) {
  const all = query.get('show') === 'all';
  const offset = Math.max(0, parseInt(query.get('offset') || '0', 10) || 0);
  const list = useAsync(() => get('/alerts', { open: all ? 'false' : 'true', limit: LIMIT, offset }), [all, offset]);
  const items = list.data ? list.data.items : [];
  const go = (q) => navigate(href('/alerts', { show: all ? 'all' : '', within: query.get('within'), ...q }));
  return html`<section class="card list-card alerts-inbox" aria-labelledby="al-inbox">
    <div class="card-head">
      <h2 id="al-inbox">${all ? 'Alerts' : 'Open alerts'}${list.data ? html` <span class="muted">(${list.data.total})</span>` : null}</h2>
      <${SelectField} id="al-show" label="Show" value=${all ? 'all' : ''} onValue=${(v) => go({ show: v, offset: '' })}
        options=${[['', 'Open alerts'], ['all', 'Open and acknowledged']]} />
    </div>
    <${ErrorBanner} err=${list.error} />
    ${list.loading && !list.data ? html`<${Loading} what="Loading alerts" />` : null}
    ${list.data && !items.length ? html`<p class="empty" role="status">${all ? 'No alerts.' : 'No open alerts for your roles.'}</p>` : null}
    ${items.length
      ? html`<${TableWrap} label="Alerts">
          <table class="table alerts-table">
            <thead><tr><th scope="col">Raised</th><th scope="col">Patient</th><th scope="col">Alert</th><th scope="col">Status</th></tr></thead>
            <tbody>
              ${items.map(
                (a) => html`<tr key=${a.id} data-alert=${a.id} class=${a.escalated && !a.acknowledged ? 'escalated-row' : ''}>
                  <td class="nowrap">${instant(a.raised_at)}<div class="muted small">${fromNow(a.raised_at)}</div></td>
                  <td><a class="rowlink" href=${`/patients/${a.patient_id}`}>${who(a)}</a>
                    ${a.patient ? html`<div class="mono small muted">${a.patient.mrn}</div>` : null}</td>
                  <td>
                    <span class=${`badge asev asev-${a.severity}`}>${alertSeverityLabel(a.severity)}</span>
                    <strong class="al-kind">${alertKindLabel(a.kind)}</strong>
                    <p class="al-message">${a.message}</p>
                    <p class="small muted">${a.found}</p>
                  </td>
                  <td><${Status} a=${a} /></td>
                </tr>`,
              )}
            </tbody>
          </table>
        <//>`
      : null}
    ${list.data ? html`<${Pager} total=${list.data.total} limit=${LIMIT} offset=${offset}
      onPage=${(o) => go({ offset: o || '' })} label="Alert pages" />` : null}
  </section>`;
}

function Due({ query }) {
  const within = WITHIN.some(([v]) => v === query.get('within')) ? query.get('within') : '0';
  const due = useAsync(() => get('/due', within !== '0' ? { within_minutes: within } : undefined), [within]);
  const items = due.data ? due.data.items : [];
  const go = (v) => navigate(href('/alerts', { show: query.get('show'), offset: query.get('offset'), within: v === '0' ? '' : v }));
  return html`<section class="card list-card due-list" id="due" aria-labelledby="al-due">
    <div class="card-head">
      <h2 id="al-due">Due measures${due.data ? html` <span class="muted">(${items.length})</span>` : null}</h2>
      <${SelectField} id="al-within" label="When" value=${within} onValue=${go} options=${WITHIN} />
    </div>
    <${ErrorBanner} err=${due.error} />
    ${due.loading && !due.data ? html`<${Loading} what="Loading due measures" />` : null}
    ${due.data && !items.length ? html`<p class="empty" role="status">Nothing is due.</p>` : null}
    ${items.length
      ? html`<${TableWrap} label="Due measures">
          <table class="table due-table">
            <thead><tr><th scope="col">Patient</th><th scope="col">Measure</th><th scope="col">How often</th>
              <th scope="col">Due</th><th scope="col">Status</th><th scope="col">Last given</th><th scope="col">Reason</th></tr></thead>
            <tbody>
              ${items.map(
                (s) => html`<tr key=${s.id} data-schedule=${s.id}>
                  <td><a class="rowlink" href=${`/patients/${s.patient_id}/measures`}>${who(s)}</a>
                    ${s.patient ? html`<div class="mono small muted">${s.patient.mrn}</div>` : null}</td>
                  <td class="code">${s.instrument}</td>
                  <td class="nowrap">${everyText(s.every_minutes)}</td>
                  <td class="nowrap">${instant(s.due_at)}<div class="muted small">${fromNow(s.due_at)}</div></td>
                  <td><${DueBadge} s=${s} /></td>
                  <td class="nowrap">${s.last_at ? instant(s.last_at) : html`<span class="muted">not yet</span>`}</td>
                  <td class="small">${s.reason}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        <//>`
      : null}
  </section>`;
}

export function AlertsPage({ query }) {
  const { me } = useApp();
  useEffect(() => {
    document.title = 'Alerts · Tandem';
  }, []);
  const roles = [...rolesOf(me)].join(', ');
  return html`<section class="page">
    <div class="page-head">
      <h1 tabindex="-1">Alerts</h1>
      <span class="muted">Alerts raised for your roles (${roles}); acknowledge them on the patient's chart.</span>
    </div>
    <div class="stack">
      <${Inbox} query=${query} />
      ${can(me, 'GET /api/v1/due') ? html`<${Due} query=${query} />` : null}
    </div>
  </section>`;
}
