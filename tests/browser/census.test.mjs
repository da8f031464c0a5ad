// The census dashboard, and the main screens at tablet width.
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

for (const [name, path, ready] of [
  ['patients', '/patients', 'table.patients'],
  ['census', '/census', '.bar-chart canvas'],
]) {
  test(env, `the ${name} screen fits a 768 px tablet`, async ({ page, server }) => {
    await login(page, server, 'admin');
    await page.goto(server.base + path);
    await page.locator(ready).first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
    // A new screen puts the keyboard focus on its heading (screen readers
    // start there); the skip link is the first stop of the page.
    assert.equal(await page.evaluate(() => document.activeElement.tagName), 'H1');
    const first = await page.evaluate(() => document.querySelector('a[href], button, input, select, textarea').textContent);
    assert.equal(first, 'Skip to content');
  }, { width: 768, height: 1024 });
}
