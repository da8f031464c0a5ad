// alert-banner.js - the patient's open alerts (GET
// /api/v1/patients/{id}/alerts) as a red banner under the chart header, on
// every tab: the message, what was found, why, the source, and "Acknowledge"
// with the action taken (POST /api/v1/alerts/{id}/ack; the note is required).
// Only a role the alert is for may acknowledge it. The banner reloads when an
// assessment raises alerts (lib/measures.js alertsChanged).
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../lib/api.js';
import { rolesOf } from '../lib/access.js';
import { instant } from '../lib/format.js';
import { alertKindLabel, alertSeverityLabel, fromNow, onAlertsChanged } from '../lib/measures.js';
import { FormError, TextArea, errorFor, useAsync } from '../components/ui.js';
import { AlertFacts } from './measure-record.js';

function AckForm({ a, onDone, onCancel }) {
  const id = `ack-${a.id}-note`;
  const [note, setNote] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const el = document.getElementById(id);
    if (el) el.focus();
  }, []);
  useEffect(() => {
    if (err && err.field === 'note') document.getElementById(id)?.focus();
  }, [err]);
  async function submit(e) {
    e.preventDefault();
    setErr(null);
    setBusy(true);
    try {
      await post(`/alerts/${a.id}/ack`, { note: note.trim() });
      onDone();
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }
  return html`<form class="ack-form" onSubmit=${submit} noValidate aria-label="Acknowledge the alert">
    <${FormError} err=${err} fields=${['note']} />
    <${TextArea} id=${id} label="Action taken" required rows="2" value=${note} onValue=${setNote}
      error=${errorFor(err, 'note')} hint="What was done about it, for the record (for example: C-SSRS done, safety plan made)." />
    <div class="actions">
      <button class="btn btn-danger" type="submit" disabled=${busy}>Acknowledge</button>
      <button class="btn" type="button" onClick=${onCancel}>Cancel</button>
    </div>
  </form>`;
}

function Shown({ ctx }) {
  const pid = ctx.patient.id;
  const alerts = useAsync(() => get(`/patients/${pid}/alerts`, { open: 'true' }), [pid]);
  const [acking, setAcking] = useState(null);
  useEffect(() => onAlertsChanged(() => alerts.reload()), [alerts.reload]);
  const mayAck = ctx.can('POST /api/v1/alerts/{id}/ack');
  const held = rolesOf(ctx.me, ctx.site);
  const items = alerts.data ? alerts.data.items : [];
  if (!items.length) return null;

  async function done() {
    setAcking(null);
    await alerts.reload();
    ctx.say('Alert acknowledged.');
  }

  return html`<section class="alert-banner" aria-labelledby="ab-title" data-open=${items.length}>
    <h2 id="ab-title" class="ab-title">${items.length === 1 ? 'Open alert' : `${items.length} open alerts`}</h2>
    ${items.map((a) => {
      const mine = mayAck && String(a.roles || '').split(',').some((r) => held.has(r.trim()));
      return html`<article class=${`ab-item asev-edge-${a.severity}`} key=${a.id} data-alert=${a.id} aria-label=${`${alertSeverityLabel(a.severity)} alert: ${alertKindLabel(a.kind)}`}>
        <div class="ab-head">
          <span class=${`badge asev asev-${a.severity}`}>${alertSeverityLabel(a.severity)}</span>
          <strong class="ab-kind">${alertKindLabel(a.kind)}</strong>
          ${a.escalated ? html`<span class="badge escalated">Escalated</span>` : null}
          <span class="ab-when muted small">Raised ${instant(a.raised_at)} (${fromNow(a.raised_at)})</span>
        </div>
        <p class="ab-message">${a.message}</p>
        <${AlertFacts} a=${a} />
        ${acking === a.id
          ? html`<${AckForm} a=${a} onDone=${done} onCancel=${() => setAcking(null)} />`
          : mine
            ? html`<button type="button" class="btn btn-danger btn-small" onClick=${() => setAcking(a.id)}>Acknowledge…</button>`
            : html`<p class="fine">For: ${a.roles}.</p>`}
      </article>`;
    })}
  </section>`;
}

export function AlertBanner({ ctx }) {
  if (!ctx.can('GET /api/v1/patients/{id}/alerts')) return null;
  return html`<${Shown} ctx=${ctx} />`;
}
