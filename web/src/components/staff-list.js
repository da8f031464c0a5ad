// staff-list.js - a <datalist> of the staff who may be named as a clinician
// (GET /api/v1/staff), so a username field offers them as the user types. The
// field stays free text: the server checks the name and answers 422 by it.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';

export function StaffList({ id, site }) {
  const [items, setItems] = useState([]);
  useEffect(() => {
    let live = true;
    api('GET', `/api/v1/staff${site ? `?site=${encodeURIComponent(site)}` : ''}`)
      .then((r) => live && setItems(r.items || []))
      .catch(() => live && setItems([]));
    return () => { live = false; };
  }, [site]);
  const seen = new Set();
  return html`<datalist id=${id}>
    ${items.filter((x) => !seen.has(x.username) && seen.add(x.username)).map(
      (x) => html`<option value=${x.username}>${x.roles.join(', ')}</option>`)}
  </datalist>`;
}
