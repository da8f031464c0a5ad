// headers.test.mjs - every API response carries the security headers, a
// request id and a JSON content type, whatever its status.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectStatus, patientBody, PW } from './harness.mjs';

let s;
before(async () => {
  s = await startServer();
  await s.loginAll(['admin', 'therapist']);
});
after(async () => {
  await s?.close();
});

function checkHeaders(r, what, { json = true } = {}) {
  const h = r.headers;
  assert.equal(h.get('x-content-type-options'), 'nosniff', what);
  assert.equal(h.get('x-frame-options'), 'DENY', what);
  assert.equal(h.get('cache-control'), 'no-store', what);
  assert.equal(h.get('referrer-policy'), 'no-referrer', what);
  const csp = h.get('content-security-policy');
  assert.ok(csp, `${what}: no Content-Security-Policy`);
  assert.match(csp, /default-src 'none'/, what);
  assert.match(csp, /frame-ancestors 'none'/, what);
  assert.equal(h.get('cross-origin-resource-policy'), 'same-origin', what);
  const rid = h.get('x-request-id');
  assert.ok(rid, `${what}: no X-Request-Id`);
  assert.match(rid, /^[A-Za-z0-9_-]{8,39}$/, what);
  if (json) {
    assert.match(h.get('content-type') || '', /^application\/json(;|$)/, what);
    assert.doesNotThrow(() => JSON.parse(r.text), `${what}: body is not JSON: ${r.text.slice(0, 100)}`);
  }
  assert.equal(h.get('server'), null, `${what}: Server header reveals ${h.get('server')}`);
  assert.equal(h.get('access-control-allow-origin'), null, `${what}: CORS opened`);
}

test('200, 201, 204 responses carry the headers', async () => {
  let r = await s.req('GET', '/healthz');
  expectStatus(r, 200);
  checkHeaders(r, 'GET /healthz 200');
  r = await s.req('GET', '/api/v1/me', { as: 'admin' });
  expectStatus(r, 200);
  checkHeaders(r, 'GET /me 200');
  r = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody() });
  expectStatus(r, 201);
  checkHeaders(r, 'POST /patients 201');
  const login = await s.login('therapist', PW);
  expectStatus(login, 201);
  checkHeaders(login, 'POST /session 201');
  r = await s.req('DELETE', '/api/v1/session', { token: login.json.token });
  expectStatus(r, 204);
  checkHeaders(r, 'DELETE /session 204', { json: false });
  assert.equal(r.text, '');
});

test('error responses carry the headers', async () => {
  const cases = [
    [401, () => s.req('GET', '/api/v1/me')],
    [401, () => s.login('admin', 'wrong-password-xxx')],
    [403, () => s.req('GET', '/api/v1/audit', { as: 'therapist' })],
    [404, () => s.req('GET', '/api/v1/patients/424242', { as: 'admin' })],
    [404, () => s.req('GET', '/api/v1/nothing', { as: 'admin' })],
    [405, () => s.req('PUT', '/api/v1/me', { as: 'admin' })],
    [400, () => s.req('POST', '/api/v1/patients', { as: 'admin', rawBody: '{' })],
    [415, () => s.req('POST', '/api/v1/patients', { as: 'admin', rawBody: '{}', headers: { 'Content-Type': 'text/plain' } })],
    [422, () => s.req('POST', '/api/v1/patients', { as: 'admin', body: { family_name: 42 } })],
    [422, () => s.req('GET', '/api/v1/patients?limit=0', { as: 'admin' })],
    [413, () => s.req('POST', '/api/v1/patients', { as: 'admin', rawBody: '{"a":"' + 'x'.repeat(70000) + '"}' })],
    [413, () => s.req('GET', '/api/v1/' + 'a'.repeat(2100), { as: 'admin' })],
  ];
  for (const [status, send] of cases) {
    const r = await send();
    expectStatus(r, status);
    checkHeaders(r, `${status} ${r.text.slice(0, 80)}`);
    assert.ok(r.json.error && r.json.error.code, r.text);
  }
  // 401 also says how to authenticate.
  const r = await s.req('GET', '/api/v1/me');
  assert.equal(r.headers.get('www-authenticate'), 'Bearer');
});

test('429 carries the headers and Retry-After', async () => {
  s.cliOk(['user', 'add', 'throttled', '--role', 'nurse', '--password-stdin'], PW + '\n');
  for (let i = 0; i < 5; i++) expectStatus(await s.login('throttled', 'wrong-password-xxx'), 401);
  const r = await s.login('throttled', PW);
  expectStatus(r, 429);
  checkHeaders(r, '429');
  assert.match(r.headers.get('retry-after') || '', /^\d+$/);
});

test('X-Request-Id is taken from the request when well-formed, else generated', async () => {
  let r = await s.req('GET', '/healthz', { headers: { 'X-Request-Id': 'trace-abc-123' } });
  assert.equal(r.headers.get('x-request-id'), 'trace-abc-123');
  r = await s.req('GET', '/api/v1/me', { headers: { 'X-Request-Id': 'trace-abc-124' } });
  expectStatus(r, 401);
  assert.equal(r.headers.get('x-request-id'), 'trace-abc-124');
  for (const bad of ['has space', 'semi;colon', 'x'.repeat(40), '<script>', 'a\u00e9'.normalize()]) {
    let res;
    try {
      res = await s.req('GET', '/healthz', { headers: { 'X-Request-Id': bad } });
    } catch {
      continue; // the client refused to send it
    }
    const got = res.headers.get('x-request-id');
    assert.notEqual(got, bad);
    assert.match(got, /^[A-Za-z0-9_-]{8,39}$/);
  }
  // Generated ids differ per request.
  const a = await s.req('GET', '/healthz');
  const b = await s.req('GET', '/healthz');
  assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
});
