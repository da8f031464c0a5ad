// dosing.js - the dosing window (GET /api/v1/dosing): the clinic day's queue
// of scheduled doses for one site, for the nurse at the window.
//
// One row per active or held order of a patient due that day: the patient
// (link to the chart), the medication and current dose, each scheduled slot
// with its status, the last dose, take-home bottles due back, consecutive
// misses, flags (e.g. needs reassessment) and open alerts. A due slot is
// recorded as given (amount prefilled with the ordered dose), held, refused or
// missed; "Take-home…" dispenses take-home doses. Each recording is one
// intended action with one Idempotency-Key (lib/meds.js DoseIntent), so a
// double click or a retry after a lost connection records one dose. A 409 is
// shown as the server gives it: who recorded the dose already, or the rules
// that block it with what was found, why and the source.
//
// ?site=ID&date=YYYY-MM-DD keep the place across reloads. After a recording
// the row updates in place (and the queue is read again in the background):
// the list does not jump and focus stays on the row.
import { html } from 'htm/preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { can, sitesFor } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { addDays, instant, plural, shortDate, today } from '../lib/format.js';
import { DoseIntent, amountText, doseStatusLabel, frequencyLabel, num, orderStatusLabel } from '../lib/meds.js';
import { href, navigate } from '../lib/router.js';
import { ErrorBanner, FormError, Loading, SelectField, TextField, errorFor, fieldId, useAsync, useFocusError } from '../components/ui.js';
import { RuleAlerts } from '../components/rule-alerts.js';

const RECORD = 'POST /api/v1/orders/{id}/administrations';

const ACTIONS = [
  ['given', 'Give'],
  ['held', 'Held'],
  ['refused', 'Refused'],
  ['missed', 'Missed'],
];
const DONE_WORD = { given: 'Given', held: 'Held', refused: 'Refused', missed: 'Missed', take_home: 'Take-home' };

const itemKey = (it) => `${it.patient.id}:${it.order.id}`;
const dueSlots = (it) => (it.slots || []).filter((s) => s.status === 'due');

// The last dose taken before this day (given, or a take-home covering it):
// "Sat, Nov 28: 60 mg", "Fri, Nov 27: take-home 60 mg".
function lastDoseText(l, unit) {
  if (!l) return 'None recorded';
  const what = l.status === 'given' || !l.status ? amountText(l.amount, unit) : doseStatusLabel(l.status).toLowerCase();
  const extra = l.status === 'take_home' && l.amount !== null && l.amount !== undefined ? ` ${amountText(l.amount, unit)}` : '';
  return `${shortDate(l.on, true)}: ${what}${extra}`;
}

function SlotBadge({ s, unit }) {
  const amount = s.amount !== null && s.amount !== undefined ? ` ${amountText(s.amount, unit)}` : '';
  return html`<span class=${`badge dose dose-${s.status}`} data-status=${s.status}>${doseStatusLabel(s.status)}${s.status === 'given' ? amount : ''}</span>`;
}

// The form of one intended action: give (amount), held / refused / missed
// (note), take_home (days, first day, closure).
function DoseForm({ item, slot, action, date, onDone, onCancel }) {
  const o = item.order;
  const form = `dq-${o.id}-${slot || 0}-${action}`;
  const intent = useRef(new DoseIntent());
  const [v, setV] = useState({
    amount: num(o.dose),
    note: '',
    days: '1',
    first_on: addDays(date, 1),
    closure: false,
  });
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const fields = ['amount', 'note', 'days', 'dose_on', 'closure', 'slot', 'status'];
  useFocusError(form, err, fields);
  useEffect(() => {
    const name = action === 'given' ? 'amount' : action === 'take_home' ? 'days' : 'note';
    const el = document.getElementById(fieldId(form, name));
    if (el) el.focus();
  }, []);
  const set = (k) => (x) => setV((s) => ({ ...s, [k]: x }));

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    const body = { status: action };
    if (action === 'given') {
      const a = v.amount.trim();
      body.amount = a !== '' && Number.isFinite(Number(a)) ? Number(a) : a;
    }
    if (action === 'take_home') {
      const d = v.days.trim();
      body.days = d !== '' && Number.isFinite(Number(d)) ? Number(d) : d;
      if (v.first_on) body.dose_on = v.first_on;
      if (v.closure) body.closure = true;
    } else {
      if (slot && (o.per_day || 1) > 1) body.slot = slot;
      if (date !== today()) body.dose_on = date;
    }
    if (v.note.trim()) body.note = v.note.trim();
    setBusy(true);
    try {
      const r = await intent.current.record(o.id, body);
      onDone(r, action, slot);
    } catch (x) {
      setErr(x);
      setBusy(false);
      // Another nurse may have recorded it, or the rules found something new:
      // read the queue again (the form stays open with the answer).
      if (x.status === 409) onDone(null, action, slot, x);
    }
  }

  const unit = o.unit;
  const title = {
    given: `Give ${o.medication_name || o.medication}`,
    held: 'Record the dose as held',
    refused: 'Record the dose as refused',
    missed: 'Record the dose as missed',
    take_home: `Dispense take-home ${o.medication_name || o.medication}`,
  }[action];
  const button = {
    given: `Record given${v.amount.trim() ? `: ${v.amount.trim()} ${unit}` : ''}`,
    held: 'Record held',
    refused: 'Record refused',
    missed: 'Record missed',
    take_home: 'Dispense take-homes',
  }[action];
  const conflict = err && err.status === 409;

  return html`<form class=${`dq-form dq-form-${action}`} onSubmit=${submit} noValidate aria-labelledby=${`${form}-title`}
    onKeyDown=${(e) => { if (e.key === 'Escape') { e.preventDefault(); onCancel(); } }}>
    <h3 id=${`${form}-title`} class="dq-form-title">${title}${slot && (o.per_day || 1) > 1 ? `, dose ${slot}` : ''}
      <span class="muted small"> · ${item.patient.name} · ${shortDate(action === 'take_home' ? v.first_on : date, true)}</span></h3>
    ${conflict
      ? html`<div class="alert error dq-conflict" role="alert">
          <strong>${err.alerts && err.alerts.length ? 'Not recorded: a rule blocks this dose.' : 'Not recorded.'}</strong> ${err.message}
          <${RuleAlerts} alerts=${err.alerts} />
        </div>`
      : html`<${FormError} err=${err} fields=${fields} />`}
    ${action === 'given' && item.needs_reassessment && !err
      ? html`<p class="note">This order needs a prescriber's reassessment before the next dose: the dose will be refused until then.
          Record it as held or missed, or ask the prescriber.</p>`
      : null}
    ${err && (err.status === 0 || err.status === 503)
      ? html`<p class="small">Nothing was recorded twice: trying again sends the same request, which the server records once.</p>`
      : null}
    <div class="dq-form-fields">
      ${action === 'given'
        ? html`<${TextField} id=${fieldId(form, 'amount')} label=${`Amount (${unit})`} value=${v.amount} onValue=${set('amount')}
            error=${errorFor(err, 'amount')} required inputmode="decimal" autocomplete="off"
            hint=${`Ordered dose ${amountText(o.dose, unit)}`} />`
        : null}
      ${action === 'take_home'
        ? html`
          <${TextField} id=${fieldId(form, 'days')} label="Days" value=${v.days} onValue=${set('days')} error=${errorFor(err, 'days')}
            required inputmode="numeric" autocomplete="off" hint="One bottle a day" />
          <${TextField} id=${fieldId(form, 'dose_on')} label="First day" type="date" value=${v.first_on} onValue=${set('first_on')}
            error=${errorFor(err, 'dose_on')} />
          <div class=${`field check${errorFor(err, 'closure') ? ' has-error' : ''}`}>
            <label class="check-label"><input type="checkbox" id=${fieldId(form, 'closure')} checked=${v.closure}
              onChange=${(e) => set('closure')(e.currentTarget.checked)} /> Clinic closed that day (single dose)</label>
            ${errorFor(err, 'closure') ? html`<p class="field-error">${errorFor(err, 'closure')}</p>` : null}
          </div>`
        : null}
      <div class="dq-note"><${TextField} id=${fieldId(form, 'note')} label=${action === 'given' || action === 'take_home' ? 'Note' : 'Reason or note'}
        value=${v.note} onValue=${set('note')} error=${errorFor(err, 'note')} autocomplete="off" /></div>
    </div>
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>${busy ? 'Recording…' : err && !conflict ? 'Try again' : button}</button>
      <button class="btn" type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

function Flags({ item }) {
  const out = [];
  if (item.needs_reassessment) out.push(html`<span class="badge flag-block">Needs reassessment</span>`);
  if (item.consecutive_missed > 0)
    out.push(html`<span class=${`badge ${item.consecutive_missed > 1 ? 'flag-warn' : 'muted'}`}>${plural(item.consecutive_missed, 'missed dose')} in a row</span>`);
  if (item.bottles_due_back > 0) out.push(html`<span class="badge flag-info">${plural(item.bottles_due_back, 'bottle')} due back</span>`);
  if (item.open_alerts > 0)
    out.push(html`<a class="badge flag-warn dq-alerts" href=${`/patients/${item.patient.id}`}>${plural(item.open_alerts, 'open alert')}</a>`);
  const flags = item.flags || [];
  return html`<div class="dq-flags">
    ${out.length ? html`<div class="dq-badges">${out}</div>` : null}
    ${flags.length
      ? html`<ul class="dq-flag-list">${flags.map(
          (f, i) => html`<li key=${i} class=${`rsev-${f.severity}`} data-rule=${f.rule}>
            <span class=${`badge rsev rsev-${f.severity}`}>${f.severity === 'block' ? 'Blocks' : f.severity === 'warn' ? 'Warning' : 'Note'}</span> ${f.message}</li>`,
        )}</ul>`
      : null}
  </div>`;
}

function QueueItem({ item, date, mayRecord, recordable, onRecorded, outcome }) {
  const o = item.order;
  const [open, setOpen] = useState(null); // {slot, action}
  const msg = useRef(null);
  const multi = (o.per_day || 1) > 1;
  const held = o.status === 'held';
  const due = dueSlots(item);
  const name = item.patient.name;

  useEffect(() => {
    if (outcome && outcome.focus && msg.current) msg.current.focus();
  }, [outcome]);

  function toggle(slot, action) {
    setOpen(open && open.slot === slot && open.action === action ? null : { slot, action });
  }

  // Cancel (or Escape) puts focus back on the button that opened the form.
  function cancel() {
    const was = open;
    setOpen(null);
    setTimeout(() => {
      const b = was && document.querySelector(`li.dq-item[data-order="${o.id}"] button[data-action="${was.action}"][data-slot="${was.slot}"]`);
      if (b) b.focus();
    }, 0);
  }

  function done(r, action, slot, conflict) {
    if (conflict) {
      onRecorded(item, null, null, conflict);
      return;
    }
    setOpen(null);
    onRecorded(item, r, action, null, slot);
  }

  return html`<li class=${`dq-item${due.length ? ' has-due' : ' all-done'}${held ? ' is-held' : ''}`} data-order=${o.id}
      data-patient=${item.patient.id} aria-labelledby=${`dq-name-${o.id}`}>
    <div class="dq-row">
      <div class="dq-patient">
        <a class="dq-name" id=${`dq-name-${o.id}`} href=${`/patients/${item.patient.id}/medications`}>${name}</a>
        <div class="mono small muted">${item.patient.mrn}</div>
      </div>
      <div class="dq-med">
        <div class="dq-drug"><strong>${o.medication_name || o.medication}</strong> <span class="dq-dose">${amountText(o.dose, o.unit)}</span></div>
        <div class="small muted">${o.route ? `${o.route} · ` : ''}${frequencyLabel(o.frequency)}
          ${held ? html` · <span class="badge dose dose-held">${orderStatusLabel('held')}</span>` : null}</div>
        <div class="small dq-last"><span class="muted">Previous dose:</span> ${lastDoseText(item.last_dose, o.unit)}</div>
      </div>
      <div class="dq-slots">
        ${(item.slots || []).length === 0 ? html`<span class="muted small">${held ? 'Order on hold: nothing due' : 'Nothing scheduled'}</span>` : null}
        ${(item.slots || []).map(
          (s) => html`<div class="dq-slot" key=${s.slot} data-slot=${s.slot} data-status=${s.status}>
            <span class="dq-slot-label">${multi ? `Dose ${s.slot}` : 'Dose'}</span>
            <${SlotBadge} s=${s} unit=${o.unit} />
            ${s.status !== 'due' && s.recorded_by
              ? html`<span class="small muted">${s.recorded_by}${s.recorded_at ? `, ${instant(s.recorded_at).slice(11)}` : ''}</span>`
              : null}
            ${s.status === 'due' && mayRecord && recordable
              ? html`<div class="dq-actions" role="group" aria-label=${`Record ${multi ? `dose ${s.slot}` : 'the dose'} for ${name}`}>
                  ${ACTIONS.map(
                    ([a, label]) => html`<button type="button" data-action=${a} data-slot=${s.slot}
                      class=${`btn btn-small${a === 'given' ? ' btn-primary' : ''}${open && open.slot === s.slot && open.action === a ? ' pressed' : ''}`}
                      aria-expanded=${open && open.slot === s.slot && open.action === a ? 'true' : 'false'}
                      onClick=${() => toggle(s.slot, a)}>${label}<span class="sr-only"> ${multi ? `dose ${s.slot} ` : ''}${o.medication_name || o.medication}, ${name}</span></button>`,
                  )}
                </div>`
              : null}
          </div>`,
        )}
        ${mayRecord && recordable && !held && o.status !== 'discontinued'
          ? html`<button type="button" data-action="take_home" data-slot="0" class=${`btn btn-small dq-th${open && open.action === 'take_home' ? ' pressed' : ''}`}
              aria-expanded=${open && open.action === 'take_home' ? 'true' : 'false'}
              onClick=${() => toggle(0, 'take_home')}>Take-home…<span class="sr-only"> ${o.medication_name || o.medication}, ${name}</span></button>`
          : null}
      </div>
      <${Flags} item=${item} />
    </div>
    ${outcome
      ? html`<p class=${`dq-outcome ${outcome.kind}`} role="status" tabindex="-1" ref=${msg}>${outcome.text}</p>`
      : null}
    ${open
      ? html`<${DoseForm} key=${`${open.slot}-${open.action}`} item=${item} slot=${open.slot} action=${open.action} date=${date}
          onDone=${done} onCancel=${cancel} />`
      : null}
  </li>`;
}

// The queue with the nurse's recordings applied on top (until the next read
// of the queue has them).
function applyRecord(item, r, action, slot) {
  if (!r || action === 'take_home') return item;
  const slots = (item.slots || []).map((s) =>
    s.slot === (r.slot || slot) && s.status === 'due'
      ? { ...s, status: r.status || action, amount: r.amount, administration_id: r.id, recorded_by: r.recorded_by, recorded_at: r.recorded_at }
      : s,
  );
  return { ...item, slots };
}

function outcomeText(item, r, action) {
  const o = item.order;
  const at = r.recorded_at ? instant(r.recorded_at) : '';
  if (action === 'take_home') {
    const d = r.dispense || {};
    const days = d.days || 1;
    return `Dispensed ${plural(days, 'take-home dose')} of ${o.medication_name || o.medication}${d.bottles ? ` (${plural(d.bottles, 'bottle')})` : ''}${d.first_on ? ` from ${shortDate(d.first_on, true)}` : ''} — ${r.recorded_by || ''} ${at}`.trim();
  }
  const word = DONE_WORD[r.status || action] || doseStatusLabel(action);
  const amount = (r.status || action) === 'given' ? ` ${amountText(r.amount, r.unit || o.unit)}` : '';
  const warn = (r.alerts || []).filter((a) => a.severity !== 'info').map((a) => a.message).join(' ');
  return `${word}${amount} ${o.medication_name || o.medication} for ${item.patient.name} — ${r.recorded_by || ''} ${at}.${warn ? ` ${warn}` : ''}`;
}

export function DosingPage({ query }) {
  const { me } = useApp();
  const sites = sitesFor(me, 'GET /api/v1/dosing');
  const siteParam = query.get('site') || '';
  const dateParam = query.get('date') || '';
  const [filter, setFilter] = useState('');
  const [show, setShow] = useState('all'); // all | due | done
  const [patch, setPatch] = useState({}); // itemKey -> item with local recordings
  const [outcomes, setOutcomes] = useState({}); // itemKey -> {kind, text, focus}
  const [keep, setKeep] = useState(() => new Set()); // rows acted on stay in a filtered view
  const queue = useAsync(() => get('/dosing', { site: siteParam, date: dateParam }), [siteParam, dateParam]);

  useEffect(() => {
    document.title = 'Dosing · Tandem';
  }, []);
  // A new day or site: fresh state.
  useEffect(() => {
    setPatch({});
    setOutcomes({});
    setKeep(new Set());
  }, [siteParam, dateParam]);

  const q = queue.data;
  const date = (q && q.date) || dateParam || today();
  const siteId = q ? String(q.site_id) : siteParam;
  const site = me.sites.find((s) => String(s.id) === siteId) || (sites.length === 1 ? sites[0] : null);
  const mayRecord = site ? can(me, RECORD, site.code) : can(me, RECORD);
  const now = today();
  const recordable = date <= now;

  const go = (over) => navigate(href('/dosing', { site: siteParam, date: dateParam, ...over }), { replace: false });

  function onRecorded(item, r, action, conflict, slot) {
    const k = itemKey(item);
    setKeep((s) => new Set(s).add(k));
    if (conflict) {
      setOutcomes((m) => ({ ...m, [k]: null }));
      queue.reload();
      return;
    }
    setPatch((m) => ({ ...m, [k]: applyRecord(m[k] || item, r, action, slot) }));
    setOutcomes((m) => ({ ...m, [k]: { kind: action === 'given' || action === 'take_home' ? 'ok' : 'info', text: outcomeText(item, r, action), focus: true } }));
    queue.reload().then(() => setPatch((m) => {
      const n = { ...m };
      delete n[k];
      return n;
    }));
  }

  const items = useMemo(() => (q ? q.items.map((it) => patch[itemKey(it)] || it) : []), [q, patch]);
  const f = filter.trim().toLowerCase();
  const shown = items.filter((it) => {
    if (f && !(it.patient.name.toLowerCase().includes(f) || String(it.patient.mrn).toLowerCase().includes(f)
      || String(it.order.medication_name || it.order.medication).toLowerCase().includes(f))) return false;
    if (show === 'all' || keep.has(itemKey(it))) return true;
    return show === 'due' ? dueSlots(it).length > 0 : dueSlots(it).length === 0;
  });
  const dueNow = items.reduce((n, it) => n + dueSlots(it).length, 0);
  const doneNow = items.reduce((n, it) => n + (it.slots || []).filter((s) => s.status !== 'due').length, 0);

  return html`<section class="page dosing">
    <div class="page-head">
      <h1 tabindex="-1">Dosing window</h1>
      <span class="muted">${shortDate(date, true)}${date === now ? ' (today)' : ''}${site ? ` · ${site.name}` : ''}</span>
    </div>
    <div class="card search dq-controls">
      <div class="grid dq-grid">
        ${sites.length > 1
          ? html`<${SelectField} id="dq-site" label="Site" value=${siteId} onValue=${(v) => go({ site: v })}
              options=${sites.map((s) => [String(s.id), s.name])} />`
          : null}
        <div class="field dq-date">
          <label for="dq-date">Day</label>
          <div class="dq-date-row">
            <button type="button" class="btn btn-small" onClick=${() => go({ date: addDays(date, -1) })}>
              <span aria-hidden="true">←</span><span class="sr-only">Previous day</span></button>
            <input id="dq-date" type="date" value=${date} max=${addDays(now, 1)}
              onChange=${(e) => e.currentTarget.value && go({ date: e.currentTarget.value === now ? '' : e.currentTarget.value })} />
            <button type="button" class="btn btn-small" onClick=${() => go({ date: addDays(date, 1) === now ? '' : addDays(date, 1) })}>
              <span aria-hidden="true">→</span><span class="sr-only">Next day</span></button>
            ${date !== now ? html`<button type="button" class="btn btn-small" onClick=${() => go({ date: '' })}>Today</button>` : null}
          </div>
        </div>
        <${TextField} id="dq-filter" label="Find patient" type="search" value=${filter} onValue=${setFilter}
          autocomplete="off" placeholder="Name, MRN or medication" />
        <${SelectField} id="dq-show" label="Show" value=${show} onValue=${(v) => { setShow(v); setKeep(new Set()); }}
          options=${[['all', 'Everyone'], ['due', 'Doses still due'], ['done', 'Done']]} />
      </div>
    </div>
    ${q
      ? html`<div class="stats dq-summary" aria-label="Summary">
          <div class="stat card"><div class="stat-value" data-stat="due">${dueNow}</div><div class="stat-label">Doses due</div></div>
          <div class="stat card"><div class="stat-value" data-stat="done">${doneNow}</div><div class="stat-label">Recorded</div></div>
          <div class="stat card"><div class="stat-value" data-stat="patients">${q.summary ? q.summary.patients : new Set(items.map((i) => i.patient.id)).size}</div>
            <div class="stat-label">Patients</div></div>
        </div>`
      : null}
    ${!recordable ? html`<p class="note">Doses for a day that has not come yet cannot be recorded.</p>` : null}
    ${recordable && date !== now && q ? html`<p class="note">Late entry for ${shortDate(date, true)}: doses recorded here are dated that day.</p>` : null}
    <${ErrorBanner} err=${queue.error} />
    ${!q && !queue.error ? html`<${Loading} what="Loading the dosing queue" />` : null}
    ${q && !items.length ? html`<div class="card"><p class="empty" role="status">No doses are scheduled for this day.</p></div>` : null}
    ${q && items.length && !shown.length ? html`<div class="card"><p class="empty" role="status">No patient matches.</p></div>` : null}
    ${shown.length
      ? html`<ol class="dq-list" aria-label="Dosing queue">
          ${shown.map((it) => html`<${QueueItem} key=${itemKey(it)} item=${it} date=${date} mayRecord=${mayRecord}
            recordable=${recordable} onRecorded=${onRecorded} outcome=${outcomes[itemKey(it)]} />`)}
        </ol>`
      : null}
    ${queue.loading && q ? html`<p class="sr-only" role="status">Updating the queue…</p>` : null}
  </section>`;
}
