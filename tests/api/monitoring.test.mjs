// monitoring.test.mjs - the monitoring schedule per patient and clinic-wide:
// ECG before methadone, within 30 days and yearly; drug screens; liver tests;
// lithium levels. What is due follows the orders and the results entered.
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

const ROUTE = { methadone: 'oral', naltrexone: 'oral', lithium: 'oral', acamprosate: 'oral' };

async function prescribe(pid, medication, dose, extra = {}) {
  const r = await s.req('POST', `/api/v1/patients/${pid}/orders`, {
    as: 'prescriber',
    body: { medication, dose, unit: 'mg', route: ROUTE[medication], frequency: 'daily', ...extra },
  });
  expectStatus(r, 201);
  return r.json;
}

async function monitoring(pid, as = 'nurse') {
  const r = await s.req('GET', `/api/v1/patients/${pid}/monitoring`, { as });
  expectStatus(r, 200);
  return r.json;
}

const item = (m, rule) => m.items.find((x) => x.rule === rule);

test('methadone: an ECG is due before the start, then within 30 days', async () => {
  const p = await newPatient();
  const o = await prescribe(p.id, 'methadone', 30);
  let m = await monitoring(p.id);
  assert.equal(m.patient_id, p.id);
  assert.equal(m.as_of, day(0));
  assert.equal(m.lead_days, 14);
  const ecg = item(m, 'methadone_ecg');
  assert.equal(ecg.what, 'ECG (QTc)');
  assert.equal(ecg.kind, 'ecg');
  assert.equal(ecg.medication, 'methadone');
  assert.equal(ecg.order_id, o.id);
  assert.equal(ecg.stage, 'baseline');
  assert.equal(ecg.due_on, day(0));
  assert.equal(ecg.status, 'due');
  assert.equal(ecg.last_done, null);
  assert.match(ecg.source, /Krantz/);
  const uds = item(m, 'methadone_uds');
  assert.equal(uds.stage, 'first');
  assert.equal(uds.due_on, day(45));
  assert.equal(uds.status, 'ok');
  assert.match(uds.source, /8\.12\(f\)\(6\)/);

  // The baseline ECG entered: the next one is due 30 days after the start.
  expectStatus(await s.req('POST', `/api/v1/patients/${p.id}/results`, { as: 'nurse', body: { kind: 'ecg', qtc_ms: 430 } }), 201);
  m = await monitoring(p.id, 'therapist');
  const after = item(m, 'methadone_ecg');
  assert.equal(after.stage, 'first');
  assert.equal(after.due_on, day(30));
  assert.equal(after.status, 'ok');
  assert.equal(after.last_done, day(0));
});

test('liver tests for naltrexone; lithium level after a start', async () => {
  const p = await newPatient();
  await prescribe(p.id, 'naltrexone', 50);
  const li = await prescribe(p.id, 'lithium', 300, { start_on: day(-3) });
  let m = await monitoring(p.id);
  assert.equal(item(m, 'naltrexone_lft').status, 'due');
  assert.equal(item(m, 'naltrexone_lft').stage, 'baseline');
  const lvl = item(m, 'lithium_level');
  assert.equal(lvl.order_id, li.id);
  assert.equal(lvl.due_on, day(4));
  assert.equal(lvl.status, 'due');
  assert.equal(item(m, 'lithium_renal').due_on, day(177));
  // Soonest first: what is due comes before what is not.
  const rank = { overdue: 0, due: 1, ok: 2 };
  for (let i = 1; i < m.items.length; i++)
    assert.ok(rank[m.items[i - 1].status] <= rank[m.items[i].status], JSON.stringify(m.items.map((x) => x.status)));
  // An AST counts as the liver test: the next one in 90 days.
  expectStatus(await s.req('POST', `/api/v1/patients/${p.id}/results`,
    { as: 'nurse', body: { kind: 'lab', code: 'ast', value: 28 } }), 201);
  m = await monitoring(p.id);
  assert.equal(item(m, 'naltrexone_lft').status, 'ok');
  assert.equal(item(m, 'naltrexone_lft').due_on, day(90));
});

test('the clinic list shows only what is due or overdue, one audit row per list', async () => {
  const due = await newPatient({ family_name: 'Monitordue' });
  await prescribe(due.id, 'methadone', 30);                    // baseline ECG due today
  const fine = await newPatient({ family_name: 'Monitorfine' });
  await prescribe(fine.id, 'methadone', 30);
  expectStatus(await s.req('POST', `/api/v1/patients/${fine.id}/results`, { as: 'nurse', body: { kind: 'ecg', qtc_ms: 420 } }), 201);

  const auditCount = async () => {
    const a = await s.req('GET', '/api/v1/audit?limit=200', { as: 'auditor' });
    return a.json.items.filter((x) => x.action === 'monitoring.list').length;
  };
  const before = await auditCount();
  const r = await s.req('GET', '/api/v1/monitoring', { as: 'nurse' });
  expectStatus(r, 200);
  assert.equal(await auditCount(), before + 1);
  assert.equal(r.json.truncated, false);
  const mine = r.json.items.filter((x) => x.patient.id === due.id);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].rule, 'methadone_ecg');
  assert.equal(mine[0].status, 'due');
  assert.equal(mine[0].patient.mrn, due.mrn);
  assert.match(mine[0].patient.name, /^Monitordue, /);
  assert.ok(!r.json.items.some((x) => x.patient.id === fine.id), 'a patient with nothing due is not listed');
  assert.ok(r.json.items.every((x) => x.status === 'due' || x.status === 'overdue'));

  // One site; another site's nurse sees none of these patients.
  const sites = (await s.req('GET', '/api/v1/sites', { as: 'nurse' })).json;
  const main = (sites.items || sites).find((x) => x.code === 'main');
  const one = await s.req('GET', `/api/v1/monitoring?site=${main.id}`, { as: 'prescriber' });
  expectStatus(one, 200);
  assert.ok(one.json.items.some((x) => x.patient.id === due.id));
  const north = await s.req('GET', '/api/v1/monitoring', { as: 'northnurse' });
  expectStatus(north, 200);
  assert.ok(!north.json.items.some((x) => x.patient.id === due.id));
  expectError(await s.req('GET', `/api/v1/monitoring?site=${main.id}`, { as: 'northnurse' }), 404, 'not_found', 'site');
  expectError(await s.req('GET', '/api/v1/monitoring?site=abc', { as: 'nurse' }), 422, 'invalid', 'site');
  expectError(await s.req('GET', '/api/v1/monitoring?colour=red', { as: 'nurse' }), 422, 'invalid');
});

test('who may see monitoring', async () => {
  const p = await newPatient();
  await prescribe(p.id, 'methadone', 30);
  expectStatus(await s.req('GET', `/api/v1/patients/${p.id}/monitoring`, { as: 'therapist' }), 200);
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/monitoring`, { as: 'intake' }), 403, 'forbidden');
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/monitoring`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('GET', '/api/v1/monitoring', { as: 'therapist' }), 403, 'forbidden');
  expectError(await s.req('GET', '/api/v1/monitoring', { as: 'intake' }), 403, 'forbidden');
  const a = await s.req('GET', `/api/v1/audit?patient=${p.id}&limit=50`, { as: 'auditor' });
  assert.ok(a.json.items.some((x) => x.action === 'monitoring.read' && x.outcome === 'ok'));
});
