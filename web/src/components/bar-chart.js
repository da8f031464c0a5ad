// bar-chart.js - a bar chart of categories (uPlot on a canvas), each bar in
// its own colour with its value above it. The canvas is hidden from screen
// readers; callers show the same numbers in a table.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Liberation Sans", sans-serif';
const INK = '#4a5563';

function niceMax(v) {
  if (v <= 5) return 5;
  const step = 10 ** Math.floor(Math.log10(v));
  return Math.ceil((v * 1.15) / step) * step;
}

function drawValues(u) {
  const { ctx } = u;
  const xs = u.data[0];
  const ys = u.data[1];
  ctx.save();
  ctx.font = `600 ${Math.round(12 * devicePixelRatio)}px system-ui, sans-serif`;
  ctx.fillStyle = '#1f2933';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'bottom';
  for (let i = 0; i < xs.length; i++) {
    const x = u.valToPos(xs[i], 'x', true);
    const y = u.valToPos(ys[i], 'y', true);
    ctx.fillText(String(ys[i]), x, y - 4 * devicePixelRatio);
  }
  ctx.restore();
}

// bars: [{label, value, color}]
export function BarChart({ bars, height = 260 }) {
  const host = useRef(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return undefined;
    const xs = bars.map((_, i) => i);
    const ys = bars.map((b) => b.value);
    const colors = bars.map((b) => b.color);
    const opts = {
      width: Math.max(280, el.clientWidth),
      height,
      legend: { show: false },
      cursor: { show: false },
      select: { show: false },
      scales: {
        x: { time: false, range: [-0.6, bars.length - 0.4] },
        y: { range: [0, niceMax(Math.max(0, ...ys))] },
      },
      axes: [
        {
          splits: () => xs,
          values: (u, splits) => splits.map((i) => (bars[i] ? bars[i].label : '')),
          grid: { show: false },
          ticks: { show: false },
          stroke: INK,
          font: FONT,
          size: 30,
          gap: 6,
        },
        {
          stroke: INK,
          font: FONT,
          size: 44,
          grid: { stroke: '#e3e7ec', width: 1 },
          ticks: { show: false },
          values: (u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : '')),
        },
      ],
      series: [
        {},
        {
          label: 'Patients',
          width: 0,
          fill: colors[0] || '#2f80b7',
          points: { show: false },
          paths: uPlot.paths.bars({ size: [0.62, 72], disp: { fill: { unit: 3, values: () => colors } } }),
        },
      ],
      hooks: { draw: [drawValues] },
    };
    const plot = new uPlot(opts, [xs, ys], el);
    const ro = new ResizeObserver(() => {
      const w = Math.max(280, el.clientWidth);
      if (w !== plot.width) plot.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify(bars), height]);
  return html`<div class="bar-chart" ref=${host} aria-hidden="true"></div>`;
}
