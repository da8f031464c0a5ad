// levels.js - levels of care: labels from GET /api/v1/levels, short names for
// tight spaces, and the colour each level has everywhere (CSS custom
// properties --lvl-<id> in app.css are the one source of the colours).
import { get } from './api.js';

const SHORT = {
  detox: 'Detox',
  residential: 'Residential',
  php: 'PHP',
  iop: 'IOP',
  outpatient: 'Outpatient',
  aftercare: 'Aftercare',
  otp: 'OTP',
};

let levels = [];

export async function loadLevels() {
  const r = await get('/levels');
  levels = r.items || [];
  return levels;
}

export const allLevels = () => levels;
export const levelInfo = (id) => levels.find((l) => l.id === id);
export const levelLabel = (id) => (levelInfo(id) || {}).label || SHORT[id] || id || '';
export const levelShort = (id) => SHORT[id] || levelLabel(id);

// The colour of a level, read from the stylesheet (for canvas charts).
export function levelColor(id) {
  const v = getComputedStyle(document.documentElement).getPropertyValue(`--lvl-${id}`).trim();
  return v || '#6b7785';
}
