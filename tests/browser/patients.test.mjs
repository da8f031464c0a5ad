// Finding, registering and editing patients; diagnoses and the dual badge;
// the server's field-level messages next to the fields.
import assert from 'node:assert/strict';
import { day, login, makePatient, test, useServer } from './harness.mjs';

const env = useServer({ demo: 40 });

// The message shown next to the field whose input has this id.
const fieldError = (page, id) => page.locator(`.field:has(#${id}) .field-error`);

test(env, 'search by name, MRN and date of birth; long lists page', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Quillfeather', given_name: 'Ines', birth_date: '1979-06-30', mrn: 'WEB-4471' });
  await login(page, server, 'nurse');
  await page.getByRole('heading', { name: 'Patients' }).waitFor();

  // 41 patients: the first page shows 25 and offers the next.
  await page.getByText('Showing 1–25 of 41').waitFor();
  assert.equal(await page.locator('table.patients tbody tr').count(), 25);
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('Showing 26–41 of 41').waitFor();
  assert.equal(await page.locator('table.patients tbody tr').count(), 16);

  const search = async (fill) => {
    await page.getByRole('button', { name: 'Clear' }).click();
    await fill();
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('Showing 1–1 of 1').waitFor();
    const rows = page.locator('table.patients tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent(), /Quillfeather, Ines.*WEB-4471.*1979-06-30/);
  };
  await search(() => page.getByLabel('Name', { exact: true }).fill('quillfea'));
  await search(() => page.getByLabel('MRN').fill('WEB-4471'));
  await search(() => page.getByLabel('Date of birth').fill('1979-06-30'));
  assert.match(page.url(), /birth_date=1979-06-30/);

  // A bad date in the search shows the server's message next to the field.
  await page.getByLabel('Date of birth').fill('1979-13-01');
  await page.getByRole('button', { name: 'Search' }).click();
  await fieldError(page, 'ps-birth_date').filter({ hasText: 'real date' }).waitFor();

  // The row opens the chart.
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByLabel('MRN').fill('WEB-4471');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('link', { name: 'Quillfeather, Ines' }).click();
  await page.getByRole('heading', { name: 'Quillfeather, Ines' }).waitFor();
  assert.match(page.url(), new RegExp(`/patients/${p.id}$`));
});

test(env, 'filter by level of care and by dual diagnosis', async ({ page, server }) => {
  await login(page, server, 'prescriber');
  await page.getByLabel('Level of care').selectOption('detox');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/level=detox/);
  const detox = await server.api('GET', '/api/v1/patients?level=detox&limit=25');
  assert.ok(detox.total > 0, 'the demo cohort has patients in detox');
  await page.getByText(`of ${detox.total}`).first().waitFor();
  const badges = await page.locator('table.patients tbody tr .badge.lvl').allTextContents();
  assert.ok(badges.length > 0 && badges.every((b) => b === 'Detox'), badges.join(','));

  await page.getByRole('button', { name: 'Clear' }).click();
  await page.getByLabel('Dual diagnosis').selectOption('true');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/dual=true/);
  const dual = await server.api('GET', '/api/v1/patients?dual=true&limit=25');
  await page.getByText(`Showing 1–${Math.min(25, dual.total)} of ${dual.total}`).waitFor();
  const rows = page.locator('table.patients tbody tr');
  assert.equal(await rows.count(), dual.items.length);
  for (let i = 0; i < dual.items.length; i++) await rows.nth(i).locator('.badge.dual').waitFor();
});

test(env, 'register a patient, add F11.20 and F32.1, and see the dual-diagnosis badge', async ({ page, server }) => {
  await login(page, server, 'admin');
  await page.getByRole('link', { name: 'New patient' }).click();
  await page.getByLabel('Family name').fill('Okonkwo-Bright');
  await page.getByLabel('Given name').fill('Adaeze');
  await page.getByLabel('Date of birth').fill('1991-08-17');
  await page.getByLabel('Sex assigned at birth').selectOption('female');
  await page.getByLabel('City').fill('Springfield');
  await page.getByRole('button', { name: 'Register patient' }).click();

  await page.getByRole('heading', { name: 'Okonkwo-Bright, Adaeze' }).waitFor();
  await page.getByText(/Registered Okonkwo-Bright, Adaeze with MRN T\d+/).waitFor();
  const header = page.locator('.chart-head');
  assert.match(await header.textContent(), /Age\s*\d+ years/);
  assert.equal(await header.locator('.badge.dual').count(), 0, 'no dual badge before diagnoses');

  await page.getByRole('link', { name: 'Diagnoses' }).click();
  const code = page.getByLabel('ICD-10-CM code');
  await code.fill('F11.20');
  await page.getByRole('button', { name: 'Add diagnosis' }).click();
  await page.getByText('Added F11.20 (Opioid dependence, uncomplicated).').waitFor();
  assert.equal(await header.locator('.badge.dual').count(), 0, 'one substance-use diagnosis is not dual');

  await code.fill('F32.1');
  await page.getByRole('button', { name: 'Add diagnosis' }).click();
  await page.getByText('Added F32.1 (Major depressive disorder, single episode, moderate).').waitFor();
  await header.getByText('Dual diagnosis').waitFor();
  const active = page.locator('table', { has: page.locator('caption', { hasText: 'Active diagnoses' }) });
  assert.deepEqual(await active.locator('tbody td.code').allTextContents(), ['F11.20', 'F32.1']);

  // An unknown code: the server's message next to the code field.
  await code.fill('Z99');
  await page.getByRole('button', { name: 'Add diagnosis' }).click();
  await fieldError(page, 'dx-add-code').filter({ hasText: 'Z99' }).waitFor();

  // Resolve the depression: dual no longer holds.
  await active.getByRole('button', { name: /Resolve… F32.1/ }).click();
  await page.getByLabel('Reason').fill('remitted after 6 months of treatment');
  await page.getByRole('button', { name: 'Save status' }).click();
  await page.getByText('F32.1 is now resolved.').waitFor();
  await page.locator('caption', { hasText: 'Resolved and entered in error' }).waitFor();
  assert.equal(await header.locator('.badge.dual').count(), 0);
});

test(env, 'diagnoses show their titles next to the code in the overview and the diagnoses tab', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Titleholder' });
  const mdd = await server.api('POST', `/api/v1/patients/${p.id}/diagnoses`, { code: 'F32.1' });
  assert.equal(mdd.title, 'Major depressive disorder, single episode, moderate');
  const phobia = await server.api('POST', `/api/v1/patients/${p.id}/diagnoses`, { code: 'F40.10' });
  assert.equal(phobia.title, null, 'F40.10 has no title in data/icd10-titles.conf (this test needs one without)');
  const expected = [
    ['F32.1', 'Major depressive disorder, single episode, moderate'],
    ['F40.10', 'Mental-health diagnosis'], // no title: the fallback
  ];

  await login(page, server, 'therapist');
  await page.goto(`${server.base}/patients/${p.id}`);
  const overview = page.locator('section', { has: page.getByRole('heading', { name: 'Active diagnoses' }) });
  await overview.locator('li', { hasText: 'F40.10' }).waitFor();
  assert.deepEqual((await overview.locator('li').allTextContents()).sort(), expected.map(([c, t]) => `${c} ${t}`));

  await page.getByRole('link', { name: 'Diagnoses' }).click();
  const active = page.locator('table', { has: page.locator('caption', { hasText: 'Active diagnoses' }) });
  await active.locator('td.code', { hasText: 'F40.10' }).waitFor();
  const rows = await active.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.cells[0].textContent.trim(), tr.cells[1].textContent.trim()]));
  assert.deepEqual(rows.sort(), expected);
});

test(env, 'a future date of birth: the server message appears next to the field', async ({ page, server }) => {
  await login(page, server, 'intake');
  await page.getByRole('link', { name: 'New patient' }).click();
  await page.getByLabel('Family name').fill('Future');
  await page.getByLabel('Given name').fill('Baby');
  await page.getByLabel('Date of birth').fill(day(30));
  await page.getByRole('button', { name: 'Register patient' }).click();

  const err = fieldError(page, 'pf-birth_date');
  await err.waitFor();
  assert.match(await err.textContent(), /in the future/);
  const input = page.locator('#pf-birth_date');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  assert.match(await input.getAttribute('aria-describedby'), /pf-birth_date-err/);
  await page.waitForFunction((v) => document.activeElement && document.activeElement.id === v, 'pf-birth_date');
  assert.match(page.url(), /\/patients\/new$/);
  // A nested field: the message is next to City.
  await page.getByLabel('Date of birth').fill('1980-01-01');
  await page.getByLabel('City').fill('x'.repeat(101));
  await page.getByRole('button', { name: 'Register patient' }).click();
  await fieldError(page, 'pf-address-city').filter({ hasText: 'city is longer than 100' }).waitFor();
  assert.equal(await fieldError(page, 'pf-birth_date').count(), 0);
});

test(env, 'edit demographics: a reason is required, then a new version', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Versionson', phone: '555-0100' });
  await login(page, server, 'intake');
  await page.goto(`${server.base}/patients/${p.id}`);
  await page.getByRole('link', { name: 'Edit demographics' }).click();
  await page.getByLabel('Phone', { exact: true }).first().fill('555-0199');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await fieldError(page, 'pf-reason').filter({ hasText: 'reason' }).waitFor();

  await page.getByLabel('Reason for the change').fill('new number given at check-in');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('This is version 2 of the record.').waitFor();
  await page.getByText('555-0199').waitFor();
  const after = await server.api('GET', `/api/v1/patients/${p.id}`);
  assert.equal(after.phone, '555-0199');
  assert.equal(after.version, 2);
});
