// ui.js - the small building blocks every screen uses: form fields that show
// the server's field-level message, the error banner, the pager, badges.
import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { levelLabel, levelShort } from '../lib/levels.js';

// The id of a form field: "pf" + "address.city" -> "pf-address-city".
export const fieldId = (form, name) => `${form}-${name.replace(/\./g, '-')}`;

// The server's message when it is about `name`.
export const errorFor = (err, name) => (err && err.field === name ? err.message : null);

function describedBy(id, hint, error) {
  const ids = [];
  if (error) ids.push(`${id}-err`);
  if (hint) ids.push(`${id}-hint`);
  return ids.length ? ids.join(' ') : undefined;
}

function FieldShell({ id, label, required, hint, error, wide, children }) {
  return html`<div class=${`field${error ? ' has-error' : ''}${wide ? ' wide' : ''}`}>
    <label for=${id}>${label}${required ? html`<span class="req" aria-hidden="true"> *</span>` : null}</label>
    ${children}
    ${hint ? html`<p class="hint" id=${`${id}-hint`}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${`${id}-err`}>${error}</p>` : null}
  </div>`;
}

// A text input. onValue receives the new string.
export function TextField({ id, label, value, onValue, error, hint, required, wide, type = 'text', ...rest }) {
  return html`<${FieldShell} id=${id} label=${label} required=${required} hint=${hint} error=${error} wide=${wide}>
    <input id=${id} type=${type} value=${value ?? ''} onInput=${(e) => onValue(e.currentTarget.value)}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, hint, error)}
      aria-required=${required ? 'true' : undefined} ...${rest} />
  <//>`;
}

export function DateField(props) {
  return html`<${TextField} placeholder="YYYY-MM-DD" inputmode="numeric" autocomplete="off" maxlength="10"
    ...${props} />`;
}

export function TextArea({ id, label, value, onValue, error, hint, required, wide, ...rest }) {
  return html`<${FieldShell} id=${id} label=${label} required=${required} hint=${hint} error=${error} wide=${wide}>
    <textarea id=${id} value=${value ?? ''} onInput=${(e) => onValue(e.currentTarget.value)}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, hint, error)}
      aria-required=${required ? 'true' : undefined} ...${rest}></textarea>
  <//>`;
}

// options: [[value, label], ...]
export function SelectField({ id, label, value, onValue, options, error, hint, required, wide, ...rest }) {
  return html`<${FieldShell} id=${id} label=${label} required=${required} hint=${hint} error=${error} wide=${wide}>
    <select id=${id} value=${value ?? ''} onChange=${(e) => onValue(e.currentTarget.value)}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${describedBy(id, hint, error)}
      aria-required=${required ? 'true' : undefined} ...${rest}>
      ${options.map(([v, l]) => html`<option value=${v} selected=${v === (value ?? '')}>${l}</option>`)}
    </select>
  <//>`;
}

// The server's message at the top of a form, unless it names one of the
// form's own fields (then it is shown next to that field).
export function FormError({ err, fields = [] }) {
  if (!err) return null;
  if (err.field && fields.includes(err.field)) return null;
  return html`<div class="alert error" role="alert">${err.message}</div>`;
}

// Moves focus to the field the server named, once per error.
export function useFocusError(form, err, fields) {
  useEffect(() => {
    if (!err || !err.field || !fields.includes(err.field)) return;
    const el = document.getElementById(fieldId(form, err.field));
    if (el) el.focus();
  }, [err]);
}

export function ErrorBanner({ err }) {
  if (!err) return null;
  return html`<div class="alert error" role="alert">${err.message || String(err)}</div>`;
}

export function Notice({ children, kind = 'info' }) {
  return html`<div class=${`alert ${kind}`} role="status">${children}</div>`;
}

export const Loading = ({ what = 'Loading' }) => html`<p class="loading" role="status">${what}…</p>`;

export function LevelBadge({ level, short }) {
  if (!level) return html`<span class="badge muted">Not in care</span>`;
  return html`<span class=${`badge lvl lvl-${level}`} title=${levelLabel(level)}>${short ? levelShort(level) : levelLabel(level)}</span>`;
}

export const DualBadge = () => html`<span class="badge dual" title="Active substance-use and mental-health diagnoses">Dual diagnosis</span>`;

// "Showing 26-50 of 240" with Previous / Next.
export function Pager({ total, limit, offset, onPage, label = 'Pages' }) {
  if (!total) return null;
  const first = offset + 1;
  const last = Math.min(offset + limit, total);
  const page = Math.floor(offset / limit) + 1;
  const pages = Math.max(1, Math.ceil(total / limit));
  return html`<nav class="pager" aria-label=${label}>
    <span class="pager-text">Showing ${first}–${last} of ${total}</span>
    <button type="button" class="btn" disabled=${offset <= 0} onClick=${() => onPage(Math.max(0, offset - limit))}>Previous</button>
    <span class="pager-page">Page ${page} of ${pages}</span>
    <button type="button" class="btn" disabled=${last >= total} onClick=${() => onPage(offset + limit)}>Next</button>
  </nav>`;
}

// Runs fn() now and when deps change; {data, error, loading, reload}.
// A result that arrives after a newer call started is dropped.
export function useAsync(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const seq = useRef(0);
  // Returns a promise that settles when the data is in (never rejects).
  const run = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    return fn().then(
      (data) => n === seq.current && setState({ data, error: null, loading: false }),
      (error) => n === seq.current && setState({ data: null, error, loading: false }),
    );
  }, deps);
  useEffect(() => {
    run();
  }, [run]);
  return { ...state, reload: run };
}

// A table that scrolls sideways on narrow screens instead of squeezing.
export const TableWrap = ({ children, label }) =>
  html`<div class="table-wrap" role="region" aria-label=${label} tabindex="0">${children}</div>`;
