// format.js - dates, instants, ages and names as the clinic reads them.
//
// Calendar dates (YYYY-MM-DD) are clinic-local and shown exactly as given.
// Instants (UTC "YYYY-MM-DDTHH:MM:SSZ") are shown in the clinic's time zone,
// which /healthz reports; "localtime" (the server's own zone, unknown here)
// falls back to the browser's zone.

let zone; // undefined: the browser's zone

export function setClinicZone(tz) {
  zone = undefined;
  if (!tz || tz === 'localtime') return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz }).format(0);
    zone = tz;
  } catch {
    zone = undefined; /* a zone this browser does not know */
  }
}

export function clinicZoneName() {
  return zone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'local time';
}

function parts(date, withTime) {
  const opts = { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' };
  if (withTime) Object.assign(opts, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
  const out = {};
  for (const p of new Intl.DateTimeFormat('en-US', opts).formatToParts(date)) out[p.type] = p.value;
  return out;
}

// Today's date in the clinic's zone, YYYY-MM-DD.
export function today() {
  const p = parts(new Date(), false);
  return `${p.year}-${p.month}-${p.day}`;
}

// "2026-11-29T06:38:54Z" -> "2026-11-29 01:38 EST".
export function instant(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = parts(d, true);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Days since 1970-01-01 for a YYYY-MM-DD date (no zone involved).
export function dayNumber(ymd) {
  const m = DATE_RE.exec(ymd || '');
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3]) / 86400000;
}

export function daysBetween(a, b) {
  return dayNumber(b) - dayNumber(a);
}

// Whole years from birth date to `on` (default: the clinic's today).
export function age(birth, on = today()) {
  const b = DATE_RE.exec(birth || '');
  const t = DATE_RE.exec(on || '');
  if (!b || !t) return null;
  let years = +t[1] - +b[1];
  if (+t[2] < +b[2] || (+t[2] === +b[2] && +t[3] < +b[3])) years--;
  return years;
}

// The date n days from a YYYY-MM-DD date.
export function addDays(ymd, n) {
  const d = new Date((dayNumber(ymd) + n) * 86400000);
  return d.toISOString().slice(0, 10);
}

// "2026-11-29" -> "Nov 29", or "Sun, Nov 29" with weekday (a calendar date:
// no zone involved).
export function shortDate(ymd, weekday = false) {
  const n = dayNumber(ymd);
  if (Number.isNaN(n)) return ymd || '';
  const opts = { timeZone: 'UTC', month: 'short', day: 'numeric' };
  if (weekday) opts.weekday = 'short';
  return new Intl.DateTimeFormat('en-US', opts).format(new Date(n * 86400000));
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

// "Rivera, Ana" with the preferred name when there is one.
export function patientName(p) {
  if (!p) return '';
  const base = `${p.family_name}, ${p.given_name}`;
  return p.preferred_name ? `${base} (“${p.preferred_name}”)` : base;
}

const SEX = { female: 'Female', male: 'Male', intersex: 'Intersex', unknown: 'Unknown' };
export const sexLabel = (s) => SEX[s] || s || '';

const DISCHARGE = {
  completed: 'Completed',
  transferred: 'Transferred',
  left_against_advice: 'Left against advice',
  administrative: 'Administrative',
  lost_to_follow_up: 'Lost to follow-up',
  incarcerated: 'Incarcerated',
  hospitalized: 'Hospitalized',
  deceased: 'Deceased',
  other: 'Other',
};
export const DISCHARGE_REASONS = Object.keys(DISCHARGE);
export const dischargeLabel = (r) => DISCHARGE[r] || r || '';
