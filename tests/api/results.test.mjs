// results.test.mjs - results (drug screens, breath alcohol, labs, ECG),
// allergies and the formulary.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, day, patientBody } from './harness.mjs';

let s;
before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'prescriber', 'nurse', 'therapist', 'intake', 'auditor', 'northnurse']);
});
after(async () => {
  await s?.close();
});

async function newPatient(over = {}) {
  const r = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody(over) });
  expectStatus(r, 201);
  return r.json;
}

const post = (pid, body, as = 'nurse') => s.req('POST', `/api/v1/patients/${pid}/results`, { as, body });

async function list(pid, query = '', as = 'nurse') {
  const r = await s.req('GET', `/api/v1/patients/${pid}/results${query}`, { as });
  expectStatus(r, 200);
  return r.json.items;
}

async function trail(pid) {
  const r = await s.req('GET', `/api/v1/audit?patient=${pid}&limit=200`, { as: 'auditor' });
  expectStatus(r, 200);
  return r.json.items;
}

// A UTC instant n minutes from now, to the second: "YYYY-MM-DDTHH:MM:SSZ".
const minutes = (n) => new Date(Date.now() + n * 60000).toISOString().slice(0, 19) + 'Z';

// ---- results ----

test('each result kind round-trips with its values', async () => {
  const p = await newPatient();
  const uds = await post(p.id, { kind: 'uds', substance: 'opioids', result: 'positive' });
  expectStatus(uds, 201);
  assert.equal(uds.json.kind, 'uds');
  assert.equal(uds.json.substance, 'opioids');
  assert.equal(uds.json.result, 'positive');
  assert.equal(uds.json.expected, false);
  assert.equal(uds.json.status, 'final');
  assert.equal(uds.json.patient_id, p.id);
  assert.equal(uds.json.recorded_by, 'nurse');
  assert.match(uds.json.taken_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  const exp = await post(p.id, { kind: 'uds', substance: 'methadone', result: 'positive', expected: true });
  expectStatus(exp, 201);
  assert.equal(exp.json.expected, true);

  const bac = await post(p.id, { kind: 'breath_alcohol', value: 0.05 });
  expectStatus(bac, 201);
  assert.equal(bac.json.kind, 'breath_alcohol');
  assert.equal(bac.json.value, 0.05);
  assert.equal(bac.json.unit, 'g/210L');

  const lab = await post(p.id, { kind: 'lab', code: 'creatinine_clearance', value: 25, unit: 'mL/min' });
  expectStatus(lab, 201);
  assert.equal(lab.json.code, 'creatinine_clearance');
  assert.equal(lab.json.value, 25);
  assert.equal(lab.json.unit, 'mL/min');
  // The unit may be left out: it comes from data/results.conf.
  const alt = await post(p.id, { kind: 'lab', code: 'alt', value: 42.5 });
  expectStatus(alt, 201);
  assert.equal(alt.json.unit, 'U/L');
  assert.equal(alt.json.value, 42.5);
  const li = await post(p.id, { kind: 'lab', code: 'lithium', value: 0.8 });
  expectStatus(li, 201);
  assert.equal(li.json.unit, 'mmol/L');
  assert.equal(li.json.value, 0.8);

  const ecg = await post(p.id, { kind: 'ecg', qtc_ms: 510 });
  expectStatus(ecg, 201);
  assert.equal(ecg.json.kind, 'ecg');
  assert.equal(ecg.json.qtc_ms, 510);

  // The list gives back the same values.
  const items = await list(p.id);
  assert.equal(items.length, 7);
  const byId = Object.fromEntries(items.map((x) => [x.id, x]));
  assert.equal(byId[bac.json.id].value, 0.05);
  assert.equal(byId[bac.json.id].unit, 'g/210L');
  assert.equal(byId[lab.json.id].value, 25);
  assert.equal(byId[lab.json.id].unit, 'mL/min');
  assert.equal(byId[alt.json.id].unit, 'U/L');
  assert.equal(byId[li.json.id].value, 0.8);
  assert.equal(byId[ecg.json.id].qtc_ms, 510);
  assert.equal(byId[uds.json.id].substance, 'opioids');
  assert.equal(byId[uds.json.id].result, 'positive');
  assert.equal(byId[exp.json.id].expected, true);
});

test('a value comes back with every digit entered', async () => {
  const p = await newPatient();
  const ast = await post(p.id, { kind: 'lab', code: 'ast', value: 1234.567 });
  expectStatus(ast, 201);
  assert.equal(ast.json.value, 1234.567);
  assert.equal((await list(p.id))[0].value, 1234.567);
});

test('taken_at backdates; the list is newest first and filters by kind', async () => {
  const p = await newPatient();
  const old = await post(p.id, { kind: 'ecg', qtc_ms: 440, taken_at: '2024-01-10T08:30:00Z' });
  expectStatus(old, 201);
  assert.equal(old.json.taken_at, '2024-01-10T08:30:00Z');
  const mid = await post(p.id, { kind: 'uds', substance: 'cocaine', result: 'negative', taken_at: minutes(-120) });
  expectStatus(mid, 201);
  const now = await post(p.id, { kind: 'breath_alcohol', value: 0 });
  expectStatus(now, 201);
  const older = await post(p.id, { kind: 'ecg', qtc_ms: 450, taken_at: '2023-06-01T00:00:00Z' });
  expectStatus(older, 201);

  const all = await list(p.id);
  assert.deepEqual(all.map((x) => x.id), [now.json.id, mid.json.id, old.json.id, older.json.id]);
  const ecgs = await list(p.id, '?kind=ecg');
  assert.deepEqual(ecgs.map((x) => x.id), [old.json.id, older.json.id]);
  assert.ok(ecgs.every((x) => x.kind === 'ecg'));
  assert.deepEqual((await list(p.id, '?kind=lab')), []);
  assert.deepEqual((await list(p.id, '?limit=1')).map((x) => x.id), [now.json.id]);
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/results?kind=blood`, { as: 'nurse' }), 422, 'invalid', 'kind');
});

test('bad input is 422 naming the field and writes nothing', async () => {
  const p = await newPatient();
  const cases = [
    [{ substance: 'opioids', result: 'positive' }, 'kind'],
    [{ kind: 'uds', substance: 'heroin', result: 'positive' }, 'substance'],
    [{ kind: 'uds', substance: 'Opioids', result: 'positive' }, 'substance'],
    [{ kind: 'uds', result: 'positive' }, 'substance'],
    [{ kind: 'uds', substance: 'opioids', result: 'pos' }, 'result'],
    [{ kind: 'uds', substance: 'opioids', result: 'inconclusive' }, 'result'],
    [{ kind: 'uds', substance: 'opioids' }, 'result'],
    [{ kind: 'uds', substance: 'opioids', result: 'negative', expected: true }, 'expected'],
    [{ kind: 'uds', substance: 'opioids', result: 'positive', expected: 'yes' }, 'expected'],
    [{ kind: 'breath_alcohol', value: 0.05, expected: true }, 'expected'],
    [{ kind: 'lab', code: 'alt', value: 40, expected: false }, 'expected'],
    [{ kind: 'breath_alcohol', value: 1.5 }, 'value'],
    [{ kind: 'breath_alcohol', value: -0.01 }, 'value'],
    [{ kind: 'breath_alcohol', value: '0.05' }, 'value'],
    [{ kind: 'breath_alcohol' }, 'value'],
    [{ kind: 'lab', code: 'creatinine_clearance', value: 300, unit: 'mL/min' }, 'value'],
    [{ kind: 'lab', code: 'creatinine_clearance', value: -1 }, 'value'],
    [{ kind: 'lab', code: 'creatinine_clearance', value: 25, unit: 'mL/s' }, 'unit'],
    [{ kind: 'lab', code: 'creatinine', value: 1.1, unit: 'mg/dl' }, 'unit'],
    [{ kind: 'lab', code: 'potassium', value: 4 }, 'code'],
    [{ kind: 'lab', value: 4 }, 'code'],
    [{ kind: 'ecg', qtc_ms: 5100 }, 'qtc_ms'],
    [{ kind: 'ecg', qtc_ms: 100 }, 'qtc_ms'],
    [{ kind: 'ecg', qtc_ms: 450.5 }, 'qtc_ms'],
    [{ kind: 'ecg' }, 'qtc_ms'],
    [{ kind: 'ecg', qtc_ms: 450, taken_at: minutes(60) }, 'taken_at'],
    [{ kind: 'ecg', qtc_ms: 450, taken_at: '2099-01-01T00:00:00Z' }, 'taken_at'],
    [{ kind: 'ecg', qtc_ms: 450, taken_at: '2024-01-10' }, 'taken_at'],
    [{ kind: 'ecg', qtc_ms: 450, taken_at: '2024-01-10 08:30:00' }, 'taken_at'],
    [{ kind: 'ecg', qtc_ms: 450, taken_at: '2024-02-30T08:30:00Z' }, 'taken_at'],
    [{ kind: 'ecg', qtc_ms: 450, taken_at: 'yesterday' }, 'taken_at'],
    // A field of another kind.
    [{ kind: 'lab', code: 'alt', value: 40, qtc_ms: 450 }, 'qtc_ms'],
    [{ kind: 'ecg', qtc_ms: 450, value: 450 }, 'value'],
    [{ kind: 'ecg', qtc_ms: 450, substance: 'opioids' }, 'substance'],
    [{ kind: 'uds', substance: 'opioids', result: 'positive', value: 1 }, 'value'],
    [{ kind: 'uds', substance: 'opioids', result: 'positive', code: 'alt' }, 'code'],
    [{ kind: 'breath_alcohol', value: 0.05, code: 'alt' }, 'code'],
    [{ kind: 'breath_alcohol', value: 0.05, result: 'positive' }, 'result'],
    [{ kind: 'lab', code: 'alt', value: 40, substance: 'opioids' }, 'substance'],
    [{ kind: 'urine', value: 1 }, 'kind'],
  ];
  const problems = [];
  for (const [body, field] of cases) {
    const r = await post(p.id, body);
    if (r.status !== 422 || r.json?.error?.code !== 'invalid' || r.json?.error?.field !== field)
      problems.push(`${JSON.stringify(body)}: expected 422 invalid field ${field}, got ${r.status} ${r.text.slice(0, 200)}`);
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(await list(p.id), []);
  // An unknown field is refused too.
  expectError(await post(p.id, { kind: 'ecg', qtc_ms: 450, colour: 'red' }), 422, 'invalid');
  assert.deepEqual(await list(p.id), []);
  // The bounds themselves are accepted.
  expectStatus(await post(p.id, { kind: 'breath_alcohol', value: 1 }), 201);
  expectStatus(await post(p.id, { kind: 'ecg', qtc_ms: 800 }), 201);
  expectStatus(await post(p.id, { kind: 'lab', code: 'creatinine_clearance', value: 250 }), 201);
  assert.equal((await list(p.id)).length, 3);
});

// An unknown kind is named as such, and a unit is never silently relabelled
// or dropped: each of these is 422 and writes nothing.
test('an unknown kind is named; a unit the kind is not recorded in is refused', async () => {
  const p = await newPatient();
  const cases = [
    [{ kind: 'urine' }, 'kind'],
    [{ kind: 'breath_alcohol', value: 0.05, unit: 'mg/L' }, 'unit'],
    [{ kind: 'ecg', qtc_ms: 450, unit: 's' }, 'unit'],
    [{ kind: 'uds', substance: 'opioids', result: 'positive', unit: 'ng/mL' }, 'unit'],
  ];
  const problems = [];
  for (const [body, field] of cases) {
    const r = await post(p.id, body);
    if (r.status !== 422 || r.json?.error?.code !== 'invalid' || r.json?.error?.field !== field)
      problems.push(`${JSON.stringify(body)}: expected 422 invalid field ${field}, got ${r.status} ${r.text.slice(0, 200)}`);
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(await list(p.id), []);
  // The unit a kind is recorded in is accepted.
  expectStatus(await post(p.id, { kind: 'breath_alcohol', value: 0.05, unit: 'g/210L' }), 201);
});

test('void: entered_in_error with a reason, once', async () => {
  const p = await newPatient();
  const r = await post(p.id, { kind: 'uds', substance: 'fentanyl', result: 'positive' });
  expectStatus(r, 201);
  const id = r.json.id;
  expectError(await s.req('POST', `/api/v1/results/${id}/void`, { as: 'nurse', body: {} }), 422, 'invalid', 'reason');
  expectError(await s.req('POST', `/api/v1/results/${id}/void`, { as: 'nurse', body: { reason: '' } }), 422, 'invalid', 'reason');
  assert.equal((await list(p.id))[0].status, 'final');
  const v = await s.req('POST', `/api/v1/results/${id}/void`, { as: 'nurse', body: { reason: 'wrong patient' } });
  expectStatus(v, 200);
  assert.equal(v.json.id, id);
  assert.equal(v.json.status, 'entered_in_error');
  assert.equal(v.json.status_reason, 'wrong patient');
  assert.equal(v.json.substance, 'fentanyl');
  const again = await s.req('POST', `/api/v1/results/${id}/void`, { as: 'prescriber', body: { reason: 'again' } });
  expectError(again, 409, 'conflict');
  const items = await list(p.id);
  assert.equal(items.length, 1);
  assert.equal(items[0].status, 'entered_in_error');
  assert.equal(items[0].status_reason, 'wrong patient');
  expectError(await s.req('POST', '/api/v1/results/999999/void', { as: 'nurse', body: { reason: 'x' } }), 404, 'not_found');
});

test('therapist reads but may not record or void; another site sees nothing', async () => {
  const p = await newPatient();
  const r = await post(p.id, { kind: 'ecg', qtc_ms: 460 });
  expectStatus(r, 201);
  assert.equal((await list(p.id, '', 'therapist')).length, 1);
  expectError(await post(p.id, { kind: 'ecg', qtc_ms: 470 }, 'therapist'), 403, 'forbidden');
  expectError(await s.req('POST', `/api/v1/results/${r.json.id}/void`, { as: 'therapist', body: { reason: 'x' } }), 403, 'forbidden');
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/results`, { as: 'intake' }), 403, 'forbidden');
  // northnurse works at another site: the patient does not exist for them.
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/results`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await post(p.id, { kind: 'ecg', qtc_ms: 470 }, 'northnurse'), 404, 'not_found');
  expectError(await s.req('POST', `/api/v1/results/${r.json.id}/void`, { as: 'northnurse', body: { reason: 'x' } }), 404, 'not_found');
  const items = await list(p.id);
  assert.equal(items.length, 1);
  assert.equal(items[0].status, 'final');
});

test('results are audited', async () => {
  const p = await newPatient();
  const r = await post(p.id, { kind: 'uds', substance: 'cocaine', result: 'positive' });
  expectStatus(r, 201);
  await list(p.id, '?kind=uds');
  expectStatus(await s.req('POST', `/api/v1/results/${r.json.id}/void`, { as: 'nurse', body: { reason: 'mislabelled cup' } }), 200);
  const a = await trail(p.id);
  const create = a.find((x) => x.action === 'result.create');
  assert.ok(create, 'no result.create row');
  assert.equal(create.username, 'nurse');
  assert.equal(create.object_id, String(r.json.id));
  assert.ok(a.some((x) => x.action === 'result.list' && x.username === 'nurse'), 'no result.list row');
  const v = a.find((x) => x.action === 'result.void');
  assert.ok(v, 'no result.void row');
  assert.equal(v.object_id, String(r.json.id));
  assert.match(v.detail, /mislabelled cup/);
});

// ---- allergies ----

const allergies = async (pid, as = 'nurse') => {
  const r = await s.req('GET', `/api/v1/patients/${pid}/allergies`, { as });
  expectStatus(r, 200);
  return r.json.items;
};
const addAllergy = (pid, body, as = 'nurse') => s.req('POST', `/api/v1/patients/${pid}/allergies`, { as, body });

test('an allergy names its formulary medication; a food allergy none', async () => {
  const p = await newPatient();
  const a = await addAllergy(p.id, { substance: 'Naltrexone', kind: 'drug', reaction: 'hives', severity: 'moderate', noted_on: '2020-03-01' });
  expectStatus(a, 201);
  assert.equal(a.json.substance, 'Naltrexone');
  assert.equal(a.json.medication, 'naltrexone');
  assert.equal(a.json.kind, 'drug');
  assert.equal(a.json.reaction, 'hives');
  assert.equal(a.json.severity, 'moderate');
  assert.equal(a.json.noted_on, '2020-03-01');
  assert.equal(a.json.status, 'active');
  assert.equal(a.json.patient_id, p.id);
  const food = await addAllergy(p.id, { substance: 'Peanuts', kind: 'food', severity: 'severe' });
  expectStatus(food, 201);
  assert.equal(food.json.medication, null);
  assert.equal(food.json.noted_on, null);
  // Defaults: kind drug, severity unknown.
  const d = await addAllergy(p.id, { substance: 'methadone' });
  expectStatus(d, 201);
  assert.equal(d.json.kind, 'drug');
  assert.equal(d.json.severity, 'unknown');
  assert.equal(d.json.medication, 'methadone');
  const items = await allergies(p.id);
  assert.deepEqual(items.map((x) => [x.substance, x.medication]),
    [['Naltrexone', 'naltrexone'], ['Peanuts', null], ['methadone', 'methadone']]);
});

test('the same active substance twice is a conflict, whatever the case', async () => {
  const p = await newPatient();
  const a = await addAllergy(p.id, { substance: 'Penicillin' });
  expectStatus(a, 201);
  expectError(await addAllergy(p.id, { substance: 'penicillin' }), 409, 'conflict', 'substance');
  expectError(await addAllergy(p.id, { substance: 'PENICILLIN', kind: 'drug' }), 409, 'conflict', 'substance');
  assert.equal((await allergies(p.id)).length, 1);
  // Once resolved, it may be recorded again.
  expectStatus(await s.req('POST', `/api/v1/allergies/${a.json.id}/status`, { as: 'nurse', body: { status: 'resolved', reason: 'desensitised' } }), 200);
  expectStatus(await addAllergy(p.id, { substance: 'penicillin' }), 201);
  assert.equal((await allergies(p.id)).length, 2);
});

test('bad allergy input is 422 naming the field and writes nothing', async () => {
  const p = await newPatient();
  const cases = [
    [{ kind: 'drug' }, 'substance'],
    [{ substance: '' }, 'substance'],
    [{ substance: 'Sulfa', kind: 'medicine' }, 'kind'],
    [{ substance: 'Sulfa', kind: 'Drug' }, 'kind'],
    [{ substance: 'Sulfa', severity: 'high' }, 'severity'],
    [{ substance: 'Sulfa', severity: 'life-threatening' }, 'severity'],
    [{ substance: 'Sulfa', noted_on: '2020-02-30' }, 'noted_on'],
    [{ substance: 'Sulfa', noted_on: '03/01/2020' }, 'noted_on'],
    [{ substance: 'Sulfa', noted_on: day(2) }, 'noted_on'],
  ];
  const problems = [];
  for (const [body, field] of cases) {
    const r = await addAllergy(p.id, body);
    if (r.status !== 422 || r.json?.error?.code !== 'invalid' || r.json?.error?.field !== field)
      problems.push(`${JSON.stringify(body)}: expected 422 invalid field ${field}, got ${r.status} ${r.text.slice(0, 200)}`);
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(await allergies(p.id), []);
  expectStatus(await addAllergy(p.id, { substance: 'Sulfa', noted_on: day(0) }), 201);
});

test('allergy status: resolved or entered_in_error, with a reason', async () => {
  const p = await newPatient();
  const a = (await addAllergy(p.id, { substance: 'Codeine', severity: 'mild' })).json;
  const b = (await addAllergy(p.id, { substance: 'Shellfish', kind: 'food' })).json;
  const url = (id) => `/api/v1/allergies/${id}/status`;
  expectError(await s.req('POST', url(a.id), { as: 'nurse', body: { status: 'resolved' } }), 422, 'invalid', 'reason');
  expectError(await s.req('POST', url(a.id), { as: 'nurse', body: { status: 'gone', reason: 'x' } }), 422, 'invalid', 'status');
  const r = await s.req('POST', url(a.id), { as: 'prescriber', body: { status: 'resolved', reason: 'tolerated a dose' } });
  expectStatus(r, 200);
  assert.equal(r.json.status, 'resolved');
  assert.equal(r.json.status_reason, 'tolerated a dose');
  expectError(await s.req('POST', url(a.id), { as: 'nurse', body: { status: 'resolved', reason: 'again' } }), 409, 'conflict');
  const e = await s.req('POST', url(b.id), { as: 'nurse', body: { status: 'entered_in_error', reason: 'wrong chart' } });
  expectStatus(e, 200);
  assert.equal(e.json.status, 'entered_in_error');
  expectError(await s.req('POST', url(b.id), { as: 'nurse', body: { status: 'active', reason: 'undo' } }), 409, 'conflict');
  const items = await allergies(p.id);
  assert.deepEqual(items.map((x) => [x.substance, x.status]), [['Codeine', 'resolved'], ['Shellfish', 'entered_in_error']]);
  expectError(await s.req('POST', url(999999), { as: 'nurse', body: { status: 'resolved', reason: 'x' } }), 404, 'not_found');
  expectError(await s.req('POST', url(a.id), { as: 'northnurse', body: { status: 'active', reason: 'x' } }), 404, 'not_found');
});

test('intake may record an allergy, therapist may only read', async () => {
  const p = await newPatient();
  const a = await addAllergy(p.id, { substance: 'Latex', kind: 'environment' }, 'intake');
  expectStatus(a, 201);
  assert.equal(a.json.recorded_by, 'intake');
  expectError(await addAllergy(p.id, { substance: 'Dust' }, 'therapist'), 403, 'forbidden');
  expectError(await s.req('POST', `/api/v1/allergies/${a.json.id}/status`, { as: 'therapist', body: { status: 'resolved', reason: 'x' } }), 403, 'forbidden');
  expectError(await s.req('POST', `/api/v1/allergies/${a.json.id}/status`, { as: 'intake', body: { status: 'resolved', reason: 'x' } }), 403, 'forbidden');
  assert.equal((await allergies(p.id, 'therapist')).length, 1);
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/allergies`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await addAllergy(p.id, { substance: 'Dust' }, 'northnurse'), 404, 'not_found');
  assert.equal((await allergies(p.id)).length, 1);
});

// ---- formulary ----

test('the formulary lists the medications with their codes and classes', async () => {
  const r = await s.req('GET', '/api/v1/formulary', { as: 'therapist' });
  expectStatus(r, 200);
  const by = Object.fromEntries(r.json.items.map((m) => [m.id, m]));
  const m = by.methadone;
  assert.ok(m, 'no methadone');
  assert.equal(m.rxcui, '6813');
  assert.equal(m.class, 'opioid_full_agonist');
  assert.equal(m.controlled, 'II');
  assert.equal(m.qt_prolonging, true);
  assert.equal(by.buprenorphine?.rxcui, '1819');
  assert.equal(by.naltrexone?.rxcui, '7243');
  assert.ok(by.disulfiram, 'no disulfiram');
  assert.equal(by.disulfiram.rxcui, null);
  // The list is the summary: no forms.
  assert.equal(m.forms, undefined);
});

test('one medication has its forms and usual dose; an unknown id is 404', async () => {
  const r = await s.req('GET', '/api/v1/formulary/methadone', { as: 'intake' });
  expectStatus(r, 200);
  assert.equal(r.json.id, 'methadone');
  assert.equal(r.json.rxcui, '6813');
  assert.ok(Array.isArray(r.json.forms) && r.json.forms.length > 0, r.text);
  assert.ok(r.json.forms.every((f) => typeof f.form === 'string' && Array.isArray(f.strengths)));
  assert.ok(Array.isArray(r.json.usual_dose) && r.json.usual_dose.length > 0, r.text);
  for (const d of r.json.usual_dose) {
    assert.equal(typeof d.min, 'number');
    assert.equal(typeof d.max, 'number');
    assert.ok(d.min <= d.max);
  }
  expectError(await s.req('GET', '/api/v1/formulary/heroin', { as: 'nurse' }), 404, 'not_found');
});
