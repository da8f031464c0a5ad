// timeline.js - an episode's placements as horizontal bars on one time axis,
// each as long as the placement lasted (an open placement runs to today).
import { html } from 'htm/preact';
import { daysBetween, plural, today } from '../lib/format.js';
import { levelLabel, levelShort } from '../lib/levels.js';

const MIN_WIDTH = 1.2; // percent: a same-day placement stays visible

export function layout(episode, on = today()) {
  const ps = episode.placements || [];
  if (!ps.length) return { start: null, stop: null, rows: [] };
  const start = ps[0].started_on;
  const stop = episode.discharged_on || (ps[ps.length - 1].ended_on && episode.status !== 'open' ? ps[ps.length - 1].ended_on : on);
  const span = Math.max(1, daysBetween(start, stop));
  const rows = ps.map((p) => {
    const end = p.ended_on || stop;
    const days = Math.max(0, daysBetween(p.started_on, end));
    const width = Math.max(MIN_WIDTH, (days / span) * 100);
    const left = Math.min(Math.max(0, (daysBetween(start, p.started_on) / span) * 100), 100 - width);
    return { p, end, days, open: !p.ended_on, left, width };
  });
  return { start, stop, span, rows };
}

export function Timeline({ episode }) {
  const { start, stop, rows } = layout(episode);
  if (!rows.length) return html`<p class="muted">No placements.</p>`;
  const open = episode.status === 'open';
  return html`<figure class="timeline">
    <figcaption class="tl-path">
      <span class="sr-only">Level-of-care path: </span>
      ${rows.map((r, i) => html`${i ? html`<span class="tl-arrow" aria-hidden="true"> → </span>` : null}<span class="tl-step"><span class=${`swatch lvl-${r.p.level}`} aria-hidden="true"></span>${levelShort(r.p.level)}</span>`)}
    </figcaption>
    <ol class="tl-rows">
      ${rows.map(
        (r) => html`<li class="tl-row" key=${r.p.id} data-level=${r.p.level}>
          <span class="tl-label">
            <span class="tl-name">${levelShort(r.p.level)}</span>
            <span class="tl-asam">ASAM ${r.p.asam_level}</span>
          </span>
          <span class="tl-track" aria-hidden="true">
            <span class=${`tl-bar lvl-${r.p.level}${r.open ? ' open' : ''}`} style=${{ left: `${r.left}%`, width: `${r.width}%` }}
              title=${`${levelLabel(r.p.level)}: ${r.p.started_on} → ${r.open ? 'now' : r.end}`}></span>
          </span>
          <span class="tl-dates">
            <span class="nowrap">${r.p.started_on} → ${r.open ? html`<em>now</em>` : r.end}</span>
            <span class="tl-days">${plural(r.days, 'day')}${r.open ? ' so far' : ''}</span>
            <span class="sr-only">, ${levelLabel(r.p.level)}${r.p.reason ? `, reason: ${r.p.reason}` : ''}</span>
          </span>
        </li>`,
      )}
    </ol>
    <div class="tl-axis" aria-hidden="true">
      <span class="tl-axis-label">${start}</span>
      <span class="tl-axis-label">${open ? `${stop} (today)` : stop}</span>
    </div>
  </figure>`;
}
