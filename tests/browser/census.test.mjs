// The census dashboard (levels of care now, the last 30 days per day), and the
// main screens at tablet width.
import assert from 'node:assert/strict';
import { login, test, useServer } from './harness.mjs';

const env = useServer({ demo: 60 });

test(env, 'census shows the API numbers per level, the 30-day totals and a chart', async ({ page, server }) => {
  const c = await server.api('GET', '/api/v1/census');
  await login(page, server, 'nurse');
  await page.getByRole('link', { name: 'Census' }).click();
  await page.getByRole('heading', { name: 'Census' }).waitFor();
  await page.locator('.bar-chart canvas').first().waitFor();
  const stats = await page.locator('.stat').allTextContents();
  assert.match(stats[0], new RegExp(`^${c.total}In care now`));
  assert.match(stats[1], new RegExp(`^${c.last_30_days.admissions}Admissions`));
  assert.match(stats[2], new RegExp(`^${c.last_30_days.discharges}Discharges`));
  const rows = await page.locator('.census-chart tbody tr').allTextContents();
  assert.deepEqual(rows, c.levels.map((l) => `${l.label}${l.patients}`));

  // A level opens the patient list filtered by it.
  const iop = c.levels.find((l) => l.level === 'iop');
  await page.getByRole('link', { name: iop.label }).click();
  await page.waitForURL(/\/patients\?level=iop/);
  if (iop.patients) await page.getByText(`of ${iop.patients}`).first().waitFor();
});

// "2026-11-29" -> "Sun, Nov 29", as the app writes a day.
const dayName = (ymd) =>
  new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', weekday: 'short', month: 'short', day: 'numeric' }).format(new Date(`${ymd}T00:00:00Z`));

// Pixels of the canvas close to an RGB colour (the chart drew that series).
const pixelsOf = (canvas, rgb) =>
  canvas.evaluate((c, [r, g, b]) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - r) + Math.abs(d[i + 1] - g) + Math.abs(d[i + 2] - b) < 24 && d[i + 3] > 200) n++;
    return n;
  }, rgb);

test(env, 'the 30-day chart of admissions and discharges shows the API\'s numbers per day', async ({ page, server }) => {
  const d = await server.api('GET', '/api/v1/census/daily?days=30');
  assert.equal(d.days.length, 30);
  const today = d.days[d.days.length - 1];
  assert.equal(today.date, d.as_of);
  const sum = (k) => d.days.reduce((a, x) => a + x[k], 0);
  assert.ok(sum('admissions') > 0, 'the demo cohort has admissions in the last 30 days');

  await login(page, server, 'nurse');
  await page.getByRole('link', { name: 'Census' }).click();
  const card = page.locator('section.census-daily');
  await card.getByRole('heading', { name: 'Admissions and discharges, last 30 days' }).waitFor();
  const canvas = card.locator('.daily-plot canvas');
  await canvas.waitFor();

  // The chart drew: admission bars (teal) and, when there were any, discharge bars (orange).
  assert.ok((await pixelsOf(canvas, [0x0f, 0x64, 0x70])) > 50, 'no admission bars on the canvas');
  if (sum('discharges')) assert.ok((await pixelsOf(canvas, [0xc2, 0x62, 0x0f])) > 20, 'no discharge bars on the canvas');

  // The totals over the window and today's numbers, in words.
  const summary = (await card.locator('.daily-summary').textContent()).replace(/\s+/g, ' ');
  const n = (k, one) => `${k} ${one}${k === 1 ? '' : 's'}`;
  assert.ok(summary.includes(`${n(sum('admissions'), 'admission')} and ${n(sum('discharges'), 'discharge')}.`), summary);
  assert.ok(summary.includes(`Today so far: ${n(today.admissions, 'admission')}, ${n(today.discharges, 'discharge')}, ${today.in_care} in care`), summary);

  // Pointing at today's bars reads out today's numbers.
  await canvas.scrollIntoViewIfNeeded();
  const box = await card.locator('.daily-plot .u-over').boundingBox();
  await page.mouse.move(box.x + box.width - 3, box.y + box.height / 2, { steps: 3 });
  await card.locator('.chart-readout', { hasText: `${dayName(today.date)}: ${n(today.admissions, 'admission')}` }).waitFor();

  // The table (behind "Numbers per day"): every day, newest first, and the totals.
  await card.getByText('Numbers per day').click();
  const table = card.getByRole('table');
  await table.waitFor();
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent.trim())));
  assert.deepEqual(rows, d.days.slice().reverse().map((x) => [
    `${dayName(x.date)}${x.date === d.as_of ? ' (today)' : ''}`, String(x.admissions), String(x.discharges), String(x.in_care),
  ]));
  const foot = await table.locator('tfoot tr > *').allTextContents();
  assert.deepEqual(foot, ['30 days', String(sum('admissions')), String(sum('discharges')), '']);
});

for (const [name, path, ready] of [
  ['patients', '/patients', 'table.patients'],
  ['census', '/census', ['.bar-chart canvas', '.daily-plot canvas']],
]) {
  test(env, `the ${name} screen fits a 768 px tablet`, async ({ page, server }) => {
    await login(page, server, 'admin');
    await page.goto(server.base + path);
    for (const sel of [].concat(ready)) await page.locator(sel).first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    // A new screen puts the keyboard focus on its heading (screen readers
    // start there); the skip link is the first stop of the page.
    await page.waitForFunction((v) => document.activeElement && document.activeElement.tagName === v, 'H1');
    const first = await page.evaluate(() => document.querySelector('a[href], button, input, select, textarea').textContent);
    assert.equal(first, 'Skip to content');
  }, { width: 768, height: 1024 });
}
