// patients.test.mjs - register, diagnose, search, update: the walkthrough as admin.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, day } from './harness.mjs';

let s;
before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'intake', 'nurse']);
});
after(async () => {
  await s?.close();
});

const as = (o = {}) => ({ as: 'admin', ...o });
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

async function total(q = '') {
  const r = await s.req('GET', '/api/v1/patients' + q, as());
  expectStatus(r, 200);
  return r.json.total;
}

async function create(body, who = 'admin') {
  const r = await s.req('POST', '/api/v1/patients', { as: who, body });
  expectStatus(r, 201);
  return r.json;
}

test('walkthrough: register, two diagnoses make dual diagnosis, resolving one ends it', async () => {
  const r = await s.req('POST', '/api/v1/patients', as({
    body: { family_name: 'Rivera', given_name: 'Ana', birth_date: '1988-04-12' },
  }));
  expectStatus(r, 201);
  const p = r.json;
  assert.ok(Number.isInteger(p.id) && p.id > 0);
  assert.match(p.mrn, /^T\d{7}$/, 'an MRN is assigned');
  assert.equal(p.site, 'main');
  assert.equal(p.family_name, 'Rivera');
  assert.equal(p.given_name, 'Ana');
  assert.equal(p.birth_date, '1988-04-12');
  assert.equal(p.sex_at_birth, 'unknown', 'sex_at_birth defaults to unknown');
  assert.equal(p.dual_diagnosis, false);
  assert.equal(p.level, null);
  assert.equal(p.episode_id, null);
  assert.equal(p.version, 1);
  assert.match(p.created_at, INSTANT);
  assert.match(p.updated_at, INSTANT);
  assert.equal(p.preferred_name, null);
  assert.equal(p.emergency_contact, null);
  assert.deepEqual(p.address, { line: null, city: null, region: null, postal_code: null });

  // The same record comes back on GET.
  const g = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  expectStatus(g, 200);
  assert.deepEqual(g.json, p);

  // Opioid dependence: substance use.
  const d1 = await s.req('POST', `/api/v1/patients/${p.id}/diagnoses`, as({ body: { code: 'F11.20' } }));
  expectStatus(d1, 201);
  assert.equal(d1.json.code, 'F11.20');
  assert.equal(d1.json.category, 'substance_use');
  assert.equal(d1.json.substance, 'opioid');
  assert.equal(d1.json.pattern, 'dependence');
  assert.equal(d1.json.in_remission, false);
  assert.equal(d1.json.status, 'active');
  assert.equal(d1.json.patient_id, p.id);
  assert.equal(d1.json.recorded_by, 'admin');
  assert.equal(d1.json.resolved_on, null);

  // One diagnosis is not dual.
  let g2 = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.equal(g2.json.dual_diagnosis, false);

  // Depression, single episode, moderate: mental health.
  const d2 = await s.req('POST', `/api/v1/patients/${p.id}/diagnoses`, as({ body: { code: 'F32.1', onset_date: '2020-03-01' } }));
  expectStatus(d2, 201);
  assert.equal(d2.json.code, 'F32.1');
  assert.equal(d2.json.title, 'Major depressive disorder, single episode, moderate');
  assert.equal(d2.json.category, 'mental_health');
  assert.equal(d2.json.onset_date, '2020-03-01');
  assert.ok(!('substance' in d2.json), 'a mental-health code has no substance');

  g2 = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  expectStatus(g2, 200);
  assert.equal(g2.json.dual_diagnosis, true);

  // The list shows both, oldest first.
  const list = await s.req('GET', `/api/v1/patients/${p.id}/diagnoses`, as());
  expectStatus(list, 200);
  assert.equal(list.json.total, 2);
  assert.deepEqual(list.json.items.map((d) => [d.code, d.status]), [['F11.20', 'active'], ['F32.1', 'active']]);

  // The same code again while active is a duplicate (case and dot normalised).
  const dup = await s.req('POST', `/api/v1/patients/${p.id}/diagnoses`, as({ body: { code: 'f1120' } }));
  expectError(dup, 409, 'conflict', 'code');

  // Resolve F32.1: dual diagnosis ends.
  const res = await s.req('POST', `/api/v1/diagnoses/${d2.json.id}/status`, as({
    body: { status: 'resolved', reason: 'remitted after 6 months of therapy' },
  }));
  expectStatus(res, 200);
  assert.equal(res.json.id, d2.json.id);
  assert.equal(res.json.status, 'resolved');
  assert.equal(res.json.resolved_on, day(0));
  assert.equal(res.json.status_on, day(0));
  assert.equal(res.json.status_reason, 'remitted after 6 months of therapy');

  const g3 = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.equal(g3.json.dual_diagnosis, false);

  // Resolving again is a conflict; without a reason is refused.
  expectError(
    await s.req('POST', `/api/v1/diagnoses/${d2.json.id}/status`, as({ body: { status: 'resolved', reason: 'again' } })),
    409, 'conflict', 'status',
  );
  expectError(
    await s.req('POST', `/api/v1/diagnoses/${d2.json.id}/status`, as({ body: { status: 'active' } })),
    422, 'invalid', 'reason',
  );
  expectError(
    await s.req('POST', `/api/v1/diagnoses/${d2.json.id}/status`, as({ body: { status: 'cured', reason: 'x' } })),
    422, 'invalid', 'status',
  );
  // Resolution before onset is refused.
  expectError(
    await s.req('POST', `/api/v1/diagnoses/${d2.json.id}/status`, as({
      body: { status: 'active', reason: 'relapse', effective_on: '2019-01-01' },
    })),
    422, 'invalid', 'effective_on',
  );
  // Re-activating brings dual diagnosis back.
  const re = await s.req('POST', `/api/v1/diagnoses/${d2.json.id}/status`, as({ body: { status: 'active', reason: 'relapse' } }));
  expectStatus(re, 200);
  assert.equal(re.json.status, 'active');
  assert.equal(re.json.resolved_on, null);
  const g4 = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.equal(g4.json.dual_diagnosis, true);
  // Unknown diagnosis id.
  expectError(
    await s.req('POST', '/api/v1/diagnoses/999999/status', as({ body: { status: 'resolved', reason: 'x' } })),
    404, 'not_found',
  );
});

test('nicotine and in-remission codes classify as documented', async () => {
  const p = await create({ family_name: 'Okafor', given_name: 'Chidi', birth_date: '1979-11-30' });
  const nic = await s.req('POST', `/api/v1/patients/${p.id}/diagnoses`, as({ body: { code: 'F17.210' } }));
  expectStatus(nic, 201);
  assert.equal(nic.json.substance, 'nicotine');
  const rem = await s.req('POST', `/api/v1/patients/${p.id}/diagnoses`, as({ body: { code: 'F10.21' } }));
  expectStatus(rem, 201);
  assert.equal(rem.json.substance, 'alcohol');
  assert.equal(rem.json.in_remission, true);
  // Nicotine must be F17.2xx.
  expectError(
    await s.req('POST', `/api/v1/patients/${p.id}/diagnoses`, as({ body: { code: 'F17.1' } })),
    422, 'invalid', 'code',
  );
});

test('search by name fragment (any case), mrn and birth date, with paging', async () => {
  const before = await total();
  const a = await create({ family_name: 'Quillfeather', given_name: 'Maren', birth_date: '1961-07-19' });
  const b = await create({ family_name: 'Brandt', given_name: 'Quillon', birth_date: '1961-07-19' });
  const c = await create({ family_name: 'Quillfeather', given_name: 'Tobias', birth_date: '1990-02-03', preferred_name: 'Toby' });
  assert.equal(await total(), before + 3);

  // Case-insensitive fragment over family, given and preferred names.
  let r = await s.req('GET', '/api/v1/patients?q=QUILL', as());
  expectStatus(r, 200);
  assert.equal(r.json.total, 3);
  assert.deepEqual(new Set(r.json.items.map((x) => x.id)), new Set([a.id, b.id, c.id]));
  assert.equal(r.json.limit, 50);
  assert.equal(r.json.offset, 0);

  r = await s.req('GET', '/api/v1/patients?q=illfeath', as());
  assert.deepEqual(r.json.items.map((x) => x.id).sort(), [a.id, c.id].sort());
  r = await s.req('GET', '/api/v1/patients?q=toby', as());
  assert.deepEqual(r.json.items.map((x) => x.id), [c.id]);
  // LIKE wildcards are literal characters.
  r = await s.req('GET', '/api/v1/patients?q=' + encodeURIComponent('%'), as());
  assert.equal(r.json.total, 0);
  r = await s.req('GET', '/api/v1/patients?q=' + encodeURIComponent('Quill_'), as());
  assert.equal(r.json.total, 0);

  // Exact MRN.
  r = await s.req('GET', `/api/v1/patients?mrn=${b.mrn}`, as());
  assert.equal(r.json.total, 1);
  assert.equal(r.json.items[0].id, b.id);
  assert.equal(r.json.items[0].mrn, b.mrn);
  r = await s.req('GET', '/api/v1/patients?mrn=NOPE-1', as());
  assert.equal(r.json.total, 0);
  assert.deepEqual(r.json.items, []);

  // Birth date, and combined with q.
  r = await s.req('GET', '/api/v1/patients?birth_date=1961-07-19', as());
  assert.deepEqual(r.json.items.map((x) => x.id).sort(), [a.id, b.id].sort());
  r = await s.req('GET', '/api/v1/patients?birth_date=1961-07-19&q=maren', as());
  assert.deepEqual(r.json.items.map((x) => x.id), [a.id]);

  // Paging: total stays, items move.
  const seen = [];
  for (let off = 0; off < 4; off++) {
    r = await s.req('GET', `/api/v1/patients?q=quill&limit=1&offset=${off}`, as());
    expectStatus(r, 200);
    assert.equal(r.json.total, 3);
    assert.equal(r.json.limit, 1);
    assert.equal(r.json.offset, off);
    assert.equal(r.json.items.length, off < 3 ? 1 : 0);
    seen.push(...r.json.items.map((x) => x.id));
  }
  assert.deepEqual(seen.sort(), [a.id, b.id, c.id].sort(), 'pages cover every match once');
  // Sorted by family name, then given name.
  r = await s.req('GET', '/api/v1/patients?q=quill', as());
  assert.deepEqual(r.json.items.map((x) => x.id), [b.id, a.id, c.id]);
  // Search results carry full records.
  assert.equal(r.json.items[1].birth_date, '1961-07-19');
  assert.equal(r.json.items[1].dual_diagnosis, false);
});

test('PATCH with a reason makes version 2; without a reason it is refused', async () => {
  const p = await create({ family_name: 'Lindqvist', given_name: 'Sara', birth_date: '1975-05-05' });
  assert.equal(p.version, 1);

  const bad = await s.req('PATCH', `/api/v1/patients/${p.id}`, as({ body: { given_name: 'Sarah' } }));
  expectError(bad, 422, 'invalid', 'reason');
  const empty = await s.req('PATCH', `/api/v1/patients/${p.id}`, as({ body: { given_name: 'Sarah', reason: '' } }));
  expectError(empty, 422, 'invalid', 'reason');
  let g = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.equal(g.json.given_name, 'Sara', 'a refused PATCH changes nothing');
  assert.equal(g.json.version, 1);

  const ok = await s.req('PATCH', `/api/v1/patients/${p.id}`, as({
    body: { given_name: 'Sarah', phone: '+1 555-0100', reason: 'spelling corrected by patient' },
  }));
  expectStatus(ok, 200);
  assert.equal(ok.json.version, 2);
  assert.equal(ok.json.given_name, 'Sarah');
  assert.equal(ok.json.phone, '+1 555-0100');
  assert.equal(ok.json.family_name, 'Lindqvist', 'fields not sent stay');
  assert.equal(ok.json.birth_date, '1975-05-05');
  assert.equal(ok.json.mrn, p.mrn);
  assert.equal(ok.json.created_at, p.created_at);

  g = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.deepEqual(g.json, ok.json);

  // Intake may update too; the MRN and site cannot change.
  const v3 = await s.req('PATCH', `/api/v1/patients/${p.id}`, { as: 'intake', body: { preferred_name: 'Sal', reason: 'asked' } });
  expectStatus(v3, 200);
  assert.equal(v3.json.version, 3);
  expectError(await s.req('PATCH', `/api/v1/patients/${p.id}`, as({ body: { mrn: 'X-1', reason: 'r' } })), 422, 'invalid', 'mrn');
  expectError(await s.req('PATCH', `/api/v1/patients/${p.id}`, as({ body: { site: 'north', reason: 'r' } })), 422, 'invalid', 'site');
  // An invalid value in a PATCH is refused and writes no version.
  expectError(await s.req('PATCH', `/api/v1/patients/${p.id}`, as({ body: { email: 'not-an-email', reason: 'r' } })), 422, 'invalid', 'email');
  expectError(await s.req('PATCH', `/api/v1/patients/${p.id}`, as({ body: { birth_date: day(5), reason: 'r' } })), 422, 'invalid', 'birth_date');
  g = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.equal(g.json.version, 3);
  assert.equal(g.json.email, null);
  // Nurses may not edit demographics.
  expectError(await s.req('PATCH', `/api/v1/patients/${p.id}`, { as: 'nurse', body: { given_name: 'X', reason: 'r' } }), 403, 'forbidden');
  // PATCH of a patient that does not exist.
  expectError(await s.req('PATCH', '/api/v1/patients/987654', as({ body: { given_name: 'X', reason: 'r' } })), 404, 'not_found');
});

test('a duplicate MRN is a 409 naming mrn and writes nothing', async () => {
  const p = await create({ mrn: 'MRN-777', family_name: 'Duplessis', given_name: 'Rene', birth_date: '1980-01-01' });
  assert.equal(p.mrn, 'MRN-777');
  const n = await total();
  const dup = await s.req('POST', '/api/v1/patients', as({
    body: { mrn: 'MRN-777', family_name: 'Other', given_name: 'Person', birth_date: '1990-01-01' },
  }));
  expectError(dup, 409, 'conflict', 'mrn');
  assert.equal(await total(), n);
  const r = await s.req('GET', '/api/v1/patients?mrn=MRN-777', as());
  assert.equal(r.json.total, 1);
  assert.equal(r.json.items[0].family_name, 'Duplessis');
  // A bad MRN shape is a 422.
  expectError(
    await s.req('POST', '/api/v1/patients', as({ body: { mrn: 'MRN 1', family_name: 'A', given_name: 'B', birth_date: '1990-01-01' } })),
    422, 'invalid', 'mrn',
  );
  assert.equal(await total(), n);
});

test('address and emergency contact round-trip, and partial nested updates', async () => {
  const body = {
    family_name: "O'Neil-García",
    given_name: 'Zoë',
    preferred_name: 'Zo',
    birth_date: '2000-02-29',
    sex_at_birth: 'female',
    gender_identity: 'non-binary',
    phone: '(555) 010-2000',
    email: 'zoe@example.org',
    preferred_language: 'pt-BR',
    address: { line: '12 Harbour Rd, Apt 4', city: 'Portland', region: 'OR', postal_code: '97201' },
    emergency_contact: { name: 'Maria García', relationship: 'mother', phone: '+1 555 010 3000' },
  };
  const p = await create(body);
  for (const k of Object.keys(body)) assert.deepEqual(p[k], body[k], k);
  const g = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.deepEqual(g.json, p);

  // Only the city changes; the other address fields stay.
  const u = await s.req('PATCH', `/api/v1/patients/${p.id}`, as({ body: { address: { city: 'Salem' }, reason: 'moved' } }));
  expectStatus(u, 200);
  assert.deepEqual(u.json.address, { ...body.address, city: 'Salem' });
  assert.deepEqual(u.json.emergency_contact, body.emergency_contact);

  // null clears a nested object.
  const c = await s.req('PATCH', `/api/v1/patients/${p.id}`, as({ body: { emergency_contact: null, reason: 'contact withdrew' } }));
  expectStatus(c, 200);
  assert.equal(c.json.emergency_contact, null);
  assert.equal(c.json.version, 3);
  const g2 = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.equal(g2.json.emergency_contact, null);
  assert.deepEqual(g2.json.address, { ...body.address, city: 'Salem' });

  // Nested errors name the nested field.
  expectError(
    await s.req('PATCH', `/api/v1/patients/${p.id}`, as({ body: { address: { city: 42 }, reason: 'r' } })),
    422, 'invalid', 'address.city',
  );
  expectError(
    await s.req('PATCH', `/api/v1/patients/${p.id}`, as({ body: { emergency_contact: { phone: 'call me' }, reason: 'r' } })),
    422, 'invalid', 'emergency_contact.phone',
  );
  const g3 = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.equal(g3.json.version, 3);
});

test('intake registers patients; nurses may read but not register', async () => {
  const n = await total();
  const p = await create({ family_name: 'Intakeson', given_name: 'Ivy', birth_date: '1999-09-09' }, 'intake');
  assert.equal(p.site, 'main');
  const r = await s.req('GET', `/api/v1/patients/${p.id}`, { as: 'nurse' });
  expectStatus(r, 200);
  assert.equal(r.json.family_name, 'Intakeson');
  expectError(
    await s.req('POST', '/api/v1/patients', { as: 'nurse', body: { family_name: 'N', given_name: 'N', birth_date: '1990-01-01' } }),
    403, 'forbidden',
  );
  assert.equal(await total(), n + 1);
  // A patient that does not exist.
  expectError(await s.req('GET', '/api/v1/patients/424242', as()), 404, 'not_found', 'patient');
});

test('concurrent registrations get distinct MRNs; a contested MRN goes to exactly one', async () => {
  const n = await total();
  const many = await Promise.all(Array.from({ length: 16 }, (_, i) =>
    s.req('POST', '/api/v1/patients', { as: i % 2 ? 'admin' : 'intake', body: { family_name: `Parallel${i}`, given_name: 'P', birth_date: '1990-01-01' } })));
  assert.deepEqual(many.map((r) => r.status), Array(16).fill(201));
  assert.equal(new Set(many.map((r) => r.json.mrn)).size, 16, 'MRNs must be unique');
  assert.equal(new Set(many.map((r) => r.json.id)).size, 16);

  const same = await Promise.all(Array.from({ length: 8 }, () =>
    s.req('POST', '/api/v1/patients', as({ body: { mrn: 'RACE-1', family_name: 'Racer', given_name: 'R', birth_date: '1990-01-01' } }))));
  const statuses = same.map((r) => r.status).sort();
  assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
  for (const r of same.filter((x) => x.status === 409)) expectError(r, 409, 'conflict', 'mrn');
  assert.equal(await total(), n + 17);
});
