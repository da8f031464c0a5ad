// measure-trend.js - one instrument on the Measures tab: the trend chart
// (severity bands, level-of-care strip, baseline, response and remission),
// the points as a table, and for an instrument with a withdrawal protocol
// (COWS, CIWA-Ar) the flowsheet with the protocol's next step.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { instant, plural } from '../lib/format.js';
import { levelLabel } from '../lib/levels.js';
import { dayStartMs, fromNow, instantMs } from '../lib/measures.js';
import { TableWrap } from '../components/ui.js';
import { TrendChart, outcomeMarkers } from '../components/trend-chart.js';

// Markers on the trend's time axis: response and remission, and the
// patient's medication dose starts and changes (lib/meds.js doseMarkers).
function markersFor(trend, doses = []) {
  return [...outcomeMarkers(trend), ...doses].sort((x, y) => instantMs(x.at) - instantMs(y.at));
}

// The placements that overlap the chart's points (for the legend).
function placementsShown(trend) {
  const pts = trend.points || [];
  if (!pts.length) return [];
  const first = instantMs(pts[0].at);
  return (trend.placements || []).filter((p) => !p.ended_on || dayStartMs(p.ended_on) >= first - 86400000 * 3);
}

function Legend({ trend, markers }) {
  const levels = placementsShown(trend);
  const o = trend.outcomes;
  return html`<ul class="legend trend-legend">
    <li><span class="swatch line trend-line" aria-hidden="true"></span>Total score</li>
    ${trend.baseline !== null && trend.baseline !== undefined
      ? html`<li><span class="swatch line dashed" aria-hidden="true"></span>Baseline ${trend.baseline} (first score)</li>`
      : null}
    ${markers.map(
      (m) => html`<li class=${`mk mk-${m.kind}`}><span class="swatch line" aria-hidden="true"></span>
        ${m.label}${m.total !== undefined ? ` ${m.total}` : ''}, ${m.on || instant(m.at)}</li>`,
    )}
    ${levels.map(
      (p) => html`<li><span class=${`swatch lvl-${p.level}`} aria-hidden="true"></span>${levelLabel(p.level)}${' '}
        <span class="muted trend-dates">${p.started_on} → ${p.ended_on || 'now'}</span></li>`,
    )}
    ${o ? html`<li class="muted small trend-outcomes">
        ${o.response_drop_percent > 0 ? `Response: a drop of ${o.response_drop_percent}% or more from a baseline of ${o.baseline_min} or more. ` : ''}
        ${o.remission_below >= 0 ? `Remission: below ${o.remission_below}.` : ''}
      </li>` : null}
  </ul>`;
}

function PointsTable({ trend }) {
  const pts = trend.points || [];
  const flag = (p) => [
    trend.response && trend.response.at === p.at ? 'Response' : '',
    trend.remission && trend.remission.at === p.at ? 'Remission' : '',
  ].filter(Boolean).join(', ');
  return html`<details class="trend-table">
    <summary>Scores as a table (${plural(pts.length, 'score')})</summary>
    <${TableWrap} label=${`${trend.instrument} scores`}>
      <table class="table compact" data-instrument=${trend.instrument}>
        <caption class="sr-only">${trend.instrument} scores, newest first</caption>
        <thead><tr><th scope="col">Given</th><th scope="col" class="num">Total</th><th scope="col">Band</th><th scope="col">Outcome</th></tr></thead>
        <tbody>
          ${pts.slice().reverse().map(
            (p, i) => html`<tr key=${p.id}>
              <th scope="row" class="nowrap">${instant(p.at)}${i === pts.length - 1 ? html` <span class="muted">(baseline)</span>` : null}</th>
              <td class="num">${p.total}</td>
              <td><span class=${`badge sev sev-${p.severity}`}>${p.band}</span></td>
              <td>${flag(p)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    <//>
  </details>`;
}

const FLOW_ROWS = 8;

export function Flowsheet({ fs, onRecord }) {
  const [all, setAll] = useState(false);
  const rows = (fs.points || []).slice().reverse();
  const pts = all ? rows : rows.slice(0, FLOW_ROWS);
  const next = fs.next;
  return html`<section class="flowsheet" aria-labelledby=${`fs-${fs.instrument}`}>
    <h3 id=${`fs-${fs.instrument}`}>Flowsheet <span class="muted small">${fs.protocol}</span></h3>
    ${next
      ? html`<div class=${`next-step${next.overdue ? ' overdue' : ''}`} data-overdue=${next.overdue ? 'true' : 'false'}>
          <div class="next-step-head">
            <strong>Next step</strong>
            ${next.overdue ? html`<span class="badge overdue-badge">Overdue</span>` : null}
            <span class="muted small">after the last score, ${next.last_total}</span>
          </div>
          <p class="next-action">${next.step.action}</p>
          <p class="next-when">Reassess by <strong class="reassess-at">${instant(next.reassess_at)}</strong>${' '}
            <span class="muted">(${fromNow(next.reassess_at)}; every ${plural(next.step.reassess_minutes, 'minute')} at this score)</span></p>
          <p class="fine">${next.step.source}</p>
          ${onRecord ? html`<button type="button" class="btn btn-small" onClick=${onRecord}>Record ${fs.instrument} now</button>` : null}
        </div>`
      : html`<p class="muted">No scores yet: the protocol's next step appears after the first.</p>`}
    <p class="fine">${fs.note}</p>
    ${pts.length
      ? html`<${TableWrap} label=${`${fs.instrument} flowsheet`}>
          <table class="table small flowsheet-table" data-instrument=${fs.instrument}>
            <caption class="sr-only">${fs.instrument} scores with the protocol step, newest first</caption>
            <thead><tr><th scope="col">Given</th><th scope="col" class="num">Score</th><th scope="col">Band</th>
              <th scope="col">Protocol step</th><th scope="col" class="num">Reassess after</th><th scope="col">Recorded by</th></tr></thead>
            <tbody>
              ${pts.map(
                (p) => html`<tr key=${p.id}>
                  <td class="nowrap">${instant(p.administered_at)}</td>
                  <td class="num">${p.total}</td>
                  <td><span class=${`badge sev sev-${p.severity}`}>${p.band}</span></td>
                  <td>${p.step ? p.step.action : html`<span class="muted">No step for this score</span>`}</td>
                  <td class="num nowrap">${p.step ? `${p.step.reassess_minutes} min` : ''}</td>
                  <td class="nowrap">${p.recorded_by}${p.answered_by === 'patient' ? ' (patient)' : ''}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        <//>
        ${rows.length > FLOW_ROWS
          ? html`<button type="button" class="btn btn-quiet btn-small" onClick=${() => setAll(!all)}>
              ${all ? `Show the newest ${FLOW_ROWS}` : `Show all ${rows.length} scores`}</button>`
          : null}`
      : null}
  </section>`;
}

// One instrument: name, latest score, chart, table, flowsheet.
// doses: dose-change markers of the patient's medications (may be empty).
export function InstrumentCard({ code, name, trend, trendError, flowsheet, onRecord, doses }) {
  const pts = trend ? trend.points || [] : [];
  const last = pts[pts.length - 1];
  const markers = trend ? markersFor(trend, doses) : [];
  return html`<section class="card minstr" aria-labelledby=${`mi-${code}`} data-instrument=${code}>
    <header class="minstr-head">
      <h2 id=${`mi-${code}`}>${code} <span class="muted small">${name}</span></h2>
      ${last
        ? html`<span class="minstr-last">Latest <strong>${last.total}</strong>
            <span class=${`badge sev sev-${last.severity}`}>${last.band}</span>
            <span class="muted small">${instant(last.at)}</span></span>`
        : null}
    </header>
    ${trendError ? html`<p class="alert error" role="alert">${trendError.message}</p>` : null}
    ${trend && pts.length
      ? html`<${TrendChart} trend=${trend} markers=${markers} label=${`${code} trend`} />
          <${Legend} trend=${trend} markers=${markers} />
          <${PointsTable} trend=${trend} />`
      : null}
    ${flowsheet && flowsheet.protocol ? html`<${Flowsheet} fs=${flowsheet} onRecord=${onRecord} />` : null}
  </section>`;
}

