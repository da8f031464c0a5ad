-- dose.lua - wrk script for bench/doses.sh: every request records today's
-- witnessed dose of a different order, with its own Idempotency-Key.
-- Environment: TOKEN, ORDERS (how many orders, ids 1..ORDERS), THREADS.
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
  bad = 0
  nthreads = tonumber(os.getenv("THREADS"))
  orders = tonumber(os.getenv("ORDERS"))
  headers = {
    ["Authorization"] = "Bearer " .. os.getenv("TOKEN"),
    ["Content-Type"] = "application/json",
  }
end

function request()
  local id = 1 + n * nthreads + tid
  n = n + 1
  if id > orders then
    id = orders -- out of orders: answered 409, counted as bad
  end
  headers["Idempotency-Key"] = "bench-" .. tid .. "-" .. n
  return wrk.format("POST", "/api/v1/orders/" .. id .. "/administrations", headers,
                    '{"status":"given","amount":80}')
end

function response(status, hdrs, body)
  if status ~= 201 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, t in ipairs(threads) do
    total_bad = total_bad + t:get("bad")
  end
  io.write(string.format('{"requests":%d,"seconds":%.2f,"per_second":%.0f,"not_201":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6), total_bad,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
