// sessions.test.mjs - therapy sessions, weekly series with a roster,
// conflicts, calendars, cancellation, attendance, the attendance rate and
// the consecutive-absence alert.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, patientBody, PW } from './harness.mjs';

let s;
before(async () => {
  s = await startServer();
  // A second therapist at main, and a therapist at north.
  s.cliOk(['user', 'add', 'therapist2', '--role', 'therapist', '--site', 'main', '--password-stdin'], PW + '\n');
  s.cliOk(['user', 'add', 'norththerapist', '--role', 'therapist', '--site', 'north', '--password-stdin'], PW + '\n');
  // Leads the series that runs from the past into the future (no other bookings).
  s.cliOk(['user', 'add', 'grouplead', '--role', 'therapist', '--site', 'main', '--password-stdin'], PW + '\n');
  await s.loginAll(['admin', 'prescriber', 'nurse', 'therapist', 'therapist2', 'intake', 'auditor', 'northnurse',
    'norththerapist', 'grouplead']);
});
after(async () => {
  await s?.close();
});

const HOUR = 3600000;
const iso = (ms) => new Date(ms).toISOString().slice(0, 19) + 'Z';
// Distinct, whole-hour slots far enough apart that tests never collide:
// past(k) is k slots into a window starting 25 days ago, future(k) likewise
// from 2 days ahead. Each call of slot() hands out a fresh 6-hour block.
const BASE_PAST = Math.floor((Date.now() - 25 * 86400000) / HOUR) * HOUR;
const BASE_FUTURE = Math.floor((Date.now() + 2 * 86400000) / HOUR) * HOUR;
let nextSlot = 0;
const slot = () => nextSlot++ * 6 * HOUR;

async function newPatient(over = {}, as = 'admin') {
  const r = await s.req('POST', '/api/v1/patients', { as, body: patientBody(over) });
  expectStatus(r, 201);
  return r.json;
}

const body = (over) => ({ kind: 'individual', modality: 'cbt', minutes: 50, room: 'office-1', ...over });
const schedule = (b, as = 'therapist') => s.req('POST', '/api/v1/sessions', { as, body: b });

async function scheduled(b, as = 'therapist') {
  const r = await schedule(b, as);
  expectStatus(r, 201);
  return r.json;
}

const attend = (sid, pid, status, as = 'therapist', note) =>
  s.req('PUT', `/api/v1/sessions/${sid}/attendance/${pid}`, { as, body: note ? { status, note } : { status } });

async function trail(pid) {
  const r = await s.req('GET', `/api/v1/audit?patient=${pid}&limit=200`, { as: 'auditor' });
  expectStatus(r, 200);
  return r.json.items;
}

// ---- scheduling ----

test('an individual session is scheduled with the caller as clinician, times in UTC', async () => {
  const p = await newPatient();
  const t = BASE_FUTURE + slot();
  // 13:00-05:00 is 18:00Z.
  const local = new Date(t - 5 * HOUR).toISOString().slice(0, 19) + '-05:00';
  const r = await schedule(body({ starts_at: local, patients: [p.id], title: 'Intake follow-up' }));
  expectStatus(r, 201);
  assert.equal(r.json.kind, 'individual');
  assert.equal(r.json.modality, 'cbt');
  assert.equal(r.json.modality_label, 'Cognitive behavioural therapy (CBT)');
  assert.equal(r.json.clinician, 'therapist');
  assert.equal(r.json.room, 'office-1');
  assert.equal(r.json.telehealth, false);
  assert.equal(r.json.starts_at, iso(t));
  assert.equal(r.json.ends_at, iso(t + 50 * 60000));
  assert.equal(r.json.minutes, 50);
  assert.equal(r.json.status, 'scheduled');
  assert.equal(r.json.cancellation, null);
  assert.equal(r.json.note_id, null);
  assert.equal(r.json.site, 'main');
  assert.equal(r.json.title, 'Intake follow-up');
  assert.deepEqual(r.json.patients.map((x) => x.id), [p.id]);
  assert.equal(r.json.patients[0].attendance, null);
  const g = await s.req('GET', `/api/v1/sessions/${r.json.id}`, { as: 'nurse' });
  expectStatus(g, 200);
  assert.equal(g.json.starts_at, iso(t));
  // Telehealth instead of a room; another clinician named.
  const tele = await schedule(body({ starts_at: iso(BASE_FUTURE + slot()), patients: [p.id], room: undefined,
    telehealth: true, clinician: 'therapist2', kind: 'family', modality: 'family_therapy' }));
  expectStatus(tele, 201);
  assert.equal(tele.json.room, null);
  assert.equal(tele.json.telehealth, true);
  assert.equal(tele.json.clinician, 'therapist2');
});

test('bad fields answer 422 naming the field', async () => {
  const p = await newPatient();
  const q = await newPatient();
  const north = await newPatient({ site: 'north' });
  const at = iso(BASE_FUTURE + slot());
  const cases = [
    [{ kind: 'couple' }, 'kind'],
    [{ modality: 'hypnosis' }, 'modality'],
    [{ minutes: 5 }, 'minutes'],
    [{ minutes: 600 }, 'minutes'],
    [{ minutes: 50.5 }, 'minutes'],
    [{ room: 'ballroom' }, 'room'],
    [{ room: undefined }, 'room'],
    [{ telehealth: true }, 'room'],
    [{ telehealth: 'yes', room: undefined }, 'telehealth'],
    [{ starts_at: '2026-13-01T10:00:00Z' }, 'starts_at'],
    [{ starts_at: 'tomorrow' }, 'starts_at'],
    [{ starts_at: '2026-11-29T10:00:00' }, 'starts_at'],
    [{ starts_at: iso(Date.now() - 40 * 86400000) }, 'starts_at'],
    [{ starts_at: iso(Date.now() + 400 * 86400000) }, 'starts_at'],
    [{ patients: [] }, 'patients'],
    [{ patients: [p.id, p.id], kind: 'group' }, 'patients'],
    [{ patients: [p.id, q.id] }, 'patients'],
    [{ patients: ['x'] }, 'patients'],
    [{ patients: 7 }, 'patients'],
    [{ patients: [p.id, north.id], kind: 'group' }, 'patients'],
    [{ clinician: 'intake' }, 'clinician'],
    [{ clinician: 'nobody' }, 'clinician'],
    [{ clinician: 'norththerapist' }, 'clinician'],
    [{ color: 'blue' }, 'color'],
  ];
  for (const [over, field] of cases) {
    const r = await schedule(body({ starts_at: at, patients: [p.id], ...over }), 'admin');
    expectError(r, 422, 'invalid', field);
  }
  // A group above the configured size (15).
  const many = [];
  for (let i = 0; i < 16; i++) many.push((await newPatient()).id);
  expectError(await schedule(body({ kind: 'group', room: 'group-a', starts_at: at, patients: many })), 422,
    'invalid', 'patients');
  // Nothing was created by any of them.
  const cal = await s.req('GET', `/api/v1/patients/${p.id}/sessions`, { as: 'therapist' });
  expectStatus(cal, 200);
  assert.equal(cal.json.total, 0);
});

test('double-booking: back to back is fine, one minute of overlap is 409 naming the other session', async () => {
  const [p1, p2, p3, p4] = [await newPatient(), await newPatient(), await newPatient(), await newPatient()];
  const t = BASE_FUTURE + slot();
  const first = await scheduled(body({ starts_at: iso(t), minutes: 60, patients: [p1.id] }));
  // Same clinician, same room, starting exactly at the end: no conflict.
  const next = await scheduled(body({ starts_at: iso(t + HOUR), minutes: 60, patients: [p2.id] }));
  // Ending exactly at the start: no conflict either (another room).
  await scheduled(body({ starts_at: iso(t - 30 * 60000), minutes: 30, patients: [p3.id], room: 'office-2' }));
  // One minute into the first session: the clinician clashes.
  let r = await schedule(body({ starts_at: iso(t + 59 * 60000), minutes: 30, patients: [p4.id], room: 'office-2' }));
  expectError(r, 409, 'conflict', 'clinician');
  assert.match(r.json.error.message, new RegExp(`session ${first.id}\\b`));
  // Another clinician in the same room: the room clashes.
  r = await schedule(body({ starts_at: iso(t + 30 * 60000), patients: [p4.id] }), 'therapist2');
  expectError(r, 409, 'conflict', 'room');
  assert.match(r.json.error.message, new RegExp(`session ${first.id}\\b`));
  // Another clinician and room, but a patient already booked.
  r = await schedule(body({ starts_at: iso(t + HOUR + 49 * 60000), patients: [p2.id], room: 'office-2' }), 'therapist2');
  expectError(r, 409, 'conflict', 'patients');
  assert.match(r.json.error.message, new RegExp(`session ${next.id}\\b`));
  // A cancelled session frees its slot.
  expectStatus(await s.req('POST', `/api/v1/sessions/${first.id}/cancel`, { as: 'therapist', body: { reason: 'Clinician ill' } }), 200);
  await scheduled(body({ starts_at: iso(t + 30 * 60000), minutes: 30, patients: [p4.id] }), 'therapist2');
});

test('sessions of another site are not found; roles outside A P N T are refused', async () => {
  const p = await newPatient();
  const north = await newPatient({ site: 'north' });
  const sess = await scheduled(body({ starts_at: iso(BASE_FUTURE + slot()), patients: [p.id] }));
  expectError(await s.req('GET', `/api/v1/sessions/${sess.id}`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('POST', `/api/v1/sessions/${sess.id}/cancel`, { as: 'northnurse', body: { reason: 'x' } }), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/sessions`, { as: 'northnurse' }), 404, 'not_found');
  // A main therapist cannot schedule a north patient: the patient is not found.
  expectError(await schedule(body({ starts_at: iso(BASE_FUTURE + slot()), patients: [north.id] })), 404, 'not_found', 'patients');
  // north's own therapist can, in north's room.
  const n = await scheduled(body({ starts_at: iso(BASE_FUTURE + slot()), patients: [north.id] }), 'norththerapist');
  assert.equal(n.site, 'north');
  // main's rooms are not north's.
  expectError(await schedule(body({ starts_at: iso(BASE_FUTURE + slot()), patients: [north.id], room: 'family' }), 'norththerapist'),
    422, 'invalid', 'room');
  for (const as of ['intake', 'auditor'])
    expectError(await schedule(body({ starts_at: iso(BASE_FUTURE + slot()), patients: [p.id] }), as), 403, 'forbidden');
  expectError(await s.req('GET', '/api/v1/sessions', { as: 'intake' }), 403, 'forbidden');
});

test('a group session is audited once per patient, naming no other patient', async () => {
  const ps = [await newPatient(), await newPatient(), await newPatient()];
  const g = await scheduled(body({ kind: 'group', modality: 'relapse_prevention', room: 'group-a',
    starts_at: iso(BASE_FUTURE + slot()), minutes: 90, patients: ps.map((p) => p.id) }));
  assert.equal(g.patients.length, 3);
  for (const p of ps) {
    const rows = (await trail(p.id)).filter((x) => x.action === 'session.create' && x.object_id === String(g.id));
    assert.equal(rows.length, 1, `patient ${p.id}: ${JSON.stringify(rows)}`);
    assert.equal(rows[0].outcome, 'ok');
    for (const o of ps) if (o !== p) assert.ok(!rows[0].detail.includes(String(o.id)), rows[0].detail);
  }
});

// ---- calendars and cancellation ----

test('calendars by clinician, room and days; a patient list shows only that patient', async () => {
  const [a, b] = [await newPatient(), await newPatient()];
  const t = BASE_FUTURE + 20 * 86400000 + slot();
  const day = iso(t).slice(0, 10);
  const g = await scheduled(body({ kind: 'group', room: 'group-b', modality: 'psychoeducation', starts_at: iso(t),
    patients: [a.id, b.id] }), 'therapist2');
  const cal = await s.req('GET', `/api/v1/sessions?clinician=therapist2&from=${day}&to=${day}`, { as: 'nurse' });
  expectStatus(cal, 200);
  assert.ok(cal.json.items.some((x) => x.id === g.id));
  assert.ok(cal.json.items.every((x) => x.clinician === 'therapist2'));
  assert.equal(cal.json.from, day);
  const room = await s.req('GET', `/api/v1/sessions?room=group-b&from=${day}&to=${day}`, { as: 'therapist' });
  assert.ok(room.json.items.some((x) => x.id === g.id));
  assert.ok(room.json.items.every((x) => x.room === 'group-b'));
  const other = await s.req('GET', `/api/v1/sessions?clinician=therapist&room=group-b&from=${day}&to=${day}`, { as: 'therapist' });
  assert.ok(!other.json.items.some((x) => x.id === g.id));
  // north sees nothing of main.
  const north = await s.req('GET', `/api/v1/sessions?from=${day}&to=${day}`, { as: 'northnurse' });
  expectStatus(north, 200);
  assert.ok(north.json.items.every((x) => x.site === 'north'));
  // Bad ranges.
  expectError(await s.req('GET', '/api/v1/sessions?from=2026-02-30', { as: 'nurse' }), 422, 'invalid', 'from');
  expectError(await s.req('GET', '/api/v1/sessions?from=2026-03-10&to=2026-03-01', { as: 'nurse' }), 422, 'invalid', 'to');
  expectError(await s.req('GET', '/api/v1/sessions?from=2026-01-01&to=2026-12-31', { as: 'nurse' }), 422, 'invalid', 'to');
  expectError(await s.req('GET', '/api/v1/sessions?color=red', { as: 'nurse' }), 422, 'invalid', 'color');
  // A's list: the group with A's attendance only, no roster.
  const mine = await s.req('GET', `/api/v1/patients/${a.id}/sessions`, { as: 'therapist' });
  expectStatus(mine, 200);
  assert.equal(mine.json.total, 1);
  assert.equal(mine.json.items[0].id, g.id);
  assert.equal(mine.json.items[0].patients, undefined);
  assert.equal(mine.json.items[0].attendance, null);
  assert.ok(!mine.text.includes(b.family_name));
});

test('cancel needs a reason, happens once, and not after the session was held', async () => {
  const p = await newPatient();
  const past = await scheduled(body({ starts_at: iso(BASE_PAST + slot()), patients: [p.id] }));
  const fut = await scheduled(body({ starts_at: iso(BASE_FUTURE + slot()), patients: [p.id] }));
  expectError(await s.req('POST', `/api/v1/sessions/${fut.id}/cancel`, { as: 'therapist', body: {} }), 422, 'invalid', 'reason');
  const c = await s.req('POST', `/api/v1/sessions/${fut.id}/cancel`, { as: 'nurse', body: { reason: 'Room flooded' } });
  expectStatus(c, 200);
  assert.equal(c.json.status, 'cancelled_by_program');
  assert.equal(c.json.cancellation.reason, 'Room flooded');
  assert.equal(c.json.cancellation.by, 'nurse');
  expectError(await s.req('POST', `/api/v1/sessions/${fut.id}/cancel`, { as: 'nurse', body: { reason: 'again' } }), 409, 'conflict');
  // Still there, never deleted.
  expectStatus(await s.req('GET', `/api/v1/sessions/${fut.id}`, { as: 'nurse' }), 200);
  expectStatus(await attend(past.id, p.id, 'present'), 200);
  expectError(await s.req('POST', `/api/v1/sessions/${past.id}/cancel`, { as: 'nurse', body: { reason: 'late' } }), 409, 'conflict');
  // Attendance on a cancelled session is refused.
  expectError(await attend(fut.id, p.id, 'present'), 409, 'conflict');
});

// ---- attendance ----

test('attendance: a change is a new row, the latest wins, history kept', async () => {
  const p = await newPatient();
  const sess = await scheduled(body({ starts_at: iso(BASE_PAST + slot()), patients: [p.id] }));
  let r = await attend(sess.id, p.id, 'absent_unexcused');
  expectStatus(r, 200);
  assert.equal(r.json.status, 'absent_unexcused');
  assert.equal(r.json.history.length, 1);
  r = await attend(sess.id, p.id, 'late', 'nurse', 'Arrived 15 minutes late: bus');
  expectStatus(r, 200);
  assert.equal(r.json.status, 'late');
  assert.equal(r.json.note, 'Arrived 15 minutes late: bus');
  assert.equal(r.json.recorded_by, 'nurse');
  assert.deepEqual(r.json.history.map((h) => h.status), ['late', 'absent_unexcused']);
  // The same again records nothing new.
  r = await attend(sess.id, p.id, 'late', 'nurse', 'Arrived 15 minutes late: bus');
  assert.equal(r.json.history.length, 2);
  const g = await s.req('GET', `/api/v1/sessions/${sess.id}`, { as: 'therapist' });
  assert.equal(g.json.patients[0].attendance.status, 'late');
  // Bad input and wrong targets.
  expectError(await attend(sess.id, p.id, 'asleep'), 422, 'invalid', 'status');
  const q = await newPatient();
  expectError(await attend(sess.id, q.id, 'present'), 404, 'not_found');
  expectError(await attend(999999, p.id, 'present'), 404, 'not_found');
  expectError(await attend(sess.id, p.id, 'present', 'northnurse'), 404, 'not_found');
  expectError(await attend(sess.id, p.id, 'present', 'intake'), 403, 'forbidden');
  // A session that has not started takes only a program cancellation.
  const fut = await scheduled(body({ starts_at: iso(BASE_FUTURE + slot()), patients: [p.id] }));
  expectError(await attend(fut.id, p.id, 'present'), 409, 'conflict', 'status');
  expectStatus(await attend(fut.id, p.id, 'cancelled_by_program'), 200);
});

test('attendance rate: attended over attended plus unexcused absences', async () => {
  const p = await newPatient();
  const statuses = ['present', 'late', 'left_early', 'absent_unexcused', 'absent_excused', 'cancelled_by_program', 'present'];
  for (const st of statuses) {
    const x = await scheduled(body({ starts_at: iso(BASE_PAST + slot()), patients: [p.id] }));
    expectStatus(await attend(x.id, p.id, st), 200);
  }
  // One past session with nothing recorded, one future one.
  await scheduled(body({ starts_at: iso(BASE_PAST + slot()), patients: [p.id] }));
  await scheduled(body({ starts_at: iso(BASE_FUTURE + slot()), patients: [p.id] }));
  const r = await s.req('GET', `/api/v1/patients/${p.id}/sessions`, { as: 'prescriber' });
  expectStatus(r, 200);
  assert.equal(r.json.total, 9);
  assert.deepEqual(r.json.attendance, {
    sessions: 8, attended: 4, absent_unexcused: 1, absent_excused: 1, cancelled_by_program: 1, not_recorded: 1,
    rate: 0.8, consecutive_unexcused: 0,
  });
  // Newest first, each with this patient's attendance.
  assert.equal(r.json.items[0].attendance, null);
  assert.equal(r.json.items[2].attendance.status, 'present');
});

test('two unexcused absences in a row raise one alert to the primary clinician', async () => {
  const p = await newPatient();
  // therapist2 sees the patient individually: the primary clinician.
  const ind = await scheduled(body({ starts_at: iso(BASE_PAST + slot()), patients: [p.id] }), 'therapist2');
  expectStatus(await attend(ind.id, p.id, 'present', 'therapist2'), 200);
  // Group sessions led by therapist.
  const grp = [];
  for (let i = 0; i < 4; i++)
    grp.push(await scheduled(body({ kind: 'group', room: 'group-a', starts_at: iso(BASE_PAST + slot()), patients: [p.id] })));
  let r = await attend(grp[0].id, p.id, 'absent_unexcused');
  assert.equal(r.json.summary.consecutive_unexcused, 1);
  assert.equal(r.json.alert, null);
  // An excused absence neither counts nor breaks the run.
  r = await attend(grp[1].id, p.id, 'absent_excused');
  assert.equal(r.json.summary.consecutive_unexcused, 1);
  r = await attend(grp[2].id, p.id, 'absent_unexcused');
  assert.equal(r.json.summary.consecutive_unexcused, 2);
  assert.ok(r.json.alert, r.text);
  assert.equal(r.json.alert.recipient, 'therapist2');
  assert.equal(r.json.alert.rule_id, 'therapy-consecutive-absences');
  // A third absence raises nothing more.
  r = await attend(grp[3].id, p.id, 'absent_unexcused');
  assert.equal(r.json.summary.consecutive_unexcused, 3);
  assert.equal(r.json.alert, null);
  const chart = await s.req('GET', `/api/v1/patients/${p.id}/alerts`, { as: 'nurse' });
  const mine = chart.json.items.filter((a) => a.rule_id === 'therapy-consecutive-absences');
  assert.equal(mine.length, 1);
  assert.equal(mine[0].recipient, 'therapist2');
  assert.match(mine[0].source, /therapy\.conf/);
  // In therapist2's inbox, not in therapist's.
  const inbox2 = await s.req('GET', '/api/v1/alerts?limit=200', { as: 'therapist2' });
  assert.ok(inbox2.json.items.some((a) => a.id === mine[0].id));
  const inbox1 = await s.req('GET', '/api/v1/alerts?limit=200', { as: 'therapist' });
  assert.ok(!inbox1.json.items.some((a) => a.id === mine[0].id));
  // Acknowledged, then a new run after attending raises a new one.
  expectStatus(await s.req('POST', `/api/v1/alerts/${mine[0].id}/ack`, { as: 'therapist2', body: { note: 'Called the patient' } }), 200);
  const more = [];
  for (let i = 0; i < 3; i++)
    more.push(await scheduled(body({ kind: 'group', room: 'group-a', starts_at: iso(BASE_PAST + slot()), patients: [p.id] })));
  await attend(more[0].id, p.id, 'present');
  assert.equal((await attend(more[1].id, p.id, 'absent_unexcused')).json.alert, null);
  assert.ok((await attend(more[2].id, p.id, 'absent_unexcused')).json.alert);
});

// ---- series ----

test('a weekly group series generates its sessions; a conflict refuses the whole series', async () => {
  const ps = [await newPatient(), await newPatient()];
  const t = BASE_FUTURE + 3 * 86400000 + slot();
  const r = await s.req('POST', '/api/v1/session-series', { as: 'therapist', body: {
    modality: 'relapse_prevention', title: 'Relapse prevention group', room: 'group-a', starts_at: iso(t), minutes: 90,
    count: 4, patients: ps.map((p) => p.id) } });
  expectStatus(r, 201);
  assert.equal(r.json.kind, 'group');
  assert.equal(r.json.sessions.length, 4);
  r.json.sessions.forEach((x, i) => assert.equal(x.starts_at, iso(t + i * 7 * 86400000)));
  assert.deepEqual(r.json.roster.map((m) => m.id).sort(), ps.map((p) => p.id).sort());
  const one = await s.req('GET', `/api/v1/sessions/${r.json.sessions[2].id}`, { as: 'nurse' });
  assert.equal(one.json.series_id, r.json.id);
  assert.equal(one.json.patients.length, 2);
  // until: through a day, inclusive.
  const u = await s.req('POST', '/api/v1/session-series', { as: 'therapist2', body: {
    modality: 'dbt', room: 'group-b', starts_at: iso(t), minutes: 60, until: iso(t + 14 * 86400000).slice(0, 10),
    patients: [(await newPatient()).id] } });
  expectStatus(u, 201);
  assert.equal(u.json.sessions.length, 3);
  // A clash in week 3 (therapist busy) refuses everything.
  const q = await newPatient();
  const clash = await scheduled(body({ starts_at: iso(t + 14 * 86400000 + 8 * HOUR), patients: [q.id], room: 'office-2' }), 'prescriber');
  const before = (await s.req('GET', `/api/v1/patients/${q.id}/sessions`, { as: 'therapist' })).json.total;
  const bad = await s.req('POST', '/api/v1/session-series', { as: 'prescriber', body: {
    modality: 'cbt', room: 'office-1', starts_at: iso(t + 8 * HOUR), minutes: 60, count: 5, patients: [q.id] } });
  expectError(bad, 409, 'conflict');
  assert.match(bad.json.error.message, new RegExp(`session ${clash.id}\\b`));
  assert.equal((await s.req('GET', `/api/v1/patients/${q.id}/sessions`, { as: 'therapist' })).json.total, before);
  // count and until together, neither, or too many.
  const base = { modality: 'cbt', room: 'office-1', starts_at: iso(t + 9 * HOUR), minutes: 60, patients: [q.id] };
  expectError(await s.req('POST', '/api/v1/session-series', { as: 'therapist', body: { ...base, count: 2, until: '2099-01-01' } }), 422, 'invalid', 'count');
  expectError(await s.req('POST', '/api/v1/session-series', { as: 'therapist', body: base }), 422, 'invalid', 'count');
  expectError(await s.req('POST', '/api/v1/session-series', { as: 'therapist', body: { ...base, count: 53 } }), 422, 'invalid', 'count');
  expectError(await s.req('POST', '/api/v1/session-series', { as: 'therapist', body: { ...base, until: '2020-01-01' } }), 422, 'invalid', 'until');
});

test('a roster change applies to the series sessions not yet started', async () => {
  const [a, b, c] = [await newPatient(), await newPatient(), await newPatient()];
  const t = BASE_PAST + slot();
  const r = await s.req('POST', '/api/v1/session-series', { as: 'grouplead', body: {
    modality: 'twelve_step_facilitation', telehealth: true, starts_at: iso(t), minutes: 60, count: 6,
    patients: [a.id, b.id] } });
  expectStatus(r, 201);
  const sessions = r.json.sessions;
  const past = sessions.filter((x) => x.starts_at < iso(Date.now()));
  const future = sessions.filter((x) => x.starts_at > iso(Date.now()));
  assert.ok(past.length >= 1 && future.length >= 1, JSON.stringify(sessions));
  const ch = await s.req('PUT', `/api/v1/session-series/${r.json.id}/roster`, { as: 'nurse', body: { patients: [a.id, c.id] } });
  expectStatus(ch, 200);
  assert.deepEqual(ch.json.roster.map((m) => m.id).sort(), [a.id, c.id].sort());
  const ids = async (sid) => (await s.req('GET', `/api/v1/sessions/${sid}`, { as: 'nurse' })).json.patients.map((x) => x.id).sort();
  assert.deepEqual(await ids(past[0].id), [a.id, b.id].sort());
  for (const f of future) assert.deepEqual(await ids(f.id), [a.id, c.id].sort());
  // The roster is a group's: one site, no duplicates.
  const north = await newPatient({ site: 'north' });
  expectError(await s.req('PUT', `/api/v1/session-series/${r.json.id}/roster`, { as: 'admin', body: { patients: [a.id, north.id] } }),
    422, 'invalid', 'patients');
  expectError(await s.req('GET', `/api/v1/session-series/${r.json.id}`, { as: 'northnurse' }), 404, 'not_found');
  const g = await s.req('GET', `/api/v1/session-series/${r.json.id}`, { as: 'prescriber' });
  expectStatus(g, 200);
  assert.equal(g.json.sessions.length, 6);
});
