// patient-form.js - register a patient (POST /api/v1/patients) or change
// demographics (PATCH /api/v1/patients/{id}, which needs a reason).
//
// The server validates; its message appears next to the field it names
// (error.field, "address.city" for nested ones) or above the form.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, patch, post } from '../lib/api.js';
import { sitesFor } from '../lib/access.js';
import { useApp } from '../lib/context.js';
import { useDraft, dropDraft } from '../lib/draft.js';
import { patientName } from '../lib/format.js';
import { navigate } from '../lib/router.js';
import { flash } from '../lib/flash.js';
import {
  DateField, ErrorBanner, FormError, Loading, SelectField, TextArea, TextField, errorFor, fieldId, useFocusError,
} from '../components/ui.js';

const FORM = 'pf';

// Every field of the form, in the API's names; nested ones use a dot.
const FIELDS = [
  'family_name', 'given_name', 'preferred_name', 'birth_date', 'sex_at_birth', 'gender_identity',
  'preferred_language', 'mrn', 'site', 'phone', 'email', 'address.line', 'address.city', 'address.region',
  'address.postal_code', 'emergency_contact.name', 'emergency_contact.relationship', 'emergency_contact.phone',
  'reason',
];

const SEX = [['unknown', 'Unknown'], ['female', 'Female'], ['male', 'Male'], ['intersex', 'Intersex']];

// API patient -> flat form values (strings).
function toForm(p) {
  const v = {};
  for (const f of FIELDS) {
    const [a, b] = f.split('.');
    const x = b ? (p && p[a] ? p[a][b] : null) : p ? p[a] : null;
    v[f] = x === null || x === undefined ? '' : String(x);
  }
  if (!v.sex_at_birth) v.sex_at_birth = 'unknown';
  return v;
}

// Flat form values -> API body. With `before`, only the changed fields, and an
// emptied field is sent as null (cleared).
function toBody(v, before) {
  const body = {};
  for (const f of FIELDS) {
    if (f === 'reason' || f === 'mrn' || f === 'site') continue;
    const now = v[f].trim();
    if (before && now === before[f].trim()) continue;
    if (!before && now === '') continue;
    const val = now === '' ? null : now;
    const [a, b] = f.split('.');
    if (b) (body[a] = body[a] || {})[b] = val;
    else body[a] = val;
  }
  if (!before) {
    if (v.mrn.trim()) body.mrn = v.mrn.trim();
    if (v.site) body.site = v.site;
  }
  return body;
}

export function PatientForm({ params }) {
  const editing = !!params.id;
  const { me } = useApp();
  const [loaded, setLoaded] = useState(editing ? null : toForm(null));
  const [loadErr, setLoadErr] = useState(null);

  useEffect(() => {
    document.title = `${editing ? 'Edit patient' : 'New patient'} · Tandem`;
    if (!editing) return;
    get(`/patients/${params.id}`).then((p) => setLoaded({ patient: p, values: toForm(p) }), setLoadErr);
  }, [params.id]);

  if (loadErr) return html`<section class="page"><h1 tabindex="-1">Edit patient</h1><${ErrorBanner} err=${loadErr} /></section>`;
  if (!loaded) return html`<section class="page"><${Loading} /></section>`;
  return editing
    ? html`<${Form} key=${params.id} me=${me} patient=${loaded.patient} initial=${loaded.values} />`
    : html`<${Form} me=${me} initial=${loaded} />`;
}

function Form({ me, patient, initial }) {
  const editing = !!patient;
  const draftKey = editing ? `patient-edit-${patient.id}-v${patient.version}` : 'patient-new';
  const sites = sitesFor(me, 'POST /api/v1/patients');
  const [v, setV, clearDraft] = useDraft(draftKey, { ...initial, site: initial.site || (sites[0] ? sites[0].code : '') });
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useFocusError(FORM, err, FIELDS);

  const set = (k) => (x) => setV((o) => ({ ...o, [k]: x }));
  const prop = (name, label, extra = {}) => ({
    id: fieldId(FORM, name), label, value: v[name], onValue: set(name), error: errorFor(err, name), ...extra,
  });

  async function submit(e) {
    e.preventDefault();
    setErr(null);
    const body = toBody(v, editing ? initial : null);
    if (editing) {
      if (Object.keys(body).length === 0) {
        setErr(new Error('Nothing has changed.'));
        return;
      }
      body.reason = v.reason.trim();
    }
    setBusy(true);
    try {
      const p = editing ? await patch(`/patients/${patient.id}`, body) : await post('/patients', body);
      clearDraft();
      dropDraft(draftKey);
      flash(editing ? `Saved. This is version ${p.version} of the record.` : `Registered ${patientName(p)} with MRN ${p.mrn}.`);
      navigate(`/patients/${p.id}`);
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }

  function cancel() {
    dropDraft(draftKey);
    navigate(editing ? `/patients/${patient.id}` : '/patients');
  }

  const title = editing ? `Edit ${patientName(patient)}` : 'New patient';
  return html`<section class="page narrow">
    <div class="page-head">
      <h1 id="pf-heading" tabindex="-1">${title}</h1>
      ${editing ? html`<span class="muted">MRN <span class="mono">${patient.mrn}</span> · version ${patient.version}</span>` : null}
    </div>
    <form class="card form" onSubmit=${submit} noValidate aria-labelledby="pf-heading">
      <${FormError} err=${err} fields=${FIELDS} />
      ${err && err.field && FIELDS.includes(err.field)
        ? html`<p class="alert error" role="alert">Please correct the field marked below.</p>` : null}
      <p class="fine">Fields marked <span class="req">*</span> are required.</p>

      <fieldset>
        <legend>Identity</legend>
        <div class="grid two">
          <${TextField} ...${prop('family_name', 'Family name', { required: true, autocomplete: 'off' })} />
          <${TextField} ...${prop('given_name', 'Given name', { required: true, autocomplete: 'off' })} />
          <${TextField} ...${prop('preferred_name', 'Preferred name', { autocomplete: 'off' })} />
          <${DateField} ...${prop('birth_date', 'Date of birth', { required: true, hint: 'YYYY-MM-DD' })} />
          <${SelectField} ...${prop('sex_at_birth', 'Sex assigned at birth', { options: SEX })} />
          <${TextField} ...${prop('gender_identity', 'Gender identity', { autocomplete: 'off' })} />
          <${TextField} ...${prop('preferred_language', 'Preferred language', { hint: 'A language tag: en, es, pt-BR', autocomplete: 'off' })} />
          ${editing ? null : html`<${TextField} ...${prop('mrn', 'MRN', { hint: 'Leave empty to have one assigned. It never changes.', autocomplete: 'off', spellcheck: 'false' })} />`}
          ${!editing && sites.length > 1
            ? html`<${SelectField} ...${prop('site', 'Site', { required: true, options: sites.map((s) => [s.code, s.name]) })} />`
            : null}
        </div>
      </fieldset>

      <fieldset>
        <legend>Contact</legend>
        <div class="grid two">
          <${TextField} ...${prop('phone', 'Phone', { type: 'tel', autocomplete: 'off' })} />
          <${TextField} ...${prop('email', 'Email', { type: 'email', autocomplete: 'off' })} />
          <${TextField} ...${prop('address.line', 'Street address', { wide: true, autocomplete: 'off' })} />
          <${TextField} ...${prop('address.city', 'City', { autocomplete: 'off' })} />
          <${TextField} ...${prop('address.region', 'State or region', { autocomplete: 'off' })} />
          <${TextField} ...${prop('address.postal_code', 'Postal code', { autocomplete: 'off' })} />
        </div>
      </fieldset>

      <fieldset>
        <legend>Emergency contact</legend>
        <div class="grid three">
          <${TextField} ...${prop('emergency_contact.name', 'Name', { autocomplete: 'off' })} />
          <${TextField} ...${prop('emergency_contact.relationship', 'Relationship', { autocomplete: 'off' })} />
          <${TextField} ...${prop('emergency_contact.phone', 'Phone', { type: 'tel', autocomplete: 'off' })} />
        </div>
      </fieldset>

      ${editing
        ? html`<fieldset><legend>Why</legend>
            <${TextArea} ...${prop('reason', 'Reason for the change', { required: true, wide: true, rows: 2,
              hint: 'Kept with this version of the record, e.g. "new phone number given at check-in".' })} />
          </fieldset>`
        : null}

      <div class="actions">
        <button class="btn btn-primary" type="submit" disabled=${busy}>${busy ? 'Saving…' : editing ? 'Save changes' : 'Register patient'}</button>
        <button class="btn" type="button" onClick=${cancel}>Cancel</button>
      </div>
    </form>
  </section>`;
}
