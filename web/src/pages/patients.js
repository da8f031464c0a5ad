// patients.js - find a patient: name, MRN, birth date, level of care, paged.
//
// The search lives in the URL (?q=&mrn=&birth_date=&level=&dual=&offset=) so
// Back returns to the same list; every filter is the server's.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { age } from '../lib/format.js';
import { allLevels } from '../lib/levels.js';
import { href, navigate } from '../lib/router.js';
import {
  DateField, DualBadge, ErrorBanner, LevelBadge, Loading, Pager, SelectField, TableWrap, TextField,
  errorFor, useAsync,
} from '../components/ui.js';

const LIMIT = 25;
const KEYS = ['q', 'mrn', 'birth_date', 'level', 'dual'];
const SEARCH_FIELDS = KEYS; // the server names these in error.field

function readQuery(query) {
  const f = {};
  for (const k of KEYS) f[k] = query.get(k) || '';
  f.offset = Math.max(0, parseInt(query.get('offset') || '0', 10) || 0);
  return f;
}

export function Patients({ query }) {
  const { me } = useApp();
  const current = readQuery(query);
  const [form, setForm] = useState(current);
  const set = (k) => (v) => setForm((f) => ({ ...f, [k]: v }));
  const multiSite = me.sites.length > 1;

  useEffect(() => {
    document.title = 'Patients · Tandem';
  }, []);
  useEffect(() => setForm(readQuery(query)), [query.toString()]);

  const list = useAsync(
    () =>
      get('/patients', {
        q: current.q, mrn: current.mrn, birth_date: current.birth_date, level: current.level,
        dual: current.dual === 'true' ? 'true' : undefined, limit: LIMIT, offset: current.offset,
      }),
    [query.toString()],
  );

  function search(e) {
    e.preventDefault();
    const q = {};
    for (const k of KEYS) q[k] = form[k].trim();
    navigate(href('/patients', q));
  }

  function clear() {
    const empty = { q: '', mrn: '', birth_date: '', level: '', dual: '', offset: 0 };
    setForm(empty);
    navigate('/patients');
  }

  const page = (offset) => navigate(href('/patients', { ...current, offset }));
  const err = list.error;
  const shown = list.data ? list.data.items : [];

  return html`<section class="page">
    <div class="page-head">
      <h1 tabindex="-1">Patients</h1>
      ${can(me, 'POST /api/v1/patients') ? html`<a class="btn btn-primary" href="/patients/new">New patient</a>` : null}
    </div>

    <form class="card search" role="search" aria-label="Find patients" onSubmit=${search} noValidate>
      <div class="grid search-grid">
        <${TextField} id="ps-q" label="Name" value=${form.q} onValue=${set('q')} error=${errorFor(err, 'q')}
          hint="Part of a family, given or preferred name" autocomplete="off" />
        <${TextField} id="ps-mrn" label="MRN" value=${form.mrn} onValue=${set('mrn')} error=${errorFor(err, 'mrn')}
          autocomplete="off" spellcheck="false" />
        <${DateField} id="ps-birth_date" label="Date of birth" value=${form.birth_date} onValue=${set('birth_date')}
          error=${errorFor(err, 'birth_date')} />
        <${SelectField} id="ps-level" label="Level of care" value=${form.level} onValue=${set('level')}
          error=${errorFor(err, 'level')}
          options=${[['', 'Any'], ...allLevels().map((l) => [l.id, l.label])]} />
        <${SelectField} id="ps-dual" label="Dual diagnosis" value=${form.dual} onValue=${set('dual')}
          error=${errorFor(err, 'dual')} options=${[['', 'Any'], ['true', 'Dual diagnosis only']]} />
      </div>
      <div class="actions">
        <button class="btn btn-primary" type="submit">Search</button>
        <button class="btn" type="button" onClick=${clear}>Clear</button>
      </div>
    </form>

    ${err && !SEARCH_FIELDS.includes(err.field) ? html`<${ErrorBanner} err=${err} />` : null}
    ${list.loading && !list.data ? html`<${Loading} what="Searching" />` : null}
    ${list.data
      ? html`
        <div class="card list-card">
          ${shown.length === 0
            ? html`<p class="empty" role="status">No patients match.</p>`
            : html`<${TableWrap} label="Patients found">
              <table class="table patients">
                <caption class="sr-only">Patients, ${list.data.total} found</caption>
                <thead><tr>
                  <th scope="col">Name</th><th scope="col">MRN</th><th scope="col">Date of birth</th>
                  <th scope="col">Level of care</th><th scope="col">Dual diagnosis</th>
                  ${multiSite ? html`<th scope="col">Site</th>` : null}
                </tr></thead>
                <tbody>
                  ${shown.map(
                    (p) => html`<tr key=${p.id}>
                      <td><a href=${`/patients/${p.id}`} class="rowlink">${p.family_name}, ${p.given_name}</a>
                        ${p.preferred_name ? html` <span class="muted">(${p.preferred_name})</span>` : null}</td>
                      <td class="mono nowrap">${p.mrn}</td>
                      <td class="nowrap">${p.birth_date} <span class="muted">(${age(p.birth_date)} y)</span></td>
                      <td><${LevelBadge} level=${p.level} short /></td>
                      <td>${p.dual_diagnosis ? html`<${DualBadge} />` : html`<span class="sr-only">No</span>`}</td>
                      ${multiSite ? html`<td>${p.site}</td>` : null}
                    </tr>`,
                  )}
                </tbody>
              </table>
            <//>`}
          <${Pager} total=${list.data.total} limit=${LIMIT} offset=${current.offset} onPage=${page} label="Patient list pages" />
        </div>`
      : null}
  </section>`;
}
