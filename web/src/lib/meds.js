// meds.js - what the medication screens share (docs/api.md, Medications):
// wording of order, dose and MAR statuses, the formulary (read once per page
// load), dose text, and recording a dose with an Idempotency-Key that is made
// once per intended action and reused when the same request is retried.
import { api, get } from './api.js';
import { today } from './format.js';

// ---- wording ----

export const ORDER_STATUS = {
  active: 'Active',
  held: 'On hold',
  discontinued: 'Discontinued',
  ended: 'Ended',
  pending: 'Starts later',
};
export const orderStatusLabel = (s) => ORDER_STATUS[s] || s || '';

// Dose slots (dosing window) and MAR cells. `short` fits a MAR cell.
export const DOSE_STATUS = {
  due: { label: 'Due', short: 'Due' },
  given: { label: 'Given', short: 'Given' },
  take_home: { label: 'Take-home', short: 'Take-home' },
  held: { label: 'Held', short: 'Held' },
  refused: { label: 'Refused', short: 'Refused' },
  missed: { label: 'Missed', short: 'Missed' },
  not_recorded: { label: 'Not recorded', short: 'No record' },
  scheduled: { label: 'Scheduled', short: 'Sched.' },
  voided: { label: 'Entered in error', short: 'Void' },
};
export const doseStatusLabel = (s) => (DOSE_STATUS[s] ? DOSE_STATUS[s].label : (s || '').replace(/_/g, ' '));
export const doseStatusShort = (s) => (DOSE_STATUS[s] ? DOSE_STATUS[s].short : (s || '').replace(/_/g, ' '));

// data/dosing.conf's frequencies.
export const FREQUENCIES = [
  ['daily', 'Daily'],
  ['bid', 'Twice a day (bid)'],
  ['tid', 'Three times a day (tid)'],
  ['qid', 'Four times a day (qid)'],
  ['weekly', 'Weekly'],
  ['every_4_weeks', 'Every 4 weeks'],
  ['once', 'Once'],
  ['prn', 'As needed (prn)'],
];
const FREQ = Object.fromEntries(FREQUENCIES);
export const frequencyLabel = (f) => FREQ[f] || f || '';
const FREQ_SHORT = { daily: 'daily', bid: 'bid', tid: 'tid', qid: 'qid', weekly: 'weekly', every_4_weeks: 'every 4 weeks', once: 'once', prn: 'prn' };

export const EVENT_KIND = {
  start: 'Started',
  change: 'Dose changed',
  hold: 'Held',
  resume: 'Resumed',
  discontinue: 'Discontinued',
  reassess: 'Reassessed',
  titration: 'Titration step',
  end: 'Ended',
};
export const eventLabel = (k) => EVENT_KIND[k] || (k || '').replace(/_/g, ' ');

export const SEVERITY = { block: 'Blocks', warn: 'Warning', info: 'Advice' };
export const severityText = (s) => SEVERITY[s] || s || '';

const CLASS = {
  opioid_full_agonist: 'Opioid agonist',
  opioid_partial_agonist: 'Opioid partial agonist',
  opioid_antagonist: 'Opioid antagonist',
  aversive: 'Aversive (alcohol)',
  glutamate_modulator: 'Glutamate modulator',
  ssri: 'SSRI',
  snri: 'SNRI',
  antidepressant_other: 'Antidepressant',
  mood_stabilizer: 'Mood stabiliser',
  antipsychotic: 'Antipsychotic',
  benzodiazepine: 'Benzodiazepine',
  alpha2_agonist: 'Alpha-2 agonist',
  anticonvulsant: 'Anticonvulsant',
  antibiotic: 'Antibiotic',
  antiemetic: 'Antiemetic',
  other: 'Other',
};
export const classLabel = (c) => CLASS[c] || (c || '').replace(/_/g, ' ');

// 60 -> "60", 7.5 -> "7.5" (what the server sent, without float noise).
export function num(n) {
  if (n === null || n === undefined || n === '') return '';
  const x = Number(n);
  if (!Number.isFinite(x)) return String(n);
  return String(Math.round(x * 1000) / 1000);
}

// "60 mg"
export const amountText = (n, unit) => (n === null || n === undefined ? '' : `${num(n)} ${unit || ''}`.trim());

// "Methadone 60 mg oral daily"
export function orderText(o, { name = true } = {}) {
  const parts = [];
  if (name) parts.push(o.medication_name || o.medication);
  parts.push(amountText(o.dose, o.unit));
  if (o.route) parts.push(o.route);
  if (o.frequency) parts.push(FREQ_SHORT[o.frequency] || o.frequency);
  return parts.filter(Boolean).join(' ');
}

// ---- formulary ----

let listPromise = null;
const items = new Map();

export function formularyList() {
  if (!listPromise)
    listPromise = get('/formulary').then((r) => r.items || [], (e) => {
      listPromise = null;
      throw e;
    });
  return listPromise;
}

export function formularyItem(id) {
  if (!items.has(id)) {
    const p = get(`/formulary/${encodeURIComponent(id)}`).catch((e) => {
      items.delete(id);
      throw e;
    });
    items.set(id, p);
  }
  return items.get(id);
}

// The units an order of medication `m` (GET /formulary/{id}) may use: the
// default unit first, then the units of its strengths.
export function unitsOf(m) {
  const out = [m.default_unit];
  for (const f of m.forms || []) for (const s of f.strengths || []) if (s.unit && !out.includes(s.unit)) out.push(s.unit);
  return out.filter(Boolean);
}

// ---- recording a dose ----

// A random key for Idempotency-Key: crypto.randomUUID where the browser has
// it (secure contexts), else 122 random bits laid out the same way.
export function newKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// One intended action (giving this dose, recording this refusal): the key is
// made on the first attempt and kept while the body stays the same, so a
// double click, an automatic retry or the nurse's "Try again" records one
// dose. A different body (the nurse corrected the amount) is a new intent
// with a new key; if the first one did land, the server answers 409 naming
// who recorded it, which is what the nurse needs to see.
export class DoseIntent {
  constructor() {
    this.body = null;
    this.key = null;
    this.pending = null;
  }

  keyFor(body) {
    const b = JSON.stringify(body);
    if (b !== this.body) {
      this.body = b;
      this.key = newKey();
    }
    return this.key;
  }

  // POST /orders/{id}/administrations; retries a lost connection or a 503
  // (up to `tries` times, after Retry-After, at most 3 s) with the same key.
  // A second call while one is running returns the same promise.
  record(orderId, body, { tries = 3 } = {}) {
    const key = this.keyFor(body);
    if (this.pending && this.pending.key === key) return this.pending.promise;
    const promise = (async () => {
      for (let i = 1; ; i++) {
        try {
          return await api('POST', `/orders/${orderId}/administrations`, body, { headers: { 'Idempotency-Key': key } });
        } catch (e) {
          const again = e.status === 0 || e.status === 503 || (e.retryable && e.status >= 500);
          if (!again || i >= tries) throw e;
          const wait = Math.min(3000, (e.retryAfter || 0) * 1000 || 400 * i);
          await new Promise((r) => setTimeout(r, wait));
        }
      }
    })();
    this.pending = { key, promise };
    promise.then(
      () => {
        this.pending = null;
      },
      () => {
        this.pending = null;
      },
    );
    return promise;
  }
}

// The alerts of a 409 (or of a saved order) that block, and the others.
export const blocking = (alerts) => (alerts || []).filter((a) => a.severity === 'block');
export const advisory = (alerts) => (alerts || []).filter((a) => a.severity !== 'block');

// ---- dose changes as trend-chart markers ----

const MARKER_EVENTS = new Set(['start', 'change', 'titration']);
const MAX_ORDERS = 12;

// The patient's dose starts and changes (GET /orders/{id} events of the
// newest orders) as trend-chart markers: {at, on, label: "methadone 60 mg",
// kind: 'dose'}. dayStart maps a clinic date to its first instant in ms.
export async function doseMarkers(patientId, dayStart) {
  const list = await get(`/patients/${patientId}/orders`, { status: 'all' });
  const orders = (list.items || []).slice().sort((a, b) => (b.start_on || '').localeCompare(a.start_on || '')).slice(0, MAX_ORDERS);
  const details = await Promise.all(orders.map((o) => get(`/orders/${o.id}`).catch(() => null)));
  const out = [];
  const seen = new Set();
  const add = (o, on, dose) => {
    const ms = dayStart(on);
    const key = `${o.id}|${on}|${dose}`;
    if (!Number.isFinite(ms) || seen.has(key)) return;
    seen.add(key);
    out.push({
      at: new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      on,
      label: `${o.medication} ${amountText(dose, o.unit)}`,
      kind: 'dose',
    });
  };
  const now = today();
  details.forEach((d, i) => {
    const o = orders[i];
    for (const e of (d && d.events) || [])
      if (MARKER_EVENTS.has(e.kind) && e.dose !== null && e.dose !== undefined)
        add(o, e.effective_on || (e.recorded_at || '').slice(0, 10), e.dose);
    // Titration steps that have taken effect change the dose too.
    for (const t of (d && d.titrations) || [])
      for (const st of t.steps || []) if (st.applies && st.on <= now) add(o, st.on, st.dose);
  });
  return out.sort((a, b) => a.at.localeCompare(b.at));
}
