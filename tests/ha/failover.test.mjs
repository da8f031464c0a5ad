// Fail-over test: a PostgreSQL primary with a synchronous streaming standby on
// loopback; Tandem connects with a libpq multi-host string and
// target_session_attrs=read-write. We write patients, stop the primary hard,
// check that requests fail cleanly (503, retryable) while there is no primary,
// promote the standby, and check that Tandem reconnects by itself and that
// every acknowledged write is on the new primary with an intact audit chain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync, chownSync, appendFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';

const BIN = process.env.TANDEM_BIN || './tandem';
const PGBIN = '/usr/lib/postgresql/' +
  readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))[0] + '/bin';
const root = process.getuid() === 0;

function pg(cmd, args) {
  if (process.env.HA_DEBUG) console.error(new Date().toISOString(), cmd, args.join(' '));
  const full = root ? ['-u', 'postgres', '--', join(PGBIN, cmd), ...args] : args;
  const r = spawnSync(root ? 'runuser' : join(PGBIN, cmd), full, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

function startPg(dir, port, log) {
  pg('pg_ctl', ['-D', dir, '-l', log, '-w', '-t', '60', '-o',
    `-p ${port} -k ${join(dir, '..')} -c listen_addresses=127.0.0.1`, 'start']);
}

async function startTandem(url, replica) {
  const child = spawn(BIN, ['serve', '--db', url, '--db-replica', replica, '--listen', '127.0.0.1:0', '--data', 'data'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.on('data', (d) => { err += d; });
  const base = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start: ' + err)), 30000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    child.on('exit', (c) => reject(new Error(`server exited ${c}: ${err}`)));
  });
  const pw = (out.match(/password: (\S+)/) || [])[1];
  return { child, base, pw, stderr: () => err };
}

async function req(base, method, path, token, body) {
  const r = await fetch(base + path, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

test('fail-over to a promoted standby loses no acknowledged write', { timeout: 240000 }, async () => {
  const work = mkdtempSync(join(tmpdir(), 'tandem-ha-'));
  chmodSync(work, 0o755);
  if (root) execFileSync('chown', ['postgres', work]);
  const p1 = await freePort();
  const p2 = p1 + 1 + Math.floor(Math.random() * 50);
  const prim = join(work, 'primary'), stby = join(work, 'standby');
  let tandem;
  try {
    pg('initdb', ['-D', prim, '-U', 'tandem', '--auth=trust', '-E', 'UTF8', '--no-locale']);
    // Synchronous replication: a commit is acknowledged only once the standby has it.
    appendFileSync(prim + '/postgresql.conf',
      "\nwal_level = replica\nsynchronous_standby_names = '*'\nsynchronous_commit = on\n");
    startPg(prim, p1, join(work, 'primary.log'));
    pg('pg_basebackup', ['-D', stby, '-R', '-X', 'stream', '-h', '127.0.0.1', '-p', String(p1), '-U', 'tandem']);
    // Once promoted, the standby has no standby of its own: it must not wait for one.
    appendFileSync(stby + '/postgresql.conf', "\nsynchronous_standby_names = ''\n");
    startPg(stby, p2, join(work, 'standby.log'));
    spawnSync('psql', [`postgresql://tandem@127.0.0.1:${p1}/postgres`, '-qc', 'CREATE DATABASE tandem']);

    const url = `postgresql://tandem@127.0.0.1:${p1},127.0.0.1:${p2}/tandem?target_session_attrs=read-write&connect_timeout=2`;
    tandem = await startTandem(url, `postgresql://tandem@127.0.0.1:${p2}/tandem`);
    const login = await req(tandem.base, 'POST', '/api/v1/session', null, { username: 'admin', password: tandem.pw });
    assert.equal(login.status, 201);
    const token = login.json.token;

    const acked = [];
    for (let i = 0; i < 20; i++) {
      const r = await req(tandem.base, 'POST', '/api/v1/patients', token,
        { family_name: 'Failover', given_name: 'Case' + i, birth_date: '1980-01-01' });
      assert.equal(r.status, 201);
      acked.push(r.json.id);
    }

    // Reports read the streaming replica; their audit rows go to the primary.
    const census = await req(tandem.base, 'GET', '/api/v1/census', token);
    assert.equal(census.status, 200);
    assert.equal(census.json.source, 'replica');

    // The primary dies without a clean shutdown.
    pg('pg_ctl', ['-D', prim, '-m', 'immediate', 'stop']);
    const during = await req(tandem.base, 'POST', '/api/v1/patients', token,
      { family_name: 'Failover', given_name: 'During', birth_date: '1980-01-01' });
    assert.equal(during.status, 503, 'no primary: a clean, retryable failure');
    assert.equal(during.json.error.code, 'unavailable');
    assert.equal(during.json.error.retryable, true);

    pg('pg_ctl', ['-D', stby, '-w', 'promote']);

    // Tandem reconnects by itself: retry as a client would.
    let after;
    for (let i = 0; i < 40; i++) {
      after = await req(tandem.base, 'POST', '/api/v1/patients', token,
        { family_name: 'Failover', given_name: 'After', birth_date: '1980-01-01' });
      if (after.status !== 503) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(after.status, 201, 'writes go to the promoted standby');
    for (const id of acked) {
      const r = await req(tandem.base, 'GET', `/api/v1/patients/${id}`, token);
      assert.equal(r.status, 200, `acknowledged patient ${id} survived`);
    }
    tandem.child.kill('SIGTERM');
    await new Promise((r) => tandem.child.on('exit', r));
    tandem = null;
    const v = spawnSync(BIN, ['audit', 'verify', '--db', `postgresql://tandem@127.0.0.1:${p2}/tandem`, '--data', 'data'],
      { encoding: 'utf8' });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^OK: \d+ audit rows/);
  } finally {
    if (tandem) tandem.child.kill('SIGKILL');
    for (const d of [prim, stby]) {
      try { pg('pg_ctl', ['-D', d, '-m', 'immediate', 'stop']); } catch { /* already down */ }
    }
    rmSync(work, { recursive: true, force: true });
  }
});
