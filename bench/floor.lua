-- floor.lua - wrk script: GET /healthz, printed like dose.lua's results.
function done(summary, latency, requests)
  io.write(string.format('{"requests":%d,"seconds":%.2f,"per_second":%.0f,"p50_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
