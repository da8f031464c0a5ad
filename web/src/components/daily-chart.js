// daily-chart.js - admissions and discharges per clinic day as paired bars,
// with the patients in care as a line on its own (right-hand) axis; uPlot on a
// canvas. The canvas and the hover read-out are hidden from screen readers;
// callers show the same numbers as text and in a table.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { plural, shortDate } from '../lib/format.js';

const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif';
const INK = '#4a5563';
// Keep in step with .swatch.daily-* in app.css (the legend).
const COLOR = { admissions: '#0f6470', discharges: '#c2620f', in_care: '#66727f' };
const HINT = 'Point at or tap a day to see its numbers.';

// The smallest whole 1, 2, 2.5 or 5 x 10^n that is at least `raw` (and at least 1).
function niceStep(raw) {
  if (!(raw > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw && Number.isInteger(m * p)) return m * p;
  return 10 * p;
}

// Both y axes get the same number of intervals, so the in-care labels on the
// right sit on the grid lines of the per-day axis on the left; the number is
// chosen to leave the least empty space above the data.
function yScales(maxBar, maxCare) {
  let best = null;
  for (let k = 3; k <= 6; k++) {
    const bar = niceStep(maxBar / k);
    const care = niceStep((maxCare * 1.04) / k);
    const waste = 1 - maxBar / (bar * k) + (1 - maxCare / (care * k));
    if (!best || waste < best.waste - 1e-9) best = { k, bar, care, waste };
  }
  return best;
}

const multiples = (step, k) => Array.from({ length: k + 1 }, (_, i) => i * step);

// Which days get a date under the x axis: every `step`-th day counting back
// from the last (today), with the step wide enough for the labels.
function daySplits(u, n) {
  const colPx = u.bbox.width / devicePixelRatio / Math.max(1, n);
  const step = [1, 2, 3, 5, 7, 14, 30, 60, 90].find((s) => s * colPx >= 52) || n;
  const out = [];
  for (let i = n - 1; i >= 0; i -= step) out.unshift(i);
  return out;
}

export function readout(d) {
  return `${shortDate(d.date, true)}: ${plural(d.admissions, 'admission')}, ${plural(d.discharges, 'discharge')}, ${d.in_care} in care`;
}

// days: [{date, admissions, discharges, in_care}], oldest first.
export function DailyChart({ days, height = 240 }) {
  const host = useRef(null);
  const out = useRef(null);
  useEffect(() => {
    const el = host.current;
    if (!el || !days.length) return undefined;
    const n = days.length;
    const xs = days.map((_, i) => i);
    const adm = days.map((d) => d.admissions);
    const dis = days.map((d) => d.discharges);
    const care = days.map((d) => d.in_care);
    const y = yScales(Math.max(0, ...adm, ...dis), Math.max(0, ...care));
    const say = (text) => {
      if (out.current) out.current.textContent = text;
    };
    const axis = { stroke: INK, font: FONT, ticks: { show: false } };
    const bars = (color, align) => ({
      width: 0,
      fill: color,
      points: { show: false },
      paths: uPlot.paths.bars({ size: [0.38, 14, 1], align }),
    });
    const opts = {
      width: Math.max(280, el.clientWidth),
      height,
      legend: { show: false },
      select: { show: false },
      cursor: { x: true, y: false, points: { show: false }, drag: { x: false, y: false, setScale: false } },
      scales: {
        x: { time: false, range: [-0.6, n - 0.4] },
        day: { range: [0, y.bar * y.k] },
        care: { range: [0, y.care * y.k] },
      },
      axes: [
        {
          ...axis,
          splits: (u) => daySplits(u, n),
          values: (u, splits) => splits.map((i) => (days[i] ? shortDate(days[i].date) : '')),
          grid: { show: false },
          size: 28,
          gap: 6,
        },
        {
          ...axis,
          scale: 'day',
          size: 40,
          splits: () => multiples(y.bar, y.k),
          values: (u, splits) => splits.map(String),
          grid: { stroke: '#e3e7ec', width: 1 },
        },
        {
          ...axis,
          scale: 'care',
          side: 1,
          size: 44,
          splits: () => multiples(y.care, y.k),
          values: (u, splits) => splits.map(String),
          grid: { show: false },
        },
      ],
      // The line first, so the bars are drawn over it and their tops stay clear.
      series: [
        {},
        { label: 'In care', scale: 'care', stroke: COLOR.in_care, width: 2, points: { show: false } },
        { label: 'Admissions', scale: 'day', ...bars(COLOR.admissions, -1) },
        { label: 'Discharges', scale: 'day', ...bars(COLOR.discharges, 1) },
      ],
      hooks: {
        setCursor: [
          (u) => {
            const i = u.cursor.idx;
            say(i === null || i === undefined || !days[i] ? HINT : readout(days[i]));
          },
        ],
      },
    };
    const plot = new uPlot(opts, [xs, care, adm, dis], el);
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
  }, [JSON.stringify(days), height]);
  return html`<div class="daily-chart">
    <ul class="legend" aria-hidden="true">
      <li><span class="swatch daily-admissions"></span>Admissions</li>
      <li><span class="swatch daily-discharges"></span>Discharges</li>
      <li><span class="swatch line daily-in-care"></span>In care (right-hand axis)</li>
    </ul>
    <div class="daily-plot" ref=${host} aria-hidden="true"></div>
    <p class="chart-readout muted small" ref=${out} aria-hidden="true"></p>
  </div>`;
}
