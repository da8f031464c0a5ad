// mar.js - the chart's MAR tab: the medication administration record
// (GET /api/v1/patients/{id}/mar), days across and one row per scheduled dose
// of each order. Every cell says its status in words (and colour): given with
// the amount, take-home, held, refused, missed, not recorded. The range moves
// by its own length (at most 92 days). A recorded cell opens its details; a
// nurse or prescriber may void a dose entered in error, with a reason.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post } from '../lib/api.js';
import { addDays, daysBetween, shortDate, today } from '../lib/format.js';
import { DOSE_STATUS, amountText, doseStatusLabel, doseStatusShort, orderText } from '../lib/meds.js';
import { DateField, ErrorBanner, FormError, Loading, TableWrap, TextField, errorFor, fieldId, useAsync } from '../components/ui.js';

const SPAN = 14;
const MAX_SPAN = 92;
const LEGEND = ['given', 'take_home', 'held', 'refused', 'missed', 'not_recorded', 'due'];

// The rows: one per order and slot.
function rowsOf(mar) {
  const out = [];
  for (const r of mar.orders || []) {
    const o = r.order || {};
    const slots = [...new Set((r.cells || []).map((c) => c.slot || 1))].sort((a, b) => a - b);
    const n = Math.max(o.per_day || 1, slots.length ? Math.max(...slots) : 1);
    const list = o.per_day > 1 ? Array.from({ length: n }, (_, i) => i + 1) : slots.length ? slots : [1];
    const byKey = new Map((r.cells || []).map((c) => [`${c.on}|${c.slot || 1}`, c]));
    list.forEach((slot, i) => out.push({ o, slot, first: i === 0, span: list.length, multi: list.length > 1, byKey }));
  }
  return out;
}

function VoidForm({ cell, onDone, onCancel }) {
  const form = `mar-void-${cell.administration_id}`;
  const [reason, setReason] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    setBusy(true);
    try {
      await post(`/administrations/${cell.administration_id}/void`, { reason: reason.trim() });
      onDone();
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }
  return html`<form class="status-form" onSubmit=${submit} noValidate aria-label="Void this dose">
    <${FormError} err=${err} fields=${['reason']} />
    <${TextField} id=${fieldId(form, 'reason')} label="Reason for voiding" required value=${reason} onValue=${setReason}
      error=${errorFor(err, 'reason')} autocomplete="off" hint="The record stays, marked entered in error; the dose can then be recorded again." />
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>Void dose</button>
      <button class="btn" type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

function CellDetail({ sel, ctx, onVoided, onClose }) {
  const [voiding, setVoiding] = useState(false);
  const { o, c } = sel;
  const mayVoid = ctx.can('POST /api/v1/administrations/{id}/void') && c.administration_id
    && ['given', 'take_home', 'held', 'refused', 'missed'].includes(c.status);
  useEffect(() => {
    const el = document.getElementById('mar-detail');
    if (el) el.focus();
  }, [sel]);
  return html`<section class="card mar-detail" id="mar-detail" tabindex="-1" aria-labelledby="mar-detail-title">
    <div class="card-head">
      <h3 id="mar-detail-title">${orderText(o)} · ${shortDate(c.on, true)}${o.per_day > 1 ? ` · dose ${c.slot}` : ''}</h3>
      <button type="button" class="btn btn-small btn-quiet" onClick=${onClose}>Close</button>
    </div>
    <p><span class=${`badge dose dose-${c.status}`}>${doseStatusLabel(c.status)}</span>
      ${c.amount !== null && c.amount !== undefined ? ` ${amountText(c.amount, o.unit)}` : ''}
      ${c.recorded_by ? html` <span class="muted">recorded by ${c.recorded_by}</span>` : null}</p>
    ${mayVoid && !voiding ? html`<button type="button" class="btn btn-small" onClick=${() => setVoiding(true)}>Void…</button>` : null}
    ${voiding ? html`<${VoidForm} cell=${c} onCancel=${() => setVoiding(false)} onDone=${onVoided} />` : null}
  </section>`;
}

const weekday = (d) => shortDate(d, true).split(',')[0];

function Grid({ mar, onPick, sel }) {
  const days = mar.days || [];
  const rows = rowsOf(mar);
  const now = today();
  const host = useRef(null);
  // The newest days are on the right: show them first.
  useEffect(() => {
    const w = host.current && host.current.querySelector('.table-wrap');
    if (w) w.scrollLeft = w.scrollWidth;
  }, [mar.from, mar.to]);
  return html`<div class="mar-scroll" ref=${host}><${TableWrap} label="Medication administration record">
    <table class="table mar-grid" data-from=${mar.from} data-to=${mar.to}>
      <caption class="sr-only">Medication administration record, ${mar.from} to ${mar.to}: one row per scheduled dose, one column per day</caption>
      <thead><tr>
        <th scope="col" class="mar-order-h">Order</th>
        ${days.map((d) => html`<th scope="col" key=${d} class=${`mar-day${d === now ? ' today' : ''}`} data-day=${d}>
          <span class="mar-wd">${weekday(d)}</span> <span class="mar-md">${shortDate(d)}</span>${d === now ? html`<span class="sr-only"> (today)</span>` : null}</th>`)}
      </tr></thead>
      <tbody>
        ${rows.map((r) => html`<tr key=${`${r.o.id}-${r.slot}`} data-order=${r.o.id} data-slot=${r.slot} class=${r.first ? 'mar-first' : ''}>
          <th scope="row" class="mar-order">
            ${r.first ? html`<span class="mar-med">${r.o.medication_name || r.o.medication}</span>
              <span class="muted small"> ${amountText(r.o.dose, r.o.unit)} ${r.o.frequency || ''}</span>` : html`<span class="sr-only">${r.o.medication_name || r.o.medication}</span>`}
            ${r.multi ? html`<div class="small muted">Dose ${r.slot}</div>` : null}
          </th>
          ${days.map((d) => {
            const c = r.byKey.get(`${d}|${r.slot}`);
            if (!c) return html`<td key=${d} class="mar-cell mar-none"><span class="sr-only">not scheduled</span></td>`;
            const amt = c.amount !== null && c.amount !== undefined && c.status === 'given' ? amountText(c.amount, '') : '';
            const picked = sel && sel.c === c;
            const recorded = !!c.administration_id;
            const label = `${doseStatusLabel(c.status)}${amt ? ` ${amountText(c.amount, r.o.unit)}` : ''}, ${shortDate(d, true)}`;
            return html`<td key=${d} class=${`mar-cell mar-${c.status}${picked ? ' picked' : ''}`} data-day=${d} data-status=${c.status}>
              ${recorded
                ? html`<button type="button" class="mar-btn" aria-label=${`${label}: details`} aria-pressed=${picked ? 'true' : 'false'}
                    onClick=${() => onPick(picked ? null : { o: r.o, c })}>
                    <span class="mar-st">${doseStatusShort(c.status)}</span>${amt ? html`<span class="mar-amt">${amt}</span>` : null}</button>`
                : html`<span class="mar-st" title=${label}>${doseStatusShort(c.status)}</span>`}
            </td>`;
          })}
        </tr>`)}
      </tbody>
    </table>
  <//></div>`;
}

function Panel({ ctx }) {
  const pid = ctx.patient.id;
  const [range, setRange] = useState(null); // {from, to}; null: the server's default
  const [form, setForm] = useState({ from: '', to: '' });
  const [sel, setSel] = useState(null);
  const mar = useAsync(() => get(`/patients/${pid}/mar`, range || undefined), [pid, range && range.from, range && range.to]);
  const m = mar.data;
  useEffect(() => {
    if (m) setForm({ from: m.from, to: m.to });
  }, [m && m.from, m && m.to]);

  const span = m ? daysBetween(m.from, m.to) + 1 : SPAN;
  const shift = (n) => {
    if (!m) return;
    setSel(null);
    setRange({ from: addDays(m.from, n), to: addDays(m.to, n) });
  };
  function show(e) {
    e.preventDefault();
    setSel(null);
    setRange({ from: form.from.trim(), to: form.to.trim() });
  }
  const now = today();

  return html`<div class="stack mar">
    <section class="card" aria-labelledby="mar-title">
      <div class="card-head">
        <h2 id="mar-title">Medication administration record</h2>
        ${m ? html`<span class="muted">${shortDate(m.from, true)} – ${shortDate(m.to, true)}</span>` : null}
      </div>
      <form class="mar-nav" onSubmit=${show} aria-label="Range">
        <button type="button" class="btn btn-small" onClick=${() => shift(-span)} disabled=${!m}>← Earlier ${span} days</button>
        <button type="button" class="btn btn-small" onClick=${() => shift(span)} disabled=${!m || (m && m.to >= now)}>Later ${span} days →</button>
        <button type="button" class="btn btn-small btn-quiet" onClick=${() => { setSel(null); setRange(null); }}>Last ${SPAN} days</button>
        <${DateField} id="mar-from" label="From" value=${form.from} onValue=${(x) => setForm((f) => ({ ...f, from: x }))} />
        <${DateField} id="mar-to" label="To" value=${form.to} onValue=${(x) => setForm((f) => ({ ...f, to: x }))}
          hint=${`At most ${MAX_SPAN} days`} />
        <button type="submit" class="btn btn-small">Show</button>
      </form>
      <${ErrorBanner} err=${mar.error} />
      ${!m && !mar.error ? html`<${Loading} what="Loading the MAR" />` : null}
      ${m && !(m.orders || []).length ? html`<p class="muted">No scheduled doses in this range.</p>` : null}
      ${m && (m.orders || []).length ? html`<${Grid} mar=${m} sel=${sel} onPick=${setSel} />` : null}
      <ul class="legend mar-legend" aria-label="Legend">
        ${LEGEND.map((s) => html`<li key=${s}><span class=${`mar-chip mar-${s}`} aria-hidden="true">${doseStatusShort(s)}</span>${DOSE_STATUS[s].label}</li>`)}
      </ul>
    </section>
    ${sel ? html`<${CellDetail} sel=${sel} ctx=${ctx} onClose=${() => setSel(null)}
        onVoided=${async () => { setSel(null); ctx.say('Dose voided: it can now be recorded again.'); await mar.reload(); }} />` : null}
  </div>`;
}

export default { id: 'mar', label: 'MAR', visible: (ctx) => ctx.can('GET /api/v1/patients/{id}/mar'), Panel };
