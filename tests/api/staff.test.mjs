// staff.test.mjs - GET /api/v1/staff: who may be named as a clinician, site
// by site, and nothing else (no admins, auditors or intake, no other sites).
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus } from './harness.mjs';

let s;
before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'prescriber', 'nurse', 'therapist', 'intake', 'northnurse']);
});
after(async () => {
  await s?.close();
});

test('staff lists prescribers, nurses and therapists of the user\'s sites', async () => {
  const r = await s.req('GET', '/api/v1/staff', { as: 'therapist' });
  expectStatus(r, 200);
  const names = r.json.items.map((x) => x.username);
  for (const u of ['prescriber', 'nurse', 'therapist']) assert.ok(names.includes(u), JSON.stringify(r.json));
  for (const u of ['admin', 'auditor', 'intake', 'northnurse']) assert.ok(!names.includes(u), u);
  const t = r.json.items.find((x) => x.username === 'therapist');
  assert.deepEqual(t.roles, ['therapist']);
  assert.equal(typeof t.site_id, 'number');
  // The north nurse sees north's staff only.
  const north = await s.req('GET', '/api/v1/staff', { as: 'northnurse' });
  expectStatus(north, 200);
  assert.deepEqual(north.json.items.map((x) => x.username), ['northnurse']);
  // A site the user holds nothing at: 404; bad input: 422.
  expectError(await s.req('GET', `/api/v1/staff?site=${north.json.items[0].site_id}`, { as: 'therapist' }), 404, 'not_found');
  expectError(await s.req('GET', '/api/v1/staff?site=abc', { as: 'therapist' }), 422, 'invalid', 'site');
  expectError(await s.req('GET', '/api/v1/staff?who=1', { as: 'therapist' }), 422, 'invalid');
  expectError(await s.req('GET', '/api/v1/staff', { as: 'intake' }), 403, 'forbidden');
});
