// A bounded load generator for Tandem on loopback: N requests of one kind
// with C concurrent clients; prints requests/second and latency percentiles.
// Usage: node bench/load.mjs BASE TOKEN KIND N C
//   KIND: health | read (GET a random patient) | search (name fragment) | write (register a patient)
const [base, token, kind, nStr, cStr] = process.argv.slice(2);
const N = Number(nStr || 2000), C = Number(cStr || 8);
const H = { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' };
const maxId = Number(process.env.MAX_ID || 200);
let next = 0, failed = 0;
const lat = [];

function one(i) {
  switch (kind) {
    case 'health': return fetch(base + '/healthz');
    case 'read': return fetch(`${base}/api/v1/patients/${1 + (i * 7919) % maxId}`, { headers: H });
    case 'search': return fetch(`${base}/api/v1/patients?q=${['an', 'ri', 'ez', 'mo'][i % 4]}&limit=20`, { headers: H });
    case 'write': return fetch(base + '/api/v1/patients', {
      method: 'POST', headers: H,
      body: JSON.stringify({ family_name: 'Bench', given_name: 'P' + i, birth_date: '1980-01-01' }) });
    default: throw new Error('unknown kind ' + kind);
  }
}

async function worker() {
  while (next < N) {
    const i = next++;
    const t0 = process.hrtime.bigint();
    const r = await one(i);
    await r.arrayBuffer();
    lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status >= 300) failed++;
  }
}

const t0 = Date.now();
await Promise.all(Array.from({ length: C }, worker));
const secs = (Date.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const p = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))].toFixed(2);
console.log(JSON.stringify({ kind, n: N, concurrency: C, rps: Math.round(N / secs), p50_ms: p(0.5), p99_ms: p(0.99), failed }));
