// sessions.js - the therapy calendar (GET /api/v1/sessions): a week of
// sessions, day by day, for one clinician (you by default), one room or
// everyone; moves by a day or a week. "Schedule a session…" opens
// session-form.js (a single session or a weekly series). The view lives in the
// URL (?from=&view=&clinician=&room=) so Back returns to it; ?new=1&patient=ID
// opens the form with that patient (the chart's Therapy tab links here).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { can, rolesOf, sitesFor } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { flash, takeFlash } from '../lib/flash.js';
import { addDays, instant, plural, shortDate, today } from '../lib/format.js';
import { href, navigate } from '../lib/router.js';
import {
  SESSION_STATE, kindLabel, personName, roomLabel, roomsOf, sessionState, sessionTitle,
} from '../lib/therapy.js';
import { DateField, ErrorBanner, Loading, Notice, SelectField, TextField, useAsync } from '../components/ui.js';
import { SessionForm } from './session-form.js';

const DAYS = 7;

const clinicDay = (iso) => instant(iso).slice(0, 10);
const clinicTime = (iso) => instant(iso).slice(11, 16);

function readView(query, me) {
  const mine = ['therapist', 'prescriber'].some((r) => rolesOf(me).has(r));
  const view = query.get('view') || (mine ? 'mine' : 'all');
  return {
    view,
    from: query.get('from') || today(),
    clinician: view === 'clinician' ? query.get('clinician') || '' : view === 'mine' ? me.username : '',
    room: view === 'room' ? query.get('room') || '' : '',
  };
}

export function SessionItem({ s, showDay = false }) {
  const st = sessionState(s);
  const n = s.patients ? s.patients.length : null;
  const names = s.patients ? s.patients.slice(0, 3).map(personName).join(', ') + (n > 3 ? ` and ${n - 3} more` : '') : '';
  return html`<li class=${`ss-item ss-${st}`} data-session=${s.id} data-kind=${s.kind}>
    <a class="ss-link" href=${`/sessions/${s.id}`}>
      <span class="ss-time nowrap">${showDay ? `${shortDate(clinicDay(s.starts_at), true)} ` : ''}${clinicTime(s.starts_at)}–${clinicTime(s.ends_at)}</span>
      <span class="ss-title">${sessionTitle(s)}</span>
    </a>
    <span class="ss-badges">
      <span class="badge muted">${kindLabel(s.kind)}</span>
      <span class=${`badge sst-${st}`}>${SESSION_STATE[st]}</span>
      ${s.note_id ? html`<span class="badge ok">Note</span>` : st === 'past' ? html`<span class="badge warn">No note yet</span>` : null}
    </span>
    <span class="ss-meta small">
      ${s.clinician} · ${s.telehealth ? 'Telehealth' : roomLabel(s.room, s.site)}${n !== null ? ` · ${plural(n, 'patient')}` : ''}
      ${names ? html`<span class="muted"> (${names})</span>` : null}
    </span>
  </li>`;
}

function Week({ data, from }) {
  const days = Array.from({ length: DAYS }, (_, i) => addDays(from, i));
  const byDay = new Map(days.map((d) => [d, []]));
  for (const s of data.items || []) {
    const d = clinicDay(s.starts_at);
    if (byDay.has(d)) byDay.get(d).push(s);
  }
  const now = today();
  return html`<div class="ss-week" data-from=${from}>
    ${days.map((d) => {
      const list = byDay.get(d).sort((a, b) => (a.starts_at < b.starts_at ? -1 : 1));
      return html`<section class=${`ss-day card${d === now ? ' today' : ''}${list.length ? '' : ' empty'}`} key=${d} data-day=${d} aria-labelledby=${`ss-d-${d}`}>
        <h2 id=${`ss-d-${d}`}>${shortDate(d, true)}${d === now ? html` <span class="badge ok">Today</span>` : null}
          ${list.length ? null : html`<span class="muted small ss-none"> No sessions.</span>`}</h2>
        ${list.length ? html`<ul class="ss-list">${list.map((s) => html`<${SessionItem} key=${s.id} s=${s} />`)}</ul>` : null}
      </section>`;
    })}
  </div>`;
}

export function SessionsPage({ query }) {
  const { me } = useApp();
  const cur = readView(query, me);
  const [message, setMessage] = useState(() => takeFlash());
  const [form, setForm] = useState({ clinician: query.get('clinician') || '', room: query.get('room') || '' });
  const [adding, setAdding] = useState(query.get('new') === '1');
  const [prefill, setPrefill] = useState(null);
  const mayAdd = can(me, 'POST /api/v1/sessions');
  const site = (sitesFor(me, 'GET /api/v1/sessions')[0] || {}).code;
  const pid = query.get('patient');

  useEffect(() => {
    document.title = 'Sessions · Tandem';
  }, []);
  useEffect(() => {
    if (!pid) return;
    get(`/patients/${pid}`).then((p) => setPrefill([p]), () => setPrefill([]));
  }, [pid]);

  const to = addDays(cur.from, DAYS - 1);
  const list = useAsync(
    () => get('/sessions', { from: cur.from, to, clinician: cur.clinician, room: cur.room, limit: 200 }),
    [cur.from, cur.clinician, cur.room],
  );

  const go = (q) => navigate(href('/sessions', {
    view: cur.view, from: cur.from,
    clinician: cur.view === 'clinician' ? cur.clinician : '', room: cur.view === 'room' ? cur.room : '', ...q,
  }));
  const shift = (n) => go({ from: addDays(cur.from, n) });
  function apply(e) {
    e.preventDefault();
    go({ clinician: form.clinician.trim(), room: form.room });
  }

  async function saved(r, series) {
    setAdding(false);
    if (series) {
      const first = (r.sessions || []).find((s) => s.status !== 'cancelled_by_program') || (r.sessions || [])[0];
      flash(`Weekly series created: ${plural((r.sessions || []).length, 'session')}, roster of ${plural((r.roster || []).length, 'patient')}.`);
      navigate(first ? `/sessions/${first.id}` : '/sessions');
    } else {
      flash(`Session scheduled for ${instant(r.starts_at)}.`);
      navigate(`/sessions/${r.id}`);
    }
  }

  const heading = cur.view === 'mine' ? 'My sessions'
    : cur.view === 'clinician' ? (cur.clinician ? `Sessions of ${cur.clinician}` : 'Sessions of a clinician')
      : cur.view === 'room' ? (cur.room ? `Sessions in ${roomLabel(cur.room, site)}` : 'Sessions in a room') : 'All sessions';

  return html`<section class="page sessions-page">
    <div class="page-head">
      <h1 tabindex="-1">Sessions</h1>
      ${mayAdd
        ? html`<div class="toolbar"><button type="button" class=${`btn${adding ? '' : ' btn-primary'}`} aria-expanded=${adding ? 'true' : 'false'}
            onClick=${() => setAdding(!adding)}>Schedule a session…</button></div>`
        : null}
    </div>
    ${message ? html`<${Notice} kind="ok">${message}<//>` : null}
    ${adding && (!pid || prefill)
      ? html`<${SessionForm} me=${me} initialPatients=${prefill || []} onSaved=${saved} onCancel=${() => setAdding(false)} />`
      : null}
    <form class="card ss-filter" onSubmit=${apply} aria-label="Which calendar">
      <div class="grid ss-filter-grid">
        <${SelectField} id="ss-view" label="Calendar" value=${cur.view} onValue=${(x) => go({ view: x, clinician: form.clinician, room: form.room || (x === 'room' ? (roomsOf(site)[0] || [])[0] : '') })}
          options=${[['mine', 'My sessions'], ['all', 'Everyone'], ['clinician', 'A clinician'], ['room', 'A room']]} />
        ${cur.view === 'clinician'
          ? html`<${TextField} id="ss-clinician" label="Clinician (username)" value=${form.clinician} autocomplete="off"
              onValue=${(x) => setForm((f) => ({ ...f, clinician: x }))} />`
          : null}
        ${cur.view === 'room'
          ? html`<${SelectField} id="ss-room" label="Room" value=${cur.room} options=${roomsOf(site)}
              onValue=${(x) => { setForm((f) => ({ ...f, room: x })); go({ room: x }); }} />`
          : null}
        <${DateField} id="ss-from" label="First day" value=${cur.from} onValue=${(x) => { if (/^\d{4}-\d{2}-\d{2}$/.test(x)) go({ from: x }); }} />
        ${cur.view === 'clinician' ? html`<div class="field ss-apply"><button type="submit" class="btn">Show</button></div>` : null}
      </div>
      <div class="ss-nav" role="group" aria-label="Move">
        <button type="button" class="btn btn-small" onClick=${() => shift(-DAYS)}>← Previous week</button>
        <button type="button" class="btn btn-small" onClick=${() => shift(-1)}>← Previous day</button>
        <button type="button" class="btn btn-small btn-quiet" onClick=${() => go({ from: today() })} disabled=${cur.from === today()}>Today</button>
        <button type="button" class="btn btn-small" onClick=${() => shift(1)}>Next day →</button>
        <button type="button" class="btn btn-small" onClick=${() => shift(DAYS)}>Next week →</button>
      </div>
    </form>
    <h2 class="ss-heading">${heading}: ${shortDate(cur.from, true)} – ${shortDate(to, true)}
      ${list.data ? html` <span class="muted">(${plural(list.data.total, 'session')})</span>` : null}</h2>
    <${ErrorBanner} err=${list.error} />
    ${!list.data && !list.error ? html`<${Loading} what="Loading the calendar" />` : null}
    ${list.data ? html`<${Week} data=${list.data} from=${cur.from} />` : null}
  </section>`;
}
