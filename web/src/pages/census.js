// census.js - patients in care per level of care now, and admissions and
// discharges over the last 30 days (GET /api/v1/census).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { levelColor, levelShort } from '../lib/levels.js';
import { href } from '../lib/router.js';
import { BarChart } from '../components/bar-chart.js';
import { ErrorBanner, Loading, SelectField, TableWrap, useAsync } from '../components/ui.js';

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
  </section>`;
}
