// instrument-items.js - the questions of an instrument, generated from its
// definition (GET /api/v1/instruments/{code}): an item with answer options is
// a radio group (fieldset and legend, one label per option), an item with a
// range is a number field with a slider beside it. Used by the clinician's
// "Record an assessment" form and by the patient's check-in page.
//
// values: {itemId: number|null}. errors: {itemId: message}. The ids of the
// controls are `${prefix}-<item id>` (the first radio of a group carries it),
// so a server error naming `items.<id>` can move the focus there.
import { html } from 'htm/preact';

export const itemControlId = (prefix, itemId) => `${prefix}-${String(itemId).replace(/[^A-Za-z0-9_-]/g, '_')}`;

// Answers for the API: every item of the definition, null when unanswered.
export function answersFor(def, values) {
  const out = {};
  for (const it of def.item_list || []) {
    const v = values[it.id];
    out[it.id] = v === undefined || v === null || v === '' ? null : Number(v);
  }
  return out;
}

// Scored items still without an answer.
export function unanswered(def, values) {
  return (def.item_list || []).filter((it) => it.scored && (values[it.id] === undefined || values[it.id] === null || values[it.id] === ''));
}

function OptionItem({ it, n, id, value, onValue, error, showValues, patient }) {
  const errId = `${id}-err`;
  return html`<fieldset class=${`mitem${error ? ' has-error' : ''}`} aria-describedby=${error ? errId : undefined}
      data-item=${it.id}>
    <legend><span class="mitem-n">${n}.</span> ${it.text}${!it.scored && !patient ? html` <span class="muted small">(not scored)</span>` : null}</legend>
    <div class="mopts">
      ${it.options.map(
        (o, k) => html`<label class=${`mopt${value === o.value ? ' checked' : ''}`} key=${o.value}>
          <input type="radio" id=${k === 0 ? id : undefined} name=${id} value=${o.value}
            checked=${value === o.value} aria-invalid=${error ? 'true' : undefined}
            onChange=${() => onValue(it.id, o.value)} />
          <span class="mopt-label">${o.label}</span>
          ${showValues ? html`<span class="mopt-val" aria-hidden="true">${o.value}</span>` : null}
        </label>`,
      )}
    </div>
    ${error ? html`<p class="field-error" id=${errId}>${error}</p>` : null}
  </fieldset>`;
}

function RangeItem({ it, n, id, value, onValue, error, patient }) {
  const r = it.range || { min: it.min, max: it.max };
  const hintId = `${id}-hint`;
  const errId = `${id}-err`;
  const set = (raw) => onValue(it.id, raw === '' ? null : Number(raw));
  const anchors = [r.low ? `${r.min} = ${r.low}` : `lowest ${r.min}`, r.high ? `${r.max} = ${r.high}` : `highest ${r.max}`].join(', ');
  return html`<div class=${`mitem mrange-item${error ? ' has-error' : ''}`} data-item=${it.id}>
    <label for=${id} class="mitem-q"><span class="mitem-n">${n}.</span> ${it.text}${!it.scored && !patient ? html` <span class="muted small">(not scored)</span>` : null}</label>
    <div class="mrange">
      <input id=${id} type="number" inputmode="numeric" min=${r.min} max=${r.max} step="1" value=${value ?? ''}
        aria-invalid=${error ? 'true' : undefined} aria-describedby=${[error ? errId : '', hintId].filter(Boolean).join(' ')}
        onInput=${(e) => set(e.currentTarget.value)} />
      <span class="mrange-end" aria-hidden="true">${r.min}</span>
      <input type="range" class="mslider" min=${r.min} max=${r.max} step="1" value=${value ?? r.min}
        data-unset=${value === null || value === undefined ? 'true' : undefined}
        tabindex="-1" aria-hidden="true" onInput=${(e) => set(e.currentTarget.value)} />
      <span class="mrange-end" aria-hidden="true">${r.max}</span>
    </div>
    <p class="hint" id=${hintId}>A whole number from ${r.min} to ${r.max}: ${anchors}.</p>
    ${error ? html`<p class="field-error" id=${errId}>${error}</p>` : null}
  </div>`;
}

// The items of `def`. patient: the wording for a patient (no "(not scored)",
// no values beside the options).
export function InstrumentItems({ def, values, onValue, errors = {}, prefix, patient = false }) {
  return html`<div class=${`mitems${patient ? ' for-patient' : ''}`}>
    ${(def.item_list || []).map((it, i) => {
      const props = { it, n: i + 1, id: itemControlId(prefix, it.id), value: values[it.id] ?? null, onValue, error: errors[it.id], patient };
      return it.options
        ? html`<${OptionItem} key=${it.id} ...${props} showValues=${!patient} />`
        : html`<${RangeItem} key=${it.id} ...${props} />`;
    })}
  </div>`;
}

// Focuses the control of item `itemId` (after a server error naming it).
export function focusItem(prefix, itemId) {
  const el = document.getElementById(itemControlId(prefix, itemId));
  if (el) el.focus();
}
