// takehomes.test.mjs - methadone take-homes: eligibility by time in treatment
// with the six factors, the prescriber's decision, dispenses refused above the
// ceiling, clinic-closure doses, storage education, diversion, returned bottles.
//
// Orders are written through POST /patients/{id}/orders. An order may only be
// backdated a few days through the API, so "a patient on day 20" is made by
// moving the order's start in the database (as the clock would), then a
// prescriber's reassessment so the missed-dose rule does not hold the dose.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, day, patientBody, dbExec } from './harness.mjs';

let s;
before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'prescriber', 'nurse', 'therapist', 'intake', 'auditor', 'northnurse']);
});
after(async () => {
  await s?.close();
});

async function newPatient() {
  const r = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody() });
  expectStatus(r, 201);
  return r.json;
}

// A patient on methadone whose treatment day today is `treatmentDay`.
async function onMethadone(treatmentDay = 1, medication = 'methadone', dose = 30) {
  const p = await newPatient();
  const o = await s.req('POST', `/api/v1/patients/${p.id}/orders`, {
    as: 'prescriber',
    body: {
      medication, dose, unit: 'mg', route: medication === 'methadone' ? 'oral' : 'sublingual', frequency: 'daily',
      ...(medication === 'buprenorphine' ? { override_reason: 'COWS 14 charted on paper (test)' } : {}),
    },
  });
  expectStatus(o, 201);
  if (treatmentDay > 1) {
    const start = day(1 - treatmentDay);
    const r = dbExec(s, `UPDATE med_order SET start_on = '${start}' WHERE id = ${o.json.id};`
      + ` UPDATE med_order_event SET effective_on = '${start}' WHERE order_id = ${o.json.id} AND kind = 'start';`);
    assert.equal(r.status, 0, r.stderr);
    const re = await s.req('POST', `/api/v1/orders/${o.json.id}/events`,
      { as: 'prescriber', body: { kind: 'reassess', reason: 'back after take-homes review' } });
    expectStatus(re, 201);
  }
  return { patient: p, order: o.json };
}

const eligibility = (pid, as = 'prescriber') => s.req('GET', `/api/v1/patients/${pid}/take-homes/eligibility`, { as });
const decide = (pid, body, as = 'prescriber') => s.req('POST', `/api/v1/patients/${pid}/take-homes/decisions`, { as, body });

let keySeq = 0;
function dispense(orderId, body, as = 'nurse') {
  return s.req('POST', `/api/v1/orders/${orderId}/administrations`, {
    as,
    body: { status: 'take_home', ...body },
    headers: { 'Idempotency-Key': `th-${process.pid}-${++keySeq}` },
  });
}

// The nearest day (today or up to 6 days ahead) the clinic is closed: Sunday
// in data/takehome.conf. (Today included: the missed-dose rule counts the
// days before a future take-home day, so the nearest one keeps it quiet.)
function nextClosure() {
  for (let n = 0; n < 7; n++) if (new Date(Date.now() + n * 86400000).getUTCDay() === 0) return n;
  throw new Error('no Sunday in a week');
}
// The next open day (a weekday that is not a listed holiday is enough here).
function nextOpen(from = 1) {
  for (let n = from; n < from + 7; n++) {
    const d = new Date(Date.now() + n * 86400000);
    const iso = d.toISOString().slice(0, 10);
    if (d.getUTCDay() !== 0 && !['2026-12-25', '2027-01-01', '2026-11-26'].includes(iso)) return n;
  }
  throw new Error('no open day');
}

const factor = (e, id) => e.factors.find((f) => f.id === id);

test('the take-home view for a patient on day 20 allows at most 14', async () => {
  const { patient, order } = await onMethadone(20);
  const e = await eligibility(patient.id);
  expectStatus(e, 200);
  assert.equal(e.json.patient_id, patient.id);
  assert.equal(e.json.medication, 'methadone');
  assert.equal(e.json.treatment_start, day(-19));
  assert.equal(e.json.treatment_day, 20);
  assert.equal(e.json.max_days, 14);
  assert.equal(e.json.tier.from_day, 15);
  assert.equal(e.json.tier.max_days, 14);
  assert.match(e.json.tier.source, /8\.12\(i\)\(3\)/);
  assert.equal(e.json.closure_dose_allowed, true);
  assert.equal(e.json.decision, null);
  assert.equal(e.json.ceiling, 0);
  assert.deepEqual(e.json.factors.map((f) => f.id),
    ['substance_use', 'attendance', 'behaviour', 'diversion', 'storage', 'other']);
  for (const f of e.json.factors) {
    assert.equal(typeof f.title, 'string');
    assert.equal(typeof f.concern, 'boolean');
    assert.ok(f.evidence.length > 0, `${f.id} has no evidence line`);
    for (const ev of f.evidence) assert.equal(typeof ev.text, 'string');
  }

  // Above the ceiling: 422 naming approved_days, with the ceiling and its source.
  const over = await decide(patient.id, { approved_days: 15, reason: 'stable' });
  expectError(over, 422, 'invalid', 'approved_days');
  assert.match(over.json.error.message, /14/);
  assert.match(over.json.error.message, /8\.12\(i\)\(3\)\(ii\)/);

  // No decision: no take-homes but a closure dose.
  const none = await dispense(order.id, { days: 1, dose_on: day(nextOpen()) });
  expectError(none, 409, 'conflict');
  assert.match(none.json.error.message, /decision/);

  const d = await decide(patient.id, {
    approved_days: 14, reason: 'Stable for two weeks, storage reviewed',
    factors: { storage: { concern: false, note: 'lock box seen' }, other: 'none' },
  });
  expectStatus(d, 201);
  assert.equal(d.json.approved_days, 14);
  assert.equal(d.json.max_days, 14);
  assert.equal(d.json.treatment_day, 20);
  assert.equal(d.json.decided_by, 'prescriber');
  assert.deepEqual(d.json.factors, { other: 'none', storage: { concern: false, note: 'lock box seen' } });
  const e2 = await eligibility(patient.id, 'nurse');
  assert.equal(e2.json.ceiling, 14);
  assert.equal(e2.json.decision.id, d.json.id);
  assert.equal(e2.json.decision.reason, 'Stable for two weeks, storage reviewed');

  // A dispense of 15 days is refused; 14 goes through.
  const big = await dispense(order.id, { days: 15 });
  expectError(big, 409, 'conflict');
  assert.match(big.json.error.message, /ceiling of 14/);
  const ok = await dispense(order.id, { days: 14 });
  expectStatus(ok, 201);
  const list = await s.req('GET', `/api/v1/patients/${patient.id}/take-homes`, { as: 'nurse' });
  expectStatus(list, 200);
  assert.equal(list.json.items.length, 1);
  const th = list.json.items[0];
  assert.equal(th.first_on, day(1));
  assert.equal(th.days, 14);
  assert.equal(th.bottles, 14);
  assert.equal(th.outstanding, 14);
  assert.equal(th.returned, 0);
  assert.equal(th.due_back_on, day(15));
  assert.equal(th.last_on, day(14));
  assert.equal(th.decision_id, d.json.id);
  assert.equal(th.closure, false);
  assert.equal(th.overdue, false);
  // The patient now holds 14 days: one more dose would be 15.
  const more = await dispense(order.id, { days: 1, dose_on: day(15) });
  expectError(more, 409, 'conflict');
  assert.match(more.json.error.message, /hold 15 days/);
});

test('ceilings by time in treatment: day 14 → 7, day 15 → 14, day 31 → 28', async () => {
  for (const [d, max] of [[1, 7], [14, 7], [15, 14], [30, 14], [31, 28]]) {
    const { patient } = await onMethadone(d);
    const e = await eligibility(patient.id);
    expectStatus(e, 200);
    assert.equal(e.json.treatment_day, d);
    assert.equal(e.json.max_days, max, `day ${d}`);
  }
  // Without any methadone order there is no course and no supply.
  const p = await newPatient();
  const e = await eligibility(p.id);
  assert.equal(e.json.treatment_day, null);
  assert.equal(e.json.treatment_start, null);
  assert.equal(e.json.max_days, 0);
  assert.equal(e.json.tier, null);
  expectError(await decide(p.id, { approved_days: 1, reason: 'x' }), 422, 'invalid', 'approved_days');
  expectStatus(await decide(p.id, { approved_days: 0, reason: 'not in treatment' }), 201);
});

test('days 1-14: at most 7 take-home days in total', async () => {
  const { patient, order } = await onMethadone(3);
  const e = await eligibility(patient.id);
  assert.deepEqual(e.json.first_days, { through_day: 14, limit: 7, used: 0 });
  expectStatus(await decide(patient.id, { approved_days: 7, reason: 'early take-homes, good reasons' }), 201);
  expectError(await dispense(order.id, { days: 8 }), 409, 'conflict');
  expectStatus(await dispense(order.id, { days: 4 }), 201);               // days 4-7
  // The supply and the running total: 3 more after these 4 come back.
  const more = await dispense(order.id, { days: 4, dose_on: day(5) });    // would be 8
  expectError(more, 409, 'conflict');
  expectStatus(await dispense(order.id, { days: 3, dose_on: day(5) }), 201);
  assert.match(more.json.error.message, /hold 8 days|at most 7/);
  const e2 = await eligibility(patient.id);
  assert.equal(e2.json.first_days.used, 7);
});

test('a clinic-closure dose needs no decision, at any time in treatment', async () => {
  const { patient, order } = await onMethadone(1);
  const c = await dispense(order.id, { closure: true, dose_on: day(nextClosure()) });
  expectStatus(c, 201);
  const list = await s.req('GET', `/api/v1/patients/${patient.id}/take-homes`, { as: 'nurse' });
  assert.equal(list.json.items[0].closure, true);
  assert.equal(list.json.items[0].decision_id, null);
  // Not on an open day, and one dose only.
  expectError(await dispense(order.id, { closure: true, dose_on: day(nextOpen()) }), 409, 'conflict');
  const two = await dispense(order.id, { closure: true, days: 2, dose_on: day(nextClosure()) });
  assert.ok([409, 422].includes(two.status), two.text);
  // The eligibility says closure doses are always allowed; the ceiling is still 0.
  const e = await eligibility(patient.id);
  assert.equal(e.json.closure_dose_allowed, true);
  assert.equal(e.json.ceiling, 0);
});

test('buprenorphine take-homes have no time-in-treatment ceiling', async () => {
  const { order } = await onMethadone(1, 'buprenorphine', 8);
  expectStatus(await dispense(order.id, { days: 10 }), 201);
});

test('education, diversion and returned bottles are evidence', async () => {
  const { patient, order } = await onMethadone(40);
  let e = (await eligibility(patient.id)).json;
  assert.equal(e.education, null);
  assert.equal(factor(e, 'storage').concern, true);
  assert.equal(factor(e, 'diversion').concern, false);
  assert.equal(factor(e, 'behaviour').concern, false);
  assert.match(factor(e, 'behaviour').evidence[0].text, /does not record/);

  const ed = await s.req('POST', `/api/v1/patients/${patient.id}/take-homes/education`,
    { as: 'nurse', body: { note: 'Lock box, out of reach of children, bring bottles back' } });
  expectStatus(ed, 201);
  assert.equal(ed.json.recorded_by, 'nurse');
  e = (await eligibility(patient.id)).json;
  assert.equal(e.education.recorded_by, 'nurse');
  assert.equal(e.education.recorded_at, ed.json.recorded_at);
  assert.equal(factor(e, 'storage').concern, false);

  // Bottles out and back: 3 returned, 1 missing.
  expectStatus(await decide(patient.id, { approved_days: 4, reason: 'stable' }), 201);
  expectStatus(await dispense(order.id, { days: 4 }), 201);
  const th = (await s.req('GET', `/api/v1/patients/${patient.id}/take-homes`, { as: 'nurse' })).json.items[0];
  const ret = (body, as = 'nurse') => s.req('POST', `/api/v1/take-homes/${th.id}/returns`, { as, body });
  expectError(await ret({ bottles: 5, condition: 'returned' }), 422, 'invalid', 'bottles');
  expectError(await ret({ bottles: 0, condition: 'returned' }), 422, 'invalid', 'bottles');
  expectError(await ret({ bottles: 1, condition: 'lost' }), 422, 'invalid', 'condition');
  expectError(await ret({ bottles: 1 }), 422, 'invalid', 'condition');
  expectError(await ret({ bottles: '1', condition: 'returned' }), 422, 'invalid', 'bottles');
  const r1 = await ret({ bottles: 3, condition: 'returned', note: 'rinsed' });
  expectStatus(r1, 201);
  assert.equal(r1.json.dispense.returned, 3);
  assert.equal(r1.json.dispense.outstanding, 1);
  const r2 = await ret({ bottles: 1, condition: 'missing' }, 'prescriber');
  expectStatus(r2, 201);
  assert.equal(r2.json.dispense.missing, 1);
  assert.equal(r2.json.dispense.outstanding, 0);
  expectError(await ret({ bottles: 1, condition: 'returned' }), 409, 'conflict');
  e = (await eligibility(patient.id)).json;
  assert.equal(factor(e, 'diversion').concern, true);
  assert.ok(factor(e, 'diversion').evidence.some((x) => x.kind === 'bottle_returned'));

  // A documented diversion.
  const p2 = (await onMethadone(40)).patient;
  const div = (body, as = 'nurse') => s.req('POST', `/api/v1/patients/${p2.id}/diversions`, { as, body });
  expectError(await div({}), 422, 'invalid', 'note');
  expectError(await div({ note: 'sold', noted_on: day(1) }), 422, 'invalid', 'noted_on');
  expectError(await div({ note: 'sold', noted_on: '2026-02-30' }), 422, 'invalid', 'noted_on');
  const dv = await div({ note: 'Seen selling a dose outside', noted_on: day(-2) });
  expectStatus(dv, 201);
  assert.equal(dv.json.noted_on, day(-2));
  const e3 = (await eligibility(p2.id)).json;
  const f4 = factor(e3, 'diversion');
  assert.equal(f4.concern, true);
  assert.ok(f4.evidence.some((x) => x.kind === 'diversion' && x.on === day(-2)));
  expectError(await s.req('POST', '/api/v1/take-homes/999999/returns', { as: 'nurse', body: { bottles: 1, condition: 'returned' } }),
    404, 'not_found');
});

test('an unexpected positive screen is a concern; the prescribed medication is not', async () => {
  const { patient } = await onMethadone(20);
  const post = (body) => s.req('POST', `/api/v1/patients/${patient.id}/results`, { as: 'nurse', body });
  expectStatus(await post({ kind: 'uds', substance: 'methadone', result: 'positive' }), 201);
  let f1 = factor((await eligibility(patient.id)).json, 'substance_use');
  assert.equal(f1.concern, false);
  expectStatus(await post({ kind: 'uds', substance: 'fentanyl', result: 'positive' }), 201);
  f1 = factor((await eligibility(patient.id)).json, 'substance_use');
  assert.equal(f1.concern, true);
  assert.ok(f1.evidence.some((x) => x.kind === 'uds_positive' && /fentanyl/.test(x.text) && x.on === day(0)));
});

test('decision input is checked field by field', async () => {
  const { patient } = await onMethadone(20);
  const cases = [
    [{ reason: 'x' }, 'approved_days'],
    [{ approved_days: '7', reason: 'x' }, 'approved_days'],
    [{ approved_days: 1.5, reason: 'x' }, 'approved_days'],
    [{ approved_days: -1, reason: 'x' }, 'approved_days'],
    [{ approved_days: 7 }, 'reason'],
    [{ approved_days: 7, reason: '' }, 'reason'],
    [{ approved_days: 7, reason: 'x'.repeat(501) }, 'reason'],
    [{ approved_days: 7, reason: 'x', factors: [] }, 'factors'],
    [{ approved_days: 7, reason: 'x', factors: { mood: 'fine' } }, 'factors'],
    [{ approved_days: 7, reason: 'x', factors: { storage: 3 } }, 'factors'],
    [{ approved_days: 7, reason: 'x', factors: { storage: { concern: 'no' } } }, 'factors'],
    [{ approved_days: 7, reason: 'x', factors: { storage: { note: 'x'.repeat(501) } } }, 'factors'],
  ];
  const problems = [];
  for (const [body, field] of cases) {
    const r = await decide(patient.id, body);
    if (r.status !== 422 || r.json?.error?.field !== field)
      problems.push(`${JSON.stringify(body).slice(0, 80)}: expected 422 ${field}, got ${r.status} ${r.text.slice(0, 160)}`);
  }
  assert.deepEqual(problems, []);
  expectError(await decide(patient.id, { approved_days: 7, reason: 'x', colour: 1 }), 422, 'invalid');
  assert.equal((await eligibility(patient.id)).json.decision, null);
  expectError(await s.req('POST', `/api/v1/patients/${patient.id}/take-homes/education`, { as: 'nurse', body: { note: '' } }),
    422, 'invalid', 'note');
  expectError(await s.req('GET', `/api/v1/patients/${patient.id}/take-homes/eligibility?x=1`, { as: 'nurse' }), 422, 'invalid');
});

test('who may see and decide', async () => {
  const { patient } = await onMethadone(20);
  // A nurse cannot decide; a therapist or intake worker cannot see eligibility.
  expectError(await decide(patient.id, { approved_days: 7, reason: 'x' }, 'nurse'), 403, 'forbidden');
  expectError(await decide(patient.id, { approved_days: 7, reason: 'x' }, 'admin'), 403, 'forbidden');
  expectError(await eligibility(patient.id, 'therapist'), 403, 'forbidden');
  expectError(await eligibility(patient.id, 'intake'), 403, 'forbidden');
  expectError(await s.req('GET', `/api/v1/patients/${patient.id}/take-homes`, { as: 'therapist' }), 403, 'forbidden');
  // Another site's nurse: the patient does not exist for them.
  expectError(await eligibility(patient.id, 'northnurse'), 404, 'not_found');
  expectError(await s.req('POST', `/api/v1/patients/${patient.id}/take-homes/education`,
    { as: 'northnurse', body: { note: 'x' } }), 404, 'not_found');
  expectError(await eligibility(999999, 'nurse'), 404, 'not_found');
  // Reads and decisions are in the patient's audit trail.
  expectStatus(await eligibility(patient.id, 'nurse'), 200);
  expectStatus(await decide(patient.id, { approved_days: 2, reason: 'audited' }), 201);
  const a = await s.req('GET', `/api/v1/audit?patient=${patient.id}&limit=100`, { as: 'auditor' });
  const actions = a.json.items.map((x) => `${x.action}:${x.outcome}`);
  assert.ok(actions.includes('takehome.eligibility:ok'), actions.join(' '));
  assert.ok(actions.includes('takehome.decide:ok'));
  assert.ok(actions.includes('takehome.eligibility:denied') || actions.some((x) => x.startsWith('takehome.eligibility:')));
});
