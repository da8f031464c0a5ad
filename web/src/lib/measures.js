// measures.js - what the measurement-based-care screens share: instrument
// definitions (read once per page load), severity colours, clinic-time
// conversions for the API's UTC instants, schedule wording, and a signal that
// a patient's alerts changed (the chart's alert banner listens to it).
import { get } from './api.js';
import { clinicZoneName } from './format.js';

// ---- instruments ----

let listPromise = null;
const defs = new Map();

// GET /api/v1/instruments (summaries), once.
export function instrumentList() {
  if (!listPromise) listPromise = get('/instruments').then((r) => r.items || [], (e) => {
    listPromise = null;
    throw e;
  });
  return listPromise;
}

// GET /api/v1/instruments/{code} (the full definition), once per code.
export function instrumentDef(code) {
  if (!defs.has(code)) {
    const p = get(`/instruments/${encodeURIComponent(code)}`).catch((e) => {
      defs.delete(code);
      throw e;
    });
    defs.set(code, p);
  }
  return defs.get(code);
}

// ---- severity ----

const SEVERITY = {
  none: 'None',
  minimal: 'Minimal',
  mild: 'Mild',
  moderate: 'Moderate',
  moderately_severe: 'Moderately severe',
  severe: 'Severe',
};
export const severityLabel = (s) => SEVERITY[s] || s || '';

// The fill of a severity band, read from the stylesheet (--sev-<severity> in
// measures.css is the one source of the colours; canvas charts need them as
// values).
export function severityColor(sev) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(`--sev-${sev}`).trim();
  return v || '#eef1f4';
}

const ALERT_SEVERITY = { critical: 'Critical', high: 'High', warn: 'Warning' };
export const alertSeverityLabel = (s) => ALERT_SEVERITY[s] || s || '';
export function alertKindLabel(k) {
  const s = (k || '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---- clinic time ----

function zone() {
  const z = clinicZoneName();
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: z }).format(0);
    return z;
  } catch {
    return undefined;
  }
}

// The clinic zone's offset from UTC at instant `ms`, in minutes.
function offsetMinutes(ms) {
  const p = {};
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone: zone(), hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
  for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

// A clinic wall-clock time to a UTC instant in ms.
function clinicToMs(y, mo, d, h = 0, mi = 0) {
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  let t = guess - offsetMinutes(guess) * 60000;
  t = guess - offsetMinutes(t) * 60000;
  return t;
}

// The instant a clinic calendar day (YYYY-MM-DD) starts, in ms.
export function dayStartMs(ymd) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd || '');
  return m ? clinicToMs(+m[1], +m[2], +m[3]) : NaN;
}

// "2026-11-29T08:30" (an <input type="datetime-local"> value, read as clinic
// time) -> "2026-11-29T13:30:00Z"; "" -> ""; anything else is passed on for
// the server to refuse with its own message.
export function clinicInputToInstant(v) {
  const s = (v || '').trim();
  if (!s) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(s);
  if (!m) return s;
  return new Date(clinicToMs(+m[1], +m[2], +m[3], +m[4], +m[5])).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// Milliseconds of an API instant.
export const instantMs = (iso) => Date.parse(iso || '');

// "in 3 h", "25 min ago", "in 2 days".
export function fromNow(iso, now = Date.now()) {
  const ms = instantMs(iso);
  if (Number.isNaN(ms)) return '';
  const d = Math.round((ms - now) / 60000);
  const a = Math.abs(d);
  let text;
  if (a < 1) return 'now';
  if (a < 60) text = `${a} min`;
  else if (a < 48 * 60) text = `${Math.round(a / 60)} h`;
  else text = `${Math.round(a / 1440)} days`;
  return d > 0 ? `in ${text}` : `${text} ago`;
}

// 240 -> "every 4 hours"; 20160 -> "every 14 days".
export function everyText(minutes) {
  const m = Number(minutes) || 0;
  const unit = (n, one) => (n === 1 ? `every ${one}` : `every ${n} ${one}s`);
  if (m && m % 1440 === 0) return unit(m / 1440, 'day');
  if (m && m % 60 === 0) return unit(m / 60, 'hour');
  return unit(m, 'minute');
}

// A schedule's (or flowsheet's) state: 'overdue' | 'due' | 'later'.
export function dueState(s, now = Date.now()) {
  if (s.overdue) return 'overdue';
  return instantMs(s.due_at) <= now ? 'due' : 'later';
}

// ---- alerts changed ----

const alertListeners = new Set();

// Call after anything that may raise or close alerts (an assessment saved, an
// alert acknowledged): open alert lists reload.
export function alertsChanged() {
  for (const f of alertListeners) f();
}

export function onAlertsChanged(fn) {
  alertListeners.add(fn);
  return () => alertListeners.delete(fn);
}
