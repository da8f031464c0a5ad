// Operations: backup and restore round-trip, moving a clinic from SQLite to
// PostgreSQL (migrate-store), and the layout of `make install`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.TANDEM_BIN || './tandem';
const PG = process.env.TANDEM_TEST_PG || '';

function run(args, opts = {}) {
  const env = { ...process.env, TZ: 'UTC' };
  for (const k of Object.keys(env)) if (k.startsWith('TANDEM_')) delete env[k];
  const r = spawnSync(BIN, [...args, '--data', 'data'], { encoding: 'utf8', env, ...opts });
  return r;
}

function verifyRows(db) {
  const v = run(['audit', 'verify', '--db', db]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  return Number(/^OK: (\d+) audit rows/.exec(v.stdout)[1]);
}

test('backup and restore round-trip a live clinic database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ops-'));
  try {
    const db = join(dir, 'clinic.db');
    assert.equal(run(['demo', '--db', db, '--patients', '60']).status, 0);
    const rows = verifyRows(db);
    const b = run(['backup', '--db', db, join(dir, 'backup.db')]);
    assert.equal(b.status, 0, b.stderr);
    assert.match(b.stdout, /hash chain intact/);
    // A backup never overwrites.
    const again = run(['backup', '--db', db, join(dir, 'backup.db')]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /exists/);
    const r = run(['restore', join(dir, 'backup.db'), '--db', join(dir, 'restored.db')]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(verifyRows(join(dir, 'restored.db')), rows);
    // The restored database answers like the original.
    const census = (d) => spawnSync('sqlite3', [d, 'SELECT COUNT(*) FROM patient; SELECT COUNT(*) FROM placement'], { encoding: 'utf8' }).stdout;
    assert.equal(census(join(dir, 'restored.db')), census(db));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a demo clinic moves from SQLite to PostgreSQL with its audit chain', (t) => {
  if (!PG) {
    t.skip('TANDEM_TEST_PG not set (scripts/run-tests.sh sets it)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tandem-ops-'));
  const name = `tdmops_${process.pid}`;
  const psql = (db, sql) => spawnSync('psql', ['-qAt', PG + db, '-c', sql], { encoding: 'utf8' });
  try {
    const db = join(dir, 'clinic.db');
    assert.equal(run(['demo', '--db', db, '--patients', '80']).status, 0);
    const rows = verifyRows(db);
    assert.equal(psql('postgres', `CREATE DATABASE ${name}`).status, 0);
    const m = run(['migrate-store', '--from', 'sqlite:' + db, '--to', PG + name]);
    assert.equal(m.status, 0, m.stdout + m.stderr);
    assert.match(m.stdout, /counts match/);
    assert.equal(verifyRows(PG + name), rows);
    assert.equal(psql(name, 'SELECT COUNT(*) FROM patient').stdout.trim(), '80');
    // New rows on the copy get fresh ids (sequences moved past the copied ones).
    const u = run(['user', 'add', 'afterwards', '--role', 'nurse', '--db', PG + name]);
    assert.equal(u.status, 0, u.stderr);
    assert.equal(verifyRows(PG + name), rows + 1);
    // A second copy into a database that is not empty is refused.
    const again = run(['migrate-store', '--from', 'sqlite:' + db, '--to', PG + name]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /not empty/);
  } finally {
    psql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('make install lays out binary, data, web app, man page, unit and example settings', () => {
  const dest = mkdtempSync(join(tmpdir(), 'tandem-install-'));
  try {
    const r = spawnSync('make', ['-s', 'install', `DESTDIR=${dest}`, 'PREFIX=/usr'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    for (const f of ['usr/bin/tandem', 'usr/share/tandem/levels.conf', 'usr/share/tandem/dual-diagnosis.conf',
      'usr/share/tandem/icd10-categories.conf', 'usr/share/tandem/web/index.html',
      'usr/share/tandem/instruments/phq-9.json', 'usr/share/tandem/formulary/methadone.json',
      'usr/share/tandem/protocols.conf', 'usr/share/tandem/results.conf',
      'usr/share/man/man1/tandem.1', 'usr/lib/systemd/system/tandem.service', 'etc/tandem/tandem.env.example']) {
      assert.ok(existsSync(join(dest, f)), `missing ${f}`);
    }
    const unit = readFileSync(join(dest, 'usr/lib/systemd/system/tandem.service'), 'utf8');
    assert.match(unit, /ExecStart=\/usr\/bin\/tandem serve/);
    assert.doesNotMatch(unit, /@[A-Z]+@/);
    const v = spawnSync(join(dest, 'usr/bin/tandem'), ['--version'], { encoding: 'utf8' });
    assert.match(v.stdout, /^tandem \d+\.\d+\.\d+/);
    // The installed binary runs on the installed data files alone.
    const m = spawnSync(join(dest, 'usr/bin/tandem'), ['migrate', '--db', join(dest, 't.db'), '--data',
      join(dest, 'usr/share/tandem')], { encoding: 'utf8', cwd: dest });
    assert.equal(m.status, 0, m.stderr);
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
});
