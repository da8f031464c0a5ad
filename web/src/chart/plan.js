// plan.js - the chart's Plan tab: the integrated treatment plan of the
// episode (GET /api/v1/patients/{id}/plans, /api/v1/plans/{id}):
//   - problems with their diagnoses, labelled substance use / mental health
//     (a dual-diagnosis plan holds both, and says so);
//   - goals in the patient's words; objectives with target date, the measure's
//     current value and met / not met; interventions (therapy or an order);
//   - the review schedule of the patient's level of care, due / overdue;
//   - signatures on the version and Sign actions (clinician; the patient's
//     signature recorded by staff);
//   - version history, each earlier version readable as it was;
//   - write, change (a new version with a reason) and review (plan-form.js).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../lib/api.js';
import { daysBetween, instant, plural, today } from '../lib/format.js';
import { levelLabel, levelShort } from '../lib/levels.js';
import { orderText } from '../lib/meds.js';
import { REVIEW_STATUS, measureText, modalityLabel, progressText } from '../lib/therapy.js';
import {
  DateField, ErrorBanner, FormError, Loading, SelectField, TableWrap, TextArea, TextField, errorFor, useAsync,
} from '../components/ui.js';
import { PlanForm } from './plan-form.js';

const KIND = { create: 'Written', change: 'Changed', review: 'Reviewed' };
const METHODS = [['in_person', 'In person'], ['telehealth', 'Telehealth'], ['electronic', 'Electronic']];
const methodLabel = (m) => (METHODS.find((x) => x[0] === m) || [m, m])[1];

function ProblemLabels({ p }) {
  return html`${p.substance_use ? html`<span class="badge cat-substance_use">Substance use</span>` : null}
    ${p.mental_health ? html`<span class="badge cat-mental_health">Mental health</span>` : null}`;
}

// "PHQ-9 below 10 — now 12 (2026-11-20) Not met"; the measure's words are
// left out when the objective already says them.
function Progress({ o }) {
  if (!o.measure) return null;
  const p = o.progress;
  const same = measureText(o.measure) === o.text;
  return html`<div class="pl-progress" data-objective=${o.id} data-met=${p ? String(!!p.met) : ''}>
    ${same ? null : html`<span class="pl-measure">${measureText(o.measure)}</span>`}
    ${p ? html`${same ? '' : ' — '}<span class="pl-now">${progressText(o.measure, p)}</span>
      ${p.current === null || p.current === undefined
        ? null
        : p.met ? html` <span class="badge ok">Met</span>` : html` <span class="badge warn">Not met</span>`}` : null}
  </div>`;
}

function Intervention({ i }) {
  if (i.kind === 'medication')
    return html`<li class="pl-int" data-kind="medication"><span class="badge muted">Medication</span>
      ${i.order ? html`<strong>${orderText(i.order)}</strong> <span class="muted small">(${i.order.status})</span>` : html`<span class="muted">Order ${i.order_id}</span>`}
      ${i.responsible ? html` · ${i.responsible}` : null}
      ${i.description ? html`<div class="small">${i.description}</div>` : null}</li>`;
  return html`<li class="pl-int" data-kind="therapy"><span class="badge muted">Therapy</span>
    <strong>${i.modality_label || modalityLabel(i.modality)}</strong>, ${i.frequency} · responsible: ${i.responsible}
    ${i.description ? html`<div class="small">${i.description}</div>` : null}</li>`;
}

export function PlanDocument({ plan, current }) {
  return html`<div class="pl-doc" data-version=${plan.version}>
    ${plan.covers
      ? html`<p class="pl-covers">
          ${plan.covers.dual_diagnosis ? html`<span class="badge dual">Dual-diagnosis plan: substance use and mental health</span>` : null}
          ${!plan.covers.dual_diagnosis && plan.covers.substance_use ? html`<span class="badge cat-substance_use">Substance use</span>` : null}
          ${!plan.covers.dual_diagnosis && plan.covers.mental_health ? html`<span class="badge cat-mental_health">Mental health</span>` : null}
        </p>`
      : null}
    <ol class="pl-problems">
      ${plan.problems.map((p, pi) => html`<li key=${p.id} class="pl-problem-view" data-problem=${p.id}
          data-su=${String(!!p.substance_use)} data-mh=${String(!!p.mental_health)}>
        <h3>Problem ${pi + 1}: ${p.text} <${ProblemLabels} p=${p} /></h3>
        <ul class="pl-dx-list">${(p.diagnoses || []).map((d) => html`<li key=${d.id}><span class="mono code">${d.code}</span> ${d.title}
          ${d.status !== 'active' ? html` <span class="badge muted">${d.status}</span>` : null}</li>`)}</ul>
        ${p.goals.map((g) => html`<div class="pl-goal-view" key=${g.id} data-goal=${g.id}>
          <p class="pl-goal-text"><span class="pl-k">Goal</span> <q>${g.text}</q></p>
          <ul class="pl-obj-list">
            ${g.objectives.map((o) => html`<li key=${o.id} data-objective=${o.id} class=${`pl-obj os-${o.status}`}>
              <span class="pl-obj-text">${o.text}</span>
              ${current && o.measure && measureText(o.measure) === o.text ? html` — <${Progress} o=${o} />` : null}
              <span class="small muted"> · target ${o.target_date}${o.status !== 'open' ? ` · ${o.status}` : ''}</span>
              ${current && o.measure && measureText(o.measure) !== o.text ? html`<${Progress} o=${o} />` : null}
              ${!current && o.measure && measureText(o.measure) !== o.text ? html`<div class="small muted">${measureText(o.measure)}</div>` : null}
            </li>`)}
          </ul>
        </div>`)}
        ${p.interventions.length
          ? html`<div class="pl-ints"><span class="pl-k">Interventions</span><ul>${p.interventions.map((i) => html`<${Intervention} key=${i.id} i=${i} />`)}</ul></div>`
          : null}
      </li>`)}
    </ol>
  </div>`;
}

export function ReviewBox({ review }) {
  if (!review) return null;
  const left = review.due_on ? daysBetween(today(), review.due_on) : null;
  const when = left === null ? '' : left === 0 ? 'today' : left > 0 ? `in ${plural(left, 'day')}` : `${plural(-left, 'day')} ago`;
  return html`<div class=${`pl-review rv-box-${review.status}`} data-status=${review.status} data-due=${review.due_on || ''}>
    <span class=${`badge rv-${review.status}`}>${REVIEW_STATUS[review.status] || review.status}</span>
    ${review.status === 'closed'
      ? html` <span>Episode discharged: no more reviews.</span>`
      : html` <span>Next review <strong class="pl-due">${review.due_on}</strong> (${when})</span>
        <span class="small muted"> · ${levelShort(review.level)}: every ${plural(review.interval_days, 'day')}
          · last ${review.last_review_on ? `reviewed ${review.last_review_on}` : 'not reviewed'}</span>`}
    <span class="sr-only">, level of care ${levelLabel(review.level)}</span>
  </div>`;
}

function Signatures({ plan, ctx, onSigned }) {
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const [patientForm, setPatientForm] = useState(false);
  const [v, setV] = useState({ name: '', method: 'in_person', attestation: '' });
  const maySign = plan.current && ctx.can('POST /api/v1/plans/{id}/sign');
  const signedByMe = plan.signatures.some((s) => s.role === 'clinician' && s.signed_by === ctx.me.username);
  const patientSigned = plan.signatures.some((s) => s.role === 'patient');
  async function sign(body) {
    setErr(null);
    setBusy(true);
    try {
      await post(`/plans/${plan.id}/sign`, { ...body, version: plan.version });
      setPatientForm(false);
      setBusy(false);
      await onSigned(body.role === 'patient' ? 'The patient’s signature is recorded.' : 'You signed the plan.');
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }
  return html`<section class="pl-signatures" aria-labelledby="pl-sig">
    <h3 id="pl-sig">Signatures on version ${plan.version}</h3>
    ${plan.signatures.length
      ? html`<ul class="pl-sig-list">${plan.signatures.map((s) => html`<li key=${s.id} data-role=${s.role}>
          <strong>${s.role === 'patient' ? 'Patient' : 'Clinician'}:</strong> ${s.signed_by}
          ${s.method ? html` <span class="muted">(${methodLabel(s.method)})</span>` : null}, ${instant(s.signed_at)}
          ${s.role === 'patient' ? html`<span class="small muted"> · recorded by ${s.recorded_by}${s.attestation ? `: “${s.attestation}”` : ''}</span>` : null}
        </li>`)}</ul>`
      : html`<p class="muted">Not signed yet.</p>`}
    ${plan.unsigned && plan.unsigned.length
      ? html`<p class="small pl-unsigned">Still to sign: ${plan.unsigned.map((r) => (r === 'patient' ? 'the patient' : 'a clinician')).join(' and ')}.</p>`
      : null}
    ${err && !patientForm ? html`<${ErrorBanner} err=${err} />` : null}
    ${maySign && !patientForm
      ? html`<div class="toolbar">
          ${!signedByMe ? html`<button type="button" class="btn btn-primary" disabled=${busy} onClick=${() => sign({ role: 'clinician' })}>Sign as clinician</button>` : null}
          ${!patientSigned ? html`<button type="button" class="btn" onClick=${() => { setErr(null); setV((o) => ({ ...o, name: o.name || `${ctx.patient.given_name} ${ctx.patient.family_name}` })); setPatientForm(true); }}>Record the patient’s signature…</button>` : null}
        </div>`
      : null}
    ${patientForm
      ? html`<form class="status-form" noValidate aria-label="The patient's signature"
          onSubmit=${(e) => { e.preventDefault(); sign({ role: 'patient', signed_by_name: v.name.trim(), method: v.method, attestation: v.attestation.trim() || undefined }); }}>
          <${FormError} err=${err} fields=${['signed_by_name', 'method', 'attestation']} />
          <div class="grid three">
            <${TextField} id="pl-sig-name" label="Patient's name as signed" required value=${v.name} onValue=${(x) => setV((o) => ({ ...o, name: x }))}
              error=${errorFor(err, 'signed_by_name')} autocomplete="off" />
            <${SelectField} id="pl-sig-method" label="How" value=${v.method} onValue=${(x) => setV((o) => ({ ...o, method: x }))}
              options=${METHODS} error=${errorFor(err, 'method')} />
            <${TextField} id="pl-sig-attestation" label="Attestation" value=${v.attestation} onValue=${(x) => setV((o) => ({ ...o, attestation: x }))}
              error=${errorFor(err, 'attestation')} autocomplete="off" hint="e.g. Signed the printed plan in my presence" />
          </div>
          <div class="actions"><button class="btn btn-primary" type="submit" disabled=${busy}>Record signature</button>
            <button class="btn" type="button" onClick=${() => setPatientForm(false)}>Cancel</button></div>
        </form>`
      : null}
  </section>`;
}

function ReviewForm({ plan, onSaved, onCancel }) {
  const [v, setV] = useState({ note: '', effective_on: '' });
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    setErr(null);
    setBusy(true);
    const body = { version: plan.version, note: v.note.trim() };
    if (v.effective_on.trim()) body.effective_on = v.effective_on.trim();
    try {
      const r = await post(`/plans/${plan.id}/reviews`, body);
      setBusy(false);
      await onSaved(r, 'review');
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }
  return html`<form class="card form inline-form" onSubmit=${submit} noValidate aria-labelledby="pl-rv-title">
    <h2 id="pl-rv-title">Record a review</h2>
    <p class="muted small">The plan is carried over as it is and checked again; the review clock restarts. To change the content too, use “Change the plan…”.</p>
    <${FormError} err=${err} fields=${['note', 'effective_on']} />
    <div class="grid two">
      <${TextArea} id="pl-rv-note" label="Review note" required rows="2" value=${v.note} onValue=${(x) => setV((o) => ({ ...o, note: x }))} error=${errorFor(err, 'note')} />
      <${DateField} id="pl-rv-effective_on" label="Review day" value=${v.effective_on} onValue=${(x) => setV((o) => ({ ...o, effective_on: x }))}
        error=${errorFor(err, 'effective_on')} hint="Empty: today" />
    </div>
    <div class="actions"><button class="btn btn-primary" type="submit" disabled=${busy}>Save the review</button>
      <button class="btn" type="button" onClick=${onCancel}>Cancel</button></div>
  </form>`;
}

function Versions({ planId, latest, shown, onShow }) {
  const list = useAsync(() => get(`/plans/${planId}/versions`), [planId, latest]);
  const items = list.data ? list.data.items.slice().reverse() : [];
  return html`<section class="card pl-versions" aria-labelledby="pl-versions">
    <h2 id="pl-versions">Versions</h2>
    <${ErrorBanner} err=${list.error} />
    ${!list.data && !list.error ? html`<${Loading} what="Loading versions" />` : null}
    ${items.length
      ? html`<${TableWrap} label="Versions">
          <table class="table small">
            <thead><tr><th scope="col">Version</th><th scope="col">What</th><th scope="col">Day</th><th scope="col">By</th>
              <th scope="col">Note</th><th scope="col">Signed</th><th scope="col"><span class="sr-only">Open</span></th></tr></thead>
            <tbody>${items.map((x) => html`<tr key=${x.version} data-version=${x.version} class=${x.version === shown ? 'picked' : ''}>
              <td>${x.version}${x.version === latest ? html` <span class="badge ok">Current</span>` : null}</td>
              <td>${KIND[x.kind] || x.kind}</td>
              <td class="nowrap">${x.effective_on}</td>
              <td>${x.recorded_by}<div class="muted small">${instant(x.recorded_at)}</div></td>
              <td>${x.note || ''}</td>
              <td class="small">${x.signatures.map((s) => `${s.role === 'patient' ? 'patient' : s.signed_by}`).join(', ') || html`<span class="muted">—</span>`}</td>
              <td>${x.version === shown
                ? html`<span class="muted small">Shown</span>`
                : html`<button type="button" class="btn btn-small" onClick=${() => onShow(x.version === latest ? null : x.version)}>
                    View<span class="sr-only"> version ${x.version}</span></button>`}</td>
            </tr>`)}</tbody>
          </table>
        <//>`
      : null}
  </section>`;
}

function PlanView({ planId, ctx, onChanged }) {
  const [version, setVersion] = useState(null); // null: the newest
  const [mode, setMode] = useState(null); // null | 'change' | 'review'
  const [tick, setTick] = useState(0);
  const plan = useAsync(() => get(version ? `/plans/${planId}/versions/${version}` : `/plans/${planId}`), [planId, version, tick]);
  const p = plan.data;
  const mayWrite = ctx.can('POST /api/v1/plans/{id}/versions');
  const open = p && p.review && p.review.status !== 'closed';
  useEffect(() => {
    if (mode) {
      const el = document.getElementById(mode === 'review' ? 'pl-rv-note' : 'pl-form-title');
      if (el) el.focus();
    }
  }, [mode]);

  async function saved(r, kind) {
    setMode(null);
    setVersion(null);
    setTick((n) => n + 1);
    ctx.say(kind === 'review' ? `Review recorded: version ${r.version}. Next review ${r.review ? r.review.due_on : ''}.` : `Plan changed: version ${r.version}.`);
    await onChanged();
  }
  async function signed(msg) {
    ctx.say(msg);
    setTick((n) => n + 1);
    await onChanged();
  }

  if (plan.error) return html`<${ErrorBanner} err=${plan.error} />`;
  if (!p) return html`<${Loading} what="Loading the plan" />`;
  return html`<div class="stack">
    <section class="card plan-card" aria-labelledby="pl-title" data-plan=${p.id}>
      <div class="card-head">
        <h2 id="pl-title">Treatment plan · version ${p.version}${p.current ? '' : ` of ${p.latest_version}`}</h2>
        ${p.current && mayWrite && open && !mode
          ? html`<div class="toolbar">
              <button type="button" class="btn" onClick=${() => setMode('change')}>Change the plan…</button>
              <button type="button" class="btn" onClick=${() => setMode('review')}>Record a review…</button>
            </div>`
          : null}
      </div>
      ${!p.current
        ? html`<div class="alert info" role="status">An earlier version, read-only, as it was on ${p.effective_on}.
            <button type="button" class="btn btn-small" onClick=${() => setVersion(null)}>Back to the current version</button></div>`
        : null}
      <p class="small muted">${KIND[p.kind] || p.kind} on ${p.effective_on} by ${p.recorded_by}${p.note ? html` — “${p.note}”` : null}
        · plan written ${instant(p.created_at)} by ${p.created_by}</p>
      ${p.current ? html`<${ReviewBox} review=${p.review} />` : null}
      <${PlanDocument} plan=${p} current=${p.current} />
      <${Signatures} plan=${p} ctx=${ctx} onSigned=${signed} />
    </section>
    ${mode === 'change' ? html`<${PlanForm} ctx=${ctx} plan=${p} onSaved=${saved} onCancel=${() => setMode(null)} />` : null}
    ${mode === 'review' ? html`<${ReviewForm} plan=${p} onSaved=${saved} onCancel=${() => setMode(null)} />` : null}
    <${Versions} planId=${planId} latest=${p.latest_version} shown=${p.version} onShow=${setVersion} />
  </div>`;
}

function Panel({ ctx }) {
  const pid = ctx.patient.id;
  const list = useAsync(() => get(`/patients/${pid}/plans`), [pid]);
  const [picked, setPicked] = useState(null);
  const [writing, setWriting] = useState(false);
  const items = list.data ? list.data.items : [];
  const open = ctx.episodes.find((e) => e.status === 'open');
  const needsPlan = open && list.data && !items.some((x) => x.episode_id === open.id);
  const mayCreate = ctx.can('POST /api/v1/patients/{id}/plans');
  const planId = picked || (items[0] && items[0].id);

  async function created(r) {
    setWriting(false);
    ctx.say(`Treatment plan saved: version ${r.version}. Next review ${r.review ? r.review.due_on : ''}.`);
    setPicked(r.id);
    await list.reload();
  }

  return html`<div class="stack plan-tab">
    <${ErrorBanner} err=${list.error} />
    ${!list.data && !list.error ? html`<${Loading} what="Loading treatment plans" />` : null}
    ${list.data && !items.length && !writing
      ? html`<section class="card"><h2>Treatment plan</h2>
          <p class="muted">${open ? `No treatment plan for the current episode (admitted ${open.admitted_on}).` : 'No treatment plan, and no open episode of care to write one for.'}</p>
          ${open && mayCreate ? html`<button type="button" class="btn btn-primary" onClick=${() => setWriting(true)}>Write the treatment plan…</button>` : null}
        </section>`
      : null}
    ${needsPlan && items.length && !writing
      ? html`<div class="alert info" role="status">The current episode (admitted ${open.admitted_on}) has no plan yet.
          ${mayCreate ? html` <button type="button" class="btn btn-small" onClick=${() => setWriting(true)}>Write the treatment plan…</button>` : null}</div>`
      : null}
    ${writing ? html`<${PlanForm} ctx=${ctx} plan=${null} onSaved=${created} onCancel=${() => setWriting(false)} />` : null}
    ${items.length > 1
      ? html`<${SelectField} id="pl-episode" label="Episode" value=${String(planId)} onValue=${(x) => setPicked(Number(x))}
          options=${items.map((x) => [String(x.id), `Admitted ${x.admitted_on}${x.discharged_on ? `, discharged ${x.discharged_on}` : ' (current)'}`])} />`
      : null}
    ${planId ? html`<${PlanView} key=${planId} planId=${planId} ctx=${ctx} onChanged=${list.reload} />` : null}
  </div>`;
}

export default { id: 'plan', label: 'Plan', visible: (ctx) => ctx.can('GET /api/v1/patients/{id}/plans'), Panel };
