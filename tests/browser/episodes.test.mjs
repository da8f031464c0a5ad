// Episodes of care: admit, transfer, discharge, and the level-of-care timeline.
import assert from 'node:assert/strict';
import { day, login, makePatient, test, useServer } from './harness.mjs';

const env = useServer();

// Opens a form with its button, fills it (label -> value; a select when the
// value starts with "="), submits, and waits for the confirmation.
async function act(page, button, fields, submit, confirm) {
  await page.getByRole('button', { name: button }).click();
  for (const [label, value] of Object.entries(fields)) {
    const el = page.getByLabel(label === 'Reason' ? /^Reason/ : label);
    if (value.startsWith('=')) await el.selectOption(value.slice(1));
    else await el.fill(value);
  }
  await page.getByRole('button', { name: submit, exact: true }).click();
  await page.getByText(confirm).waitFor();
}

test(env, 'admit to detox, transfer to residential and IOP: three placements on the timeline', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Steppingstone' });
  await login(page, server, 'therapist');
  await page.goto(`${server.base}/patients/${p.id}/episodes`);
  await page.getByText('No episodes of care yet.').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Transfer…' }).count(), 0);

  await act(page, 'Admit…', { 'Level of care': '=detox', 'Admitted on': day(-10) }, 'Admit', 'Admitted to Withdrawal management (detox).');
  await act(page, 'Transfer…', { 'New level of care': '=residential', 'Starts on': day(-6), Reason: 'withdrawal complete' },
    'Transfer', 'Transferred to Residential.');
  // A transfer without a reason: the server's message next to Reason.
  await page.getByRole('button', { name: 'Transfer…' }).click();
  await page.getByLabel('New level of care').selectOption('iop');
  await page.getByLabel('Starts on').fill(day(-2));
  await page.getByRole('button', { name: 'Transfer', exact: true }).click();
  await page.locator('.field:has(#ep-transfer-reason) .field-error').filter({ hasText: 'reason' }).waitFor();
  await page.getByLabel('Reason').fill('step down after 4 days');
  await page.getByRole('button', { name: 'Transfer', exact: true }).click();
  await page.getByText('Transferred to Intensive outpatient (IOP).').waitFor();

  const rows = page.locator('.episode.is-open .tl-row');
  assert.equal(await rows.count(), 3);
  assert.deepEqual(
    await rows.evaluateAll((els) => els.map((e) => e.dataset.level)),
    ['detox', 'residential', 'iop'],
  );
  assert.deepEqual(await page.locator('.episode.is-open .tl-name').allTextContents(), ['Detox', 'Residential', 'IOP']);
  assert.match(await page.locator('.episode.is-open .tl-path').textContent(), /Detox\s*→\s*Residential\s*→\s*IOP/);
  const dates = await page.locator('.episode.is-open .tl-dates').allTextContents();
  assert.match(dates[0], new RegExp(`${day(-10)} → ${day(-6)}\\s*4 days`));
  assert.match(dates[1], new RegExp(`${day(-6)} → ${day(-2)}\\s*4 days`));
  assert.match(dates[2], new RegExp(`${day(-2)} → now\\s*2 days so far`));

  // Bars are proportional to duration: 4, 4 and 2 of 10 days, one after another.
  const boxes = await page.locator('.episode.is-open .tl-bar').evaluateAll((els) =>
    els.map((e) => {
      const r = e.getBoundingClientRect();
      const t = e.parentElement.getBoundingClientRect();
      return { left: (r.left - t.left) / t.width, width: r.width / t.width };
    }));
  const near = (a, b) => Math.abs(a - b) < 0.02;
  assert.ok(near(boxes[0].left, 0) && near(boxes[0].width, 0.4), JSON.stringify(boxes));
  assert.ok(near(boxes[1].left, 0.4) && near(boxes[1].width, 0.4), JSON.stringify(boxes));
  assert.ok(near(boxes[2].left, 0.8) && near(boxes[2].width, 0.2), JSON.stringify(boxes));

  // The header shows the current level.
  await page.locator('.chart-head .badge.lvl', { hasText: 'Intensive outpatient (IOP)' }).waitFor();
});

test(env, 'discharge closes the episode and offers admission again', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Homeward' });
  await server.api('POST', `/api/v1/patients/${p.id}/episodes`, { level: 'outpatient', admitted_on: day(-20) });
  await login(page, server, 'prescriber');
  await page.goto(`${server.base}/patients/${p.id}/episodes`);
  await act(page, 'Discharge…', { Reason: '=completed', 'Discharged on': day(-1) }, 'Discharge', 'Discharged.');
  await page.locator('.episode .badge', { hasText: 'Discharged' }).waitFor();
  await page.getByText('Discharge: Completed').waitFor();
  await page.getByRole('button', { name: 'Admit…' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Transfer…' }).count(), 0);
  await page.locator('.chart-head .badge', { hasText: 'Not in care' }).waitFor();
});

test(env, 'a nurse sees the timeline but no admit, transfer or discharge', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Watchful' });
  await server.api('POST', `/api/v1/patients/${p.id}/episodes`, { level: 'residential', admitted_on: day(-3) });
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/patients/${p.id}/episodes`);
  await page.locator('.tl-row').first().waitFor();
  for (const name of ['Admit…', 'Transfer…', 'Discharge…'])
    assert.equal(await page.getByRole('button', { name }).count(), 0, name);
});
