-- wrk script for zpd serve: POSTs the JSON body in $BODY with the API key
-- in $KEY. With $RATE (requests/s over all connections, given with
-- $CONNS) each connection paces itself, so the latency percentiles are
-- those at that load rather than at saturation.
local f = assert(io.open(os.getenv("BODY"), "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "")

local rate = tonumber(os.getenv("RATE") or "0")
local conns = tonumber(os.getenv("CONNS") or "1")
if rate > 0 then
  local gap = conns * 1000 / rate -- ms between one connection's requests
  function delay()
    -- wrk's timer has millisecond resolution: dither to get the mean right.
    local base = math.floor(gap)
    if math.random() < gap - base then return base + 1 end
    return base
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_s=%.1f req_per_s=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "errors_connect=%d errors_read=%d errors_write=%d errors_status=%d errors_timeout=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e.connect, e.read, e.write, e.status, e.timeout))
end
