// plan-form.js - write a treatment plan (POST /api/v1/patients/{id}/plans) or
// change one (POST /api/v1/plans/{id}/versions, or .../reviews when "count
// this as the review" is ticked): problems, each linked to the patient's
// diagnoses, with goals in the patient's words, measurable objectives (a
// target date and optionally a measure: an instrument score or weeks of
// negative screens) and interventions (a therapy modality with frequency and
// the clinician responsible, or a medication order).
//
// The server names a nested field on a 422 ("problems[1].diagnosis_ids[0]",
// "problems[0].goals[0].objectives[2].measure.comparator"); the message is
// shown by that input (or its group) and the input gets the focus.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../lib/api.js';
import { useApp } from '../lib/context.js';
import { useDraft } from '../lib/draft.js';
import { addDays, today } from '../lib/format.js';
import { instrumentList } from '../lib/measures.js';
import { orderText } from '../lib/meds.js';
import { UDS_SUBSTANCES } from '../lib/results-vocab.js';
import { COMPARATORS, MODALITIES, OBJECTIVE_STATUS } from '../lib/therapy.js';
import { DateField, FormError, SelectField, TextArea, TextField, useAsync } from '../components/ui.js';
import { diagnosisTitle } from './diagnoses.js';
import { StaffList } from '../components/staff-list.js';

const FORM = 'pl';
// "problems[1].goals[0].text" -> "pl-problems-1-goals-0-text".
export const planFieldId = (name) => `${FORM}-${name.replace(/[[\].]+/g, '-').replace(/-$/, '')}`;

const CATEGORY = { substance_use: 'substance use', mental_health: 'mental health' };

const blankObjective = () => ({ text: '', target_date: addDays(today(), 90), status: 'open', measure: { kind: '' } });
const blankGoal = () => ({ text: '', objectives: [blankObjective()] });
const blankIntervention = (me) => ({ kind: 'therapy', modality: 'cbt', frequency: '', responsible: me, order_id: '', description: '' });
const blankProblem = () => ({ text: '', diagnosis_ids: [], goals: [blankGoal()], interventions: [] });

// The form's state from a plan version (ids kept: the server keeps them).
function fromPlan(plan) {
  return plan.problems.map((p) => ({
    id: p.id, text: p.text, diagnosis_ids: [...p.diagnosis_ids],
    goals: p.goals.map((g) => ({
      id: g.id, text: g.text,
      objectives: g.objectives.map((o) => ({
        id: o.id, text: o.text, target_date: o.target_date, status: o.status,
        measure: o.measure
          ? { kind: o.measure.kind, instrument: o.measure.instrument || '', comparator: o.measure.comparator || 'below',
            value: o.measure.value ?? '', weeks: o.measure.weeks ?? '', substance: o.measure.substance || '' }
          : { kind: '' },
      })),
    })),
    interventions: p.interventions.map((i) => ({
      id: i.id, kind: i.kind, modality: i.modality || 'cbt', frequency: i.frequency || '', responsible: i.responsible || '',
      order_id: i.order_id ? String(i.order_id) : '', description: i.description || '',
    })),
  }));
}

const num = (s) => (String(s ?? '').trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : String(s ?? '').trim());
const withId = (x, o) => (x.id ? { id: x.id, ...o } : o);

function toBody(problems) {
  return problems.map((p) => withId(p, {
    text: p.text.trim(),
    diagnosis_ids: p.diagnosis_ids.map(Number),
    goals: p.goals.map((g) => withId(g, {
      text: g.text.trim(),
      objectives: g.objectives.map((o) => {
        const out = withId(o, { text: o.text.trim(), target_date: o.target_date.trim(), status: o.status });
        const m = o.measure || {};
        if (m.kind === 'instrument') out.measure = { kind: 'instrument', instrument: m.instrument, comparator: m.comparator || 'below', value: num(m.value) };
        else if (m.kind === 'negative_screens') {
          out.measure = { kind: 'negative_screens', weeks: num(m.weeks) };
          if (m.substance) out.measure.substance = m.substance;
        }
        return out;
      }),
    })),
    interventions: p.interventions.map((i) => {
      const out = withId(i, { kind: i.kind });
      if (i.kind === 'medication') {
        out.order_id = num(i.order_id);
        if (i.responsible.trim()) out.responsible = i.responsible.trim();
      } else {
        out.modality = i.modality;
        out.frequency = i.frequency.trim();
        out.responsible = i.responsible.trim();
      }
      if (i.description.trim()) out.description = i.description.trim();
      return out;
    }),
  }));
}

// Immutable update at a path of keys/indices.
function setIn(obj, path, value) {
  if (!path.length) return value;
  const [k, ...rest] = path;
  const copy = Array.isArray(obj) ? [...obj] : { ...obj };
  copy[k] = setIn(obj[k], rest, typeof value === 'function' && rest.length === 0 ? value(obj[k]) : value);
  return copy;
}

function Remove({ label, onClick }) {
  return html`<button type="button" class="btn btn-small btn-quiet pl-remove" onClick=${onClick}>Remove<span class="sr-only"> ${label}</span></button>`;
}

export function PlanForm({ ctx, plan, onSaved, onCancel }) {
  const { me } = useApp();
  const pid = ctx.patient.id;
  const creating = !plan;
  const blank = {
    problems: plan ? fromPlan(plan) : [blankProblem()],
    note: '', effective_on: '', asReview: false,
  };
  const [v, setV, clear] = useDraft(creating ? `pl-new-${pid}` : `pl-edit-${plan.id}-v${plan.version}`, blank);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const instruments = useAsync(() => instrumentList(), []);
  const orders = useAsync(() => get(`/patients/${pid}/orders`, { status: 'all' }), [pid]);
  const dx = ctx.diagnoses.filter((d) => d.status !== 'entered_in_error');

  const at = (path) => (x) => setV((o) => ({ ...o, problems: setIn(o.problems, path, x) }));
  const edit = (path, fn) => setV((o) => ({ ...o, problems: setIn(o.problems, path, fn) }));

  // The server's message for `name` exactly, or for a child of it (`[n]`).
  const msg = (name, { deep = false } = {}) => {
    if (!err || !err.field) return null;
    if (err.field === name) return err.message;
    if (deep && (err.field.startsWith(`${name}[`) || err.field.startsWith(`${name}.`))) return err.message;
    return null;
  };
  // Which fields the form shows by an input; the rest go to the top.
  const SHOWN = /^(note|effective_on|episode_id|version|problems(\[\d+\])?(\.(text|diagnosis_ids(\[\d+\])?|goals(\[\d+\])?(\.(text|objectives(\[\d+\])?(\.(text|target_date|status|measure(\.\w+)?))?))?|interventions(\[\d+\])?(\.\w+)?))?)$/;
  const shown = err && err.field && SHOWN.test(err.field) ? [err.field] : [];

  useEffect(() => {
    if (!err || !err.field) return;
    let name = err.field;
    // Focus the nearest input the form has for the field.
    for (;;) {
      const el = document.getElementById(planFieldId(name));
      if (el) {
        el.focus();
        break;
      }
      const cut = name.replace(/(\[\d+\]|\.\w+)$/, '');
      if (cut === name) break;
      name = cut;
    }
  }, [err]);

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    const body = { problems: toBody(v.problems) };
    if (v.effective_on.trim()) body.effective_on = v.effective_on.trim();
    if (v.note.trim()) body.note = v.note.trim();
    setBusy(true);
    try {
      let r;
      if (creating) {
        const open = ctx.episodes.find((x) => x.status === 'open');
        if (open) body.episode_id = open.id;
        r = await post(`/patients/${pid}/plans`, body);
      } else {
        body.version = plan.version;
        if (!body.note) body.note = '';
        r = await post(`/plans/${plan.id}/${v.asReview ? 'reviews' : 'versions'}`, body);
      }
      clear();
      setBusy(false);
      await onSaved(r, creating ? 'create' : v.asReview ? 'review' : 'change');
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }

  const orderOptions = [['', 'Choose an order'], ...((orders.data && orders.data.items) || []).map((o) => [String(o.id), `${orderText(o)} (${o.status})`])];
  const instrumentOptions = [['', 'Choose an instrument'], ...((instruments.data || []).map((i) => [i.code, `${i.code} (${i.min_total}–${i.max_total})`]))];

  // Plain functions, not components: a component defined here would be a new
  // type on every render and its inputs would lose the focus at each key.
  function objective({ pi, gi, oi, o }) {
    const base = `problems[${pi}].goals[${gi}].objectives[${oi}]`;
    const path = [pi, 'goals', gi, 'objectives', oi];
    const m = o.measure || { kind: '' };
    const mset = (k) => (x) => edit([...path, 'measure'], (cur) => ({ ...(cur || {}), [k]: x }));
    return html`<li class="pl-objective" key=${o.id || `o${oi}`} data-path=${base}>
      <div class="pl-row-head"><span class="pl-label">Objective ${oi + 1}</span>
        ${v.problems[pi].goals[gi].objectives.length > 1
          ? html`<${Remove} label=${`objective ${oi + 1}`} onClick=${() => edit([pi, 'goals', gi, 'objectives'], (l) => l.filter((_, i) => i !== oi))} />` : null}</div>
      <div class="grid pl-obj-grid">
        <${TextField} id=${planFieldId(`${base}.text`)} label="Objective" required value=${o.text} onValue=${at([...path, 'text'])}
          error=${msg(`${base}.text`)} autocomplete="off" hint="Measurable, e.g. “PHQ-9 below 10”" />
        <${DateField} id=${planFieldId(`${base}.target_date`)} label="Target date" required value=${o.target_date}
          onValue=${at([...path, 'target_date'])} error=${msg(`${base}.target_date`)} />
        ${!creating && o.id
          ? html`<${SelectField} id=${planFieldId(`${base}.status`)} label="Status" value=${o.status} onValue=${at([...path, 'status'])}
              options=${OBJECTIVE_STATUS} error=${msg(`${base}.status`)} />`
          : null}
        <${SelectField} id=${planFieldId(`${base}.measure`)} label="Measure" value=${m.kind} error=${msg(`${base}.measure`) || msg(`${base}.measure.kind`)}
          onValue=${(k) => edit([...path, 'measure'], (cur) => ({ comparator: 'below', ...(cur || {}), kind: k }))}
          options=${[['', 'None'], ['instrument', 'An instrument score'], ['negative_screens', 'Weeks of negative screens']]} />
        ${m.kind === 'instrument'
          ? html`
            <${SelectField} id=${planFieldId(`${base}.measure.instrument`)} label="Instrument" value=${m.instrument || ''}
              onValue=${mset('instrument')} options=${instrumentOptions} error=${msg(`${base}.measure.instrument`)} />
            <${SelectField} id=${planFieldId(`${base}.measure.comparator`)} label="Score" value=${m.comparator || 'below'}
              onValue=${mset('comparator')} options=${COMPARATORS} error=${msg(`${base}.measure.comparator`)} />
            <${TextField} id=${planFieldId(`${base}.measure.value`)} label="Value" value=${m.value ?? ''} onValue=${mset('value')}
              inputmode="decimal" autocomplete="off" error=${msg(`${base}.measure.value`)} />`
          : null}
        ${m.kind === 'negative_screens'
          ? html`
            <${TextField} id=${planFieldId(`${base}.measure.weeks`)} label="Weeks" value=${m.weeks ?? ''} onValue=${mset('weeks')}
              inputmode="numeric" autocomplete="off" error=${msg(`${base}.measure.weeks`)} hint="1–104" />
            <${SelectField} id=${planFieldId(`${base}.measure.substance`)} label="Substance" value=${m.substance || ''}
              onValue=${mset('substance')} options=${[['', 'Any substance'], ...UDS_SUBSTANCES.map((s) => [s, s])]}
              error=${msg(`${base}.measure.substance`)} />`
          : null}
      </div>
    </li>`;
  }

  function intervention({ pi, ii, x }) {
    const base = `problems[${pi}].interventions[${ii}]`;
    const path = [pi, 'interventions', ii];
    const f = (k) => ({ id: planFieldId(`${base}.${k}`), value: x[k], onValue: at([...path, k]), error: msg(`${base}.${k}`) });
    return html`<li class="pl-intervention" key=${x.id || `i${ii}`} data-path=${base}>
      <div class="pl-row-head"><span class="pl-label">Intervention ${ii + 1}</span>
        <${Remove} label=${`intervention ${ii + 1}`} onClick=${() => edit([pi, 'interventions'], (l) => l.filter((_, i) => i !== ii))} /></div>
      <div class="grid pl-int-grid">
        <${SelectField} ...${f('kind')} label="Kind" options=${[['therapy', 'Therapy'], ['medication', 'Medication order']]} />
        ${x.kind === 'medication'
          ? html`<${SelectField} ...${f('order_id')} label="Order" options=${orderOptions}
              hint=${orders.data && !orders.data.items.length ? 'No medication orders on this chart' : undefined} />`
          : html`<${SelectField} ...${f('modality')} label="Modality" options=${MODALITIES} />
            <${TextField} ...${f('frequency')} label="Frequency" required autocomplete="off" hint="e.g. weekly group" />`}
        <${TextField} ...${f('responsible')} label=${x.kind === 'medication' ? 'Responsible (optional)' : 'Responsible clinician'}
          required=${x.kind !== 'medication'} autocomplete="off" list="pl-staff" hint="Username" />
        <${TextField} ...${f('description')} label="Description" autocomplete="off" wide />
      </div>
    </li>`;
  }

  function problem({ p, pi }) {
    const base = `problems[${pi}]`;
    const dxErr = msg(`${base}.diagnosis_ids`, { deep: true });
    return html`<fieldset class="pl-problem card" key=${p.id || `p${pi}`} data-path=${base}>
      <legend>Problem ${pi + 1}</legend>
      ${v.problems.length > 1 ? html`<div class="pl-row-head"><${Remove} label=${`problem ${pi + 1}`} onClick=${() => setV((o) => ({ ...o, problems: o.problems.filter((_, i) => i !== pi) }))} /></div>` : null}
      <${TextField} id=${planFieldId(`${base}.text`)} label="Problem" required value=${p.text} onValue=${at([pi, 'text'])}
        error=${msg(`${base}.text`)} autocomplete="off" hint="e.g. Opioid use disorder" />
      <div class=${`field pl-dx${dxErr ? ' has-error' : ''}`} role="group" aria-labelledby=${`${planFieldId(`${base}.diagnosis_ids`)}-label`}>
        <span class="pl-group-label" id=${`${planFieldId(`${base}.diagnosis_ids`)}-label`}>Diagnoses <span class="req" aria-hidden="true">*</span></span>
        ${dx.length
          ? dx.map((d, di) => html`<label class="check-label" key=${d.id}>
              <input type="checkbox" id=${di === 0 ? planFieldId(`${base}.diagnosis_ids`) : undefined} value=${d.id}
                checked=${p.diagnosis_ids.includes(d.id)} aria-invalid=${dxErr ? 'true' : undefined}
                onChange=${(e) => edit([pi, 'diagnosis_ids'], (l) => (e.currentTarget.checked ? [...l, d.id] : l.filter((x) => x !== d.id)))} />
              <span><span class="mono code">${d.code}</span> ${diagnosisTitle(d)}
                <span class=${`badge cat-${d.category}`}>${CATEGORY[d.category] || d.category}</span>
                ${d.status !== 'active' ? html` <span class="badge muted">${d.status}</span>` : null}</span>
            </label>`)
          : html`<p class="muted small">No diagnoses on this chart: add them on the Diagnoses tab first.</p>`}
        ${dxErr ? html`<p class="field-error">${dxErr}</p>` : null}
      </div>
      <ol class="pl-goals">
        ${p.goals.map((g, gi) => {
          const gbase = `${base}.goals[${gi}]`;
          return html`<li class="pl-goal" key=${g.id || `g${gi}`} data-path=${gbase}>
            <div class="pl-row-head"><span class="pl-label">Goal ${gi + 1}</span>
              ${p.goals.length > 1 ? html`<${Remove} label=${`goal ${gi + 1}`} onClick=${() => edit([pi, 'goals'], (l) => l.filter((_, i) => i !== gi))} />` : null}</div>
            <${TextField} id=${planFieldId(`${gbase}.text`)} label="Goal, in the patient's words" required value=${g.text}
              onValue=${at([pi, 'goals', gi, 'text'])} error=${msg(`${gbase}.text`) || msg(`${gbase}.objectives`)} autocomplete="off" />
            <ol class="pl-objectives">
              ${g.objectives.map((o, oi) => objective({ pi, gi, oi, o }))}
            </ol>
            <button type="button" class="btn btn-small" onClick=${() => edit([pi, 'goals', gi, 'objectives'], (l) => [...l, blankObjective()])}
              disabled=${g.objectives.length >= 6}>Add objective<span class="sr-only"> to goal ${gi + 1}</span></button>
          </li>`;
        })}
      </ol>
      <button type="button" class="btn btn-small" onClick=${() => edit([pi, 'goals'], (l) => [...l, blankGoal()])}
        disabled=${p.goals.length >= 4}>Add goal<span class="sr-only"> to problem ${pi + 1}</span></button>
      <h4 class="pl-sub">Interventions</h4>
      ${msg(`${base}.interventions`) ? html`<p class="field-error">${msg(`${base}.interventions`)}</p>` : null}
      <ol class="pl-interventions">
        ${p.interventions.map((x, ii) => intervention({ pi, ii, x }))}
      </ol>
      <button type="button" class="btn btn-small" onClick=${() => edit([pi, 'interventions'], (l) => [...l, blankIntervention(me.username)])}
        disabled=${p.interventions.length >= 8}>Add intervention<span class="sr-only"> to problem ${pi + 1}</span></button>
    </fieldset>`;
  }

  return html`<form class="card form plan-form" onSubmit=${submit} noValidate aria-labelledby="pl-form-title">
    <${StaffList} id="pl-staff" />
    <div class="card-head">
      <h2 id="pl-form-title">${creating ? 'Write the treatment plan' : `Change the plan (from version ${plan.version})`}</h2>
      <button type="button" class="btn btn-small btn-quiet" onClick=${onCancel}>Close</button>
    </div>
    <p class="muted small">One plan for the substance use and the mental-health problems, therapy and medication together.
      Each save is a new version; earlier versions stay readable.</p>
    <${FormError} err=${err} fields=${shown} />
    ${msg('problems') ? html`<p class="field-error">${msg('problems')}</p>` : null}
    ${v.problems.map((p, pi) => problem({ p, pi }))}
    <div class="toolbar">
      <button type="button" class="btn" onClick=${() => setV((o) => ({ ...o, problems: [...o.problems, blankProblem()] }))}
        disabled=${v.problems.length >= 10}>Add problem</button>
    </div>
    <fieldset class="pl-save">
      <legend class="sr-only">Saving</legend>
      <div class="grid two">
        <${TextArea} id=${planFieldId('note')} label=${creating ? 'Note' : 'Reason for the change'} required=${!creating} rows="2"
          value=${v.note} onValue=${(x) => setV((o) => ({ ...o, note: x }))} error=${msg('note')} />
        <${DateField} id=${planFieldId('effective_on')} label="Plan day" value=${v.effective_on}
          onValue=${(x) => setV((o) => ({ ...o, effective_on: x }))} error=${msg('effective_on')}
          hint=${creating ? 'Empty: today. The review clock starts from this day.' : 'Empty: today. Not before the current version’s day.'} />
      </div>
      ${!creating
        ? html`<label class="check-label"><input type="checkbox" checked=${!!v.asReview}
            onChange=${(e) => setV((o) => ({ ...o, asReview: e.currentTarget.checked }))} />
            Count this as the plan review (restarts the review clock)</label>`
        : null}
    </fieldset>
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>${creating ? 'Save the plan' : v.asReview ? 'Save as a review' : 'Save the change'}</button>
      <button class="btn" type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}
