// rule-alerts.js - the medication rules' alerts as the prescriber and nurse
// read them (docs/api.md, Medications): severity in words and colour, the
// rule id, what was found, why it matters, the source and the configuration
// key of its threshold, and an override with its written reason.
import { html } from 'htm/preact';
import { instant } from '../lib/format.js';
import { severityText } from '../lib/meds.js';

export function RuleAlert({ a }) {
  return html`<li class=${`rule-alert rsev-${a.severity}`} data-rule=${a.rule} data-severity=${a.severity}>
    <div class="rule-alert-head">
      <span class=${`badge rsev rsev-${a.severity}`}>${severityText(a.severity)}</span>
      <span class="rule-id mono">${a.rule}</span>
      ${a.overridden ? html`<span class="badge muted">Overridden</span>` : null}
    </div>
    <p class="rule-message">${a.message}</p>
    ${a.why ? html`<p class="rule-why"><span class="rule-k">Why it matters:</span> ${a.why}</p>` : null}
    ${a.source ? html`<p class="rule-source small"><span class="rule-k">Source:</span> ${a.source}</p>` : null}
    ${a.config_key ? html`<p class="rule-config small muted">Threshold: <span class="mono">${a.config_key}</span></p>` : null}
    ${a.overridden || a.override_reason
      ? html`<p class="rule-override small"><span class="rule-k">Overridden by ${a.recorded_by || 'the prescriber'}:</span> ${a.override_reason || '—'}</p>`
      : null}
    ${a.recorded_at ? html`<p class="rule-when small muted">Shown ${instant(a.recorded_at)}${a.recorded_by ? ` to ${a.recorded_by}` : ''}</p>` : null}
  </li>`;
}

// alerts: the API's list; title: a heading for the group (optional).
export function RuleAlerts({ alerts, title, id }) {
  if (!alerts || !alerts.length) return null;
  const order = { block: 0, warn: 1, info: 2 };
  const sorted = alerts.slice().sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3));
  return html`<div class="rule-alerts" id=${id}>
    ${title ? html`<h3 class="rule-alerts-title">${title}</h3>` : null}
    <ul class="rule-alert-list">${sorted.map((a, i) => html`<${RuleAlert} key=${`${a.rule}-${i}`} a=${a} />`)}</ul>
  </div>`;
}
