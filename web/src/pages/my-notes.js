// my-notes.js - a clinician's paperwork: drafts left unsigned longer than the
// program allows and notes awaiting the user's co-signature (GET
// /api/v1/notes/unsigned), the user's sessions of the last two weeks still
// without a note (GET /api/v1/sessions), and treatment-plan reviews due or
// overdue (GET /api/v1/plans/due).
import { html } from 'htm/preact';
import { useEffect } from 'preact/hooks';
import { get } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { addDays, instant, plural, today } from '../lib/format.js';
import { levelShort } from '../lib/levels.js';
import { REVIEW_STATUS, kindLabel, modalityLabel, sessionState } from '../lib/therapy.js';
import { ErrorBanner, Loading, TableWrap, useAsync } from '../components/ui.js';
import { SessionItem } from './sessions.js';

function NoteTable({ items, caption, withAuthor }) {
  return html`<${TableWrap} label=${caption}>
    <table class="table small notes-table">
      <caption class="sr-only">${caption}</caption>
      <thead><tr><th scope="col">Session</th>${withAuthor ? html`<th scope="col">Author</th>` : null}<th scope="col">Written</th>
        <th scope="col">${withAuthor ? 'Signed' : 'Unsigned for'}</th></tr></thead>
      <tbody>${items.map((n) => html`<tr key=${n.id} data-note=${n.id}>
        <td><a href=${`/sessions/${n.session_id}`}>${modalityLabel(n.session.modality)} · ${kindLabel(n.session.kind)}</a>
          <div class="small muted">${instant(n.session.starts_at)}</div></td>
        ${withAuthor ? html`<td>${n.author}</td>` : null}
        <td class="nowrap">${instant(n.created_at)}</td>
        <td class="nowrap">${withAuthor ? instant(n.signed_at) : html`<span class="badge warn">${plural(n.hours, 'hour')}</span>`}</td>
      </tr>`)}</tbody>
    </table>
  <//>`;
}

function Unsigned() {
  const r = useAsync(() => get('/notes/unsigned'), []);
  const d = r.data;
  return html`
    <section class="card" aria-labelledby="mn-unsigned">
      <h2 id="mn-unsigned">Unsigned notes${d ? html` <span class="muted">(${d.items.length})</span>` : null}</h2>
      <${ErrorBanner} err=${r.error} />
      ${!d && !r.error ? html`<${Loading} what="Loading your notes" />` : null}
      ${d ? html`<p class="muted small">Your drafts left unsigned for more than ${plural(d.unsigned_after_hours, 'hour')}.</p>` : null}
      ${d && !d.items.length ? html`<p class="empty">None: every draft is within the time allowed.</p>` : null}
      ${d && d.items.length ? html`<${NoteTable} items=${d.items} caption="Unsigned notes" />` : null}
    </section>
    <section class="card" aria-labelledby="mn-cosign">
      <h2 id="mn-cosign">Awaiting your co-signature${d ? html` <span class="muted">(${d.awaiting_cosign.length})</span>` : null}</h2>
      ${d && !d.awaiting_cosign.length ? html`<p class="empty">No notes are waiting for you.</p>` : null}
      ${d && d.awaiting_cosign.length ? html`<${NoteTable} items=${d.awaiting_cosign} caption="Notes awaiting your co-signature" withAuthor />` : null}
    </section>`;
}

function WithoutNote({ me }) {
  const to = today();
  const from = addDays(to, -13);
  const r = useAsync(() => get('/sessions', { from, to, clinician: me.username, limit: 200 }), [me.username]);
  const items = r.data ? r.data.items.filter((s) => sessionState(s) === 'past' && !s.note_id) : [];
  return html`<section class="card" aria-labelledby="mn-nonote">
    <h2 id="mn-nonote">Your sessions without a note${r.data ? html` <span class="muted">(${items.length})</span>` : null}</h2>
    <p class="muted small">Held in the last 14 days, with you as the clinician.</p>
    <${ErrorBanner} err=${r.error} />
    ${!r.data && !r.error ? html`<${Loading} what="Loading your sessions" />` : null}
    ${r.data && !items.length ? html`<p class="empty">Every session has its note.</p>` : null}
    ${items.length ? html`<ul class="ss-list">${items.map((s) => html`<${SessionItem} key=${s.id} s=${s} showDay />`)}</ul>` : null}
  </section>`;
}

function PlansDue() {
  const r = useAsync(() => get('/plans/due'), []);
  const d = r.data;
  return html`<section class="card" aria-labelledby="mn-plans">
    <h2 id="mn-plans">Treatment plans due${d ? html` <span class="muted">(${d.items.length})</span>` : null}</h2>
    <${ErrorBanner} err=${r.error} />
    ${!d && !r.error ? html`<${Loading} what="Loading plan reviews" />` : null}
    ${d && !d.items.length ? html`<p class="empty">No plan review is due.</p>` : null}
    ${d && d.items.length
      ? html`<${TableWrap} label="Treatment plans due">
          <table class="table small plans-due">
            <thead><tr><th scope="col">Patient</th><th scope="col">What</th><th scope="col">Level</th><th scope="col">Due</th><th scope="col">Status</th></tr></thead>
            <tbody>${d.items.map((x) => html`<tr key=${`${x.episode_id}-${x.kind}`} data-patient=${x.patient.id} data-status=${x.review.status}>
              <td><a href=${`/patients/${x.patient.id}/plan`}>${x.patient.family_name}, ${x.patient.given_name}</a>
                <div class="mono small muted">${x.patient.mrn}</div></td>
              <td>${x.kind === 'initial' ? 'Initial plan' : 'Review'}</td>
              <td>${levelShort(x.review.level)} <span class="muted small">(every ${plural(x.review.interval_days, 'day')})</span></td>
              <td class="nowrap">${x.review.due_on}</td>
              <td><span class=${`badge rv-${x.review.status}`}>${REVIEW_STATUS[x.review.status] || x.review.status}</span></td>
            </tr>`)}</tbody>
          </table>
        <//>`
      : null}
    ${d && d.truncated ? html`<p class="muted small">More are due than are listed here.</p>` : null}
  </section>`;
}

export function MyNotesPage() {
  const { me } = useApp();
  useEffect(() => {
    document.title = 'My notes · Tandem';
  }, []);
  return html`<section class="page narrow my-notes">
    <div class="page-head"><h1 tabindex="-1">My notes</h1><a class="btn" href="/sessions">Calendar</a></div>
    <div class="stack">
      <${Unsigned} />
      ${can(me, 'GET /api/v1/sessions') ? html`<${WithoutNote} me=${me} />` : null}
      ${can(me, 'GET /api/v1/plans/due') ? html`<${PlansDue} />` : null}
    </div>
  </section>`;
}
