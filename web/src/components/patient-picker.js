// patient-picker.js - choose one or more patients: a search box (GET
// /api/v1/patients?q=, by name fragment or MRN) with the matches as buttons,
// and the chosen patients as a list with a Remove button each. Keyboard: type,
// Tab to a match, Enter adds it and returns to the box.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { personName } from '../lib/therapy.js';

// value: [{id, mrn, family_name, given_name, site}]; onValue(list).
export function PatientPicker({ id, label, value, onValue, error, hint, max, site }) {
  const [q, setQ] = useState('');
  const [found, setFound] = useState(null);
  const [busy, setBusy] = useState(false);
  const [searchErr, setSearchErr] = useState(null);
  const box = useRef(null);
  const seq = useRef(0);

  useEffect(() => {
    const term = q.trim();
    if (term.length < 2) {
      setFound(null);
      return undefined;
    }
    const n = ++seq.current;
    const t = setTimeout(async () => {
      setBusy(true);
      try {
        const query = /\d/.test(term) ? { mrn: term, limit: 10 } : { q: term, limit: 10 };
        let r = await get('/patients', query);
        if (query.mrn && !r.items.length) r = await get('/patients', { q: term, limit: 10 });
        if (n === seq.current) {
          setFound(r.items || []);
          setSearchErr(null);
        }
      } catch (e) {
        if (n === seq.current) setSearchErr(e);
      }
      if (n === seq.current) setBusy(false);
    }, 200);
    return () => clearTimeout(t);
  }, [q]);

  const chosen = new Set(value.map((p) => p.id));
  const full = max && value.length >= max;
  const add = (p) => {
    if (chosen.has(p.id) || full) return;
    onValue([...value, p]);
    setQ('');
    setFound(null);
    if (box.current) box.current.focus();
  };
  const remove = (p) => onValue(value.filter((x) => x.id !== p.id));
  const matches = (found || []).filter((p) => !site || !p.site || p.site === site);
  const errId = error ? `${id}-err` : undefined;
  const hintId = hint ? `${id}-hint` : undefined;

  return html`<div class=${`field patient-picker${error ? ' has-error' : ''}`}>
    <label for=${id}>${label}</label>
    ${value.length
      ? html`<ul class="pp-chosen" aria-label=${`${label}: chosen`}>
          ${value.map((p) => html`<li key=${p.id} data-patient=${p.id}>
            <span class="pp-name">${personName(p)}</span> <span class="mono small muted">${p.mrn || ''}</span>
            <button type="button" class="btn btn-small btn-quiet" onClick=${() => remove(p)}>Remove<span class="sr-only"> ${personName(p)}</span></button>
          </li>`)}
        </ul>`
      : html`<p class="muted small pp-none">No patient chosen yet.</p>`}
    <input id=${id} ref=${box} type="search" value=${q} autocomplete="off" disabled=${full}
      placeholder=${full ? 'No more patients fit this session' : 'Name or MRN'}
      onInput=${(e) => setQ(e.currentTarget.value)}
      onKeyDown=${(e) => { if (e.key === 'Enter') { e.preventDefault(); if (matches.length === 1) add(matches[0]); } }}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${[errId, hintId].filter(Boolean).join(' ') || undefined} />
    ${hint ? html`<p class="hint" id=${hintId}>${hint}</p>` : null}
    ${error ? html`<p class="field-error" id=${errId}>${error}</p>` : null}
    <div class="pp-results" aria-live="polite">
      ${busy ? html`<p class="muted small">Searching…</p>` : null}
      ${searchErr ? html`<p class="field-error">${searchErr.message}</p>` : null}
      ${found && !busy && !matches.length ? html`<p class="muted small">No patient matches “${q.trim()}”.</p>` : null}
      ${matches.length
        ? html`<ul class="pp-matches" aria-label="Matching patients">
            ${matches.map((p) => html`<li key=${p.id}>
              <button type="button" class="btn btn-small" disabled=${chosen.has(p.id) || full} onClick=${() => add(p)}>
                Add ${p.family_name}, ${p.given_name}<span class="mono small muted"> ${p.mrn}</span></button>
            </li>`)}
          </ul>`
        : null}
    </div>
  </div>`;
}
