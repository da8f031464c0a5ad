// notes.test.mjs - progress notes on therapy sessions: the group note that
// reaches every attendee's chart without leaking one attendee's individual
// part into another's, signing, addenda, co-signature by a supervisor, the
// unsigned list, and psychotherapy notes visible to their author only.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, patientBody, dbExec, PW } from './harness.mjs';

let s;
before(async () => {
  s = await startServer();
  for (const [name, site] of [['therapist2', 'main'], ['trainee', 'main'], ['norththerapist', 'north']])
    s.cliOk(['user', 'add', name, '--role', 'therapist', '--site', site, '--password-stdin'], PW + '\n');
  // trainee's signed notes await therapist's co-signature.
  const sup = s.cliOk(['user', 'supervise', 'trainee', '--by', 'therapist']);
  assert.match(sup.stdout, /trainee is supervised by therapist/);
  await s.loginAll(['admin', 'prescriber', 'nurse', 'therapist', 'therapist2', 'trainee', 'intake', 'auditor',
    'northnurse', 'norththerapist']);
});
after(async () => {
  await s?.close();
});

const HOUR = 3600000;
const DAY = 86400000;
const iso = (ms) => new Date(ms).toISOString().slice(0, 19) + 'Z';
const BASE = Math.floor((Date.now() - 27 * DAY) / HOUR) * HOUR;
let nextSlot = 0;
// A fresh 2-hour slot in the past (sessions must have started to take a note).
const past = () => iso(BASE + nextSlot++ * 2 * HOUR);

async function newPatient(over = {}) {
  const r = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody(over) });
  expectStatus(r, 201);
  return r.json;
}

async function session(patients, as = 'therapist', over = {}) {
  const r = await s.req('POST', '/api/v1/sessions', { as, body: {
    kind: patients.length > 1 ? 'group' : 'individual', modality: 'cbt', minutes: 60, telehealth: true,
    starts_at: past(), patients: patients.map((p) => p.id), ...over } });
  expectStatus(r, 201);
  return r.json;
}

const writeNote = (sid, body, as = 'therapist') => s.req('POST', `/api/v1/sessions/${sid}/notes`, { as, body });
const chart = async (pid, as = 'nurse') => {
  const r = await s.req('GET', `/api/v1/patients/${pid}/notes`, { as });
  expectStatus(r, 200);
  return r;
};
async function trail(pid) {
  const r = await s.req('GET', `/api/v1/audit?patient=${pid}&limit=200`, { as: 'auditor' });
  expectStatus(r, 200);
  return r.json.items;
}

// ---- the done-when case ----

test('a weekly relapse-prevention group: one group note reaches three charts, each with its own part only; signed, then only addenda', async () => {
  const ps = [await newPatient(), await newPatient(), await newPatient()];
  // The weekly group, first meeting three weeks ago, four meetings.
  const first = Math.floor((Date.now() - 21 * DAY) / HOUR) * HOUR + 30 * 60000;
  const series = await s.req('POST', '/api/v1/session-series', { as: 'therapist', body: {
    kind: 'group', modality: 'relapse_prevention', title: 'Relapse prevention group', room: 'group-a',
    starts_at: iso(first), minutes: 90, count: 4, patients: ps.map((p) => p.id) } });
  expectStatus(series, 201);
  assert.equal(series.json.sessions.length, 4);
  const sid = series.json.sessions[0].id;
  // Attendance.
  for (const p of ps) expectStatus(await s.req('PUT', `/api/v1/sessions/${sid}/attendance/${p.id}`,
    { as: 'therapist', body: { status: 'present' } }), 200);
  // Each attendee has a treatment plan; the note names the objective it addresses.
  const objective = {};
  for (const p of ps) {
    const dx = await s.req('POST', `/api/v1/patients/${p.id}/diagnoses`, { as: 'therapist', body: { code: 'F11.20' } });
    expectStatus(dx, 201);
    expectStatus(await s.req('POST', `/api/v1/patients/${p.id}/episodes`, { as: 'admin', body: { level: 'iop' } }), 201);
    const pl = await s.req('POST', `/api/v1/patients/${p.id}/plans`, { as: 'therapist', body: { problems: [{
      text: 'Opioid use disorder', diagnosis_ids: [dx.json.id], goals: [{ text: 'Stay clean for my kids',
        objectives: [{ text: 'Attend the relapse-prevention group weekly', target_date: iso(Date.now() + 60 * DAY).slice(0, 10) }] }] }] } });
    expectStatus(pl, 201);
    objective[p.id] = { plan_id: pl.json.id, objective_id: pl.json.problems[0].goals[0].objectives[0].id };
  }
  // One group note: a shared part and an individual part per attendee.
  const secret = (p) => `PRIVATE-${p.id}-only-on-own-chart`;
  const individual = {};
  for (const p of ps) individual[p.id] = { data: `${secret(p)}: named a craving at work`, plan: `Call sponsor (${p.id})`,
    objectives: [objective[p.id]] };
  const w = await writeNote(sid, { format: 'DAP', shared: { data: 'Group discussed high-risk situations.',
    assessment: 'Engaged group.', plan: 'Next week: coping with cravings.' }, individual });
  expectStatus(w, 201);
  const nid = w.json.id;
  assert.equal(w.json.status, 'draft');
  assert.equal(w.json.format, 'DAP');
  assert.equal(w.json.author, 'therapist');
  assert.equal(w.json.session_id, sid);
  assert.equal(w.json.session.modality, 'relapse_prevention');
  // The author's answer is the full view: every part.
  assert.deepEqual(w.json.charts.sort(), ps.map((p) => p.id).sort());
  assert.deepEqual(Object.keys(w.json.individual).sort(), ps.map((p) => String(p.id)).sort());
  // Each chart: the shared part and its own individual part only.
  for (const p of ps) {
    const r = await chart(p.id);
    assert.equal(r.json.total, 1);
    const n = r.json.items[0];
    assert.equal(n.id, nid);
    assert.equal(n.chart, p.id);
    assert.equal(n.shared.data, 'Group discussed high-risk situations.');
    assert.deepEqual(Object.keys(n.individual), [String(p.id)]);
    assert.equal(n.individual[p.id].data, `${secret(p)}: named a craving at work`);
    assert.deepEqual(n.individual[p.id].objectives, [objective[p.id]]);
    assert.equal(n.charts, undefined);
    for (const o of ps) {
      if (o === p) continue;
      assert.ok(!r.text.includes(secret(o)), `chart of ${p.id} shows ${o.id}'s part`);
      assert.ok(!r.text.includes(`(${o.id})`), `chart of ${p.id} shows ${o.id}'s plan`);
    }
  }
  // Sign; then any change is 409 and only an addendum can be added.
  const sg = await s.req('POST', `/api/v1/notes/${nid}/sign`, { as: 'therapist' });
  expectStatus(sg, 200);
  assert.equal(sg.json.status, 'signed');
  assert.equal(sg.json.signature.by, 'therapist');
  assert.match(sg.json.signature.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal(sg.json.cosignature, null);
  const change = await s.req('PUT', `/api/v1/notes/${nid}`, { as: 'therapist', body: { format: 'DAP', shared: { data: 'Edited' }, individual } });
  expectError(change, 409, 'conflict');
  expectError(await s.req('POST', `/api/v1/notes/${nid}/sign`, { as: 'therapist' }), 409, 'conflict');
  expectError(await writeNote(sid, { format: 'DAP', shared: { data: 'A second note' } }), 409, 'conflict', 'session');
  const ad = await s.req('POST', `/api/v1/notes/${nid}/addenda`, { as: 'therapist', body: { text: 'Late entry: group ran 10 minutes over.' } });
  expectStatus(ad, 201);
  assert.equal(ad.json.author, 'therapist');
  assert.equal(ad.json.patient_id, null);
  assert.match(ad.json.signed_at, /Z$/);
  // An addendum about one attendee reaches that chart only.
  const ad1 = await s.req('POST', `/api/v1/notes/${nid}/addenda`, { as: 'therapist2',
    body: { text: `ADDENDUM-${ps[0].id}-private`, patient_id: ps[0].id } });
  expectStatus(ad1, 201);
  for (const p of ps) {
    const n = (await chart(p.id)).json.items[0];
    assert.equal(n.status, 'signed');
    assert.equal(n.shared.data, 'Group discussed high-risk situations.');
    assert.equal(n.addenda[0].text, 'Late entry: group ran 10 minutes over.');
    assert.equal(n.addenda.length, p === ps[0] ? 2 : 1);
    const text = JSON.stringify(n);
    if (p !== ps[0]) assert.ok(!text.includes(`ADDENDUM-${ps[0].id}`));
  }
});

// ---- the privacy case, every way in ----

test('a group note read by id: one chart with ?patient=, the author whole, anyone else must name a chart', async () => {
  const ps = [await newPatient(), await newPatient(), await newPatient()];
  const sess = await session(ps);
  const individual = Object.fromEntries(ps.map((p) => [p.id, { subjective: `SECRET-${p.id}` }]));
  const w = await writeNote(sess.id, { format: 'SOAP', shared: { objective: 'Shared' }, individual });
  expectStatus(w, 201);
  const nid = w.json.id;
  for (const p of ps) {
    const r = await s.req('GET', `/api/v1/notes/${nid}?patient=${p.id}`, { as: 'prescriber' });
    expectStatus(r, 200);
    assert.deepEqual(Object.keys(r.json.individual), [String(p.id)]);
    for (const o of ps) if (o !== p) assert.ok(!r.text.includes(`SECRET-${o.id}`));
  }
  // Without a chart: 422 for anyone but the author, and the error names no part.
  const bare = await s.req('GET', `/api/v1/notes/${nid}`, { as: 'nurse' });
  expectError(bare, 422, 'invalid', 'patient');
  assert.ok(!bare.text.includes('SECRET'));
  const own = await s.req('GET', `/api/v1/notes/${nid}`, { as: 'therapist' });
  expectStatus(own, 200);
  assert.equal(Object.keys(own.json.individual).length, 3);
  // A chart the note is not filed to, a patient of another site, another site's user.
  const stranger = await newPatient();
  const miss = await s.req('GET', `/api/v1/notes/${nid}?patient=${stranger.id}`, { as: 'nurse' });
  expectError(miss, 404, 'not_found');
  assert.ok(!miss.text.includes('SECRET'));
  expectError(await s.req('GET', `/api/v1/notes/${nid}?patient=${ps[0].id}`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/patients/${ps[0].id}/notes`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/notes/${nid}?patient=abc`, { as: 'nurse' }), 422, 'invalid', 'patient');
  // The audit trail: a row per chart for the write, none naming another patient or any note text.
  for (const p of ps) {
    const rows = await trail(p.id);
    const created = rows.filter((x) => x.action === 'note.create' && x.object_id === String(nid));
    assert.equal(created.length, 1);
    for (const row of rows) {
      const detail = row.detail || '';
      assert.ok(!detail.includes('SECRET'), detail);
      if (row.action.startsWith('note.')) assert.ok(!/patient/i.test(detail), detail);
    }
    assert.ok(rows.some((x) => x.action === 'note.read' && x.patient_id === p.id));
  }
  // An individual session's note needs no ?patient=.
  const one = await newPatient();
  const s1 = await session([one]);
  const w1 = await writeNote(s1.id, { format: 'BIRP', shared: { behavior: 'Calm', intervention: 'MI', response: 'Open', plan: 'Weekly' } });
  expectStatus(w1, 201);
  const r1 = await s.req('GET', `/api/v1/notes/${w1.json.id}`, { as: 'nurse' });
  expectStatus(r1, 200);
  assert.equal(r1.json.chart, one.id);
  assert.deepEqual(Object.keys(r1.json.individual), [String(one.id)]);
  assert.equal(r1.json.individual[one.id].behavior, null);
});

// ---- writing rules ----

test('note bodies are checked field by field', async () => {
  const [a, b] = [await newPatient(), await newPatient()];
  const sess = await session([a, b]);
  const outsider = await newPatient();
  const cases = [
    [{ format: 'SOAPY', shared: { subjective: 'x' } }, 'format'],
    [{ shared: { subjective: 'x' } }, 'format'],
    [{ format: 'DAP', shared: { subjective: 'x' } }, 'shared.subjective'],
    [{ format: 'DAP', shared: { data: 7 } }, 'shared.data'],
    [{ format: 'DAP', shared: { data: 'x'.repeat(4001) } }, 'shared.data'],
    [{ format: 'DAP', shared: 'text' }, 'shared'],
    [{ format: 'DAP', shared: {} }, 'shared'],
    [{ format: 'DAP', shared: { data: '' } }, 'shared'],
    [{ format: 'DAP', individual: { abc: { data: 'x' } } }, 'individual'],
    [{ format: 'DAP', individual: [] }, 'individual'],
    [{ format: 'DAP', individual: { [outsider.id]: { data: 'x' } } }, `individual.${outsider.id}`],
    [{ format: 'DAP', individual: { [a.id]: { data: 'x', objectives: [{ plan_id: 1 }] } } }, `individual.${a.id}.objectives`],
    [{ format: 'DAP', individual: { [a.id]: { data: 'x', objectives: 'O1' } } }, `individual.${a.id}.objectives`],
    [{ format: 'DAP', individual: { [a.id]: { data: 'x', objectives: [{ plan_id: 999999, objective_id: 'O1' }] } } }, `individual.${a.id}.objectives`],
    [{ format: 'DAP', shared: { data: 'x', objectives: [] } }, 'shared.objectives'],
    [{ format: 'DAP', shared: { data: 'x' }, mood: 'ok' }, 'mood'],
  ];
  for (const [b2, field] of cases) {
    const r = await writeNote(sess.id, b2);
    expectError(r, 422, 'invalid', field);
  }
  // Who may write: prescribers and therapists; not nurses, admins, intake.
  for (const as of ['nurse', 'admin', 'intake', 'auditor'])
    expectError(await writeNote(sess.id, { format: 'DAP', shared: { data: 'x' } }, as), 403, 'forbidden');
  expectError(await writeNote(sess.id, { format: 'DAP', shared: { data: 'x' } }, 'norththerapist'), 404, 'not_found');
  // A session not started yet, or cancelled.
  const fut = await s.req('POST', '/api/v1/sessions', { as: 'therapist', body: { kind: 'individual', modality: 'cbt',
    minutes: 60, telehealth: true, starts_at: iso(Date.now() + 5 * DAY + nextSlot++ * HOUR), patients: [a.id] } });
  expectStatus(fut, 201);
  expectError(await writeNote(fut.json.id, { format: 'DAP', shared: { data: 'x' } }), 409, 'conflict', 'session');
  const c = await session([outsider]);
  expectStatus(await s.req('POST', `/api/v1/sessions/${c.id}/cancel`, { as: 'therapist', body: { reason: 'Holiday' } }), 200);
  expectError(await writeNote(c.id, { format: 'DAP', shared: { data: 'x' } }), 409, 'conflict', 'session');
  // Without individual parts a note is filed to everyone on the session, shared part only.
  const w = await writeNote(sess.id, { format: 'DAP', shared: { data: 'Everyone' } }, 'prescriber');
  expectStatus(w, 201);
  assert.deepEqual(w.json.charts.sort(), [a.id, b.id].sort());
  assert.equal((await chart(b.id)).json.items[0].shared.data, 'Everyone');
});

test('a draft changes as new versions by its author only; addenda need a signed note', async () => {
  const [a, b] = [await newPatient(), await newPatient()];
  const sess = await session([a, b]);
  const w = await writeNote(sess.id, { format: 'SOAP', shared: { subjective: 'v1' }, individual: { [a.id]: { plan: 'A v1' }, [b.id]: {} } });
  expectStatus(w, 201);
  const nid = w.json.id;
  expectError(await s.req('POST', `/api/v1/notes/${nid}/addenda`, { as: 'therapist', body: { text: 'early' } }), 409, 'conflict');
  expectError(await s.req('PUT', `/api/v1/notes/${nid}`, { as: 'therapist2', body: { format: 'SOAP', shared: { subjective: 'hijack' } } }), 403, 'forbidden');
  expectError(await s.req('POST', `/api/v1/notes/${nid}/sign`, { as: 'therapist2' }), 403, 'forbidden');
  const v2 = await s.req('PUT', `/api/v1/notes/${nid}`, { as: 'therapist', body: { format: 'SOAP', shared: { subjective: 'v2' },
    individual: { [a.id]: { plan: 'A v2' } } } });
  expectStatus(v2, 200);
  assert.equal(v2.json.version, 2);
  assert.equal(v2.json.shared.subjective, 'v2');
  // Version 2 is filed to A only: B's chart no longer shows it.
  assert.deepEqual(v2.json.charts, [a.id]);
  assert.equal((await chart(b.id)).json.total, 0);
  assert.equal((await chart(a.id)).json.items[0].individual[a.id].plan, 'A v2');
  // The versions are kept.
  const rows = dbExec(s, `SELECT COUNT(*) FROM progress_note_version WHERE note_id = ${nid}`);
  assert.equal(rows.stdout.trim(), '2');
  expectStatus(await s.req('POST', `/api/v1/notes/${nid}/sign`, { as: 'therapist' }), 200);
  expectError(await s.req('POST', `/api/v1/notes/${nid}/addenda`, { as: 'therapist', body: {} }), 422, 'invalid', 'text');
  expectError(await s.req('POST', `/api/v1/notes/${nid}/addenda`, { as: 'therapist', body: { text: 'x', patient_id: b.id } }), 422, 'invalid', 'patient_id');
  expectError(await s.req('POST', `/api/v1/notes/${nid}/addenda`, { as: 'nurse', body: { text: 'x' } }), 403, 'forbidden');
  expectError(await s.req('POST', `/api/v1/notes/${nid}/addenda`, { as: 'norththerapist', body: { text: 'x' } }), 404, 'not_found');
  expectError(await s.req('POST', `/api/v1/notes/${nid}/cosign`, { as: 'therapist2' }), 409, 'conflict');
});

test('a supervised clinician\'s signed note awaits the supervisor\'s co-signature', async () => {
  const p = await newPatient();
  const sess = await session([p], 'trainee');
  const w = await writeNote(sess.id, { format: 'DAP', shared: { data: 'Trainee session' } }, 'trainee');
  expectStatus(w, 201);
  const nid = w.json.id;
  const sg = await s.req('POST', `/api/v1/notes/${nid}/sign`, { as: 'trainee' });
  expectStatus(sg, 200);
  assert.equal(sg.json.status, 'awaiting_cosign');
  assert.deepEqual(sg.json.cosignature, { required_by: 'therapist', by: null, at: null });
  // Locked already: the author's signature locks.
  expectError(await s.req('PUT', `/api/v1/notes/${nid}`, { as: 'trainee', body: { format: 'DAP', shared: { data: 'x' } } }), 409, 'conflict');
  // On the supervisor's list.
  const list = await s.req('GET', '/api/v1/notes/unsigned', { as: 'therapist' });
  expectStatus(list, 200);
  assert.ok(list.json.awaiting_cosign.some((x) => x.id === nid && x.author === 'trainee'));
  expectError(await s.req('POST', `/api/v1/notes/${nid}/cosign`, { as: 'therapist2' }), 403, 'forbidden');
  expectError(await s.req('POST', `/api/v1/notes/${nid}/cosign`, { as: 'trainee' }), 403, 'forbidden');
  const co = await s.req('POST', `/api/v1/notes/${nid}/cosign`, { as: 'therapist' });
  expectStatus(co, 200);
  assert.equal(co.json.status, 'signed');
  assert.equal(co.json.cosignature.by, 'therapist');
  expectError(await s.req('POST', `/api/v1/notes/${nid}/cosign`, { as: 'therapist' }), 409, 'conflict');
  const after = await s.req('GET', '/api/v1/notes/unsigned', { as: 'therapist' });
  assert.ok(!after.json.awaiting_cosign.some((x) => x.id === nid));
  // Supervision ended: the next note needs no co-signature.
  s.cliOk(['user', 'supervise', 'trainee', '--end']);
  const p2 = await newPatient();
  const s2 = await session([p2], 'trainee');
  const w2 = await writeNote(s2.id, { format: 'DAP', shared: { data: 'Alone now' } }, 'trainee');
  const sg2 = await s.req('POST', `/api/v1/notes/${w2.json.id}/sign`, { as: 'trainee' });
  assert.equal(sg2.json.status, 'signed');
  assert.equal(sg2.json.cosignature, null);
  s.cliOk(['user', 'supervise', 'trainee', '--by', 'therapist']);
  // Bad CLI use.
  assert.equal(s.cli(['user', 'supervise', 'trainee', '--by', 'trainee']).status, 1);
  assert.equal(s.cli(['user', 'supervise', 'trainee']).status, 2);
});

test('drafts older than unsigned_after_hours are on their author\'s unsigned list', async () => {
  const p = await newPatient();
  const sess = await session([p], 'therapist2');
  const w = await writeNote(sess.id, { format: 'DAP', shared: { data: 'Forgot to sign' } }, 'therapist2');
  expectStatus(w, 201);
  let list = await s.req('GET', '/api/v1/notes/unsigned', { as: 'therapist2' });
  expectStatus(list, 200);
  assert.equal(list.json.unsigned_after_hours, 24);
  assert.ok(!list.json.items.some((x) => x.id === w.json.id));
  // 25 hours old.
  const old = iso(Date.now() - 25 * HOUR);
  const r = dbExec(s, `UPDATE progress_note SET created_at = '${old}' WHERE id = ${w.json.id}`);
  assert.equal(r.status, 0, r.stderr);
  list = await s.req('GET', '/api/v1/notes/unsigned', { as: 'therapist2' });
  const item = list.json.items.find((x) => x.id === w.json.id);
  assert.ok(item, list.text);
  assert.ok(item.hours >= 25);
  assert.equal(item.session_id, sess.id);
  // Not on anyone else's list.
  const other = await s.req('GET', '/api/v1/notes/unsigned', { as: 'therapist' });
  assert.ok(!other.json.items.some((x) => x.id === w.json.id));
  expectError(await s.req('GET', '/api/v1/notes/unsigned', { as: 'nurse' }), 403, 'forbidden');
  expectStatus(await s.req('POST', `/api/v1/notes/${w.json.id}/sign`, { as: 'therapist2' }), 200);
  list = await s.req('GET', '/api/v1/notes/unsigned', { as: 'therapist2' });
  assert.ok(!list.json.items.some((x) => x.id === w.json.id));
});

// ---- psychotherapy notes ----

test('psychotherapy notes are kept apart and visible only to their author', async () => {
  const p = await newPatient();
  const sess = await session([p]);
  const w = await s.req('POST', `/api/v1/patients/${p.id}/psychotherapy-notes`, { as: 'therapist',
    body: { text: 'PSYCHO-SECRET: countertransference noted', session_id: sess.id } });
  expectStatus(w, 201);
  assert.equal(w.json.kind, 'psychotherapy');
  assert.equal(w.json.session_id, sess.id);
  const own = await s.req('GET', `/api/v1/patients/${p.id}/psychotherapy-notes`, { as: 'therapist' });
  expectStatus(own, 200);
  assert.equal(own.json.items.length, 1);
  assert.equal(own.json.items[0].text, 'PSYCHO-SECRET: countertransference noted');
  expectStatus(await s.req('GET', `/api/v1/psychotherapy-notes/${w.json.id}`, { as: 'therapist' }), 200);
  // Everyone else: an empty list, 404 by id, or 403 by role; never the text.
  for (const as of ['therapist2', 'prescriber']) {
    const l = await s.req('GET', `/api/v1/patients/${p.id}/psychotherapy-notes`, { as });
    expectStatus(l, 200);
    assert.equal(l.json.items.length, 0);
    const g = await s.req('GET', `/api/v1/psychotherapy-notes/${w.json.id}`, { as });
    expectError(g, 404, 'not_found');
    assert.ok(!g.text.includes('PSYCHO-SECRET'));
  }
  for (const as of ['admin', 'nurse', 'auditor', 'intake'])
    expectError(await s.req('GET', `/api/v1/psychotherapy-notes/${w.json.id}`, { as }), 403, 'forbidden');
  expectError(await s.req('GET', `/api/v1/psychotherapy-notes/${w.json.id}`, { as: 'norththerapist' }), 404, 'not_found');
  // Not in the progress record.
  const progress = await chart(p.id, 'therapist');
  assert.ok(!progress.text.includes('PSYCHO-SECRET'));
  // Audited, without the text; the refused reads are "denied".
  const rows = await trail(p.id);
  assert.ok(rows.some((x) => x.action === 'psychotherapy_note.create' && x.username === 'therapist'));
  assert.ok(rows.some((x) => x.action === 'psychotherapy_note.read' && x.username === 'therapist2' && x.outcome === 'denied'));
  assert.ok(rows.every((x) => !(x.detail || '').includes('PSYCHO-SECRET')));
  // Checks.
  const post = (body) => s.req('POST', `/api/v1/patients/${p.id}/psychotherapy-notes`, { as: 'therapist', body });
  expectError(await post({}), 422, 'invalid', 'text');
  expectError(await post({ text: 'x'.repeat(8001) }), 422, 'invalid', 'text');
  const q = await newPatient();
  const other = await session([q]);
  expectError(await post({ text: 'x', session_id: other.id }), 422, 'invalid', 'session_id');
  expectError(await s.req('POST', `/api/v1/patients/${p.id}/psychotherapy-notes`, { as: 'nurse', body: { text: 'x' } }), 403, 'forbidden');
});
