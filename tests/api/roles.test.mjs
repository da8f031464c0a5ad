// roles.test.mjs - every route against every role, from a table.
//
// ROUTES copies src/http/routes.c (method, path, roles). The first test parses
// routes.c and checks the two agree exactly, so they cannot drift. Each
// route test then calls the route as each role with a valid request: a role
// outside the list gets 403 forbidden, a role in it gets the route's success
// status (in particular neither 401 nor 403).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, patientBody, day, ROOT, ROLES, PW } from './harness.mjs';

const ALL = ['admin', 'prescriber', 'nurse', 'therapist', 'intake', 'auditor'];
const CLINICAL = ['admin', 'prescriber', 'nurse', 'therapist', 'intake'];
// Clinical roles that see scores, trends, alerts and schedules (not intake).
const CLINIC_CARE = ['admin', 'prescriber', 'nurse', 'therapist'];

// A one-problem treatment plan naming diagnosis dx.
const planBody = (dx) => ({
  problems: [{
    text: 'Opioid use disorder', diagnosis_ids: [dx],
    goals: [{ text: 'Stay alive for my kids', objectives: [{ text: 'Attend group weekly', target_date: day(60) }] }],
  }],
});

// [method, path, roles (null: public), success status, request builder]
// The builder gets (role, fixtures) and returns a request that is valid for
// that role: ids (for each {id} in order), code (for {code}), query (appended
// to the path), body, token (instead of the role's own), noAuth (no token).
const ROUTES = [
  ['GET', '/healthz', null, 200],
  ['POST', '/api/v1/session', null, 201, (role, f) => ({ body: { username: role, password: f.pw(role) }, noAuth: true })],
  ['DELETE', '/api/v1/session', ALL, 204, (role, f) => ({ token: f.spare[role] })],
  ['GET', '/api/v1/me', ALL, 200],
  ['GET', '/api/v1/sites', ALL, 200],
  ['GET', '/api/v1/levels', ALL, 200],
  ['GET', '/api/v1/staff', CLINIC_CARE, 200],
  ['GET', '/api/v1/patients', CLINICAL, 200],
  ['POST', '/api/v1/patients', ['admin', 'intake'], 201, () => ({ body: patientBody() })],
  ['GET', '/api/v1/patients/{id}', CLINICAL, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['PATCH', '/api/v1/patients/{id}', ['admin', 'intake'], 200,
    (role, f) => ({ ids: [f.plain[role]], body: { preferred_name: `By ${role}`, reason: 'role test' } })],
  ['GET', '/api/v1/patients/{id}/diagnoses', CLINICAL, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['POST', '/api/v1/patients/{id}/diagnoses', ['admin', 'prescriber', 'therapist'], 201,
    (role, f) => ({ ids: [f.plain[role]], body: { code: 'F12.20' } })],
  ['POST', '/api/v1/diagnoses/{id}/status', ['admin', 'prescriber', 'therapist'], 200,
    (role, f) => ({ ids: [f.dx[role]], body: { status: 'resolved', reason: 'role test' } })],
  ['GET', '/api/v1/patients/{id}/episodes', CLINICAL, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['POST', '/api/v1/patients/{id}/episodes', ['admin', 'prescriber', 'therapist', 'intake'], 201,
    (role, f) => ({ ids: [f.plain[role]], body: { level: 'outpatient' } })],
  ['GET', '/api/v1/episodes/{id}', CLINICAL, 200, (role, f) => ({ ids: [f.movingEp[role]] })],
  ['POST', '/api/v1/episodes/{id}/placements', ['admin', 'prescriber', 'therapist', 'intake'], 201,
    (role, f) => ({ ids: [f.movingEp[role]], body: { level: 'residential', reason: 'role test' } })],
  ['POST', '/api/v1/episodes/{id}/discharge', ['admin', 'prescriber', 'therapist', 'intake'], 200,
    (role, f) => ({ ids: [f.leavingEp[role]], body: { reason: 'completed' } })],
  ['GET', '/api/v1/census', CLINICAL, 200],
  ['GET', '/api/v1/census/daily', CLINICAL, 200],
  ['GET', '/api/v1/audit', ['admin', 'auditor'], 200],
  ['GET', '/api/v1/instruments', CLINICAL, 200],
  ['GET', '/api/v1/instruments/{code}', CLINICAL, 200, () => ({ code: 'PHQ-9' })],
  ['GET', '/api/v1/patients/{id}/assessments', CLINICAL, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['POST', '/api/v1/patients/{id}/assessments', CLINICAL, 201,
    (role, f) => ({ ids: [f.plain[role]], body: { instrument: 'PHQ-9', answers: [1, 1, 1, 1, 0, 0, 0, 0, 0] } })],
  ['GET', '/api/v1/patients/{id}/trends', CLINIC_CARE, 200,
    (role, f) => ({ ids: [f.plain[role]], query: '?instrument=PHQ-9' })],
  ['GET', '/api/v1/patients/{id}/flowsheet', CLINIC_CARE, 200,
    (role, f) => ({ ids: [f.plain[role]], query: '?instrument=CIWA-Ar' })],
  ['GET', '/api/v1/patients/{id}/alerts', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['GET', '/api/v1/alerts', CLINIC_CARE, 200],
  ['POST', '/api/v1/alerts/{id}/ack', CLINIC_CARE, 200,
    (role, f) => ({ ids: [f.alert[role]], body: { note: `Reviewed by ${role} (role test)` } })],
  ['GET', '/api/v1/patients/{id}/schedules', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['POST', '/api/v1/patients/{id}/schedules', ['admin', 'prescriber', 'therapist'], 201,
    (role, f) => ({ ids: [f.plain[role]], body: { instrument: 'PHQ-9', every_days: 14, reason: 'role test' } })],
  ['POST', '/api/v1/schedules/{id}/stop', ['admin', 'prescriber', 'therapist'], 204,
    (role, f) => ({ ids: [f.schedule[role]], body: { reason: 'role test' } })],
  ['GET', '/api/v1/due', CLINIC_CARE, 200],
  ['POST', '/api/v1/patients/{id}/checkins', CLINICAL, 201,
    (role, f) => ({ ids: [f.plain[role]], body: { instruments: ['PHQ-9'] } })],
  ['GET', '/api/v1/patients/{id}/allergies', CLINICAL, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['POST', '/api/v1/patients/{id}/allergies', ['admin', 'prescriber', 'nurse', 'intake'], 201,
    (role, f) => ({ ids: [f.plain[role]], body: { substance: `Latex by ${role}`, kind: 'environment' } })],
  ['POST', '/api/v1/allergies/{id}/status', ['admin', 'prescriber', 'nurse'], 200,
    (role, f) => ({ ids: [f.allergy[role]], body: { status: 'resolved', reason: 'role test' } })],
  ['GET', '/api/v1/patients/{id}/results', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['POST', '/api/v1/patients/{id}/results', ['admin', 'prescriber', 'nurse'], 201,
    (role, f) => ({ ids: [f.plain[role]], body: { kind: 'breath_alcohol', value: 0 } })],
  ['POST', '/api/v1/results/{id}/void', ['admin', 'prescriber', 'nurse'], 200,
    (role, f) => ({ ids: [f.result[role]], body: { reason: 'role test' } })],
  ['GET', '/api/v1/formulary', CLINICAL, 200],
  ['GET', '/api/v1/formulary/{code}', CLINICAL, 200, () => ({ code: 'methadone' })],
  ['GET', '/api/v1/patients/{id}/take-homes/eligibility', ['admin', 'prescriber', 'nurse'], 200,
    (role, f) => ({ ids: [f.plain[role]] })],
  ['POST', '/api/v1/patients/{id}/take-homes/decisions', ['prescriber'], 201,
    (role, f) => ({ ids: [f.plain[role]], body: { approved_days: 0, reason: 'role test' } })],
  ['POST', '/api/v1/patients/{id}/take-homes/education', ['admin', 'prescriber', 'nurse'], 201,
    (role, f) => ({ ids: [f.plain[role]], body: { note: `Storage education by ${role} (role test)` } })],
  ['POST', '/api/v1/patients/{id}/diversions', ['admin', 'prescriber', 'nurse'], 201,
    (role, f) => ({ ids: [f.plain[role]], body: { note: 'role test' } })],
  ['GET', '/api/v1/patients/{id}/take-homes', ['admin', 'prescriber', 'nurse'], 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['POST', '/api/v1/take-homes/{id}/returns', ['admin', 'prescriber', 'nurse'], 201,
    (role, f) => ({ ids: [f.dispense[role]], body: { bottles: 1, condition: 'returned' } })],
  ['GET', '/api/v1/patients/{id}/monitoring', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['GET', '/api/v1/monitoring', ['admin', 'prescriber', 'nurse'], 200],
  ['GET', '/api/v1/patients/{id}/orders', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['POST', '/api/v1/patients/{id}/orders', ['prescriber'], 201,
    (role, f) => ({ ids: [f.plain[role]], body: { medication: 'escitalopram', dose: 10, unit: 'mg', route: 'oral', frequency: 'daily' } })],
  ['GET', '/api/v1/orders/{id}', CLINIC_CARE, 200, (role, f) => ({ ids: [f.order[role]] })],
  ['POST', '/api/v1/orders/{id}/events', ['prescriber'], 201,
    (role, f) => ({ ids: [f.order[role]], body: { kind: 'change', dose: 75, reason: 'role test' } })],
  ['POST', '/api/v1/orders/{id}/titration', ['prescriber'], 201,
    (role, f) => ({ ids: [f.titrate[role]], body: { step: 25, every_days: 7, target: 100 } })],
  ['POST', '/api/v1/orders/{id}/titration/pause', ['prescriber'], 200,
    (role, f) => ({ ids: [f.pause[role]], body: { reason: 'role test' } })],
  ['POST', '/api/v1/orders/{id}/titration/resume', ['prescriber'], 200,
    (role, f) => ({ ids: [f.resume[role]], body: { reason: 'role test' } })],
  ['POST', '/api/v1/orders/{id}/administrations', ['admin', 'prescriber', 'nurse'], 201,
    (role, f) => ({ ids: [f.dose[role]], body: { status: 'given', amount: 50 }, headers: { 'Idempotency-Key': `role-${role}` } })],
  ['POST', '/api/v1/administrations/{id}/void', ['admin', 'prescriber', 'nurse'], 200,
    (role, f) => ({ ids: [f.given[role]], body: { reason: 'role test' } })],
  ['GET', '/api/v1/patients/{id}/mar', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['GET', '/api/v1/dosing', ['admin', 'prescriber', 'nurse'], 200],
  // Treatment plans: read A P N T, write P T.
  ['GET', '/api/v1/patients/{id}/plans', CLINIC_CARE, 200, (role, f) => ({ ids: [f.planPatient[role]] })],
  ['POST', '/api/v1/patients/{id}/plans', ['prescriber', 'therapist'], 201,
    (role, f) => ({ ids: [f.planPatient[role]], body: planBody(f.planDx[role]) })],
  ['GET', '/api/v1/plans/due', CLINIC_CARE, 200],
  ['GET', '/api/v1/plans/{id}', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plan[role]] })],
  ['GET', '/api/v1/plans/{id}/versions', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plan[role]] })],
  ['GET', '/api/v1/plans/{id}/versions/{id}', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plan[role], 1] })],
  ['POST', '/api/v1/plans/{id}/versions', ['prescriber', 'therapist'], 201,
    (role, f) => ({ ids: [f.revisePlan[role]], body: { version: 1, note: 'role test', ...planBody(f.reviseDx[role]) } })],
  ['POST', '/api/v1/plans/{id}/reviews', ['prescriber', 'therapist'], 201,
    (role, f) => ({ ids: [f.reviewPlan[role]], body: { version: 1, note: 'role test' } })],
  ['POST', '/api/v1/plans/{id}/sign', ['prescriber', 'therapist'], 201,
    (role, f) => ({ ids: [f.plan[role]], body: { role: 'clinician', version: 1 } })],
  // Therapy: sessions and attendance A P N T; notes written by P T, read by
  // A P N T; psychotherapy notes P T (author only); triggers A P N T.
  ['GET', '/api/v1/sessions', CLINIC_CARE, 200],
  ['POST', '/api/v1/sessions', CLINIC_CARE, 201, (role, f) => ({ body: { kind: 'individual', modality: 'cbt',
    minutes: 50, telehealth: true, starts_at: f.sessionAt[role], patients: [f.plain[role]] } })],
  ['GET', '/api/v1/sessions/{id}', CLINIC_CARE, 200, (role, f) => ({ ids: [f.sess[role]] })],
  ['POST', '/api/v1/sessions/{id}/cancel', CLINIC_CARE, 200,
    (role, f) => ({ ids: [f.cancelSess[role]], body: { reason: 'role test' } })],
  ['PUT', '/api/v1/sessions/{id}/attendance/{id}', CLINIC_CARE, 200,
    (role, f) => ({ ids: [f.sess[role], f.sessPatient[role]], body: { status: 'present' } })],
  ['GET', '/api/v1/patients/{id}/sessions', CLINIC_CARE, 200, (role, f) => ({ ids: [f.sessPatient[role]] })],
  ['POST', '/api/v1/session-series', CLINIC_CARE, 201, (role, f) => ({ body: { modality: 'relapse_prevention',
    minutes: 60, telehealth: true, starts_at: f.seriesAt[role], count: 2, patients: [f.plain[role]] } })],
  ['GET', '/api/v1/session-series/{id}', CLINIC_CARE, 200, (role, f) => ({ ids: [f.series[role]] })],
  ['PUT', '/api/v1/session-series/{id}/roster', CLINIC_CARE, 200,
    (role, f) => ({ ids: [f.series[role]], body: { patients: [f.seriesPatient[role]] } })],
  ['POST', '/api/v1/sessions/{id}/notes', ['prescriber', 'therapist'], 201,
    (role, f) => ({ ids: [f.noteSess[role]], body: { format: 'DAP', shared: { data: `By ${role}` } } })],
  ['GET', '/api/v1/patients/{id}/notes', CLINIC_CARE, 200, (role, f) => ({ ids: [f.sessPatient[role]] })],
  ['GET', '/api/v1/notes/unsigned', ['prescriber', 'therapist'], 200],
  ['GET', '/api/v1/notes/{id}', CLINIC_CARE, 200, (role, f) => ({ ids: [f.note[role]] })],
  ['PUT', '/api/v1/notes/{id}', ['prescriber', 'therapist'], 200,
    (role, f) => ({ ids: [f.draft[role]], body: { format: 'SOAP', shared: { plan: 'role test' } } })],
  ['POST', '/api/v1/notes/{id}/sign', ['prescriber', 'therapist'], 200, (role, f) => ({ ids: [f.signNote[role]] })],
  ['POST', '/api/v1/notes/{id}/cosign', ['prescriber', 'therapist'], 200, (role, f) => ({ ids: [f.cosignNote[role]] })],
  ['POST', '/api/v1/notes/{id}/addenda', ['prescriber', 'therapist'], 201,
    (role, f) => ({ ids: [f.note[role]], body: { text: `Addendum by ${role}` } })],
  ['GET', '/api/v1/patients/{id}/psychotherapy-notes', ['prescriber', 'therapist'], 200,
    (role, f) => ({ ids: [f.sessPatient[role]] })],
  ['POST', '/api/v1/patients/{id}/psychotherapy-notes', ['prescriber', 'therapist'], 201,
    (role, f) => ({ ids: [f.sessPatient[role]], body: { text: 'role test' } })],
  ['GET', '/api/v1/psychotherapy-notes/{id}', ['prescriber', 'therapist'], 200, (role, f) => ({ ids: [f.pnote[role]] })],
  ['GET', '/api/v1/patients/{id}/triggers', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plain[role]] })],
  ['POST', '/api/v1/patients/{id}/triggers', CLINIC_CARE, 201,
    (role, f) => ({ ids: [f.plain[role]], body: { category: 'places', description: `By ${role}` } })],
  ['POST', '/api/v1/patients/{id}/coping-strategies', CLINIC_CARE, 201,
    (role, f) => ({ ids: [f.plain[role]], body: { description: 'Call a friend', trigger_ids: [f.trigger[role]] } })],
  ['POST', '/api/v1/coping-strategies/{id}/ratings', CLINIC_CARE, 201,
    (role, f) => ({ ids: [f.coping[role]], body: { effectiveness: 4 } })],
  ['POST', '/api/v1/patients/{id}/warning-signs', CLINIC_CARE, 201,
    (role, f) => ({ ids: [f.plain[role]], body: { description: 'Isolating' } })],
  ['POST', '/api/v1/patients/{id}/support-contacts', CLINIC_CARE, 201,
    (role, f) => ({ ids: [f.plain[role]], body: { name: 'A friend', phone: '555-0100' } })],
  ['POST', '/api/v1/patients/{id}/relapse-prevention/retire', CLINIC_CARE, 200,
    (role, f) => ({ ids: [f.plain[role]], body: { kind: 'trigger', id: f.retireTrigger[role], reason: 'role test' } })],
  ['GET', '/api/v1/patients/{id}/relapse-prevention', CLINIC_CARE, 200, (role, f) => ({ ids: [f.plain[role]] })],
  // Public: the patient's link or code is the only key; every caller is
  // treated alike, with or without a staff token.
  ['GET', '/api/v1/checkin/{code}', null, 200, (role, f) => ({ code: f.readCheckin[role], noAuth: true })],
  ['POST', '/api/v1/checkin/{code}', null, 201,
    (role, f) => ({ code: f.submitCheckin[role], noAuth: true, body: { answers: [[0, 1, 0, 1, 0, 1, 0, 0, 0]] } })],
];

const LETTER = { A: 'admin', P: 'prescriber', N: 'nurse', T: 'therapist', I: 'intake', U: 'auditor' };

// Parses the route table out of src/http/routes.c.
function parseRoutesC() {
  const src = readFileSync(path.join(ROOT, 'src/http/routes.c'), 'utf8');
  const table = src.slice(src.indexOf('routes[] = {'), src.indexOf('{NULL, NULL, NULL'));
  assert.ok(table.length > 0, 'route table not found in routes.c');
  const re = /\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*(\w+)\s*,\s*([A-Z0|\s]+?)\s*,\s*([\w|\s]+?)\s*\}/g;
  const out = [];
  for (const m of table.matchAll(re)) {
    const [, method, p, , rolesExpr, flags] = m;
    const isPublic = /ROUTE_PUBLIC/.test(flags);
    const roles = rolesExpr.trim() === '0'
      ? []
      : rolesExpr.split('|').map((x) => {
        const r = LETTER[x.trim()];
        assert.ok(r, `unknown role letter '${x.trim()}' in routes.c`);
        return r;
      });
    out.push({ method, path: p, roles: isPublic ? null : roles.sort() });
  }
  // Every "{" line inside the table is a route: make sure the regex saw them all.
  const lines = table.split('\n').filter((l) => /^\s*\{\s*"/.test(l));
  assert.equal(out.length, lines.length, 'some routes.c lines did not parse');
  return out;
}

test('the table here matches src/http/routes.c exactly', () => {
  const fromC = parseRoutesC().map((r) => `${r.method} ${r.path} ${r.roles ? r.roles.join(',') : 'PUBLIC'}`);
  const here = ROUTES.map(([m, p, roles]) => `${m} ${p} ${roles ? [...roles].sort().join(',') : 'PUBLIC'}`);
  assert.deepEqual(here, fromC);
  for (const [, , roles] of ROUTES) for (const r of roles || []) assert.ok(ROLES.includes(r));
});

let s;
const f = {
  plain: {}, dx: {}, movingEp: {}, leavingEp: {}, spare: {}, pw: null,
  alert: {}, schedule: {}, readCheckin: {}, submitCheckin: {}, allergy: {}, result: {},
  order: {}, titrate: {}, pause: {}, resume: {}, dose: {}, given: {}, dispense: {},
  planPatient: {}, planDx: {}, plan: {}, revisePlan: {}, reviseDx: {}, reviewPlan: {},
  sessionAt: {}, seriesAt: {}, sess: {}, sessPatient: {}, cancelSess: {}, series: {}, seriesPatient: {},
  noteSess: {}, note: {}, draft: {}, signNote: {}, cosignNote: {}, pnote: {}, trigger: {}, retireTrigger: {}, coping: {},
};

// Therapy fixtures: distinct two-hour slots, past ones (a note needs a
// session that has started) within the 30 days a session may go back.
const HOUR = 3600000;
const THERAPY_PAST = Math.floor((Date.now() - 20 * 86400000) / HOUR) * HOUR;
const THERAPY_FUTURE = Math.floor((Date.now() + 3 * 86400000) / HOUR) * HOUR;
let therapySlot = 0;
const at = (base) => new Date(base + therapySlot++ * 2 * HOUR).toISOString().slice(0, 19) + 'Z';

before(async () => {
  s = await startServer();
  await s.loginAll(ALL);
  f.pw = (role) => s.pwOf(role);
  // Per role: a plain patient, a diagnosis to resolve, an open episode to
  // move, an open episode to discharge, and a spare token to log out.
  for (const role of ALL) {
    const mk = async () => {
      const r = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody({ given_name: `For${role}` }) });
      expectStatus(r, 201);
      return r.json.id;
    };
    f.plain[role] = await mk();
    const dxP = await mk();
    const dx = await s.req('POST', `/api/v1/patients/${dxP}/diagnoses`, { as: 'admin', body: { code: 'F10.20' } });
    expectStatus(dx, 201);
    f.dx[role] = dx.json.id;
    for (const key of ['movingEp', 'leavingEp']) {
      const p = await mk();
      const e = await s.req('POST', `/api/v1/patients/${p}/episodes`, { as: 'admin', body: { level: 'detox', admitted_on: day(-2) } });
      expectStatus(e, 201);
      f[key][role] = e.json.id;
    }
    // An open alert to acknowledge (PHQ-9 item 9 answered 1).
    const alP = await mk();
    const as = await s.req('POST', `/api/v1/patients/${alP}/assessments`,
      { as: 'admin', body: { instrument: 'PHQ-9', answers: [0, 0, 0, 0, 0, 0, 0, 0, 1] } });
    expectStatus(as, 201);
    assert.equal(as.json.alerts.length, 1, as.text);
    f.alert[role] = as.json.alerts[0].id;
    // A schedule to stop.
    const sc = await s.req('POST', `/api/v1/patients/${f.plain[role]}/schedules`,
      { as: 'admin', body: { instrument: 'GAD-7', every_days: 28, reason: 'role test fixture' } });
    expectStatus(sc, 201);
    f.schedule[role] = sc.json.id;
    // An allergy to resolve and a result to void.
    const al = await s.req('POST', `/api/v1/patients/${f.plain[role]}/allergies`,
      { as: 'admin', body: { substance: 'Penicillin', kind: 'drug', severity: 'moderate' } });
    expectStatus(al, 201);
    f.allergy[role] = al.json.id;
    const rs = await s.req('POST', `/api/v1/patients/${f.plain[role]}/results`,
      { as: 'admin', body: { kind: 'uds', substance: 'opioids', result: 'negative' } });
    expectStatus(rs, 201);
    f.result[role] = rs.json.id;
    // Medication orders (sertraline, written by the prescriber): one to
    // change, one to titrate, one with a plan to pause, one with a paused
    // plan to resume, one with a dose due, one with a dose to void.
    const rx = async () => {
      const p = await mk();
      const o = await s.req('POST', `/api/v1/patients/${p}/orders`, {
        as: 'prescriber', body: { medication: 'sertraline', dose: 50, unit: 'mg', route: 'oral', frequency: 'daily' },
      });
      expectStatus(o, 201);
      return o.json.id;
    };
    const plan = async (id) => expectStatus(await s.req('POST', `/api/v1/orders/${id}/titration`,
      { as: 'prescriber', body: { step: 25, every_days: 7, target: 100 } }), 201);
    for (const key of ['order', 'titrate', 'pause', 'resume', 'dose', 'given']) f[key][role] = await rx();
    await plan(f.pause[role]);
    await plan(f.resume[role]);
    expectStatus(await s.req('POST', `/api/v1/orders/${f.resume[role]}/titration/pause`,
      { as: 'prescriber', body: { reason: 'role test fixture' } }), 200);
    const g = await s.req('POST', `/api/v1/orders/${f.given[role]}/administrations`,
      { as: 'nurse', body: { status: 'given', amount: 50 }, headers: { 'Idempotency-Key': `fixture-${role}` } });
    expectStatus(g, 201);
    f.given[role] = g.json.id;
    // A take-home dispense (one bottle) to return: sertraline has no
    // time-in-treatment ceiling, so no take-home decision is needed.
    const th = await s.req('POST', `/api/v1/orders/${await rx()}/administrations`,
      { as: 'nurse', body: { status: 'take_home', days: 1 }, headers: { 'Idempotency-Key': `fixture-th-${role}` } });
    expectStatus(th, 201);
    f.dispense[role] = th.json.dispense_id;
    // Treatment plans: a patient in care with a diagnosis and no plan yet
    // (to create one), and three plans at version 1 (to read and sign, to
    // change, to review).
    const inCare = async () => {
      const p = await mk();
      const d = await s.req('POST', `/api/v1/patients/${p}/diagnoses`, { as: 'admin', body: { code: 'F11.20' } });
      expectStatus(d, 201);
      expectStatus(await s.req('POST', `/api/v1/patients/${p}/episodes`, { as: 'admin', body: { level: 'iop' } }), 201);
      return { p, dx: d.json.id };
    };
    const fresh = await inCare();
    f.planPatient[role] = fresh.p;
    f.planDx[role] = fresh.dx;
    for (const key of ['plan', 'revisePlan', 'reviewPlan']) {
      const c = await inCare();
      const pl = await s.req('POST', `/api/v1/patients/${c.p}/plans`, { as: 'therapist', body: planBody(c.dx) });
      expectStatus(pl, 201);
      f[key][role] = pl.json.id;
      if (key === 'revisePlan') f.reviseDx[role] = c.dx;
    }
    // Therapy. Notes are written by prescribers and therapists: a role that
    // may not write gets a note by the therapist (the router refuses it
    // before the note matters). traineep and traineet are supervised by
    // the prescriber and the therapist: their signed notes await them.
    if (role === ALL[0]) {
      for (const [name, by] of [['traineep', 'prescriber'], ['traineet', 'therapist']]) {
        s.cliOk(['user', 'add', name, '--role', 'therapist', '--site', 'main', '--password-stdin'], PW + '\n');
        s.cliOk(['user', 'supervise', name, '--by', by]);
      }
    }
    const author = ['prescriber', 'therapist'].includes(role) ? role : 'therapist';
    const book = async (p, when) => {
      const r = await s.req('POST', '/api/v1/sessions', { as: 'therapist', body: { kind: 'individual', modality: 'cbt',
        minutes: 60, telehealth: true, starts_at: when ?? at(THERAPY_PAST), patients: [p] } });
      expectStatus(r, 201);
      return r.json.id;
    };
    const noteOn = async (as, sign) => {
      const sid = await book(await mk());
      const n = await s.req('POST', `/api/v1/sessions/${sid}/notes`, { as, body: { format: 'SOAP', shared: { subjective: 'fixture' } } });
      expectStatus(n, 201);
      if (sign) expectStatus(await s.req('POST', `/api/v1/notes/${n.json.id}/sign`, { as }), 200);
      return n.json.id;
    };
    f.sessionAt[role] = at(THERAPY_FUTURE);
    f.seriesAt[role] = at(THERAPY_FUTURE + 10 * 86400000);
    f.sessPatient[role] = await mk();
    f.sess[role] = await book(f.sessPatient[role]);
    f.cancelSess[role] = await book(await mk(), at(THERAPY_FUTURE));
    f.noteSess[role] = await book(await mk());
    f.note[role] = await noteOn(author, true);
    f.draft[role] = await noteOn(author, false);
    f.signNote[role] = await noteOn(author, false);
    f.cosignNote[role] = await noteOn(role === 'prescriber' ? 'traineep' : 'traineet', true);
    f.seriesPatient[role] = await mk();
    const sr = await s.req('POST', '/api/v1/session-series', { as: 'therapist', body: { modality: 'dbt', minutes: 60,
      telehealth: true, starts_at: at(THERAPY_FUTURE), count: 2, patients: [f.seriesPatient[role]] } });
    expectStatus(sr, 201);
    f.series[role] = sr.json.id;
    const pn = await s.req('POST', `/api/v1/patients/${f.sessPatient[role]}/psychotherapy-notes`, { as: author, body: { text: 'fixture' } });
    expectStatus(pn, 201);
    f.pnote[role] = pn.json.id;
    for (const key of ['trigger', 'retireTrigger']) {
      const t = await s.req('POST', `/api/v1/patients/${f.plain[role]}/triggers`, { as: 'admin', body: { category: 'people', description: key } });
      expectStatus(t, 201);
      f[key][role] = t.json.id;
    }
    const cp = await s.req('POST', `/api/v1/patients/${f.plain[role]}/coping-strategies`, { as: 'admin', body: { description: 'Breathe' } });
    expectStatus(cp, 201);
    f.coping[role] = cp.json.id;
    // Two check-ins: one to open (by its link token), one to submit (by its code).
    for (const key of ['readCheckin', 'submitCheckin']) {
      const ck = await s.req('POST', `/api/v1/patients/${f.plain[role]}/checkins`,
        { as: 'admin', body: { instruments: ['PHQ-9'] } });
      expectStatus(ck, 201);
      f[key][role] = key === 'readCheckin' ? ck.json.token : ck.json.code;
    }
  }
  await Promise.all(ALL.map(async (role) => {
    const r = await s.login(role, s.pwOf(role));
    expectStatus(r, 201);
    f.spare[role] = r.json.token;
  }));
});
after(async () => {
  await s?.close();
});

// The concrete path of a route pattern for one request spec.
function pathOf(pattern, spec) {
  let p = pattern;
  for (const id of spec.ids || []) p = p.replace('{id}', String(id));
  if (spec.code !== undefined) p = p.replace('{code}', encodeURIComponent(spec.code));
  assert.ok(!/[{}]/.test(p), `unfilled parameter in ${p}`);
  return p + (spec.query || '');
}

for (const [method, pattern, roles, okStatus, build] of ROUTES) {
  test(`${method} ${pattern}: ${roles ? roles.join(', ') : 'public'}`, async () => {
    const problems = [];
    // Each role acts on its own fixtures, so the order does not matter.
    for (const role of ALL) {
      const spec = build ? build(role, f) : {};
      const p = pathOf(pattern, spec);
      const opts = { body: spec.body, headers: spec.headers };
      if (spec.token) opts.token = spec.token;
      else if (!spec.noAuth) opts.as = role;
      const r = await s.req(method, p, opts);
      const allowed = roles === null || roles.includes(role);
      if (allowed) {
        if (r.status !== okStatus) problems.push(`${role}: expected ${okStatus}, got ${r.status} ${r.text.slice(0, 200)}`);
      } else if (r.status !== 403 || r.json?.error?.code !== 'forbidden') {
        problems.push(`${role}: expected 403 forbidden, got ${r.status} ${r.text.slice(0, 200)}`);
      } else if (!roles.every((x) => r.json.error.message.includes(x))) {
        problems.push(`${role}: the 403 message should list the roles allowed: ${r.json.error.message}`);
      }
    }
    if (roles !== null) {
      // No token at all: 401, whatever the route.
      const spec = build ? build('admin', f) : {};
      const r = await s.req(method, pathOf(pattern, spec), { body: spec.body, headers: spec.headers });
      if (r.status !== 401) problems.push(`no token: expected 401, got ${r.status}`);
    }
    assert.deepEqual(problems, [], `${method} ${pattern}:\n${problems.join('\n')}`);
  });
}

test('a refused route leaves no trace but its audit row', async () => {
  // nurse may not register patients: nothing is created, and the refusal is audited.
  const before = (await s.req('GET', '/api/v1/patients', { as: 'admin' })).json.total;
  const r = await s.req('POST', '/api/v1/patients', { as: 'nurse', body: patientBody({ family_name: 'Refused' }) });
  expectError(r, 403, 'forbidden');
  assert.equal((await s.req('GET', '/api/v1/patients', { as: 'admin' })).json.total, before);
  const audit = await s.req('GET', '/api/v1/audit?limit=20', { as: 'auditor' });
  expectStatus(audit, 200);
  const row = audit.json.items.find((x) => x.action === 'route.denied' && x.username === 'nurse');
  assert.ok(row, 'no route.denied row for the nurse');
  assert.equal(row.outcome, 'forbidden');
  assert.equal(row.detail, 'POST /api/v1/patients');
});

test('a user with several roles gets the union of their routes', async () => {
  s.cliOk(['user', 'add', 'nursetherapist', '--role', 'nurse', '--role', 'therapist', '--password-stdin'], PW + '\n');
  const r = await s.login('nursetherapist', PW);
  expectStatus(r, 201);
  const token = r.json.token;
  const me = await s.req('GET', '/api/v1/me', { token });
  assert.equal(me.json.roles, 'nurse,therapist');
  // therapist may add diagnoses, nurse may not: together they may.
  const dx = await s.req('POST', `/api/v1/patients/${f.plain.nurse}/diagnoses`, { token, body: { code: 'F32.1' } });
  expectStatus(dx, 201);
  // neither may register patients or read the audit trail.
  expectError(await s.req('POST', '/api/v1/patients', { token, body: patientBody() }), 403, 'forbidden');
  expectError(await s.req('GET', '/api/v1/audit', { token }), 403, 'forbidden');
});
