// access.js - which roles may call which route, mirrored from
// src/http/routes.c (one line per route there, one line per route here).
// The web app shows an action only when the user holds one of its roles at
// the record's site; the server checks again and has the last word.
const A = 'admin', P = 'prescriber', N = 'nurse', T = 'therapist', I = 'intake', U = 'auditor';
const ALL = [A, P, N, T, I, U];

export const ROUTES = {
  'DELETE /api/v1/session': ALL,
  'GET /api/v1/me': ALL,
  'GET /api/v1/sites': ALL,
  'GET /api/v1/levels': ALL,
  'GET /api/v1/staff': [A, P, N, T],
  'GET /api/v1/patients': [A, P, N, T, I],
  'POST /api/v1/patients': [A, I],
  'GET /api/v1/patients/{id}': [A, P, N, T, I],
  'PATCH /api/v1/patients/{id}': [A, I],
  'GET /api/v1/patients/{id}/diagnoses': [A, P, N, T, I],
  'POST /api/v1/patients/{id}/diagnoses': [A, P, T],
  'POST /api/v1/diagnoses/{id}/status': [A, P, T],
  'GET /api/v1/patients/{id}/episodes': [A, P, N, T, I],
  'POST /api/v1/patients/{id}/episodes': [A, P, T, I],
  'GET /api/v1/episodes/{id}': [A, P, N, T, I],
  'POST /api/v1/episodes/{id}/placements': [A, P, T, I],
  'POST /api/v1/episodes/{id}/discharge': [A, P, T, I],
  'GET /api/v1/census': [A, P, N, T, I],
  'GET /api/v1/census/daily': [A, P, N, T, I],
  'GET /api/v1/audit': [A, U],
  'GET /api/v1/instruments': [A, P, N, T, I],
  'GET /api/v1/instruments/{code}': [A, P, N, T, I],
  'GET /api/v1/patients/{id}/assessments': [A, P, N, T, I],
  'POST /api/v1/patients/{id}/assessments': [A, P, N, T, I],
  'GET /api/v1/patients/{id}/trends': [A, P, N, T],
  'GET /api/v1/patients/{id}/flowsheet': [A, P, N, T],
  'GET /api/v1/patients/{id}/alerts': [A, P, N, T],
  'GET /api/v1/alerts': [A, P, N, T],
  'POST /api/v1/alerts/{id}/ack': [A, P, N, T],
  'GET /api/v1/patients/{id}/schedules': [A, P, N, T],
  'POST /api/v1/patients/{id}/schedules': [A, P, T],
  'POST /api/v1/schedules/{id}/stop': [A, P, T],
  'GET /api/v1/due': [A, P, N, T],
  'POST /api/v1/patients/{id}/checkins': [A, P, N, T, I],
  'GET /api/v1/patients/{id}/allergies': [A, P, N, T, I],
  'POST /api/v1/patients/{id}/allergies': [A, P, N, I],
  'POST /api/v1/allergies/{id}/status': [A, P, N],
  'GET /api/v1/patients/{id}/results': [A, P, N, T],
  'POST /api/v1/patients/{id}/results': [A, P, N],
  'POST /api/v1/results/{id}/void': [A, P, N],
  'GET /api/v1/formulary': [A, P, N, T, I],
  'GET /api/v1/formulary/{code}': [A, P, N, T, I],
  'GET /api/v1/patients/{id}/orders': [A, P, N, T],
  'POST /api/v1/patients/{id}/orders': [P],
  'GET /api/v1/orders/{id}': [A, P, N, T],
  'POST /api/v1/orders/{id}/events': [P],
  'POST /api/v1/orders/{id}/titration': [P],
  'POST /api/v1/orders/{id}/titration/pause': [P],
  'POST /api/v1/orders/{id}/titration/resume': [P],
  'POST /api/v1/orders/{id}/administrations': [A, P, N],
  'POST /api/v1/administrations/{id}/void': [A, P, N],
  'GET /api/v1/patients/{id}/mar': [A, P, N, T],
  'GET /api/v1/dosing': [A, P, N],
  'GET /api/v1/patients/{id}/take-homes/eligibility': [A, P, N],
  'POST /api/v1/patients/{id}/take-homes/decisions': [P],
  'POST /api/v1/patients/{id}/take-homes/education': [A, P, N],
  'POST /api/v1/patients/{id}/diversions': [A, P, N],
  'GET /api/v1/patients/{id}/take-homes': [A, P, N],
  'POST /api/v1/take-homes/{id}/returns': [A, P, N],
  'GET /api/v1/patients/{id}/monitoring': [A, P, N, T],
  'GET /api/v1/monitoring': [A, P, N],
  // Treatment plans: read A P N T, write P T.
  'GET /api/v1/patients/{id}/plans': [A, P, N, T],
  'POST /api/v1/patients/{id}/plans': [P, T],
  'GET /api/v1/plans/due': [A, P, N, T],
  'GET /api/v1/plans/{id}': [A, P, N, T],
  'GET /api/v1/plans/{id}/versions': [A, P, N, T],
  'GET /api/v1/plans/{id}/versions/{id}': [A, P, N, T],
  'POST /api/v1/plans/{id}/versions': [P, T],
  'POST /api/v1/plans/{id}/reviews': [P, T],
  'POST /api/v1/plans/{id}/sign': [P, T],
  // Therapy: sessions and attendance A P N T; notes written by P T, read by
  // A P N T; psychotherapy notes P T (their author only); triggers A P N T.
  'GET /api/v1/sessions': [A, P, N, T],
  'POST /api/v1/sessions': [A, P, N, T],
  'GET /api/v1/sessions/{id}': [A, P, N, T],
  'POST /api/v1/sessions/{id}/cancel': [A, P, N, T],
  'PUT /api/v1/sessions/{id}/attendance/{id}': [A, P, N, T],
  'GET /api/v1/patients/{id}/sessions': [A, P, N, T],
  'POST /api/v1/session-series': [A, P, N, T],
  'GET /api/v1/session-series/{id}': [A, P, N, T],
  'PUT /api/v1/session-series/{id}/roster': [A, P, N, T],
  'POST /api/v1/sessions/{id}/notes': [P, T],
  'GET /api/v1/patients/{id}/notes': [A, P, N, T],
  'GET /api/v1/notes/unsigned': [P, T],
  'GET /api/v1/notes/{id}': [A, P, N, T],
  'PUT /api/v1/notes/{id}': [P, T],
  'POST /api/v1/notes/{id}/sign': [P, T],
  'POST /api/v1/notes/{id}/cosign': [P, T],
  'POST /api/v1/notes/{id}/addenda': [P, T],
  'GET /api/v1/patients/{id}/psychotherapy-notes': [P, T],
  'POST /api/v1/patients/{id}/psychotherapy-notes': [P, T],
  'GET /api/v1/psychotherapy-notes/{id}': [P, T],
  'GET /api/v1/patients/{id}/triggers': [A, P, N, T],
  'POST /api/v1/patients/{id}/triggers': [A, P, N, T],
  'POST /api/v1/patients/{id}/coping-strategies': [A, P, N, T],
  'POST /api/v1/coping-strategies/{id}/ratings': [A, P, N, T],
  'POST /api/v1/patients/{id}/warning-signs': [A, P, N, T],
  'POST /api/v1/patients/{id}/support-contacts': [A, P, N, T],
  'POST /api/v1/patients/{id}/relapse-prevention/retire': [A, P, N, T],
  'GET /api/v1/patients/{id}/relapse-prevention': [A, P, N, T],
  // GET and POST /api/v1/checkin/{code} are public (pages/checkin.js).
};

// Roles of `me` (GET /api/v1/me) at the site with code `site`, or at any site.
export function rolesOf(me, site) {
  const out = new Set();
  for (const s of (me && me.sites) || []) if (!site || s.code === site) for (const r of s.roles || []) out.add(r);
  return out;
}

// True when `me` may call `route` ("POST /api/v1/patients") at `site` (a site
// code; omitted: at some site, as the router checks).
export function can(me, route, site) {
  const allowed = ROUTES[route];
  if (!allowed) throw new Error(`access.js: unknown route ${route}`);
  const held = rolesOf(me, site);
  return allowed.some((r) => held.has(r));
}

// Sites (objects from /me) where `me` may call `route`.
export function sitesFor(me, route) {
  return ((me && me.sites) || []).filter((s) => can(me, route, s.code));
}
