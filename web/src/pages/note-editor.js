// note-editor.js - write or change a session's progress note (POST
// /api/v1/sessions/{id}/notes, PUT /api/v1/notes/{id} while a draft), then
// sign it (POST /api/v1/notes/{id}/sign: locks it).
//
// SOAP, DAP or BIRP sections. For a group or family session: the shared part
// once, and one tab per patient with that attendee's individual part, whether
// the note is filed to their chart (absent patients are left out by default)
// and the objectives of their current treatment plan the session addressed.
// The server files each individual part to its own chart only.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, get, post } from '../lib/api.js';
import { useDraft } from '../lib/draft.js';
import { ATTENDED, NOTE_FORMATS, attendanceLabel, measureText, personName } from '../lib/therapy.js';
import { ErrorBanner, FormError, Loading, SelectField, TextArea, useAsync } from '../components/ui.js';

// The objectives of a patient's current plan: [{key: "planId:O3", plan_id, objective_id, text, problem}].
async function planObjectives(pid) {
  const plans = await get(`/patients/${pid}/plans`);
  const p = (plans.items || []).find((x) => !x.discharged_on) || (plans.items || [])[0];
  if (!p) return [];
  const plan = await get(`/plans/${p.id}`);
  const out = [];
  for (const pr of plan.problems || [])
    for (const g of pr.goals || [])
      for (const o of g.objectives || [])
        out.push({
          key: `${plan.id}:${o.id}`, plan_id: plan.id, objective_id: o.id, problem: pr.text, status: o.status,
          text: `${o.text}${o.measure && measureText(o.measure) !== o.text ? ` (${measureText(o.measure)})` : ''}`,
        });
  return out;
}

const FORMATS = Object.keys(NOTE_FORMATS).map((f) => [f, f]);
const idOf = (name) => `ne-${name.replace(/[.[\]]+/g, '-').replace(/-$/, '')}`;

function fromNote(note, patients) {
  const parts = {};
  const include = {};
  for (const p of patients) {
    const part = note && note.individual ? note.individual[String(p.id)] : null;
    include[p.id] = note ? !!part || !note.individual : !(p.attendance && !ATTENDED.has(p.attendance.status));
    const sections = {};
    if (part) for (const [k] of NOTE_FORMATS[note.format] || []) if (part[k]) sections[k] = part[k];
    parts[p.id] = { sections, objectives: part ? (part.objectives || []).map((o) => `${o.plan_id}:${o.objective_id}`) : [] };
  }
  const shared = {};
  if (note) for (const [k] of NOTE_FORMATS[note.format] || []) if (note.shared && note.shared[k]) shared[k] = note.shared[k];
  return { format: note ? note.format : 'DAP', shared, parts, include };
}

function body(v, session) {
  const secs = (o) => {
    const out = {};
    for (const [k] of NOTE_FORMATS[v.format]) if (o && o[k] && o[k].trim()) out[k] = o[k];
    return out;
  };
  const b = { format: v.format, shared: secs(v.shared) };
  const individual = {};
  for (const p of session.patients) {
    if (session.kind !== 'individual' && !v.include[p.id]) continue;
    const part = v.parts[p.id] || { sections: {}, objectives: [] };
    const x = session.kind === 'individual' ? {} : secs(part.sections);
    const objs = (part.objectives || []).map((k) => {
      const [plan, obj] = k.split(':');
      return { plan_id: Number(plan), objective_id: obj };
    });
    if (objs.length) x.objectives = objs;
    individual[String(p.id)] = x;
  }
  b.individual = individual;
  return b;
}

function ObjectivePicker({ pid, list, chosen, onValue, error }) {
  const id = idOf(`individual.${pid}.objectives`);
  if (list === null) return html`<p class="muted small">Reading the treatment plan…</p>`;
  return html`<fieldset class=${`ne-objectives${error ? ' has-error' : ''}`} id=${id} tabindex="-1">
    <legend>Plan objectives addressed</legend>
    ${list.length
      ? list.map((o) => html`<label class="check-label" key=${o.key}>
          <input type="checkbox" checked=${chosen.includes(o.key)} data-objective=${o.objective_id}
            onChange=${(e) => onValue(e.currentTarget.checked ? [...chosen, o.key] : chosen.filter((k) => k !== o.key))} />
          <span>${o.text} <span class="muted small">— ${o.problem}${o.status !== 'open' ? `, ${o.status}` : ''}</span></span>
        </label>`)
      : html`<p class="muted small">No treatment plan with objectives on this chart.</p>`}
    ${error ? html`<p class="field-error">${error}</p>` : null}
  </fieldset>`;
}

export function NoteEditor({ session, note, onSaved, onSigned, onCancel }) {
  const patients = session.patients || [];
  const group = session.kind !== 'individual';
  const [v, setV, clear] = useDraft(`note-${session.id}-v${note ? note.version : 0}`, fromNote(note, patients));
  const [tab, setTab] = useState(patients[0] ? patients[0].id : null);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [dirty, setDirty] = useState(!note);
  const objectives = useAsync(async () => {
    const lists = await Promise.all(patients.map((p) => planObjectives(p.id).catch(() => [])));
    return new Map(patients.map((p, i) => [p.id, lists[i]]));
  }, [session.id]);
  const objsOf = (pid) => (objectives.data ? objectives.data.get(pid) || [] : null);

  const edit = (fn) => {
    setDirty(true);
    setV(fn);
  };
  const setShared = (k) => (x) => edit((o) => ({ ...o, shared: { ...o.shared, [k]: x } }));
  const setPart = (pid, k) => (x) => edit((o) => {
    const cur = o.parts[pid] || { sections: {}, objectives: [] };
    return { ...o, parts: { ...o.parts, [pid]: { ...cur, sections: { ...cur.sections, [k]: x } } } };
  });
  const setObjs = (pid) => (list) => edit((o) => {
    const cur = o.parts[pid] || { sections: {}, objectives: [] };
    return { ...o, parts: { ...o.parts, [pid]: { ...cur, objectives: list } } };
  });
  const setInclude = (pid, on) => edit((o) => ({ ...o, include: { ...o.include, [pid]: on } }));

  // The server's field: "shared.data", "individual.41.plan", "individual.41.objectives".
  const errAt = (name) => (err && err.field && (err.field === name || err.field.startsWith(`${name}[`)) ? err.message : null);
  useEffect(() => {
    if (!err || !err.field) return;
    const m = /^individual\.(\d+)/.exec(err.field);
    if (m && tab !== Number(m[1])) setTab(Number(m[1]));
    setTimeout(() => {
      const el = document.getElementById(idOf(err.field.replace(/\[\d+\]$/, '')));
      if (el) el.focus();
    }, 0);
  }, [err]);
  // Fields shown by their own input (the rest go to the top of the form).
  const shown = err && err.field && /^(format|shared(\.\w+)?|individual\.\d+(\.\w+)?(\[\d+\])?)$/.test(err.field) ? [err.field] : [];

  async function save() {
    const b = body(v, session);
    const n = note ? await api('PUT', `/notes/${note.id}`, b) : await post(`/sessions/${session.id}/notes`, b);
    clear();
    setDirty(false);
    return n;
  }

  async function onSave(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    setBusy(true);
    try {
      const n = await save();
      setBusy(false);
      await onSaved(n);
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }

  async function sign() {
    if (busy) return;
    setErr(null);
    setBusy(true);
    try {
      let n = note;
      if (dirty || !n) n = await save();
      const s = await post(`/notes/${n.id}/sign`);
      setBusy(false);
      await onSigned(s);
    } catch (x) {
      setErr(x);
      setBusy(false);
      setConfirm(false);
    }
  }

  const secs = NOTE_FORMATS[v.format] || [];
  const active = patients.find((p) => p.id === tab);
  const part = active ? v.parts[active.id] || { sections: {}, objectives: [] } : null;

  return html`<form class="note-editor" onSubmit=${onSave} noValidate aria-label="Progress note">
    <${FormError} err=${err} fields=${shown} />
    <div class="grid ne-head">
      <${SelectField} id=${idOf('format')} label="Format" value=${v.format} onValue=${(f) => edit((o) => ({ ...o, format: f }))}
        error=${errAt('format')} options=${FORMATS} hint="SOAP, DAP or BIRP sections" />
    </div>
    <fieldset class="ne-shared">
      <legend>${group ? 'Group part (filed to every attendee\'s chart below)' : 'Note'}</legend>
      ${secs.map(([k, label]) => html`<${TextArea} key=${k} id=${idOf(`shared.${k}`)} label=${group ? `${label} (group)` : label}
        value=${v.shared[k] || ''} onValue=${setShared(k)} error=${errAt(`shared.${k}`) || (k === secs[0][0] ? errAt('shared') : null)} rows="3" />`)}
    </fieldset>
    ${group && patients.length
      ? html`<div class="ne-individual">
          <h4>Individual parts <span class="muted small">(each only on that patient's chart)</span></h4>
          <div class="ne-tabs" role="tablist" aria-label="Attendees">
            ${patients.map((p) => html`<button type="button" role="tab" key=${p.id} id=${`ne-tab-${p.id}`}
              aria-selected=${p.id === tab ? 'true' : 'false'} aria-controls=${`ne-panel-${p.id}`} tabindex=${p.id === tab ? '0' : '-1'}
              class=${`ne-tab${p.id === tab ? ' active' : ''}${v.include[p.id] ? '' : ' excluded'}`}
              onClick=${() => setTab(p.id)}
              onKeyDown=${(e) => {
                const i = patients.indexOf(p);
                const j = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : -2;
                if (j === -2) return;
                e.preventDefault();
                const q = patients[(j + patients.length) % patients.length];
                setTab(q.id);
                setTimeout(() => document.getElementById(`ne-tab-${q.id}`).focus(), 0);
              }}>
              ${p.family_name}, ${p.given_name}
              <span class="ne-tab-att small">${attendanceLabel(p.attendance && p.attendance.status)}</span>
            </button>`)}
          </div>
          ${active
            ? html`<div class="ne-panel" role="tabpanel" id=${`ne-panel-${active.id}`} aria-labelledby=${`ne-tab-${active.id}`} data-patient=${active.id}>
                <label class="check-label"><input type="checkbox" id=${idOf(`individual.${active.id}`)} checked=${!!v.include[active.id]}
                  onChange=${(e) => setInclude(active.id, e.currentTarget.checked)} />
                  File this note to ${personName(active)}'s chart</label>
                ${errAt(`individual.${active.id}`) && !/objectives/.test(err.field) ? html`<p class="field-error">${err.message}</p>` : null}
                ${v.include[active.id]
                  ? html`${secs.map(([k, label]) => html`<${TextArea} key=${`${active.id}-${k}`} id=${idOf(`individual.${active.id}.${k}`)}
                        label=${`${label} (${personName(active)})`} value=${part.sections[k] || ''} onValue=${setPart(active.id, k)}
                        error=${errAt(`individual.${active.id}.${k}`)} rows="2" />`)}
                      <${ObjectivePicker} pid=${active.id} list=${objsOf(active.id)} chosen=${part.objectives}
                        onValue=${setObjs(active.id)} error=${errAt(`individual.${active.id}.objectives`)} />`
                  : html`<p class="muted small">Not filed to this chart: nothing of this note will appear on it.</p>`}
              </div>`
            : null}
        </div>`
      : null}
    ${!group && patients[0]
      ? html`<${ObjectivePicker} pid=${patients[0].id} list=${objsOf(patients[0].id)}
          chosen=${(v.parts[patients[0].id] || { objectives: [] }).objectives} onValue=${setObjs(patients[0].id)}
          error=${errAt(`individual.${patients[0].id}.objectives`)} />`
      : null}
    ${objectives.error ? html`<${ErrorBanner} err=${objectives.error} />` : null}
    ${confirm
      ? html`<div class="sign-confirm" role="group" aria-label="Sign the note">
          <p><strong>Signing locks the note.</strong> Later changes can only be added as signed addenda.</p>
          <div class="actions">
            <button type="button" class="btn btn-primary" disabled=${busy} onClick=${sign}>Sign and lock</button>
            <button type="button" class="btn" onClick=${() => setConfirm(false)}>Not yet</button>
          </div>
        </div>`
      : html`<div class="actions">
          <button class="btn" type="submit" disabled=${busy}>Save draft</button>
          <button class="btn btn-primary" type="button" disabled=${busy} onClick=${() => setConfirm(true)}>Sign…</button>
          ${onCancel ? html`<button class="btn btn-quiet" type="button" onClick=${onCancel}>Close</button>` : null}
          ${note ? html`<span class="muted small ne-saved">Draft version ${note.version}${dirty ? ', changed since' : ', saved'}</span>` : null}
        </div>`}
    ${busy ? html`<${Loading} what="Saving" />` : null}
  </form>`;
}
