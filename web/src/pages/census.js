// census.js - patients in care per level of care now (GET /api/v1/census), and
// admissions, discharges and patients in care per day over the last 30 days
// (GET /api/v1/census/daily).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { levelColor, levelShort } from '../lib/levels.js';
import { href } from '../lib/router.js';
import { plural, shortDate } from '../lib/format.js';
import { BarChart } from '../components/bar-chart.js';
import { DailyChart } from '../components/daily-chart.js';
import { ErrorBanner, Loading, SelectField, TableWrap, useAsync } from '../components/ui.js';

const DAYS = 30;

// Admissions and discharges per day: the chart, the same numbers in a sentence
// and, on request, day by day in a table (newest first).
function Daily({ site }) {
  const daily = useAsync(() => get('/census/daily', { days: DAYS, site }), [site]);
  const d = daily.data;
  let body = null;
  if (daily.error) body = html`<${ErrorBanner} err=${daily.error} />`;
  else if (!d) body = html`<${Loading} what="Counting days" />`;
  else if (d.days.length) {
    const days = d.days;
    const first = days[0];
    const last = days[days.length - 1];
    const sum = (k) => days.reduce((a, x) => a + x[k], 0);
    body = html`
      <${DailyChart} days=${days} />
      <p class="daily-summary">
        From ${shortDate(first.date)} to ${shortDate(last.date)}:${' '}
        <strong>${plural(sum('admissions'), 'admission')}</strong> and${' '}
        <strong>${plural(sum('discharges'), 'discharge')}</strong>.${' '}
        Today so far: ${plural(last.admissions, 'admission')}, ${plural(last.discharges, 'discharge')},${' '}
        ${last.in_care} in care (${first.in_care} at the end of ${shortDate(first.date)}).
      </p>
      <details class="daily-table">
        <summary>Numbers per day</summary>
        <${TableWrap} label="Admissions and discharges per day">
          <table class="table compact">
            <caption class="sr-only">Admissions, discharges and patients in care per day, newest first</caption>
            <thead><tr>
              <th scope="col">Day</th><th scope="col" class="num">Admissions</th>
              <th scope="col" class="num">Discharges</th><th scope="col" class="num">In care at end of day</th>
            </tr></thead>
            <tbody>
              ${days.slice().reverse().map(
                (x) => html`<tr key=${x.date}>
                  <th scope="row" class="nowrap">${shortDate(x.date, true)}${x.date === d.as_of ? ' (today)' : ''}</th>
                  <td class="num">${x.admissions}</td><td class="num">${x.discharges}</td><td class="num">${x.in_care}</td>
                </tr>`,
              )}
            </tbody>
            <tfoot><tr>
              <th scope="row">${plural(days.length, 'day')}</th>
              <td class="num">${sum('admissions')}</td><td class="num">${sum('discharges')}</td><td></td>
            </tr></tfoot>
          </table>
        <//>
      </details>`;
  }
  return html`<section class="card census-daily" aria-labelledby="cs-daily">
    <h2 id="cs-daily">Admissions and discharges, last ${DAYS} days</h2>
    ${body}
  </section>`;
}

function Stat({ label, value, note }) {
  return html`<div class="stat card">
    <div class="stat-value">${value}</div>
    <div class="stat-label">${label}</div>
    ${note ? html`<div class="stat-note muted">${note}</div>` : null}
  </div>`;
}

export function Census() {
  const { me } = useApp();
  const sites = me.sites.filter((s) => can(me, 'GET /api/v1/census', s.code));
  const [site, setSite] = useState('');
  const census = useAsync(() => get('/census', { site }), [site]);
  useEffect(() => {
    document.title = 'Census · Tandem';
  }, []);

  const c = census.data;
  return html`<section class="page">
    <div class="page-head">
      <h1 tabindex="-1">Census</h1>
      ${c ? html`<span class="muted">As of ${c.as_of}</span>` : null}
    </div>
    ${sites.length > 1
      ? html`<div class="card search"><div class="grid search-grid">
          <${SelectField} id="cs-site" label="Site" value=${site} onValue=${setSite}
            options=${[['', 'All my sites'], ...sites.map((s) => [String(s.id), s.name])]} />
        </div></div>`
      : null}
    <${ErrorBanner} err=${census.error} />
    ${!c && !census.error ? html`<${Loading} what="Counting" />` : null}
    ${c
      ? html`
      <div class="stats">
        <${Stat} label="In care now" value=${c.total} />
        <${Stat} label="Admissions" value=${c.last_30_days.admissions} note="last 30 days" />
        <${Stat} label="Discharges" value=${c.last_30_days.discharges} note="last 30 days" />
      </div>
      <section class="card census-chart" aria-labelledby="cs-levels">
        <h2 id="cs-levels">Patients in care by level of care</h2>
        <div class="chart-and-table">
          <${BarChart} bars=${c.levels.map((l) => ({ label: levelShort(l.level), value: l.patients, color: levelColor(l.level) }))} />
          <${TableWrap} label="Patients per level of care">
            <table class="table compact">
              <thead><tr><th scope="col">Level of care</th><th scope="col" class="num">Patients</th></tr></thead>
              <tbody>
                ${c.levels.map(
                  (l) => html`<tr key=${l.level}>
                    <td><span class=${`swatch lvl-${l.level}`} aria-hidden="true"></span>
                      <a href=${href('/patients', { level: l.level })}>${l.label}</a></td>
                    <td class="num">${l.patients}</td></tr>`,
                )}
              </tbody>
              <tfoot><tr><th scope="row">Total</th><td class="num">${c.total}</td></tr></tfoot>
            </table>
          <//>
        </div>
      </section>`
      : null}
    ${can(me, 'GET /api/v1/census/daily') ? html`<${Daily} site=${site} />` : null}
  </section>`;
}
