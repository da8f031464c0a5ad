// relapse.js - triggers and coping skills on the Therapy tab (GET
// /api/v1/patients/{id}/triggers): identified triggers by category, coping
// strategies linked to them with their effectiveness ratings (1 did not help
// to 5 helped a lot), warning signs and support contacts; add each, rate a
// strategy, retire an item with a reason (it leaves the printed plan and stays
// on the chart). "Print relapse-prevention plan" shows the patient's document
// (GET /api/v1/patients/{id}/relapse-prevention) alone on the page and opens
// the browser's print dialog; styles/therapy.css has the print rules.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../lib/api.js';
import { instant } from '../lib/format.js';
import { EFFECTIVENESS, TRIGGER_CATEGORIES, triggerCategoryLabel } from '../lib/therapy.js';
import { ErrorBanner, FormError, Loading, SelectField, TextField, errorFor, useAsync } from '../components/ui.js';

// A small form: fields [[name, label, kind ('text'|'select'), options?]],
// submit(values) -> promise. The server's field message shows by its input.
function SmallForm({ id, title, fields, initial, submitLabel, onSubmit, onClose, children }) {
  const [v, setV] = useState(initial);
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const el = document.getElementById(`${id}-${fields[0][0]}`);
    if (el) el.focus();
  }, []);
  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    setErr(null);
    setBusy(true);
    try {
      await onSubmit(v);
      setBusy(false);
      onClose();
    } catch (x) {
      setErr(x);
      setBusy(false);
      const el = x.field && document.getElementById(`${id}-${x.field}`);
      if (el) el.focus();
    }
  }
  return html`<form class="rp-form" onSubmit=${submit} noValidate aria-label=${title}>
    <${FormError} err=${err} fields=${fields.map((f) => f[0])} />
    <div class="grid rp-form-grid">
      ${fields.map(([name, label, kind, options, extra = {}]) => {
        const p = {
          key: name, id: `${id}-${name}`, label, value: v[name], error: errorFor(err, name),
          onValue: (x) => setV((o) => ({ ...o, [name]: x })), ...extra,
        };
        return kind === 'select' ? html`<${SelectField} ...${p} options=${options} />` : html`<${TextField} ...${p} autocomplete="off" />`;
      })}
    </div>
    ${children ? children(v, setV, err) : null}
    <div class="actions">
      <button class="btn btn-primary btn-small" type="submit" disabled=${busy}>${submitLabel}</button>
      <button class="btn btn-small" type="button" onClick=${onClose}>Cancel</button>
    </div>
  </form>`;
}

const stars = (n) => (n ? `${n}/5` : 'not rated');

function RetireButton({ ctx, kind, item, label, onDone }) {
  const [open, setOpen] = useState(false);
  if (!ctx.can('POST /api/v1/patients/{id}/relapse-prevention/retire')) return null;
  if (!open)
    return html`<button type="button" class="btn btn-small btn-quiet" onClick=${() => setOpen(true)}>Retire…<span class="sr-only"> ${label}</span></button>`;
  return html`<${SmallForm} id=${`rp-retire-${kind}-${item.id}`} title=${`Retire ${label}`} initial=${{ reason: '' }}
    fields=${[['reason', 'Reason for retiring']]} submitLabel="Retire"
    onSubmit=${async (v) => { await post(`/patients/${ctx.patient.id}/relapse-prevention/retire`, { kind, id: item.id, reason: v.reason.trim() }); await onDone(); }}
    onClose=${() => setOpen(false)} />`;
}

function Strategy({ s, triggers, ctx, reload }) {
  const [rating, setRating] = useState(false);
  const may = ctx.can('POST /api/v1/coping-strategies/{id}/ratings');
  const linked = triggers.filter((t) => (s.trigger_ids || []).includes(t.id));
  return html`<li class=${`rp-strategy${s.retired ? ' retired' : ''}`} data-strategy=${s.id}>
    <div class="rp-row">
      <span><strong>${s.description}</strong>
        ${s.retired ? html` <span class="badge muted">Retired</span>` : null}
        <span class="rp-eff small" data-latest=${s.latest_effectiveness || ''}> · latest ${stars(s.latest_effectiveness)}${s.latest_rated_on ? ` (${s.latest_rated_on})` : ''}${s.mean_effectiveness ? `, mean ${s.mean_effectiveness.toFixed(1)}` : ''}</span></span>
      <span class="rp-actions">
        ${may && !s.retired && !rating ? html`<button type="button" class="btn btn-small" onClick=${() => setRating(true)}>Rate…<span class="sr-only"> ${s.description}</span></button>` : null}
        ${!s.retired ? html`<${RetireButton} ctx=${ctx} kind="coping_strategy" item=${s} label=${s.description} onDone=${reload} />` : null}
      </span>
    </div>
    ${linked.length ? html`<div class="small muted">For: ${linked.map((t) => t.description).join('; ')}</div>` : null}
    ${rating
      ? html`<${SmallForm} id=${`rp-rate-${s.id}`} title=${`Rate ${s.description}`} initial=${{ effectiveness: '4', note: '' }}
          fields=${[['effectiveness', 'How well it worked', 'select', EFFECTIVENESS], ['note', 'Note']]} submitLabel="Save rating"
          onSubmit=${async (v) => {
            const body = { effectiveness: Number(v.effectiveness) };
            if (v.note.trim()) body.note = v.note.trim();
            await post(`/coping-strategies/${s.id}/ratings`, body);
            await reload();
          }} onClose=${() => setRating(false)} />`
      : null}
    ${(s.ratings || []).length > 1
      ? html`<details class="rp-ratings"><summary class="small">All ${s.ratings.length} ratings</summary>
          <ul class="small">${s.ratings.map((r) => html`<li key=${r.id}>${r.rated_on}: ${r.effectiveness}/5${r.note ? ` — ${r.note}` : ''} <span class="muted">(${r.recorded_by})</span></li>`)}</ul>
        </details>`
      : null}
  </li>`;
}

function PrintView({ ctx, onClose }) {
  const doc = useAsync(() => get(`/patients/${ctx.patient.id}/relapse-prevention`), [ctx.patient.id]);
  const d = doc.data;
  useEffect(() => {
    document.body.classList.add('print-rp');
    return () => document.body.classList.remove('print-rp');
  }, []);
  useEffect(() => {
    if (!d) return;
    const el = document.getElementById('rp-print-title');
    if (el) el.focus();
    window.print();
  }, [d]);
  return html`<section class="rp-print card" aria-labelledby="rp-print-title">
    <div class="toolbar rp-print-tools no-print">
      <button type="button" class="btn btn-primary" onClick=${() => window.print()} disabled=${!d}>Print</button>
      <button type="button" class="btn" onClick=${onClose}>Close</button>
    </div>
    <${ErrorBanner} err=${doc.error} />
    ${!d && !doc.error ? html`<${Loading} what="Preparing the plan" />` : null}
    ${d
      ? html`<article class="rp-doc">
          <h2 id="rp-print-title" tabindex="-1">${d.title}</h2>
          <p class="rp-who">${d.patient.preferred_name || d.patient.given_name} ${d.patient.family_name} · MRN ${d.patient.mrn}
            <span class="muted"> · printed ${instant(d.generated_at)}</span></p>
          <h3>My triggers and what I can do</h3>
          ${d.by_category.length
            ? d.by_category.map((c) => html`<section key=${c.category} class="rp-cat"><h4>${triggerCategoryLabel(c.category)}</h4>
                <ul>${c.triggers.map((t) => html`<li key=${t.id}><strong>${t.description}</strong>
                  ${t.coping.length ? html`<ul>${t.coping.map((x) => html`<li key=${x.id}>${x.description}${x.latest_effectiveness ? ` (helped ${x.latest_effectiveness}/5)` : ''}</li>`)}</ul>` : null}
                </li>`)}</ul></section>`)
            : html`<p>No triggers written down yet.</p>`}
          ${d.coping_strategies.length
            ? html`<h3>My coping strategies</h3><ul>${d.coping_strategies.map((s) => html`<li key=${s.id}>${s.description}</li>`)}</ul>`
            : null}
          <h3>My warning signs</h3>
          ${d.warning_signs.length ? html`<ul>${d.warning_signs.map((w) => html`<li key=${w.id}>${w.description}</li>`)}</ul>` : html`<p>None written down yet.</p>`}
          <h3>People I can call</h3>
          ${d.contacts.length
            ? html`<ul>${d.contacts.map((c) => html`<li key=${c.id}><strong>${c.name}</strong>${c.relationship ? ` (${c.relationship})` : ''}${c.phone ? ` — ${c.phone}` : ''}</li>`)}</ul>`
            : html`<p>None written down yet.</p>`}
          <h3>In a crisis</h3>
          <ul class="rp-crisis">${d.crisis_lines.map((l, i) => html`<li key=${i}>${l}</li>`)}</ul>
        </article>`
      : null}
  </section>`;
}

export function RelapsePrevention({ ctx }) {
  const pid = ctx.patient.id;
  const data = useAsync(() => get(`/patients/${pid}/triggers`), [pid]);
  const [adding, setAdding] = useState(null); // 'trigger' | 'coping' | 'warning' | 'contact'
  const [printing, setPrinting] = useState(false);
  const [showRetired, setShowRetired] = useState(false);
  const d = data.data;
  const may = (r) => ctx.can(r);
  const live = (l) => (l || []).filter((x) => showRetired || !x.retired);
  const retiredCount = d ? ['triggers', 'coping_strategies', 'warning_signs', 'contacts'].reduce((n, k) => n + d[k].filter((x) => x.retired).length, 0) : 0;
  const reload = () => data.reload();
  const close = () => setAdding(null);
  const addButton = (key, route, label) => (may(route) && adding !== key
    ? html`<button type="button" class="btn btn-small" onClick=${() => setAdding(key)}>${label}</button>` : null);

  if (printing) return html`<${PrintView} ctx=${ctx} onClose=${() => setPrinting(false)} />`;

  const triggers = d ? live(d.triggers) : [];
  const activeTriggers = d ? d.triggers.filter((t) => !t.retired) : [];
  return html`<section class="card rp" aria-labelledby="rp-title">
    <div class="card-head">
      <h2 id="rp-title">Triggers and coping skills</h2>
      <div class="toolbar">
        ${retiredCount ? html`<button type="button" class="btn btn-small btn-quiet" onClick=${() => setShowRetired(!showRetired)}>${showRetired ? 'Hide retired' : `Show retired (${retiredCount})`}</button>` : null}
        ${may('GET /api/v1/patients/{id}/relapse-prevention')
          ? html`<button type="button" class="btn btn-small" onClick=${() => setPrinting(true)}>Print relapse-prevention plan</button>` : null}
      </div>
    </div>
    <${ErrorBanner} err=${data.error} />
    ${!d && !data.error ? html`<${Loading} what="Loading triggers" />` : null}
    ${d
      ? html`<div class="rp-grid">
          <section class="rp-block" aria-labelledby="rp-triggers">
            <div class="card-head"><h3 id="rp-triggers">Triggers</h3>${addButton('trigger', 'POST /api/v1/patients/{id}/triggers', 'Add trigger…')}</div>
            ${adding === 'trigger'
              ? html`<${SmallForm} id="rp-trigger" title="Add a trigger" initial=${{ category: 'people', description: '' }}
                  fields=${[['category', 'Kind', 'select', TRIGGER_CATEGORIES], ['description', 'Trigger']]} submitLabel="Add trigger"
                  onSubmit=${async (v) => { await post(`/patients/${pid}/triggers`, { category: v.category, description: v.description.trim() }); await reload(); }}
                  onClose=${close} />`
              : null}
            ${triggers.length
              ? html`<ul class="rp-list">${triggers.map((t) => html`<li key=${t.id} data-trigger=${t.id} class=${t.retired ? 'retired' : ''}>
                  <div class="rp-row"><span><span class="badge muted">${triggerCategoryLabel(t.category)}</span> ${t.description}
                    ${t.retired ? html` <span class="badge muted">Retired</span>` : null}</span>
                    ${!t.retired ? html`<${RetireButton} ctx=${ctx} kind="trigger" item=${t} label=${t.description} onDone=${reload} />` : null}</div>
                </li>`)}</ul>`
              : html`<p class="muted small">No triggers recorded.</p>`}
          </section>
          <section class="rp-block" aria-labelledby="rp-coping">
            <div class="card-head"><h3 id="rp-coping">Coping strategies</h3>${addButton('coping', 'POST /api/v1/patients/{id}/coping-strategies', 'Add coping strategy…')}</div>
            ${adding === 'coping'
              ? html`<${SmallForm} id="rp-coping" title="Add a coping strategy" initial=${{ description: '', trigger_ids: [] }}
                  fields=${[['description', 'Coping strategy']]} submitLabel="Add strategy"
                  onSubmit=${async (v) => {
                    const body = { description: v.description.trim() };
                    if (v.trigger_ids.length) body.trigger_ids = v.trigger_ids;
                    await post(`/patients/${pid}/coping-strategies`, body);
                    await reload();
                  }} onClose=${close}>
                  ${(v, setV, err) => (activeTriggers.length
                    ? html`<fieldset class=${`rp-links${errorFor(err, 'trigger_ids') ? ' has-error' : ''}`}>
                        <legend class="small">For which triggers</legend>
                        ${activeTriggers.map((t) => html`<label class="check-label" key=${t.id}><input type="checkbox" checked=${v.trigger_ids.includes(t.id)}
                          onChange=${(e) => setV((o) => ({ ...o, trigger_ids: e.currentTarget.checked ? [...o.trigger_ids, t.id] : o.trigger_ids.filter((x) => x !== t.id) }))} />
                          ${t.description}</label>`)}
                        ${errorFor(err, 'trigger_ids') ? html`<p class="field-error">${errorFor(err, 'trigger_ids')}</p>` : null}
                      </fieldset>`
                    : null)}
                <//>`
              : null}
            ${live(d.coping_strategies).length
              ? html`<ul class="rp-list">${live(d.coping_strategies).map((s) => html`<${Strategy} key=${s.id} s=${s} triggers=${d.triggers} ctx=${ctx} reload=${reload} />`)}</ul>`
              : html`<p class="muted small">No coping strategies recorded.</p>`}
          </section>
          <section class="rp-block" aria-labelledby="rp-warning">
            <div class="card-head"><h3 id="rp-warning">Warning signs</h3>${addButton('warning', 'POST /api/v1/patients/{id}/warning-signs', 'Add warning sign…')}</div>
            ${adding === 'warning'
              ? html`<${SmallForm} id="rp-warning" title="Add a warning sign" initial=${{ description: '' }} fields=${[['description', 'Warning sign']]}
                  submitLabel="Add warning sign" onClose=${close}
                  onSubmit=${async (v) => { await post(`/patients/${pid}/warning-signs`, { description: v.description.trim() }); await reload(); }} />`
              : null}
            ${live(d.warning_signs).length
              ? html`<ul class="rp-list">${live(d.warning_signs).map((w) => html`<li key=${w.id} class=${w.retired ? 'retired' : ''}><div class="rp-row"><span>${w.description}
                  ${w.retired ? html` <span class="badge muted">Retired</span>` : null}</span>
                  ${!w.retired ? html`<${RetireButton} ctx=${ctx} kind="warning_sign" item=${w} label=${w.description} onDone=${reload} />` : null}</div></li>`)}</ul>`
              : html`<p class="muted small">No warning signs recorded.</p>`}
          </section>
          <section class="rp-block" aria-labelledby="rp-contacts">
            <div class="card-head"><h3 id="rp-contacts">Support contacts</h3>${addButton('contact', 'POST /api/v1/patients/{id}/support-contacts', 'Add contact…')}</div>
            ${adding === 'contact'
              ? html`<${SmallForm} id="rp-contact" title="Add a support contact" initial=${{ name: '', relationship: '', phone: '' }}
                  fields=${[['name', 'Name'], ['relationship', 'Relationship'], ['phone', 'Phone', 'text', null, { type: 'tel' }]]}
                  submitLabel="Add contact" onClose=${close}
                  onSubmit=${async (v) => {
                    const body = { name: v.name.trim() };
                    if (v.relationship.trim()) body.relationship = v.relationship.trim();
                    if (v.phone.trim()) body.phone = v.phone.trim();
                    await post(`/patients/${pid}/support-contacts`, body);
                    await reload();
                  }} />`
              : null}
            ${live(d.contacts).length
              ? html`<ul class="rp-list">${live(d.contacts).map((c) => html`<li key=${c.id} class=${c.retired ? 'retired' : ''}><div class="rp-row"><span><strong>${c.name}</strong>
                  ${c.relationship ? ` (${c.relationship})` : ''}${c.phone ? ` — ${c.phone}` : ''}${c.retired ? html` <span class="badge muted">Retired</span>` : null}</span>
                  ${!c.retired ? html`<${RetireButton} ctx=${ctx} kind="contact" item=${c} label=${c.name} onDone=${reload} />` : null}</div></li>`)}</ul>`
              : html`<p class="muted small">No contacts recorded.</p>`}
          </section>
        </div>`
      : null}
  </section>`;
}
