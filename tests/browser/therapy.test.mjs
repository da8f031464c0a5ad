// Therapy and the integrated treatment plan in the web app (issue #7): the
// Plan tab (a dual-diagnosis plan written in the form, nested field errors,
// signatures, versions, reviews due by level of care), the Sessions calendar
// (a weekly relapse-prevention group with a roster, a double booking), a
// session's attendance and its group note (one note, three charts, each
// attendee's part only on their own chart; signed, then only addenda), the
// chart's Therapy and Timeline tabs, psychotherapy notes kept to their author,
// co-signature by a supervisor, and what each role may do.
import assert from 'node:assert/strict';
import { before } from 'node:test';
import { PW, day, login, makePatient, test, useServer } from './harness.mjs';

const env = useServer();

before(() => {
  // A second therapist, and a supervised one with their supervisor.
  for (const u of ['therapist2', 'trainee', 'supervisor']) env.server.cli(['user', 'add', u, '--role', 'therapist', '--password-stdin'], `${PW}\n`);
  env.server.cli(['user', 'supervise', 'trainee', '--by', 'supervisor']);
});

const api = (server, method, p, body, user = 'admin') => server.api(method, `/api/v1${p}`, body, user);

// A patient admitted at `level` `daysAgo` days ago, with diagnoses by code.
async function admitted(server, name, level, daysAgo, codes = []) {
  const p = await makePatient(server, { family_name: name });
  await api(server, 'POST', `/patients/${p.id}/episodes`, { level, admitted_on: day(-daysAgo) });
  const dx = {};
  for (const c of codes) dx[c] = (await api(server, 'POST', `/patients/${p.id}/diagnoses`, { code: c })).id;
  return { ...p, dx };
}

// A minimal plan through the API.
function planBody(dxId, over = {}) {
  return {
    problems: [{
      text: 'Opioid use disorder', diagnosis_ids: [dxId],
      goals: [{ text: 'Stay alive', objectives: [{ text: '4 weeks of negative screens', target_date: day(60), measure: { kind: 'negative_screens', weeks: 4 } }] }],
      interventions: [{ kind: 'therapy', modality: 'relapse_prevention', frequency: 'weekly group', responsible: 'therapist' }],
    }],
    ...over,
  };
}

// A past session through the API (the note needs a session that has started).
async function pastSession(server, patients, { kind = 'group', user = 'therapist', hoursAgo = 3, room = 'group-b' } = {}) {
  const starts = new Date(Date.now() - hoursAgo * 3600000);
  starts.setUTCMinutes(0, 0, 0);
  return api(server, 'POST', '/sessions', {
    kind, modality: 'cbt', starts_at: starts.toISOString().replace(/\.\d{3}Z$/, 'Z'), minutes: 60, room,
    patients: patients.map((p) => p.id),
  }, user);
}

test(env, 'a therapist writes a dual-diagnosis plan, runs a weekly relapse-prevention group and files one group note to three charts', async ({ page, server }) => {
  const a = await admitted(server, 'Avila', 'residential', 10, ['F11.20', 'F32.1']);
  const b = await admitted(server, 'Brook', 'outpatient', 40, ['F10.20']);
  const c = await admitted(server, 'Castro', 'iop', 20, ['F12.20']);
  // A PHQ-9 of 12 for Avila: the objective "PHQ-9 below 10" reads it.
  await api(server, 'POST', `/patients/${a.id}/assessments`, { instrument: 'PHQ-9', answers: [2, 2, 2, 2, 1, 1, 1, 1, 0] }, 'therapist');

  await login(page, server, 'therapist');
  // ---- the plan ----
  await page.goto(`${server.base}/patients/${a.id}/plan`);
  await page.getByText('No treatment plan for the current episode').waitFor();
  await page.getByRole('button', { name: 'Write the treatment plan…' }).click();
  const form = page.locator('form.plan-form');
  const p1 = form.locator('fieldset.pl-problem').nth(0);
  await p1.getByLabel('Problem').fill('Opioid use disorder');
  await p1.getByLabel(/F11\.20/).check();
  await p1.getByLabel("Goal, in the patient's words").fill("I don't want to die like my brother did");
  await p1.getByLabel('Objective').fill('12 weeks of negative screens');
  await p1.getByLabel('Target date').fill(day(90));
  await p1.getByLabel('Measure').selectOption('negative_screens');
  await p1.getByLabel('Weeks').fill('12');
  await p1.getByRole('button', { name: 'Add intervention to problem 1' }).click();
  await p1.getByLabel('Modality').selectOption('relapse_prevention');
  await p1.getByLabel('Frequency').fill('weekly group');
  assert.equal(await p1.getByLabel('Responsible clinician').inputValue(), 'therapist');

  await form.getByRole('button', { name: 'Add problem' }).click();
  const p2 = form.locator('fieldset.pl-problem').nth(1);
  await p2.getByLabel('Problem').fill('Major depressive disorder');
  await p2.getByLabel("Goal, in the patient's words").fill('Get out of bed in the morning');
  await p2.getByLabel('Objective').fill('PHQ-9 below 10');
  await p2.getByLabel('Target date').fill(day(60));
  await p2.getByLabel('Measure').selectOption('instrument');
  await p2.getByLabel('Instrument').selectOption('PHQ-9');
  await p2.getByLabel('Score').selectOption('below');
  await p2.getByLabel('Value').fill('10');
  await form.getByLabel('Plan day').fill(day(-5));

  // No diagnosis on problem 2: the server names problems[1].diagnosis_ids;
  // the message shows in problem 2's diagnoses and its first box gets the focus.
  await form.getByRole('button', { name: 'Save the plan' }).click();
  await p2.locator('.pl-dx .field-error').waitFor();
  assert.equal(await p1.locator('.field-error').count(), 0, 'problem 1 shows no error');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'pl-problems-1-diagnosis_ids');
  await p2.getByLabel(/F32\.1/).check();
  await form.getByRole('button', { name: 'Save the plan' }).click();

  const plan = page.locator('section.plan-card');
  await plan.waitFor();
  await page.getByText('Treatment plan saved: version 1.').waitFor();
  await plan.locator('.badge.dual', { hasText: 'Dual-diagnosis plan' }).waitFor();
  const problems = plan.locator('.pl-problem-view');
  assert.equal(await problems.count(), 2);
  assert.deepEqual(await problems.evaluateAll((els) => els.map((e) => [e.dataset.su, e.dataset.mh])), [['true', 'false'], ['false', 'true']]);
  await problems.nth(0).locator('.badge', { hasText: 'Substance use' }).waitFor();
  await problems.nth(1).locator('.badge', { hasText: 'Mental health' }).waitFor();
  await problems.nth(0).getByText('F11.20').waitFor();
  await problems.nth(0).locator('q', { hasText: "I don't want to die like my brother did" }).waitFor();
  assert.match(await problems.nth(1).locator('.pl-obj').textContent(), /PHQ-9 below 10 — now 12 \(\d{4}-\d{2}-\d{2}\)\s*Not met/);
  await problems.nth(0).locator('.pl-int', { hasText: 'Relapse prevention' }).filter({ hasText: 'weekly group' }).waitFor();
  // Residential: reviewed every 7 days from the plan day, due from 3 days before.
  const review = plan.locator('.pl-review');
  assert.equal(await review.getAttribute('data-due'), day(2));
  assert.equal(await review.getAttribute('data-status'), 'due');
  await review.getByText('Review due').waitFor();
  await review.getByText('Residential: every 7 days').waitFor();

  await plan.getByRole('button', { name: 'Sign as clinician' }).click();
  await plan.locator('.pl-sig-list li[data-role="clinician"]', { hasText: 'therapist' }).waitFor();
  assert.equal(await plan.getByRole('button', { name: 'Sign as clinician' }).count(), 0);
  await plan.getByText('Still to sign: the patient.').waitFor();

  // ---- the weekly group ----
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions' }).click();
  await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Schedule a session…' }).click();
  const sf = page.locator('form.session-form');
  await sf.getByLabel('Kind').selectOption('group');
  await sf.getByLabel('Modality').selectOption('relapse_prevention');
  await sf.getByLabel('Title').fill('Relapse prevention group');
  await sf.getByLabel('Where').selectOption('group-a');
  await sf.getByLabel('Starts').fill(`${day(-2)}T12:00`);
  await sf.getByLabel('Minutes').fill('90');
  for (const name of ['Avila', 'Brook', 'Castro']) {
    await sf.getByLabel('Patients', { exact: true }).fill(name);
    await sf.getByRole('button', { name: new RegExp(`^Add ${name}`) }).click();
  }
  assert.equal(await sf.locator('.pp-chosen li').count(), 3);
  await sf.getByLabel('Repeat weekly (a series with a roster)').check();
  await sf.getByLabel('Sessions').fill('6');
  await sf.getByRole('button', { name: 'Create series' }).click();
  await page.getByText('Weekly series created: 6 sessions, roster of 3 patients.').waitFor();
  await page.getByRole('heading', { name: 'Relapse prevention group', level: 1 }).waitFor();
  const sid = Number(await page.locator('section.session-page').getAttribute('data-session'));
  const series = await api(server, 'GET', `/sessions/${sid}`);
  assert.ok(series.series_id);
  const all = await api(server, 'GET', `/session-series/${series.series_id}`);
  assert.equal(all.sessions.length, 6);
  assert.equal(new Date(all.sessions[1].starts_at) - new Date(all.sessions[0].starts_at), 7 * 86400000, 'weekly');
  await page.locator('.series-list li').nth(5).waitFor();

  // ---- attendance ----
  const row = (p) => page.locator(`.attendance-table tr[data-patient="${p.id}"]`);
  await row(a).getByRole('button', { name: 'Present' }).click();
  await row(a).locator('.badge.att', { hasText: 'Present' }).waitFor();
  await row(b).getByRole('button', { name: 'Late' }).click();
  await row(b).locator('.badge.att', { hasText: 'Late' }).waitFor();
  await row(c).getByRole('button', { name: 'Absent, excused' }).click();
  await row(c).locator('.badge.att', { hasText: 'Absent, excused' }).waitFor();
  // A correction: the last status recorded is the one shown.
  await row(c).getByRole('button', { name: 'Present' }).click();
  await row(c).locator('.badge.att', { hasText: 'Present' }).waitFor();
  assert.equal(await row(c).getByRole('button', { name: 'Present' }).getAttribute('aria-pressed'), 'true');
  assert.equal(await row(c).getAttribute('data-attendance'), 'present');
  assert.equal((await api(server, 'GET', `/sessions/${sid}`)).patients.find((p) => p.id === c.id).attendance.status, 'present');

  // ---- one group note, three charts ----
  await page.getByRole('button', { name: 'Write the progress note' }).click();
  const ne = page.locator('form.note-editor');
  await ne.getByLabel('Format').selectOption('DAP');
  await ne.getByLabel('Data (group)').fill('SHARED: the group practised refusal skills for high-risk situations.');
  await ne.getByLabel('Plan (group)').fill('Next week: urges surfing.');
  const parts = { [a.id]: 'AVILA-ONLY: named a craving at work', [b.id]: 'BROOK-ONLY: spoke about the bar after work', [c.id]: 'CASTRO-ONLY: first week sober' };
  for (const p of [a, b, c]) {
    await ne.getByRole('tab', { name: new RegExp(`^${p.family_name}`) }).click();
    const panel = ne.getByRole('tabpanel');
    assert.equal(await panel.getAttribute('data-patient'), String(p.id));
    await panel.getByLabel(/^Data \(/).fill(parts[p.id]);
    if (p === a) {
      // Avila's plan objectives are offered; link the screens objective.
      const box = panel.getByLabel(/12 weeks of negative screens/);
      await box.check();
    } else {
      await panel.getByText(/No treatment plan with objectives/).waitFor();
    }
  }
  await ne.getByRole('button', { name: 'Save draft' }).click();
  await page.getByText('Draft saved.').waitFor();
  await page.locator('form.note-editor .ne-saved', { hasText: 'Draft version 1' }).waitFor();
  await page.getByRole('button', { name: 'Sign…' }).click();
  await page.getByRole('button', { name: 'Sign and lock' }).click();
  await page.getByText('Note signed: it is locked; later changes are addenda.').waitFor();
  const note = page.locator('article.pnote');
  await note.locator('.badge', { hasText: 'Signed' }).waitFor();
  // Signed: no editor, only an addendum.
  assert.equal(await page.locator('form.note-editor').count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Save draft' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Sign/ }).count(), 0);
  const noteId = Number(await note.getAttribute('data-note'));
  const stored = await api(server, 'GET', `/notes/${noteId}`, undefined, 'therapist');
  assert.deepEqual(stored.charts.sort(), [a.id, b.id, c.id].sort());
  assert.deepEqual(stored.individual[a.id].objectives.map((o) => o.objective_id).length, 1);
  // The server refuses a change to the signed note (409): addenda only.
  const put = await fetch(`${server.base}/api/v1/notes/${noteId}`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.tokens.get('therapist')}` },
    body: JSON.stringify({ format: 'DAP', shared: { data: 'rewritten' } }),
  });
  assert.equal(put.status, 409);
  await page.getByRole('button', { name: 'Add addendum…' }).click();
  await page.getByRole('textbox', { name: 'Addendum' }).fill('Addendum: group moved to room B next week.');
  await page.getByRole('button', { name: 'Sign and add addendum' }).click();
  await page.getByText('Addendum added and signed.').waitFor();
  await note.locator('.note-addenda li', { hasText: 'group moved to room B' }).waitFor();

  // ---- Brook's chart: the shared part and Brook's part, never Avila's or Castro's ----
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/api/v1/')) asked.push(new URL(r.url()).pathname + new URL(r.url()).search); });
  await page.goto(`${server.base}/patients/${b.id}/therapy`);
  const chartNote = page.locator(`li.th-note article.pnote[data-note="${noteId}"]`);
  await chartNote.waitFor();
  await chartNote.getByText('SHARED: the group practised refusal skills').waitFor();
  await chartNote.getByText(parts[b.id]).waitFor();
  await chartNote.getByText('group moved to room B').waitFor();
  const html = await page.content();
  assert.ok(!html.includes('AVILA-ONLY') && !html.includes('CASTRO-ONLY'), 'no other attendee\'s part on Brook\'s chart');
  assert.ok(asked.some((u) => u.startsWith(`/api/v1/patients/${b.id}/notes`)));
  assert.ok(!asked.some((u) => /^\/api\/v1\/notes\/\d+/.test(u)), `the chart reads only its own notes: ${asked.join(' ')}`);
  // Brook's sessions: late counts as attended.
  await page.locator('.att-rate dd', { hasText: '100%' }).waitFor();
  await page.locator(`.th-session-table tr[data-session="${sid}"][data-attendance="late"]`).waitFor();
  // An addendum from Brook's chart goes on Brook's chart only.
  await chartNote.locator('xpath=..').getByRole('button', { name: 'Add addendum…' }).click();
  await page.getByRole('textbox', { name: 'Addendum' }).fill('BROOK-ADDENDUM: called after the group.');
  await page.getByRole('button', { name: 'Sign and add addendum' }).click();
  await chartNote.getByText('BROOK-ADDENDUM').waitFor();
  const onA = await api(server, 'GET', `/patients/${a.id}/notes`, undefined, 'therapist');
  assert.ok(!JSON.stringify(onA).includes('BROOK'), 'neither Brook\'s part nor Brook\'s addendum on Avila\'s chart');
  assert.ok(JSON.stringify(onA).includes('AVILA-ONLY'));

  // Castro's chart through the UI as well.
  await page.goto(`${server.base}/patients/${c.id}/therapy`);
  await page.locator(`article.pnote[data-note="${noteId}"]`).getByText(parts[c.id]).waitFor();
  const html2 = await page.content();
  assert.ok(!html2.includes('AVILA-ONLY') && !html2.includes('BROOK-ONLY') && !html2.includes('BROOK-ADDENDUM'));

  // Avila's chart: the objective the note addressed is named.
  await page.goto(`${server.base}/patients/${a.id}/therapy`);
  await page.locator(`article.pnote[data-note="${noteId}"] .note-objectives`, { hasText: '12 weeks of negative screens' }).waitFor();

  // ---- the integrated timeline: the session, the score and the level of care on one axis ----
  await page.getByRole('link', { name: 'Timeline' }).click();
  await page.locator('.itl-lane[data-lane="therapy"] .itl-mark.tone-ok').waitFor();
  await page.locator('.itl-lane[data-lane="score-PHQ-9"] .itl-mark', { hasText: '12' }).waitFor();
  await page.locator('.itl-lane[data-lane="care"] .itl-span.lvl-residential').waitFor();
  await page.locator('.itl-table tr[data-kind="Therapy session"]', { hasText: 'Relapse prevention group' }).filter({ hasText: 'Present' }).waitFor();
  await page.locator('.itl-table tr[data-kind="Score"]', { hasText: 'PHQ-9' }).waitFor();
});

test(env, 'a plan review falls due on the right day for the level of care; a review restarts the clock; earlier versions stay readable', async ({ page, server }) => {
  const r = await admitted(server, 'Resident', 'residential', 12, ['F11.20']);
  const o = await admitted(server, 'Outpatient', 'outpatient', 12, ['F11.20']);
  const pr = await api(server, 'POST', `/patients/${r.id}/plans`, planBody(r.dx['F11.20'], { effective_on: day(-8) }), 'therapist');
  await api(server, 'POST', `/patients/${o.id}/plans`, planBody(o.dx['F11.20'], { effective_on: day(-8) }), 'therapist');

  await login(page, server, 'therapist');
  // Outpatient: every 30 days, so day(22), on schedule.
  await page.goto(`${server.base}/patients/${o.id}/plan`);
  const ro = page.locator('.pl-review');
  await ro.waitFor();
  assert.equal(await ro.getAttribute('data-due'), day(22));
  assert.equal(await ro.getAttribute('data-status'), 'ok');
  await ro.getByText('Outpatient: every 30 days').waitFor();

  // Residential: every 7 days, so yesterday: overdue.
  await page.goto(`${server.base}/patients/${r.id}/plan`);
  const rr = page.locator('.pl-review');
  await rr.waitFor();
  assert.equal(await rr.getAttribute('data-due'), day(-1));
  assert.equal(await rr.getAttribute('data-status'), 'overdue');
  await rr.locator('.badge', { hasText: 'Review overdue' }).waitFor();
  // The worklist lists it too.
  await page.goto(`${server.base}/notes`);
  await page.locator(`.plans-due tr[data-patient="${r.id}"][data-status="overdue"]`).waitFor();
  assert.equal(await page.locator(`.plans-due tr[data-patient="${o.id}"]`).count(), 0);

  // A review today restarts the clock: due in 7 days.
  await page.goto(`${server.base}/patients/${r.id}/plan`);
  await page.getByRole('button', { name: 'Record a review…' }).click();
  await page.getByLabel('Review note').fill('Reviewed with the patient: goals unchanged.');
  await page.getByRole('button', { name: 'Save the review' }).click();
  await page.getByText(`Review recorded: version 2. Next review ${day(7)}.`).waitFor();
  // (The message comes with the save; the plan is read again just after.)
  await page.locator(`.pl-review[data-due="${day(7)}"][data-status="ok"]`).waitFor();

  // A change (new version, with a reason): the objective's text changes.
  await page.getByRole('button', { name: 'Change the plan…' }).click();
  const form = page.locator('form.plan-form');
  await form.getByLabel('Objective').fill('6 weeks of negative screens');
  await form.getByLabel('Weeks').fill('6');
  await form.getByRole('button', { name: 'Save the change' }).click();
  // The reason is required: the server's message by the field.
  await form.locator('.field:has(#pl-note) .field-error').waitFor();
  await form.getByLabel('Reason for the change').fill('Shorter first target agreed with the patient.');
  await form.getByRole('button', { name: 'Save the change' }).click();
  await page.getByText('Plan changed: version 3.').waitFor();
  await page.locator('.pl-obj', { hasText: '6 weeks of negative screens' }).waitFor();
  // A change does not restart the clock.
  assert.equal(await page.locator('.pl-review').getAttribute('data-due'), day(7));

  // Version 1, read-only, as it was.
  const versions = page.locator('section.pl-versions tbody tr');
  await page.locator('section.pl-versions tbody tr[data-version="3"]').waitFor();
  assert.equal(await versions.count(), 3);
  await page.getByRole('button', { name: 'View version 1' }).click();
  await page.getByText('An earlier version, read-only').waitFor();
  await page.locator('.pl-obj', { hasText: '4 weeks of negative screens' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Change the plan…' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Sign as clinician' }).count(), 0);
  await page.getByRole('button', { name: 'Back to the current version' }).click();
  await page.locator('.pl-obj', { hasText: '6 weeks of negative screens' }).waitFor();
  assert.equal(pr.version, 1);
});

test(env, 'a double booking is refused with the other session named', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Doublebook' });
  const q = await makePatient(server, { family_name: 'Overlap' });
  const first = await pastSession(server, [p], { kind: 'individual', room: 'office-1', hoursAgo: -26 });
  await login(page, server, 'therapist');
  await page.goto(`${server.base}/sessions?new=1&patient=${q.id}`);
  const sf = page.locator('form.session-form');
  await sf.locator('.pp-chosen li', { hasText: 'Overlap' }).waitFor();
  const start = new Date(first.starts_at);
  // The browser's clinic zone is the server's (UTC here) or its own; type the
  // same instant in the zone the form uses.
  const local = await page.evaluate((iso) => {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    return { iso, zone };
  }, first.starts_at);
  const healthz = await (await fetch(`${server.base}/healthz`)).json();
  const tz = healthz.time_zone && healthz.time_zone !== 'localtime' ? healthz.time_zone : local.zone;
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(new Date(start.getTime() + 30 * 60000)).map((x) => [x.type, x.value]));
  await sf.getByLabel('Starts').fill(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`);
  await sf.getByLabel('Where').selectOption('office-2');
  await sf.getByRole('button', { name: 'Schedule session' }).click();
  const conflict = page.locator('#ss-conflict');
  await conflict.waitFor();
  assert.match(await conflict.textContent(), new RegExp(`Double-booked.*session ${first.id}`));
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'ss-conflict');
  await conflict.getByRole('link', { name: `Open session ${first.id}` }).click();
  await page.locator(`section.session-page[data-session="${first.id}"]`).waitFor();
  // A future session can be cancelled with a reason; it stays on the calendar.
  await page.getByRole('button', { name: 'Cancel session…' }).click();
  await page.getByLabel('Reason for cancelling').fill('Clinician off sick');
  await page.getByRole('button', { name: 'Cancel the session' }).click();
  await page.getByText('Session cancelled by the program.').waitFor();
  await page.locator('.ss-facts .badge', { hasText: 'Cancelled by program' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Cancel session…' }).count(), 0);
  assert.equal(await page.locator('.att-buttons button:not([disabled])').count(), 0, 'a cancelled session takes no attendance');
});

test(env, 'psychotherapy notes are private to their author; the chart\'s notes never carry them', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Privacy' });
  await login(page, server, 'therapist');
  await page.goto(`${server.base}/patients/${p.id}/therapy`);
  const box = page.locator('section.th-private');
  await box.getByText('readable by you alone').waitFor();
  await box.getByRole('button', { name: 'Write a psychotherapy note…' }).click();
  await box.getByLabel('Psychotherapy note (private)').fill('PRIVATE-PROCESS: transference themes around the father.');
  await box.getByRole('button', { name: 'Save private note' }).click();
  await box.locator('.pn-text', { hasText: 'PRIVATE-PROCESS' }).waitFor();
  assert.equal(await page.locator('section.th-notes', { hasText: 'PRIVATE-PROCESS' }).count(), 0);
  await page.getByRole('button', { name: 'Log out' }).click();

  await login(page, server, 'therapist2');
  await page.goto(`${server.base}/patients/${p.id}/therapy`);
  await page.locator('section.th-private').getByText('You have no psychotherapy notes on this patient.').waitFor();
  assert.ok(!(await page.content()).includes('PRIVATE-PROCESS'));
  await page.getByRole('button', { name: 'Log out' }).click();

  // A nurse has no psychotherapy area at all.
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/patients/${p.id}/therapy`);
  await page.locator('section.th-sessions').waitFor();
  assert.equal(await page.locator('section.th-private').count(), 0);
});

test(env, 'a supervised clinician\'s signed note awaits the supervisor, who co-signs it from My notes', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Supervised' });
  const s = await pastSession(server, [p], { kind: 'individual', user: 'trainee', room: 'office-2', hoursAgo: 30 });
  await login(page, server, 'trainee');
  await page.goto(`${server.base}/sessions/${s.id}`);
  await page.getByRole('button', { name: 'Write the progress note' }).click();
  await page.getByLabel('Format').selectOption('SOAP');
  await page.getByLabel('Subjective').fill('Reports fewer cravings.');
  await page.getByRole('button', { name: 'Sign…' }).click();
  await page.getByRole('button', { name: 'Sign and lock' }).click();
  await page.locator('article.pnote .badge', { hasText: 'Awaiting co-signature' }).waitFor();
  await page.locator('article.pnote .note-cosign', { hasText: 'awaiting co-signature by supervisor' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Co-sign' }).count(), 0, 'not for the author');
  await page.getByRole('button', { name: 'Log out' }).click();

  await login(page, server, 'supervisor');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My notes' }).click();
  await page.getByRole('heading', { name: 'Awaiting your co-signature (1)' }).waitFor();
  await page.locator('.notes-table tr', { hasText: 'trainee' }).getByRole('link').click();
  await page.getByRole('button', { name: 'Co-sign' }).click();
  await page.getByText('Note co-signed.').waitFor();
  await page.locator('article.pnote .badge', { hasText: 'Signed' }).waitFor();
  await page.locator('article.pnote .note-cosign', { hasText: 'co-signed by supervisor' }).waitFor();
});

test(env, 'triggers, coping skills and the printable relapse-prevention plan', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Coping' });
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/patients/${p.id}/therapy`);
  const rp = page.locator('section.rp');
  await rp.getByRole('button', { name: 'Add trigger…' }).click();
  await rp.getByLabel('Kind').selectOption('places');
  await rp.getByLabel('Trigger', { exact: true }).fill('The bar on the way home');
  await rp.getByRole('button', { name: 'Add trigger', exact: true }).click();
  await rp.locator('li[data-trigger]', { hasText: 'The bar on the way home' }).waitFor();
  await rp.getByRole('button', { name: 'Add coping strategy…' }).click();
  await rp.getByLabel('Coping strategy', { exact: true }).fill('Take the other street and call my sister');
  await rp.getByLabel('The bar on the way home').check();
  await rp.getByRole('button', { name: 'Add strategy' }).click();
  const strat = rp.locator('li.rp-strategy', { hasText: 'Take the other street' });
  await strat.getByText('For: The bar on the way home').waitFor();
  await strat.getByRole('button', { name: /^Rate…/ }).click();
  await strat.getByLabel('How well it worked').selectOption('5');
  await strat.getByRole('button', { name: 'Save rating' }).click();
  await strat.locator('.rp-eff[data-latest="5"]').waitFor();
  await rp.getByRole('button', { name: 'Add warning sign…' }).click();
  await rp.getByLabel('Warning sign', { exact: true }).fill('Skipping meals');
  await rp.getByRole('button', { name: 'Add warning sign' , exact: true }).click();
  await rp.getByRole('button', { name: 'Add contact…' }).click();
  await rp.getByLabel('Name', { exact: true }).fill('Dana');
  await rp.getByLabel('Relationship').fill('sister');
  await rp.getByLabel('Phone').fill('555-0100');
  await rp.getByRole('button', { name: 'Add contact', exact: true }).click();
  await rp.locator('strong', { hasText: 'Dana' }).waitFor();

  await page.evaluate(() => { window.printed = 0; window.print = () => { window.printed++; }; });
  await rp.getByRole('button', { name: 'Print relapse-prevention plan' }).click();
  const doc = page.locator('.rp-print article.rp-doc');
  await doc.getByRole('heading', { name: 'My relapse-prevention plan' }).waitFor();
  await doc.getByText('The bar on the way home').first().waitFor();
  await doc.getByText('Take the other street and call my sister (helped 5/5)').first().waitFor();
  await doc.getByText('988').first().waitFor();
  assert.equal(await page.evaluate(() => window.printed), 1, 'the print dialog opened');
  assert.ok(await page.evaluate(() => document.body.classList.contains('print-rp')));
  // In print, only the plan shows.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.topbar').isVisible(), false);
  assert.equal(await page.locator('nav.tabs').isVisible(), false);
  assert.equal(await page.locator('section.th-sessions').isVisible(), false);
  assert.equal(await doc.isVisible(), true);
  await page.emulateMedia({ media: 'screen' });
  await page.getByRole('button', { name: 'Close' }).click();
  await page.waitForFunction(() => !document.body.classList.contains('print-rp'));
  await rp.getByRole('button', { name: 'Print relapse-prevention plan' }).waitFor();
});

test(env, 'roles: intake has no therapy screens; a nurse records attendance but writes no notes or plans', async ({ page, server }) => {
  const p = await admitted(server, 'Roleplay', 'outpatient', 5, ['F10.20']);
  const s = await pastSession(server, [p], { kind: 'individual', room: 'office-1', hoursAgo: 50, user: 'therapist2' });
  const n = await api(server, 'POST', `/sessions/${s.id}/notes`, { format: 'DAP', shared: { data: 'Seen.' } }, 'therapist2');
  await api(server, 'POST', `/notes/${n.id}/sign`, undefined, 'therapist2');

  await login(page, server, 'intake');
  const nav = await page.locator('nav.mainnav a').allTextContents();
  assert.ok(!nav.includes('Sessions') && !nav.includes('My notes'), nav.join(','));
  await page.goto(`${server.base}/patients/${p.id}`);
  await page.getByRole('heading', { name: 'Roleplay, Robin' }).waitFor();
  const tabs = await page.locator('nav.tabs a').allTextContents();
  for (const t of ['Plan', 'Therapy', 'Timeline']) assert.ok(!tabs.includes(t), tabs.join(','));
  await page.goto(`${server.base}/sessions`);
  await page.getByRole('heading', { name: 'Not available' }).waitFor();
  await page.goto(`${server.base}/sessions/${s.id}`);
  await page.getByRole('heading', { name: 'Not available' }).waitFor();
  await page.getByRole('button', { name: 'Log out' }).click();

  await login(page, server, 'nurse');
  const nnav = await page.locator('nav.mainnav a').allTextContents();
  assert.ok(nnav.includes('Sessions') && !nnav.includes('My notes'), nnav.join(','));
  await page.goto(`${server.base}/sessions/${s.id}`);
  await page.locator('.attendance-table').getByRole('button', { name: 'Present' }).click();
  await page.locator('.attendance-table .badge.att', { hasText: 'Present' }).waitFor();
  await page.locator('article.pnote').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Add addendum…' }).count(), 0, 'addenda are P T');
  const free = await pastSession(server, [p], { kind: 'individual', room: 'office-2', hoursAgo: 5, user: 'therapist2' });
  await page.goto(`${server.base}/sessions/${free.id}`);
  await page.getByText('No note written yet.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Write the progress note' }).count(), 0);
  await page.goto(`${server.base}/patients/${p.id}/plan`);
  await page.getByText('No treatment plan for the current episode').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Write the treatment plan…' }).count(), 0);
  await page.goto(`${server.base}/notes`);
  await page.getByRole('heading', { name: 'Not available' }).waitFor();
});

test(env, 'at 768 px the calendar, a session and the plan form fit the screen', async ({ page, server }) => {
  const p = await admitted(server, 'Narrow', 'iop', 5, ['F11.20', 'F32.1']);
  const s = await pastSession(server, [p], { kind: 'individual', room: 'family', hoursAgo: 2 });
  await login(page, server, 'therapist');
  const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
  await page.goto(`${server.base}/sessions`);
  await page.locator(`.ss-item[data-session="${s.id}"]`).waitFor();
  assert.ok(await fits(), 'calendar');
  await page.getByRole('button', { name: 'Schedule a session…' }).click();
  await page.locator('form.session-form').waitFor();
  assert.ok(await fits(), 'session form');
  await page.goto(`${server.base}/sessions/${s.id}`);
  await page.locator('.attendance-table').waitFor();
  assert.ok(await fits(), 'session');
  await page.goto(`${server.base}/patients/${p.id}/plan`);
  await page.getByRole('button', { name: 'Write the treatment plan…' }).click();
  await page.locator('form.plan-form').getByRole('button', { name: 'Add intervention to problem 1' }).click();
  assert.ok(await fits(), 'plan form');
  await page.goto(`${server.base}/patients/${p.id}/therapy`);
  await page.locator(`.th-session-table tr[data-session="${s.id}"]`).waitFor();
  assert.ok(await fits(), 'therapy tab');
  await page.goto(`${server.base}/patients/${p.id}/timeline`);
  await page.locator('.itl-figure').waitFor();
  assert.ok(await fits(), 'timeline');
}, { width: 768, height: 1000 });
