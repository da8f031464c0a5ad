// trend-chart.js - one instrument's totals over time (GET
// /api/v1/patients/{id}/trends), uPlot on a canvas:
//   - the instrument's severity bands shaded behind the points (drawn in the
//     drawClear hook) and named to the right of the plot;
//   - the patient's level-of-care placements as a coloured strip under the
//     plot, on the same time axis (colours from lib/levels.js);
//   - the baseline as a dashed line;
//   - events as labelled vertical lines: `markers` = [{at, label, kind}].
//     Response and remission come from the trend (outcomeMarkers below);
//     medication dose starts and changes join the same list (kind 'dose',
//     e.g. {at, label: 'methadone 60 mg', kind: 'dose'}; lib/meds.js
//     doseMarkers, used by chart/measures.js).
// The canvas and the hover read-out are hidden from screen readers; callers
// show the points in a table. The host element carries data-points (the
// number of points drawn) for tests.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { clinicZoneName, instant } from '../lib/format.js';
import { levelColor, levelShort } from '../lib/levels.js';
import { dayStartMs, instantMs, severityColor } from '../lib/measures.js';

const FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif';
const FONT = `12px ${FAMILY}`;
const INK = '#4a5563';
const LINE = '#0f6470';
const STRIP = 14; // css px: the level-of-care strip under the plot
const HINT = 'Point at or tap a score to see it.';
// Keep in step with .mk-<kind> in measures.css (the legend).
export const MARKER_COLOR = { response: '#1e7a4f', remission: '#0b5cad', dose: '#6f51a8', other: '#4a5563' };

// Response and remission of a trend as markers.
export function outcomeMarkers(trend) {
  const out = [];
  if (trend.response) out.push({ at: trend.response.at, label: 'Response', kind: 'response', total: trend.response.total });
  if (trend.remission) out.push({ at: trend.remission.at, label: 'Remission', kind: 'remission', total: trend.remission.total });
  return out;
}

// The y range: the instrument's whole scale, except that a long top band
// (CIWA-Ar 19-67) is cut to half again its start so low scores stay readable.
export function yRange(bands, totals) {
  if (!bands.length) return [0, Math.max(1, ...totals)];
  const lo = bands[0].min;
  const hi = bands[bands.length - 1].max;
  const top = bands[bands.length - 1].min;
  let max = hi;
  if (bands.length > 1 && hi - top > top - bands[bands.length - 2].min + 2 && hi > top * 1.6)
    max = Math.min(hi, Math.max(Math.ceil(top * 1.5), Math.max(...totals) + 2));
  return [lo, max];
}

// From the first score to the last score or the end of the last placement
// (today while the patient is in care), whichever is later.
function xRange(xs, spans) {
  const first = Math.min(...xs);
  const last = Math.max(...xs, ...spans.map((s) => s.to).filter((t) => t > first));
  const span = Math.max(last - first, 2 * 86400);
  const pad = span * 0.04;
  return [last - span - pad, last + pad];
}

const px = (n) => Math.round(n * uPlot.pxRatio);

function drawBands(u, bands) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  for (const b of bands) {
    const y1 = u.valToPos(b.max + 0.5, 'y', true);
    const y0 = u.valToPos(b.min - 0.5, 'y', true);
    ctx.fillStyle = severityColor(b.severity);
    ctx.fillRect(left, y1, width, y0 - y1);
  }
  ctx.restore();
}

// The bands' names in the space right of the plot (the y axis on side 1),
// each beside a chip of its colour, where the band is tall enough.
function drawBandNames(u, bands) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const x = left + width + px(8);
  ctx.save();
  ctx.font = `600 ${px(11)}px ${FAMILY}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const b of bands) {
    const y1 = Math.max(top, u.valToPos(b.max + 0.5, 'y', true));
    const y0 = Math.min(top + height, u.valToPos(b.min - 0.5, 'y', true));
    if (y0 - y1 < px(13)) continue;
    const y = (y0 + y1) / 2;
    ctx.fillStyle = severityColor(b.severity);
    ctx.fillRect(x, y - px(5), px(10), px(10));
    ctx.strokeStyle = 'rgba(31, 41, 51, 0.25)';
    ctx.lineWidth = px(1);
    ctx.strokeRect(x, y - px(5), px(10), px(10));
    ctx.fillStyle = INK;
    ctx.fillText(b.label, x + px(15), y);
  }
  ctx.restore();
}

// Room for the longest band name right of the plot, in css px.
function bandNamesWidth(bands) {
  const c = document.createElement('canvas').getContext('2d');
  c.font = `600 11px ${FAMILY}`;
  return Math.ceil(Math.max(40, ...bands.map((b) => c.measureText(b.label).width))) + 30;
}

function drawPlacements(u, spans) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  const y = top + height + px(4);
  const h = px(STRIP);
  ctx.save();
  ctx.fillStyle = '#eef1f4';
  ctx.fillRect(left, y, width, h);
  ctx.font = `600 ${px(10)}px ${FAMILY}`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  const [xmin, xmax] = [u.scales.x.min, u.scales.x.max];
  for (const s of spans) {
    const a = Math.max(s.from, xmin);
    const b = Math.min(s.to, xmax);
    if (b <= a) continue;
    const x0 = u.valToPos(a, 'x', true);
    const x1 = u.valToPos(b, 'x', true);
    ctx.fillStyle = levelColor(s.level);
    ctx.fillRect(x0, y, Math.max(px(2), x1 - x0 - px(1)), h);
    const label = levelShort(s.level);
    if (ctx.measureText(label).width + px(8) < x1 - x0) {
      ctx.fillStyle = '#fff';
      ctx.fillText(label, x0 + px(4), y + h / 2);
    }
  }
  ctx.restore();
}

function drawBaseline(u, baseline) {
  if (baseline === null || baseline === undefined) return;
  const { ctx } = u;
  const { left, width } = u.bbox;
  const y = u.valToPos(baseline, 'y', true);
  ctx.save();
  ctx.strokeStyle = INK;
  ctx.lineWidth = px(1.5);
  ctx.setLineDash([px(6), px(4)]);
  ctx.beginPath();
  ctx.moveTo(left, y);
  ctx.lineTo(left + width, y);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.font = `600 ${px(11)}px ${FAMILY}`;
  ctx.fillStyle = INK;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  ctx.fillText(`Baseline ${baseline}`, left + px(6), y - px(3));
  ctx.restore();
}

function drawMarkers(u, markers, xs, ys) {
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.font = `600 ${px(11)}px ${FAMILY}`;
  ctx.textBaseline = 'top';
  let lastEnd = -Infinity;
  let row = 0;
  for (const m of markers) {
    const t = instantMs(m.at) / 1000;
    if (!(t >= u.scales.x.min && t <= u.scales.x.max)) continue;
    const x = Math.round(u.valToPos(t, 'x', true));
    const color = MARKER_COLOR[m.kind] || MARKER_COLOR.other;
    ctx.strokeStyle = color;
    ctx.lineWidth = px(1.5);
    ctx.setLineDash([px(3), px(3)]);
    ctx.beginPath();
    ctx.moveTo(x, top);
    ctx.lineTo(x, top + height);
    ctx.stroke();
    ctx.setLineDash([]);
    // The label beside the line; a second row when it would touch the last.
    const w = ctx.measureText(m.label).width;
    const right = x + px(4) + w > left + width;
    const x0 = right ? x - px(4) - w : x + px(4);
    row = x0 < lastEnd + px(6) ? (row + 1) % 2 : 0;
    lastEnd = x0 + w;
    const ty = top + px(4) + row * px(15);
    ctx.fillStyle = 'rgba(255, 255, 255, 0.85)';
    ctx.fillRect(x0 - px(2), ty - px(1), w + px(4), px(14));
    ctx.fillStyle = color;
    ctx.textAlign = 'left';
    ctx.fillText(m.label, x0, ty);
    // A ring around the point the marker is about.
    const i = xs.indexOf(t);
    if (i >= 0) {
      ctx.lineWidth = px(2.5);
      ctx.beginPath();
      ctx.arc(x, u.valToPos(ys[i], 'y', true), px(8), 0, 2 * Math.PI);
      ctx.stroke();
    }
  }
  ctx.restore();
}

// trend: the API's trends object; markers: [{at, label, kind}].
export function TrendChart({ trend, markers = [], height = 280, label }) {
  const host = useRef(null);
  const out = useRef(null);
  const points = trend.points || [];
  useEffect(() => {
    const el = host.current;
    if (!el || !points.length) return undefined;
    const xs = points.map((p) => instantMs(p.at) / 1000);
    const ys = points.map((p) => p.total);
    const now = Date.now() / 1000;
    const bands = trend.bands || [];
    const spans = (trend.placements || []).map((p) => ({
      level: p.level,
      from: dayStartMs(p.started_on) / 1000,
      to: p.ended_on ? dayStartMs(p.ended_on) / 1000 : now,
    }));
    const say = (text) => {
      if (out.current) out.current.textContent = text;
    };
    const zone = clinicZoneName();
    let tzDate;
    try {
      uPlot.tzDate(new Date(), zone);
      tzDate = (ts) => uPlot.tzDate(new Date(ts * 1e3), zone);
    } catch {
      tzDate = undefined; /* a zone this browser does not know: its own */
    }
    const axis = { stroke: INK, font: FONT, ticks: { show: false } };
    const opts = {
      width: Math.max(280, el.clientWidth),
      height,
      ...(tzDate ? { tzDate } : {}),
      legend: { show: false },
      select: { show: false },
      cursor: { x: true, y: false, points: { size: 10 }, drag: { x: false, y: false, setScale: false } },
      scales: {
        x: { time: true, range: () => xRange(xs, spans) },
        y: { range: () => yRange(bands, ys) },
      },
      axes: [
        { ...axis, grid: { show: false }, size: STRIP + 46, gap: STRIP + 10 },
        {
          ...axis,
          size: 36,
          grid: { stroke: 'rgba(31, 41, 51, 0.08)', width: 1 },
          values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
        },
        { side: 1, scale: 'y', size: bandNamesWidth(bands), grid: { show: false }, ticks: { show: false }, values: () => [] },
      ],
      series: [
        {},
        {
          label: trend.instrument,
          stroke: LINE,
          width: 2,
          points: { show: true, size: 8, width: 2, stroke: LINE, fill: '#fff' },
        },
      ],
      hooks: {
        drawClear: [(u) => drawBands(u, bands)],
        draw: [
          (u) => {
            drawBandNames(u, bands);
            drawPlacements(u, spans);
            drawBaseline(u, trend.baseline);
            drawMarkers(u, markers, xs, ys);
          },
        ],
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            const p = i === null || i === undefined ? null : points[i];
            say(p ? `${instant(p.at)}: ${p.total} (${p.band})` : HINT);
          },
        ],
      },
    };
    const plot = new uPlot(opts, [xs, ys], el);
    el.dataset.points = String(plot.data[0].length);
    say(HINT);
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify(trend), JSON.stringify(markers), height]);
  return html`<div class="trend-chart">
    <div class="trend-plot" ref=${host} aria-hidden="true" data-instrument=${trend.instrument} data-label=${label}></div>
    <p class="chart-readout muted small" ref=${out} aria-hidden="true"></p>
  </div>`;
}
