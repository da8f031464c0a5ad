// take-homes.js - the chart's Take-homes tab: methadone take-home doses
// (42 CFR 8.12(i), 2024; docs/api.md, Medications).
//   - Eligibility (GET .../take-homes/eligibility): day of treatment, the
//     maximum supply for that day with its source, the six factors with the
//     evidence Tandem holds and whether any is a concern, storage education,
//     the prescriber's latest decision and the ceiling a dispense may reach.
//   - The prescriber's decision (approved days, at most the maximum, and a
//     reason); recording safe-storage education; documenting diversion.
//   - Dispenses with bottles out and returned, and recording a return.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../lib/api.js';
import { addDays, instant, plural, shortDate } from '../lib/format.js';
import { num } from '../lib/meds.js';
import {
  DateField, ErrorBanner, FormError, Loading, SelectField, TableWrap, TextArea, TextField, errorFor, fieldId, useAsync, useFocusError,
} from '../components/ui.js';

const CONDITIONS = [['returned', 'Returned (empty, intact)'], ['missing', 'Missing'], ['tampered', 'Tampered']];

// Evidence comes as text, or as {text|summary|message, at|on}.
function evidenceText(e) {
  if (e === null || e === undefined) return '';
  if (typeof e !== 'object') return String(e);
  const t = e.text || e.summary || e.message || e.what || '';
  const when = e.on || e.at || e.date;
  return `${t}${when ? ` (${String(when).slice(0, 10)})` : ''}`;
}

function Factors({ factors }) {
  return html`<ol class="th-factors">
    ${factors.map((f) => html`<li key=${f.id} class=${`th-factor${f.concern ? ' concern' : ''}`} data-factor=${f.id} data-concern=${f.concern ? 'true' : 'false'}>
      <div class="th-factor-head">
        <strong>${f.title}</strong>
        ${f.concern
          ? html`<span class="badge flag-block">Concern</span>`
          : html`<span class="badge ok">No concern found</span>`}
      </div>
      ${(f.evidence || []).length
        ? html`<ul class="th-evidence small">${f.evidence.map((e, i) => html`<li key=${i} data-kind=${e && e.kind}>${evidenceText(e)}</li>`)}
            ${f.more ? html`<li class="muted">and ${f.more} more</li>` : null}</ul>`
        : html`<p class="small muted">No evidence recorded in Tandem.</p>`}
    </li>`)}
  </ol>`;
}

// The prescriber's reading of each factor, starting from what Tandem found.
const blankFactors = (el) => Object.fromEntries((el.factors || []).map((f) => [f.id, { concern: !!f.concern, note: '' }]));

function DecisionForm({ ctx, el, onDone }) {
  const form = 'th-dec';
  const [v, setV] = useState({ approved_days: '', reason: '' });
  const [fs, setFs] = useState(() => blankFactors(el));
  const setF = (id, k) => (x) => setFs((o) => ({ ...o, [id]: { ...o[id], [k]: x } }));
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(form, err, ['approved_days', 'reason']);
  const prop = (name, label, extra = {}) => ({
    id: fieldId(form, name), label, value: v[name], error: errorFor(err, name),
    onValue: (x) => setV((s) => ({ ...s, [name]: x })), ...extra,
  });
  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    const t = v.approved_days.trim();
    const days = t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
    if (typeof days === 'number' && days > el.max_days) {
      setErr({ field: 'approved_days', message: `At most ${el.max_days} days on day ${el.treatment_day} of treatment (${el.tier ? el.tier.source : '42 CFR 8.12(i)'}).` });
      return;
    }
    setBusy(true);
    try {
      const factors = {};
      for (const [id, f] of Object.entries(fs)) factors[id] = f.note.trim() ? { concern: f.concern, note: f.note.trim() } : { concern: f.concern };
      const body = { approved_days: days, reason: v.reason.trim() };
      if (Object.keys(factors).length) body.factors = factors;
      const d = await post(`/patients/${ctx.patient.id}/take-homes/decisions`, body);
      setBusy(false);
      setV({ approved_days: '', reason: '' });
      setFs(blankFactors(el));
      onDone(`Decision recorded: ${plural(d.approved_days, 'take-home day')}.`);
    } catch (x) {
      setBusy(false);
      setErr(x);
    }
  }
  return html`<form class="th-form" onSubmit=${submit} noValidate aria-labelledby="th-dec-title">
    <h3 id="th-dec-title">Prescriber's decision</h3>
    <${FormError} err=${err} fields=${['approved_days', 'reason']} />
    <div class="grid th-dec-grid">
      <${TextField} ...${prop('approved_days', 'Approved take-home days', {
        required: true, type: 'number', min: 0, max: el.max_days, step: 1, inputmode: 'numeric', autocomplete: 'off',
        hint: `0 to ${el.max_days} (day ${el.treatment_day} of treatment)`,
      })} />
      <div class="th-reason"><${TextArea} ...${prop('reason', 'Reason', { required: true, rows: 2, hint: 'Your weighing of the six factors' })} /></div>
    </div>
    ${(el.factors || []).length
      ? html`<details class="th-dec-factors">
          <summary>Your reading of each factor (optional)</summary>
          <${TableWrap} label="Factors">
            <table class="table compact small">
              <thead><tr><th scope="col">Factor</th><th scope="col">Concern</th><th scope="col">Note</th></tr></thead>
              <tbody>${el.factors.map((f, i) => html`<tr key=${f.id}>
                <th scope="row">${i + 1}. ${f.title}</th>
                <td><input type="checkbox" id=${`${form}-fc-${f.id}`} aria-label=${`Concern: ${f.title}`} checked=${fs[f.id] && fs[f.id].concern}
                  onChange=${(e) => setF(f.id, 'concern')(e.currentTarget.checked)} /></td>
                <td><input type="text" id=${`${form}-fn-${f.id}`} aria-label=${`Note: ${f.title}`} maxlength="500" autocomplete="off"
                  value=${fs[f.id] ? fs[f.id].note : ''} onInput=${(e) => setF(f.id, 'note')(e.currentTarget.value)} /></td>
              </tr>`)}</tbody>
            </table>
          <//>
        </details>`
      : null}
    <div class="actions"><button class="btn btn-primary" type="submit" disabled=${busy}>Record decision</button></div>
  </form>`;
}

// A note-only form: storage education, diversion.
function NoteForm({ id, title, label, path, withDate, button, onDone, onCancel, hint }) {
  const [v, setV] = useState({ note: '', noted_on: '' });
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(id, err, ['note', 'noted_on']);
  useEffect(() => {
    const el = document.getElementById(fieldId(id, 'note'));
    if (el) el.focus();
  }, []);
  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    const body = { note: v.note.trim() };
    if (withDate && v.noted_on.trim()) body.noted_on = v.noted_on.trim();
    setBusy(true);
    try {
      await post(path, body);
      setBusy(false);
      onDone();
    } catch (x) {
      setBusy(false);
      setErr(x);
    }
  }
  return html`<form class="th-form" onSubmit=${submit} noValidate aria-labelledby=${`${id}-title`}>
    <h3 id=${`${id}-title`}>${title}</h3>
    <${FormError} err=${err} fields=${['note', 'noted_on']} />
    <${TextArea} id=${fieldId(id, 'note')} label=${label} required value=${v.note} rows="2" hint=${hint}
      onValue=${(x) => setV((s) => ({ ...s, note: x }))} error=${errorFor(err, 'note')} />
    ${withDate ? html`<${DateField} id=${fieldId(id, 'noted_on')} label="Noted on" value=${v.noted_on}
      onValue=${(x) => setV((s) => ({ ...s, noted_on: x }))} error=${errorFor(err, 'noted_on')} hint="Leave empty for today" />` : null}
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>${button}</button>
      <button class="btn" type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

// The decision's notes per factor, where the prescriber wrote any.
function decisionFactors(d, el) {
  const entries = Object.entries(d.factors || {}).filter(([, v]) => v && (typeof v === 'string' || v.note || v.concern));
  if (!entries.length) return null;
  const title = (id) => ((el.factors || []).find((f) => f.id === id) || { title: id }).title;
  return html`<ul class="small th-dec-notes">${entries.map(([id, v]) => html`<li key=${id}>
    ${v.concern ? html`<span class="badge flag-block">Concern</span> ` : null}<strong>${title(id)}</strong>${typeof v === 'string' ? `: ${v}` : v.note ? `: ${v.note}` : ''}</li>`)}</ul>`;
}

function Eligibility({ ctx, el, reload }) {
  const [form, setForm] = useState(null); // 'education' | 'diversion'
  const mayDecide = ctx.can('POST /api/v1/patients/{id}/take-homes/decisions');
  const mayEducate = ctx.can('POST /api/v1/patients/{id}/take-homes/education');
  const mayDivert = ctx.can('POST /api/v1/patients/{id}/diversions');
  const d = el.decision;
  const concerns = (el.factors || []).filter((f) => f.concern).length;
  async function done(msg) {
    setForm(null);
    ctx.say(msg);
    await reload();
  }
  return html`<section class="card th-elig" aria-labelledby="th-elig-title" data-max-days=${el.max_days} data-ceiling=${el.ceiling}>
    <h2 id="th-elig-title">Methadone take-home eligibility</h2>
    <div class="stats th-stats">
      <div class="stat card"><div class="stat-value" data-stat="treatment-day">${el.treatment_day ?? '—'}</div>
        <div class="stat-label">Day of treatment</div>
        <div class="stat-note muted">${el.treatment_start ? `since ${el.treatment_start}` : 'not in treatment'}</div></div>
      <div class="stat card"><div class="stat-value" data-stat="max-days">${el.max_days}</div>
        <div class="stat-label">Most take-home days allowed</div>
        <div class="stat-note muted">${el.tier ? `from day ${el.tier.from_day}` : ''}</div></div>
      <div class="stat card"><div class="stat-value" data-stat="ceiling">${el.ceiling}</div>
        <div class="stat-label">Dispense ceiling now</div>
        <div class="stat-note muted">${d ? 'the lower of the maximum and the decision' : 'no decision yet: none may be dispensed'}</div></div>
    </div>
    ${el.tier ? html`<p class="small th-source"><span class="rule-k">Source:</span> ${el.tier.source}</p>` : null}
    ${el.first_days && el.treatment_day && el.treatment_day <= el.first_days.through_day
      ? html`<p class="small th-first">${`First ${el.first_days.through_day} days of treatment: ${el.first_days.used} of ${plural(el.first_days.limit, 'take-home day')} used.`}</p>`
      : null}
    ${el.closure_dose_allowed ? html`<p class="small muted">A single dose for a day the clinic is closed may be dispensed.</p>` : null}

    <h3>The six factors${concerns ? html` <span class="badge flag-block">${plural(concerns, 'concern')}</span>` : null}</h3>
    <${Factors} factors=${el.factors || []} />

    <div class="th-facts">
      <div>
        <h3>Storage education</h3>
        ${el.education
          ? html`<p class="th-edu">Recorded ${instant(el.education.recorded_at)} by ${el.education.recorded_by}</p>`
          : html`<p class="muted th-edu">Not recorded yet.</p>`}
      </div>
      <div>
        <h3>Latest decision</h3>
        ${d
          ? html`<p class="th-decision"><strong>${plural(d.approved_days, 'day')}</strong>${' approved '}
              <span class="muted">(maximum then ${d.max_days})</span>${` by ${d.decided_by}, ${instant(d.decided_at)}`}</p>
              <p class="small">${d.reason}</p>
              ${decisionFactors(d, el)}`
          : html`<p class="muted th-decision">No decision recorded.</p>`}
      </div>
    </div>
    ${mayEducate || mayDivert
      ? html`<div class="toolbar" role="group" aria-label="Take-home records">
          ${mayEducate ? html`<button type="button" class="btn btn-small" aria-expanded=${form === 'education' ? 'true' : 'false'}
            onClick=${() => setForm(form === 'education' ? null : 'education')}>Record storage education…</button>` : null}
          ${mayDivert ? html`<button type="button" class="btn btn-small" aria-expanded=${form === 'diversion' ? 'true' : 'false'}
            onClick=${() => setForm(form === 'diversion' ? null : 'diversion')}>Document diversion…</button>` : null}
        </div>`
      : null}
    ${form === 'education'
      ? html`<${NoteForm} id="th-edu" title="Safe transport and storage education" label="What was covered" button="Record education"
          path=${`/patients/${ctx.patient.id}/take-homes/education`} hint="e.g. lock box, keep away from children, return empty bottles"
          onCancel=${() => setForm(null)} onDone=${() => done('Storage education recorded.')} />`
      : null}
    ${form === 'diversion'
      ? html`<${NoteForm} id="th-div" title="Document diversion" label="What happened" button="Document diversion" withDate
          path=${`/patients/${ctx.patient.id}/diversions`} onCancel=${() => setForm(null)} onDone=${() => done('Diversion documented.')} />`
      : null}
    ${mayDecide && el.treatment_day ? html`<${DecisionForm} ctx=${ctx} el=${el} onDone=${done} />` : null}
  </section>`;
}

function ReturnForm({ th, onDone, onCancel }) {
  const form = `th-ret-${th.id}`;
  const out = outstanding(th);
  const [v, setV] = useState({ bottles: out ? String(out) : '1', condition: 'returned', note: '' });
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(form, err, ['bottles', 'condition', 'note']);
  const prop = (name, label, extra = {}) => ({
    id: fieldId(form, name), label, value: v[name], error: errorFor(err, name),
    onValue: (x) => setV((s) => ({ ...s, [name]: x })), ...extra,
  });
  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    const t = v.bottles.trim();
    const body = { bottles: t !== '' && Number.isFinite(Number(t)) ? Number(t) : t, condition: v.condition };
    if (v.note.trim()) body.note = v.note.trim();
    setBusy(true);
    try {
      await post(`/take-homes/${th.id}/returns`, body);
      setBusy(false);
      onDone(body);
    } catch (x) {
      setBusy(false);
      setErr(x);
    }
  }
  return html`<form class="status-form th-return" onSubmit=${submit} noValidate aria-label="Record a return">
    <${FormError} err=${err} fields=${['bottles', 'condition', 'note']} />
    <div class="grid three">
      <${TextField} ...${prop('bottles', 'Bottles', { required: true, inputmode: 'numeric', autocomplete: 'off' })} />
      <${SelectField} ...${prop('condition', 'Condition', { options: CONDITIONS })} />
      <${TextField} ...${prop('note', 'Note', { autocomplete: 'off' })} />
    </div>
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>Record return</button>
      <button class="btn" type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

// Bottles still out for a dispense.
function outstanding(th) {
  if (th.outstanding !== undefined) return th.outstanding;
  return Math.max(0, (th.bottles || 0) - (th.returned || 0) - (th.missing || 0) - (th.tampered || 0));
}

function Dispenses({ ctx, version, onChanged }) {
  const list = useAsync(() => get(`/patients/${ctx.patient.id}/take-homes`), [ctx.patient.id, version]);
  const [open, setOpen] = useState(null);
  const mayReturn = ctx.can('POST /api/v1/take-homes/{id}/returns');
  const items = list.data ? list.data.items || [] : [];
  const cols = 6 + (mayReturn ? 1 : 0);
  return html`<section class="card th-dispenses" aria-labelledby="th-disp-title">
    <h2 id="th-disp-title">Take-home dispenses</h2>
    <${ErrorBanner} err=${list.error} />
    ${!list.data && !list.error ? html`<${Loading} what="Loading dispenses" />` : null}
    ${list.data && !items.length ? html`<p class="muted">No take-homes dispensed.</p>` : null}
    ${items.length
      ? html`<${TableWrap} label="Take-home dispenses">
          <table class="table small th-table">
            <thead><tr><th scope="col">Days</th><th scope="col">Dose</th><th scope="col" class="num">Bottles out</th>
              <th scope="col">Back</th><th scope="col">Due back</th><th scope="col">Dispensed</th>
              ${mayReturn ? html`<th scope="col"><span class="sr-only">Actions</span></th>` : null}</tr></thead>
            <tbody>
              ${items.map((th) => {
                const out = outstanding(th);
                const last = th.last_on || (th.first_on && th.days ? addDays(th.first_on, th.days - 1) : '');
                const back = [
                  th.returned ? `${th.returned} returned` : '',
                  th.missing ? `${th.missing} missing` : '',
                  th.tampered ? `${th.tampered} tampered` : '',
                ].filter(Boolean).join(', ');
                return html`
                <tr key=${th.id} data-dispense=${th.id} data-out=${out} class=${th.overdue ? 'warn' : ''}>
                  <td class="nowrap">${th.first_on ? shortDate(th.first_on, true) : ''}${last && last !== th.first_on ? ` – ${shortDate(last, true)}` : ''}
                    <div class="muted">${plural(th.days || 0, 'day')}${th.closure ? ' · clinic closed' : ''}</div></td>
                  <td class="nowrap">${th.medication_name || th.medication || ''} ${th.amount !== undefined && th.amount !== null ? `${num(th.amount)} ${th.unit || ''}` : ''}</td>
                  <td class="num">${out}<span class="muted"> of ${th.bottles ?? th.days}</span></td>
                  <td>${back || html`<span class="muted">none yet</span>`}
                    ${th.missing || th.tampered ? html` <span class="badge flag-block">Check</span>` : null}</td>
                  <td class="nowrap">${th.due_back_on ? shortDate(th.due_back_on, true) : ''}
                    ${th.overdue ? html` <span class="badge flag-block">Overdue</span>` : null}</td>
                  <td class="nowrap">${th.recorded_at ? instant(th.recorded_at) : ''}<div class="muted">${th.recorded_by || ''}</div></td>
                  ${mayReturn
                    ? html`<td>${out > 0
                        ? html`<button type="button" class="btn btn-small" aria-expanded=${open === th.id ? 'true' : 'false'}
                            onClick=${() => setOpen(open === th.id ? null : th.id)}>Record return…<span class="sr-only"> ${th.first_on}</span></button>`
                        : null}</td>`
                    : null}
                </tr>
                ${open === th.id
                  ? html`<tr class="row-form"><td colspan=${cols}><${ReturnForm} th=${th} onCancel=${() => setOpen(null)}
                      onDone=${async (b) => { setOpen(null); ctx.say(`Return recorded: ${plural(b.bottles, 'bottle')} ${b.condition}.`); await Promise.all([list.reload(), onChanged()]); }} /></td></tr>`
                  : null}`;
              })}
            </tbody>
          </table>
        <//>`
      : null}
  </section>`;
}

function Panel({ ctx }) {
  const [version, setVersion] = useState(0);
  const el = useAsync(() => get(`/patients/${ctx.patient.id}/take-homes/eligibility`), [ctx.patient.id, version]);
  const mayList = ctx.can('GET /api/v1/patients/{id}/take-homes');
  const reload = async () => {
    setVersion((n) => n + 1);
  };
  return html`<div class="stack take-homes">
    ${el.error
      ? html`<section class="card"><h2>Methadone take-home eligibility</h2>
          ${el.error.status === 404 || el.error.status === 409
            ? html`<p class="muted" role="status">${el.error.message}</p>`
            : html`<${ErrorBanner} err=${el.error} />`}</section>`
      : null}
    ${!el.data && !el.error ? html`<${Loading} what="Working out eligibility" />` : null}
    ${el.data ? html`<${Eligibility} ctx=${ctx} el=${el.data} reload=${reload} />` : null}
    ${mayList ? html`<${Dispenses} ctx=${ctx} version=${version} onChanged=${reload} />` : null}
  </div>`;
}

export default {
  id: 'take-homes',
  label: 'Take-homes',
  visible: (ctx) => ctx.can('GET /api/v1/patients/{id}/take-homes/eligibility'),
  Panel,
};
