// therapy.js - the chart's Therapy tab:
//   - the patient's sessions with this patient's attendance and the attendance
//     rate (GET /api/v1/patients/{id}/sessions);
//   - the progress notes on this chart (GET /api/v1/patients/{id}/notes: the
//     shared part and this patient's own individual part only — the server
//     filters; this tab never asks for another attendee's part), with "Add
//     addendum" on signed notes;
//   - triggers, coping skills and the printable relapse-prevention plan
//     (relapse.js);
//   - the user's own psychotherapy notes, a separate private area (GET/POST
//     /api/v1/patients/{id}/psychotherapy-notes: author only).
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { get, post } from '../lib/api.js';
import { instant, patientName } from '../lib/format.js';
import {
  SESSION_STATE, attendanceLabel, attendanceTone, kindLabel, measureText, roomLabel, sessionState, sessionTitle,
} from '../lib/therapy.js';
import { AddendumForm, NoteView } from '../components/note-view.js';
import { ErrorBanner, FormError, Loading, SelectField, TableWrap, TextArea, errorFor, useAsync } from '../components/ui.js';
import { RelapsePrevention } from './relapse.js';

// Scrolls to a note of the list below and gives it the focus.
function showNote(id) {
  const el = document.getElementById(`note-${id}`);
  if (!el) return;
  el.scrollIntoView({ block: 'start' });
  el.focus({ preventScroll: true });
}

const pct = (r) => (r === null || r === undefined ? '—' : `${Math.round(r * 100)}%`);

function Attendance({ a }) {
  if (!a) return null;
  return html`<dl class="att-summary" aria-label="Attendance summary">
    <div class="att-rate"><dt>Attendance rate</dt><dd data-rate=${a.rate === null ? '' : a.rate}>${pct(a.rate)}</dd></div>
    <div><dt>Sessions held</dt><dd>${a.sessions}</dd></div>
    <div><dt>Attended</dt><dd>${a.attended}</dd></div>
    <div><dt>Absent, unexcused</dt><dd>${a.absent_unexcused}</dd></div>
    <div><dt>Absent, excused</dt><dd>${a.absent_excused}</dd></div>
    <div><dt>Cancelled by program</dt><dd>${a.cancelled_by_program}</dd></div>
    <div><dt>Not recorded</dt><dd>${a.not_recorded}</dd></div>
    ${a.consecutive_unexcused ? html`<div class="att-run"><dt>Unexcused in a row</dt><dd><span class="badge warn">${a.consecutive_unexcused}</span></dd></div>` : null}
  </dl>
  <p class="small muted">Rate = attended (present, late, left early) ÷ (attended + unexcused absences).</p>`;
}

function Sessions({ ctx }) {
  const pid = ctx.patient.id;
  const list = useAsync(() => get(`/patients/${pid}/sessions`, { limit: 200 }), [pid]);
  const d = list.data;
  const mayAdd = ctx.can('POST /api/v1/sessions');
  return html`<section class="card th-sessions" aria-labelledby="th-sessions">
    <div class="card-head">
      <h2 id="th-sessions">Sessions${d ? html` <span class="muted">(${d.total})</span>` : null}</h2>
      ${mayAdd ? html`<a class="btn btn-small" href=${`/sessions?new=1&patient=${pid}`}>Schedule a session…</a>` : null}
    </div>
    <${ErrorBanner} err=${list.error} />
    ${!d && !list.error ? html`<${Loading} what="Loading sessions" />` : null}
    ${d ? html`<${Attendance} a=${d.attendance} />` : null}
    ${d && !d.items.length ? html`<p class="muted">No therapy sessions yet.</p>` : null}
    ${d && d.items.length
      ? html`<${TableWrap} label="Sessions">
          <table class="table small th-session-table">
            <caption class="sr-only">The patient's sessions, newest first, with this patient's attendance</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Session</th><th scope="col">Clinician</th><th scope="col">Where</th>
              <th scope="col">Status</th><th scope="col">Attendance</th><th scope="col">Note</th></tr></thead>
            <tbody>${d.items.map((s) => {
              const st = sessionState(s);
              const a = s.attendance;
              return html`<tr key=${s.id} data-session=${s.id} data-attendance=${a ? a.status : ''}>
                <td class="nowrap"><a href=${`/sessions/${s.id}`}>${instant(s.starts_at)}</a><div class="muted">${s.minutes} min</div></td>
                <td>${sessionTitle(s)}<div class="muted">${kindLabel(s.kind)}</div></td>
                <td>${s.clinician}</td>
                <td>${s.telehealth ? 'Telehealth' : roomLabel(s.room, s.site)}</td>
                <td><span class=${`badge sst-${st}`}>${SESSION_STATE[st]}</span></td>
                <td><span class=${`badge att att-${attendanceTone(a && a.status)}`}>${attendanceLabel(a && a.status)}</span></td>
                <td>${s.note_id ? html`<button type="button" class="btn btn-small btn-quiet" onClick=${() => showNote(s.note_id)}>Note<span class="sr-only"> of ${instant(s.starts_at)}</span></button>` : html`<span class="muted">—</span>`}</td>
              </tr>`;
            })}</tbody>
          </table>
        <//>`
      : null}
  </section>`;
}

// Objective ids -> text, from the patient's plans (for "objectives addressed").
async function objectiveTexts(pid) {
  const out = new Map();
  const plans = await get(`/patients/${pid}/plans`);
  for (const x of plans.items || []) {
    const plan = await get(`/plans/${x.id}`);
    for (const pr of plan.problems || [])
      for (const g of pr.goals || [])
        for (const o of g.objectives || []) out.set(`${plan.id}:${o.id}`, `${o.text}${o.measure && measureText(o.measure) !== o.text ? ` (${measureText(o.measure)})` : ''}`);
  }
  return out;
}

function ChartNote({ n, ctx, names, objectives, onChanged }) {
  const [adding, setAdding] = useState(false);
  const mayAdd = n.status !== 'draft' && ctx.can('POST /api/v1/notes/{id}/addenda');
  const mine = n.author === ctx.me.username;
  return html`<li class="th-note" id=${`note-${n.id}`} tabindex="-1">
    <${NoteView} note=${n} names=${names} objectives=${objectives} />
    <div class="toolbar note-actions">
      ${n.status === 'draft' && mine ? html`<a class="btn btn-small" href=${`/sessions/${n.session_id}`}>Finish and sign in the session</a>` : null}
      ${mayAdd && !adding ? html`<button type="button" class="btn btn-small" onClick=${() => setAdding(true)}>Add addendum…</button>` : null}
    </div>
    ${adding
      ? html`<${AddendumForm} note=${n} fixedPatient=${ctx.patient.id} onCancel=${() => setAdding(false)}
          onSaved=${async () => { setAdding(false); ctx.say('Addendum added and signed (on this chart).'); await onChanged(); }} />`
      : null}
  </li>`;
}

function Notes({ ctx }) {
  const pid = ctx.patient.id;
  const list = useAsync(() => get(`/patients/${pid}/notes`, { limit: 100 }), [pid]);
  const objectives = useAsync(() => (ctx.can('GET /api/v1/patients/{id}/plans') ? objectiveTexts(pid) : Promise.resolve(new Map())), [pid]);
  const names = new Map([[String(pid), patientName(ctx.patient)]]);
  const items = list.data ? list.data.items : [];
  return html`<section class="card th-notes" aria-labelledby="th-notes">
    <h2 id="th-notes">Progress notes${list.data ? html` <span class="muted">(${list.data.total})</span>` : null}</h2>
    <p class="small muted">Group notes show the group part and this patient's own part only.</p>
    <${ErrorBanner} err=${list.error} />
    ${!list.data && !list.error ? html`<${Loading} what="Loading notes" />` : null}
    ${list.data && !items.length ? html`<p class="muted">No progress notes on this chart.</p>` : null}
    ${items.length
      ? html`<ol class="th-note-list">${items.map((n) => html`<${ChartNote} key=${n.id} n=${n} ctx=${ctx} names=${names}
          objectives=${objectives.data} onChanged=${list.reload} />`)}</ol>`
      : null}
  </section>`;
}

function Psychotherapy({ ctx }) {
  const pid = ctx.patient.id;
  const list = useAsync(() => get(`/patients/${pid}/psychotherapy-notes`), [pid]);
  const sessions = useAsync(() => get(`/patients/${pid}/sessions`, { limit: 50 }), [pid]);
  const [writing, setWriting] = useState(false);
  const [text, setText] = useState('');
  const [session, setSession] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const mine = (sessions.data ? sessions.data.items : []).filter((s) => s.clinician === ctx.me.username && sessionState(s) !== 'scheduled');
  async function submit(e) {
    e.preventDefault();
    setErr(null);
    setBusy(true);
    const body = { text: text.trim() };
    if (session) body.session_id = Number(session);
    try {
      await post(`/patients/${pid}/psychotherapy-notes`, body);
      setText('');
      setSession('');
      setWriting(false);
      await list.reload();
    } catch (x) {
      setErr(x);
    }
    setBusy(false);
  }
  const items = list.data ? list.data.items : [];
  return html`<section class="card th-private" aria-labelledby="th-private">
    <div class="card-head">
      <h2 id="th-private"><span class="badge private">Private</span> My psychotherapy notes</h2>
      ${ctx.can('POST /api/v1/patients/{id}/psychotherapy-notes') && !writing
        ? html`<button type="button" class="btn btn-small" onClick=${() => setWriting(true)}>Write a psychotherapy note…</button>` : null}
    </div>
    <p class="small th-private-hint">Kept apart from the progress record and readable by you alone: no other clinician,
      supervisor or administrator sees them, and they are never part of the chart's notes.</p>
    ${writing
      ? html`<form class="status-form" onSubmit=${submit} noValidate aria-label="New psychotherapy note">
          <${FormError} err=${err} fields=${['text', 'session_id']} />
          <${TextArea} id="th-pn-text" label="Psychotherapy note (private)" required rows="4" value=${text} onValue=${setText} error=${errorFor(err, 'text')}
            hint="Written once; a correction is a new note." />
          ${mine.length
            ? html`<${SelectField} id="th-pn-session_id" label="Session" value=${session} onValue=${setSession} error=${errorFor(err, 'session_id')}
                options=${[['', 'None'], ...mine.map((s) => [String(s.id), `${instant(s.starts_at)} · ${sessionTitle(s)}`])]} />`
            : null}
          <div class="actions"><button class="btn btn-primary" type="submit" disabled=${busy}>Save private note</button>
            <button class="btn" type="button" onClick=${() => setWriting(false)}>Cancel</button></div>
        </form>`
      : null}
    <${ErrorBanner} err=${list.error} />
    ${list.data && !items.length ? html`<p class="muted">You have no psychotherapy notes on this patient.</p>` : null}
    ${items.length
      ? html`<ol class="th-pn-list">${items.map((n) => html`<li key=${n.id} data-pnote=${n.id}>
          <p class="pn-text">${n.text}</p>
          <p class="small muted">${instant(n.created_at)}${n.session_id ? ` · session ${n.session_id}` : ''}</p>
        </li>`)}</ol>`
      : null}
  </section>`;
}

function Panel({ ctx }) {
  return html`<div class="stack therapy-tab">
    <${Sessions} ctx=${ctx} />
    ${ctx.can('GET /api/v1/patients/{id}/notes') ? html`<${Notes} ctx=${ctx} />` : null}
    ${ctx.can('GET /api/v1/patients/{id}/triggers') ? html`<${RelapsePrevention} ctx=${ctx} />` : null}
    ${ctx.can('GET /api/v1/patients/{id}/psychotherapy-notes') ? html`<${Psychotherapy} ctx=${ctx} />` : null}
  </div>`;
}

export default { id: 'therapy', label: 'Therapy', visible: (ctx) => ctx.can('GET /api/v1/patients/{id}/sessions'), Panel };
