// bad-input.test.mjs - one test per class of bad input. Each asserts the
// status, error.code, error.field where there is one, and that nothing was
// written. (req() itself asserts that no response is a 5xx.)
import assert from 'node:assert/strict';
import { before, after } from 'node:test';
import { startServer, test, expectError, expectStatus, day, patientBody } from './harness.mjs';

let s;
let pid; // a patient with one diagnosis
let eid; // its open episode

before(async () => {
  s = await startServer();
  await s.loginAll(['admin']);
  const p = await s.req('POST', '/api/v1/patients', { as: 'admin', body: patientBody({ family_name: 'Baseline' }) });
  expectStatus(p, 201);
  pid = p.json.id;
  expectStatus(await s.req('POST', `/api/v1/patients/${pid}/diagnoses`, { as: 'admin', body: { code: 'F10.20' } }), 201);
  const e = await s.req('POST', `/api/v1/patients/${pid}/episodes`, { as: 'admin', body: { level: 'detox', admitted_on: day(-10) } });
  expectStatus(e, 201);
  eid = e.json.id;
});
after(async () => {
  await s?.close();
});

const as = (o = {}) => ({ as: 'admin', ...o });

// Everything a bad request could have written, in one comparable value.
async function snapshot() {
  const pts = await s.req('GET', '/api/v1/patients?limit=200', as());
  expectStatus(pts, 200);
  const dx = await s.req('GET', `/api/v1/patients/${pid}/diagnoses`, as());
  expectStatus(dx, 200);
  const ep = await s.req('GET', `/api/v1/patients/${pid}/episodes`, as());
  expectStatus(ep, 200);
  return {
    patients: pts.json.total,
    records: pts.json.items.map((p) => `${p.id}:${p.version}:${p.family_name}:${p.given_name}:${p.birth_date}`),
    diagnoses: dx.json.items.map((d) => `${d.id}:${d.code}:${d.status}`),
    episodes: ep.json.items.map((e) => `${e.id}:${e.status}:${e.placements.length}`),
  };
}

// Runs fn (which makes the bad requests) and asserts nothing changed.
async function unchanged(fn) {
  const before = await snapshot();
  await fn();
  assert.deepEqual(await snapshot(), before, 'a refused request must write nothing');
}

const post = (path, o) => s.req('POST', path, as(o));
const createPatient = (o) => post('/api/v1/patients', o);

test('malformed JSON is 400 bad_json', async () => {
  await unchanged(async () => {
    for (const raw of [
      '{"family_name": ',
      '{family_name: "A"}',
      "{'family_name': 'A'}",
      '{"family_name": "A",}',
      '{"a":1}{"b":2}',
      '\u00ff\u00fe',
      '',
    ]) {
      const r = await createPatient({ rawBody: raw });
      expectError(r, 400, 'bad_json', null);
    }
    // Duplicate keys are refused, not silently resolved.
    const dup = await createPatient({ rawBody: '{"family_name":"A","family_name":"B","given_name":"C","birth_date":"1990-01-01"}' });
    expectError(dup, 400, 'bad_json');
    expectError(await post(`/api/v1/episodes/${eid}/discharge`, { rawBody: '{"reason":"completed"' }), 400, 'bad_json');
  });
});

test('a body that is not a JSON object is 400', async () => {
  await unchanged(async () => {
    for (const raw of ['[]', '[{"family_name":"A"}]', '"text"', '42', 'true', 'null']) {
      expectError(await createPatient({ rawBody: raw }), 400, 'bad_json', null);
    }
    expectError(await post(`/api/v1/patients/${pid}/diagnoses`, { rawBody: '["F11.20"]' }), 400, 'bad_json');
  });
});

test('wrong types are 422 naming the field', async () => {
  await unchanged(async () => {
    const cases = [
      [{ family_name: 42 }, 'family_name'],
      [{ given_name: true }, 'given_name'],
      [{ given_name: ['Al'] }, 'given_name'],
      [{ birth_date: 19850412 }, 'birth_date'],
      [{ phone: 5550100 }, 'phone'],
      [{ address: 'Main St 1' }, 'address'],
      [{ address: { city: 7 } }, 'address.city'],
      [{ emergency_contact: ['x'] }, 'emergency_contact'],
      [{ site: 1 }, 'site'],
    ];
    for (const [over, field] of cases) {
      const r = await createPatient({ body: patientBody(over) });
      expectError(r, 422, 'invalid', field);
    }
    expectError(await post(`/api/v1/patients/${pid}/diagnoses`, { body: { code: 1120 } }), 422, 'invalid', 'code');
    expectError(await post(`/api/v1/episodes/${eid}/placements`, { body: { level: 3, reason: 'x' } }), 422, 'invalid', 'level');
    expectError(await post(`/api/v1/episodes/${eid}/discharge`, { body: { reason: { code: 'completed' } } }), 422, 'invalid', 'reason');
    expectError(await s.req('PATCH', `/api/v1/patients/${pid}`, as({ body: { given_name: 'X', reason: 5 } })), 422, 'invalid', 'reason');
  });
});

test('missing required fields are 422 naming the field', async () => {
  await unchanged(async () => {
    expectError(await createPatient({ body: {} }), 422, 'invalid', 'family_name');
    expectError(await createPatient({ body: { given_name: 'A', birth_date: '1990-01-01' } }), 422, 'invalid', 'family_name');
    expectError(await createPatient({ body: { family_name: 'A', birth_date: '1990-01-01' } }), 422, 'invalid', 'given_name');
    expectError(await createPatient({ body: { family_name: 'A', given_name: 'B' } }), 422, 'invalid', 'birth_date');
    expectError(await createPatient({ body: { family_name: '', given_name: 'B', birth_date: '1990-01-01' } }), 422, 'invalid', 'family_name');
    expectError(await createPatient({ body: { family_name: null, given_name: 'B', birth_date: '1990-01-01' } }), 422, 'invalid', 'family_name');
    expectError(await post(`/api/v1/patients/${pid}/diagnoses`, { body: {} }), 422, 'invalid', 'code');
    expectError(await post(`/api/v1/patients/${pid}/episodes`, { body: {} }), 422, 'invalid', 'level');
    expectError(await post(`/api/v1/episodes/${eid}/placements`, { body: { level: 'residential' } }), 422, 'invalid', 'reason');
    expectError(await post(`/api/v1/episodes/${eid}/discharge`, { body: {} }), 422, 'invalid', 'reason');
    expectError(await post('/api/v1/diagnoses/1/status', { body: { reason: 'x' } }), 422, 'invalid', 'status');
    expectError(await s.req('PATCH', `/api/v1/patients/${pid}`, as({ body: { reason: 'nothing to change' } })), 422, 'invalid');
  });
});

test('unknown fields are 422 and the error names them', async () => {
  await unchanged(async () => {
    let r = await createPatient({ body: patientBody({ ssn: '123-45-6789' }) });
    expectError(r, 422, 'invalid', 'ssn');
    assert.match(r.json.error.message, /ssn/);
    r = await createPatient({ body: patientBody({ address: { city: 'X', country: 'US' } }) });
    expectError(r, 422, 'invalid', 'address');
    assert.match(r.json.error.message, /address\.country/);
    r = await createPatient({ body: patientBody({ reason: 'not on create' }) });
    expectError(r, 422, 'invalid', 'reason');
    r = await post(`/api/v1/patients/${pid}/diagnoses`, { body: { code: 'F11.20', severity: 'high' } });
    expectError(r, 422, 'invalid', 'severity');
    r = await post(`/api/v1/episodes/${eid}/placements`, { body: { level: 'residential', reason: 'x', bed: '4' } });
    expectError(r, 422, 'invalid', 'bed');
    r = await s.req('PATCH', `/api/v1/patients/${pid}`, as({ body: { given_name: 'X', reason: 'r', Given_Name: 'Y' } }));
    expectError(r, 422, 'invalid', 'Given_Name');
  });
});

test('unknown or malformed ICD-10 codes are 422 with field code', async () => {
  await unchanged(async () => {
    for (const code of ['Z99.9', 'F11', 'XYZ', 'F11.', 'F11.50', 'F1.20', 'F11..20', '', ' F11.20', 'F11.20.1', 'F05.9', 'F70', 'A00.0', 'F11.20000000000000']) {
      const r = await post(`/api/v1/patients/${pid}/diagnoses`, { body: { code } });
      expectError(r, 422, 'invalid', 'code');
    }
  });
});

test('impossible dates are 422 naming the date field', async () => {
  await unchanged(async () => {
    for (const birth_date of ['2023-02-30', '2023-13-01', '2023-00-10', '2023-04-31', '2023-02-29', '1990-1-1',
      '01/02/1990', '1990-01-01T00:00:00Z', day(3), '1890-01-01']) {
      const r = await createPatient({ body: patientBody({ birth_date }) });
      expectError(r, 422, 'invalid', 'birth_date');
    }
    expectError(await post(`/api/v1/patients/${pid}/diagnoses`, { body: { code: 'F11.20', onset_date: '2023-02-30' } }), 422, 'invalid', 'onset_date');
    expectError(await post(`/api/v1/patients/${pid}/diagnoses`, { body: { code: 'F11.20', onset_date: day(4) } }), 422, 'invalid', 'onset_date');
    expectError(await post(`/api/v1/episodes/${eid}/placements`, { body: { level: 'residential', reason: 'x', started_on: '2024-02-30' } }), 422, 'invalid', 'started_on');
    expectError(await post(`/api/v1/episodes/${eid}/discharge`, { body: { reason: 'completed', discharged_on: '2024-13-01' } }), 422, 'invalid', 'discharged_on');
    expectError(await s.req('GET', '/api/v1/patients?birth_date=2023-02-30', as()), 422, 'invalid', 'birth_date');
  });
  // A leap day is a real day.
  const r = await createPatient({ body: patientBody({ birth_date: '2024-02-29' }) });
  expectStatus(r, 201);
});

test('a body over 64 KiB is 413', async () => {
  await unchanged(async () => {
    const big = JSON.stringify(patientBody({ family_name: 'x'.repeat(70 * 1024) }));
    const r = await createPatient({ rawBody: big });
    expectError(r, 413, 'too_large', null);
    const huge = await createPatient({ rawBody: '{"a":"' + 'y'.repeat(1024 * 1024) + '"}' });
    expectError(huge, 413, 'too_large');
    // Just under the limit is parsed (and refused for its content, not its size).
    const near = await createPatient({ rawBody: JSON.stringify(patientBody({ family_name: 'x'.repeat(60 * 1024) })) });
    expectError(near, 422, 'invalid', 'family_name');
  });
});

test('JSON nested deeper than 8 levels is 400', async () => {
  await unchanged(async () => {
    let deep = '"x"';
    for (let i = 0; i < 9; i++) deep = `{"a":${deep}}`;
    const body = `{"family_name":"A","given_name":"B","birth_date":"1990-01-01","address":${deep}}`;
    const r = await createPatient({ rawBody: body });
    expectError(r, 400, 'bad_json', null);
    assert.match(r.json.error.message, /nested|deep/);
    expectError(await createPatient({ rawBody: '['.repeat(5000) + ']'.repeat(5000) }), 400, 'bad_json');
    expectError(await createPatient({ rawBody: '['.repeat(50000) + ']'.repeat(50000) }), 413, 'too_large');
    // Unbalanced, deep and unterminated.
    expectError(await createPatient({ rawBody: '{"a":' + '['.repeat(20000) }), 400, 'bad_json');
  });
  // Brackets inside strings do not count.
  const ok = await createPatient({ body: patientBody({ gender_identity: '[[[[[[[[[[{{{{{{{{{{' }) });
  expectStatus(ok, 201);
  assert.equal(ok.json.gender_identity, '[[[[[[[[[[{{{{{{{{{{');
});

test('a body that is not declared as JSON is 415', async () => {
  await unchanged(async () => {
    const body = JSON.stringify(patientBody());
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/json-patch+json', 'multipart/form-data; boundary=x']) {
      const r = await createPatient({ rawBody: body, headers: { 'Content-Type': ct } });
      expectError(r, 415, 'unsupported_media_type', null);
    }
    // No Content-Type at all.
    const res = await fetch(s.base + '/api/v1/patients', {
      method: 'POST',
      headers: { Authorization: `Bearer ${await s.token('admin')}` },
      body: new Blob([body]),
    });
    assert.equal(res.status, 415, await res.text());
  });
  // Parameters and case are fine.
  const ok = await createPatient({ body: patientBody(), headers: { 'Content-Type': 'Application/JSON; charset=utf-8' } });
  expectStatus(ok, 201);
});

test('unknown API routes are 404', async () => {
  // (Paths outside /api/ and /healthz belong to the web app's static files.)
  for (const p of ['/api/v1/nothing', '/api/v2/patients', '/api/v1/patients/1/nonsense', '/api/v1/patients/',
    '/api/v1', '/api/', '/api/v1/ME', '/api/v1/patients//1', '/api/v1/me/']) {
    const r = await s.req('GET', p, as());
    expectError(r, 404, 'not_found', null);
    assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
  }
  for (const m of ['POST', 'DELETE', 'PATCH']) {
    expectError(await s.req(m, '/api/v1/nothing', as({ body: {} })), 404, 'not_found');
  }
  // Unknown routes are 404 before authentication.
  expectError(await s.req('GET', '/api/v1/nothing'), 404, 'not_found');
});

test('a wrong method is 405 with an Allow header', async () => {
  await unchanged(async () => {
    const cases = [
      ['DELETE', `/api/v1/patients/${pid}`, ['GET', 'PATCH']],
      ['PUT', '/api/v1/patients', ['GET', 'POST']],
      ['POST', '/api/v1/census', ['GET']],
      ['GET', '/api/v1/session', ['POST', 'DELETE']],
      ['PATCH', `/api/v1/episodes/${eid}`, ['GET']],
      ['GET', `/api/v1/episodes/${eid}/discharge`, ['POST']],
      ['DELETE', '/api/v1/audit', ['GET']],
    ];
    for (const [m, p, allow] of cases) {
      const r = await s.req(m, p, as({ body: m === 'GET' ? undefined : {} }));
      expectError(r, 405, 'method_not_allowed', null);
      const got = (r.headers.get('allow') || '').split(',').map((x) => x.trim()).filter(Boolean).sort();
      assert.deepEqual(got, [...allow].sort(), `${m} ${p}: Allow ${r.headers.get('allow')}`);
    }
  });
});

test('a non-numeric, zero or malformed id in the path is 404', async () => {
  await unchanged(async () => {
    for (const id of ['abc', '0', '00', '01', '-1', '+1', '1.5', '1e3', '%201', '9999999999999999', 'NaN', '0x1', '1%2F', '１']) {
      const r = await s.req('GET', `/api/v1/patients/${id}`, as());
      expectError(r, 404, 'not_found');
    }
    expectError(await post('/api/v1/patients/abc/diagnoses', { body: { code: 'F11.20' } }), 404, 'not_found');
    expectError(await post('/api/v1/episodes/0/discharge', { body: { reason: 'completed' } }), 404, 'not_found');
    // A well-formed id that does not exist is a 404 too, naming the record.
    expectError(await s.req('GET', '/api/v1/patients/999999999', as()), 404, 'not_found', 'patient');
  });
});

test('an encoded NUL in the path does not truncate it to another route', async () => {
  // "/api/v1/patients/1%00" is not "/api/v1/patients/1".
  for (const p of [`/api/v1/patients/${pid}%00`, `/api/v1/patients/${pid}%00/diagnoses`, '/api/v1/me%00x']) {
    const r = await s.req('GET', p, as());
    assert.ok([400, 404].includes(r.status), `GET ${p}: expected 400 or 404, got ${r.status}: ${r.text.slice(0, 200)}`);
  }
});

test('unknown query parameters are 422 naming them', async () => {
  await unchanged(async () => {
    for (const [p, field] of [
      ['/api/v1/patients?name=Baseline', 'name'],
      ['/api/v1/patients?q=a&Limit=5', 'Limit'],
      ['/api/v1/census?level=detox', 'level'],
      ['/api/v1/audit?user=admin', 'user'],
    ]) {
      const r = await s.req('GET', p, as());
      expectError(r, 422, 'invalid', field);
      assert.ok(r.json.error.message.includes(field), r.text);
    }
    // More than 16 parameters.
    const many = Array.from({ length: 17 }, () => 'q=a').join('&');
    expectError(await s.req('GET', '/api/v1/patients?' + many, as()), 422, 'invalid');
  });
});

test('an unknown level of care as a search filter is 422, not an empty list', async () => {
  // `level` is one of the seven levels; "IOP" or "spa" is a typo the user
  // should hear about, like an unknown query parameter.
  for (const level of ['spa', 'IOP', 'x'.repeat(20)]) {
    const r = await s.req('GET', `/api/v1/patients?level=${level}`, as());
    expectError(r, 422, 'invalid', 'level');
  }
  const ok = await s.req('GET', '/api/v1/patients?level=detox', as());
  expectStatus(ok, 200);
  assert.ok(ok.json.items.some((p) => p.id === pid));
});

test('limit and offset outside their range are 422', async () => {
  for (const [qs, field] of [
    ['limit=0', 'limit'],
    ['limit=1000', 'limit'],
    ['limit=201', 'limit'],
    ['limit=-5', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=', 'limit'],
    ['limit=5.5', 'limit'],
    ['limit=+5', 'limit'],
    ['limit=99999999999999999999', 'limit'],
    ['offset=-1', 'offset'],
    ['offset=1000001', 'offset'],
    ['offset=x', 'offset'],
  ]) {
    const r = await s.req('GET', '/api/v1/patients?' + qs, as());
    expectError(r, 422, 'invalid', field);
    const a = await s.req('GET', '/api/v1/audit?' + qs, { as: 'auditor' });
    expectError(a, 422, 'invalid', field);
  }
  // The edges are fine.
  const r = await s.req('GET', '/api/v1/patients?limit=200&offset=1000000', as());
  expectStatus(r, 200);
  assert.equal(r.json.limit, 200);
  assert.deepEqual(r.json.items, []);
  const one = await s.req('GET', '/api/v1/patients?limit=1', as());
  assert.equal(one.json.items.length, 1);
});

test('very long query values and URLs are refused', async () => {
  await unchanged(async () => {
    let r = await s.req('GET', '/api/v1/patients?q=' + 'a'.repeat(300), as());
    expectError(r, 422, 'invalid', 'q');
    // Over the 2 KiB URL limit: refused before any field is read.
    r = await s.req('GET', '/api/v1/patients?q=' + 'a'.repeat(20000), as());
    expectError(r, 413, 'too_large');
    r = await s.req('GET', '/api/v1/patients?mrn=' + 'M'.repeat(33), as());
    expectError(r, 422, 'invalid', 'mrn');
    r = await s.req('GET', '/api/v1/patients?q=' + 'a'.repeat(101), as());
    expectError(r, 422, 'invalid', 'q');
    r = await s.req('GET', '/api/v1/patients?site=' + 's'.repeat(40), as());
    expectError(r, 422, 'invalid', 'site');
    // A path over 2 KiB.
    r = await s.req('GET', '/api/v1/patients/' + '1'.repeat(3000), as());
    expectError(r, 413, 'too_large');
  });
});

test('a URL over 2 KiB is 413 even when the length is in the query string', async () => {
  // limits.h: TDM_MAX_URL is "path + query bytes"; docs/api.md: "URL over
  // 2 KiB" is 413. Each value here is within its own limit once decoded
  // (50 characters), but percent-encoding makes the URL ~4.8 KB.
  const v = encodeURIComponent('é'.repeat(50));
  const url = '/api/v1/patients?' + Array.from({ length: 16 }, () => `q=${v}`).join('&');
  assert.ok(url.length > 2048, `url is ${url.length} bytes`);
  const r = await s.req('GET', url, as());
  expectError(r, 413, 'too_large');
});

test('strings with a NUL character (\\u0000) are 422 naming the field', async () => {
  // "\u0000" is valid JSON (RFC 8259), so this is field validation (422),
  // not malformed JSON (400).
  const wrong = [];
  await unchanged(async () => {
    const cases = [
      [() => createPatient({ body: patientBody({ family_name: 'Ab\u0000cd' }) }), 'family_name'],
      [() => createPatient({ rawBody: JSON.stringify(patientBody()).replace('"Alex"', '"Al\\u0000ex"') }), 'given_name'],
      [() => createPatient({ body: patientBody({ address: { city: 'Port\u0000land' } }) }), 'address.city'],
      [() => post(`/api/v1/patients/${pid}/diagnoses`, { body: { code: 'F11.20\u0000' } }), 'code'],
      [() => s.req('POST', '/api/v1/session', { body: { username: 'admin\u0000x', password: s.adminPw } }), 'username'],
      [() => post(`/api/v1/episodes/${eid}/placements`, { body: { level: 'residential', reason: 'ok\u0000hidden' } }), 'reason'],
    ];
    for (const [send, field] of cases) {
      const r = await send();
      assert.ok(r.status === 400 || r.status === 422, r.text);
      if (r.status !== 422 || r.json.error.code !== 'invalid' || r.json.error.field !== field)
        wrong.push(`${field}: got ${r.status} ${r.text}`);
    }
  });
  assert.deepEqual(wrong, [], 'NUL in a string must be 422 with the field:\n' + wrong.join('\n'));
});

test('control characters, padding and bad formats are 422 naming the field', async () => {
  await unchanged(async () => {
    for (const [over, field] of [
      [{ family_name: 'Tab\tName' }, 'family_name'],
      [{ given_name: ' Leading' }, 'given_name'],
      [{ given_name: 'Trailing ' }, 'given_name'],
      [{ preferred_name: 'Bell\u0007' }, 'preferred_name'],
      [{ family_name: 'x'.repeat(101) }, 'family_name'],
      [{ email: 'a@b' }, 'email'],
      [{ email: 'a b@example.org' }, 'email'],
      [{ phone: '12' }, 'phone'],
      [{ phone: '555-CALL-NOW' }, 'phone'],
      [{ sex_at_birth: 'M' }, 'sex_at_birth'],
      [{ preferred_language: 'english please' }, 'preferred_language'],
      [{ gender_identity: 'x\u007f' }, 'gender_identity'],
    ]) {
      const r = await createPatient({ body: patientBody(over) });
      expectError(r, 422, 'invalid', field);
    }
  });
});

test('errors inside address and emergency_contact name the nested field', async () => {
  // docs/api.md: "field names the field (address.city for nested ones)".
  const wrong = [];
  await unchanged(async () => {
    for (const [over, field] of [
      [{ address: { city: 'x'.repeat(101) } }, 'address.city'],
      [{ address: { city: 'New\nYork' } }, 'address.city'],
      [{ address: { line: ' 1 Main St' } }, 'address.line'],
      [{ address: { region: 'OR\t' } }, 'address.region'],
      [{ address: { postal_code: '9720\u00011' } }, 'address.postal_code'],
      [{ emergency_contact: { name: 'Ma\rria', phone: '555 0100' } }, 'emergency_contact.name'],
      [{ emergency_contact: { relationship: ' aunt' } }, 'emergency_contact.relationship'],
      [{ emergency_contact: { phone: 'none' } }, 'emergency_contact.phone'],
    ]) {
      const r = await createPatient({ body: patientBody(over) });
      assert.equal(r.status, 422, r.text);
      assert.equal(r.json.error.code, 'invalid');
      if (r.json.error.field !== field) wrong.push(`${JSON.stringify(over)} -> field ${JSON.stringify(r.json.error.field)}, want ${field}`);
    }
  });
  assert.deepEqual(wrong, [], 'nested fields named wrongly:\n' + wrong.join('\n'));
});
