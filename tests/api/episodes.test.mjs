// episodes.test.mjs - admission, transitions between levels of care,
// discharge, and the census.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, day, patientBody } from './harness.mjs';

let s;
before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'therapist', 'nurse']);
});
after(async () => {
  await s?.close();
});

const as = (o = {}) => ({ as: 'admin', ...o });

async function newPatient(over = {}) {
  const r = await s.req('POST', '/api/v1/patients', as({ body: patientBody(over) }));
  expectStatus(r, 201);
  return r.json;
}

async function census(who = 'admin') {
  const r = await s.req('GET', '/api/v1/census', { as: who });
  expectStatus(r, 200);
  const levels = Object.fromEntries(r.json.levels.map((l) => [l.level, l.patients]));
  return { ...r.json, by: levels };
}

async function episodes(pid) {
  const r = await s.req('GET', `/api/v1/patients/${pid}/episodes`, as());
  expectStatus(r, 200);
  return r.json;
}

test('levels are listed with their ASAM levels and defaults', async () => {
  const r = await s.req('GET', '/api/v1/levels', { as: 'nurse' });
  expectStatus(r, 200);
  assert.deepEqual(r.json.items.map((l) => l.id), ['detox', 'residential', 'php', 'iop', 'outpatient', 'aftercare', 'otp']);
  const detox = r.json.items[0];
  assert.equal(detox.asam_default, '3.7-WM');
  assert.ok(detox.asam_levels.includes('4-WM'));
  assert.equal(detox.asam_edition, 'asam-3e');
});

test('admit to detox, move to residential then iop, discharge: history and census', async () => {
  const p = await newPatient();
  const c0 = await census();

  // Admission 20 days ago.
  const adm = await s.req('POST', `/api/v1/patients/${p.id}/episodes`, as({
    body: { level: 'detox', admitted_on: day(-20) },
  }));
  expectStatus(adm, 201);
  const ep = adm.json;
  assert.equal(ep.patient_id, p.id);
  assert.equal(ep.status, 'open');
  assert.equal(ep.admitted_on, day(-20));
  assert.equal(ep.level, 'detox');
  assert.equal(ep.discharged_on, null);
  assert.equal(ep.placements.length, 1);
  assert.equal(ep.placements[0].level, 'detox');
  assert.equal(ep.placements[0].asam_level, '3.7-WM', 'the default ASAM level of detox');
  assert.equal(ep.placements[0].asam_edition, 'asam-3e');
  assert.equal(ep.placements[0].started_on, day(-20));
  assert.equal(ep.placements[0].ended_on, null);
  assert.equal(ep.placements[0].recorded_by, 'admin');

  let g = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.equal(g.json.level, 'detox');
  assert.equal(g.json.episode_id, ep.id);

  const c1 = await census();
  assert.equal(c1.by.detox, c0.by.detox + 1);
  assert.equal(c1.total, c0.total + 1);
  assert.equal(c1.last_30_days.admissions, c0.last_30_days.admissions + 1);

  // Transitions.
  const r1 = await s.req('POST', `/api/v1/episodes/${ep.id}/placements`, as({
    body: { level: 'residential', reason: 'withdrawal complete', started_on: day(-15) },
  }));
  expectStatus(r1, 201);
  assert.equal(r1.json.level, 'residential');
  assert.equal(r1.json.placements.length, 2);
  assert.equal(r1.json.placements[1].asam_level, '3.5');

  const r2 = await s.req('POST', `/api/v1/episodes/${ep.id}/placements`, {
    as: 'therapist',
    body: { level: 'iop', reason: 'step down', started_on: day(-5) },
  });
  expectStatus(r2, 201);
  assert.equal(r2.json.level, 'iop');
  assert.equal(r2.json.placements[2].recorded_by, 'therapist');

  const list = await episodes(p.id);
  assert.equal(list.total, 1);
  const e = list.items[0];
  assert.equal(e.id, ep.id);
  assert.equal(e.status, 'open');
  assert.equal(e.level, 'iop');
  assert.deepEqual(
    e.placements.map((x) => [x.level, x.started_on, x.ended_on, x.reason]),
    [
      ['detox', day(-20), day(-15), 'admission'],
      ['residential', day(-15), day(-5), 'withdrawal complete'],
      ['iop', day(-5), null, 'step down'],
    ],
  );
  const one = await s.req('GET', `/api/v1/episodes/${ep.id}`, { as: 'nurse' });
  expectStatus(one, 200);
  assert.deepEqual(one.json, e);

  g = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.equal(g.json.level, 'iop');
  // Search by current level of care.
  const byLevel = await s.req('GET', '/api/v1/patients?level=iop', as());
  assert.ok(byLevel.json.items.some((x) => x.id === p.id));
  const byOther = await s.req('GET', '/api/v1/patients?level=detox', as());
  assert.ok(!byOther.json.items.some((x) => x.id === p.id));

  const c2 = await census();
  assert.equal(c2.by.detox, c0.by.detox, 'left detox');
  assert.equal(c2.by.residential, c0.by.residential, 'passed through residential');
  assert.equal(c2.by.iop, c0.by.iop + 1, 'now in iop');
  assert.equal(c2.total, c0.total + 1);

  // Conflicts and bad transitions, none of which writes anything.
  expectError(
    await s.req('POST', `/api/v1/patients/${p.id}/episodes`, as({ body: { level: 'detox' } })),
    409, 'conflict', 'patient',
  );
  expectError(
    await s.req('POST', `/api/v1/episodes/${ep.id}/placements`, as({ body: { level: 'iop', reason: 'again' } })),
    409, 'conflict', 'level',
  );
  expectError(
    await s.req('POST', `/api/v1/episodes/${ep.id}/placements`, as({ body: { level: 'spa', reason: 'x' } })),
    422, 'invalid', 'level',
  );
  expectError(
    await s.req('POST', `/api/v1/episodes/${ep.id}/placements`, as({
      body: { level: 'outpatient', reason: 'x', started_on: day(-10) },
    })),
    422, 'invalid', 'started_on',
  );
  expectError(
    await s.req('POST', `/api/v1/episodes/${ep.id}/placements`, as({
      body: { level: 'outpatient', reason: 'x', started_on: day(3) },
    })),
    422, 'invalid', 'started_on',
  );
  expectError(
    await s.req('POST', `/api/v1/episodes/${ep.id}/placements`, as({ body: { level: 'outpatient' } })),
    422, 'invalid', 'reason',
  );
  expectError(
    await s.req('POST', `/api/v1/episodes/${ep.id}/discharge`, as({ body: { reason: 'bored' } })),
    422, 'invalid', 'reason',
  );
  expectError(
    await s.req('POST', `/api/v1/episodes/${ep.id}/discharge`, as({ body: { reason: 'completed', discharged_on: day(-6) } })),
    422, 'invalid', 'discharged_on',
  );
  // Nurses read but do not move patients.
  expectError(
    await s.req('POST', `/api/v1/episodes/${ep.id}/placements`, { as: 'nurse', body: { level: 'outpatient', reason: 'x' } }),
    403, 'forbidden',
  );
  const still = await episodes(p.id);
  assert.equal(still.total, 1);
  assert.equal(still.items[0].placements.length, 3);
  assert.equal(still.items[0].status, 'open');

  // Discharge.
  const dis = await s.req('POST', `/api/v1/episodes/${ep.id}/discharge`, as({
    body: { reason: 'completed', note: 'completed IOP' },
  }));
  expectStatus(dis, 200);
  assert.equal(dis.json.status, 'discharged');
  assert.equal(dis.json.discharged_on, day(0));
  assert.equal(dis.json.discharge_reason, 'completed');
  assert.equal(dis.json.discharge_note, 'completed IOP');
  assert.equal(dis.json.level, null);
  assert.equal(dis.json.placements[2].ended_on, day(0), 'the last placement ends at discharge');

  // A discharged episode takes no placement and no second discharge.
  expectError(
    await s.req('POST', `/api/v1/episodes/${ep.id}/placements`, as({ body: { level: 'outpatient', reason: 'x' } })),
    409, 'conflict', 'episode',
  );
  expectError(
    await s.req('POST', `/api/v1/episodes/${ep.id}/discharge`, as({ body: { reason: 'completed' } })),
    409, 'conflict', 'episode',
  );

  const c3 = await census();
  assert.equal(c3.by.iop, c0.by.iop);
  assert.equal(c3.total, c0.total);
  assert.equal(c3.last_30_days.discharges, c0.last_30_days.discharges + 1);
  g = await s.req('GET', `/api/v1/patients/${p.id}`, as());
  assert.equal(g.json.level, null);
  assert.equal(g.json.episode_id, null);

  // Readmission: not before the last discharge; then a second episode, newest first.
  expectError(
    await s.req('POST', `/api/v1/patients/${p.id}/episodes`, as({ body: { level: 'outpatient', admitted_on: day(-1) } })),
    422, 'invalid', 'admitted_on',
  );
  const again = await s.req('POST', `/api/v1/patients/${p.id}/episodes`, as({ body: { level: 'outpatient' } }));
  expectStatus(again, 201);
  assert.equal(again.json.admitted_on, day(0));
  const l2 = await episodes(p.id);
  assert.deepEqual(l2.items.map((x) => [x.id, x.status]), [[again.json.id, 'open'], [ep.id, 'discharged']]);
});

test('admission dates: not in the future, not before birth, real days', async () => {
  const p = await newPatient({ birth_date: '2001-06-15' });
  for (const [admitted_on, why] of [
    [day(2), 'future'],
    ['2001-06-14', 'before birth'],
    ['2023-02-29', 'not a real day'],
    ['2023-6-1', 'bad form'],
  ]) {
    const r = await s.req('POST', `/api/v1/patients/${p.id}/episodes`, as({ body: { level: 'detox', admitted_on } }));
    expectError(r, 422, 'invalid', 'admitted_on');
    assert.ok(r.json.error.message.length > 0, why);
  }
  assert.equal((await episodes(p.id)).total, 0);
  expectError(
    await s.req('POST', `/api/v1/patients/${p.id}/episodes`, as({ body: { admitted_on: day(-1) } })),
    422, 'invalid', 'level',
  );
  expectError(
    await s.req('POST', '/api/v1/patients/999999/episodes', as({ body: { level: 'detox' } })),
    404, 'not_found',
  );
  expectError(await s.req('GET', '/api/v1/episodes/999999', as()), 404, 'not_found');
  expectError(
    await s.req('POST', '/api/v1/episodes/999999/placements', as({ body: { level: 'iop', reason: 'x' } })),
    404, 'not_found',
  );
  assert.equal((await episodes(p.id)).total, 0);
});

test('asam_level is accepted when it belongs to the level, 422 otherwise', async () => {
  const p = await newPatient();
  const c0 = await census();
  // 2.1 is IOP, not detox.
  expectError(
    await s.req('POST', `/api/v1/patients/${p.id}/episodes`, as({ body: { level: 'detox', asam_level: '2.1' } })),
    422, 'invalid', 'asam_level',
  );
  expectError(
    await s.req('POST', `/api/v1/patients/${p.id}/episodes`, as({ body: { level: 'detox', asam_level: '9.9-WM' } })),
    422, 'invalid', 'asam_level',
  );
  assert.equal((await episodes(p.id)).total, 0);

  const adm = await s.req('POST', `/api/v1/patients/${p.id}/episodes`, as({
    body: { level: 'detox', asam_level: '4-WM', admitted_on: day(-3), reason: 'medically managed' },
  }));
  expectStatus(adm, 201);
  assert.equal(adm.json.placements[0].asam_level, '4-WM');
  assert.equal(adm.json.placements[0].reason, 'medically managed');

  // Within detox, a change of ASAM level is a placement of its own.
  const wm = await s.req('POST', `/api/v1/episodes/${adm.json.id}/placements`, as({
    body: { level: 'detox', asam_level: '3.7-WM', reason: 'stepped down within detox', started_on: day(-2) },
  }));
  expectStatus(wm, 201);
  assert.deepEqual(wm.json.placements.map((x) => x.asam_level), ['4-WM', '3.7-WM']);
  // ...but the same ASAM level again is no change.
  expectError(
    await s.req('POST', `/api/v1/episodes/${adm.json.id}/placements`, as({
      body: { level: 'detox', asam_level: '3.7-WM', reason: 'x' },
    })),
    409, 'conflict', 'level',
  );
  // Residential with 3.1 is fine; residential with 2.5 is not.
  expectError(
    await s.req('POST', `/api/v1/episodes/${adm.json.id}/placements`, as({
      body: { level: 'residential', asam_level: '2.5', reason: 'x' },
    })),
    422, 'invalid', 'asam_level',
  );
  const res = await s.req('POST', `/api/v1/episodes/${adm.json.id}/placements`, as({
    body: { level: 'residential', asam_level: '3.1', reason: 'clinically managed' },
  }));
  expectStatus(res, 201);
  assert.equal(res.json.placements.at(-1).asam_level, '3.1');
  assert.equal(res.json.placements.length, 3);

  const c1 = await census();
  assert.equal(c1.by.residential, c0.by.residential + 1);
  assert.equal(c1.by.detox, c0.by.detox);
});

test('census counts only current placements at visible sites', async () => {
  // A north patient in otp: visible in admin's census, and northnurse's.
  const northBefore = await census('northnurse');
  const mainBefore = await census('nurse');
  const allBefore = await census('admin');
  const r = await s.req('POST', '/api/v1/patients', as({ body: patientBody({ site: 'north' }) }));
  expectStatus(r, 201);
  assert.equal(r.json.site, 'north');
  const adm = await s.req('POST', `/api/v1/patients/${r.json.id}/episodes`, as({ body: { level: 'otp' } }));
  expectStatus(adm, 201);
  const north = await census('northnurse');
  const main = await census('nurse');
  const all = await census('admin');
  assert.equal(north.by.otp, northBefore.by.otp + 1);
  assert.equal(north.total, northBefore.total + 1);
  assert.equal(main.by.otp, mainBefore.by.otp);
  assert.equal(main.total, mainBefore.total);
  assert.equal(all.by.otp, allBefore.by.otp + 1);
  // Every level is listed even at zero, with labels; total is their sum.
  assert.equal(all.levels.length, 7);
  assert.equal(all.total, all.levels.reduce((n, l) => n + l.patients, 0));
  assert.equal(all.as_of, day(0));
});

test('concurrent admissions of one patient: exactly one episode opens', async () => {
  const p = await newPatient();
  const rs = await Promise.all(Array.from({ length: 10 }, (_, i) =>
    s.req('POST', `/api/v1/patients/${p.id}/episodes`, { as: i % 2 ? 'admin' : 'therapist', body: { level: 'detox' } })));
  assert.deepEqual(rs.map((r) => r.status).sort(), [201, ...Array(9).fill(409)]);
  const list = await episodes(p.id);
  assert.equal(list.total, 1);
  const eid = list.items[0].id;
  // Concurrent transitions to the same level: one wins, the rest are no change.
  const moves = await Promise.all(Array.from({ length: 6 }, () =>
    s.req('POST', `/api/v1/episodes/${eid}/placements`, as({ body: { level: 'residential', reason: 'race' } }))));
  assert.deepEqual(moves.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409]);
  // Concurrent discharges: one wins.
  const dis = await Promise.all(Array.from({ length: 6 }, () =>
    s.req('POST', `/api/v1/episodes/${eid}/discharge`, as({ body: { reason: 'completed' } }))));
  assert.deepEqual(dis.map((r) => r.status).sort(), [200, 409, 409, 409, 409, 409]);
  const after = await episodes(p.id);
  assert.equal(after.items[0].placements.length, 2);
  assert.equal(after.items[0].status, 'discharged');
});

test('daily census: admissions, discharges and patients in care per clinic day', async () => {
  const r = await s.req('GET', '/api/v1/census/daily?days=7', as());
  expectStatus(r, 200);
  assert.equal(r.json.days.length, 7);
  assert.equal(r.json.days[6].date, day(0), 'today is last');
  assert.equal(r.json.days[0].date, day(-6));
  const now = await s.req('GET', '/api/v1/census', as());
  assert.equal(r.json.days[6].in_care, now.json.total, 'today matches the census');
  for (const d of r.json.days) {
    assert.ok(d.admissions >= 0 && d.discharges >= 0 && d.in_care >= 0);
  }
  let bad = await s.req('GET', '/api/v1/census/daily?days=0', as());
  expectError(bad, 422, 'invalid', 'days');
  bad = await s.req('GET', '/api/v1/census/daily?days=400', as());
  expectError(bad, 422, 'invalid', 'days');
});
