// web-screenshots.mjs - screenshots of the web app with a demo cohort, for
// docs and for looking at the screens by eye.
//
//   node scripts/web-screenshots.mjs [OUTDIR]
//
// Writes OUTDIR/chart-1280.png (a dual-diagnosis patient's episodes),
// patients-768.png, census-768.png, dosing-1280.png and a few more (default OUTDIR:
// test-results/screens). docs/screenshot-chart.png is chart-1280.png.
// Needs ./tandem, web/dist and /usr/bin/chromium, like the browser tests.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Server, launchBrowser, login, ROOT } from '../tests/browser/harness.mjs';

const out = path.resolve(process.argv[2] || path.join(ROOT, 'test-results', 'screens'));
mkdirSync(out, { recursive: true });

const server = new Server();
server.setup({ demo: 240 });
await server.start();
const browser = await launchBrowser();
const problems = [];
try {
  // A dual-diagnosis patient in care whose episode has moved between levels.
  const list = await server.api('GET', '/api/v1/patients?limit=200');
  let pick = null;
  for (const p of list.items.filter((x) => x.dual_diagnosis && x.level)) {
    const eps = await server.api('GET', `/api/v1/patients/${p.id}/episodes`);
    const open = eps.items.find((e) => e.status === 'open');
    if (open && open.placements.length >= 3 && eps.items.length >= 2) {
      pick = p;
      break;
    }
    if (!pick && open && open.placements.length >= 2) pick = p;
  }
  if (!pick) throw new Error('no dual-diagnosis patient with a multi-level episode in the demo cohort');

  async function shot(name, width, height, url, ready, full = false) {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    page.on('console', (m) => /Refused|Content Security Policy/.test(m.text()) && problems.push(`${name}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`${name}: ${e.message}`));
    await login(page, server, 'admin');
    await page.goto(server.base + url);
    await ready(page);
    await page.waitForTimeout(300);
    const file = path.join(out, `${name}.png`);
    await page.screenshot({ path: file, fullPage: full });
    console.log(file);
    await context.close();
  }

  const chart = `/patients/${pick.id}`;
  await shot('chart-1280', 1280, 800, `${chart}/episodes`, (p) => p.locator('.tl-row').first().waitFor());
  await shot('chart-overview-1280', 1280, 800, chart, (p) => p.getByRole('heading', { name: 'Current care' }).waitFor());
  await shot('chart-diagnoses-1280', 1280, 800, `${chart}/diagnoses`, (p) => p.getByText('Active diagnoses').first().waitFor());
  await shot('patients-1280', 1280, 800, '/patients', (p) => p.locator('table.patients').waitFor());
  await shot('patients-768', 768, 1024, '/patients', (p) => p.locator('table.patients').waitFor());
  const census = async (p) => {
    await p.locator('.bar-chart canvas').waitFor();
    await p.locator('.daily-plot canvas').waitFor();
  };
  await shot('census-768', 768, 1024, '/census', census, true);
  await shot('census-1280', 1280, 800, '/census', census, true);
  await shot('chart-768', 768, 1024, `${chart}/episodes`, (p) => p.locator('.tl-row').first().waitFor(), true);
  await shot('new-patient-1280', 1280, 800, '/patients/new', (p) => p.getByLabel('Family name').waitFor(), true);
  await shot('audit-1280', 1280, 800, `${chart}/audit`, (p) => p.locator('table.audit').waitFor());
  // Medication management (the demo cohort's orders and doses, when it has them).
  const queue = (p) => p.locator('ol.dq-list, .dosing p.empty').first().waitFor();
  await shot('dosing-1280', 1280, 800, '/dosing', queue, true);
  await shot('dosing-768', 768, 1024, '/dosing', queue, true);
  const dosed = (await server.api('GET', '/api/v1/dosing')).items[0];
  if (dosed) {
    const meds = `/patients/${dosed.patient.id}`;
    await shot('chart-medications-1280', 1280, 800, `${meds}/medications`, (p) => p.locator('li.mo-item').first().waitFor(), true);
    await shot('chart-mar-1280', 1280, 800, `${meds}/mar`, (p) => p.locator('table.mar-grid').waitFor());
    await shot('chart-take-homes-1280', 1280, 800, `${meds}/take-homes`, (p) => p.locator('section.th-elig, .take-homes p.muted').first().waitFor(), true);
  }
  // Therapy and the treatment plan (the demo cohort's plans, sessions and notes, when it has them).
  await shot('chart-plan-1280', 1280, 800, `${chart}/plan`, (p) => p.locator('.plan-tab section.card').first().waitFor(), true);
  await shot('chart-therapy-1280', 1280, 800, `${chart}/therapy`, (p) => p.locator('section.rp').waitFor(), true);
  await shot('chart-timeline-1280', 1280, 800, `${chart}/timeline`, (p) => p.locator('.itl-figure').waitFor(), true);
  await shot('sessions-768', 768, 1024, '/sessions?view=all', (p) => p.locator('.ss-week').waitFor(), true);
  const held = (await server.api('GET', `/api/v1/patients/${pick.id}/sessions`)).items.find((s) => s.note_id);
  if (held) await shot('session-1280', 1280, 800, `/sessions/${held.id}`, (p) => p.locator('.attendance-table').waitFor(), true);
} finally {
  await browser.close();
  await server.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
