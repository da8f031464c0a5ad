// session.js - one therapy session (GET /api/v1/sessions/{id}):
//   - what, when, who, where; cancel with a reason (POST .../cancel);
//   - the roster with each patient's latest attendance and one button per
//     status (PUT .../attendance/{patient}); an alert raised by consecutive
//     absences is shown;
//   - a series' roster for the sessions still to come (PUT
//     /api/v1/session-series/{id}/roster);
//   - the progress note: written and signed here (note-editor.js); once
//     signed, only addenda; a supervisor co-signs. A reader who is neither
//     the author nor the co-signer reads a group note one chart at a time.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, get, post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { takeFlash } from '../lib/flash.js';
import { instant, plural } from '../lib/format.js';
import { alertsChanged } from '../lib/measures.js';
import {
  ATTENDANCE, SESSION_STATE, attendanceLabel, attendanceTone, kindLabel, personName, roomLabel, sessionState, sessionTitle,
} from '../lib/therapy.js';
import { AddendumForm, NoteView } from '../components/note-view.js';
import { PatientPicker } from '../components/patient-picker.js';
import { ErrorBanner, FormError, Loading, Notice, TableWrap, TextField, errorFor, useAsync } from '../components/ui.js';
import { NoteEditor } from './note-editor.js';

function Facts({ s }) {
  const st = sessionState(s);
  return html`<dl class="facts ss-facts">
    <div><dt>When</dt><dd>${instant(s.starts_at)} – ${instant(s.ends_at).slice(11)} (${s.minutes} min)</dd></div>
    <div><dt>Kind</dt><dd>${kindLabel(s.kind)}</dd></div>
    <div><dt>Modality</dt><dd>${s.modality_label || s.modality}</dd></div>
    <div><dt>Clinician</dt><dd>${s.clinician}</dd></div>
    <div><dt>Where</dt><dd>${s.telehealth ? 'Telehealth' : roomLabel(s.room, s.site)}</dd></div>
    <div><dt>Status</dt><dd><span class=${`badge sst-${st}`}>${SESSION_STATE[st]}</span>
      ${s.cancellation ? html` <span class="small">${s.cancellation.reason} <span class="muted">— ${s.cancellation.by}, ${instant(s.cancellation.at)}</span></span>` : null}</dd></div>
    ${s.series_id ? html`<div><dt>Series</dt><dd>Weekly series ${s.series_id}</dd></div>` : null}
  </dl>`;
}

function CancelForm({ s, onDone, onClose }) {
  const [reason, setReason] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    setBusy(true);
    try {
      await post(`/sessions/${s.id}/cancel`, { reason: reason.trim() });
      await onDone();
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }
  return html`<form class="status-form" onSubmit=${submit} noValidate aria-label="Cancel this session">
    <${FormError} err=${err} fields=${['reason']} />
    <${TextField} id="ss-cancel-reason" label="Reason for cancelling" required value=${reason} onValue=${setReason}
      error=${errorFor(err, 'reason')} autocomplete="off" hint="The session stays on the calendar, marked cancelled by the program." />
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>Cancel the session</button>
      <button class="btn" type="button" onClick=${onClose}>Keep it</button>
    </div>
  </form>`;
}

function AttendanceRow({ s, p, may, onRecorded }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const started = sessionState(s) !== 'scheduled';
  const cancelled = s.status === 'cancelled_by_program';
  const a = p.attendance;
  async function record(status) {
    if (busy) return;
    setErr(null);
    setBusy(true);
    try {
      const r = await api('PUT', `/sessions/${s.id}/attendance/${p.id}`, { status });
      setBusy(false);
      await onRecorded(p, r);
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }
  return html`<tr data-patient=${p.id} data-attendance=${a ? a.status : ''}>
    <th scope="row"><a href=${`/patients/${p.id}/therapy`}>${p.family_name}, ${p.given_name}</a>
      <div class="mono small muted">${p.mrn}</div></th>
    <td><span class=${`badge att att-${attendanceTone(a && a.status)}`}>${attendanceLabel(a && a.status)}</span>
      ${a ? html`<div class="small muted">${a.recorded_by}, ${instant(a.recorded_at)}</div>` : null}</td>
    ${may
      ? html`<td><div class="att-buttons" role="group" aria-label=${`Attendance of ${personName(p)}`}>
          ${ATTENDANCE.map(([k, label]) => {
            const allowed = !cancelled && (started || k === 'cancelled_by_program');
            return html`<button type="button" key=${k} class=${`btn btn-small att-btn${a && a.status === k ? ' pressed' : ''}`}
              aria-pressed=${a && a.status === k ? 'true' : 'false'} disabled=${busy || !allowed} data-status=${k}
              onClick=${() => record(k)}>${label}</button>`;
          })}
        </div>
        ${err ? html`<p class="field-error">${err.message}</p>` : null}</td>`
      : null}
  </tr>`;
}

function Roster({ s, may, reload }) {
  const [said, setSaid] = useState(null);
  async function recorded(p, r) {
    const rate = r.summary && r.summary.rate !== null && r.summary.rate !== undefined ? `${Math.round(r.summary.rate * 100)}%` : '—';
    setSaid({
      text: `${personName(p)}: ${attendanceLabel(r.status)}. Attendance rate ${rate}.`,
      alert: r.alert ? `${plural(r.summary.consecutive_unexcused, 'unexcused absence')} in a row: an alert went to ${r.alert.recipient}.` : null,
    });
    if (r.alert) alertsChanged();
    await reload();
  }
  const started = sessionState(s) !== 'scheduled';
  return html`<section class="card" aria-labelledby="ss-roster">
    <h2 id="ss-roster">Attendance <span class="muted">(${plural(s.patients.length, 'patient')})</span></h2>
    ${may && !started && s.status !== 'cancelled_by_program'
      ? html`<p class="muted small">Attendance is recorded once the session has started; before that only “Cancelled by program”.</p>`
      : null}
    ${said ? html`<div class="alert info" role="status">${said.text}${said.alert ? html` <strong>${said.alert}</strong>` : null}</div>` : null}
    <${TableWrap} label="Attendance">
      <table class="table attendance-table">
        <thead><tr><th scope="col">Patient</th><th scope="col">Attendance</th>${may ? html`<th scope="col">Record</th>` : null}</tr></thead>
        <tbody>${s.patients.map((p) => html`<${AttendanceRow} key=${p.id} s=${s} p=${p} may=${may} onRecorded=${recorded} />`)}</tbody>
      </table>
    <//>
  </section>`;
}

function Series({ s, me }) {
  const series = useAsync(() => get(`/session-series/${s.series_id}`), [s.series_id]);
  const [editing, setEditing] = useState(false);
  const [roster, setRoster] = useState([]);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const d = series.data;
  const may = can(me, 'PUT /api/v1/session-series/{id}/roster', s.site);
  function start() {
    setRoster(d.roster.map((p) => {
      const [given, ...rest] = (p.name || '').split(' ');
      return { id: p.id, mrn: p.mrn, given_name: given, family_name: rest.join(' '), site: s.site };
    }));
    setEditing(true);
  }
  async function save(e) {
    e.preventDefault();
    setErr(null);
    setBusy(true);
    try {
      await api('PUT', `/session-series/${s.series_id}/roster`, { patients: roster.map((p) => p.id) });
      setEditing(false);
      await series.reload();
    } catch (x) {
      setErr(x);
    }
    setBusy(false);
  }
  return html`<section class="card" aria-labelledby="ss-series">
    <div class="card-head">
      <h2 id="ss-series">Weekly series</h2>
      ${d && may && !editing ? html`<button type="button" class="btn btn-small" onClick=${start}>Change roster…</button>` : null}
    </div>
    <${ErrorBanner} err=${series.error} />
    ${!d && !series.error ? html`<${Loading} what="Loading the series" />` : null}
    ${d && !editing ? html`<p><strong>Roster:</strong> ${d.roster.map((p) => p.name).join(', ') || 'nobody'}</p>` : null}
    ${editing
      ? html`<form onSubmit=${save} noValidate aria-label="Roster of the series">
          <${FormError} err=${err} fields=${err && err.field && err.field.startsWith('patients') ? [err.field] : []} />
          <${PatientPicker} id="ss-roster-patients" label="Roster" value=${roster} onValue=${setRoster} site=${s.site}
            error=${err && err.field && err.field.startsWith('patients') ? err.message : null}
            hint="Applies to the series' sessions that have not started; earlier sessions keep who was there." />
          <div class="actions"><button class="btn btn-primary" type="submit" disabled=${busy}>Save roster</button>
            <button class="btn" type="button" onClick=${() => setEditing(false)}>Cancel</button></div>
        </form>`
      : null}
    ${d
      ? html`<ol class="series-list">${d.sessions.map((x) => html`<li key=${x.id} class=${x.id === s.id ? 'current' : ''}>
          ${x.id === s.id ? html`<strong>${instant(x.starts_at)} (this session)</strong>` : html`<a href=${`/sessions/${x.id}`}>${instant(x.starts_at)}</a>`}
          ${x.status === 'cancelled_by_program' ? html` <span class="badge muted">Cancelled</span>` : null}
        </li>`)}</ol>`
      : null}
  </section>`;
}

// The note as this reader may read it: whole (author, co-signer) or per chart.
function NoteReader({ s, me, onChanged }) {
  const names = new Map(s.patients.map((p) => [String(p.id), personName(p)]));
  const [chart, setChart] = useState(null);
  const [adding, setAdding] = useState(false);
  const [err, setErr] = useState(null);
  const note = useAsync(async () => {
    try {
      return await get(`/notes/${s.note_id}`, chart ? { patient: chart } : undefined);
    } catch (e) {
      if (e.status === 422 && e.field === 'patient' && !chart) return { perChart: true };
      throw e;
    }
  }, [s.note_id, chart]);
  const n = note.data;
  useEffect(() => {
    if (n && n.perChart && s.patients[0]) setChart(s.patients[0].id);
  }, [n && n.perChart]);

  if (note.error) return html`<${ErrorBanner} err=${note.error} />`;
  if (!n || n.perChart) return html`<${Loading} what="Loading the note" />`;

  const mine = n.author === me.username;
  const mayWrite = can(me, 'PUT /api/v1/notes/{id}', s.site);
  if (n.status === 'draft' && mine && mayWrite)
    return html`<${NoteEditor} session=${s} note=${n}
      onSaved=${async () => { await note.reload(); }}
      onSigned=${async () => { await onChanged('Note signed: it is locked; later changes are addenda.'); await note.reload(); }} />`;

  const mayCosign = n.status === 'awaiting_cosign' && n.cosignature && n.cosignature.required_by === me.username
    && can(me, 'POST /api/v1/notes/{id}/cosign', s.site);
  const mayAddendum = n.status !== 'draft' && can(me, 'POST /api/v1/notes/{id}/addenda', s.site);
  async function cosign() {
    setErr(null);
    try {
      await post(`/notes/${n.id}/cosign`);
      await note.reload();
      await onChanged('Note co-signed.');
    } catch (x) {
      setErr(x);
    }
  }
  const charts = (n.charts || (n.chart ? [n.chart] : [])).map((id) => [id, names.get(String(id)) || `Patient ${id}`]);
  return html`<div class="note-reader">
    ${chart
      ? html`<div class="note-charts" role="group" aria-label="Read the note as filed to">
          <span class="small muted">This group note is read one chart at a time:</span>
          ${s.patients.map((p) => html`<button type="button" key=${p.id} class=${`btn btn-small${chart === p.id ? ' pressed' : ''}`}
            aria-pressed=${chart === p.id ? 'true' : 'false'} onClick=${() => setChart(p.id)}>${personName(p)}</button>`)}
        </div>`
      : null}
    <${ErrorBanner} err=${err} />
    ${n.status === 'draft' && !mine ? html`<p class="muted">A draft by ${n.author}: it is theirs to finish and sign.</p>` : null}
    <${NoteView} note=${n} names=${names} />
    <div class="toolbar note-actions">
      ${mayCosign ? html`<button type="button" class="btn btn-primary" onClick=${cosign}>Co-sign</button>` : null}
      ${mayAddendum && !adding ? html`<button type="button" class="btn" onClick=${() => setAdding(true)}>Add addendum…</button>` : null}
    </div>
    ${adding
      ? html`<${AddendumForm} note=${n} charts=${charts} fixedPatient=${chart || undefined}
          onCancel=${() => setAdding(false)}
          onSaved=${async () => { setAdding(false); await note.reload(); await onChanged('Addendum added and signed.'); }} />`
      : null}
  </div>`;
}

function NoteCard({ s, me, onChanged }) {
  const [writing, setWriting] = useState(false);
  const mayWrite = can(me, 'POST /api/v1/sessions/{id}/notes', s.site);
  const st = sessionState(s);
  let body;
  if (s.note_id) body = html`<${NoteReader} s=${s} me=${me} onChanged=${onChanged} />`;
  else if (st === 'cancelled') body = html`<p class="muted">A cancelled session takes no note.</p>`;
  else if (st === 'scheduled') body = html`<p class="muted">The note can be written once the session has started.</p>`;
  else if (!mayWrite) body = html`<p class="muted">No note written yet.</p>`;
  else if (!writing)
    body = html`<p class="muted">No note written yet.</p>
      <button type="button" class="btn btn-primary" onClick=${() => setWriting(true)}>Write the progress note</button>`;
  else
    body = html`<${NoteEditor} session=${s} note=${null} onCancel=${() => setWriting(false)}
      onSaved=${async () => { setWriting(false); await onChanged('Draft saved.'); }}
      onSigned=${async () => { setWriting(false); await onChanged('Note signed: it is locked; later changes are addenda.'); }} />`;
  return html`<section class="card note-card" aria-labelledby="ss-note">
    <h2 id="ss-note">Progress note</h2>
    ${body}
  </section>`;
}

export function SessionPage({ params }) {
  const { me } = useApp();
  const [message, setMessage] = useState(() => takeFlash());
  const [cancelling, setCancelling] = useState(false);
  const data = useAsync(() => get(`/sessions/${params.id}`), [params.id]);
  const s = data.data;
  useEffect(() => {
    if (s) document.title = `${sessionTitle(s)} · Tandem`;
  }, [s]);
  if (data.error)
    return html`<section class="page"><h1 tabindex="-1">Session</h1><${ErrorBanner} err=${data.error} />
      <p><a href="/sessions">Back to the calendar</a></p></section>`;
  if (!s) return html`<section class="page"><${Loading} what="Opening the session" /></section>`;

  const st = sessionState(s);
  const mayAttend = can(me, 'PUT /api/v1/sessions/{id}/attendance/{id}', s.site);
  const mayCancel = can(me, 'POST /api/v1/sessions/{id}/cancel', s.site) && st !== 'cancelled'
    && !s.patients.some((p) => p.attendance && p.attendance.status !== 'cancelled_by_program');
  async function changed(msg) {
    setMessage(msg);
    await data.reload();
  }

  return html`<section class="page session-page" data-session=${s.id}>
    <p class="crumbs"><a href="/sessions">← Calendar</a></p>
    <header class="card ss-head">
      <div class="card-head">
        <h1 tabindex="-1">${sessionTitle(s)}</h1>
        ${mayCancel && !cancelling ? html`<button type="button" class="btn" onClick=${() => setCancelling(true)}>Cancel session…</button>` : null}
      </div>
      <${Facts} s=${s} />
      ${cancelling ? html`<${CancelForm} s=${s} onClose=${() => setCancelling(false)}
          onDone=${async () => { setCancelling(false); await changed('Session cancelled by the program.'); }} />` : null}
    </header>
    ${message ? html`<${Notice} kind="ok">${message}<//>` : null}
    <div class="stack">
      <${Roster} s=${s} may=${mayAttend} reload=${data.reload} />
      <${NoteCard} key=${`${s.id}-${s.note_id || 0}`} s=${s} me=${me} onChanged=${changed} />
      ${s.series_id ? html`<${Series} s=${s} me=${me} />` : null}
    </div>
  </section>`;
}
