// The chart's Measures tab: recording an assessment from the instrument's
// definition, the withdrawal flowsheet, the trend chart, schedules, and the
// Alerts page (inbox and due measures), each for the roles that may.
import assert from 'node:assert/strict';
import { day, login, makePatient, test, useServer } from './harness.mjs';

const env = useServer();

// "2026-11-29T08:13:00Z" -> "2026-11-29 08:13 UTC" (the app's instant(); the
// server runs with TZ=UTC and /healthz says so).
const shown = (iso) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const ago = (minutes) => new Date(Date.now() - minutes * 60000).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function openRecord(page, instrument) {
  await page.getByRole('button', { name: 'Record an assessment…' }).click();
  await page.getByLabel('Instrument').selectOption(instrument);
  await page.locator('.mrecord .mitem').first().waitFor();
}

// Picks the option labelled `label` of item `id` in the record form.
const pick = (page, id, label) =>
  page.locator(`.mrecord fieldset[data-item="${id}"]`).getByRole('radio', { name: label, exact: true }).check();

test(env, 'a nurse records a CIWA-Ar for a detox patient: the flowsheet shows the protocol step and when to reassess', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Tremens' });
  await server.api('POST', `/api/v1/patients/${p.id}/episodes`, { level: 'detox', admitted_on: day(-1) });
  // An earlier score, 5 hours ago, so the flowsheet has a history.
  await server.api('POST', `/api/v1/patients/${p.id}/assessments`, {
    instrument: 'CIWA-Ar', administered_at: ago(300),
    answers: { nausea: 4, tremor: 4, sweats: 4, anxiety: 4, agitation: 3, tactile: 1, auditory: 1, visual: 0, headache: 2, orientation: 0 },
  }, 'nurse');

  await login(page, server, 'nurse');
  await page.goto(`${server.base}/patients/${p.id}/measures`);
  const fs = page.locator('.minstr[data-instrument="CIWA-Ar"] .flowsheet');
  await fs.waitFor();
  assert.equal(await fs.locator('tbody tr').count(), 1);
  // 23, severe: reassess after 60 minutes, which passed 4 hours ago.
  await fs.locator('.next-step .badge', { hasText: 'Overdue' }).waitFor();

  await openRecord(page, 'CIWA-Ar');
  await page.getByText('Clinician-rated.', { exact: false }).first().waitFor(); // the stem
  await page.locator('.mrecord .mrecall', { hasText: 'now (at the time of assessment)' }).waitFor();
  await page.locator('.mrecord .mattribution', { hasText: 'Sullivan JT' }).waitFor();
  const values = { nausea: 3, tremor: 4, sweats: 2, anxiety: 3, agitation: 2, tactile: 0, auditory: 0, visual: 0, headache: 1 };
  for (const [id, v] of Object.entries(values)) await page.locator(`#ms-rec-item-${id}`).fill(String(v));
  await pick(page, 'orientation', 'Oriented and can do serial additions');
  await page.getByRole('button', { name: 'Save assessment' }).click();

  const result = page.locator('.mresult');
  await result.waitFor();
  assert.equal(await result.locator('.mresult-total').textContent(), '15');
  await result.locator('.badge.sev', { hasText: 'Moderate' }).waitFor();
  await result.getByText('No alerts were raised.').waitFor();

  // The flowsheet: two rows, newest first with its protocol step, and the next step.
  await fs.locator('tbody tr').nth(1).waitFor();
  const first = fs.locator('tbody tr').first();
  assert.match(await first.textContent(), /15.*Moderate.*Moderate withdrawal: give the symptom-triggered dose.*60 min.*nurse/);
  const sheet = await server.api('GET', `/api/v1/patients/${p.id}/flowsheet?instrument=CIWA-Ar`);
  assert.equal(sheet.next.step.reassess_minutes, 60);
  const next = fs.locator('.next-step');
  await next.locator('.next-action', { hasText: 'Moderate withdrawal: give the symptom-triggered dose the site protocol orders; reassess.' }).waitFor();
  assert.equal(await next.locator('.reassess-at').textContent(), shown(sheet.next.reassess_at));
  assert.equal(await next.getAttribute('data-overdue'), 'false');
  assert.equal(await next.locator('.badge', { hasText: 'Overdue' }).count(), 0);
  await fs.getByText(sheet.protocol).waitFor();

  // The trend of the same instrument, with the detox placement under it.
  const plot = page.locator('.minstr[data-instrument="CIWA-Ar"] .trend-plot');
  await plot.locator('canvas').waitFor();
  assert.equal(await plot.getAttribute('data-points'), '2');
  // A nurse sees schedules but may not add or stop them.
  await page.getByRole('heading', { name: 'Schedules' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Add a schedule…' }).count(), 0);
});

test(env, 'a PHQ-9 with a missing item shows the server\'s message; answering it saves', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Halfway' });
  await login(page, server, 'therapist');
  await page.goto(`${server.base}/patients/${p.id}/measures`);
  await page.getByText('No assessments yet.').waitFor();
  await openRecord(page, 'PHQ-9');
  await page.locator('.mrecord .mstem', { hasText: 'Over the last 2 weeks' }).waitFor();
  await page.locator('.mrecord .mattribution', { hasText: 'Pfizer' }).waitFor();
  await page.locator('.mrecord .mlicence', { hasText: 'No permission required' }).waitFor();
  for (const id of ['1', '2', '3', '4', '5', '6', '7', '9']) await pick(page, id, 'Not at all');
  await page.getByRole('button', { name: 'Save assessment' }).click();

  await page.getByRole('alert').filter({ hasText: 'PHQ-9 is incomplete: missing item 8' }).waitFor();
  const item8 = page.locator('.mrecord fieldset[data-item="8"]');
  assert.match(await item8.getAttribute('class'), /has-error/);
  await item8.locator('.field-error').waitFor();
  await page.waitForFunction((v) => document.activeElement && document.activeElement.name === v, 'ms-rec-item-8');
  assert.equal((await server.api('GET', `/api/v1/patients/${p.id}/assessments`)).items.length, 0);

  await pick(page, '8', 'Several days');
  await page.getByRole('button', { name: 'Save assessment' }).click();
  const result = page.locator('.mresult');
  await result.waitFor();
  assert.equal(await result.locator('.mresult-total').textContent(), '1');
  await result.locator('.badge.sev', { hasText: 'Minimal' }).waitFor();
  await result.getByText('Minimal or no depressive symptoms').waitFor();
  await page.locator('.mrecent-table tbody tr').first().waitFor();
  assert.equal(await page.locator('.mrecent-table tbody tr').count(), 1);
});

test(env, 'the trend chart: bands, placements, baseline, response and remission, and the points as a table', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Upswing' });
  const ep = await server.api('POST', `/api/v1/patients/${p.id}/episodes`, { level: 'residential', admitted_on: day(-60) });
  await server.api('POST', `/api/v1/episodes/${ep.id}/placements`, { level: 'iop', started_on: day(-30), reason: 'step down' });
  const totals = [18, 14, 8, 3]; // baseline 18; 8 is a response (>= 50% drop), 3 a remission (< 5)
  const item = (t) => { const a = Array(9).fill(0); for (let i = 0; i < t; i++) a[i % 8] += 1; return a; };
  for (const [k, t] of totals.entries())
    await server.api('POST', `/api/v1/patients/${p.id}/assessments`, {
      instrument: 'PHQ-9', answers: item(t), administered_at: `${day(-56 + k * 14)}T15:00:00Z`,
    });
  await login(page, server, 'prescriber');
  await page.goto(`${server.base}/patients/${p.id}/measures`);
  const card = page.locator('.minstr[data-instrument="PHQ-9"]');
  const plot = card.locator('.trend-plot');
  await plot.locator('canvas').waitFor();
  assert.equal(await plot.getAttribute('data-points'), '4');
  await card.locator('.trend-legend li', { hasText: 'Baseline 18' }).waitFor();
  await card.locator('.trend-legend li.mk-response', { hasText: `Response 8, ${day(-28)}` }).waitFor();
  await card.locator('.trend-legend li.mk-remission', { hasText: `Remission 3, ${day(-14)}` }).waitFor();
  await card.locator('.trend-legend li', { hasText: 'Residential' }).waitFor();
  await card.locator('.trend-legend li', { hasText: 'Intensive outpatient (IOP)' }).waitFor();
  // The table of points, newest first.
  await card.getByText('Scores as a table (4 scores)').click();
  const rows = await card.locator('.trend-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.deepEqual(rows.map((r) => r[1]), ['3', '8', '14', '18']);
  assert.equal(rows[0][3], 'Remission');
  assert.equal(rows[1][3], 'Response');

  // The canvas really has the bands and the placement strip: colours of the
  // severe band and of the IOP level are on it.
  const colours = await plot.locator('canvas').evaluate((c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const has = (r, g, b) => {
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) < 6 && Math.abs(d[i + 1] - g) < 6 && Math.abs(d[i + 2] - b) < 6) n++;
      return n;
    };
    return { severe: has(0xf4, 0xc4, 0xc4), iop: has(0x22, 0x67, 0x9c), residential: has(0x9c, 0x55, 0x15) };
  });
  assert.ok(colours.severe > 500, JSON.stringify(colours));
  assert.ok(colours.iop > 100 && colours.residential > 100, JSON.stringify(colours));
});

test(env, 'schedules: a therapist adds one (the server\'s message by the field), it is due on the Alerts page, and stops it', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Cadence' });
  await login(page, server, 'therapist');
  await page.goto(`${server.base}/patients/${p.id}/measures`);
  await page.getByRole('button', { name: 'Add a schedule…' }).click();
  await page.getByLabel('Instrument').selectOption('GAD-7');
  await page.getByLabel('Every').fill('14');
  await page.getByLabel('Unit').selectOption('days');
  await page.getByRole('button', { name: 'Add schedule' }).click();
  await page.locator('.field:has(#ms-sched-reason) .field-error').filter({ hasText: 'reason' }).waitFor();
  await page.getByLabel('Reason').fill('anxiety every two weeks');
  await page.getByRole('button', { name: 'Add schedule' }).click();
  await page.getByText('GAD-7 scheduled every 14 days.').waitFor();
  const row = page.locator('.msched-table tbody tr[data-instrument="GAD-7"]');
  await row.waitFor();
  assert.match(await row.textContent(), /every 14 days.*anxiety every two weeks.*not yet/);
  await row.locator('.badge', { hasText: /Overdue|Due now/ }).waitFor();

  // Due across patients, linking to the chart's Measures tab.
  await page.getByRole('link', { name: 'Alerts' }).click();
  await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
  const due = page.locator('.due-table tbody tr', { hasText: 'Cadence' });
  await due.waitFor();
  assert.match(await due.textContent(), /GAD-7.*every 14 days/);
  await due.getByRole('link').click();
  await page.locator('.msched-table').waitFor();
  assert.match(page.url(), new RegExp(`/patients/${p.id}/measures$`));

  // Stop: a reason is required.
  await row.getByRole('button', { name: 'Stop…' }).click();
  await page.getByRole('button', { name: 'Stop schedule' }).click();
  await page.locator('.stop-form .field-error').filter({ hasText: 'reason' }).waitFor();
  await page.getByLabel('Why stop the GAD-7 schedule?').fill('discharged');
  await page.getByRole('button', { name: 'Stop schedule' }).click();
  await page.getByText('Stopped the GAD-7 schedule.').waitFor();
  await page.getByText('No measures are scheduled.').waitFor();
});

test(env, 'intake records and creates check-ins but sees no trends, schedules or alerts', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Frontdesk' });
  await server.api('POST', `/api/v1/patients/${p.id}/assessments`, { instrument: 'AUDIT-C', answers: [1, 1, 0] });
  await login(page, server, 'intake');
  assert.equal(await page.getByRole('link', { name: 'Alerts' }).count(), 0);
  await page.goto(`${server.base}/patients/${p.id}/measures`);
  await page.locator('.mrecent-table tbody tr[data-instrument="AUDIT-C"]').waitFor();
  await page.getByRole('button', { name: 'Record an assessment…' }).waitFor();
  await page.getByRole('button', { name: 'Create check-in link…' }).waitFor();
  assert.equal(await page.locator('.trend-plot').count(), 0);
  assert.equal(await page.getByRole('heading', { name: 'Schedules' }).count(), 0);
  await page.goto(`${server.base}/alerts`);
  await page.getByRole('heading', { name: 'Not available' }).waitFor();
});

test(env, 'the Alerts inbox lists open alerts for the user\'s roles, flags escalated ones and links to the chart', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Inboxed' });
  await server.api('POST', `/api/v1/patients/${p.id}/assessments`, { instrument: 'PHQ-9', answers: [1, 1, 1, 1, 0, 0, 0, 0, 2] });
  const open = await server.api('GET', '/api/v1/alerts?open=true', undefined, 'prescriber');
  const mine = open.items.find((a) => a.patient_id === p.id);
  assert.ok(mine, 'the prescriber has the alert in the inbox');
  // Escalation takes hours (data/alerts.conf); the server's flag is simulated
  // on the response so the page's rendering of it is checked.
  await page.route('**/api/v1/alerts?*', async (route) => {
    const res = await route.fetch();
    const body = await res.json();
    for (const a of body.items) if (a.id === mine.id) a.escalated = true;
    await route.fulfill({ response: res, json: body });
  });
  await login(page, server, 'prescriber');
  await page.getByRole('link', { name: 'Alerts' }).click();
  const row = page.locator(`.alerts-table tbody tr[data-alert="${mine.id}"]`);
  await row.waitFor();
  assert.match(await row.textContent(), /Inboxed, Robin.*Critical.*Suicide risk.*PHQ-9 item 9 answered 2 \(rule: 1 or more\); total 6/);
  await row.locator('.badge.escalated', { hasText: 'Escalated' }).waitFor();
  await row.getByRole('link', { name: 'Inboxed, Robin' }).click();
  await page.getByRole('heading', { name: 'Inboxed, Robin' }).waitFor();
  await page.locator('.alert-banner').getByText('PHQ-9 item 9 answered 2').waitFor();

  // Acknowledged alerts leave the inbox; "Open and acknowledged" shows them with the note.
  await server.api('POST', `/api/v1/alerts/${mine.id}/ack`, { note: 'seen same day; C-SSRS negative' }, 'prescriber');
  await page.goto(`${server.base}/alerts`);
  await page.locator('.alerts-inbox h2', { hasText: 'Open alerts' }).waitFor();
  assert.equal(await row.count(), 0);
  await page.getByLabel('Show').selectOption('all');
  await row.waitFor();
  assert.match(await row.textContent(), /Acknowledged.*seen same day; C-SSRS negative.*prescriber/);
});
