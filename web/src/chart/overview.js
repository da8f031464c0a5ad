// overview.js - the chart's first tab: demographics, contact, current care and
// active diagnoses and allergies at a glance.
import { html } from 'htm/preact';
import { daysBetween, instant, plural, sexLabel, today } from '../lib/format.js';
import { levelShort } from '../lib/levels.js';
import { LevelBadge } from '../components/ui.js';
import { diagnosisTitle } from './diagnoses.js';
import { AllergiesCard } from './allergies.js';

const dash = (v) => (v === null || v === undefined || v === '' ? html`<span class="muted">—</span>` : v);

function Facts({ rows }) {
  return html`<dl class="facts">
    ${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${dash(v)}</dd></div>`)}
  </dl>`;
}

function CurrentCare({ ctx }) {
  const open = ctx.episodes.find((e) => e.status === 'open');
  if (!open) {
    const last = ctx.episodes[0];
    return html`<p>Not in care now.${last ? ` Last discharged ${last.discharged_on}.` : ' No episodes of care yet.'}</p>`;
  }
  const cur = open.placements[open.placements.length - 1];
  const on = today();
  return html`<${Facts} rows=${[
    ['Level of care', html`<${LevelBadge} level=${cur.level} />`],
    ['ASAM level', cur.asam_level],
    ['In this level since', `${cur.started_on} (${plural(Math.max(0, daysBetween(cur.started_on, on)), 'day')})`],
    ['Admitted', `${open.admitted_on} (${plural(Math.max(0, daysBetween(open.admitted_on, on)), 'day')} in care)`],
    ['Path', open.placements.map((p) => levelShort(p.level)).join(' → ')],
  ]} />`;
}

function Panel({ ctx }) {
  const p = ctx.patient;
  const a = p.address || {};
  const address = [a.line, a.city, a.region, a.postal_code].filter(Boolean).join(', ');
  const ec = p.emergency_contact;
  const active = ctx.diagnoses.filter((d) => d.status === 'active');
  return html`<div class="cards">
    <section class="card" aria-labelledby="ov-care"><h2 id="ov-care">Current care</h2><${CurrentCare} ctx=${ctx} /></section>
    <section class="card" aria-labelledby="ov-dx">
      <h2 id="ov-dx">Active diagnoses</h2>
      ${active.length
        ? html`<ul class="dx-list">${active.map(
            (d) => html`<li><span class="mono code">${d.code}</span> ${diagnosisTitle(d)}</li>`,
          )}</ul>`
        : html`<p class="muted">None recorded.</p>`}
    </section>
    <${AllergiesCard} ctx=${ctx} />
    <section class="card" aria-labelledby="ov-person">
      <h2 id="ov-person">Person</h2>
      <${Facts} rows=${[
        ['Preferred name', p.preferred_name],
        ['Date of birth', p.birth_date],
        ['Sex assigned at birth', sexLabel(p.sex_at_birth)],
        ['Gender identity', p.gender_identity],
        ['Preferred language', p.preferred_language],
      ]} />
    </section>
    <section class="card" aria-labelledby="ov-contact">
      <h2 id="ov-contact">Contact</h2>
      <${Facts} rows=${[
        ['Phone', p.phone],
        ['Email', p.email],
        ['Address', address],
        ['Emergency contact', ec ? [ec.name, ec.relationship && `(${ec.relationship})`, ec.phone].filter(Boolean).join(' ') : null],
      ]} />
    </section>
    <section class="card" aria-labelledby="ov-record">
      <h2 id="ov-record">Record</h2>
      <${Facts} rows=${[
        ['Version', String(p.version)],
        ['Registered', instant(p.created_at)],
        ['Last changed', instant(p.updated_at)],
      ]} />
    </section>
  </div>`;
}

export default { id: 'overview', label: 'Overview', visible: () => true, Panel };
