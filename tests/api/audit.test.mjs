// audit.test.mjs - reads and refusals are audited; the trail is append-only
// and `tandem audit verify` detects an edited row.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, patientBody, dbExec } from './harness.mjs';

let s;
let P; // patient at main
let NP; // patient at north
let mainId;
let northId;

before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'nurse', 'auditor', 'therapist', 'northnurse', 'northintake']);
  const p = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody({ family_name: 'Auditson' }) });
  expectStatus(p, 201);
  P = p.json;
  const np = await s.req('POST', '/api/v1/patients', { as: 'northintake', body: patientBody({ family_name: 'Northaudit' }) });
  expectStatus(np, 201);
  NP = np.json;
  const sites = await s.req('GET', '/api/v1/sites', { as: 'admin' });
  mainId = sites.json.items.find((x) => x.code === 'main').id;
  northId = sites.json.items.find((x) => x.code === 'north').id;
});
after(async () => {
  await s?.close();
});

async function trail(q) {
  const r = await s.req('GET', '/api/v1/audit' + q, { as: 'auditor' });
  expectStatus(r, 200);
  return r.json;
}

// sqlite3 or psql on the server's database (see harness dbExec).
function sqlite(_db, sql) {
  return dbExec(s, sql);
}

test('a nurse reading a patient leaves a patient.read row', async () => {
  const t0 = Date.now();
  const r = await s.req('GET', `/api/v1/patients/${P.id}`, { as: 'nurse', headers: { 'X-Request-Id': 'audit-read-0001' } });
  expectStatus(r, 200);
  assert.equal(r.headers.get('x-request-id'), 'audit-read-0001');

  const a = await trail(`?patient=${P.id}`);
  const row = a.items.find((x) => x.action === 'patient.read' && x.username === 'nurse');
  assert.ok(row, `no patient.read row for nurse in ${JSON.stringify(a.items)}`);
  assert.equal(row.outcome, 'ok');
  assert.equal(row.patient_id, P.id);
  assert.equal(row.roles, 'nurse');
  assert.equal(row.site_id, mainId);
  assert.equal(row.object_type, 'Patient');
  assert.equal(row.object_id, String(P.id));
  assert.equal(row.client_addr, '127.0.0.1');
  assert.equal(row.request_id, 'audit-read-0001');
  assert.equal(typeof row.user_id, 'number');
  assert.match(row.at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.ok(Math.abs(Date.parse(row.at) - t0) < 120e3, `row time ${row.at}`);

  // Newest first; only this patient's rows; the creation is there too.
  assert.ok(a.items.every((x) => x.patient_id === P.id));
  const seqs = a.items.map((x) => x.seq);
  assert.deepEqual(seqs, [...seqs].sort((x, y) => y - x));
  assert.equal(a.total, a.items.length);
  const created = a.items.find((x) => x.action === 'patient.create');
  assert.ok(created);
  assert.equal(created.username, 'admin');
  assert.equal(created.outcome, 'ok');
  assert.ok(created.seq < row.seq);
  // The patient's name does not appear in the audit trail.
  assert.ok(!JSON.stringify(a).includes('Auditson'));
});

test('listing the trail is itself audited', async () => {
  await trail(`?patient=${P.id}`);
  const a = await trail(`?patient=${P.id}`);
  const row = a.items.find((x) => x.action === 'audit.read' && x.username === 'auditor');
  assert.ok(row, 'no audit.read row');
  assert.equal(row.outcome, 'ok');
  assert.equal(row.patient_id, P.id);
});

test('writes and failed writes are audited with their outcome', async () => {
  const d1 = await s.req('POST', `/api/v1/patients/${P.id}/diagnoses`, { as: 'admin', body: { code: 'F11.20' } });
  expectStatus(d1, 201);
  const d2 = await s.req('POST', `/api/v1/patients/${P.id}/diagnoses`, { as: 'admin', body: { code: 'F11.20' } });
  expectError(d2, 409, 'conflict');
  const a = await trail(`?patient=${P.id}`);
  const rows = a.items.filter((x) => x.action === 'diagnosis.create');
  assert.deepEqual(rows.map((x) => x.outcome), ['conflict', 'ok']);
  assert.equal(rows[1].object_type, 'Diagnosis');
  assert.equal(rows[1].object_id, String(d1.json.id));
  assert.equal(rows[1].detail, 'F11.20');
});

test('the therapist may not read the trail, and the refusal is audited', async () => {
  const r = await s.req('GET', '/api/v1/audit', { as: 'therapist' });
  expectError(r, 403, 'forbidden');
  const r2 = await s.req('GET', `/api/v1/audit?patient=${P.id}`, { as: 'therapist' });
  expectError(r2, 403, 'forbidden');
  const nurse = await s.req('GET', '/api/v1/audit', { as: 'nurse' });
  expectError(nurse, 403, 'forbidden');
  const a = await trail('?limit=10');
  const row = a.items.find((x) => x.action === 'route.denied' && x.username === 'therapist');
  assert.ok(row, 'no route.denied row for therapist');
  assert.equal(row.outcome, 'forbidden');
  assert.equal(row.detail, 'GET /api/v1/audit');
});

test("a north nurse's refused read of a main patient is audited as denied", async () => {
  const r = await s.req('GET', `/api/v1/patients/${P.id}`, { as: 'northnurse' });
  expectError(r, 404, 'not_found');
  const a = await trail(`?patient=${P.id}`);
  const row = a.items.find((x) => x.action === 'patient.read' && x.username === 'northnurse');
  assert.ok(row, 'the denied read is not in the trail');
  assert.equal(row.outcome, 'denied');
  assert.equal(row.patient_id, P.id);
  // A read of a patient that does not exist is audited as not_found, not denied.
  await s.req('GET', '/api/v1/patients/777777', { as: 'northnurse' });
  const all = await trail('?limit=5');
  const nf = all.items.find((x) => x.action === 'patient.read' && x.username === 'northnurse' && x.object_id === '777777');
  assert.ok(nf);
  assert.equal(nf.outcome, 'not_found');
});

test('a main auditor cannot read the trail of a north patient', async () => {
  await s.req('GET', `/api/v1/patients/${NP.id}`, { as: 'northnurse' });
  const r = await s.req('GET', `/api/v1/audit?patient=${NP.id}`, { as: 'auditor' });
  expectError(r, 404, 'not_found');
  // Admin (at both sites) can.
  const adm = await s.req('GET', `/api/v1/audit?patient=${NP.id}`, { as: 'admin' });
  expectStatus(adm, 200);
  assert.ok(adm.json.items.some((x) => x.action === 'patient.read' && x.username === 'northnurse'));
});

test("an auditor finds a patient's trail by MRN, only at their own sites", async () => {
  const r = await s.req('GET', `/api/v1/audit?mrn=${encodeURIComponent(P.mrn)}`, { as: 'auditor' });
  expectStatus(r, 200);
  assert.ok(r.json.items.length > 0);
  assert.ok(r.json.items.every((row) => row.patient_id === P.id));
  const other = await s.req('GET', `/api/v1/audit?mrn=${encodeURIComponent(NP.mrn)}`, { as: 'auditor' });
  expectError(other, 404, 'not_found', 'mrn');
  assert.doesNotMatch(other.json.error.message, new RegExp(String(NP.id)));
  const both = await s.req('GET', `/api/v1/audit?mrn=${encodeURIComponent(P.mrn)}&patient=${P.id}`, { as: 'auditor' });
  expectError(both, 422, 'invalid', 'mrn');
});

test('the unfiltered trail does not show a main auditor rows of north', async () => {
  // Same rule as ?patient=: rows about another site's patients (their ids,
  // who read them, placement reasons in `detail`) are not for this auditor.
  const e = await s.req('POST', `/api/v1/patients/${NP.id}/episodes`, { as: 'northintake', body: { level: 'detox' } });
  expectStatus(e, 201);
  expectStatus(await s.req('POST', `/api/v1/episodes/${e.json.id}/placements`, {
    as: 'northintake', body: { level: 'residential', reason: 'north-only clinical note' },
  }), 201);
  const a = await trail('?limit=200');
  // (the auditor's own refused attempt on the north patient may stay)
  const leaked = a.items.filter((x) => (x.site_id === northId || x.patient_id === NP.id) && x.username !== 'auditor');
  assert.deepEqual(
    leaked.map((x) => `${x.seq} ${x.action} ${x.username} patient=${x.patient_id} ${x.detail ?? ''}`),
    [],
    'north rows visible to an auditor who holds no role at north',
  );
});

test('the audit table is append-only and verify detects an edited row', async () => {
  await s.stop();

  let v = s.cli(['audit', 'verify']);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  const m = /^OK: (\d+) audit rows/m.exec(v.stdout);
  assert.ok(m, v.stdout);
  const rows = Number(m[1]);
  assert.ok(rows >= 20, `only ${rows} rows`);

  // UPDATE and DELETE are refused by triggers.
  let q = sqlite(s.db, "UPDATE audit SET action='x' WHERE seq=3");
  assert.notEqual(q.status, 0, 'an UPDATE of the audit table succeeded');
  assert.match(q.stderr, /append-only/);
  q = sqlite(s.db, 'DELETE FROM audit WHERE seq=5');
  assert.notEqual(q.status, 0, 'a DELETE from the audit table succeeded');
  assert.match(q.stderr, /append-only/);
  q = sqlite(s.db, 'SELECT action FROM audit WHERE seq=3');
  assert.equal(q.status, 0, q.stderr);
  assert.notEqual(q.stdout.trim(), 'x');
  v = s.cli(['audit', 'verify']);
  assert.equal(v.status, 0, v.stdout + v.stderr);

  // With the trigger dropped, an edit goes through, and verify names the row.
  q = sqlite(s.db, "DROP TRIGGER audit_no_update; UPDATE audit SET action='x' WHERE seq=3");
  assert.equal(q.status, 0, q.stderr);
  v = s.cli(['audit', 'verify']);
  assert.equal(v.status, 1, v.stdout + v.stderr);
  assert.match(v.stdout, /FAILED/);
  assert.match(v.stdout, /\brow 3\b/);
  assert.doesNotMatch(v.stdout, /^OK/m);
});

test('verify detects a deleted row', async () => {
  // (the server is stopped by now; the previous test edited row 3)
  const q = sqlite(s.db, 'DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit) - 1');
  assert.equal(q.status, 0, q.stderr);
  const v = s.cli(['audit', 'verify']);
  assert.equal(v.status, 1, v.stdout + v.stderr);
  assert.match(v.stdout, /FAILED/);
});
