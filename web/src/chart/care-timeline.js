// care-timeline.js - the chart's Timeline tab: the integrated timeline. Levels
// of care (the chart's episodes), therapy sessions with this patient's
// attendance (GET /api/v1/patients/{id}/sessions), medication doses (GET
// /api/v1/patients/{id}/mar, one lane per order) and scores (GET
// /api/v1/patients/{id}/assessments, one lane per instrument) on one time axis
// of 30 to 92 days. The drawing is HTML positioned along the axis and hidden
// from screen readers; the same events are listed in a table below it.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { addDays, daysBetween, instant, plural, shortDate, today } from '../lib/format.js';
import { levelLabel, levelShort } from '../lib/levels.js';
import { dayStartMs, instantMs } from '../lib/measures.js';
import { doseStatusLabel, orderText } from '../lib/meds.js';
import { attendanceLabel, attendanceTone, sessionTitle } from '../lib/therapy.js';
import { ErrorBanner, Loading, SelectField, TableWrap, useAsync } from '../components/ui.js';

const SPANS = [['30', 'Last 30 days'], ['60', 'Last 60 days'], ['92', 'Last 92 days']];
const SHOWN_DOSES = new Set(['given', 'take_home', 'held', 'refused', 'missed', 'not_recorded']);

async function assessments(pid) {
  const first = await get(`/patients/${pid}/assessments`, { limit: 200 });
  if (first.total <= first.items.length) return first.items;
  const last = await get(`/patients/${pid}/assessments`, { limit: 200, offset: first.total - 200 });
  return last.items;
}

async function load(ctx, from, to) {
  const pid = ctx.patient.id;
  const want = (route, fn) => (ctx.can(route) ? fn().catch((e) => ({ error: e })) : Promise.resolve(null));
  const [sessions, mar, scores] = await Promise.all([
    want('GET /api/v1/patients/{id}/sessions', () => get(`/patients/${pid}/sessions`, { limit: 200 })),
    want('GET /api/v1/patients/{id}/mar', () => get(`/patients/${pid}/mar`, { from, to })),
    want('GET /api/v1/patients/{id}/assessments', () => assessments(pid)),
  ]);
  return { sessions, mar, scores };
}

// Every event of the range: {ms, day, lane, kind, what, detail, tone}.
function events(ctx, data, from, to) {
  const lo = dayStartMs(from);
  const hi = dayStartMs(addDays(to, 1));
  const inRange = (ms) => ms >= lo && ms < hi;
  const out = [];
  const lanes = [];
  // Levels of care: spans, clipped to the range.
  const spans = [];
  for (const e of ctx.episodes)
    for (const p of e.placements || []) {
      const a = dayStartMs(p.started_on);
      const b = p.ended_on ? dayStartMs(p.ended_on) : dayStartMs(addDays(today(), 1));
      if (b <= lo || a >= hi) continue;
      spans.push({ level: p.level, a: Math.max(a, lo), b: Math.min(b, hi), p });
      if (inRange(a)) out.push({ ms: a, day: p.started_on, lane: 'care', kind: 'Level of care', what: `${levelLabel(p.level)} began`, detail: p.reason || `ASAM ${p.asam_level}` });
    }
  lanes.push({ id: 'care', label: 'Level of care', spans });
  // Therapy sessions.
  if (data.sessions && data.sessions.items) {
    const marks = [];
    for (const s of data.sessions.items) {
      const ms = instantMs(s.starts_at);
      if (!inRange(ms)) continue;
      const st = s.status === 'cancelled_by_program' ? 'cancelled_by_program' : s.attendance ? s.attendance.status : null;
      const att = attendanceLabel(st);
      const ev = { ms, lane: 'therapy', kind: 'Therapy session', what: sessionTitle(s), detail: `${att} · ${s.clinician} · ${s.minutes} min`, tone: attendanceTone(st), id: s.id };
      out.push(ev);
      marks.push(ev);
    }
    lanes.push({ id: 'therapy', label: 'Therapy', marks, kind: 'session' });
  }
  // Doses: one lane per order.
  if (data.mar && data.mar.orders)
    for (const r of data.mar.orders) {
      const o = r.order || {};
      const marks = [];
      for (const c of r.cells || []) {
        if (!SHOWN_DOSES.has(c.status)) continue;
        const ms = dayStartMs(c.on) + 12 * 3600000;
        if (!inRange(ms)) continue;
        const amount = c.amount !== null && c.amount !== undefined && (c.status === 'given' || c.status === 'take_home') ? ` ${c.amount} ${o.unit}` : '';
        const ev = { ms, day: c.on, lane: `order-${o.id}`, kind: 'Dose', what: o.medication_name || o.medication, detail: `${doseStatusLabel(c.status)}${amount}`, tone: c.status };
        out.push(ev);
        marks.push(ev);
      }
      lanes.push({ id: `order-${o.id}`, label: o.medication_name || o.medication, sub: orderText(o, { name: false }), marks, kind: 'dose' });
    }
  // Scores: one lane per instrument.
  if (Array.isArray(data.scores)) {
    const by = new Map();
    for (const a of data.scores) {
      const ms = instantMs(a.administered_at);
      if (!inRange(ms)) continue;
      const ev = { ms, lane: `score-${a.instrument}`, kind: 'Score', what: a.instrument, detail: `${a.total}${a.band ? ` (${a.band})` : ''}`, tone: a.severity, total: a.total };
      out.push(ev);
      if (!by.has(a.instrument)) by.set(a.instrument, []);
      by.get(a.instrument).push(ev);
    }
    for (const [code, marks] of by) lanes.push({ id: `score-${code}`, label: code, marks, kind: 'score' });
  }
  out.sort((a, b) => a.ms - b.ms);
  return { lo, hi, lanes, list: out };
}

const pos = (ms, lo, hi) => Math.min(100, Math.max(0, ((ms - lo) / (hi - lo)) * 100));

function Lane({ lane, lo, hi }) {
  return html`<li class=${`itl-lane itl-${lane.kind || 'care'}`} data-lane=${lane.id}>
    <span class="itl-label"><span class="itl-name">${lane.label}</span>${lane.sub ? html`<span class="itl-sub">${lane.sub}</span>` : null}</span>
    <span class="itl-track">
      ${(lane.spans || []).map((s) => html`<span class=${`itl-span lvl-${s.level}`} key=${`${s.p.id}`}
        style=${{ left: `${pos(s.a, lo, hi)}%`, width: `${Math.max(0.5, pos(s.b, lo, hi) - pos(s.a, lo, hi))}%` }}
        title=${`${levelLabel(s.level)}: ${s.p.started_on} → ${s.p.ended_on || 'now'}`}>${levelShort(s.level)}</span>`)}
      ${(lane.marks || []).map((m, i) => html`<span key=${i} class=${`itl-mark itl-${lane.kind} tone-${m.tone || 'none'}`}
        data-kind=${lane.kind} style=${{ left: `${pos(m.ms, lo, hi)}%` }}
        title=${`${m.day || instant(new Date(m.ms).toISOString())}: ${m.what} — ${m.detail}`}>${lane.kind === 'score' ? m.total : ''}</span>`)}
    </span>
  </li>`;
}

function Axis({ from, to }) {
  const span = daysBetween(from, to) + 1;
  const step = span > 60 ? 14 : 7;
  const ticks = [];
  // The last tick only when its label still fits inside the axis.
  for (let i = 0; i < span; i += step) if (i / span < 0.93) ticks.push(addDays(from, i));
  return html`<div class="itl-axis">
    <span class="itl-label"></span>
    <span class="itl-ticks">${ticks.map((d) => html`<span key=${d} class="itl-tick" style=${{ left: `${(daysBetween(from, d) / span) * 100}%` }}>${shortDate(d)}</span>`)}</span>
  </div>`;
}

function Panel({ ctx }) {
  const [span, setSpan] = useState('30');
  const [end, setEnd] = useState(today());
  const from = addDays(end, -(Number(span) - 1));
  const data = useAsync(() => load(ctx, from, end), [ctx.patient.id, from, end]);
  const d = data.data;
  const tl = d ? events(ctx, d, from, end) : null;
  const errors = d ? [d.sessions, d.mar, d.scores].filter((x) => x && x.error).map((x) => x.error) : [];
  const counts = tl
    ? { sessions: tl.list.filter((e) => e.lane === 'therapy').length, doses: tl.list.filter((e) => e.kind === 'Dose').length, scores: tl.list.filter((e) => e.kind === 'Score').length }
    : null;
  return html`<div class="stack care-timeline">
    <section class="card" aria-labelledby="itl-title">
      <div class="card-head">
        <h2 id="itl-title">Integrated timeline</h2>
        <span class="muted">${shortDate(from, true)} – ${shortDate(end, true)}</span>
      </div>
      <div class="itl-controls" role="group" aria-label="Range">
        <${SelectField} id="itl-span" label="Show" value=${span} onValue=${setSpan} options=${SPANS} />
        <button type="button" class="btn btn-small" onClick=${() => setEnd(addDays(end, -Number(span)))}>← Earlier</button>
        <button type="button" class="btn btn-small" disabled=${end >= today()} onClick=${() => { const n = addDays(end, Number(span)); setEnd(n > today() ? today() : n); }}>Later →</button>
        <button type="button" class="btn btn-small btn-quiet" disabled=${end === today()} onClick=${() => setEnd(today())}>Up to today</button>
      </div>
      ${data.error ? html`<${ErrorBanner} err=${data.error} />` : null}
      ${errors.map((e, i) => html`<${ErrorBanner} key=${i} err=${e} />`)}
      ${!d && !data.error ? html`<${Loading} what="Gathering sessions, doses and scores" />` : null}
      ${tl
        ? html`<p class="itl-summary">${plural(counts.sessions, 'therapy session')}, ${plural(counts.doses, 'dose record')} and ${plural(counts.scores, 'score')} in this range.</p>
          <div class="itl-figure" aria-hidden="true" data-events=${tl.list.length}>
            <ol class="itl-lanes">${tl.lanes.map((l) => html`<${Lane} key=${l.id} lane=${l} lo=${tl.lo} hi=${tl.hi} />`)}</ol>
            <${Axis} from=${from} to=${end} />
          </div>
          <ul class="legend itl-legend" aria-hidden="true">
            <li><span class="itl-chip itl-session tone-ok"></span>Attended</li>
            <li><span class="itl-chip itl-session tone-partial"></span>Late or left early</li>
            <li><span class="itl-chip itl-session tone-bad"></span>Absent, unexcused</li>
            <li><span class="itl-chip itl-session tone-excused"></span>Excused or cancelled</li>
            <li><span class="itl-chip itl-session tone-none"></span>Not recorded</li>
            <li><span class="itl-chip itl-dose tone-given"></span>Dose given</li>
            <li><span class="itl-chip itl-dose tone-take_home"></span>Take-home</li>
            <li><span class="itl-chip itl-dose tone-missed"></span>Missed, refused or held</li>
          </ul>
          <details class="itl-table" open=${tl.list.length <= 40}>
            <summary>The same events as a list (${tl.list.length})</summary>
            <${TableWrap} label="Timeline events">
              <table class="table small">
                <caption class="sr-only">Sessions, doses, scores and changes of level of care from ${from} to ${end}, oldest first</caption>
                <thead><tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">What</th><th scope="col">Detail</th></tr></thead>
                <tbody>${tl.list.map((e, i) => html`<tr key=${i} data-kind=${e.kind}>
                  <td class="nowrap">${e.day || instant(new Date(e.ms).toISOString())}</td><td>${e.kind}</td>
                  <td>${e.id ? html`<a href=${`/sessions/${e.id}`}>${e.what}</a>` : e.what}</td>
                  <td>${e.detail}</td>
                </tr>`)}</tbody>
              </table>
            <//>
          </details>`
        : null}
    </section>
  </div>`;
}

export default {
  id: 'timeline',
  label: 'Timeline',
  visible: (ctx) => ctx.can('GET /api/v1/patients/{id}/sessions') || ctx.can('GET /api/v1/patients/{id}/mar'),
  Panel,
};
