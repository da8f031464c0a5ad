// note-view.js - a progress note as read (docs/api.md, "Progress note"): the
// shared part, the individual part(s) the answer carries (on a chart: only
// that patient's), the plan objectives addressed, signature, co-signature and
// addenda. The addendum form is here too (POST /api/v1/notes/{id}/addenda).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { post } from '../lib/api.js';
import { instant } from '../lib/format.js';
import { NOTE_FORMATS, NOTE_STATUS, kindLabel, modalityLabel } from '../lib/therapy.js';
import { FormError, SelectField, TextArea, errorFor } from './ui.js';

function Sections({ format, part, idp }) {
  const secs = (NOTE_FORMATS[format] || []).filter(([k]) => part && part[k]);
  if (!secs.length) return html`<p class="muted small">Nothing written in this part.</p>`;
  return html`<dl class="note-sections">
    ${secs.map(([k, label]) => html`<div key=${k} class=${`note-sec sec-${k}`} data-section=${`${idp}.${k}`}>
      <dt>${label}</dt><dd>${part[k]}</dd></div>`)}
  </dl>`;
}

// objectives: Map "planId:key" -> text (what the chart knows of the plans).
function Objectives({ list, objectives }) {
  if (!list || !list.length) return null;
  return html`<div class="note-objectives"><span class="small muted">Plan objectives addressed:</span>
    <ul>${list.map((o) => html`<li key=${`${o.plan_id}:${o.objective_id}`} data-objective=${o.objective_id}>
      ${(objectives && objectives.get(`${o.plan_id}:${o.objective_id}`)) || `Objective ${o.objective_id} of plan ${o.plan_id}`}</li>`)}</ul>
  </div>`;
}

export function noteStatusBadge(n) {
  return html`<span class=${`badge nst-${n.status}`}>${NOTE_STATUS[n.status] || n.status}</span>`;
}

// note: the API's note; names: Map patient id (string) -> name; objectives as above.
export function NoteView({ note, names, objectives, headingLevel = 3 }) {
  const n = note;
  const group = n.session && n.session.kind !== 'individual';
  const parts = Object.entries(n.individual || {});
  const H = `h${headingLevel}`;
  const H2 = `h${headingLevel + 1}`;
  const nameOf = (pid) => (names && names.get(String(pid))) || `Patient ${pid}`;
  return html`<article class=${`pnote pnote-${n.status}`} data-note=${n.id} data-status=${n.status} aria-label=${`Progress note ${n.id}`}>
    <header class="note-head">
      <${H} class="note-title">${n.format} note${n.session ? ` · ${modalityLabel(n.session.modality)} · ${kindLabel(n.session.kind)} session of ${instant(n.session.starts_at)}` : ''}<//>
      <div class="note-meta small">
        ${noteStatusBadge(n)}
        <span>by ${n.author}</span>
        ${n.signature ? html`<span>· signed by ${n.signature.by}, ${instant(n.signature.at)}</span>` : html`<span class="muted">· not signed (version ${n.version})</span>`}
        ${n.cosignature
          ? html`<span class="note-cosign">· ${n.cosignature.by
              ? `co-signed by ${n.cosignature.by}, ${instant(n.cosignature.at)}`
              : `awaiting co-signature by ${n.cosignature.required_by}`}</span>`
          : null}
      </div>
    </header>
    <section class="note-part note-shared" aria-label=${group ? 'Group part' : 'Note'}>
      ${group ? html`<${H2}>Group part <span class="muted small">(on every attendee's chart)</span><//>` : null}
      <${Sections} format=${n.format} part=${n.shared} idp="shared" />
    </section>
    ${parts.map(([pid, part]) => {
      const empty = !(NOTE_FORMATS[n.format] || []).some(([k]) => part[k]);
      if (!group && empty) return html`<${Objectives} key=${pid} list=${part.objectives} objectives=${objectives} />`;
      return html`<section key=${pid} class="note-part note-individual" data-patient=${pid} aria-label=${`Individual part: ${nameOf(pid)}`}>
        <${H2}>${group ? `Individual part: ${nameOf(pid)}` : 'Individual part'}<//>
        ${empty ? html`<p class="muted small">No individual part written.</p>` : html`<${Sections} format=${n.format} part=${part} idp=${`individual.${pid}`} />`}
        <${Objectives} list=${part.objectives} objectives=${objectives} />
      </section>`;
    })}
    ${(n.addenda || []).length
      ? html`<section class="note-addenda" aria-label="Addenda">
          <${H2}>Addenda<//>
          <ol>${n.addenda.map((a) => html`<li key=${a.id} data-addendum=${a.id} data-patient=${a.patient_id || ''}>
            <p class="addendum-text">${a.text}</p>
            <p class="small muted">Signed by ${a.author}, ${instant(a.signed_at)}${a.patient_id ? ` · on ${nameOf(a.patient_id)}'s chart only` : group ? ' · on every chart of this note' : ''}</p>
          </li>`)}</ol>
        </section>`
      : null}
  </article>`;
}

// "Add addendum": charts = [[id, name]] the note is filed to (a choice of one
// chart or every chart when several); fixedPatient puts it on that chart only.
export function AddendumForm({ note, charts = [], fixedPatient, onSaved, onCancel }) {
  const form = `ad-${note.id}`;
  const [text, setText] = useState('');
  const [scope, setScope] = useState(fixedPatient ? String(fixedPatient) : '');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    setBusy(true);
    const body = { text: text.trim() };
    if (scope) body.patient_id = Number(scope);
    try {
      const a = await post(`/notes/${note.id}/addenda`, body);
      setText('');
      setBusy(false);
      await onSaved(a);
    } catch (x) {
      setErr(x);
      setBusy(false);
      const el = document.getElementById(`${form}-text`);
      if (el && x.field === 'text') el.focus();
    }
  }
  return html`<form class="addendum-form" onSubmit=${submit} noValidate aria-label="Add an addendum">
    <${FormError} err=${err} fields=${['text', 'patient_id']} />
    <${TextArea} id=${`${form}-text`} label="Addendum" required value=${text} onValue=${setText} rows="3"
      error=${errorFor(err, 'text')} hint="Signed in your name when saved; the note itself stays as signed." />
    ${!fixedPatient && charts.length > 1
      ? html`<${SelectField} id=${`${form}-patient_id`} label="On" value=${scope} onValue=${setScope} error=${errorFor(err, 'patient_id')}
          options=${[['', 'Every chart of this note'], ...charts.map(([id, name]) => [String(id), `${name}'s chart only`])]} />`
      : null}
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>Sign and add addendum</button>
      ${onCancel ? html`<button class="btn" type="button" onClick=${onCancel}>Cancel</button>` : null}
    </div>
  </form>`;
}
