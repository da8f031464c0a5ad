// Each role sees the actions its routes allow (web/src/lib/access.js mirrors
// src/http/routes.c), and nothing more.
import assert from 'node:assert/strict';
import { login, makePatient, test, useServer } from './harness.mjs';

const env = useServer();

const navLinks = (page) => page.locator('nav.mainnav a').allTextContents();
const tabs = (page) => page.locator('nav.tabs a').allTextContents();

test(env, 'a therapist does not get the audit view', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Confidant' });
  await login(page, server, 'therapist');
  assert.deepEqual(await navLinks(page), ['Patients', 'Census', 'Sessions', 'My notes', 'Alerts']);
  assert.equal(await page.getByRole('link', { name: 'New patient' }).count(), 0, 'therapists do not register patients');

  await page.goto(`${server.base}/patients/${p.id}`);
  await page.getByRole('heading', { name: 'Confidant, Robin' }).waitFor();
  assert.deepEqual(await tabs(page), ['Overview', 'Diagnoses', 'Episodes', 'Plan', 'Therapy', 'Measures', 'Medications', 'MAR', 'Results', 'Timeline']);
  assert.equal(await page.getByRole('link', { name: 'Edit demographics' }).count(), 0);
  await page.getByRole('link', { name: 'Diagnoses' }).click();
  await page.getByRole('heading', { name: 'Add a diagnosis' }).waitFor();

  // Typing the address does not help.
  await page.goto(`${server.base}/patients/${p.id}/audit`);
  await page.getByText('This section is not available.').waitFor();
  await page.goto(`${server.base}/audit`);
  await page.getByRole('heading', { name: 'Not available' }).waitFor();
  assert.equal(await page.locator('table.audit').count(), 0);
});

test(env, 'an admin sees the chart audit tab with this record\'s reads', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Traceable' });
  await login(page, server, 'admin');
  assert.deepEqual(await navLinks(page), ['Patients', 'Census', 'Sessions', 'Dosing', 'Alerts', 'Monitoring', 'Audit']);
  await page.goto(`${server.base}/patients/${p.id}`);
  await page.getByRole('heading', { name: 'Traceable, Robin' }).waitFor();
  assert.deepEqual(await tabs(page), ['Overview', 'Diagnoses', 'Episodes', 'Plan', 'Therapy', 'Measures', 'Medications', 'MAR', 'Take-homes', 'Results', 'Timeline', 'Audit']);
  await page.getByRole('link', { name: 'Audit' }).last().click();
  await page.locator('table.audit').waitFor();
  const actions = await page.locator('table.audit tbody td:nth-child(4)').allTextContents();
  assert.ok(actions.includes('patient.read'), actions.join(','));
  assert.ok(actions.includes('patient.create'), actions.join(','));
});

test(env, 'an auditor gets the audit trail and nothing else', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Ledger' });
  await login(page, server, 'auditor');
  assert.deepEqual(await navLinks(page), ['Audit']);
  await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
  await page.getByLabel('Patient id').fill(String(p.id));
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.getByRole('heading', { name: `Patient ${p.id}` }).waitFor();
  await page.locator('table.audit tbody td', { hasText: 'patient.create' }).waitFor();
  assert.match(page.url(), new RegExp(`/audit\\?patient=${p.id}$`));
  await page.goto(`${server.base}/patients`);
  await page.getByRole('heading', { name: 'Not available' }).waitFor();
});

test(env, 'an auditor finds a patient\'s rows by MRN; the server\'s message appears by the MRN field', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Ledgerline', mrn: 'AUD-5521' });
  const other = await makePatient(server, { family_name: 'Elsewhere' });
  await login(page, server, 'auditor');
  await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
  const mrn = page.getByLabel('MRN');
  const show = page.getByRole('button', { name: 'Show', exact: true });
  const mrnError = page.locator('.field:has(#au-mrn) .field-error');

  // Found: this patient's rows, and only theirs.
  await mrn.fill('AUD-5521');
  await show.click();
  await page.getByRole('heading', { name: 'MRN AUD-5521' }).waitFor();
  await page.locator('table.audit tbody tr', { hasText: 'patient.create' }).filter({ hasText: `Patient ${p.id}` }).waitFor();
  assert.match(page.url(), /\/audit\?mrn=AUD-5521$/);
  const objects = await page.locator('table.audit tbody td:nth-child(5)').allTextContents();
  assert.ok(objects.length > 0 && !objects.some((o) => o === `Patient ${other.id}`), objects.join(','));
  assert.equal(await mrnError.count(), 0);

  // Unknown: the server's message next to the field, which gets the focus; no rows.
  await mrn.fill('NO-SUCH-MRN');
  await show.click();
  await mrnError.waitFor();
  assert.equal(await mrnError.textContent(), 'no patient with that MRN');
  assert.equal(await mrn.getAttribute('aria-invalid'), 'true');
  assert.match(await mrn.getAttribute('aria-describedby'), /au-mrn-err/);
  // Focus and the emptied table follow the same render: wait, do not race it.
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'au-mrn');
  await page.locator('table.audit').waitFor({ state: 'detached' });

  // MRN and patient id together: refused, again by the MRN field.
  await mrn.fill('AUD-5521');
  await page.getByLabel('Patient id').fill(String(p.id));
  await show.click();
  await mrnError.filter({ hasText: 'not both' }).waitFor();

  // Back to an MRN alone: the message goes, the rows come. (The emptied field
  // must be what the form holds before Show is pressed: on a loaded machine
  // the render after the refusal can land after fill().)
  const pid = page.getByLabel('Patient id');
  await pid.fill('');
  for (let i = 0; i < 20 && (await pid.inputValue()) !== ''; i++) {
    await page.waitForTimeout(100);
    await pid.fill('');
  }
  assert.equal(await pid.inputValue(), '');
  await show.click();
  await page.getByRole('heading', { name: 'MRN AUD-5521' }).waitFor();
  await page.locator('table.audit tbody tr', { hasText: 'patient.create' }).waitFor();
  await mrnError.waitFor({ state: 'detached' });
});

test(env, 'a nurse reads but does not write diagnoses or demographics', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Readonly' });
  await server.api('POST', `/api/v1/patients/${p.id}/diagnoses`, { code: 'F10.20' });
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/patients/${p.id}/diagnoses`);
  await page.locator('td.code', { hasText: 'F10.20' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Add a diagnosis' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /Resolve/ }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Edit demographics' }).count(), 0);
  await page.goto(`${server.base}/patients/${p.id}/edit`);
  await page.getByRole('heading', { name: 'Not available' }).waitFor();
});
