// Medication management in the web app (issue #6): the dosing window, the
// Medications tab (orders, rules' blocks and overrides, changes, titration),
// the MAR, take-homes, and what each role may do.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { day, login, makePatient, test, useServer } from './harness.mjs';

const env = useServer({ demo: 12 });

const METHADONE = { medication: 'methadone', dose: 30, unit: 'mg', route: 'oral', frequency: 'daily' };

async function order(server, p, body = METHADONE) {
  return server.api('POST', `/api/v1/patients/${p.id}/orders`, body, 'prescriber');
}

// The queue rows of the dosing window, and the summary numbers.
const row = (page, o) => page.locator(`li.dq-item[data-order="${o.id}"]`);
const stat = async (page, name) => Number(await page.locator(`.dq-summary [data-stat="${name}"]`).textContent());

test(env, 'a nurse works through the day\'s dosing window for the demo clinic; the queue updates in place', async ({ page, server }) => {
  // Three patients of the demo clinic due today (the demo cohort's own orders,
  // if it has them, are in the same queue).
  const pts = [];
  for (const name of ['Dosewin-Avery', 'Dosewin-Blake', 'Dosewin-Casey']) {
    const p = await makePatient(server, { family_name: name });
    pts.push({ p, o: await order(server, p) });
  }
  const before = await server.api('GET', '/api/v1/dosing', undefined, 'nurse');
  assert.ok(before.summary.due >= 3);

  await login(page, server, 'nurse');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dosing' }).click();
  await page.getByRole('heading', { name: 'Dosing window' }).waitFor();
  await row(page, pts[0].o).waitFor();
  assert.equal(await stat(page, 'due'), before.summary.due);
  assert.equal(await page.locator('li.dq-item').count(), before.items.length);

  await page.getByLabel('Find patient').fill('Dosewin');
  assert.equal(await page.locator('li.dq-item').count(), 3);

  // 1. Given, with the ordered dose prefilled.
  const a = row(page, pts[0].o);
  await a.getByRole('button', { name: /^Give/ }).click();
  const amount = a.getByLabel('Amount (mg)');
  assert.equal(await amount.inputValue(), '30');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id.endsWith('-amount'));
  await a.getByRole('button', { name: 'Record given: 30 mg' }).click();
  await a.locator('.dq-slot .badge.dose-given', { hasText: 'Given 30 mg' }).waitFor();
  await a.locator('.dq-outcome', { hasText: 'Given 30 mg Methadone' }).waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.classList.contains('dq-outcome'));
  assert.equal(await a.getByRole('button', { name: /^Give/ }).count(), 0, 'a recorded slot has no actions');
  await page.waitForFunction((n) => document.querySelector('.dq-summary [data-stat="due"]').textContent === String(n), before.summary.due - 1);

  // 2. Refused, with a reason.
  const b = row(page, pts[1].o);
  await b.getByRole('button', { name: /^Refused/ }).click();
  await b.getByLabel('Reason or note').fill('declined today, will return tomorrow');
  await b.getByRole('button', { name: 'Record refused' }).click();
  await b.locator('.dq-slot .badge.dose-refused', { hasText: 'Refused' }).waitFor();

  // 3. Given with a smaller amount, by keyboard only.
  const c = row(page, pts[2].o);
  await c.getByRole('button', { name: /^Give/ }).focus();
  await page.keyboard.press('Enter');
  await c.getByLabel('Amount (mg)').fill('25');
  await page.keyboard.press('Enter');
  await c.locator('.dq-slot .badge.dose-given', { hasText: 'Given 25 mg' }).waitFor();
  await page.waitForFunction((n) => document.querySelector('.dq-summary [data-stat="due"]').textContent === String(n), before.summary.due - 3);

  // Filtering to what is still due keeps the rows just recorded in view.
  await page.getByLabel('Show').selectOption('due');
  assert.equal(await page.locator('li.dq-item').count(), 0, 'nothing of the three is due');

  const after = await server.api('GET', '/api/v1/dosing', undefined, 'nurse');
  const slot = (o) => after.items.find((i) => i.order.id === o.id).slots[0];
  assert.equal(slot(pts[0].o).status, 'given');
  assert.equal(slot(pts[0].o).amount, 30);
  assert.equal(slot(pts[0].o).recorded_by, 'nurse');
  assert.equal(slot(pts[1].o).status, 'refused');
  assert.equal(slot(pts[2].o).amount, 25);
  assert.equal(after.summary.due, before.summary.due - 3);
});

test(env, 'a retried or double-clicked dose records one dose (one Idempotency-Key per action)', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Retried' });
  const o = await order(server, p);
  const sent = [];
  let first = true;
  await page.route('**/api/v1/orders/*/administrations', async (route) => {
    sent.push(route.request().headers()['idempotency-key']);
    if (first) {
      // The server records the dose, but the answer is lost on the way back.
      first = false;
      await route.fetch();
      await route.abort('connectionreset');
      return;
    }
    await route.continue();
  });
  const replayed = [];
  page.on('response', (r) => {
    if (r.url().includes('/administrations')) replayed.push(r.headers()['idempotent-replayed'] || '');
  });
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/dosing`);
  await page.getByLabel('Find patient').fill('Retried');
  const r = row(page, o);
  await r.getByRole('button', { name: /^Give/ }).click();
  await r.getByRole('button', { name: 'Record given: 30 mg' }).dblclick();
  await r.locator('.dq-slot .badge.dose-given', { hasText: 'Given 30 mg' }).waitFor();
  assert.equal(await r.locator('.dq-conflict').count(), 0, 'no 409 shown');
  assert.ok(sent.length >= 2, 'the lost answer was retried');
  assert.ok(sent[0] && sent.every((k) => k === sent[0]), `one key for the action: ${sent.join(', ')}`);
  assert.ok(replayed.includes('true'), 'the retry was answered from the first record');
  const mar = await server.api('GET', `/api/v1/patients/${p.id}/mar`, undefined, 'nurse');
  const given = mar.orders[0].cells.filter((c) => c.status === 'given');
  assert.equal(given.length, 1);
});

test(env, 'a second nurse recording the same dose sees who gave it (409)', async ({ page, server }) => {
  // Started yesterday: today is not the first day (whose total has its own rule).
  const p = await makePatient(server, { family_name: 'Racing' });
  const o = await order(server, p, { ...METHADONE, start_on: day(-1) });
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/dosing`);
  await page.getByLabel('Find patient').fill('Racing');
  const r = row(page, o);
  await r.getByRole('button', { name: /^Give/ }).click();
  // Meanwhile the admin records it at the other window.
  await fetchAdmin(server, o.id, { status: 'given', amount: 30 }, 'other-window-1', 'admin');
  await r.getByRole('button', { name: 'Record given: 30 mg' }).click();
  const conflict = r.locator('.dq-conflict');
  await conflict.waitFor();
  assert.match(await conflict.textContent(), /Not recorded\./);
  assert.match(await conflict.textContent(), /admin/, 'the answer names who recorded the dose');
  // The queue was read again: the slot shows the dose already given.
  await r.locator('.dq-slot .badge.dose-given').waitFor();
});

test(env, 'a prescriber starting buprenorphine without a recorded COWS is stopped; an override needs a reason', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Induction' });
  const dx = await server.api('POST', `/api/v1/patients/${p.id}/diagnoses`, { code: 'F11.20' }, 'prescriber');
  await login(page, server, 'prescriber');
  await page.goto(`${server.base}/patients/${p.id}/medications`);
  await page.getByText('No active medication orders.').waitFor();
  await page.getByRole('button', { name: 'New order…' }).click();
  const form = page.locator('form.order-form');
  await form.getByLabel('Medication').selectOption('buprenorphine');
  await form.locator('#mo-new-dose').fill('4');
  await page.waitForFunction(() => document.getElementById('mo-new-route').value === 'sublingual');
  assert.equal(await form.getByLabel('Unit').inputValue(), 'mg');
  await form.getByLabel('Indication').selectOption(String(dx.id));
  await form.getByRole('button', { name: 'Save order' }).click();

  const blocked = page.locator('#mo-blocked');
  await blocked.waitFor();
  const alert = blocked.locator('.rule-alert[data-rule="buprenorphine_induction_cows"]');
  await alert.waitFor();
  assert.equal(await alert.getAttribute('data-severity'), 'block');
  assert.match(await alert.locator('.rule-message').textContent(), /COWS/);
  assert.match(await alert.locator('.rule-why').textContent(), /Why it matters:.*withdrawal/);
  assert.match(await alert.locator('.rule-source').textContent(), /Source:/);
  assert.equal((await server.api('GET', `/api/v1/patients/${p.id}/orders`, undefined, 'prescriber')).items.length, 0);

  // An override needs a written reason.
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'mo-new-override_reason');
  await blocked.getByRole('button', { name: 'Override and save the order' }).click();
  await blocked.locator('.field-error', { hasText: 'Write why' }).waitFor();
  assert.equal((await server.api('GET', `/api/v1/patients/${p.id}/orders`, undefined, 'prescriber')).items.length, 0);
  await blocked.getByLabel('Override reason').fill('COWS 13 at the ED two hours ago, documented in the referral');
  await blocked.getByRole('button', { name: 'Override and save the order' }).click();
  await page.locator('.saved-order', { hasText: 'Order saved: Buprenorphine 4 mg sublingual daily' }).waitFor();
  const item = page.locator('li.mo-item[data-medication="buprenorphine"]');
  await item.waitFor();
  // The new order opens with its history: the overridden block and its reason.
  await item.getByRole('button', { name: /Hide history/ }).waitFor();
  await item.locator('.rule-alert[data-rule="buprenorphine_induction_cows"]', { hasText: 'COWS 13 at the ED' }).waitFor();
  const stored = await server.api('GET', `/api/v1/patients/${p.id}/orders`, undefined, 'prescriber');
  assert.equal(stored.items.length, 1);
  assert.equal(stored.items[0].indication_id, dx.id);
});

test(env, 'with a COWS of 11 recorded, the buprenorphine order goes through', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Withdrawing' });
  await server.api('POST', `/api/v1/patients/${p.id}/assessments`, { instrument: 'COWS', answers: [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0] }, 'nurse');
  await login(page, server, 'prescriber');
  await page.goto(`${server.base}/patients/${p.id}/medications`);
  await page.getByRole('button', { name: 'New order…' }).click();
  const form = page.locator('form.order-form');
  await form.getByLabel('Medication').selectOption('buprenorphine');
  await form.locator('#mo-new-dose').fill('4');
  await page.waitForFunction(() => document.getElementById('mo-new-route').value === 'sublingual');
  await form.getByRole('button', { name: 'Save order' }).click();
  await page.locator('.saved-order', { hasText: 'Order saved: Buprenorphine 4 mg' }).waitFor();
  assert.equal(await page.locator('#mo-blocked').count(), 0);
});

test(env, 'a naltrexone order for a patient on methadone is blocked with an explanation', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Agonist' });
  await order(server, p);
  await login(page, server, 'prescriber');
  await page.goto(`${server.base}/patients/${p.id}/medications`);
  await page.locator('li.mo-item[data-medication="methadone"]').waitFor();
  await page.getByRole('button', { name: 'New order…' }).click();
  const form = page.locator('form.order-form');
  await form.getByLabel('Medication').selectOption('naltrexone');
  await form.locator('#mo-new-dose').fill('50');
  await page.waitForFunction(() => document.getElementById('mo-new-route').value !== '');
  await form.getByRole('button', { name: 'Save order' }).click();
  const blocked = page.locator('#mo-blocked');
  await blocked.waitFor();
  const alert = blocked.locator('.rule-alert[data-severity="block"]').first();
  assert.match(await alert.getAttribute('data-rule'), /naltrexone/);
  assert.match(await alert.textContent(), /withdrawal/i);
  // Changing the order instead of overriding.
  await blocked.getByRole('button', { name: 'Change the order' }).click();
  assert.equal(await page.locator('#mo-blocked').count(), 0);
  await form.getByRole('button', { name: 'Save order' }).waitFor();
});

test(env, 'a prescriber changes a dose, sets a titration plan and pauses it; the history shows who, when and why', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Titrated' });
  const o = await order(server, p);
  await login(page, server, 'prescriber');
  await page.goto(`${server.base}/patients/${p.id}/medications`);
  const item = page.locator(`li.mo-item[data-order="${o.id}"]`);
  await item.getByRole('button', { name: /History and changes/ }).click();
  await item.locator('table.mo-events tr[data-kind="start"]').waitFor();

  await item.getByRole('button', { name: /^Change dose…/ }).click();
  await item.getByLabel('New dose (mg)').fill('35');
  await item.getByLabel('Reason').fill('cravings persist at 30 mg');
  await item.getByRole('button', { name: 'Save dose change' }).click();
  await item.locator('.mo-dose', { hasText: '35 mg' }).waitFor();
  const ev = item.locator('table.mo-events tr[data-kind="change"]');
  await ev.waitFor();
  assert.match(await ev.textContent(), /cravings persist at 30 mg/);
  assert.match(await ev.textContent(), /prescriber/);

  await item.getByRole('button', { name: /^Titration plan…/ }).click();
  await item.getByLabel('Step (mg)').fill('5');
  await item.getByLabel('Every (days)').fill('3');
  await item.getByLabel('Target (mg)').fill('50');
  await item.getByRole('button', { name: 'Save plan' }).click();
  await item.locator('.mo-plan', { hasText: '+5 mg every 3 days to 50 mg' }).waitFor();
  await item.locator('.badge', { hasText: 'Titrating' }).waitFor();
  await item.locator('.mo-next', { hasText: 'Next step: 40 mg' }).waitFor();

  await item.getByRole('button', { name: /^Pause titration…/ }).click();
  await item.getByLabel('Reason').fill('sedated at review');
  await item.getByRole('button', { name: 'Pause titration', exact: true }).click();
  await item.locator('.mo-plan .badge', { hasText: 'Paused' }).waitFor();
  await item.getByRole('button', { name: /^Resume titration…/ }).waitFor();
});

test(env, 'the MAR shows each day\'s dose in words as well as colour, and moves by range', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Charted' });
  const o = await order(server, p, { ...METHADONE, start_on: day(-3) });
  const give = (body, key) => fetchAdmin(server, o.id, body, key);
  await give({ status: 'given', amount: 30, dose_on: day(-2) }, 'mar-1');
  await give({ status: 'missed', dose_on: day(-1) }, 'mar-2');
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/patients/${p.id}/mar`);
  const grid = page.locator('table.mar-grid');
  await grid.waitFor();
  const cell = (d) => grid.locator(`tr[data-order="${o.id}"] td[data-day="${d}"]`);
  assert.match(await cell(day(-2)).textContent(), /Given\s*30/);
  assert.match(await cell(day(-1)).textContent(), /Missed/);
  assert.match(await cell(day(-3)).textContent(), /No record/);
  // Earlier: the range moves back by its length.
  const to = await grid.getAttribute('data-to');
  await page.getByRole('button', { name: /Earlier/ }).click();
  await page.waitForFunction((t) => document.querySelector('table.mar-grid, .mar p.muted') && (!document.querySelector('table.mar-grid') || document.querySelector('table.mar-grid').dataset.to !== t), to);
  await page.getByRole('button', { name: 'Last 14 days' }).click();
  await grid.waitFor();
  // A recorded dose opens its details.
  await cell(day(-2)).getByRole('button').click();
  await page.locator('#mar-detail', { hasText: 'recorded by nurse' }).waitFor();
});

// A patient on methadone whose treatment day today is `treatmentDay`. An
// order may be backdated only a few days through the API, so its start is
// moved in the database (as the clock would), then a prescriber's
// reassessment keeps the missed-dose rule from holding the next dose.
async function onMethadoneSince(server, p, treatmentDay) {
  const o = await order(server, p);
  const start = day(1 - treatmentDay);
  const r = spawnSync('sqlite3', [server.db, `UPDATE med_order SET start_on = '${start}' WHERE id = ${o.id};`
    + ` UPDATE med_order_event SET effective_on = '${start}' WHERE order_id = ${o.id} AND kind = 'start';`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await server.api('POST', `/api/v1/orders/${o.id}/events`, { kind: 'reassess', reason: 'back after take-homes review' }, 'prescriber');
  return o;
}

async function fetchAdmin(server, orderId, body, key, user = 'nurse') {
  await server.api('GET', '/api/v1/me', undefined, user);
  const r = await fetch(`${server.base}/api/v1/orders/${orderId}/administrations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${server.tokens.get(user)}`, 'Content-Type': 'application/json', 'Idempotency-Key': key },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  assert.equal(r.status, 201, `administration: ${r.status} ${text}`);
  return JSON.parse(text);
}

test(env, 'a therapist sees the medications but no Dosing menu, no order or dose actions', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Readonly' });
  await order(server, p);
  await login(page, server, 'therapist');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Patients' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Dosing' }).count(), 0);
  assert.equal(await nav.getByRole('link', { name: 'Monitoring' }).count(), 0);
  await page.goto(`${server.base}/dosing`);
  await page.getByRole('heading', { name: 'Not available' }).waitFor();

  await page.goto(`${server.base}/patients/${p.id}/medications`);
  const item = page.locator('li.mo-item[data-medication="methadone"]');
  await item.waitFor();
  assert.equal(await page.getByRole('button', { name: 'New order…' }).count(), 0);
  await item.getByRole('button', { name: /History and changes/ }).click();
  await item.locator('table.mo-events').waitFor();
  assert.equal(await item.getByRole('button', { name: /Change dose|Hold|Discontinue|Titration/ }).count(), 0);
  assert.equal(await page.getByRole('button', { name: /^Give/ }).count(), 0);
  const tabs = page.getByRole('navigation', { name: 'Chart sections' });
  await tabs.getByRole('link', { name: 'MAR' }).waitFor();
  assert.equal(await tabs.getByRole('link', { name: 'Take-homes' }).count(), 0);
});

test(env, 'a nurse has no New order button; the dosing window works at 768 px', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Narrow' });
  const o = await order(server, p);
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/patients/${p.id}/medications`);
  await page.locator('li.mo-item').waitFor();
  assert.equal(await page.getByRole('button', { name: 'New order…' }).count(), 0);
  await page.goto(`${server.base}/dosing`);
  await page.getByLabel('Find patient').fill('Narrow');
  const r = row(page, o);
  await r.getByRole('button', { name: /^Give/ }).click();
  await r.getByRole('button', { name: 'Record given: 30 mg' }).click();
  await r.locator('.dq-slot .badge.dose-given').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
}, { width: 768, height: 1024 });

test(env, 'the take-home view for a patient on day 20 allows at most 14 days', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Twentieth' });
  await onMethadoneSince(server, p, 20);
  await login(page, server, 'prescriber');
  await page.goto(`${server.base}/patients/${p.id}/take-homes`);
  const el = page.locator('section.th-elig');
  await el.waitFor();
  assert.equal(await el.locator('[data-stat="treatment-day"]').textContent(), '20');
  assert.equal(await el.locator('[data-stat="max-days"]').textContent(), '14');
  assert.equal(await el.getAttribute('data-max-days'), '14');
  assert.equal(await el.locator('li.th-factor').count(), 6);
  await el.locator('.th-source').waitFor();
  const days = page.getByLabel('Approved take-home days');
  assert.equal(await days.getAttribute('max'), '14');
  await days.fill('20');
  await page.getByLabel('Reason').fill('stable, all screens negative');
  await page.getByRole('button', { name: 'Record decision' }).click();
  await page.locator('.field:has(#th-dec-approved_days) .field-error', { hasText: 'At most 14 days' }).waitFor();
  await days.fill('14');
  await page.getByText('Your reading of each factor (optional)').click();
  await page.getByLabel('Note: Regular attendance for supervised dosing').fill('attends daily since day 3');
  await page.getByRole('button', { name: 'Record decision' }).click();
  await el.locator('.th-decision', { hasText: '14 days' }).waitFor();
  await el.locator('.th-dec-notes', { hasText: 'attends daily since day 3' }).waitFor();
  const stored = await server.api('GET', `/api/v1/patients/${p.id}/take-homes/eligibility`, undefined, 'prescriber');
  assert.equal(stored.decision.approved_days, 14);
  assert.equal(stored.decision.factors.attendance.note, 'attends daily since day 3');
  assert.equal(stored.ceiling, 14);
});

test(env, 'the measures trend marks the dose changes of the patient\'s medications', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Marked' });
  for (const [h, a] of [[30, [1, 0, 1, 0, 1, 0, 1, 0, 0, 1, 0]], [1, [2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0]]]) {
    const at = new Date(Date.now() - h * 3600000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await server.api('POST', `/api/v1/patients/${p.id}/assessments`, { instrument: 'COWS', answers: a, administered_at: at }, 'nurse');
  }
  await order(server, p, { medication: 'buprenorphine', dose: 4, unit: 'mg', route: 'sublingual', frequency: 'daily' });
  await login(page, server, 'prescriber');
  await page.goto(`${server.base}/patients/${p.id}/measures`);
  const card = page.locator('section.minstr[data-instrument="COWS"]');
  await card.locator('.trend-legend li.mk-dose', { hasText: 'buprenorphine 4 mg' }).waitFor();
});

test(env, 'a nurse dispenses take-homes at the window (refused above the ceiling) and records the bottles coming back', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Takehome' });
  const o = await onMethadoneSince(server, p, 20);
  await server.api('POST', `/api/v1/patients/${p.id}/take-homes/education`, { note: 'lock box, away from children' }, 'nurse');
  await server.api('POST', `/api/v1/patients/${p.id}/take-homes/decisions`, { approved_days: 3, reason: 'stable, screens negative' }, 'prescriber');
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/dosing`);
  await page.getByLabel('Find patient').fill('Takehome');
  const r = row(page, o);
  await r.getByRole('button', { name: /^Take-home…/ }).click();
  await r.getByLabel('Days').fill('5');
  await r.getByRole('button', { name: 'Dispense take-homes' }).click();
  await r.locator('.dq-conflict', { hasText: 'Not recorded' }).waitFor();
  await r.getByLabel('Days').fill('2');
  await r.getByRole('button', { name: 'Dispense take-homes' }).click();
  await r.locator('.dq-outcome', { hasText: 'Dispensed 2 take-home doses' }).waitFor();
  assert.match(await r.locator('.dq-outcome').textContent(), /2 bottles/);

  await page.goto(`${server.base}/patients/${p.id}/take-homes`);
  const disp = page.locator('table.th-table tbody tr[data-dispense]');
  await disp.waitFor();
  assert.equal(await disp.getAttribute('data-out'), '2');
  await disp.getByRole('button', { name: /Record return…/ }).click();
  await page.getByLabel('Bottles').fill('2');
  await page.getByLabel('Condition').selectOption('returned');
  await page.getByRole('button', { name: 'Record return', exact: true }).click();
  await page.locator('table.th-table tbody tr[data-dispense][data-out="0"]', { hasText: '2 returned' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /Record return…/ }).count(), 0);
});

test(env, 'monitoring due for a methadone patient shows on the chart and on the clinic-wide list', async ({ page, server }) => {
  const p = await makePatient(server, { family_name: 'Monitored' });
  await order(server, p);
  await login(page, server, 'nurse');
  await page.goto(`${server.base}/patients/${p.id}/medications`);
  const row = page.locator('section.med-monitoring table.monitoring-table tr[data-rule="methadone_ecg"]');
  await row.waitFor();
  assert.match(await row.textContent(), /ECG/);
  assert.match(await row.textContent(), /Due|Overdue/);
  assert.match(await row.textContent(), /Krantz/, 'the source is shown');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Monitoring' }).click();
  await page.getByRole('heading', { name: 'Monitoring', level: 1 }).waitFor();
  await page.getByLabel('Find').fill('Monitored');
  const item = page.locator('table.monitoring-table tr[data-rule="methadone_ecg"]', { hasText: 'Monitored, Robin' });
  await item.waitFor();
  await item.getByRole('link', { name: 'Monitored, Robin' }).click();
  await page.getByRole('heading', { name: 'Monitored, Robin' }).waitFor();
});
