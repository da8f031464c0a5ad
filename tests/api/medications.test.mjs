// medications.test.mjs - orders, the MAT rules at ordering, titration,
// administrations exactly once, the dosing window and the MAR.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, day, patientBody } from './harness.mjs';

let s;
before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'prescriber', 'nurse', 'nurse2', 'therapist', 'intake', 'auditor', 'northnurse']);
});
after(async () => {
  await s?.close();
});

async function newPatient(over = {}) {
  const r = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody(over) });
  expectStatus(r, 201);
  return r.json;
}

const METHADONE = { medication: 'methadone', dose: 30, unit: 'mg', route: 'oral', frequency: 'daily' };
const order = (pid, body, as = 'prescriber') => s.req('POST', `/api/v1/patients/${pid}/orders`, { as, body });
let keySerial = 0;
const newKey = () => `k-${process.pid}-${++keySerial}`;
const dose = (oid, body, { as = 'nurse', key = newKey() } = {}) =>
  s.req('POST', `/api/v1/orders/${oid}/administrations`, { as, body, headers: key ? { 'Idempotency-Key': key } : {} });
const event = (oid, body, as = 'prescriber') => s.req('POST', `/api/v1/orders/${oid}/events`, { as, body });

async function methadonePatient(body = {}) {
  const p = await newPatient();
  const r = await order(p.id, { ...METHADONE, ...body });
  expectStatus(r, 201);
  return { p, o: r.json };
}

async function cows(pid, answers) {
  const r = await s.req('POST', `/api/v1/patients/${pid}/assessments`, {
    as: 'nurse',
    body: { instrument: 'COWS', answers },
  });
  expectStatus(r, 201);
  return r.json;
}
const COWS_8 = [2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const COWS_7 = [2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0];

// ---- ordering ----

test('an order answers its current state, and advice travels with it', async () => {
  const p = await newPatient();
  const r = await order(p.id, METHADONE);
  expectStatus(r, 201);
  assert.equal(r.json.medication, 'methadone');
  assert.equal(r.json.dose, 30);
  assert.equal(r.json.status, 'active');
  assert.equal(r.json.per_day, 1);
  assert.equal(r.json.start_on, day(0));
  assert.equal(r.json.created_by, 'prescriber');
  assert.ok(Array.isArray(r.json.alerts));
  for (const a of r.json.alerts) {
    assert.notEqual(a.severity, 'block');
    assert.ok(a.rule && a.message && a.why && a.source, JSON.stringify(a));
  }
  const list = await s.req('GET', `/api/v1/patients/${p.id}/orders`, { as: 'nurse' });
  expectStatus(list, 200);
  assert.deepEqual(list.json.items.map((o) => o.id), [r.json.id]);
});

test('bad orders are refused field by field and write nothing', async () => {
  const p = await newPatient();
  const cases = [
    [{ ...METHADONE, medication: 'unobtainium' }, 'medication'],
    [{ ...METHADONE, medication: 'Methadone' }, 'medication'],
    [{ ...METHADONE, unit: 'mL' }, 'unit'],
    [{ ...METHADONE, route: 'intravenous' }, 'route'],
    [{ ...METHADONE, frequency: 'hourly' }, 'frequency'],
    [{ ...METHADONE, dose: 0 }, 'dose'],
    [{ ...METHADONE, dose: -5 }, 'dose'],
    [{ ...METHADONE, dose: 'thirty' }, 'dose'],
    [{ ...METHADONE, start_on: '2026-02-30' }, 'start_on'],
    [{ ...METHADONE, start_on: day(-30) }, 'start_on'],
    [{ ...METHADONE, stop_on: day(-1) }, 'stop_on'],
    [{ ...METHADONE, indication_id: 999999 }, 'indication_id'],
    [{ ...METHADONE, colour: 'blue' }, 'colour'],
    [{ ...METHADONE, instructions: 'x'.repeat(501) }, 'instructions'],
  ];
  for (const [body, field] of cases) expectError(await order(p.id, body), 422, 'invalid', field);
  const list = await s.req('GET', `/api/v1/patients/${p.id}/orders?status=all`, { as: 'prescriber' });
  assert.equal(list.json.items.length, 0);
});

test('only a prescriber orders; other sites see nothing', async () => {
  const p = await newPatient();
  for (const as of ['admin', 'nurse', 'therapist', 'intake', 'auditor'])
    expectError(await order(p.id, METHADONE, as), 403, 'forbidden');
  const { o } = await methadonePatient();
  expectError(await s.req('GET', `/api/v1/orders/${o.id}`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await dose(o.id, { status: 'given', amount: 30 }, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/orders/${o.id}`, { as: 'intake' }), 403, 'forbidden');
  expectError(await dose(o.id, { status: 'given', amount: 30 }, { as: 'therapist' }), 403, 'forbidden');
});

test('naltrexone for a patient on methadone is blocked with an explanation; an override is kept', async () => {
  const { p, o } = await methadonePatient();
  const NTX = { medication: 'naltrexone', dose: 50, unit: 'mg', route: 'oral', frequency: 'daily' };
  const r = await order(p.id, NTX);
  expectError(r, 409, 'conflict');
  const blocks = r.json.alerts.filter((a) => a.severity === 'block');
  assert.ok(blocks.length >= 1);
  const withAgonist = blocks.find((a) => /methadone/i.test(a.message));
  assert.ok(withAgonist, JSON.stringify(r.json.alerts));
  assert.ok(withAgonist.why.length > 20 && withAgonist.source.length > 10);
  // Nothing was saved.
  let list = await s.req('GET', `/api/v1/patients/${p.id}/orders`, { as: 'prescriber' });
  assert.deepEqual(list.json.items.map((x) => x.id), [o.id]);

  const over = await order(p.id, { ...NTX, override_reason: 'Methadone taper ends today; addiction medicine consult agrees.' });
  expectStatus(over, 201);
  const kept = over.json.alerts.filter((a) => a.overridden);
  assert.ok(kept.length >= 1 && kept.every((a) => a.override_reason.startsWith('Methadone taper')));
  const got = await s.req('GET', `/api/v1/orders/${over.json.id}`, { as: 'nurse' });
  expectStatus(got, 200);
  assert.ok(got.json.alerts.some((a) => a.severity === 'block' && a.overridden));
  assert.equal(got.json.events[0].kind, 'start');
});

test('a buprenorphine induction is stopped without a recorded COWS at or above the threshold', async () => {
  const p = await newPatient();
  const BUP = { medication: 'buprenorphine', dose: 4, unit: 'mg', route: 'sublingual', frequency: 'daily' };
  const none = await order(p.id, BUP);
  expectError(none, 409, 'conflict');
  assert.ok(none.json.alerts.some((a) => a.severity === 'block' && /COWS/.test(a.message)), JSON.stringify(none.json));
  await cows(p.id, COWS_7);
  const low = await order(p.id, BUP);
  expectError(low, 409, 'conflict');
  assert.ok(low.json.alerts.some((a) => a.severity === 'block' && /7/.test(a.message)));
  await cows(p.id, COWS_8);
  const ok = await order(p.id, BUP);
  expectStatus(ok, 201);
  assert.ok(!ok.json.alerts.some((a) => a.severity === 'block'));
});

test('methadone above 50 mg on the first day is blocked; the label numbers are advice', async () => {
  const p = await newPatient();
  const r = await order(p.id, { ...METHADONE, dose: 60 });
  expectError(r, 409, 'conflict');
  assert.ok(r.json.alerts.some((a) => a.severity === 'block' && /50/.test(a.message)));
  const r40 = await order(p.id, { ...METHADONE, dose: 40 });
  expectStatus(r40, 201);
  assert.ok(r40.json.alerts.some((a) => a.severity === 'info'), JSON.stringify(r40.json.alerts));
});

// ---- changes and titration ----

test('dose changes, holds and discontinuation are new events with who and why', async () => {
  const { o } = await methadonePatient();
  expectError(await event(o.id, { kind: 'change', reason: 'x' }), 422, 'invalid', 'dose');
  expectError(await event(o.id, { kind: 'change', dose: 35 }), 422, 'invalid', 'reason');
  expectError(await event(o.id, { kind: 'explode', reason: 'x' }), 422, 'invalid', 'kind');
  expectError(await event(o.id, { kind: 'hold', dose: 3, reason: 'x' }), 422, 'invalid', 'dose');
  expectError(await event(o.id, { kind: 'change', dose: 35, reason: 'x' }, 'nurse'), 403, 'forbidden');
  const ch = await event(o.id, { kind: 'change', dose: 35, reason: 'still in withdrawal at peak' });
  expectStatus(ch, 201);
  assert.equal(ch.json.dose, 35);
  expectError(await event(o.id, { kind: 'resume', reason: 'x' }), 409, 'conflict');
  const hold = await event(o.id, { kind: 'hold', reason: 'sedated at the window' });
  expectStatus(hold, 201);
  assert.equal(hold.json.status, 'held');
  expectError(await dose(o.id, { status: 'given', amount: 35 }), 409, 'conflict');
  expectStatus(await event(o.id, { kind: 'resume', reason: 'alert, reassessed' }), 201);
  const stop = await event(o.id, { kind: 'discontinue', reason: 'transferred' });
  expectStatus(stop, 201);
  assert.equal(stop.json.status, 'discontinued');
  expectError(await event(o.id, { kind: 'change', dose: 40, reason: 'x' }), 409, 'conflict');
  const got = await s.req('GET', `/api/v1/orders/${o.id}`, { as: 'prescriber' });
  assert.deepEqual(got.json.events.map((e) => e.kind), ['start', 'change', 'hold', 'resume', 'discontinue']);
  assert.ok(got.json.events.every((e) => e.recorded_by === 'prescriber'));
  assert.ok(got.json.events.slice(1).every((e) => e.reason));
});

test('a titration plan generates steps, can be paused and resumed', async () => {
  const { o } = await methadonePatient();
  const bad = await s.req('POST', `/api/v1/orders/${o.id}/titration`, { as: 'prescriber', body: { step: 5, every_days: 3, target: 20 } });
  expectError(bad, 422, 'invalid', 'target');
  const t = await s.req('POST', `/api/v1/orders/${o.id}/titration`, { as: 'prescriber', body: { step: 5, every_days: 3, target: 50 } });
  expectStatus(t, 201);
  assert.equal(t.json.titrating, true);
  assert.deepEqual(t.json.titrations[0].steps.map((x) => [x.on, x.dose]),
    [[day(3), 35], [day(6), 40], [day(9), 45], [day(12), 50]]);
  assert.deepEqual(t.json.next_step, { on: day(3), dose: 35 });
  expectError(await s.req('POST', `/api/v1/orders/${o.id}/titration`, { as: 'prescriber', body: { step: 5, every_days: 3, target: 50 } }), 409, 'conflict');
  const pause = await s.req('POST', `/api/v1/orders/${o.id}/titration/pause`, { as: 'prescriber', body: { reason: 'drowsy' } });
  expectStatus(pause, 200);
  assert.equal(pause.json.titrating, false);
  assert.ok(pause.json.titrations[0].steps.every((x) => !x.applies));
  const resume = await s.req('POST', `/api/v1/orders/${o.id}/titration/resume`, { as: 'prescriber', body: { reason: 'alert again' } });
  expectStatus(resume, 200);
  assert.equal(resume.json.titrating, true);
  assert.deepEqual(resume.json.next_step, { on: day(1), dose: 35 });
  const steps = await s.req('POST', `/api/v1/orders/${o.id}/titration`, { as: 'prescriber', body: { steps: [{ day: 1, dose: 8 }] } });
  expectError(steps, 409, 'conflict');
});

// ---- administrations ----

test('a retried dose request records one dose; a reused key with another body is refused', async () => {
  const { p, o } = await methadonePatient();
  const key = newKey();
  const first = await dose(o.id, { status: 'given', amount: 30 }, { key });
  expectStatus(first, 201);
  assert.equal(first.json.status, 'given');
  assert.equal(first.json.amount, 30);
  assert.equal(first.json.dose_on, day(0));
  const again = await dose(o.id, { status: 'given', amount: 30 }, { key });
  expectStatus(again, 201);
  assert.equal(again.json.id, first.json.id);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  expectError(await dose(o.id, { status: 'given', amount: 25 }, { key }), 409, 'conflict', 'Idempotency-Key');
  const mar = await s.req('GET', `/api/v1/patients/${p.id}/mar`, { as: 'nurse' });
  expectStatus(mar, 200);
  const given = mar.json.orders[0].cells.filter((c) => c.status === 'given');
  assert.equal(given.length, 1);
});

test('two nurses racing for the same dose: one 201, one 409', async () => {
  for (let round = 0; round < 3; round++) {
    const { p, o } = await methadonePatient();
    const [a, b] = await Promise.all([
      dose(o.id, { status: 'given', amount: 30 }, { as: 'nurse' }),
      dose(o.id, { status: 'given', amount: 30 }, { as: 'nurse2' }),
    ]);
    assert.deepEqual([a.status, b.status].sort(), [201, 409]);
    const lost = a.status === 409 ? a : b;
    assert.match(lost.json.error.message, /already recorded|just now/);
    const mar = await s.req('GET', `/api/v1/patients/${p.id}/mar`, { as: 'nurse' });
    assert.equal(mar.json.orders[0].cells.filter((c) => c.status === 'given').length, 1);
  }
});

test('dose input is checked field by field', async () => {
  const { o } = await methadonePatient();
  expectError(await dose(o.id, { status: 'given', amount: 30 }, { key: null }), 422, 'invalid', 'Idempotency-Key');
  expectError(await dose(o.id, { status: 'given', amount: 30 }, { key: 'bad key!' }), 422, 'invalid', 'Idempotency-Key');
  expectError(await dose(o.id, { status: 'given' }), 422, 'invalid', 'amount');
  expectError(await dose(o.id, { status: 'given', amount: 31 }), 422, 'invalid', 'amount');
  expectError(await dose(o.id, { status: 'swallowed', amount: 30 }), 422, 'invalid', 'status');
  expectError(await dose(o.id, { status: 'refused', amount: 30 }), 422, 'invalid', 'amount');
  expectError(await dose(o.id, { status: 'given', amount: 30, dose_on: day(1) }), 422, 'invalid', 'dose_on');
  expectError(await dose(o.id, { status: 'given', amount: 30, dose_on: day(-10) }), 422, 'invalid', 'dose_on');
  expectError(await dose(o.id, { status: 'given', amount: 30, slot: 2 }), 422, 'invalid', 'slot');
  expectError(await dose(o.id, { status: 'given', amount: 30, days: 2 }), 422, 'invalid', 'days');
  expectError(await dose(999999, { status: 'given', amount: 30 }), 404, 'not_found');
  // Nothing was recorded: the dose is still due.
  expectStatus(await dose(o.id, { status: 'given', amount: 30 }), 201);
});

test('a twice-daily order needs a slot; each slot is one dose', async () => {
  const p = await newPatient();
  const r = await order(p.id, { medication: 'sertraline', dose: 50, unit: 'mg', route: 'oral', frequency: 'bid' });
  expectStatus(r, 201);
  expectError(await dose(r.json.id, { status: 'given', amount: 50 }), 422, 'invalid', 'slot');
  expectStatus(await dose(r.json.id, { status: 'given', amount: 50, slot: 1 }), 201);
  expectError(await dose(r.json.id, { status: 'given', amount: 50, slot: 1 }), 409, 'conflict');
  expectStatus(await dose(r.json.id, { status: 'refused', slot: 2 }), 201);
});

test('a dose entered in error is voided (kept) and can be recorded again', async () => {
  const { p, o } = await methadonePatient();
  const miss = await dose(o.id, { status: 'missed' });
  expectStatus(miss, 201);
  expectError(await s.req('POST', `/api/v1/administrations/${miss.json.id}/void`, { as: 'nurse', body: {} }), 422, 'invalid', 'reason');
  const v = await s.req('POST', `/api/v1/administrations/${miss.json.id}/void`, { as: 'nurse', body: { reason: 'patient arrived late' } });
  expectStatus(v, 200);
  assert.equal(v.json.voided, true);
  expectError(await s.req('POST', `/api/v1/administrations/${miss.json.id}/void`, { as: 'nurse', body: { reason: 'again' } }), 409, 'conflict');
  expectStatus(await dose(o.id, { status: 'given', amount: 30 }), 201);
  const mar = await s.req('GET', `/api/v1/patients/${p.id}/mar`, { as: 'nurse' });
  assert.deepEqual(mar.json.orders[0].cells.filter((c) => c.on === day(0)).map((c) => c.status), ['given']);
});

test('consecutive missed methadone doses wait for a prescriber to reassess', async () => {
  const { p, o } = await methadonePatient({ start_on: day(-3) });
  const q = await s.req('GET', `/api/v1/dosing`, { as: 'nurse' });
  expectStatus(q, 200);
  const item = q.json.items.find((i) => i.order.id === o.id);
  assert.equal(item.consecutive_missed, 3);
  assert.equal(item.needs_reassessment, true);
  const r = await dose(o.id, { status: 'given', amount: 30 });
  expectError(r, 409, 'conflict');
  assert.equal(r.json.alerts[0].rule, 'missed_doses');
  // A late entry of yesterday's dose (it was given, not charted) is allowed.
  expectStatus(await event(o.id, { kind: 'reassess', reason: 'seen: no withdrawal, continue 30 mg' }), 201);
  expectStatus(await dose(o.id, { status: 'given', amount: 30 }), 201);
  const mar = await s.req('GET', `/api/v1/patients/${p.id}/mar?from=${day(-3)}&to=${day(0)}`, { as: 'nurse' });
  assert.deepEqual(mar.json.orders[0].cells.map((c) => c.status), ['not_recorded', 'not_recorded', 'not_recorded', 'given']);
});

test('the dosing window lists who is due and what was given; the MAR range is bounded', async () => {
  const { p, o } = await methadonePatient();
  let q = await s.req('GET', `/api/v1/dosing`, { as: 'nurse' });
  let item = q.json.items.find((i) => i.order.id === o.id);
  assert.equal(item.patient.id, p.id);
  assert.equal(item.slots[0].status, 'due');
  assert.equal(item.order.dose, 30);
  const due = q.json.summary.due;
  expectStatus(await dose(o.id, { status: 'given', amount: 30 }), 201);
  q = await s.req('GET', `/api/v1/dosing`, { as: 'nurse' });
  item = q.json.items.find((i) => i.order.id === o.id);
  assert.equal(item.slots[0].status, 'given');
  assert.equal(item.slots[0].recorded_by, 'nurse');
  assert.equal(q.json.summary.due, due - 1);
  expectError(await s.req('GET', `/api/v1/dosing?date=2026-13-01`, { as: 'nurse' }), 422, 'invalid', 'date');
  expectError(await s.req('GET', `/api/v1/dosing`, { as: 'therapist' }), 403, 'forbidden');
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/mar?from=${day(-200)}`, { as: 'nurse' }), 422, 'invalid', 'from');
  expectError(await s.req('GET', `/api/v1/patients/${p.id}/mar`, { as: 'intake' }), 403, 'forbidden');
  const north = await s.req('GET', `/api/v1/dosing`, { as: 'northnurse' });
  expectStatus(north, 200);
  assert.ok(!north.json.items.some((i) => i.order.id === o.id));
});

test('doses and orders are audited', async () => {
  const { p, o } = await methadonePatient();
  expectStatus(await dose(o.id, { status: 'given', amount: 30 }), 201);
  const r = await s.req('GET', `/api/v1/audit?patient=${p.id}&limit=50`, { as: 'auditor' });
  const actions = r.json.items.map((x) => x.action);
  assert.ok(actions.includes('order.create'));
  assert.ok(actions.includes('administration.create'));
});

test('/metrics counts dose writes made through group commit, with no patient data', async () => {
  const { o } = await methadonePatient();
  expectStatus(await dose(o.id, { status: 'given', amount: 30 }), 201);
  const r = await s.req('GET', '/metrics');
  assert.equal(r.status, 200);
  const writes = Number(/^tandem_group_writes_total (\d+)$/m.exec(r.text)?.[1]);
  const commits = Number(/^tandem_group_commits_total (\d+)$/m.exec(r.text)?.[1]);
  assert.ok(writes >= 1 && commits >= 1 && commits <= writes, r.text.slice(0, 400));
  assert.match(r.text, /tandem_http_requests_total\{method="POST",route="\/api\/v1\/orders\/\{id\}\/administrations",status="2xx"\} \d+/);
  assert.doesNotMatch(r.text, /DEMO-|Patient|methadone/);
});
