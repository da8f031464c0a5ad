// harness.mjs - browser tests of the web app: a real tandem server and
// Debian's Chromium driven by playwright-core.
//
// Each test file calls useServer() once: before its tests it makes a
// temporary database, creates the users through the CLI (the first CLI call
// prints the admin password), optionally loads a small demo cohort, starts
// `tandem serve` on port 0 with --web web/dist, and launches Chromium. Each
// test() gets a fresh browser context (fresh sessionStorage) at 1280x800, and
// fails when the page reports a CSP violation or an uncaught exception. A
// failing test leaves a screenshot in test-results/browser/.
//
//   TANDEM_BIN      the server binary (default ./tandem)
//   CHROMIUM_BIN    the browser (default /usr/bin/chromium)
//
// Build first: make tandem && scripts/build-web.sh

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test as nodeTest } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.resolve(ROOT, process.env.TANDEM_BIN || './tandem');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const WEB = path.join(ROOT, 'web', 'dist');
export const RESULTS = path.join(ROOT, 'test-results', 'browser');
export const PW = 'correct-horse-battery-1';

// username -> roles (all at site main).
export const USERS = {
  prescriber: ['prescriber'],
  nurse: ['nurse'],
  therapist: ['therapist'],
  intake: ['intake'],
  auditor: ['auditor'],
};

// A YYYY-MM-DD date n days from today; the server runs with TZ=UTC.
export function day(n = 0) {
  return new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
}

export class Server {
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'tandem-web-'));
    this.db = path.join(this.dir, 't.db');
    this.stdout = '';
    this.stderr = '';
    this.proc = null;
    this.base = null;
    this.adminPw = null;
    this.exit = null;
  }

  env() {
    return { ...process.env, TZ: 'UTC' };
  }

  cli(args, input = '') {
    const r = spawnSync(BIN, [...args, '--db', this.db, '--data', 'data'], {
      cwd: ROOT, input, encoding: 'utf8', env: this.env(), timeout: 120000,
    });
    if (r.error) throw r.error;
    assert.equal(r.status, 0, `tandem ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
    const m = /password (\S+)/.exec(r.stdout);
    if (m && !this.adminPw) this.adminPw = m[1];
    return r;
  }

  setup({ demo = 0 } = {}) {
    for (const [name, roles] of Object.entries(USERS)) {
      const args = ['user', 'add', name];
      for (const r of roles) args.push('--role', r);
      args.push('--password-stdin');
      this.cli(args, `${PW}\n`);
    }
    assert.ok(this.adminPw, 'the first CLI call did not print the admin password');
    if (demo) this.cli(['demo', '--patients', String(demo)]);
  }

  async start() {
    this.proc = spawn(BIN, ['serve', '--db', this.db, '--listen', '127.0.0.1:0', '--data', 'data', '--web', WEB], {
      cwd: ROOT, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve((this.exit = { code, signal }))));
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-256 * 1024);
    });
    this.proc.stdout.setEncoding('utf8');
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start in 20 s\n${this.stdout}\n${this.stderr}`)), 20000);
      this.proc.stdout.on('data', (d) => {
        this.stdout += d;
        const m = /tandem: listening on (http:\/\/[\d.]+:\d+)/.exec(this.stdout);
        if (m && !this.base) {
          clearTimeout(timer);
          this.base = m[1];
          resolve();
        }
      });
      this.exited.then((e) => {
        clearTimeout(timer);
        if (!this.base) reject(new Error(`server exited ${JSON.stringify(e)} before listening\n${this.stderr}`));
      });
    });
  }

  pwOf(user) {
    return user === 'admin' ? this.adminPw : PW;
  }

  // A JSON API call as `user` (for setting up data and checking results).
  async api(method, p, body, user = 'admin') {
    this.tokens = this.tokens || new Map();
    if (!this.tokens.has(user)) {
      const r = await fetch(`${this.base}/api/v1/session`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: user, password: this.pwOf(user) }),
      });
      assert.equal(r.status, 201, `login as ${user}`);
      this.tokens.set(user, (await r.json()).token);
    }
    const headers = { Authorization: `Bearer ${this.tokens.get(user)}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(this.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    assert.ok(r.status < 300, `${method} ${p}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async stop() {
    if (!this.proc) return;
    const proc = this.proc;
    this.proc = null;
    if (!this.exit) proc.kill('SIGTERM');
    let timer;
    const e = await Promise.race([this.exited, new Promise((r) => (timer = setTimeout(r, 30000, null)))]);
    clearTimeout(timer);
    if (!e) {
      proc.kill('SIGKILL');
      await this.exited;
    }
  }

  async close() {
    try {
      await this.stop();
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

export async function launchBrowser() {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium (scripts/install-deps.sh test)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// Starts one server and one browser for the test file; returns an object whose
// server and browser fields are set once the before() hook has run.
export function useServer(opts = {}) {
  const env = { server: null, browser: null };
  before(async () => {
    assert.ok(existsSync(path.join(WEB, 'index.html')), 'web/dist is missing: run scripts/build-web.sh');
    assert.ok(existsSync(BIN), `${BIN} is missing: run make tandem`);
    env.server = new Server();
    env.server.setup(opts);
    await env.server.start();
    env.browser = await launchBrowser();
  });
  after(async () => {
    if (env.browser) await env.browser.close();
    if (env.server) await env.server.close();
  });
  return env;
}

// Collects what must never happen on a page: CSP violations (Chromium logs
// them as "Refused to ..."; the securitypolicyviolation event is reported too)
// and uncaught exceptions.
function watch(context, page) {
  const problems = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy|CSP violation|Refused to (apply|execute|load|connect|frame)/i.test(text)) problems.push(`CSP: ${text}`);
  });
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  return problems;
}

const slug = (s) => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);

// A test with a fresh browser context: fn({page, server, t, problems}).
export function test(env, name, fn, { width = 1280, height = 800, ...opts } = {}) {
  return nodeTest(name, opts, async (t) => {
    const context = await env.browser.newContext({ viewport: { width, height }, locale: 'en-US' });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
      });
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    const problems = watch(context, page);
    try {
      await fn({ page, server: env.server, t, problems });
      assert.deepEqual(problems, [], 'the page reported CSP violations or uncaught errors');
    } catch (e) {
      mkdirSync(RESULTS, { recursive: true });
      const file = path.join(RESULTS, `${slug(path.basename(process.argv[1] || 'test'))}--${slug(name)}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      t.diagnostic(`screenshot: ${file}`);
      t.diagnostic(`screenshots of failed browser tests are in ${RESULTS}`);
      process.stderr.write(`\n--- browser test "${name}" failed; screenshot: ${file}\n(screenshots of failed browser tests are in ${RESULTS})\n`);
      if (problems.length) process.stderr.write(`page problems:\n  ${problems.join('\n  ')}\n`);
      if (env.server) process.stderr.write(`server log (last lines):\n${env.server.stderr.split('\n').slice(-12).join('\n')}\n---\n`);
      throw e;
    } finally {
      await context.close();
    }
  });
}

// Logs in through the login screen and waits for the app's header.
export async function login(page, server, user) {
  await page.goto(`${server.base}/login`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(server.pwOf(user));
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
}

// A patient created through the API, for tests that need one.
let seq = 0;
export async function makePatient(server, over = {}) {
  seq++;
  return server.api('POST', '/api/v1/patients', {
    family_name: `Webtest${process.pid % 1000}x${seq}`,
    given_name: 'Robin',
    birth_date: '1986-03-14',
    ...over,
  });
}
