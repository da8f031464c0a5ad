// The chart's Results tab (drug screens, breath alcohol, labs, ECG) and the
// allergies in the chart header, for the roles that may.
import assert from 'node:assert/strict';
import { login, makePatient, test, useServer } from './harness.mjs';

const env = useServer();

const rows = (page) => page.locator('table.results-table tbody tr.result-row');

test(env, 'a nurse records a positive opioid screen and a QTc of 510; both show, newest first', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Screened' });
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/patients/${p.id}/results`);
  await page.getByRole('heading', { name: 'Record a result' }).waitFor();
  await page.getByText('No results recorded.').waitFor();

  await page.getByLabel('Kind').selectOption('uds');
  await page.getByLabel('Substance').selectOption('opioids');
  await page.getByLabel('Result', { exact: true }).selectOption('positive');
  await page.getByRole('button', { name: 'Save result' }).click();
  await rows(page).first().waitFor();
  const uds = rows(page).first();
  await uds.locator('.uds-substance', { hasText: 'opioids' }).waitFor();
  await uds.locator('.badge.uds-positive', { hasText: 'Positive' }).waitFor();
  assert.equal(await uds.locator('.badge', { hasText: 'Expected' }).count(), 0);

  await page.getByLabel('Kind').selectOption('ecg');
  assert.equal(await page.getByLabel('Substance').count(), 0, 'the fields follow the kind');
  await page.getByLabel('QTc (ms)').fill('510');
  await page.getByRole('button', { name: 'Save result' }).click();
  await page.locator('tr.result-row[data-kind="ecg"]').waitFor();
  assert.equal(await rows(page).count(), 2);
  const ecg = rows(page).first();
  assert.equal(await ecg.getAttribute('data-kind'), 'ecg');
  assert.equal(await ecg.locator('.res-value').textContent(), '510');
  assert.match(await ecg.locator('.qtc-high').textContent(), /clinical reference B\.2 \(methadone QTc\)/);
  assert.equal(await rows(page).nth(1).getAttribute('data-kind'), 'uds');

  const stored = await server.api('GET', `/api/v1/patients/${p.id}/results`);
  assert.deepEqual(stored.items.map((r) => r.kind), ['ecg', 'uds']);
  assert.equal(stored.items[1].result, 'positive');
  assert.equal(stored.items[0].qtc_ms, 510);
  assert.equal(stored.items[0].recorded_by, 'nurse');

  // Voiding with a reason.
  await ecg.getByRole('button', { name: /Void/ }).click();
  await page.getByLabel('Reason for voiding').fill('wrong patient');
  await page.getByRole('button', { name: 'Void result' }).click();
  await page.locator('tr.result-row.voided', { hasText: 'wrong patient' }).waitFor();
});

test(env, 'an out-of-range lab value shows the server\'s message by the value field', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Labwork' });
  await login(page, server, 'prescriber');
  await page.goto(`${server.base}/patients/${p.id}/results`);
  await page.getByLabel('Kind').selectOption('lab');
  await page.getByLabel('Test').selectOption('alt');
  const value = page.getByLabel(/^Value/);
  await value.fill('20000');
  await page.getByRole('button', { name: 'Save result' }).click();
  const msg = page.locator('.field:has(#rs-add-value) .field-error');
  await msg.waitFor();
  assert.equal(await msg.textContent(), 'alt must be 0 to 10000 U/L');
  assert.equal(await value.getAttribute('aria-invalid'), 'true');
  await page.waitForFunction((v) => document.activeElement && document.activeElement.id === v, 'rs-add-value');
  assert.equal(await rows(page).count(), 0);

  await value.fill('42');
  await page.getByRole('button', { name: 'Save result' }).click();
  await rows(page).first().waitFor();
  assert.match(await rows(page).first().textContent(), /ALT\s*42\s*U\/L/);
  assert.equal(await msg.count(), 0);
});

test(env, 'an allergy added for Naltrexone shows in the chart header', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Reactive' });
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/patients/${p.id}`);
  const line = page.locator('.chart-head .allergy-line');
  await line.filter({ hasText: 'No allergies recorded' }).waitFor();
  await page.getByRole('button', { name: 'Add an allergy…' }).click();
  await page.getByLabel('Substance').fill('Naltrexone');
  await page.getByLabel('Reaction').fill('hives');
  await page.getByLabel('Severity').selectOption('moderate');
  await page.getByRole('button', { name: 'Save allergy' }).click();
  await line.filter({ hasText: 'Allergies: Naltrexone (hives, moderate)' }).waitFor();

  // Resolving it, with a reason, clears the header line.
  await page.getByRole('button', { name: 'Resolve… Naltrexone' }).click();
  await page.getByLabel('Reason').fill('tolerated a rechallenge');
  await page.getByRole('button', { name: 'Save status' }).click();
  await line.filter({ hasText: 'No allergies recorded' }).waitFor();
  const stored = await server.api('GET', `/api/v1/patients/${p.id}/allergies`);
  assert.equal(stored.items[0].status, 'resolved');
});

test(env, 'a therapist sees results but cannot add or void them', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Onlooker' });
  await server.api('POST', `/api/v1/patients/${p.id}/results`, { kind: 'uds', substance: 'methadone', result: 'positive', expected: true }, 'nurse');
  await server.api('POST', `/api/v1/patients/${p.id}/results`, { kind: 'breath_alcohol', value: 0.02 }, 'nurse');
  await login(page, server, 'therapist');
  await page.goto(`${server.base}/patients/${p.id}/results`);
  await rows(page).nth(1).waitFor();
  await page.locator('tr.result-row', { hasText: 'methadone' }).locator('.badge', { hasText: 'Expected' }).waitFor();
  await page.locator('tr.result-row', { hasText: 'Breath alcohol' }).filter({ hasText: 'g/210L' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Record a result' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Save result' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /Void/ }).count(), 0);
  // Nor an allergy: therapists read allergies only.
  await page.goto(`${server.base}/patients/${p.id}`);
  await page.getByRole('heading', { name: 'Allergies' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Add an allergy…' }).count(), 0);
});
