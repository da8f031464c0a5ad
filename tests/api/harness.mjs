// harness.mjs - start a real tandem server for one test file.
//
// Each test file calls startServer() once (in a before() hook) and close() in
// an after() hook. The harness makes a temporary directory, creates the users
// through the CLI before the server starts, spawns `tandem serve` on an
// ephemeral port and waits for its "listening" line.
//
//   BIN = process.env.TANDEM_BIN || './tandem', relative to the repo root.
//
// Every response is checked for a 5xx status in req(): a 5xx anywhere is a
// server bug whatever the test is about.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as nodeTest } from 'node:test';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.resolve(ROOT, process.env.TANDEM_BIN || './tandem');
export const PW = 'correct-horse-battery-1';

// username -> { roles, site }; admin is created by the first CLI call.
export const USERS = {
  prescriber: { roles: ['prescriber'], site: 'main' },
  nurse: { roles: ['nurse'], site: 'main' },
  nurse2: { roles: ['nurse'], site: 'main' },
  therapist: { roles: ['therapist'], site: 'main' },
  intake: { roles: ['intake'], site: 'main' },
  auditor: { roles: ['auditor'], site: 'main' },
  northnurse: { roles: ['nurse'], site: 'north' },
  northintake: { roles: ['intake'], site: 'north' },
};
export const ROLES = ['admin', 'prescriber', 'nurse', 'therapist', 'intake', 'auditor'];

const STDERR_KEEP = 256 * 1024;
let current = null; // the server of this test file, for failure dumps

// A date n days from today in the server's zone (the server runs with TZ=UTC).
export function day(n = 0) {
  const d = new Date(Date.now() + n * 86400000);
  return d.toISOString().slice(0, 10);
}

// TANDEM_TEST_PG="postgresql://USER@HOST:PORT/" runs the suite on PostgreSQL:
// each server gets a database of its own, dropped at cleanup.
const PG = process.env.TANDEM_TEST_PG || '';
let pgSerial = 0;

function psql(db, sql) {
  const r = spawnSync('psql', ['-qAt', '-v', 'ON_ERROR_STOP=1', PG + db, '-c', sql], { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

// Runs SQL directly on the server's database, as someone with the file or a
// database login would: sqlite3 or psql. Returns {status, stdout, stderr}.
export function dbExec(s, sql) {
  if (!PG) {
    const r = spawnSync('sqlite3', [s.db, sql], { encoding: 'utf8' });
    if (r.error) throw r.error;
    return r;
  }
  // PostgreSQL names the table a trigger belongs to.
  return psql(s.dbName, sql.replace(/DROP TRIGGER (\w+)/g, 'DROP TRIGGER $1 ON audit'));
}

export class Server {
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'tandem-api-'));
    if (PG) {
      this.dbName = `tdmapi_${process.pid}_${++pgSerial}`;
      const r = psql('postgres', `CREATE DATABASE ${this.dbName}`);
      if (r.status !== 0) throw new Error('createdb: ' + r.stderr);
      this.db = PG + this.dbName;
    } else {
      this.db = path.join(this.dir, 't.db');
    }
    this.stderr = '';
    this.stdout = '';
    this.proc = null;
    this.base = null;
    this.adminPw = null;
    this.tokens = new Map();
    this.exit = null;
  }

  // The server and CLI run in UTC, with no TANDEM_* settings from outside.
  env() {
    const env = { ...process.env, TZ: 'UTC' };
    for (const k of Object.keys(env)) if (k.startsWith('TANDEM_')) delete env[k];
    return env;
  }

  // Runs the CLI against this database; returns {status, stdout, stderr}.
  cli(args, input) {
    const r = spawnSync(BIN, [...args, '--db', this.db, '--data', 'data'], {
      cwd: ROOT,
      input: input ?? '',
      encoding: 'utf8',
      env: this.env(),
      timeout: 60000,
    });
    if (r.error) throw r.error;
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }

  cliOk(args, input) {
    const r = this.cli(args, input);
    assert.equal(r.status, 0, `tandem ${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
    const m = /password (\S+)/.exec(r.stdout);
    if (m && !this.adminPw && /created user admin/.test(r.stdout)) this.adminPw = m[1];
    return r;
  }

  setupUsers() {
    // The first CLI call on the new database creates site main and admin.
    const first = this.cliOk(['site', 'add', 'north', 'North clinic']);
    const m = /password (\S+)/.exec(first.stdout);
    assert.ok(m, `first CLI call did not print the admin password: ${first.stdout}`);
    this.adminPw = m[1];
    for (const [name, u] of Object.entries(USERS)) {
      const args = ['user', 'add', name];
      for (const r of u.roles) args.push('--role', r);
      args.push('--site', u.site, '--password-stdin');
      this.cliOk(args, PW + '\n');
    }
    // admin administers both sites.
    this.cliOk(['user', 'grant', 'admin', '--role', 'admin', '--site', 'north']);
  }

  async start() {
    this.proc = spawn(
      BIN,
      ['serve', '--db', this.db, '--listen', '127.0.0.1:0', '--data', 'data'],
      { cwd: ROOT, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    // Never leave a server behind if the test process dies early.
    const proc = this.proc;
    const dir = this.dir;
    process.once('exit', () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (d) => {
      this.stderr += d;
      if (this.stderr.length > STDERR_KEEP) this.stderr = this.stderr.slice(-STDERR_KEEP);
    });
    this.proc.stdout.setEncoding('utf8');
    const listening = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start in 20 s\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`)),
        20000,
      );
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
        if (!this.base)
          reject(new Error(`server exited (${JSON.stringify(e)}) before listening\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      });
    });
    await listening;
  }

  // One HTTP request. Options: token, as (a username: log in once and reuse
  // the token), body (JSON-encoded), rawBody (sent as is), headers.
  async req(method, p, opts = {}) {
    const headers = { ...(opts.headers || {}) };
    let token = opts.token;
    if (opts.as) token = await this.token(opts.as);
    if (token) headers.Authorization = `Bearer ${token}`;
    let body;
    if (opts.rawBody !== undefined) {
      body = opts.rawBody;
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['Content-Type'] = 'application/json';
    } else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['Content-Type'] = 'application/json';
    }
    const res = await fetch(this.base + p, { method, headers, body });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    assert.ok(
      res.status < 500,
      `${method} ${p} answered ${res.status}: ${text.slice(0, 500)}`,
    );
    return { status: res.status, headers: res.headers, json, text };
  }

  async login(user, pw) {
    return this.req('POST', '/api/v1/session', { body: { username: user, password: pw } });
  }

  pwOf(user) {
    return user === 'admin' ? this.adminPw : PW;
  }

  // A cached token for a user (logs in the first time).
  async token(user) {
    if (this.tokens.has(user)) return this.tokens.get(user);
    const r = await this.login(user, this.pwOf(user));
    assert.equal(r.status, 201, `login as ${user}: ${r.text}`);
    this.tokens.set(user, r.json.token);
    return r.json.token;
  }

  // Logs in every user now (in parallel) so tests do not pay for it later.
  async loginAll(users = ['admin', ...Object.keys(USERS)]) {
    await Promise.all(users.map((u) => this.token(u)));
  }

  // SIGTERM, wait for exit, assert a clean exit (sanitizer errors make it
  // non-zero).
  async stop() {
    if (!this.proc) return;
    const proc = this.proc;
    this.proc = null;
    if (!this.exit) proc.kill('SIGTERM');
    let timer;
    const timeout = new Promise((r) => {
      timer = setTimeout(() => r(null), 30000);
    });
    const e = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (!e) {
      proc.kill('SIGKILL');
      await this.exited;
      assert.fail(`server did not exit within 30 s of SIGTERM\nstderr:\n${this.tail()}`);
    }
    assert.deepEqual(
      e,
      { code: 0, signal: null },
      `server exit ${JSON.stringify(e)}\nstderr:\n${this.tail()}`,
    );
  }

  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
    if (PG && this.dbName) psql('postgres', `DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
  }

  async close() {
    try {
      await this.stop();
    } finally {
      this.cleanup();
      if (current === this) current = null;
    }
  }

  tail(n = 16000) {
    return this.stderr.slice(-n);
  }
}

export async function startServer() {
  const s = new Server();
  current = s;
  try {
    s.setupUsers();
    await s.start();
  } catch (e) {
    if (s.proc) s.proc.kill('SIGKILL');
    s.cleanup();
    throw e;
  }
  return s;
}

// node:test's test(), printing the server's stderr when the test fails.
export function test(name, opts, fn) {
  if (typeof opts === 'function') {
    fn = opts;
    opts = {};
  }
  return nodeTest(name, opts, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      if (current) {
        const tail = current.tail(8000);
        process.stderr.write(`\n--- server stderr for failing test "${name}" ---\n${tail}\n---\n`);
      }
      throw e;
    }
  });
}

// Asserts an error response: status, error.code, and error.field when given
// (field null asserts there is none).
export function expectError(res, status, code, field) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
  assert.ok(res.json && res.json.error, `no error object in: ${res.text}`);
  assert.equal(res.json.error.code, code, res.text);
  assert.equal(typeof res.json.error.message, 'string');
  assert.ok(res.json.error.message.length > 0);
  if (field !== undefined) {
    if (field === null) assert.equal(res.json.error.field, undefined, res.text);
    else assert.equal(res.json.error.field, field, res.text);
  }
}

export function expectStatus(res, status) {
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${res.text}`);
}

let seq = 0;
// A fresh, valid patient body; overrides merge in.
export function patientBody(over = {}) {
  seq++;
  return {
    family_name: `Testfamily${process.pid % 1000}x${seq}`,
    given_name: 'Alex',
    birth_date: '1985-04-12',
    ...over,
  };
}
