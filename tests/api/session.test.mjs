// session.test.mjs - log in, log out, throttling, bearer tokens, /me, /healthz.
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, PW } from './harness.mjs';

let s;
before(async () => {
  s = await startServer();
});
after(async () => {
  await s?.close();
});

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

test('login returns 201 with a bearer token and its expiry', async () => {
  const before = Date.now();
  const r = await s.login('admin', s.adminPw);
  expectStatus(r, 201);
  assert.equal(r.json.token_type, 'Bearer');
  assert.equal(typeof r.json.token, 'string');
  assert.ok(r.json.token.length >= 43, `token too short: ${r.json.token}`);
  assert.match(r.json.token, /^[A-Za-z0-9_-]+$/, 'token is base64url');
  assert.match(r.json.expires_at, INSTANT);
  const exp = Date.parse(r.json.expires_at);
  // Sessions last one shift (8 hours).
  assert.ok(exp > before + 7.9 * 3600e3 && exp < Date.now() + 8.1 * 3600e3, r.json.expires_at);
  // The password must not come back in any form.
  assert.ok(!r.text.includes(s.adminPw));

  // The token works, and two logins give two different tokens.
  const me = await s.req('GET', '/api/v1/me', { token: r.json.token });
  expectStatus(me, 200);
  assert.equal(me.json.username, 'admin');
  const r2 = await s.login('admin', s.adminPw);
  expectStatus(r2, 201);
  assert.notEqual(r2.json.token, r.json.token);
});

test('wrong password and unknown user get the same 401', async () => {
  const wrong = await s.login('nurse', 'not-the-password-at-all');
  expectError(wrong, 401, 'unauthorized', null);
  const unknown = await s.login('nobody-here', 'not-the-password-at-all');
  expectError(unknown, 401, 'unauthorized', null);
  assert.equal(wrong.json.error.message, unknown.json.error.message);
  assert.ok(!('token' in wrong.json) && !('token' in unknown.json));
  // Case matters: usernames are lower case.
  expectError(await s.login('NURSE', PW), 401, 'unauthorized', null);
  // The real password still works afterwards.
  expectStatus(await s.login('nurse', PW), 201);
});

test('login body is validated', async () => {
  expectError(await s.req('POST', '/api/v1/session', { body: { username: 'nurse' } }), 422, 'invalid', 'password');
  expectError(await s.req('POST', '/api/v1/session', { body: { password: PW } }), 422, 'invalid', 'username');
  expectError(
    await s.req('POST', '/api/v1/session', { body: { username: 'nurse', password: PW, remember: true } }),
    422, 'invalid', 'remember',
  );
  expectError(await s.req('POST', '/api/v1/session', { body: { username: 'nurse', password: 12 } }), 422, 'invalid', 'password');
  expectError(await s.req('POST', '/api/v1/session', { rawBody: 'username=nurse', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
});

test('after 5 failures for one user the right password gets 429 with Retry-After', async () => {
  s.cliOk(['user', 'add', 'lockme', '--role', 'nurse', '--password-stdin'], PW + '\n');
  for (let i = 0; i < 5; i++) {
    const r = await s.login('lockme', `wrong-password-${i}-xxxx`);
    expectError(r, 401, 'unauthorized', null);
  }
  const r = await s.login('lockme', PW);
  expectError(r, 429, 'throttled', null);
  assert.ok(!('token' in r.json));
  const ra = r.headers.get('retry-after');
  assert.ok(ra, 'Retry-After header is missing');
  assert.match(ra, /^\d+$/);
  assert.ok(Number(ra) > 0);
  // Still refused on the next try, and a wrong password is refused the same way.
  expectError(await s.login('lockme', PW), 429, 'throttled');
  expectError(await s.login('lockme', 'wrong-again-xxxxxx'), 429, 'throttled');
  // Other users from the same address are not locked out.
  const ok = await s.login('therapist', PW);
  expectStatus(ok, 201);
});

test('Retry-After on a locked-out login matches the lockout window', async () => {
  // The lockout lasts until the failures leave the 15-minute window; the
  // message says "try again in 15 minutes". A client that honours
  // Retry-After must not be told to come back while it is still locked out.
  s.cliOk(['user', 'add', 'lockme2', '--role', 'nurse', '--password-stdin'], PW + '\n');
  for (let i = 0; i < 5; i++) expectStatus(await s.login('lockme2', `wrong-password-${i}-xxxx`), 401);
  const r = await s.login('lockme2', PW);
  expectError(r, 429, 'throttled');
  const ra = Number(r.headers.get('retry-after'));
  assert.match(r.json.error.message, /15 minutes/);
  assert.ok(ra >= 14 * 60 && ra <= 15 * 60, `Retry-After is ${ra} s but the lockout lasts ~900 s: ${r.json.error.message}`);
});

test('requests without Authorization get 401 with WWW-Authenticate: Bearer', async () => {
  for (const [m, p] of [
    ['GET', '/api/v1/me'],
    ['GET', '/api/v1/patients'],
    ['GET', '/api/v1/patients/1'],
    ['GET', '/api/v1/census'],
    ['GET', '/api/v1/audit'],
    ['DELETE', '/api/v1/session'],
  ]) {
    const r = await s.req(m, p);
    expectError(r, 401, 'unauthorized', null);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer', `${m} ${p}`);
  }
  // A POST without a token is refused before its body is looked at.
  const r = await s.req('POST', '/api/v1/patients', { body: { family_name: 'X', given_name: 'Y', birth_date: '1990-01-01' } });
  expectError(r, 401, 'unauthorized');
  assert.equal(r.headers.get('www-authenticate'), 'Bearer');
  const list = await s.req('GET', '/api/v1/patients', { as: 'admin' });
  assert.equal(list.json.total, 0, 'the unauthenticated POST must not have created a patient');
});

test('garbage and malformed tokens get 401', async () => {
  const real = await s.token('nurse');
  const cases = [
    { Authorization: 'Bearer garbage' },
    { Authorization: 'Bearer ' + 'A'.repeat(43) },
    { Authorization: 'Bearer ' + real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A') },
    { Authorization: 'Bearer ' + real + 'x' },
    { Authorization: 'Bearer ' },
    { Authorization: 'Basic ' + Buffer.from('nurse:' + PW).toString('base64') },
    { Authorization: real },
  ];
  for (const headers of cases) {
    const r = await s.req('GET', '/api/v1/me', { headers });
    expectError(r, 401, 'unauthorized', null);
    assert.equal(r.headers.get('www-authenticate'), 'Bearer');
  }
  // The real token still works.
  expectStatus(await s.req('GET', '/api/v1/me', { token: real }), 200);
});

test('DELETE /api/v1/session revokes that token only', async () => {
  const a = await s.login('prescriber', PW);
  const b = await s.login('prescriber', PW);
  expectStatus(a, 201);
  expectStatus(b, 201);
  expectStatus(await s.req('GET', '/api/v1/me', { token: a.json.token }), 200);
  const del = await s.req('DELETE', '/api/v1/session', { token: a.json.token });
  expectStatus(del, 204);
  assert.equal(del.text, '');
  const after = await s.req('GET', '/api/v1/me', { token: a.json.token });
  expectError(after, 401, 'unauthorized');
  assert.equal(after.headers.get('www-authenticate'), 'Bearer');
  // Logging out twice with the same token is a 401 too.
  expectError(await s.req('DELETE', '/api/v1/session', { token: a.json.token }), 401, 'unauthorized');
  // The user's other session is untouched.
  const other = await s.req('GET', '/api/v1/me', { token: b.json.token });
  expectStatus(other, 200);
  assert.equal(other.json.username, 'prescriber');
});

test('GET /api/v1/me shows the user, roles and sites', async () => {
  const nurse = await s.req('GET', '/api/v1/me', { as: 'nurse' });
  expectStatus(nurse, 200);
  assert.equal(nurse.json.username, 'nurse');
  assert.equal(typeof nurse.json.id, 'number');
  assert.equal(nurse.json.roles, 'nurse');
  assert.deepEqual(
    nurse.json.sites.map((x) => ({ code: x.code, roles: x.roles })),
    [{ code: 'main', roles: ['nurse'] }],
  );
  assert.equal(nurse.json.sites[0].name, 'Main clinic');

  const north = await s.req('GET', '/api/v1/me', { as: 'northnurse' });
  expectStatus(north, 200);
  assert.equal(north.json.username, 'northnurse');
  assert.equal(north.json.roles, 'nurse');
  assert.deepEqual(
    north.json.sites.map((x) => ({ code: x.code, name: x.name, roles: x.roles })),
    [{ code: 'north', name: 'North clinic', roles: ['nurse'] }],
  );

  const admin = await s.req('GET', '/api/v1/me', { as: 'admin' });
  expectStatus(admin, 200);
  assert.equal(admin.json.roles, 'admin');
  assert.deepEqual(
    admin.json.sites.map((x) => [x.code, x.roles]).sort(),
    [['main', ['admin']], ['north', ['admin']]],
  );
  for (const u of ['prescriber', 'therapist', 'intake', 'auditor']) {
    const r = await s.req('GET', '/api/v1/me', { as: u });
    expectStatus(r, 200);
    assert.equal(r.json.roles, u);
    assert.deepEqual(r.json.sites.map((x) => x.code), ['main']);
  }
  // /sites lists the same sites, without roles.
  const sites = await s.req('GET', '/api/v1/sites', { as: 'northnurse' });
  expectStatus(sites, 200);
  assert.deepEqual(sites.json.items.map((x) => x.code), ['north']);
});

test('/healthz answers 200 without authentication', async () => {
  const r = await s.req('GET', '/healthz');
  expectStatus(r, 200);
  assert.equal(r.json.status, 'ok');
  assert.equal(typeof r.json.version, 'string');
  assert.ok(Number.isInteger(r.json.schema) && r.json.schema > 0);
  assert.equal(typeof r.json.time_zone, 'string');
  // A bad token does not matter on a public route.
  expectStatus(await s.req('GET', '/healthz', { token: 'garbage' }), 200);
});
