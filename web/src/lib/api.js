// api.js - every call to the Tandem JSON API (docs/api.md) goes through api().
//
// Errors come back as ApiError with the server's code, message and field
// ("address.city" for nested fields). Any 401 on an authenticated call ends
// the session: the handler set by setUnauthorizedHandler() returns the user
// to the login screen.
import { session } from './session.js';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `The request failed (HTTP ${status}).`);
    this.status = status;
    this.code = e.code || `http_${status}`;
    this.field = e.field || null;
    this.retryable = !!e.retryable;
    // The whole answer: a 409 from a medication rule carries `alerts` beside
    // `error` (docs/api.md, Medications).
    this.body = body || null;
    this.alerts = (body && Array.isArray(body.alerts)) ? body.alerts : [];
  }
}

let onUnauthorized = () => {};

export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function url(path, query) {
  let u = path.startsWith('/healthz') ? path : `/api/v1${path}`;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    const s = qs.toString();
    if (s) u += `?${s}`;
  }
  return u;
}

// api('GET', '/patients', undefined, {query: {q: 'ri'}}) -> parsed JSON body.
// opts.auth = false sends no token and does not treat 401 as a lost session.
// opts.headers adds request headers (e.g. Idempotency-Key).
export async function api(method, path, body, opts = {}) {
  const auth = opts.auth !== false;
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  const token = session.token();
  if (auth && token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url(path, opts.query), { method, headers, body: payload, cache: 'no-store', credentials: 'omit' });
  } catch {
    throw new ApiError(0, {
      error: { code: 'network', message: 'The server could not be reached. Check the connection and try again.' },
    });
  }
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, json);
    err.retryAfter = Number(res.headers.get('Retry-After')) || 0;
    if (res.status === 401 && auth) onUnauthorized(err);
    throw err;
  }
  return json;
}

export const get = (path, query) => api('GET', path, undefined, { query });
export const post = (path, body) => api('POST', path, body ?? {});
export const patch = (path, body) => api('PATCH', path, body);
