// session-form.js - schedule a therapy session (POST /api/v1/sessions) or a
// weekly series with a roster (POST /api/v1/session-series, "Repeat weekly"):
// kind, modality, clinician, room or telehealth, start (clinic time), length,
// patients. A double-booked clinician, room or patient answers 409 naming the
// other session; the form shows it with a link.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { post } from '../lib/api.js';
import { sitesFor } from '../lib/access.js';
import { useDraft } from '../lib/draft.js';
import { clinicZoneName, instant } from '../lib/format.js';
import { clinicInputToInstant } from '../lib/measures.js';
import { MODALITIES, SESSION_KINDS, SESSION_LIMITS, conflictSessionId, roomsOf } from '../lib/therapy.js';
import { PatientPicker } from '../components/patient-picker.js';
import { StaffList } from '../components/staff-list.js';
import { DateField, FormError, SelectField, TextField, errorFor, fieldId } from '../components/ui.js';

const FIELDS = ['kind', 'modality', 'title', 'clinician', 'room', 'telehealth', 'starts_at', 'minutes', 'patients', 'count', 'until'];

// The next full hour, clinic time, as a datetime-local value.
function nextHour() {
  const s = instant(new Date(Date.now() + 3600000).toISOString()); // "YYYY-MM-DD HH:MM TZ"
  return `${s.slice(0, 10)}T${s.slice(11, 13)}:00`;
}

const num = (s) => (String(s).trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : String(s).trim());

// The message of a field; "patients[1]" is shown by the patients picker.
function errAt(err, name) {
  if (!err || !err.field) return null;
  return err.field === name || err.field.startsWith(`${name}[`) || err.field.startsWith(`${name}.`) ? err.message : null;
}

export function SessionForm({ me, initialPatients = [], onSaved, onCancel }) {
  const form = 'ss-new';
  const site = (sitesFor(me, 'POST /api/v1/sessions')[0] || {}).code;
  const blank = {
    kind: initialPatients.length > 1 ? 'group' : 'individual', modality: 'cbt', title: '', clinician: me.username,
    where: '', starts: nextHour(), minutes: '60', patients: initialPatients, repeat: false, repeatBy: 'count', count: '8', until: '',
  };
  const [v, setV, clear] = useDraft(`ss-new-${initialPatients.map((p) => p.id).join('-')}`, blank);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (x) => setV((o) => ({ ...o, [k]: x }));
  const pSite = (v.patients[0] && v.patients[0].site) || site;
  const rooms = roomsOf(pSite);
  const where = v.where || (rooms[0] ? rooms[0][0] : 'telehealth');
  const prop = (name, label, extra = {}) => ({
    id: fieldId(form, name), label, value: v[name], error: errorFor(err, name), onValue: set(name), ...extra,
  });
  const max = v.kind === 'individual' ? 1 : v.kind === 'family' ? SESSION_LIMITS.max_family_patients : SESSION_LIMITS.max_group_size;
  const other = err && err.status === 409 ? conflictSessionId(err) : null;

  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    const body = {
      kind: v.kind, modality: v.modality, starts_at: clinicInputToInstant(v.starts), minutes: num(v.minutes),
      patients: v.patients.map((p) => p.id),
    };
    if (v.title.trim()) body.title = v.title.trim();
    if (v.clinician.trim() && v.clinician.trim() !== me.username) body.clinician = v.clinician.trim();
    if (where === 'telehealth') body.telehealth = true;
    else body.room = where;
    if (v.repeat) {
      if (v.repeatBy === 'until') body.until = v.until.trim();
      else body.count = num(v.count);
    }
    setBusy(true);
    try {
      const r = await post(v.repeat ? '/session-series' : '/sessions', body);
      clear();
      await onSaved(r, !!v.repeat);
    } catch (x) {
      setErr(x);
      setBusy(false);
    }
  }

  // Focus the field the server named, or the conflict (once it is shown).
  useEffect(() => {
    if (!err) return;
    const f = err.field && FIELDS.find((n) => err.field === n || err.field.startsWith(`${n}[`));
    const el = err.status === 409 ? document.getElementById('ss-conflict')
      : f && document.getElementById(fieldId(form, f === 'telehealth' ? 'room' : f));
    if (el) el.focus();
  }, [err]);

  return html`<form class="card form inline-form session-form" onSubmit=${submit} noValidate aria-labelledby="ss-new-heading">
    <div class="card-head">
      <h2 id="ss-new-heading">${v.repeat ? 'New weekly series' : 'Schedule a session'}</h2>
      ${onCancel ? html`<button type="button" class="btn btn-small btn-quiet" onClick=${onCancel}>Close</button>` : null}
    </div>
    ${err && err.status === 409
      ? html`<div class="alert error conflict" role="alert" id="ss-conflict" tabindex="-1">
          <strong>Double-booked.</strong> ${err.message}
          ${other ? html` <a href=${`/sessions/${other}`}>Open session ${other}</a>` : null}
        </div>`
      : html`<${FormError} err=${err} fields=${FIELDS.some((f) => errAt(err, f)) ? [err.field] : []} />`}
    <div class="grid session-grid">
      <${SelectField} ...${prop('kind', 'Kind', { options: SESSION_KINDS })} />
      <${SelectField} ...${prop('modality', 'Modality', { options: MODALITIES })} />
      <${TextField} ...${prop('title', 'Title', { autocomplete: 'off', hint: 'Optional, e.g. “Relapse prevention group”' })} />
      <${TextField} ...${prop('clinician', 'Clinician', { autocomplete: 'off', required: true, list: 'ss-staff', hint: 'Username; you by default' })} />
      <${StaffList} id="ss-staff" />
      <${SelectField} id=${fieldId(form, 'room')} label="Where" value=${where} onValue=${set('where')}
        error=${errorFor(err, 'room') || errorFor(err, 'telehealth')}
        options=${[...rooms, ['telehealth', 'Telehealth (video or phone)']]} />
      <${TextField} ...${prop('starts', 'Starts', {
        id: fieldId(form, 'starts_at'), type: 'datetime-local', required: true, error: errorFor(err, 'starts_at'),
        hint: `Clinic time (${clinicZoneName()})`,
      })} />
      <${TextField} ...${prop('minutes', 'Minutes', {
        inputmode: 'numeric', autocomplete: 'off', required: true, hint: `${SESSION_LIMITS.min_minutes}–${SESSION_LIMITS.max_minutes}`,
      })} />
    </div>
    <${PatientPicker} id=${fieldId(form, 'patients')} label=${v.kind === 'individual' ? 'Patient' : 'Patients'}
      value=${v.patients} onValue=${set('patients')} error=${errAt(err, 'patients')} max=${max}
      site=${v.patients[0] ? v.patients[0].site : undefined}
      hint=${v.kind === 'individual' ? 'One patient' : `Up to ${max}, all of one site`} />
    <fieldset class="repeat">
      <legend class="sr-only">Repeat</legend>
      <label class="check-label"><input type="checkbox" id=${fieldId(form, 'repeat')} checked=${!!v.repeat}
        onChange=${(e) => set('repeat')(e.currentTarget.checked)} /> Repeat weekly (a series with a roster)</label>
      ${v.repeat
        ? html`<div class="grid session-grid">
            <${SelectField} id=${fieldId(form, 'repeat-by')} label="Ends" value=${v.repeatBy} onValue=${set('repeatBy')}
              options=${[['count', 'After a number of sessions'], ['until', 'On a day']]} />
            ${v.repeatBy === 'until'
              ? html`<${DateField} ...${prop('until', 'Last day', { required: true })} />`
              : html`<${TextField} ...${prop('count', 'Sessions', {
                  inputmode: 'numeric', autocomplete: 'off', required: true, hint: `At most ${SESSION_LIMITS.max_series_sessions}`,
                })} />`}
          </div>`
        : null}
    </fieldset>
    <div class="actions">
      <button class="btn btn-primary" type="submit" disabled=${busy}>${v.repeat ? 'Create series' : 'Schedule session'}</button>
      ${onCancel ? html`<button class="btn" type="button" onClick=${onCancel}>Cancel</button>` : null}
    </div>
  </form>`;
}
