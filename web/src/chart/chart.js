// chart.js - the patient chart: a header (name, allergies, age, MRN, level of
// care, dual-diagnosis badge) and the tabs listed in tabs.js.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { takeFlash } from '../lib/flash.js';
import { age, patientName, sexLabel } from '../lib/format.js';
import { DualBadge, ErrorBanner, LevelBadge, Loading, Notice, useAsync } from '../components/ui.js';
import { TABS } from './tabs.js';
import { AlertBanner } from './alert-banner.js';
import { AllergyLine } from './allergies.js';

// The chart's shared reads: the patient, diagnoses, episodes and allergies
// (each read is audited, so tabs share them instead of asking again).
async function loadChart(id) {
  const [patient, diagnoses, episodes, allergies] = await Promise.all([
    get(`/patients/${id}`),
    get(`/patients/${id}/diagnoses`),
    get(`/patients/${id}/episodes`),
    get(`/patients/${id}/allergies`),
  ]);
  return { patient, diagnoses: diagnoses.items, episodes: episodes.items, allergies: allergies.items };
}

function Header({ p, ctx }) {
  const years = age(p.birth_date);
  return html`<header class="chart-head card">
    <div class="chart-id">
      <h1 tabindex="-1">${patientName(p)}</h1>
      <${AllergyLine} ctx=${ctx} />
      <dl class="chart-facts">
        <div><dt>Age</dt><dd>${years} years</dd></div>
        <div><dt>Born</dt><dd>${p.birth_date}</dd></div>
        <div><dt>Sex</dt><dd>${sexLabel(p.sex_at_birth)}</dd></div>
        <div><dt>MRN</dt><dd class="mono">${p.mrn}</dd></div>
        <div><dt>Site</dt><dd>${p.site}</dd></div>
      </dl>
    </div>
    <div class="chart-status">
      <div class="chart-badges">
        <${LevelBadge} level=${p.level} />
        ${p.dual_diagnosis ? html`<${DualBadge} />` : null}
      </div>
      ${ctx.can('PATCH /api/v1/patients/{id}') ? html`<a class="btn" href=${`/patients/${p.id}/edit`}>Edit demographics</a>` : null}
    </div>
  </header>`;
}

export function Chart({ params }) {
  const { me } = useApp();
  const [message, setMessage] = useState(() => takeFlash());
  const data = useAsync(() => loadChart(params.id), [params.id]);
  const shownTab = useRef(params.tab);
  useEffect(() => {
    if (shownTab.current !== params.tab) setMessage(null);
    shownTab.current = params.tab;
  }, [params.tab]);

  useEffect(() => {
    if (data.data) document.title = `${patientName(data.data.patient)} · Tandem`;
  }, [data.data]);

  if (data.error)
    return html`<section class="page"><h1 tabindex="-1">Patient</h1><${ErrorBanner} err=${data.error} />
      <p><a href="/patients">Back to the patient list</a></p></section>`;
  if (!data.data) return html`<section class="page"><${Loading} what="Opening the chart" /></section>`;

  const { patient } = data.data;
  const ctx = {
    ...data.data,
    me,
    site: patient.site,
    can: (route) => can(me, route, patient.site),
    reload: data.reload,
    say: setMessage,
  };
  const tabs = TABS.filter((t) => t.visible(ctx));
  const active = tabs.find((t) => t.id === (params.tab || tabs[0].id));
  const base = `/patients/${patient.id}`;

  return html`<section class="page chart">
    <${Header} p=${patient} ctx=${ctx} />
    <${AlertBanner} ctx=${ctx} />
    ${message ? html`<${Notice} kind="ok">${message}<//>` : null}
    <nav class="tabs" aria-label="Chart sections">
      ${tabs.map(
        (t, i) => html`<a href=${i === 0 ? base : `${base}/${t.id}`} class=${t === active ? 'tab active' : 'tab'}
          aria-current=${t === active ? 'page' : undefined}>${t.label}</a>`,
      )}
    </nav>
    <div class="tab-panel">
      ${active
        ? html`<${active.Panel} key=${active.id} ctx=${ctx} />`
        : html`<p class="empty">This section is not available. <a href=${base}>Back to the overview</a></p>`}
    </div>
  </section>`;
}
