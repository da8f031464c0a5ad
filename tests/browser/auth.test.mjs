// Logging in and out, and what an expired session does.
import assert from 'node:assert/strict';
import { login, test, useServer } from './harness.mjs';

const env = useServer();

test(env, 'log in: a wrong password shows the server message, the right one opens the app', async ({ page, server }) => {
  await page.goto(`${server.base}/patients`);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('not-the-password-at-all');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: /password/i }).waitFor();
  assert.match(page.url(), /\/login$/);

  await page.getByLabel('Password').fill(server.adminPw);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  // Back where the user wanted to go, with their name in the header.
  await page.getByRole('heading', { name: 'Patients' }).waitFor();
  assert.match(page.url(), /\/patients$/);
  assert.equal(await page.locator('.who-name').textContent(), 'admin');
});

test(env, 'log out: back to the login screen, and the token no longer works', async ({ page, server }) => {
  await login(page, server, 'therapist');
  const token = await page.evaluate(() => sessionStorage.getItem('tandem.token'));
  assert.ok(token, 'the token is kept in sessionStorage');
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByText('You have logged out.').waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('tandem.token')), null);
  const r = await fetch(`${server.base}/api/v1/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 401, 'the server revoked the token');
  await page.goto(`${server.base}/census`);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
});

test(env, 'an expired session returns to login and keeps what was typed', async ({ page, server }) => {
  await login(page, server, 'intake');
  await page.getByRole('link', { name: 'New patient' }).click();
  await page.getByLabel('Family name').fill('Keepsake');
  await page.getByLabel('Given name').fill('Morgan');
  // The session ends behind the app's back (as after 8 hours).
  const token = await page.evaluate(() => sessionStorage.getItem('tandem.token'));
  const r = await fetch(`${server.base}/api/v1/session`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
  assert.equal(r.status, 204);

  await page.getByLabel('Date of birth').fill('1990-02-03');
  await page.getByRole('button', { name: 'Register patient' }).click();
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await page.getByText(/session has ended/).waitFor();
  assert.equal(await page.getByLabel('Username').inputValue(), 'intake');

  await page.getByLabel('Password').fill(server.pwOf('intake'));
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'New patient' }).waitFor();
  assert.equal(await page.getByLabel('Family name').inputValue(), 'Keepsake');
  assert.equal(await page.getByLabel('Given name').inputValue(), 'Morgan');
  assert.equal(await page.getByLabel('Date of birth').inputValue(), '1990-02-03');
  // Nothing was registered while the session was gone.
  const found = await server.api('GET', '/api/v1/patients?q=Keepsake');
  assert.equal(found.total, 0);
});

test(env, 'the app runs under the strict CSP, and a violation would fail a test', async ({ page, server, problems }) => {
  const res = await page.goto(`${server.base}/login`);
  const csp = res.headers()['content-security-policy'] || '';
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /style-src 'self'/);
  await login(page, server, 'admin');
  await page.getByRole('link', { name: 'Census' }).click();
  await page.locator('.bar-chart canvas').first().waitFor();
  assert.deepEqual(problems, [], 'no violations while the app runs');

  // The watcher sees what the CSP refuses: an inline script and a style attribute.
  const ran = await page.evaluate(async () => {
    const s = document.createElement('script');
    s.textContent = 'window.__inline = true';
    document.head.append(s);
    const d = document.createElement('div');
    d.setAttribute('style', 'color: red');
    document.body.append(d);
    await new Promise((r) => setTimeout(r, 200));
    return window.__inline === true;
  });
  assert.equal(ran, false, 'the inline script was blocked');
  await page.waitForTimeout(200);
  assert.ok(problems.some((p) => /script-src/.test(p)), problems.join('\n'));
  problems.length = 0;
});
