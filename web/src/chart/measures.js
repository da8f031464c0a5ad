// measures.js - the chart's Measures tab (measurement-based care):
//   - "Record an assessment" (a form generated from the instrument's
//     definition) and the server's scoring of it, alerts included;
//   - per instrument the patient has scores for: a trend chart with severity
//     bands, level-of-care placements, baseline, response and remission, and
//     for COWS / CIWA-Ar the flowsheet with the protocol's next step;
//   - the patient's schedules (due, overdue; add and stop);
//   - "Create check-in link" for self-report questionnaires;
//   - the recent assessments.
// Each part shows only when the user's roles allow its route (lib/access.js);
// intake, for example, records and creates check-ins but sees no trends.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { instant, plural } from '../lib/format.js';
import { alertsChanged, dayStartMs, dueState, instrumentList } from '../lib/measures.js';
import { doseMarkers } from '../lib/meds.js';
import { ErrorBanner, Loading, TableWrap, useAsync } from '../components/ui.js';
import { RecordForm, ResultCard } from './measure-record.js';
import { InstrumentCard } from './measure-trend.js';
import { Schedules } from './measure-schedules.js';
import { CheckinLink } from './measure-checkin.js';

const RECENT = 15;

function Answers({ a }) {
  const entries = Object.entries(a.answers || {});
  if (!entries.length) return null;
  return html`<details class="manswers"><summary>Answers</summary>
    <ul>${entries.map(([k, v]) => html`<li key=${k}><span class="muted">${k}:</span> ${v === null ? '—' : v}</li>`)}</ul>
  </details>`;
}

function Recent({ items }) {
  const [all, setAll] = useState(false);
  const rows = items.slice().reverse();
  const shown = all ? rows : rows.slice(0, RECENT);
  return html`<section class="card mrecent" aria-labelledby="ms-recent">
    <h2 id="ms-recent">Recent assessments</h2>
    ${rows.length
      ? html`<${TableWrap} label="Recent assessments">
          <table class="table small mrecent-table">
            <caption class="sr-only">Assessments, newest first</caption>
            <thead><tr><th scope="col">Given</th><th scope="col">Measure</th><th scope="col" class="num">Total</th>
              <th scope="col">Band</th><th scope="col">Answered by</th><th scope="col">Recorded by</th><th scope="col">Note</th></tr></thead>
            <tbody>
              ${shown.map(
                (a) => html`<tr key=${a.id} data-instrument=${a.instrument}>
                  <td class="nowrap">${instant(a.administered_at)}</td>
                  <td class="code">${a.instrument}</td>
                  <td class="num">${a.total}${a.prorated ? html` <span class="badge warn" title="Prorated">p</span>` : null}</td>
                  <td><span class=${`badge sev sev-${a.severity}`}>${a.band}</span></td>
                  <td>${a.answered_by === 'patient' ? 'Patient (check-in)' : 'Staff'}</td>
                  <td class="nowrap">${a.recorded_by}</td>
                  <td>${a.note || ''}<${Answers} a=${a} /></td>
                </tr>`,
              )}
            </tbody>
          </table>
        <//>
        ${rows.length > RECENT
          ? html`<button type="button" class="btn btn-quiet btn-small" onClick=${() => setAll(!all)}>
              ${all ? 'Show fewer' : `Show all ${rows.length}`}</button>`
          : null}`
      : html`<p class="muted">No assessments yet.</p>`}
  </section>`;
}

// Trends (and flowsheets for clinician-rated instruments) of each instrument
// the patient has scores for, in the order of the instrument list.
async function loadSeries(ctx, codes, instruments) {
  const pid = ctx.patient.id;
  const mayTrend = ctx.can('GET /api/v1/patients/{id}/trends');
  const mayFlow = ctx.can('GET /api/v1/patients/{id}/flowsheet');
  return Promise.all(
    codes.map(async (code) => {
      const info = instruments.find((i) => i.code === code) || { code, name: '', self_report: true };
      const [trend, flowsheet] = await Promise.all([
        mayTrend ? get(`/patients/${pid}/trends`, { instrument: code }).catch((e) => ({ error: e })) : null,
        mayFlow && !info.self_report ? get(`/patients/${pid}/flowsheet`, { instrument: code }).catch(() => null) : null,
      ]);
      return { code, name: info.name, trend: trend && !trend.error ? trend : null, trendError: trend && trend.error, flowsheet };
    }),
  );
}

function Panel({ ctx }) {
  const pid = ctx.patient.id;
  const mayRecord = ctx.can('POST /api/v1/patients/{id}/assessments');
  const mayCheckin = ctx.can('POST /api/v1/patients/{id}/checkins');
  const maySchedules = ctx.can('GET /api/v1/patients/{id}/schedules');
  const mayTrend = ctx.can('GET /api/v1/patients/{id}/trends');
  const [form, setForm] = useState(null); // 'record' | 'checkin'
  const [code, setCode] = useState('');
  const [result, setResult] = useState(null);

  const instruments = useAsync(() => instrumentList(), []);
  const assessments = useAsync(() => get(`/patients/${pid}/assessments`, { limit: 200 }), [pid]);
  const schedules = useAsync(() => (maySchedules ? get(`/patients/${pid}/schedules`) : Promise.resolve(null)), [pid]);
  const items = assessments.data ? assessments.data.items : [];
  const list = instruments.data || [];
  const order = list.map((i) => i.code);
  const codes = [...new Set(items.map((a) => a.instrument))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const key = items.map((a) => a.id).join(',');
  const series = useAsync(
    () => (mayTrend && instruments.data ? loadSeries(ctx, codes, list) : Promise.resolve([])),
    [key, !!instruments.data],
  );

  useEffect(() => {
    if (!result) return;
    const el = document.getElementById('ms-result');
    if (el) {
      el.focus();
      el.scrollIntoView({ block: 'nearest' });
    }
  }, [result]);

  function open(f, c = '') {
    setForm(form === f && !c ? null : f);
    setCode(c);
    if (c) setTimeout(() => {
      const el = document.getElementById('ms-rec-title');
      if (el) el.scrollIntoView({ block: 'start' });
    }, 0);
  }

  async function saved(r, def) {
    setForm(null);
    setResult({ r, def });
    alertsChanged();
    await Promise.all([assessments.reload(), schedules.reload()]);
  }

  // Dose starts and changes of the patient's medications, for the trends.
  const mayOrders = mayTrend && ctx.can('GET /api/v1/orders/{id}');
  const doses = useAsync(
    () => (mayOrders && codes.length ? doseMarkers(pid, dayStartMs).catch(() => []) : Promise.resolve([])),
    [pid, codes.length > 0],
  );

  const scheduled = schedules.data ? schedules.data.items : [];
  const dueCodes = scheduled.filter((s) => dueState(s) !== 'later').map((s) => s.instrument);

  if (instruments.error) return html`<${ErrorBanner} err=${instruments.error} />`;
  return html`<div class="stack measures">
    ${mayRecord || mayCheckin
      ? html`<div class="toolbar" role="group" aria-label="Measure actions">
          ${mayRecord ? html`<button type="button" class=${`btn${form === 'record' ? ' btn-primary' : ''}`}
            aria-expanded=${form === 'record' ? 'true' : 'false'} onClick=${() => open('record')}>Record an assessment…</button>` : null}
          ${mayCheckin ? html`<button type="button" class=${`btn${form === 'checkin' ? ' btn-primary' : ''}`}
            aria-expanded=${form === 'checkin' ? 'true' : 'false'} onClick=${() => open('checkin')}>Create check-in link…</button>` : null}
        </div>`
      : null}
    ${result ? html`<${ResultCard} result=${result.r} def=${result.def} onClose=${() => setResult(null)} />` : null}
    ${form === 'record' && instruments.data
      ? html`<${RecordForm} ctx=${ctx} instruments=${list} code=${code} onSaved=${saved} onCancel=${() => setForm(null)} />`
      : null}
    ${form === 'checkin' && instruments.data
      ? html`<${CheckinLink} ctx=${ctx} instruments=${list} preselect=${dueCodes} onClose=${() => setForm(null)} />`
      : null}
    ${assessments.error ? html`<${ErrorBanner} err=${assessments.error} />` : null}
    ${!assessments.data && !assessments.error ? html`<${Loading} what="Loading measures" />` : null}
    ${mayTrend && series.data
      ? series.data.map(
          (s) => html`<${InstrumentCard} key=${s.code} ...${s} doses=${doses.data || []}
            onRecord=${mayRecord ? () => open('record', s.code) : null} />`,
        )
      : null}
    ${mayTrend && series.loading && codes.length && !series.data ? html`<${Loading} what="Drawing the trends" />` : null}
    ${maySchedules && instruments.data
      ? html`<${Schedules} ctx=${ctx} schedules=${schedules} instruments=${list} reload=${schedules.reload} />`
      : null}
    ${assessments.data ? html`<${Recent} items=${items} />` : null}
    ${assessments.data && assessments.data.total > items.length
      ? html`<p class="fine">Showing the newest ${plural(items.length, 'assessment')} of ${assessments.data.total}.</p>`
      : null}
  </div>`;
}

export default {
  id: 'measures',
  label: 'Measures',
  visible: (ctx) => ctx.can('GET /api/v1/patients/{id}/assessments'),
  Panel,
};
