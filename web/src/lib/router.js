// router.js - history-API routing. The server answers index.html for every
// path without a dot, so /patients/12/episodes can be loaded directly.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

function current() {
  return { path: location.pathname, query: new URLSearchParams(location.search), key: location.pathname + location.search };
}

function emit() {
  for (const f of listeners) f(current());
}

export function navigate(to, opts = {}) {
  if (to === location.pathname + location.search && !opts.force) return;
  history[opts.replace ? 'replaceState' : 'pushState'](null, '', to);
  emit();
}

export function useLocation() {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    listeners.add(setLoc);
    return () => listeners.delete(setLoc);
  }, []);
  return loc;
}

// Matches "/patients/:id/:tab?" against a path; returns params or null.
export function match(pattern, path) {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  const params = {};
  let i = 0;
  for (; i < p.length; i++) {
    const seg = p[i];
    const optional = seg.endsWith('?');
    if (seg.startsWith(':')) {
      const name = seg.slice(1).replace(/\?$/, '');
      if (s[i] === undefined) {
        if (optional) continue;
        return null;
      }
      params[name] = decodeURIComponent(s[i]);
    } else if (seg !== s[i]) {
      return null;
    }
  }
  return s.length <= p.length ? params : null;
}

// Builds "/patients?q=x" from a path and an object, leaving out empty values.
export function href(path, query = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

window.addEventListener('popstate', emit);

// Same-origin links navigate without a page load.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest && e.target.closest('a[href]');
  if (!a || a.target || a.hasAttribute('download') || a.origin !== location.origin) return;
  if (a.pathname.startsWith('/api/') || a.pathname === '/healthz') return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});
