// plans.test.mjs - the integrated treatment plan: one plan per episode with
// substance-use and mental-health problems side by side, versions, signatures,
// objectives' current values, reviews due by level of care, roles and sites.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, day, patientBody } from './harness.mjs';

let s;
let mainSite, northSite;
before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'prescriber', 'nurse', 'therapist', 'intake', 'auditor', 'northnurse']);
  mainSite = (await s.req('GET', '/api/v1/me', { as: 'nurse' })).json.sites[0].id;
  northSite = (await s.req('GET', '/api/v1/me', { as: 'northnurse' })).json.sites[0].id;
});
after(async () => {
  await s?.close();
});

async function newPatient(over = {}) {
  const r = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody(over) });
  expectStatus(r, 201);
  return r.json;
}

async function diagnose(pid, code) {
  const r = await s.req('POST', `/api/v1/patients/${pid}/diagnoses`, { as: 'therapist', body: { code } });
  expectStatus(r, 201);
  return r.json.id;
}

async function admit(pid, level, daysAgo) {
  const r = await s.req('POST', `/api/v1/patients/${pid}/episodes`,
    { as: 'admin', body: { level, admitted_on: day(-daysAgo) } });
  expectStatus(r, 201);
  return r.json.id;
}

// One problem, one goal, one objective.
const simpleProblem = (dx, over = {}) => ({
  text: 'Opioid use disorder',
  diagnosis_ids: [dx],
  goals: [{ text: 'I want to stay alive for my kids', objectives: [{ text: 'Attend group weekly', target_date: day(90) }] }],
  ...over,
});

const createPlan = (pid, body, as = 'therapist') => s.req('POST', `/api/v1/patients/${pid}/plans`, { as, body });

async function planFor(level, daysAgoAdmitted, effectiveDaysAgo, code = 'F11.20') {
  const p = await newPatient();
  const dx = await diagnose(p.id, code);
  const ep = await admit(p.id, level, daysAgoAdmitted);
  const r = await createPlan(p.id, { effective_on: day(-effectiveDaysAgo), problems: [simpleProblem(dx)] });
  expectStatus(r, 201);
  return { patient: p, dx, episode: ep, plan: r.json };
}

async function trail(pid) {
  const r = await s.req('GET', `/api/v1/audit?patient=${pid}&limit=200`, { as: 'auditor' });
  expectStatus(r, 200);
  return r.json.items;
}

// ---- the plan ----

test('a dual-diagnosis plan holds an opioid-use and a depression problem, with therapy and medication', async () => {
  const p = await newPatient();
  const oud = await diagnose(p.id, 'F11.20');
  const mdd = await diagnose(p.id, 'F32.1');
  const ep = await admit(p.id, 'residential', 3);
  const rx = await s.req('POST', `/api/v1/patients/${p.id}/orders`, {
    as: 'prescriber', body: { medication: 'sertraline', dose: 50, unit: 'mg', route: 'oral', frequency: 'daily' },
  });
  expectStatus(rx, 201);
  const body = {
    note: 'Initial plan with the patient',
    problems: [
      {
        text: 'Opioid use disorder, using fentanyl daily',
        diagnosis_ids: [oud],
        goals: [{
          text: "I don't want to die like my brother did",
          objectives: [
            { text: '12 weeks of negative screens', target_date: day(120), measure: { kind: 'negative_screens', weeks: 12 } },
            { text: 'Name three triggers and a plan for each', target_date: day(30) },
          ],
        }],
        interventions: [
          { kind: 'therapy', modality: 'relapse_prevention', frequency: 'weekly group', responsible: 'therapist' },
          { kind: 'therapy', modality: 'contingency_management', frequency: 'twice weekly', responsible: 'nurse', description: 'vouchers for negative screens' },
        ],
      },
      {
        text: 'Moderate depression',
        diagnosis_ids: [mdd],
        goals: [{
          text: 'I want to get out of bed in the morning',
          objectives: [{
            text: 'PHQ-9 below 10', target_date: day(84),
            measure: { kind: 'instrument', instrument: 'PHQ-9', comparator: 'below', value: 10 },
          }],
        }],
        interventions: [
          { kind: 'therapy', modality: 'cbt', frequency: 'weekly', responsible: 'therapist' },
          { kind: 'medication', order_id: rx.json.id, responsible: 'prescriber', description: 'antidepressant' },
        ],
      },
    ],
  };
  const r = await createPlan(p.id, body);
  expectStatus(r, 201);
  const plan = r.json;
  assert.equal(plan.patient_id, p.id);
  assert.equal(plan.episode_id, ep);
  assert.equal(plan.version, 1);
  assert.equal(plan.latest_version, 1);
  assert.equal(plan.current, true);
  assert.equal(plan.kind, 'create');
  assert.equal(plan.effective_on, day(0));
  assert.equal(plan.note, 'Initial plan with the patient');
  assert.equal(plan.recorded_by, 'therapist');
  assert.deepEqual(plan.covers, { substance_use: true, mental_health: true, dual_diagnosis: true });
  const [sud, dep] = plan.problems;
  assert.equal(sud.substance_use, true);
  assert.equal(sud.mental_health, false);
  assert.equal(dep.substance_use, false);
  assert.equal(dep.mental_health, true);
  assert.deepEqual(sud.diagnosis_ids, [oud]);
  assert.equal(sud.diagnoses[0].code, 'F11.20');
  assert.equal(sud.diagnoses[0].category, 'substance_use');
  assert.equal(sud.diagnoses[0].status, 'active');
  assert.equal(dep.diagnoses[0].code, 'F32.1');
  assert.equal(dep.diagnoses[0].category, 'mental_health');
  // Keys given by the server, in document order.
  assert.equal(sud.id, 'P1');
  assert.equal(sud.goals[0].id, 'G2');
  assert.deepEqual(sud.goals[0].objectives.map((o) => o.id), ['O3', 'O4']);
  assert.deepEqual(sud.interventions.map((i) => i.id), ['I5', 'I6']);
  assert.equal(sud.goals[0].text, "I don't want to die like my brother did");
  assert.equal(sud.interventions[0].modality, 'relapse_prevention');
  assert.equal(sud.interventions[0].modality_label, 'Relapse prevention');
  assert.equal(sud.interventions[0].frequency, 'weekly group');
  assert.equal(sud.interventions[0].responsible, 'therapist');
  assert.equal(sud.interventions[1].responsible, 'nurse');
  // The medication intervention shows the order as it stands.
  const med = dep.interventions[1];
  assert.equal(med.kind, 'medication');
  assert.equal(med.order_id, rx.json.id);
  assert.equal(med.order.medication, 'sertraline');
  assert.equal(med.order.dose, 50);
  assert.equal(med.order.status, 'active');
  // Objectives with measures show their current value (none yet).
  assert.deepEqual(sud.goals[0].objectives[0].measure, { kind: 'negative_screens', weeks: 12, substance: null });
  assert.equal(sud.goals[0].objectives[0].progress.current, null);
  assert.equal(sud.goals[0].objectives[0].progress.met, false);
  assert.equal(sud.goals[0].objectives[1].progress, null);
  assert.deepEqual(dep.goals[0].objectives[0].measure, { kind: 'instrument', instrument: 'PHQ-9', comparator: 'below', value: 10 });
  assert.equal(dep.goals[0].objectives[0].status, 'open');
  // Review schedule: residential, weekly.
  assert.deepEqual(plan.review, { level: 'residential', interval_days: 7, last_review_on: day(0), due_on: day(7), status: 'ok' });
  assert.deepEqual(plan.signatures, []);
  assert.deepEqual(plan.unsigned, ['clinician', 'patient']);

  // Read back, list, and the audit trail.
  const got = await s.req('GET', `/api/v1/plans/${plan.id}`, { as: 'nurse' });
  expectStatus(got, 200);
  assert.deepEqual(got.json.problems.map((x) => x.text), body.problems.map((x) => x.text));
  const list = await s.req('GET', `/api/v1/patients/${p.id}/plans`, { as: 'prescriber' });
  expectStatus(list, 200);
  assert.equal(list.json.total, 1);
  const item = list.json.items[0];
  assert.equal(item.id, plan.id);
  assert.equal(item.episode_id, ep);
  assert.equal(item.version, 1);
  assert.equal(item.problems, 2);
  assert.equal(item.covers.dual_diagnosis, true);
  assert.equal(item.review.due_on, day(7));
  const actions = (await trail(p.id)).map((x) => x.action);
  for (const a of ['plan.create', 'plan.read', 'plan.list']) assert.ok(actions.includes(a), `no ${a} in ${actions}`);
  // One plan per episode.
  expectError(await createPlan(p.id, { problems: [simpleProblem(oud)] }), 409, 'conflict', 'episode_id');
});

test('field-level errors name the nested field; nothing is saved', async () => {
  const p = await newPatient();
  const other = await newPatient();
  const dx = await diagnose(p.id, 'F11.20');
  const theirs = await diagnose(other.id, 'F33.1');
  await admit(p.id, 'iop', 5);
  const cases = [
    [{ problems: [simpleProblem(dx), simpleProblem(theirs)] }, 'problems[1].diagnosis_ids[0]'],
    [{ problems: [simpleProblem(dx, { diagnosis_ids: ['F11.20'] })] }, 'problems[0].diagnosis_ids[0]'],
    [{ problems: [simpleProblem(dx, { text: '' })] }, 'problems[0].text'],
    [{ problems: [simpleProblem(dx, { text: 'x'.repeat(501) })] }, 'problems[0].text'],
    [{ problems: [simpleProblem(dx, { goals: [{ text: 'g', objectives: [{ text: 'o', target_date: day(10), measure: { kind: 'instrument', instrument: 'PHQ-9', comparator: 'under', value: 10 } }] }] })] },
      'problems[0].goals[0].objectives[0].measure.comparator'],
    [{ problems: [simpleProblem(dx, { goals: [{ text: 'g', objectives: [{ text: 'o', target_date: '2031-02-30' }] }] })] },
      'problems[0].goals[0].objectives[0].target_date'],
    [{ problems: [simpleProblem(dx, { interventions: [{ kind: 'therapy', modality: 'cbt', frequency: 'weekly', responsible: 'intake' }] })] },
      'problems[0].interventions[0].responsible'],
    [{ problems: [simpleProblem(dx, { interventions: [{ kind: 'therapy', modality: 'astrology', frequency: 'weekly', responsible: 'therapist' }] })] },
      'problems[0].interventions[0].modality'],
    [{ problems: [simpleProblem(dx, { interventions: [{ kind: 'medication', order_id: 999999 }] })] },
      'problems[0].interventions[0].order_id'],
    [{ problems: Array.from({ length: 11 }, () => simpleProblem(dx)) }, 'problems'],
    [{ problems: [] }, 'problems'],
    [{}, 'problems'],
    [{ problems: [simpleProblem(dx)], color: 'red' }, 'color'],
    [{ problems: [simpleProblem(dx, { id: 'P1' })] }, 'problems[0].id'],
    [{ problems: [simpleProblem(dx, { goals: [{ text: 'my\u0000words', objectives: [{ text: 'o', target_date: day(10) }] }] })] },
      'problems[0].goals[0].text'],
    [{ problems: [simpleProblem(dx, { interventions: [{ kind: 'therapy', modality: 'cbt', frequency: 'weekly\nmonthly', responsible: 'therapist' }] })] },
      'problems[0].interventions[0].frequency'],
    [{ problems: [simpleProblem(dx)], effective_on: day(1) }, 'effective_on'],
    [{ problems: [simpleProblem(dx)], effective_on: day(-6) }, 'effective_on'],
  ];
  for (const [body, field] of cases) expectError(await createPlan(p.id, body), 422, 'invalid', field);
  // Nesting deeper than 8 levels is refused before anything else.
  const deep = { problems: [simpleProblem(dx, { goals: [{ text: 'g', objectives: [{ text: 'o', target_date: day(9), measure: { kind: { a: [1] } } }] }] })] };
  expectError(await createPlan(p.id, deep), 400, 'bad_json');
  const list = await s.req('GET', `/api/v1/patients/${p.id}/plans`, { as: 'therapist' });
  assert.equal(list.json.total, 0);
  // No open episode.
  expectError(await createPlan(other.id, { problems: [simpleProblem(theirs)] }), 409, 'conflict', 'episode_id');
});

test('a change makes a new version with kept keys; earlier versions stay readable', async () => {
  const { patient, dx, plan } = await planFor('outpatient', 10, 0);
  const v1 = plan.problems[0];
  const change = {
    version: 1,
    note: 'Added a sponsor objective',
    problems: [{
      id: v1.id, text: v1.text, diagnosis_ids: [dx],
      goals: [{
        id: v1.goals[0].id, text: v1.goals[0].text,
        objectives: [
          { id: v1.goals[0].objectives[0].id, text: 'Attend group weekly', target_date: day(90), status: 'achieved' },
          { text: 'Find a sponsor', target_date: day(60) },
        ],
      }],
    }],
  };
  const r = await s.req('POST', `/api/v1/plans/${plan.id}/versions`, { as: 'prescriber', body: change });
  expectStatus(r, 201);
  assert.equal(r.json.version, 2);
  assert.equal(r.json.kind, 'change');
  assert.equal(r.json.note, 'Added a sponsor objective');
  assert.equal(r.json.recorded_by, 'prescriber');
  assert.deepEqual(r.json.problems[0].goals[0].objectives.map((o) => [o.id, o.status]), [['O3', 'achieved'], ['O4', 'open']]);
  // The same base version again: someone else saved in between.
  expectError(await s.req('POST', `/api/v1/plans/${plan.id}/versions`, { as: 'therapist', body: change }), 409, 'conflict', 'version');
  // A key that is not in the version edited.
  const bad = structuredClone(change);
  bad.version = 2;
  bad.problems[0].goals[0].objectives[1].id = 'O99';
  expectError(await s.req('POST', `/api/v1/plans/${plan.id}/versions`, { as: 'therapist', body: bad }), 422, 'invalid',
    'problems[0].goals[0].objectives[1].id');
  // A change needs a note and content.
  expectError(await s.req('POST', `/api/v1/plans/${plan.id}/versions`, { as: 'therapist', body: { version: 2, problems: change.problems } }),
    422, 'invalid', 'note');
  expectError(await s.req('POST', `/api/v1/plans/${plan.id}/versions`, { as: 'therapist', body: { version: 2, note: 'x' } }),
    422, 'invalid', 'problems');

  const versions = await s.req('GET', `/api/v1/plans/${plan.id}/versions`, { as: 'nurse' });
  expectStatus(versions, 200);
  assert.deepEqual(versions.json.items.map((v) => [v.version, v.kind, v.recorded_by]), [[1, 'create', 'therapist'], [2, 'change', 'prescriber']]);
  const old = await s.req('GET', `/api/v1/plans/${plan.id}/versions/1`, { as: 'nurse' });
  expectStatus(old, 200);
  assert.equal(old.json.version, 1);
  assert.equal(old.json.current, false);
  assert.equal(old.json.latest_version, 2);
  assert.equal(old.json.problems[0].goals[0].objectives.length, 1);
  assert.equal(old.json.problems[0].goals[0].objectives[0].status, 'open');
  const cur = await s.req('GET', `/api/v1/plans/${plan.id}`, { as: 'nurse' });
  assert.equal(cur.json.version, 2);
  assert.equal(cur.json.problems[0].goals[0].objectives.length, 2);
  expectError(await s.req('GET', `/api/v1/plans/${plan.id}/versions/3`, { as: 'nurse' }), 404, 'not_found');
  const actions = (await trail(patient.id)).map((x) => x.action);
  assert.ok(actions.includes('plan.change') && actions.includes('plan.versions'), actions.join(' '));
});

test('signatures belong to one version: a review needs new ones', async () => {
  const { plan } = await planFor('iop', 10, 0);
  const sign = (body, as = 'therapist') => s.req('POST', `/api/v1/plans/${plan.id}/sign`, { as, body });
  const c = await sign({ role: 'clinician', version: 1 });
  expectStatus(c, 201);
  assert.equal(c.json.role, 'clinician');
  assert.equal(c.json.signed_by, 'therapist');
  assert.equal(c.json.version, 1);
  assert.match(c.json.signed_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expectError(await sign({ role: 'clinician', version: 1 }), 409, 'conflict');
  expectStatus(await sign({ role: 'clinician', version: 1 }, 'prescriber'), 201);
  expectError(await sign({ role: 'clinician', version: 1 }, 'nurse'), 403, 'forbidden');
  expectError(await sign({ role: 'patient', version: 1, signed_by_name: 'Alex T', method: 'in_person' }), 422, 'invalid', 'attestation');
  expectError(await sign({ role: 'clinician', version: 1, method: 'in_person' }, 'prescriber'), 422, 'invalid', 'method');
  const pt = await sign({ role: 'patient', version: 1, signed_by_name: 'Alex T', method: 'in_person', attestation: 'Signed the printed plan in my presence' });
  expectStatus(pt, 201);
  assert.equal(pt.json.signed_by, 'Alex T');
  assert.equal(pt.json.recorded_by, 'therapist');
  assert.equal(pt.json.method, 'in_person');
  expectError(await sign({ role: 'patient', version: 1, signed_by_name: 'Alex T', method: 'in_person', attestation: 'again' }), 409, 'conflict');
  let got = (await s.req('GET', `/api/v1/plans/${plan.id}`, { as: 'nurse' })).json;
  assert.deepEqual(got.signatures.map((g) => [g.role, g.signed_by]), [['clinician', 'therapist'], ['clinician', 'prescriber'], ['patient', 'Alex T']]);
  assert.deepEqual(got.unsigned, []);

  const rv = await s.req('POST', `/api/v1/plans/${plan.id}/reviews`, { as: 'therapist', body: { version: 1, note: 'Reviewed with the patient: no changes' } });
  expectStatus(rv, 201);
  assert.equal(rv.json.version, 2);
  assert.equal(rv.json.kind, 'review');
  assert.deepEqual(rv.json.signatures, []);
  assert.deepEqual(rv.json.unsigned, ['clinician', 'patient']);
  assert.deepEqual(rv.json.problems.map((x) => x.id), plan.problems.map((x) => x.id));
  // Version 1 keeps its signatures; signing it now is refused.
  const v1 = (await s.req('GET', `/api/v1/plans/${plan.id}/versions/1`, { as: 'nurse' })).json;
  assert.equal(v1.signatures.length, 3);
  const versions = (await s.req('GET', `/api/v1/plans/${plan.id}/versions`, { as: 'nurse' })).json.items;
  assert.deepEqual(versions.map((v) => v.signatures.length), [3, 0]);
  expectError(await sign({ role: 'clinician', version: 1 }, 'therapist'), 409, 'conflict', 'version');
  expectStatus(await sign({ role: 'clinician', version: 2 }), 201);
  got = (await s.req('GET', `/api/v1/plans/${plan.id}`, { as: 'nurse' })).json;
  assert.deepEqual(got.unsigned, ['patient']);
});

test('objectives show their current value: latest PHQ-9 and weeks of negative screens', async () => {
  const p = await newPatient();
  const oud = await diagnose(p.id, 'F11.20');
  const mdd = await diagnose(p.id, 'F33.1');
  await admit(p.id, 'otp', 120);
  const r = await createPlan(p.id, {
    problems: [
      simpleProblem(oud, { goals: [{ text: 'clean', objectives: [{ text: '12 weeks', target_date: day(60), measure: { kind: 'negative_screens', weeks: 12 } }] }] }),
      simpleProblem(mdd, { text: 'Depression', goals: [{ text: 'better', objectives: [{ text: 'PHQ-9 below 10', target_date: day(60), measure: { kind: 'instrument', instrument: 'PHQ-9', comparator: 'below', value: 10 } }] }] }),
    ],
  });
  expectStatus(r, 201);
  const at = (n) => new Date(Date.now() - n * 86400000).toISOString().slice(0, 19) + 'Z';
  const assess = async (answers, daysAgo) => expectStatus(await s.req('POST', `/api/v1/patients/${p.id}/assessments`,
    { as: 'nurse', body: { instrument: 'PHQ-9', answers, administered_at: at(daysAgo) } }), 201);
  const uds = async (substance, result, daysAgo) => expectStatus(await s.req('POST', `/api/v1/patients/${p.id}/results`,
    { as: 'nurse', body: { kind: 'uds', substance, result, taken_at: at(daysAgo) } }), 201);
  await assess([2, 2, 2, 2, 2, 2, 2, 0, 0], 30); // 14
  await assess([1, 1, 1, 1, 1, 1, 1, 1, 0], 2); // 8
  await uds('opioids', 'positive', 100);
  for (let d = 90; d >= 6; d -= 7) await uds('opioids', 'negative', d);
  const read = async () => (await s.req('GET', `/api/v1/plans/${r.json.id}`, { as: 'therapist' })).json;
  let plan = await read();
  const screens = plan.problems[0].goals[0].objectives[0].progress;
  assert.deepEqual(screens, { current: 12, met: true, as_of: day(-6), since: day(-90), last_positive: day(-100), screens: 13 });
  const phq = plan.problems[1].goals[0].objectives[0].progress;
  assert.deepEqual(phq, { current: 8, met: true, as_of: day(-2) });
  // A new unexpected positive ends the run.
  await uds('fentanyl', 'positive', 0);
  plan = await read();
  assert.equal(plan.problems[0].goals[0].objectives[0].progress.current, 0);
  assert.equal(plan.problems[0].goals[0].objectives[0].progress.met, false);
});

// ---- reviews due: the done-when case ----

test('a plan review falls due on the right day for the patient\'s level of care', async () => {
  // Residential reviews weekly: a plan made 7 days ago is due today.
  const res = await planFor('residential', 20, 7);
  assert.deepEqual(res.plan.review, { level: 'residential', interval_days: 7, last_review_on: day(-7), due_on: day(0), status: 'due' });
  // The same day in outpatient care (every 30 days): due in 23 days.
  const out = await planFor('outpatient', 20, 7);
  assert.deepEqual(out.plan.review, { level: 'outpatient', interval_days: 30, last_review_on: day(-7), due_on: day(23), status: 'ok' });
  // IOP (30 days): day 30 is due, day 31 overdue.
  const iopDue = await planFor('iop', 40, 30);
  assert.equal(iopDue.plan.review.due_on, day(0));
  assert.equal(iopDue.plan.review.status, 'due');
  const iopLate = await planFor('iop', 40, 31);
  assert.equal(iopLate.plan.review.due_on, day(-1));
  assert.equal(iopLate.plan.review.status, 'overdue');
  // Within the lead days (3) a review shows as due ahead of its day.
  const php = await planFor('php', 20, 11);
  assert.deepEqual([php.plan.review.due_on, php.plan.review.status], [day(3), 'due']);
  // An OTP episode still without a plan past day 14 (42 CFR 8.12(f)(4)(i)).
  const otpPatient = await newPatient();
  await admit(otpPatient.id, 'otp', 15);

  const due = await s.req('GET', `/api/v1/plans/due?site=${mainSite}`, { as: 'nurse' });
  expectStatus(due, 200);
  assert.equal(due.json.lead_days, 3);
  assert.equal(due.json.as_of, day(0));
  const ours = new Map(due.json.items.map((x) => [x.patient.id, x]));
  assert.equal(ours.get(res.patient.id).review.status, 'due');
  assert.equal(ours.get(res.patient.id).kind, 'review');
  assert.equal(ours.get(res.patient.id).plan_id, res.plan.id);
  assert.equal(ours.get(iopDue.patient.id).review.status, 'due');
  assert.equal(ours.get(iopLate.patient.id).review.status, 'overdue');
  assert.equal(ours.get(php.patient.id).review.status, 'due');
  assert.ok(!ours.has(out.patient.id), 'a review 23 days away is not listed');
  const initial = ours.get(otpPatient.id);
  assert.equal(initial.kind, 'initial');
  assert.equal(initial.plan_id, null);
  assert.equal(initial.review.due_on, day(-1));
  assert.equal(initial.review.status, 'overdue');
  // Overdue first.
  const statuses = due.json.items.map((x) => x.review.status);
  assert.deepEqual(statuses, [...statuses].sort((a, b) => (a === 'overdue' ? 0 : 1) - (b === 'overdue' ? 0 : 1)));
  assert.equal(due.json.items[0].patient.mrn.length > 0, true);

  // A step down from residential to outpatient: the interval follows the level.
  expectStatus(await s.req('POST', `/api/v1/episodes/${res.episode}/placements`,
    { as: 'therapist', body: { level: 'outpatient', reason: 'stepped down' } }), 201);
  let got = (await s.req('GET', `/api/v1/plans/${res.plan.id}`, { as: 'nurse' })).json;
  assert.deepEqual([got.review.level, got.review.due_on, got.review.status], ['outpatient', day(23), 'ok']);
  // Recording the review restarts the clock from its day.
  const rv = await s.req('POST', `/api/v1/plans/${iopLate.plan.id}/reviews`,
    { as: 'therapist', body: { version: 1, note: 'Monthly review: goals unchanged' } });
  expectStatus(rv, 201);
  assert.deepEqual([rv.json.review.last_review_on, rv.json.review.due_on, rv.json.review.status], [day(0), day(30), 'ok']);
  const after = await s.req('GET', '/api/v1/plans/due', { as: 'therapist' });
  assert.ok(!after.json.items.some((x) => x.plan_id === iopLate.plan.id));
  // Discharge closes the plan: no review due, no new versions.
  expectStatus(await s.req('POST', `/api/v1/episodes/${iopDue.episode}/discharge`, { as: 'therapist', body: { reason: 'completed' } }), 200);
  got = (await s.req('GET', `/api/v1/plans/${iopDue.plan.id}`, { as: 'nurse' })).json;
  assert.equal(got.review.status, 'closed');
  expectError(await s.req('POST', `/api/v1/plans/${iopDue.plan.id}/reviews`, { as: 'therapist', body: { version: 1, note: 'late' } }), 409, 'conflict');
});

// ---- roles and sites ----

test('nurses read plans; prescribers and therapists write; other sites get 404', async () => {
  const { patient, dx, plan } = await planFor('iop', 10, 0);
  for (const as of ['admin', 'prescriber', 'nurse', 'therapist']) expectStatus(await s.req('GET', `/api/v1/plans/${plan.id}`, { as }), 200);
  for (const as of ['intake', 'auditor']) {
    expectError(await s.req('GET', `/api/v1/plans/${plan.id}`, { as }), 403, 'forbidden');
    expectError(await s.req('GET', `/api/v1/patients/${patient.id}/plans`, { as }), 403, 'forbidden');
  }
  const body = { version: 1, note: 'edit', problems: [simpleProblem(dx)] };
  for (const as of ['admin', 'nurse', 'intake', 'auditor']) {
    expectError(await s.req('POST', `/api/v1/plans/${plan.id}/versions`, { as, body }), 403, 'forbidden');
    expectError(await s.req('POST', `/api/v1/plans/${plan.id}/reviews`, { as, body: { version: 1, note: 'x' } }), 403, 'forbidden');
    expectError(await s.req('POST', `/api/v1/plans/${plan.id}/sign`, { as, body: { role: 'clinician', version: 1 } }), 403, 'forbidden');
  }
  expectError(await createPlan(patient.id, { problems: [simpleProblem(dx)] }, 'nurse'), 403, 'forbidden');
  // A nurse of another site: as if the plan did not exist.
  expectError(await s.req('GET', `/api/v1/plans/${plan.id}`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/plans/${plan.id}/versions`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/patients/${patient.id}/plans`, { as: 'northnurse' }), 404, 'not_found');
  expectError(await s.req('GET', `/api/v1/plans/due?site=${mainSite}`, { as: 'northnurse' }), 404, 'not_found', 'site');
  const north = await s.req('GET', `/api/v1/plans/due?site=${northSite}`, { as: 'northnurse' });
  expectStatus(north, 200);
  assert.ok(!north.json.items.some((x) => x.plan_id === plan.id));
  expectError(await s.req('GET', '/api/v1/plans/due?level=iop', { as: 'nurse' }), 422, 'invalid');
  const denied = (await trail(patient.id)).find((x) => x.action === 'plan.read' && x.outcome === 'denied');
  assert.ok(denied, 'the other site\'s attempt is audited');
  assert.equal(denied.username, 'northnurse');
});
