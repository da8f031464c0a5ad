// measures.test.mjs - measurement-based care through the API: instrument
// definitions, assessments and their validation, critical alerts with
// acknowledgement, trends with response/remission, the withdrawal flowsheet,
// schedules and the due list, patient self check-in, and the audit of it all.
//
// Expected values come from the shipped definitions (data/instruments/*.json)
// and the site protocol (data/protocols.conf), read here, so a changed
// definition changes the expectation rather than silently passing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, patientBody, day, dbExec, ROOT } from './harness.mjs';

let s;

// ---- definitions as shipped ----

function definition(file) {
  return JSON.parse(readFileSync(path.join(ROOT, 'data/instruments', file), 'utf8'));
}
const PHQ9 = definition('phq-9.json');
const GAD7 = definition('gad-7.json');

// data/protocols.conf -> { 'CIWA-Ar': { name, steps: [{min, max, action, reassess_minutes, source}] } }
function protocols() {
  const out = {};
  let cur = null;
  for (const raw of readFileSync(path.join(ROOT, 'data/protocols.conf'), 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      cur = out[sec[1]] = { name: null, steps: [] };
      continue;
    }
    const kv = /^([\w.]+)\s*=\s*(.*)$/.exec(line);
    assert.ok(kv && cur, `protocols.conf line not understood: ${line}`);
    const [, key, value] = kv;
    if (key === 'name') {
      cur.name = value;
      continue;
    }
    const st = /^step\.(\d+)\.(\w+)$/.exec(key);
    assert.ok(st, `protocols.conf key not understood: ${key}`);
    const step = (cur.steps[Number(st[1]) - 1] ??= {});
    if (st[2] === 'range') {
      const [lo, hi] = value.split('-').map(Number);
      step.min = lo;
      step.max = hi;
    } else if (st[2] === 'reassess_minutes') {
      step.reassess_minutes = Number(value);
    } else {
      step[st[2]] = value;
    }
  }
  return out;
}
const PROTOCOLS = protocols();
const stepFor = (code, total) => PROTOCOLS[code].steps.find((x) => total >= x.min && total <= x.max);

// ---- helpers ----

// A UTC instant the server accepts (no milliseconds), offset from now.
function instant(offsetMs = 0) {
  return new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
const MIN = 60000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const plusMinutes = (at, m) => new Date(Date.parse(at) + m * MIN).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function newPatient(over = {}, as = 'intake') {
  const r = await s.req('POST', '/api/v1/patients', { as, body: patientBody(over) });
  expectStatus(r, 201);
  return r.json;
}

async function assess(pid, body, as = 'nurse') {
  return s.req('POST', `/api/v1/patients/${pid}/assessments`, { as, body });
}

async function assessOk(pid, body, as = 'nurse') {
  const r = await assess(pid, body, as);
  expectStatus(r, 201);
  return r.json;
}

async function assessments(pid, q = '', as = 'nurse') {
  const r = await s.req('GET', `/api/v1/patients/${pid}/assessments${q}`, { as });
  expectStatus(r, 200);
  return r.json;
}

async function inbox(as, q = '') {
  const r = await s.req('GET', `/api/v1/alerts?limit=200${q}`, { as });
  expectStatus(r, 200);
  return r.json;
}

async function patientAlerts(pid, q = '', as = 'prescriber') {
  const r = await s.req('GET', `/api/v1/patients/${pid}/alerts${q}`, { as });
  expectStatus(r, 200);
  return r.json;
}

async function schedules(pid, as = 'nurse') {
  const r = await s.req('GET', `/api/v1/patients/${pid}/schedules`, { as });
  expectStatus(r, 200);
  return r.json;
}

async function due(as = 'nurse', q = '') {
  const r = await s.req('GET', `/api/v1/due${q}`, { as });
  expectStatus(r, 200);
  return r.json;
}

async function trail(pid) {
  const r = await s.req('GET', `/api/v1/audit?patient=${pid}&limit=200`, { as: 'auditor' });
  expectStatus(r, 200);
  return r.json.items;
}

// Seconds between two instants.
const apart = (a, b) => Math.abs(Date.parse(a) - Date.parse(b)) / 1000;

before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'prescriber', 'nurse', 'therapist', 'intake', 'auditor', 'northnurse', 'northintake']);
});
after(async () => {
  await s?.close();
});

// ---- instruments ----

test('the instrument list has the seven shipped instruments, with who may answer them', async () => {
  const r = await s.req('GET', '/api/v1/instruments', { as: 'intake' });
  expectStatus(r, 200);
  const by = Object.fromEntries(r.json.items.map((x) => [x.code, x]));
  for (const code of ['PHQ-9', 'GAD-7', 'AUDIT-C', 'COWS', 'CIWA-Ar', 'PACS', 'CRAVING'])
    assert.ok(by[code], `${code} missing from ${Object.keys(by).join(', ')}`);
  assert.equal(by['PHQ-9'].name, 'Patient Health Questionnaire-9');
  assert.equal(by['PHQ-9'].items, 9, 'PHQ-9 has 9 scored items');
  assert.equal(by['PHQ-9'].min_total, 0);
  assert.equal(by['PHQ-9'].max_total, 27);
  assert.equal(by['GAD-7'].items, 7);
  assert.equal(by['GAD-7'].max_total, 21);
  assert.equal(by['COWS'].max_total, 48);
  assert.equal(by['CIWA-Ar'].max_total, 67);
  // Clinician-rated withdrawal scales cannot go on a patient's check-in.
  assert.equal(by['COWS'].self_report, false);
  assert.equal(by['CIWA-Ar'].self_report, false);
  assert.equal(by['PHQ-9'].self_report, true);
  assert.equal(by['GAD-7'].self_report, true);
  for (const x of r.json.items) {
    assert.equal(x.imported, false, `${x.code} is built in`);
    assert.ok(x.licence.length > 0, `${x.code} has a licence statement`);
    assert.ok(x.source.length > 0, `${x.code} has a source`);
    assert.equal(x.item_list, undefined, 'the list is a summary, not the full definitions');
  }
});

test('the PHQ-9 definition: 10 items (9 scored), bands, the item-9 rule, licence', async () => {
  const r = await s.req('GET', '/api/v1/instruments/PHQ-9', { as: 'nurse' });
  expectStatus(r, 200);
  const d = r.json;
  assert.equal(d.code, 'PHQ-9');
  assert.equal(d.recall, 'the last 2 weeks');
  assert.equal(d.item_list.length, 10);
  assert.equal(d.item_list.filter((i) => i.scored).length, 9);
  assert.equal(d.items, 9);
  assert.deepEqual(d.item_list.map((i) => i.id), ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'function']);
  const fn = d.item_list[9];
  assert.equal(fn.scored, false, 'the difficulty item is not scored');
  assert.deepEqual(fn.options.map((o) => o.value), [0, 1, 2, 3]);
  const item9 = d.item_list[8];
  assert.match(item9.text, /better off dead|hurting yourself/);
  assert.equal(item9.loinc, '44260-8');
  assert.deepEqual(item9.options.map((o) => [o.value, o.label]),
    [[0, 'Not at all'], [1, 'Several days'], [2, 'More than half the days'], [3, 'Nearly every day']]);
  assert.deepEqual(d.bands.map((b) => [b.min, b.max, b.label, b.severity]), [
    [0, 4, 'Minimal', 'none'],
    [5, 9, 'Mild', 'mild'],
    [10, 14, 'Moderate', 'moderate'],
    [15, 19, 'Moderately severe', 'moderately_severe'],
    [20, 27, 'Severe', 'severe'],
  ]);
  assert.equal(d.alerts.length, 1);
  assert.equal(d.alerts[0].id, 'phq9-item9');
  assert.equal(d.alerts[0].kind, 'suicide_risk');
  assert.equal(d.alerts[0].severity, 'critical');
  assert.match(d.alerts[0].message, /item 9/);
  assert.equal(d.licence, PHQ9.licence);
  assert.match(d.licence, /Pfizer/);
  assert.match(d.attribution, /Spitzer/);
  assert.deepEqual(d.loinc, { panel: '44249-1', total: '44261-6' });
  if (PHQ9.outcomes) {
    assert.equal(d.outcomes.response_drop_percent, PHQ9.outcomes.response_drop_percent);
    assert.equal(d.outcomes.baseline_min, PHQ9.outcomes.baseline_min);
    assert.equal(d.outcomes.remission_below, PHQ9.outcomes.remission_below);
  } else {
    assert.equal(d.outcomes, undefined);
  }

  // Codes compare case-insensitively; range items show their range.
  const lower = await s.req('GET', '/api/v1/instruments/phq-9', { as: 'intake' });
  expectStatus(lower, 200);
  assert.equal(lower.json.code, 'PHQ-9');
  const ciwa = await s.req('GET', '/api/v1/instruments/CIWA-Ar', { as: 'nurse' });
  expectStatus(ciwa, 200);
  const nausea = ciwa.json.item_list.find((i) => i.id === 'nausea');
  assert.equal(nausea.range.min, 0);
  assert.equal(nausea.range.max, 7);
  assert.equal(nausea.options, undefined);

  expectError(await s.req('GET', '/api/v1/instruments/PHQ-10', { as: 'nurse' }), 404, 'not_found', 'instrument');
  // A segment that is not a code at all is no route.
  expectError(await s.req('GET', '/api/v1/instruments/PHQ.9', { as: 'nurse' }), 404, 'not_found');
});

// ---- assessments ----

test('PHQ-9 answers as an array or keyed by item id score the same', async () => {
  const p = await newPatient();
  const arr = await assessOk(p.id, { instrument: 'PHQ-9', answers: [2, 2, 2, 1, 1, 1, 1, 1, 0] });
  assert.equal(arr.instrument, 'PHQ-9');
  assert.equal(arr.version, PHQ9.version);
  assert.equal(arr.total, 11);
  assert.equal(arr.band, 'Moderate');
  assert.equal(arr.severity, 'moderate');
  assert.match(arr.interpretation, /Moderate/);
  assert.equal(arr.prorated, false);
  assert.equal(arr.answered_by, 'staff');
  assert.equal(arr.recorded_by, 'nurse');
  assert.equal(arr.patient_id, p.id);
  assert.deepEqual(arr.alerts, []);
  assert.equal(arr.answers['1'], 2);
  assert.equal(arr.answers['9'], 0);
  assert.equal(arr.answers.function, null, 'the unscored item is unanswered in array form');
  assert.ok(apart(arr.administered_at, instant()) < 120, `administered_at defaults to now: ${arr.administered_at}`);

  const obj = await assessOk(p.id, {
    instrument: 'PHQ-9',
    answers: { 1: 2, 2: 2, 3: 2, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 0, function: 3 },
    note: 'interview in clinic',
  }, 'therapist');
  assert.equal(obj.total, arr.total, 'the unscored item is not summed');
  assert.equal(obj.band, arr.band);
  assert.equal(obj.severity, arr.severity);
  assert.equal(obj.answers.function, 3, 'the unscored item is stored');
  assert.equal(obj.note, 'interview in clinic');
  assert.equal(obj.recorded_by, 'therapist');

  // A lower-case code is the same instrument.
  const lower = await assessOk(p.id, { instrument: 'gad-7', answers: [0, 0, 0, 1, 1, 1, 1] });
  assert.equal(lower.instrument, 'GAD-7');
  assert.equal(lower.total, 4);
  assert.equal(lower.band, 'Minimal');
});

// One patient with an item-9 alert, followed through the inbox to acknowledgement.
const A = { p: null, assessment: null, alert: null };

test('PHQ-9 total 4 with item 9 = 1 is "Minimal" and raises a critical suicide_risk alert', async () => {
  A.p = await newPatient({ family_name: `Alertcase${process.pid}` });
  const r = await assess(A.p.id, { instrument: 'PHQ-9', answers: [1, 1, 1, 0, 0, 0, 0, 0, 1] });
  expectStatus(r, 201);
  A.assessment = r.json;
  assert.equal(r.json.total, 4);
  assert.equal(r.json.band, 'Minimal', 'the total alone is minimal');
  assert.equal(r.json.alerts.length, 1, 'item 9 raises an alert whatever the total');
  const al = r.json.alerts[0];
  assert.equal(al.kind, 'suicide_risk');
  assert.equal(al.severity, 'critical');
  assert.equal(al.rule_id, 'phq9-item9');
  assert.equal(typeof al.id, 'number');
  A.alert = al.id;
});

test('the alert is on the chart and in the prescriber\'s, therapist\'s and nurse\'s inbox', async () => {
  const chart = await patientAlerts(A.p.id, '', 'nurse');
  const a = chart.items.find((x) => x.id === A.alert);
  assert.ok(a, `alert ${A.alert} not on the chart: ${JSON.stringify(chart)}`);
  assert.equal(a.patient_id, A.p.id);
  assert.equal(a.assessment_id, A.assessment.id);
  assert.equal(a.kind, 'suicide_risk');
  assert.equal(a.severity, 'critical');
  assert.equal(a.acknowledged, false);
  assert.equal(a.ack, undefined);
  assert.match(a.found, /item 9 answered 1/);
  assert.match(a.found, /total 4/);
  assert.equal(a.patient.mrn, A.p.mrn);
  assert.ok(apart(a.raised_at, instant()) < 120);
  for (const who of ['prescriber', 'therapist', 'nurse']) {
    const box = await inbox(who);
    const mine = box.items.find((x) => x.id === A.alert);
    assert.ok(mine, `${who}'s inbox lacks alert ${A.alert}`);
    assert.equal(mine.patient.family_name, A.p.family_name, 'the inbox names the patient');
    assert.equal(mine.acknowledged, false);
  }
  // Still there on a second look: reading does not clear it.
  assert.ok((await inbox('nurse')).items.some((x) => x.id === A.alert));
});

test('an intake user and a nurse at the other site cannot see or acknowledge it', async () => {
  expectError(await s.req('GET', '/api/v1/alerts', { as: 'intake' }), 403, 'forbidden');
  expectError(await s.req('GET', `/api/v1/patients/${A.p.id}/alerts`, { as: 'intake' }), 403, 'forbidden');
  expectError(await s.req('POST', `/api/v1/alerts/${A.alert}/ack`, { as: 'intake', body: { note: 'seen' } }), 403, 'forbidden');
  expectError(await s.req('POST', `/api/v1/alerts/${A.alert}/ack`, { as: 'auditor', body: { note: 'seen' } }), 403, 'forbidden');

  // northnurse is a nurse, but at north: the patient and the alert do not exist for her.
  assert.ok(!(await inbox('northnurse')).items.some((x) => x.id === A.alert));
  expectError(await s.req('GET', `/api/v1/patients/${A.p.id}`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/patients/${A.p.id}/alerts`, { as: 'northnurse' }), 404, 'not_found');
  const ack = await s.req('POST', `/api/v1/alerts/${A.alert}/ack`, { as: 'northnurse', body: { note: 'seen' } });
  expectError(ack, 404, 'not_found');
  assert.ok(!ack.text.includes(A.p.family_name));
  // An alert that does not exist answers the same.
  const none = await s.req('POST', '/api/v1/alerts/999999/ack', { as: 'northnurse', body: { note: 'seen' } });
  expectError(none, 404, 'not_found');
  assert.equal(none.json.error.message.replace(/\d+/g, 'N'), ack.json.error.message.replace(/\d+/g, 'N'));
  // None of it acknowledged the alert.
  const still = (await patientAlerts(A.p.id)).items.find((x) => x.id === A.alert);
  assert.equal(still.acknowledged, false);
});

test('acknowledging needs a note; then it leaves the open inbox and keeps the note and who', async () => {
  expectError(await s.req('POST', `/api/v1/alerts/${A.alert}/ack`, { as: 'therapist', body: {} }), 422, 'invalid', 'note');
  expectError(await s.req('POST', `/api/v1/alerts/${A.alert}/ack`, { as: 'therapist', body: { note: '' } }), 422, 'invalid', 'note');
  expectError(await s.req('POST', `/api/v1/alerts/${A.alert}/ack`, { as: 'therapist', body: { note: 7 } }), 422, 'invalid', 'note');
  assert.ok((await inbox('therapist')).items.some((x) => x.id === A.alert), 'still open after refused acks');

  const note = 'Called patient same day; C-SSRS screen negative; safety plan reviewed.';
  const r = await s.req('POST', `/api/v1/alerts/${A.alert}/ack`, { as: 'therapist', body: { note } });
  expectStatus(r, 200);
  assert.equal(r.json.id, A.alert);
  assert.equal(r.json.acknowledged, true);
  assert.equal(r.json.ack.note, note);
  assert.equal(r.json.ack.by, 'therapist');
  assert.ok(apart(r.json.ack.at, instant()) < 120);
  assert.equal(r.json.escalated, false);

  const again = await s.req('POST', `/api/v1/alerts/${A.alert}/ack`, { as: 'prescriber', body: { note: 'me too' } });
  expectError(again, 409, 'conflict');

  for (const who of ['prescriber', 'therapist', 'nurse'])
    assert.ok(!(await inbox(who)).items.some((x) => x.id === A.alert), `${who}'s open inbox still has it`);
  assert.ok(!(await patientAlerts(A.p.id)).items.some((x) => x.id === A.alert), 'open chart list still has it');

  for (const who of ['prescriber', 'nurse']) {
    const all = await inbox(who, '&open=false');
    const done = all.items.find((x) => x.id === A.alert);
    assert.ok(done, `${who}: not in ?open=false`);
    assert.equal(done.acknowledged, true);
    assert.equal(done.ack.note, note, 'the first note stays, not the refused second one');
    assert.equal(done.ack.by, 'therapist');
  }
  const chart = (await patientAlerts(A.p.id, '?open=false')).items.find((x) => x.id === A.alert);
  assert.equal(chart.ack.note, note);
  expectError(await s.req('GET', `/api/v1/patients/${A.p.id}/alerts?open=maybe`, { as: 'nurse' }), 422, 'invalid', 'open');
});

test('a severe CIWA-Ar alert goes to prescribers and nurses, not therapists', async () => {
  const p = await newPatient();
  const r = await assessOk(p.id, { instrument: 'CIWA-Ar', answers: [3, 3, 3, 3, 3, 3, 2, 0, 0, 0] });
  assert.equal(r.total, 20);
  assert.equal(r.band, 'Severe');
  assert.equal(r.alerts.length, 1);
  assert.equal(r.alerts[0].kind, 'withdrawal');
  assert.equal(r.alerts[0].severity, 'high');
  const id = r.alerts[0].id;
  assert.ok((await inbox('prescriber')).items.some((x) => x.id === id));
  assert.ok((await inbox('nurse')).items.some((x) => x.id === id));
  assert.ok(!(await inbox('therapist')).items.some((x) => x.id === id), 'CIWA-Ar alerts are not for therapists');
  expectError(await s.req('POST', `/api/v1/alerts/${id}/ack`, { as: 'therapist', body: { note: 'saw it' } }), 403, 'forbidden');
  expectStatus(await s.req('POST', `/api/v1/alerts/${id}/ack`, { as: 'nurse', body: { note: 'Prescriber notified, dose given' } }), 200);
});

test('an alert left open past data/alerts.conf\'s time is escalated and shown to admins', async () => {
  const conf = readFileSync(path.join(ROOT, 'data/alerts.conf'), 'utf8');
  const minutes = Number(/^critical\s*=\s*(\d+)/m.exec(conf)[1]);
  const p = await newPatient();
  const r = await assessOk(p.id, { instrument: 'PHQ-9', answers: [0, 0, 0, 0, 0, 0, 0, 0, 3] });
  const id = r.alerts[0].id;
  let a = (await patientAlerts(p.id)).items.find((x) => x.id === id);
  assert.equal(a.escalated, false, 'fresh: not escalated');
  assert.ok(!(await inbox('admin')).items.some((x) => x.id === id), 'fresh: not in the admin inbox');
  // Raised a minute less than the escalation time ago: still not escalated.
  let u = dbExec(s, `UPDATE alert SET raised_at = '${instant(-(minutes - 1) * MIN)}' WHERE id = ${id}`);
  assert.equal(u.status, 0, u.stderr);
  a = (await patientAlerts(p.id)).items.find((x) => x.id === id);
  assert.equal(a.escalated, false);
  // A minute past it: escalated, and the site's admin sees it too.
  u = dbExec(s, `UPDATE alert SET raised_at = '${instant(-(minutes + 1) * MIN)}' WHERE id = ${id}`);
  assert.equal(u.status, 0, u.stderr);
  a = (await patientAlerts(p.id)).items.find((x) => x.id === id);
  assert.equal(a.escalated, true);
  const box = (await inbox('admin')).items.find((x) => x.id === id);
  assert.ok(box, 'escalated: in the admin inbox');
  assert.equal(box.escalated, true);
  assert.ok((await inbox('prescriber')).items.some((x) => x.id === id), 'still in the clinicians\' inbox');
  const ack = await s.req('POST', `/api/v1/alerts/${id}/ack`, { as: 'admin', body: { note: 'Escalated: on-call prescriber reached the patient' } });
  expectStatus(ack, 200);
  assert.equal(ack.json.escalated, false, 'an acknowledged alert is no longer escalated');
  assert.ok(!(await inbox('admin')).items.some((x) => x.id === id));
});

test('two clinicians acknowledging at once: exactly one succeeds', async () => {
  const p = await newPatient();
  const r = await assessOk(p.id, { instrument: 'PHQ-9', answers: [0, 0, 0, 0, 0, 0, 0, 0, 1] });
  const id = r.alerts[0].id;
  const who = ['prescriber', 'therapist', 'nurse', 'prescriber', 'therapist', 'nurse'];
  const res = await Promise.all(who.map((u, i) => s.req('POST', `/api/v1/alerts/${id}/ack`, { as: u, body: { note: `ack ${i}` } })));
  const codes = res.map((x) => x.status).sort();
  assert.deepEqual(codes, [200, 409, 409, 409, 409, 409], res.map((x) => x.text.slice(0, 120)).join('\n'));
  const won = res.find((x) => x.status === 200).json;
  const all = (await patientAlerts(p.id, '?open=false')).items.find((x) => x.id === id);
  assert.equal(all.ack.note, won.ack.note);
  assert.equal(all.ack.by, won.ack.by);
});

test('invalid assessments are refused with the field at fault and write nothing', async () => {
  const p = await newPatient();
  await assessOk(p.id, { instrument: 'PHQ-9', answers: [0, 0, 0, 0, 0, 0, 0, 0, 0] });
  const before = await assessments(p.id);
  assert.equal(before.items.length, 1);
  // Every bad body says item 9 = 3, so a write would also raise an alert.
  const nine = (over) => ({ instrument: 'PHQ-9', answers: [0, 0, 0, 0, 0, 0, 0, 0, 3], ...over });
  const obj = (over) => ({ 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 3, ...over });
  const cases = [
    ['8 answers', nine({ answers: [0, 0, 0, 0, 0, 0, 0, 3] }), 'answers'],
    ['10 answers', nine({ answers: [0, 0, 0, 0, 0, 0, 0, 0, 3, 0] }), 'answers'],
    ['no answers', { instrument: 'PHQ-9' }, 'answers'],
    ['PHQ-9 item 3 = 4 (array)', nine({ answers: [0, 0, 4, 0, 0, 0, 0, 0, 3] }), 'items.3'],
    ['PHQ-9 item 5 = 4 (object)', nine({ answers: obj({ 5: 4 }) }), 'items.5'],
    ['PHQ-9 item 1 = -1', nine({ answers: [-1, 0, 0, 0, 0, 0, 0, 0, 3] }), 'items.1'],
    ['PHQ-9 function = 4', nine({ answers: obj({ function: 4 }) }), 'items.function'],
    ['COWS pulse = 3', { instrument: 'COWS', answers: [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] }, 'items.pulse'],
    ['CIWA-Ar nausea = 8', { instrument: 'CIWA-Ar', answers: { nausea: 8, tremor: 0, sweats: 0, anxiety: 0, agitation: 0, tactile: 0, auditory: 0, visual: 0, headache: 0, orientation: 0 } }, 'items.nausea'],
    ['item 4 null', nine({ answers: [0, 0, 0, null, 0, 0, 0, 0, 3] }), 'answers', /\b4\b/],
    ['item 6 left out of the object', nine({ answers: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 7: 0, 8: 0, 9: 3 } }), 'answers', /\b6\b/],
    ['unknown instrument', nine({ instrument: 'PHQ-10' }), 'instrument'],
    ['no instrument', { answers: [0, 0, 0, 0, 0, 0, 0, 0, 3] }, 'instrument'],
    ['instrument not a string', nine({ instrument: 9 }), 'instrument'],
    ['unknown item id', nine({ answers: obj({ 10: 0 }) }), 'answers', /10/],
    ['answers a string', nine({ answers: '0,0,0,0,0,0,0,0,3' }), 'answers'],
    ['answers a number', nine({ answers: 3 }), 'answers'],
    ['answer a string', nine({ answers: [0, 0, '1', 0, 0, 0, 0, 0, 3] }), 'answers'],
    ['answer a fraction', nine({ answers: [0, 0, 1.5, 0, 0, 0, 0, 0, 3] }), 'answers'],
    ['administered_at a word', nine({ administered_at: 'yesterday' }), 'administered_at'],
    ['administered_at with milliseconds', nine({ administered_at: '2026-01-05T10:00:00.000Z' }), 'administered_at'],
    ['administered_at no zone', nine({ administered_at: '2026-01-05T10:00:00' }), 'administered_at'],
    ['administered_at 30 February', nine({ administered_at: '2026-02-30T10:00:00Z' }), 'administered_at'],
    ['administered_at 25:00', nine({ administered_at: '2026-01-05T25:00:00Z' }), 'administered_at'],
    ['administered_at tomorrow', nine({ administered_at: instant(DAY) }), 'administered_at'],
    ['administered_at in an hour', nine({ administered_at: instant(HOUR) }), 'administered_at'],
    ['unknown field', nine({ score: 3 }), 'score'],
  ];
  const problems = [];
  for (const [name, body, field, msg] of cases) {
    const r = await assess(p.id, body);
    if (r.status !== 422 || r.json?.error?.code !== 'invalid' || r.json?.error?.field !== field)
      problems.push(`${name}: expected 422 invalid field ${field}, got ${r.status} ${r.text.slice(0, 200)}`);
    else if (msg && !msg.test(r.json.error.message))
      problems.push(`${name}: message should name ${msg}: ${r.json.error.message}`);
  }
  assert.deepEqual(problems, [], problems.join('\n'));

  const after = await assessments(p.id);
  assert.deepEqual(after.items.map((x) => x.id), before.items.map((x) => x.id), 'an invalid assessment was stored');
  const alerts = await patientAlerts(p.id, '?open=false');
  assert.equal(alerts.total, 0, `an invalid assessment raised an alert: ${JSON.stringify(alerts.items)}`);

  // Somebody else's patient, or one that does not exist: 404, nothing written.
  expectError(await assess(p.id, nine({}), 'northnurse'), 404, 'not_found');
  expectError(await assess(999999, nine({})), 404, 'not_found');
  assert.equal((await assessments(p.id)).items.length, 1);
  assert.equal((await patientAlerts(p.id, '?open=false')).total, 0);
});

test('an assessment entered late keeps its administration time', async () => {
  const p = await newPatient();
  const at = instant(-3 * HOUR);
  const r = await assessOk(p.id, { instrument: 'PACS', answers: [1, 2, 1, 0, 2], administered_at: at });
  assert.equal(r.administered_at, at);
  assert.equal(r.total, 6);
  assert.ok(apart(r.recorded_at, instant()) < 120, 'recorded now');
  // Five minutes of clock skew are tolerated.
  const skew = await assessOk(p.id, { instrument: 'CRAVING', answers: [4], administered_at: instant(2 * MIN) });
  assert.equal(skew.total, 4);
});

// ---- lists and trends ----

test('assessments list oldest first with answers; trends give points, baseline, response and remission', async () => {
  const p = await newPatient();
  // Levels of care: detox, then residential, then outpatient.
  const ep = await s.req('POST', `/api/v1/patients/${p.id}/episodes`, { as: 'admin', body: { level: 'detox', admitted_on: day(-70) } });
  expectStatus(ep, 201);
  expectStatus(await s.req('POST', `/api/v1/episodes/${ep.json.id}/placements`, { as: 'admin', body: { level: 'residential', reason: 'withdrawal complete', started_on: day(-64) } }), 201);
  expectStatus(await s.req('POST', `/api/v1/episodes/${ep.json.id}/placements`, { as: 'admin', body: { level: 'outpatient', reason: 'step down', started_on: day(-30) } }), 201);

  // PHQ-9 totals 16, 12, 8, 3 (entered out of order), and a GAD-7 in between.
  const at = [instant(-60 * DAY), instant(-40 * DAY), instant(-20 * DAY), instant(-5 * DAY)];
  const answers = {
    16: [2, 2, 2, 2, 2, 2, 2, 1, 1],
    12: [2, 2, 2, 2, 1, 1, 1, 1, 0],
    8: [1, 1, 1, 1, 1, 1, 1, 1, 0],
    3: [1, 1, 1, 0, 0, 0, 0, 0, 0],
  };
  const totals = [16, 12, 8, 3];
  for (const i of [2, 0, 3, 1]) {
    const r = await assessOk(p.id, { instrument: 'PHQ-9', answers: answers[totals[i]], administered_at: at[i] }, 'therapist');
    assert.equal(r.total, totals[i]);
  }
  await assessOk(p.id, { instrument: 'GAD-7', answers: [1, 1, 1, 1, 1, 1, 1], administered_at: instant(-30 * DAY) });

  const list = await assessments(p.id, '?instrument=PHQ-9');
  assert.deepEqual(list.items.map((x) => x.administered_at), at, 'oldest first');
  assert.deepEqual(list.items.map((x) => x.total), totals);
  assert.deepEqual(list.items.map((x) => x.band), ['Moderately severe', 'Moderate', 'Mild', 'Minimal']);
  assert.ok(list.items.every((x) => x.instrument === 'PHQ-9'));
  assert.deepEqual(list.items[0].answers, { 1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 1, 9: 1, function: null });
  assert.deepEqual(Object.keys(list.items[3].answers), ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'function'], 'answers in item order');
  const all = await assessments(p.id);
  assert.equal(all.items.length, 5);
  assert.deepEqual(all.items.map((x) => x.instrument), ['PHQ-9', 'PHQ-9', 'GAD-7', 'PHQ-9', 'PHQ-9'],
    'the GAD-7 of day -30 sorts between the PHQ-9s');
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/assessments?instrument=NOPE`, { as: 'nurse' }), 422, 'invalid', 'instrument');
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/assessments?sort=desc`, { as: 'nurse' }), 422, 'invalid', 'sort');

  const t = await s.req('GET', `/api/v1/patients/${p.id}/trends?instrument=PHQ-9`, { as: 'nurse' });
  expectStatus(t, 200);
  const tr = t.json;
  assert.equal(tr.instrument, 'PHQ-9');
  assert.deepEqual(tr.points.map((x) => [x.at, x.total, x.band]), list.items.map((x) => [x.administered_at, x.total, x.band]));
  assert.deepEqual(tr.bands.map((b) => [b.min, b.max, b.label]), PHQ9.bands.map((b) => [b.min, b.max, b.label]));
  assert.equal(tr.baseline, 16);
  // Response and remission as the definition defines them.
  const o = PHQ9.outcomes;
  if (o) {
    assert.deepEqual(tr.outcomes && [tr.outcomes.response_drop_percent, tr.outcomes.baseline_min, tr.outcomes.remission_below],
      [o.response_drop_percent, o.baseline_min, o.remission_below]);
    assert.ok(16 >= o.baseline_min);
    // First follow-up at or below (100 - drop)% of the baseline: 8 is half of 16, 12 is not.
    const firstResponse = totals.findIndex((x, i) => i > 0 && x * 100 <= 16 * (100 - o.response_drop_percent));
    assert.equal(firstResponse, 2);
    assert.deepEqual(tr.response, { at: at[firstResponse], total: totals[firstResponse] });
    const firstRemission = totals.findIndex((x, i) => i > 0 && x < o.remission_below);
    assert.equal(firstRemission, 3);
    assert.deepEqual(tr.remission, { at: at[firstRemission], total: totals[firstRemission] });
  } else {
    assert.equal(tr.outcomes, null);
    assert.equal(tr.response, null);
    assert.equal(tr.remission, null);
  }
  assert.deepEqual(tr.placements.map((x) => [x.episode_id, x.level, x.started_on]), [
    [ep.json.id, 'detox', day(-70)],
    [ep.json.id, 'residential', day(-64)],
    [ep.json.id, 'outpatient', day(-30)],
  ]);
  assert.equal(tr.placements[2].ended_on, null);
  assert.equal(tr.time_zone, 'UTC');

  // GAD-7 defines no outcomes: no markers.
  const g = await s.req('GET', `/api/v1/patients/${p.id}/trends?instrument=GAD-7`, { as: 'therapist' });
  expectStatus(g, 200);
  assert.equal(g.json.points.length, 1);
  assert.equal(g.json.baseline, 7);
  if (!GAD7.outcomes) {
    assert.equal(g.json.outcomes, null);
    assert.equal(g.json.response, null);
    assert.equal(g.json.remission, null);
  }
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/trends`, { as: 'nurse' }), 422, 'invalid', 'instrument');
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/trends?instrument=NOPE`, { as: 'nurse' }), 422, 'invalid', 'instrument');
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/trends?instrument=PHQ-9`, { as: 'northnurse' }), 404, 'not_found');
});

test('trends mark no response when the baseline is below the definition\'s minimum', async () => {
  const p = await newPatient();
  // PHQ-9 8 then 3: a halving, but from a baseline under baseline_min.
  await assessOk(p.id, { instrument: 'PHQ-9', answers: [1, 1, 1, 1, 1, 1, 1, 1, 0], administered_at: instant(-30 * DAY) });
  await assessOk(p.id, { instrument: 'PHQ-9', answers: [1, 1, 1, 0, 0, 0, 0, 0, 0], administered_at: instant(-1 * DAY) });
  const t = await s.req('GET', `/api/v1/patients/${p.id}/trends?instrument=PHQ-9`, { as: 'prescriber' });
  expectStatus(t, 200);
  assert.equal(t.json.baseline, 8);
  assert.ok(!PHQ9.outcomes || 8 < PHQ9.outcomes.baseline_min);
  assert.equal(t.json.response, null);
  // A patient with nothing recorded: an empty trend.
  const q = await newPatient();
  const e = await s.req('GET', `/api/v1/patients/${q.id}/trends?instrument=PHQ-9`, { as: 'prescriber' });
  expectStatus(e, 200);
  assert.deepEqual(e.json.points, []);
  assert.equal(e.json.baseline, null);
  assert.equal(e.json.response, null);
  assert.equal(e.json.remission, null);
  assert.deepEqual(e.json.placements, []);
});

test('the assessment list pages like the other lists: total counts all, offset moves the page', async () => {
  const p = await newPatient();
  const at = [5, 4, 3, 2, 1].map((d) => instant(-d * DAY));
  const ids = [];
  for (const [i, t] of at.entries())
    ids.push((await assessOk(p.id, { instrument: 'CRAVING', answers: [i], administered_at: t })).id);
  const all = await assessments(p.id);
  assert.deepEqual(all.items.map((x) => x.id), ids);
  assert.equal(all.total, 5);
  const page = await assessments(p.id, '?limit=2');
  assert.equal(page.items.length, 2);
  assert.equal(page.limit, 2);
  const problems = [];
  if (page.total !== 5) problems.push(`?limit=2: total ${page.total}, should count all 5 assessments`);
  const next = await s.req('GET', `/api/v1/patients/${p.id}/assessments?limit=2&offset=2`, { as: 'nurse' });
  if (next.status === 200) {
    const seen = new Set(page.items.map((x) => x.id));
    if (next.json.offset !== 2) problems.push(`?limit=2&offset=2 answered offset ${next.json.offset}`);
    if (next.json.items.some((x) => seen.has(x.id)))
      problems.push(`?limit=2&offset=2 returned ids ${next.json.items.map((x) => x.id)}, the same as offset 0 (${[...seen]})`);
  } else if (next.status !== 422 || next.json?.error?.field !== 'offset') {
    problems.push(`?offset=2: ${next.status} ${next.text.slice(0, 200)}`);
  }
  assert.deepEqual(problems, [], problems.join('\n'));
});

// ---- withdrawal flowsheet ----

test('the CIWA-Ar flowsheet shows the protocol step of each score and when to reassess', async () => {
  const proto = PROTOCOLS['CIWA-Ar'];
  assert.ok(proto, 'data/protocols.conf has a CIWA-Ar section');
  const p = await newPatient();
  const t1 = instant(-3 * HOUR), t2 = instant(-2 * HOUR), t3 = instant(-30 * MIN);
  const a1 = await assessOk(p.id, { instrument: 'CIWA-Ar', answers: [1, 1, 1, 1, 1, 0, 0, 0, 0, 0], administered_at: t1 });
  assert.equal(a1.total, 5);
  const a2 = await assessOk(p.id, { instrument: 'CIWA-Ar', answers: [3, 3, 3, 3, 3, 3, 2, 0, 0, 0], administered_at: t2 });
  assert.equal(a2.total, 20);
  const a3 = await assessOk(p.id, { instrument: 'CIWA-Ar', answers: [3, 3, 2, 2, 2, 1, 1, 1, 1, 0], administered_at: t3 });
  assert.equal(a3.total, 16);
  assert.equal(a3.band, 'Moderate');

  const r = await s.req('GET', `/api/v1/patients/${p.id}/flowsheet?instrument=CIWA-Ar`, { as: 'nurse' });
  expectStatus(r, 200);
  const fs = r.json;
  assert.equal(fs.instrument, 'CIWA-Ar');
  assert.equal(fs.protocol, proto.name);
  assert.match(fs.note, /clinician/);
  assert.deepEqual(fs.points.map((x) => [x.administered_at, x.total]), [[t1, 5], [t2, 20], [t3, 16]]);
  const want = (total) => {
    const st = stepFor('CIWA-Ar', total);
    return { min: st.min, max: st.max, action: st.action, reassess_minutes: st.reassess_minutes, source: st.source };
  };
  assert.deepEqual(fs.points[0].step, want(5));
  assert.deepEqual(fs.points[1].step, want(20));
  assert.deepEqual(fs.points[2].step, want(16));
  assert.deepEqual([fs.points[2].step.min, fs.points[2].step.max], [10, 18], '16 is in the 10-18 step');
  assert.ok(fs.points[2].answers, 'each point carries its answers');
  assert.equal(fs.points[2].answers.nausea, 3);

  // Next: from the newest score, administered_at + that step's minutes.
  const step = want(16);
  assert.deepEqual(fs.next.step, step);
  assert.equal(fs.next.last_total, 16);
  assert.equal(fs.next.reassess_at, plusMinutes(t3, step.reassess_minutes));
  assert.equal(fs.next.overdue, Date.parse(fs.next.reassess_at) < Date.now());
  assert.equal(fs.next.overdue, false, `${step.reassess_minutes} minutes after 30 minutes ago is not yet past`);
});

test('the COWS flowsheet follows its own protocol; an instrument without one has no steps', async () => {
  const p = await newPatient();
  const at = instant(-3 * HOUR);
  // pulse 1, sweating 1, restlessness 1, pupils 1, aches 1, runny_nose 1, gi_upset 1, tremor 1: 8
  const a = await assessOk(p.id, { instrument: 'COWS', answers: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0], administered_at: at });
  assert.equal(a.total, 8);
  assert.equal(a.band, 'Mild');
  const r = await s.req('GET', `/api/v1/patients/${p.id}/flowsheet?instrument=COWS`, { as: 'prescriber' });
  expectStatus(r, 200);
  const st = stepFor('COWS', 8);
  assert.equal(r.json.protocol, PROTOCOLS.COWS.name);
  assert.deepEqual([r.json.next.step.min, r.json.next.step.max], [st.min, st.max]);
  assert.equal(r.json.next.step.action, st.action);
  assert.equal(r.json.next.step.reassess_minutes, st.reassess_minutes);
  assert.equal(r.json.next.reassess_at, plusMinutes(at, st.reassess_minutes));
  assert.equal(r.json.next.overdue, Date.parse(r.json.next.reassess_at) < Date.now());
  assert.equal(r.json.next.overdue, st.reassess_minutes < 180, 'three hours ago plus the step time');

  // No COWS yet: no next step.
  const q = await newPatient();
  const empty = await s.req('GET', `/api/v1/patients/${q.id}/flowsheet?instrument=COWS`, { as: 'nurse' });
  expectStatus(empty, 200);
  assert.deepEqual(empty.json.points, []);
  assert.equal(empty.json.next, null);

  // PHQ-9 has no protocol.
  await assessOk(p.id, { instrument: 'PHQ-9', answers: [0, 0, 0, 0, 0, 0, 0, 0, 0] });
  const phq = await s.req('GET', `/api/v1/patients/${p.id}/flowsheet?instrument=PHQ-9`, { as: 'nurse' });
  expectStatus(phq, 200);
  assert.equal(phq.json.protocol, null);
  assert.equal(phq.json.next, null);
  assert.equal(phq.json.points[0].step, null);
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/flowsheet`, { as: 'nurse' }), 422, 'invalid', 'instrument');
});

// ---- schedules ----

test('a PHQ-9 schedule is due now, leaves /due once given, and moves 14 days on', async () => {
  const p = await newPatient();
  const c = await s.req('POST', `/api/v1/patients/${p.id}/schedules`, {
    as: 'prescriber',
    body: { instrument: 'PHQ-9', every_days: 14, reason: 'Outpatient measurement-based care' },
  });
  expectStatus(c, 201);
  const sc = c.json;
  assert.equal(sc.instrument, 'PHQ-9');
  assert.equal(sc.every_minutes, 14 * 1440);
  assert.equal(sc.reason, 'Outpatient measurement-based care');
  assert.equal(sc.created_by, 'prescriber');
  assert.equal(sc.last_at, null);
  assert.ok(apart(sc.due_at, instant()) < 120, `never given: due now, got ${sc.due_at}`);

  const list = await schedules(p.id);
  const mine = list.items.find((x) => x.id === sc.id);
  assert.ok(mine, 'on the patient\'s schedule list');
  assert.equal(mine.last_at, null);
  assert.ok(apart(mine.due_at, instant()) < 120);
  const d = await due('nurse');
  const inDue = d.items.find((x) => x.id === sc.id);
  assert.ok(inDue, 'in the due list');
  assert.equal(inDue.patient.mrn, p.mrn);
  assert.equal(inDue.patient_id, p.id);
  assert.ok(!(await due('northnurse')).items.some((x) => x.id === sc.id), 'not in the other site\'s due list');

  const a = await assessOk(p.id, { instrument: 'PHQ-9', answers: [1, 0, 0, 0, 0, 0, 0, 0, 0] });
  const after = (await schedules(p.id)).items.find((x) => x.id === sc.id);
  assert.equal(after.last_at, a.administered_at);
  assert.equal(after.due_at, plusMinutes(a.administered_at, 14 * 1440));
  assert.equal(after.overdue, false);
  assert.ok(!(await due('nurse')).items.some((x) => x.id === sc.id), 'given: no longer due');
  assert.ok(!(await due('nurse', '?within_minutes=10080')).items.some((x) => x.id === sc.id), 'not due within a week either');
  expectError(await s.req('GET', '/api/v1/due?within_minutes=20000', { as: 'nurse' }), 422, 'invalid', 'within_minutes');

  // Stopping needs a reason and happens once.
  expectError(await s.req('POST', `/api/v1/schedules/${sc.id}/stop`, { as: 'therapist', body: {} }), 422, 'invalid', 'reason');
  expectError(await s.req('POST', `/api/v1/schedules/${sc.id}/stop`, { as: 'nurse', body: { reason: 'no' } }), 403, 'forbidden');
  expectError(await s.req('POST', `/api/v1/schedules/${sc.id}/stop`, { as: 'northnurse', body: { reason: 'no' } }), 403, 'forbidden');
  assert.ok((await schedules(p.id)).items.some((x) => x.id === sc.id), 'refused stops leave it');
  expectStatus(await s.req('POST', `/api/v1/schedules/${sc.id}/stop`, { as: 'therapist', body: { reason: 'Discharged to primary care' } }), 204);
  assert.ok(!(await schedules(p.id)).items.some((x) => x.id === sc.id), 'stopped: off the list');
  expectError(await s.req('POST', `/api/v1/schedules/${sc.id}/stop`, { as: 'prescriber', body: { reason: 'again' } }), 409, 'conflict');
  expectError(await s.req('POST', '/api/v1/schedules/999999/stop', { as: 'prescriber', body: { reason: 'none' } }), 404, 'not_found');
});

test('a schedule that started in the past is overdue; one starting later is not due yet', async () => {
  const p = await newPatient();
  const past = instant(-2 * DAY);
  const late = await s.req('POST', `/api/v1/patients/${p.id}/schedules`, {
    as: 'prescriber', body: { instrument: 'AUDIT-C', every_days: 1, starts_at: past, reason: 'daily while in residential' },
  });
  expectStatus(late, 201);
  assert.equal(late.json.starts_at, past);
  const soon = instant(3 * DAY);
  const later = await s.req('POST', `/api/v1/patients/${p.id}/schedules`, {
    as: 'prescriber', body: { instrument: 'PACS', every_hours: 12, starts_at: soon, reason: 'after discharge' },
  });
  expectStatus(later, 201);
  const list = (await schedules(p.id)).items;
  const a = list.find((x) => x.id === late.json.id);
  const b = list.find((x) => x.id === later.json.id);
  assert.equal(a.due_at, past, 'never given: due from its start');
  assert.equal(a.overdue, true);
  assert.equal(b.due_at, soon);
  assert.equal(b.overdue, false);
  const d = await due('nurse');
  assert.ok(d.items.some((x) => x.id === late.json.id));
  assert.ok(!d.items.some((x) => x.id === later.json.id), 'starts in 3 days: not due now');
  const dues = d.items.map((x) => x.due_at);
  assert.deepEqual(dues, [...dues].sort(), 'most overdue first');
  const week = await due('nurse', '?within_minutes=10080');
  assert.ok(week.items.some((x) => x.id === later.json.id), 'due within the week');
  // An administration before the start does not count for it.
  await assessOk(p.id, { instrument: 'PACS', answers: [1, 1, 1, 1, 1] });
  const b2 = (await schedules(p.id)).items.find((x) => x.id === later.json.id);
  assert.equal(b2.last_at, null);
  assert.equal(b2.due_at, soon);
});

test('schedules: clinicians only, one valid interval, a reason; nothing written when refused', async () => {
  const p = await newPatient();
  const ok = { instrument: 'COWS', every_hours: 4, reason: 'Opioid withdrawal monitoring' };
  expectError(await s.req('POST', `/api/v1/patients/${p.id}/schedules`, { as: 'nurse', body: ok }), 403, 'forbidden');
  expectError(await s.req('POST', `/api/v1/patients/${p.id}/schedules`, { as: 'intake', body: ok }), 403, 'forbidden');
  const cases = [
    ['every_days 0', { instrument: 'PHQ-9', every_days: 0, reason: 'r' }, 'every_days'],
    ['every_days -14', { instrument: 'PHQ-9', every_days: -14, reason: 'r' }, 'every_days'],
    ['every_days "14"', { instrument: 'PHQ-9', every_days: '14', reason: 'r' }, 'every_days'],
    ['every_hours 1.5', { instrument: 'PHQ-9', every_hours: 1.5, reason: 'r' }, 'every_hours'],
    ['every_minutes 10 (under 15)', { instrument: 'COWS', every_minutes: 10, reason: 'r' }, 'every_minutes'],
    ['every_days 400 (over a year)', { instrument: 'PHQ-9', every_days: 400, reason: 'r' }, 'every_days'],
    ['two intervals', { instrument: 'PHQ-9', every_days: 14, every_hours: 2, reason: 'r' }, null],
    ['no interval', { instrument: 'PHQ-9', reason: 'r' }, null],
    ['no reason', { instrument: 'PHQ-9', every_days: 14 }, 'reason'],
    ['empty reason', { instrument: 'PHQ-9', every_days: 14, reason: '' }, 'reason'],
    ['unknown instrument', { instrument: 'PHQ-10', every_days: 14, reason: 'r' }, 'instrument'],
    ['no instrument', { every_days: 14, reason: 'r' }, 'instrument'],
    ['bad starts_at', { instrument: 'PHQ-9', every_days: 14, reason: 'r', starts_at: 'monday' }, 'starts_at'],
    ['unknown field', { instrument: 'PHQ-9', every_weeks: 2, reason: 'r' }, 'every_weeks'],
  ];
  const problems = [];
  for (const [name, body, field] of cases) {
    const r = await s.req('POST', `/api/v1/patients/${p.id}/schedules`, { as: 'prescriber', body });
    if (r.status !== 422 || r.json?.error?.code !== 'invalid')
      problems.push(`${name}: expected 422 invalid, got ${r.status} ${r.text.slice(0, 200)}`);
    else if (field && r.json.error.field !== field)
      problems.push(`${name}: expected field ${field}, got ${r.json.error.field} (${r.json.error.message})`);
  }
  assert.equal((await schedules(p.id)).items.length, 0, 'a refused schedule was stored');
  assert.deepEqual(problems, [], problems.join('\n'));
  // The same body is fine for a prescriber.
  const c = await s.req('POST', `/api/v1/patients/${p.id}/schedules`, { as: 'prescriber', body: ok });
  expectStatus(c, 201);
  assert.equal(c.json.every_minutes, 240);
});

// ---- self check-in ----

const C = { p: null, ck: null, family: `Quennell${process.pid}`, birth: '1979-03-08' };

test('staff create a check-in: a 43-character link token, a 9-character code, a link', async () => {
  C.p = await newPatient({ family_name: C.family, given_name: 'Robin', birth_date: C.birth, phone: '+1 555-0142' });
  const r = await s.req('POST', `/api/v1/patients/${C.p.id}/checkins`, { as: 'intake', body: { instruments: ['PHQ-9', 'gad-7'] } });
  expectStatus(r, 201);
  C.ck = r.json;
  assert.match(C.ck.token, /^[A-Za-z0-9_-]{43}$/);
  assert.match(C.ck.code, /^[A-Z0-9]{9}$/);
  assert.equal(C.ck.link, `/checkin/${C.ck.token}`);
  assert.deepEqual(C.ck.instruments, ['PHQ-9', 'GAD-7']);
  assert.ok(Math.abs(Date.parse(C.ck.expires_at) - (Date.now() + 60 * MIN)) < 120e3, `expires in an hour by default: ${C.ck.expires_at}`);
  assert.equal(typeof C.ck.id, 'number');
});

test('the public check-in page needs no login and shows the first name only', async () => {
  const r = await s.req('GET', `/api/v1/checkin/${C.ck.token}`);
  expectStatus(r, 200);
  assert.equal(r.json.greeting, 'Robin');
  for (const secret of [C.family, C.p.mrn, C.birth, '555-0142'])
    assert.ok(!r.text.includes(secret), `the public page reveals ${secret}`);
  assert.equal(r.json.patient_id, undefined);
  assert.deepEqual(r.json.instruments.map((x) => x.code), ['PHQ-9', 'GAD-7']);
  assert.equal(r.json.instruments[0].item_list.length, 10);
  assert.equal(r.json.instruments[0].stem, PHQ9.stem);
  assert.equal(r.json.instruments[1].item_list.length, 7);
  assert.deepEqual(r.json.instruments[1].item_list[0].options.map((o) => o.value), [0, 1, 2, 3]);
  assert.equal(r.json.expires_at, C.ck.expires_at);

  // The tablet code works too: lower case, with dashes.
  const lower = C.ck.code.toLowerCase();
  const dashed = `${lower.slice(0, 3)}-${lower.slice(3, 6)}-${lower.slice(6)}`;
  for (const code of [C.ck.code, lower, dashed]) {
    const byCode = await s.req('GET', `/api/v1/checkin/${code}`);
    expectStatus(byCode, 200);
    assert.equal(byCode.json.greeting, 'Robin');
    assert.ok(!byCode.text.includes(C.family));
  }
  // A staff token changes nothing on the public page.
  const staff = await s.req('GET', `/api/v1/checkin/${C.ck.token}`, { as: 'nurse' });
  expectStatus(staff, 200);
  assert.ok(!staff.text.includes(C.family));
});

test('unknown or tampered links and codes are 404', async () => {
  const t = C.ck.token;
  const i = 20;
  const tampered = t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
  const r = await s.req('GET', `/api/v1/checkin/${tampered}`);
  expectError(r, 404, 'not_found');
  assert.ok(!r.text.includes('Robin'));
  expectError(await s.req('POST', `/api/v1/checkin/${tampered}`, { body: { answers: [[0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]] } }), 404, 'not_found');
  const code = C.ck.code;
  const otherCode = code.slice(0, 4) + (code[4] === 'A' ? 'B' : 'A') + code.slice(5);
  expectError(await s.req('GET', `/api/v1/checkin/${otherCode}`), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/checkin/${code.slice(0, 8)}`), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/checkin/${t.slice(0, 42)}`), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/checkin/${t}x`), 404, 'not_found');
  // Not a code at all: no route.
  expectError(await s.req('GET', '/api/v1/checkin/abc.def'), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/checkin/${'A'.repeat(65)}`), 404, 'not_found');
  // The real one is untouched.
  expectStatus(await s.req('GET', `/api/v1/checkin/${C.ck.token}`), 200);
});

test('bad check-in answers are refused without using the check-in up', async () => {
  const phq = [0, 1, 1, 1, 0, 0, 0, 0, 2];
  const gad = [1, 1, 1, 1, 0, 0, 0];
  const p = (body) => s.req('POST', `/api/v1/checkin/${C.ck.token}`, { body });
  expectError(await p({ answers: [phq] }), 422, 'invalid', 'answers');
  expectError(await p({ answers: [phq, gad, gad] }), 422, 'invalid', 'answers');
  expectError(await p({ answers: { 'PHQ-9': phq, 'GAD-7': gad } }), 422, 'invalid', 'answers');
  expectError(await p({ answers: [phq, gad.slice(1)] }), 422, 'invalid', 'answers.1');
  expectError(await p({ answers: [[0, 1, 1, 4, 0, 0, 0, 0, 2], gad] }), 422, 'invalid', 'answers.0.items.4');
  const missing = await p({ answers: [phq, [1, 1, null, 1, 0, 0, 0]] });
  expectError(missing, 422, 'invalid');
  assert.match(missing.json.error.message, /\b3\b/, 'names the unanswered item');
  expectError(await p({}), 422, 'invalid', 'answers');
  expectError(await p({ answers: [phq, gad], total: 9 }), 422, 'invalid', 'total');
  expectStatus(await s.req('GET', `/api/v1/checkin/${C.ck.token}`), 200);
  assert.equal((await assessments(C.p.id)).items.length, 0, 'nothing on the chart yet');
});

test('submitting thanks the patient without scores; the chart gets both, answered by the patient', async () => {
  const r = await s.req('POST', `/api/v1/checkin/${C.ck.token}`, {
    body: { answers: [[0, 1, 1, 1, 0, 0, 0, 0, 2], [1, 1, 1, 1, 0, 0, 0]] },
  });
  expectStatus(r, 201);
  assert.match(r.json.message, /thank you/i);
  assert.equal(r.json.completed, 2);
  for (const word of ['total', 'band', 'severity', 'alert', 'suicide', 'Minimal', 'Mild'])
    assert.ok(!r.text.includes(word), `the patient's reply shows "${word}": ${r.text}`);

  const list = await assessments(C.p.id, '', 'therapist');
  assert.equal(list.items.length, 2);
  const [phq, gad] = list.items;
  assert.equal(phq.instrument, 'PHQ-9');
  assert.equal(phq.total, 5);
  assert.equal(phq.band, 'Mild');
  assert.equal(phq.answers['9'], 2);
  assert.equal(gad.instrument, 'GAD-7');
  assert.equal(gad.total, 4);
  for (const x of list.items) {
    assert.equal(x.answered_by, 'patient');
    assert.match(x.recorded_by, /checkin/);
    assert.ok(apart(x.administered_at, instant()) < 120);
  }

  // Item 9 = 2 raises the same alert as when staff enter it.
  const al = (await patientAlerts(C.p.id)).items;
  assert.equal(al.length, 1);
  assert.equal(al[0].kind, 'suicide_risk');
  assert.equal(al[0].severity, 'critical');
  assert.equal(al[0].assessment_id, phq.id);
  assert.match(al[0].found, /item 9 answered 2/);
  assert.ok((await inbox('nurse')).items.some((x) => x.id === al[0].id));
  C.alert = al[0].id;
  expectStatus(await s.req('POST', `/api/v1/alerts/${C.alert}/ack`, { as: 'prescriber', body: { note: 'Reviewed with patient on arrival' } }), 200);
});

test('a used check-in cannot be opened or answered again (409)', async () => {
  const answers = [[0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]];
  const again = await s.req('POST', `/api/v1/checkin/${C.ck.token}`, { body: { answers } });
  expectError(again, 409, 'conflict');
  assert.match(again.json.error.message, /already completed/);
  expectError(await s.req('GET', `/api/v1/checkin/${C.ck.token}`), 409, 'conflict');
  expectError(await s.req('GET', `/api/v1/checkin/${C.ck.code.toLowerCase()}`), 409, 'conflict');
  expectError(await s.req('POST', `/api/v1/checkin/${C.ck.code}`, { body: { answers } }), 409, 'conflict');
  assert.equal((await assessments(C.p.id)).items.length, 2, 'nothing more on the chart');
});

test('the greeting uses the preferred name when there is one', async () => {
  const p = await newPatient({ given_name: 'Roberta', family_name: `Vasquez${process.pid}` });
  const u = await s.req('PATCH', `/api/v1/patients/${p.id}`, { as: 'intake', body: { preferred_name: 'Bobbie', reason: 'patient asked' } });
  expectStatus(u, 200);
  const ck = await s.req('POST', `/api/v1/patients/${p.id}/checkins`, { as: 'nurse', body: { instruments: ['CRAVING'] } });
  expectStatus(ck, 201);
  const r = await s.req('GET', `/api/v1/checkin/${ck.json.token}`);
  expectStatus(r, 200);
  assert.equal(r.json.greeting, 'Bobbie');
  assert.ok(!r.text.includes('Vasquez'));
});

test('the same check-in submitted many times at once is recorded once', async () => {
  const p = await newPatient();
  const ck = await s.req('POST', `/api/v1/patients/${p.id}/checkins`, { as: 'nurse', body: { instruments: ['PHQ-9'] } });
  expectStatus(ck, 201);
  const keys = [ck.json.token, ck.json.code, ck.json.token, ck.json.code.toLowerCase(), ck.json.token, ck.json.code];
  const res = await Promise.all(keys.map((k) => s.req('POST', `/api/v1/checkin/${k}`, { body: { answers: [[0, 0, 0, 0, 0, 0, 0, 0, 1]] } })));
  const codes = res.map((x) => x.status).sort();
  assert.deepEqual(codes, [201, 409, 409, 409, 409, 409], res.map((x) => x.text.slice(0, 120)).join('\n'));
  assert.equal((await assessments(p.id)).items.length, 1);
  assert.equal((await patientAlerts(p.id)).items.length, 1, 'one alert, not one per attempt');
});

test('check-in creation: self-report instruments only, 5 to 1440 minutes', async () => {
  const p = await newPatient();
  const mk = (body, as = 'nurse') => s.req('POST', `/api/v1/patients/${p.id}/checkins`, { as, body });
  expectError(await mk({ instruments: ['COWS'] }), 422, 'invalid', 'instruments');
  expectError(await mk({ instruments: ['PHQ-9', 'CIWA-Ar'] }), 422, 'invalid', 'instruments');
  expectError(await mk({ instruments: ['PHQ-9', 'PHQ-9'] }), 422, 'invalid', 'instruments');
  expectError(await mk({ instruments: ['NOPE'] }), 422, 'invalid', 'instruments');
  expectError(await mk({ instruments: [] }), 422, 'invalid', 'instruments');
  expectError(await mk({ instruments: 'PHQ-9' }), 422, 'invalid', 'instruments');
  expectError(await mk({ instruments: [9] }), 422, 'invalid', 'instruments');
  expectError(await mk({}), 422, 'invalid', 'instruments');
  expectError(await mk({ instruments: ['PHQ-9', 'GAD-7', 'AUDIT-C', 'PACS', 'CRAVING', 'phq-9', 'gad-7'] }), 422, 'invalid', 'instruments');
  expectError(await mk({ instruments: ['PHQ-9'], expires_minutes: 4 }), 422, 'invalid', 'expires_minutes');
  expectError(await mk({ instruments: ['PHQ-9'], expires_minutes: 1441 }), 422, 'invalid', 'expires_minutes');
  expectError(await mk({ instruments: ['PHQ-9'], expires_minutes: -60 }), 422, 'invalid', 'expires_minutes');
  expectError(await mk({ instruments: ['PHQ-9'], expires_minutes: '60' }), 422, 'invalid', 'expires_minutes');
  expectError(await mk({ instruments: ['PHQ-9'], expires_minutes: 4294967301 }), 422, 'invalid', 'expires_minutes');
  expectError(await mk({ instruments: ['PHQ-9'], patient: 1 }), 422, 'invalid', 'patient');
  expectError(await mk({ instruments: ['PHQ-9'] }, 'northnurse'), 404, 'not_found');
  expectError(await s.req('POST', '/api/v1/patients/999999/checkins', { as: 'nurse', body: { instruments: ['PHQ-9'] } }), 404, 'not_found');

  const five = await mk({ instruments: ['CRAVING'], expires_minutes: 5 });
  expectStatus(five, 201);
  assert.ok(Math.abs(Date.parse(five.json.expires_at) - (Date.now() + 5 * MIN)) < 120e3);
  const day1 = await mk({ instruments: ['AUDIT-C', 'PACS', 'CRAVING', 'PHQ-9', 'GAD-7'], expires_minutes: 1440 });
  expectStatus(day1, 201);
  assert.ok(Math.abs(Date.parse(day1.json.expires_at) - (Date.now() + DAY)) < 120e3);
  // Every check-in gets its own token and code.
  assert.notEqual(five.json.token, day1.json.token);
  assert.notEqual(five.json.code, day1.json.code);
});

test('an expired check-in is gone (410) and cannot be answered', async () => {
  const p = await newPatient();
  const ck = await s.req('POST', `/api/v1/patients/${p.id}/checkins`, { as: 'therapist', body: { instruments: ['CRAVING'], expires_minutes: 5 } });
  expectStatus(ck, 201);
  expectStatus(await s.req('GET', `/api/v1/checkin/${ck.json.code}`), 200);
  // Time cannot be moved from here; move the expiry instead, as a database user could.
  const r = dbExec(s, `UPDATE checkin SET expires_at = '${instant(-MIN)}' WHERE id = ${ck.json.id}`);
  assert.equal(r.status, 0, r.stderr);
  expectError(await s.req('GET', `/api/v1/checkin/${ck.json.token}`), 410, 'gone');
  const sub = await s.req('POST', `/api/v1/checkin/${ck.json.code}`, { body: { answers: [[3]] } });
  expectError(sub, 410, 'gone');
  assert.match(sub.json.error.message, /expired/);
  assert.equal((await assessments(p.id)).items.length, 0);
});

test('the public check-in routes open nothing else', async () => {
  const ck = await s.req('POST', `/api/v1/patients/${C.p.id}/checkins`, { as: 'nurse', body: { instruments: ['CRAVING'] } });
  expectStatus(ck, 201);
  expectError(await s.req('GET', '/api/v1/patients'), 401, 'unauthorized');
  // Neither the link token nor the code is a session.
  for (const token of [ck.json.token, ck.json.code]) {
    expectError(await s.req('GET', '/api/v1/patients', { token }), 401, 'unauthorized');
    expectError(await s.req('GET', `/api/v1/patients/${C.p.id}`, { token }), 401, 'unauthorized');
    expectError(await s.req('GET', `/api/v1/patients/${C.p.id}/assessments`, { token }), 401, 'unauthorized');
    expectError(await s.req('GET', '/api/v1/me', { token }), 401, 'unauthorized');
  }
  // Staff routes next to the public ones still need a login.
  expectError(await s.req('GET', '/api/v1/instruments'), 401, 'unauthorized');
  expectError(await s.req('POST', `/api/v1/patients/${C.p.id}/checkins`, { body: { instruments: ['PHQ-9'] } }), 401, 'unauthorized');
  // Other methods on the public path are not allowed.
  const del = await s.req('DELETE', `/api/v1/checkin/${ck.json.token}`);
  expectError(del, 405, 'method_not_allowed');
  // The check-in is still usable by the patient.
  expectStatus(await s.req('POST', `/api/v1/checkin/${ck.json.token}`, { body: { answers: [{ now: 6 }] } }), 201);
  const last = (await assessments(C.p.id, '?instrument=CRAVING')).items;
  assert.equal(last.length, 1);
  assert.equal(last[0].total, 6);
  assert.equal(last[0].answered_by, 'patient');
});

// ---- audit ----

test('assessments, acknowledgements, schedules and check-ins are in the audit trail', async () => {
  // The item-9 patient: recorded by the nurse, acknowledged by the therapist.
  const a = await trail(A.p.id);
  const create = a.find((x) => x.action === 'assessment.create' && x.object_id === String(A.assessment.id));
  assert.ok(create, `no assessment.create row: ${JSON.stringify(a.map((x) => x.action))}`);
  assert.equal(create.outcome, 'ok');
  assert.equal(create.username, 'nurse');
  assert.equal(create.object_type, 'Assessment');
  assert.equal(create.patient_id, A.p.id);
  const ack = a.find((x) => x.action === 'alert.ack' && x.outcome === 'ok');
  assert.ok(ack, 'no alert.ack row');
  assert.equal(ack.username, 'therapist');
  assert.equal(ack.object_id, String(A.alert));
  assert.equal(ack.patient_id, A.p.id);
  assert.match(ack.detail, /C-SSRS/, 'the action note is kept with the acknowledgement');
  // The refusals are there too.
  const refused = a.filter((x) => x.action === 'alert.ack' && x.outcome !== 'ok');
  assert.ok(refused.some((x) => x.username === 'northnurse'), 'the other site\'s attempt is audited');
  assert.ok(refused.some((x) => x.username === 'prescriber'), 'the second acknowledgement is audited');
  assert.ok(a.some((x) => x.action === 'alert.list' && x.username === 'nurse'), 'reading the chart alerts is audited');

  // The check-in patient: created by intake, submitted by the patient.
  const c = await trail(C.p.id);
  const made = c.find((x) => x.action === 'checkin.create' && x.object_id === String(C.ck.id));
  assert.ok(made, `no checkin.create row: ${JSON.stringify(c.map((x) => x.action))}`);
  assert.equal(made.outcome, 'ok');
  assert.equal(made.username, 'intake');
  const sub = c.filter((x) => x.action === 'checkin.submit' && x.object_id === String(C.ck.id));
  const subOk = sub.find((x) => x.outcome === 'ok');
  assert.ok(subOk, `no checkin.submit ok row: ${JSON.stringify(sub)}`);
  assert.equal(subOk.patient_id, C.p.id);
  assert.equal(subOk.client_addr, '127.0.0.1');
  assert.ok(sub.some((x) => x.outcome === 'invalid'), 'refused answers are audited');
  assert.ok(c.some((x) => x.action === 'alert.ack' && x.outcome === 'ok' && x.username === 'prescriber'));
  // The trail does not carry the patient's answers or name.
  for (const x of c) assert.ok(!JSON.stringify(x).includes(C.family));
});

test('a reused check-in link is audited against its patient', async () => {
  // The second submission (409) was refused; the trail should say for whom.
  const c = await trail(C.p.id);
  const reuse = c.filter((x) => x.action === 'checkin.submit' && x.outcome === 'conflict');
  if (!reuse.length) {
    const all = await s.req('GET', '/api/v1/audit?limit=200', { as: 'auditor' });
    const anywhere = all.json.items.filter((x) => x.action === 'checkin.submit' && x.outcome === 'conflict');
    assert.fail(`no checkin.submit conflict row for patient ${C.p.id}; rows elsewhere: ${JSON.stringify(anywhere)}`);
  }
  assert.equal(reuse[0].object_id, String(C.ck.id));
  assert.equal(reuse[0].patient_id, C.p.id);
});

test('schedule changes are audited', async () => {
  const p = await newPatient();
  const sc = await s.req('POST', `/api/v1/patients/${p.id}/schedules`, { as: 'therapist', body: { instrument: 'GAD-7', every_days: 28, reason: 'anxiety follow-up' } });
  expectStatus(sc, 201);
  expectStatus(await s.req('POST', `/api/v1/schedules/${sc.json.id}/stop`, { as: 'prescriber', body: { reason: 'goal met' } }), 204);
  const t = await trail(p.id);
  const add = t.find((x) => x.action === 'schedule.create');
  assert.ok(add);
  assert.equal(add.outcome, 'ok');
  assert.equal(add.username, 'therapist');
  assert.equal(add.object_id, String(sc.json.id));
  const stop = t.find((x) => x.action === 'schedule.stop');
  assert.ok(stop);
  assert.equal(stop.outcome, 'ok');
  assert.equal(stop.username, 'prescriber');
  assert.equal(stop.detail, 'goal met');
});
