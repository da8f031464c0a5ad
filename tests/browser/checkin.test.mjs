// Self check-in: a clinician creates a link, the patient answers on it
// without logging in (a browser context of their own), and the clinician sees
// the score on the trend chart and the item-9 alert, and acknowledges it. A
// used or tampered link gets a plain page with the server's message; the
// waiting-room tablet works with the code.
import assert from 'node:assert/strict';
import { day, login, makePatient, test, useServer } from './harness.mjs';

const env = useServer();

// A context for the patient: no session, nothing shared with the clinician.
// Records every request the page makes and fails on CSP violations or
// uncaught errors, like the harness does for its own pages.
async function patientPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective}`));
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10000);
  const requests = [];
  const problems = [];
  page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  page.on('console', (m) => /Content Security Policy|CSP violation|Refused to/i.test(m.text()) && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  return { context, page, requests, problems };
}

// Answers the PHQ-9 on the check-in page: `values` are the labels of items 1-9.
async function answerPhq9(page, labels) {
  const q = page.locator('.checkin-instrument').first();
  for (const [i, label] of labels.entries())
    await q.locator(`fieldset[data-item="${i + 1}"]`).getByLabel(label, { exact: true }).check();
}

// Only the page, its assets and the two public check-in routes: no /healthz,
// no /api/v1/me, nothing else of the app.
function onlyCheckinCalls(requests) {
  const api = requests.filter((r) => /\/(api|healthz)/.test(r));
  assert.ok(api.length > 0, 'the page called the check-in API');
  for (const r of api) assert.match(r, /^(GET|POST) \/api\/v1\/checkin\/[^/]+$/, requests.join('\n'));
}

test(env, 'a patient completes a PHQ-9 on a check-in link; the clinician sees the point, the item-9 alert, and acknowledges it', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Selfreport', given_name: 'Jordan' });
  await server.api('POST', `/api/v1/patients/${p.id}/episodes`, { level: 'residential', admitted_on: day(-21) });
  await server.api('POST', `/api/v1/patients/${p.id}/assessments`, {
    instrument: 'PHQ-9', answers: [2, 2, 2, 2, 1, 1, 1, 1, 0], administered_at: `${day(-14)}T10:00:00Z`,
  });

  // The clinician creates the link on the chart.
  await login(page, server, 'therapist');
  await page.goto(`${server.base}/patients/${p.id}/measures`);
  const plot = page.locator('.minstr[data-instrument="PHQ-9"] .trend-plot');
  await plot.locator('canvas').waitFor();
  assert.equal(await plot.getAttribute('data-points'), '1');
  assert.equal(await page.locator('.alert-banner').count(), 0);
  await page.getByRole('button', { name: 'Create check-in link…' }).click();
  const ci = page.locator('.ci-card');
  await ci.getByLabel(/PHQ-9/).check();
  await ci.getByRole('button', { name: 'Create link' }).click();
  const linkField = ci.getByLabel("Link for the patient's phone");
  await linkField.waitFor();
  const link = await linkField.inputValue();
  assert.match(link, new RegExp(`^${server.base}/checkin/[A-Za-z0-9_-]{43}$`), 'an absolute link');
  assert.match(await ci.locator('.ci-code').textContent(), /^[A-Z0-9]{3}-[A-Z0-9]{3}-[A-Z0-9]{3}$/);
  await ci.locator('.ci-expires').waitFor();

  // The patient, in a browser of their own, with no login.
  const pt = await patientPage(env.browser);
  try {
    await pt.page.goto(link);
    await pt.page.getByRole('heading', { name: 'Hello, Jordan' }).waitFor();
    assert.equal(await pt.page.getByText('Selfreport').count(), 0, 'no family name');
    await pt.page.getByRole('heading', { name: 'Patient Health Questionnaire-9' }).waitFor();
    await pt.page.getByText('Over the last 2 weeks, how often have you been bothered').waitFor();
    await pt.page.locator('.mattribution', { hasText: 'Pfizer' }).waitFor();
    assert.equal(await pt.page.locator('a').count(), 0, 'no links to anything');
    assert.equal(await pt.page.locator('nav, header.topbar').count(), 0, 'no menu');
    // Each question is a fieldset with a legend; every option has a label.
    assert.equal(await pt.page.locator('.checkin-instrument fieldset legend').count(), 10);
    await answerPhq9(pt.page, ['Several days', 'Several days', 'Not at all', 'Several days', 'Not at all',
      'Not at all', 'Not at all', 'Not at all', 'Several days']);
    // The keyboard works: the last question answered with the arrow keys.
    await pt.page.locator('fieldset[data-item="function"] input').first().focus();
    await pt.page.keyboard.press('ArrowRight');
    assert.equal(await pt.page.locator('fieldset[data-item="function"]').getByLabel('Somewhat difficult').isChecked(), true);
    await pt.page.getByRole('button', { name: 'Send my answers' }).click();
    await pt.page.getByRole('heading', { name: 'Thank you' }).waitFor();
    await pt.page.getByText('Your answers were sent to your care team.').waitFor();
    assert.equal(await pt.page.getByText(/total|score|alert/i).count(), 0, 'no scores or alerts for the patient');
    onlyCheckinCalls(pt.requests);
    assert.deepEqual(pt.problems, []);
  } finally {
    await pt.context.close();
  }

  // The clinician: the new point on the trend, and the alert banner.
  await page.reload();
  await plot.locator('canvas').waitFor();
  await page.waitForFunction(() => document.querySelector('.minstr[data-instrument="PHQ-9"] .trend-plot')?.dataset.points === '2');
  const card = page.locator('.minstr[data-instrument="PHQ-9"]');
  await card.getByText('Scores as a table (2 scores)').click();
  assert.equal(await card.locator('.trend-table tbody tr').count(), 2);
  assert.equal(await card.locator('.trend-table tbody tr').first().locator('td').first().textContent(), '4');
  await page.locator('.mrecent-table tbody tr').first().getByText('Patient (check-in)').waitFor();

  const banner = page.locator('.alert-banner');
  await banner.waitFor();
  await banner.getByText('PHQ-9 item 9 (thoughts of being better off dead or of self-harm) scored 1 or more').waitFor();
  await banner.getByText('PHQ-9 item 9 answered 1 (rule: 1 or more); total 4').waitFor(); // what was found
  await banner.getByText('Any score of 1 or more on item 9 must raise an alert').waitFor(); // why
  await banner.getByText('Clinical reference A.1').waitFor(); // source
  // It is on every tab of the chart.
  await page.getByRole('link', { name: 'Overview' }).click();
  await banner.waitFor();

  // Acknowledging needs the action taken.
  await banner.getByRole('button', { name: 'Acknowledge…' }).click();
  await banner.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await banner.locator('.field-error').filter({ hasText: 'note' }).waitFor();
  await banner.getByLabel('Action taken').fill('C-SSRS done by phone: low risk; safety plan reviewed.');
  await banner.getByRole('button', { name: 'Acknowledge', exact: true }).click();
  await page.getByText('Alert acknowledged.').waitFor();
  await banner.waitFor({ state: 'detached' });
  const all = await server.api('GET', `/api/v1/patients/${p.id}/alerts?open=false`);
  assert.equal(all.items.length, 1);
  assert.equal(all.items[0].ack.note, 'C-SSRS done by phone: low risk; safety plan reviewed.');
  assert.equal(all.items[0].ack.by, 'therapist');
});

test(env, 'a used link shows "already completed"; a tampered link shows "not valid"', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Twiceover' });
  const ck = await server.api('POST', `/api/v1/patients/${p.id}/checkins`, { instruments: ['GAD-7'] });
  const r = await fetch(`${server.base}/api/v1/checkin/${ck.token}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ answers: [[0, 0, 0, 0, 0, 0, 0]] }),
  });
  assert.equal(r.status, 201);

  await page.goto(server.base + ck.link);
  await page.getByRole('heading', { name: 'Already completed' }).waitFor();
  await page.getByText('This check-in was already completed.').waitFor();
  assert.equal(await page.locator('form, a, nav').count(), 0);

  // One character changed: the server does not know it.
  const last = ck.token.slice(-1) === 'A' ? 'B' : 'A';
  await page.goto(`${server.base}/checkin/${ck.token.slice(0, -1)}${last}`);
  await page.getByRole('heading', { name: 'This check-in is not valid' }).waitFor();
  await page.getByText('This check-in link or code is not valid. Ask the front desk for a new one.').waitFor();
  await page.goto(`${server.base}/checkin/not-a-token`);
  await page.getByRole('heading', { name: 'This check-in is not valid' }).waitFor();
  assert.equal(await page.locator('a, nav').count(), 0);
});

test(env, 'the waiting-room tablet: a wrong code, then the right one; missing answers show the server\'s message', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Tablet', given_name: 'Sam' });
  const ck = await server.api('POST', `/api/v1/patients/${p.id}/checkins`, { instruments: ['PHQ-9', 'CRAVING'], expires_minutes: 30 });
  const pt = await patientPage(env.browser);
  try {
    const tab = pt.page;
    await tab.goto(`${server.base}/checkin`);
    await tab.getByRole('heading', { name: 'Check-in' }).waitFor();
    const code = tab.getByLabel('Your check-in code');
    await code.fill('AAA-BBB-CCC');
    await code.press('Enter');
    await tab.locator('.field-error', { hasText: 'not valid' }).waitFor();
    // Typed in lower case with dashes: the server accepts it.
    const typed = ck.code.toLowerCase().replace(/(.{3})(?=.)/g, '$1-');
    await code.fill(typed);
    await tab.getByRole('button', { name: 'Start' }).click();
    await tab.getByRole('heading', { name: 'Hello, Sam' }).waitFor();
    await tab.getByText('1 of 2').waitFor();
    await tab.getByRole('heading', { name: /Craving right now/ }).waitFor();
    await answerPhq9(tab, ['Not at all', 'Not at all', 'Several days', 'Not at all', 'Not at all', 'Not at all', 'Not at all', 'Not at all', 'Not at all']);
    // The craving rating left empty: the server refuses and says what is missing.
    await tab.getByRole('button', { name: 'Send my answers' }).click();
    const alert = tab.getByRole('alert');
    await alert.filter({ hasText: 'CRAVING is incomplete' }).waitFor();
    await tab.locator('.checkin-instrument').nth(1).locator('.mitem.has-error .field-error').waitFor();
    await tab.locator('#ci-1-now').fill('6');
    await tab.getByRole('button', { name: 'Send my answers' }).click();
    await tab.getByRole('heading', { name: 'Thank you' }).waitFor();
    // The tablet goes back to the code screen for the next patient.
    await tab.getByRole('button', { name: 'Finish' }).click();
    await tab.getByLabel('Your check-in code').waitFor();
    onlyCheckinCalls(pt.requests);
    assert.deepEqual(pt.problems, []);
  } finally {
    await pt.context.close();
  }
  const got = await server.api('GET', `/api/v1/patients/${p.id}/assessments`);
  assert.deepEqual(got.items.map((a) => [a.instrument, a.total, a.answered_by]).sort(), [['CRAVING', 6, 'patient'], ['PHQ-9', 1, 'patient']]);
  // The page itself is public: the harness page (no login) gets it too.
  await page.goto(`${server.base}/checkin`);
  await page.getByLabel('Your check-in code').waitFor();
});
