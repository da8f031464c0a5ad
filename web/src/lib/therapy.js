// therapy.js - what the therapy and treatment-plan screens share
// (docs/api.md, "Treatment plans" and "Therapy"): the vocabularies mirrored
// from data/therapy.conf (the server checks against that file and answers 422
// naming the field for anything else; change both together), the wording of
// session, attendance and note states, note sections per format, and the text
// of a plan objective's measure and progress.
import { instant } from './format.js';
import { instantMs } from './measures.js';

// [modality]
export const MODALITIES = [
  ['cbt', 'Cognitive behavioural therapy (CBT)'],
  ['dbt', 'Dialectical behaviour therapy (DBT)'],
  ['motivational_interviewing', 'Motivational interviewing (MI)'],
  ['contingency_management', 'Contingency management (CM)'],
  ['relapse_prevention', 'Relapse prevention'],
  ['trauma_focused', 'Trauma-focused therapy'],
  ['family_therapy', 'Family therapy'],
  ['twelve_step_facilitation', 'Twelve-step facilitation'],
  ['psychoeducation', 'Psychoeducation'],
  ['medication_management', 'Medication management'],
  ['case_management', 'Case management'],
  ['peer_support', 'Peer support'],
  ['other', 'Other'],
];
const MOD = Object.fromEntries(MODALITIES);
export const modalityLabel = (m) => MOD[m] || (m || '').replace(/_/g, ' ');

// [room]: "SITE.ROOM = label" for one site, "ROOM = label" for every site.
export const ROOMS = [
  ['main', 'group-a', 'Group room A'],
  ['main', 'group-b', 'Group room B'],
  ['main', 'office-1', 'Counselling office 1'],
  ['main', 'office-2', 'Counselling office 2'],
  ['main', 'family', 'Family room'],
  ['north', 'group-a', 'Group room A'],
  ['north', 'office-1', 'Counselling office 1'],
];
// [[room, label]] of a site (a site code; none: every room, once).
export function roomsOf(site) {
  const seen = new Set();
  const out = [];
  for (const [s, r, l] of ROOMS) {
    if ((s && site && s !== site) || seen.has(r)) continue;
    seen.add(r);
    out.push([r, l]);
  }
  return out;
}
export function roomLabel(room, site) {
  const r = ROOMS.find(([s, id]) => id === room && (!site || !s || s === site));
  return r ? r[2] : room || '';
}
// [session]
export const SESSION_LIMITS = { min_minutes: 15, max_minutes: 240, max_group_size: 15, max_family_patients: 6, max_series_sessions: 52 };

export const SESSION_KINDS = [['individual', 'Individual'], ['group', 'Group'], ['family', 'Family']];
const KIND = Object.fromEntries(SESSION_KINDS);
export const kindLabel = (k) => KIND[k] || k || '';

// A session's state as the screens say it: cancelled, or by the clock.
export function sessionState(s, now = Date.now()) {
  if (s.status === 'cancelled_by_program') return 'cancelled';
  const a = instantMs(s.starts_at);
  const b = s.ends_at ? instantMs(s.ends_at) : a + (s.minutes || 0) * 60000;
  if (now < a) return 'scheduled';
  if (now < b) return 'now';
  return 'past';
}
export const SESSION_STATE = { scheduled: 'Scheduled', now: 'In progress', past: 'Held', cancelled: 'Cancelled by program' };

// Attendance statuses in the order the buttons show them.
export const ATTENDANCE = [
  ['present', 'Present'],
  ['late', 'Late'],
  ['left_early', 'Left early'],
  ['absent_excused', 'Absent, excused'],
  ['absent_unexcused', 'Absent, unexcused'],
  ['cancelled_by_program', 'Cancelled by program'],
];
const ATT = Object.fromEntries(ATTENDANCE);
export const attendanceLabel = (s) => (s ? ATT[s] || s.replace(/_/g, ' ') : 'Not recorded');
export const ATTENDED = new Set(['present', 'late', 'left_early']);
// A CSS class per attendance status (colour repeats the words).
export function attendanceTone(s) {
  if (!s) return 'none';
  if (ATTENDED.has(s)) return s === 'present' ? 'ok' : 'partial';
  if (s === 'absent_unexcused') return 'bad';
  return 'excused';
}

// Note formats and their sections, in order.
export const NOTE_FORMATS = {
  SOAP: [['subjective', 'Subjective'], ['objective', 'Objective'], ['assessment', 'Assessment'], ['plan', 'Plan']],
  DAP: [['data', 'Data'], ['assessment', 'Assessment'], ['plan', 'Plan']],
  BIRP: [['behavior', 'Behavior'], ['intervention', 'Intervention'], ['response', 'Response'], ['plan', 'Plan']],
};
export const NOTE_STATUS = { draft: 'Draft', awaiting_cosign: 'Awaiting co-signature', signed: 'Signed' };

// Triggers: [category].
export const TRIGGER_CATEGORIES = [
  ['people', 'People'], ['places', 'Places'], ['feelings', 'Feelings'], ['situations', 'Situations'], ['other', 'Other'],
];
const TCAT = Object.fromEntries(TRIGGER_CATEGORIES);
export const triggerCategoryLabel = (c) => TCAT[c] || c || '';
export const EFFECTIVENESS = [
  ['1', '1 – did not help'], ['2', '2 – helped a little'], ['3', '3 – helped somewhat'], ['4', '4 – helped'], ['5', '5 – helped a lot'],
];

// Plan measures.
export const COMPARATORS = [['below', 'below'], ['at_most', 'at most'], ['above', 'above'], ['at_least', 'at least']];
const CMP = Object.fromEntries(COMPARATORS);

// "PHQ-9 below 10", "12 weeks of negative screens (opioids)".
export function measureText(m) {
  if (!m) return '';
  if (m.kind === 'instrument') return `${m.instrument} ${CMP[m.comparator] || m.comparator} ${m.value}`;
  if (m.kind === 'negative_screens')
    return `${m.weeks} ${m.weeks === 1 ? 'week' : 'weeks'} of negative screens${m.substance ? ` (${m.substance})` : ''}`;
  return m.kind || '';
}

// "now 12 (2026-11-20)", "now 5 weeks", "no data yet".
export function progressText(m, p) {
  if (!m || !p) return '';
  if (p.current === null || p.current === undefined) return 'no data yet';
  if (m.kind === 'negative_screens') return `now ${p.current} ${p.current === 1 ? 'week' : 'weeks'}${p.as_of ? ` (${p.as_of})` : ''}`;
  return `now ${p.current}${p.as_of ? ` (${p.as_of})` : ''}`;
}

export const REVIEW_STATUS = { ok: 'On schedule', due: 'Review due', overdue: 'Review overdue', closed: 'Closed' };
export const OBJECTIVE_STATUS = [['open', 'Open'], ['achieved', 'Achieved'], ['discontinued', 'Discontinued']];

// "Ana Rivera" from any of the API's patient shapes.
export function personName(p) {
  if (!p) return '';
  if (p.name) return p.name;
  return [p.given_name, p.family_name].filter(Boolean).join(' ');
}

// "2026-11-29 13:00 EST · 60 min".
export const whenText = (s) => `${instant(s.starts_at)} · ${s.minutes} min`;

// A session's one-line title: its own, or the modality and kind.
export const sessionTitle = (s) => s.title || `${s.modality_label || modalityLabel(s.modality)} (${kindLabel(s.kind).toLowerCase()})`;

// The session a 409 names ("therapist already has session 12 at ..."), or null.
export function conflictSessionId(err) {
  const m = err && /\bsession (\d+)\b/.exec(err.message || '');
  return m ? Number(m[1]) : null;
}
