// sites.test.mjs - a user sees only the patients of the sites they hold a
// role at; registration goes to the user's own site.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, patientBody, day } from './harness.mjs';

let s;
let mainP; // a patient at main, with a diagnosis and an open episode
let mainEp;
let mainDx;

before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'nurse', 'northnurse', 'northintake', 'intake']);
  const r = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody({ family_name: 'Mainsworth', given_name: 'Mila' }) });
  expectStatus(r, 201);
  mainP = r.json;
  const d = await s.req('POST', `/api/v1/patients/${mainP.id}/diagnoses`, { as: 'admin', body: { code: 'F11.20' } });
  expectStatus(d, 201);
  mainDx = d.json;
  const e = await s.req('POST', `/api/v1/patients/${mainP.id}/episodes`, { as: 'admin', body: { level: 'residential', admitted_on: day(-3) } });
  expectStatus(e, 201);
  mainEp = e.json;
});
after(async () => {
  await s?.close();
});

async function search(who, q = '') {
  const r = await s.req('GET', '/api/v1/patients' + q, { as: who });
  expectStatus(r, 200);
  return r.json;
}

test('admin registers at main by default; the patient shows as site main', async () => {
  assert.equal(mainP.site, 'main');
  const r = await s.req('GET', `/api/v1/patients/${mainP.id}`, { as: 'nurse' });
  expectStatus(r, 200);
  assert.equal(r.json.site, 'main');
});

test('a main patient is invisible to a north nurse: 404 everywhere, absent from search', async () => {
  const get = await s.req('GET', `/api/v1/patients/${mainP.id}`, { as: 'northnurse' });
  expectError(get, 404, 'not_found');
  // The 404 is the same as for a patient that does not exist (no existence leak).
  const none = await s.req('GET', '/api/v1/patients/987654', { as: 'northnurse' });
  expectError(none, 404, 'not_found');
  assert.equal(get.json.error.message.replace(String(mainP.id), 'N'), none.json.error.message.replace('987654', 'N'));
  assert.ok(!get.text.includes('Mainsworth'));

  expectError(await s.req('GET', `/api/v1/patients/${mainP.id}/diagnoses`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/patients/${mainP.id}/episodes`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/episodes/${mainEp.id}`, { as: 'northnurse' }), 404, 'not_found');

  for (const q of ['', '?q=mainsworth', `?mrn=${mainP.mrn}`, '?level=residential']) {
    const r = await search('northnurse', q);
    assert.ok(!r.items.some((p) => p.id === mainP.id), `northnurse search ${q} shows the main patient`);
    assert.ok(r.items.every((p) => p.site === 'north'), `northnurse search ${q} shows another site`);
  }
  assert.equal((await search('northnurse', '?q=mainsworth')).total, 0);
  assert.equal((await search('northnurse', `?mrn=${mainP.mrn}`)).total, 0);
  // Searching another site by code finds nothing (or is refused), never the patient.
  const bySite = await s.req('GET', '/api/v1/patients?site=main', { as: 'northnurse' });
  assert.ok(bySite.status === 200 || bySite.status === 403 || bySite.status === 404 || bySite.status === 422, bySite.text);
  if (bySite.status === 200) assert.equal(bySite.json.total, 0);
  // The main nurse sees it.
  assert.equal((await search('nurse', '?q=mainsworth')).total, 1);
});

test('a north intake cannot change or add to a main patient', async () => {
  expectError(
    await s.req('PATCH', `/api/v1/patients/${mainP.id}`, { as: 'northintake', body: { given_name: 'X', reason: 'r' } }),
    404, 'not_found',
  );
  expectError(
    await s.req('POST', `/api/v1/patients/${mainP.id}/episodes`, { as: 'northintake', body: { level: 'detox' } }),
    404, 'not_found',
  );
  expectError(
    await s.req('POST', `/api/v1/episodes/${mainEp.id}/placements`, { as: 'northintake', body: { level: 'iop', reason: 'x' } }),
    404, 'not_found',
  );
  expectError(
    await s.req('POST', `/api/v1/episodes/${mainEp.id}/discharge`, { as: 'northintake', body: { reason: 'completed' } }),
    404, 'not_found',
  );
  const g = await s.req('GET', `/api/v1/patients/${mainP.id}`, { as: 'admin' });
  assert.equal(g.json.given_name, 'Mila');
  assert.equal(g.json.version, 1);
  assert.equal(g.json.level, 'residential');
  const eps = await s.req('GET', `/api/v1/patients/${mainP.id}/episodes`, { as: 'admin' });
  assert.equal(eps.json.items[0].placements.length, 1);
  assert.equal(eps.json.items[0].status, 'open');
});

test('north intake registers at north by default, and may not register at main', async () => {
  const before = (await search('admin')).total;
  const r = await s.req('POST', '/api/v1/patients', { as: 'northintake', body: patientBody({ family_name: 'Northcott' }) });
  expectStatus(r, 201);
  assert.equal(r.json.site, 'north');
  const explicit = await s.req('POST', '/api/v1/patients', { as: 'northintake', body: patientBody({ family_name: 'Northrop', site: 'north' }) });
  expectStatus(explicit, 201);
  assert.equal(explicit.json.site, 'north');

  const denied = await s.req('POST', '/api/v1/patients', { as: 'northintake', body: patientBody({ family_name: 'Sneaky', site: 'main' }) });
  expectError(denied, 403, 'forbidden', 'site');
  // Main intake may not register at north either.
  const denied2 = await s.req('POST', '/api/v1/patients', { as: 'intake', body: patientBody({ family_name: 'Sneaky', site: 'north' }) });
  expectError(denied2, 403, 'forbidden', 'site');

  assert.equal((await search('admin')).total, before + 2);
  assert.equal((await search('admin', '?q=sneaky')).total, 0);

  // Northnurse sees the north patients; the main nurse does not.
  const nn = await search('northnurse', '?q=north');
  assert.deepEqual(nn.items.map((p) => p.id).sort(), [r.json.id, explicit.json.id].sort());
  expectStatus(await s.req('GET', `/api/v1/patients/${r.json.id}`, { as: 'northnurse' }), 200);
  expectError(await s.req('GET', `/api/v1/patients/${r.json.id}`, { as: 'nurse' }), 404, 'not_found');
  assert.equal((await search('nurse', '?q=northcott')).total, 0);
});

test('admin (at both sites) sees patients of both sites', async () => {
  const n = await s.req('POST', '/api/v1/patients', { as: 'northintake', body: patientBody({ family_name: 'Bothways', given_name: 'North' }) });
  expectStatus(n, 201);
  const m = await s.req('POST', '/api/v1/patients', { as: 'intake', body: patientBody({ family_name: 'Bothways', given_name: 'Main' }) });
  expectStatus(m, 201);
  assert.equal(m.json.site, 'main');
  const all = await search('admin', '?q=bothways');
  assert.equal(all.total, 2);
  assert.deepEqual(all.items.map((p) => p.site).sort(), ['main', 'north']);
  // Filtering by site code.
  const onlyNorth = await search('admin', '?q=bothways&site=north');
  assert.deepEqual(onlyNorth.items.map((p) => p.id), [n.json.id]);
  expectStatus(await s.req('GET', `/api/v1/patients/${n.json.id}`, { as: 'admin' }), 200);
  expectStatus(await s.req('GET', `/api/v1/patients/${m.json.id}`, { as: 'admin' }), 200);
  // Admin may register at north explicitly.
  const a = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody({ site: 'north' }) });
  expectStatus(a, 201);
  assert.equal(a.json.site, 'north');
  const sites = await s.req('GET', '/api/v1/sites', { as: 'admin' });
  assert.deepEqual(sites.json.items.map((x) => x.code), ['main', 'north']);
});

test('census for a north nurse counts only north', async () => {
  const north0 = await s.req('GET', '/api/v1/census', { as: 'northnurse' });
  const main0 = await s.req('GET', '/api/v1/census', { as: 'nurse' });
  const all0 = await s.req('GET', '/api/v1/census', { as: 'admin' });
  expectStatus(north0, 200);
  // Main has the residential patient from before(); north's census does not count it.
  const lv = (c, l) => c.json.levels.find((x) => x.level === l).patients;
  assert.equal(lv(main0, 'residential'), 1);
  assert.equal(lv(north0, 'residential'), 0);

  const p = await s.req('POST', '/api/v1/patients', { as: 'northintake', body: patientBody() });
  const e = await s.req('POST', `/api/v1/patients/${p.json.id}/episodes`, { as: 'northintake', body: { level: 'detox' } });
  expectStatus(e, 201);
  const north1 = await s.req('GET', '/api/v1/census', { as: 'northnurse' });
  const main1 = await s.req('GET', '/api/v1/census', { as: 'nurse' });
  const all1 = await s.req('GET', '/api/v1/census', { as: 'admin' });
  assert.equal(lv(north1, 'detox'), lv(north0, 'detox') + 1);
  assert.equal(north1.json.total, north0.json.total + 1);
  assert.equal(north1.json.last_30_days.admissions, north0.json.last_30_days.admissions + 1);
  assert.equal(main1.json.total, main0.json.total);
  assert.equal(main1.json.last_30_days.admissions, main0.json.last_30_days.admissions);
  assert.equal(all1.json.total, all0.json.total + 1);
  assert.equal(north1.json.total, 1, 'north has exactly the one patient in care');

  // Asking for another site's census by id is refused for the north nurse.
  const mainId = (await s.req('GET', '/api/v1/sites', { as: 'nurse' })).json.items[0].id;
  const other = await s.req('GET', `/api/v1/census?site=${mainId}`, { as: 'northnurse' });
  expectError(other, 404, 'not_found');
  // Admin can ask per site.
  const adminNorth = await s.req('GET', `/api/v1/census?site=${(await s.req('GET', '/api/v1/me', { as: 'northnurse' })).json.sites[0].id}`, { as: 'admin' });
  expectStatus(adminNorth, 200);
  assert.equal(adminNorth.json.total, north1.json.total);
});

test('a user with no diagnosis-writing role anywhere is refused by the route (403)', async () => {
  // northnurse holds no diagnosis-writing role at all: the route refuses.
  expectError(
    await s.req('POST', `/api/v1/patients/${mainP.id}/diagnoses`, { as: 'northnurse', body: { code: 'F32.1' } }),
    403, 'forbidden',
  );
  expectError(
    await s.req('POST', `/api/v1/diagnoses/${mainDx.id}/status`, { as: 'northnurse', body: { status: 'resolved', reason: 'x' } }),
    403, 'forbidden',
  );
  const dx = await s.req('GET', `/api/v1/patients/${mainP.id}/diagnoses`, { as: 'admin' });
  assert.equal(dx.json.total, 1);
  assert.equal(dx.json.items[0].status, 'active');
});
