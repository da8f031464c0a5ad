// triggers.test.mjs - triggers, coping strategies with effectiveness ratings
// over time, warning signs, support contacts, retiring items, and the
// printable relapse-prevention plan assembled from them.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, patientBody, day } from './harness.mjs';

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

const post = (path, body, as = 'therapist') => s.req('POST', path, { as, body });
async function created(path, body, as = 'therapist') {
  const r = await post(path, body, as);
  expectStatus(r, 201);
  return r.json.id;
}

test('triggers and coping strategies build a printable relapse-prevention plan', async () => {
  const p = await newPatient({ preferred_name: 'Sam' });
  const base = `/api/v1/patients/${p.id}`;
  const payday = await created(`${base}/triggers`, { category: 'situations', description: 'Payday Friday evenings' });
  const lonely = await created(`${base}/triggers`, { category: 'feelings', description: 'Loneliness after work' }, 'nurse');
  const bar = await created(`${base}/triggers`, { category: 'places', description: 'The bar on 5th street' });
  const call = await created(`${base}/coping-strategies`, { description: 'Call my sponsor', trigger_ids: [lonely, payday] });
  const walk = await created(`${base}/coping-strategies`, { description: 'Walk the long way home', trigger_ids: [bar, payday] });
  const urge = await created(`${base}/coping-strategies`, { description: 'Urge surfing (10 minutes)' });
  // Ratings over time, each a new row.
  for (const [id, eff, on] of [[call, 3, day(-14)], [call, 5, day(-7)], [walk, 2, day(-3)]]) {
    const r = await post(`/api/v1/coping-strategies/${id}/ratings`, { effectiveness: eff, rated_on: on, note: `rated ${eff}` });
    expectStatus(r, 201);
    assert.equal(r.json.patient_id, p.id);
  }
  await created(`${base}/warning-signs`, { description: 'Skipping meetings' });
  await created(`${base}/support-contacts`, { name: 'Jordan Lee', relationship: 'sponsor', phone: '+1 (555) 010-0199' });
  // The chart's view: everything with ratings.
  const chart = await s.req('GET', `${base}/triggers`, { as: 'prescriber' });
  expectStatus(chart, 200);
  assert.equal(chart.json.triggers.length, 3);
  const c = chart.json.coping_strategies.find((x) => x.id === call);
  assert.deepEqual(c.trigger_ids.sort(), [lonely, payday].sort());
  assert.deepEqual(c.ratings.map((r) => r.effectiveness), [3, 5]);
  assert.equal(c.latest_effectiveness, 5);
  assert.equal(c.mean_effectiveness, 4);
  assert.equal(c.latest_rated_on, day(-7));
  assert.equal(chart.json.coping_strategies.find((x) => x.id === urge).latest_effectiveness, null);
  assert.equal(chart.json.triggers[0].retired, false);
  // The printable plan: triggers by category with their strategies, best rated first.
  const plan = await s.req('GET', `${base}/relapse-prevention`, { as: 'nurse' });
  expectStatus(plan, 200);
  assert.equal(plan.json.patient.preferred_name, 'Sam');
  assert.equal(plan.json.patient.mrn, p.mrn);
  assert.deepEqual(plan.json.by_category.map((g) => g.category), ['places', 'feelings', 'situations']);
  const sit = plan.json.by_category.find((g) => g.category === 'situations').triggers[0];
  assert.equal(sit.description, 'Payday Friday evenings');
  assert.deepEqual(sit.coping.map((x) => x.description), ['Call my sponsor', 'Walk the long way home']);
  assert.deepEqual(plan.json.warning_signs.map((w) => w.description), ['Skipping meetings']);
  assert.equal(plan.json.contacts[0].phone, '+1 (555) 010-0199');
  assert.ok(plan.json.crisis_lines.some((l) => /988/.test(l)));
  assert.equal(plan.json.triggers[0].retired, undefined);
  // Retiring: gone from the plan, kept (marked) on the chart.
  const ret = await post(`${base}/relapse-prevention/retire`, { kind: 'trigger', id: bar, reason: 'Bar closed down' });
  expectStatus(ret, 200);
  expectError(await post(`${base}/relapse-prevention/retire`, { kind: 'trigger', id: bar, reason: 'again' }), 409, 'conflict');
  const plan2 = await s.req('GET', `${base}/relapse-prevention`, { as: 'nurse' });
  assert.ok(!plan2.text.includes('The bar on 5th street'));
  assert.deepEqual(plan2.json.coping_strategies.find((x) => x.id === walk).trigger_ids, [payday]);
  const chart2 = await s.req('GET', `${base}/triggers`, { as: 'nurse' });
  const gone = chart2.json.triggers.find((x) => x.id === bar);
  assert.equal(gone.retired, true);
  assert.equal(gone.retirement.reason, 'Bar closed down');
  // A retired trigger cannot be linked again.
  expectError(await post(`${base}/coping-strategies`, { description: 'x', trigger_ids: [bar] }), 422, 'invalid', 'trigger_ids');
  // Audited: each write and read on the patient's trail.
  const trail = await s.req('GET', `/api/v1/audit?patient=${p.id}&limit=100`, { as: 'auditor' });
  const actions = trail.json.items.map((x) => x.action);
  for (const a of ['trigger.create', 'coping.create', 'coping.rate', 'warning_sign.create', 'contact.create',
    'relapse_item.retire', 'trigger.list', 'relapse_plan.read'])
    assert.ok(actions.includes(a), `no ${a} in ${actions}`);
});

test('trigger inputs are checked; other sites and roles are refused', async () => {
  const p = await newPatient();
  const q = await newPatient();
  const base = `/api/v1/patients/${p.id}`;
  const cases = [
    [`${base}/triggers`, { category: 'weather', description: 'Rain' }, 'category'],
    [`${base}/triggers`, { category: 'people' }, 'description'],
    [`${base}/triggers`, { category: 'people', description: 'x'.repeat(501) }, 'description'],
    [`${base}/triggers`, { category: 'people', description: 'x', extra: 1 }, 'extra'],
    [`${base}/coping-strategies`, { description: 'x', trigger_ids: 'all' }, 'trigger_ids'],
    [`${base}/coping-strategies`, { description: 'x', trigger_ids: [999999] }, 'trigger_ids'],
    [`${base}/support-contacts`, { name: 'A', phone: 'call me' }, 'phone'],
    [`${base}/support-contacts`, { relationship: 'friend' }, 'name'],
    [`${base}/warning-signs`, { description: '' }, 'description'],
    [`${base}/relapse-prevention/retire`, { kind: 'mood', id: 1, reason: 'x' }, 'kind'],
    [`${base}/relapse-prevention/retire`, { kind: 'trigger', id: -1, reason: 'x' }, 'id'],
    [`${base}/relapse-prevention/retire`, { kind: 'trigger', id: 1 }, 'reason'],
  ];
  for (const [path, body, field] of cases) expectError(await post(path, body), 422, 'invalid', field);
  // Another patient's trigger.
  const qt = await created(`/api/v1/patients/${q.id}/triggers`, { category: 'people', description: 'Old friends' });
  expectError(await post(`${base}/coping-strategies`, { description: 'x', trigger_ids: [qt] }), 422, 'invalid', 'trigger_ids');
  expectError(await post(`${base}/relapse-prevention/retire`, { kind: 'trigger', id: qt, reason: 'x' }), 404, 'not_found');
  // Ratings.
  const cs = await created(`${base}/coping-strategies`, { description: 'Breathing' });
  for (const [body, field] of [[{ effectiveness: 0 }, 'effectiveness'], [{ effectiveness: 6 }, 'effectiveness'],
    [{ effectiveness: 3, rated_on: day(2) }, 'rated_on'], [{ effectiveness: 3, rated_on: '2026-02-30' }, 'rated_on']])
    expectError(await post(`/api/v1/coping-strategies/${cs}/ratings`, body), 422, 'invalid', field);
  expectError(await post('/api/v1/coping-strategies/999999/ratings', { effectiveness: 3 }), 404, 'not_found');
  // Other site, other roles.
  expectError(await s.req('GET', `${base}/relapse-prevention`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await post(`/api/v1/coping-strategies/${cs}/ratings`, { effectiveness: 3 }, 'northnurse'), 404, 'not_found');
  expectError(await post(`${base}/triggers`, { category: 'people', description: 'x' }, 'northnurse'), 404, 'not_found');
  for (const as of ['intake', 'auditor']) {
    expectError(await s.req('GET', `${base}/triggers`, { as }), 403, 'forbidden');
    expectError(await post(`${base}/triggers`, { category: 'people', description: 'x' }, as), 403, 'forbidden');
  }
});
