-- wrk script for the stateful route: each request posts one new attempt
-- (a fresh event id, no seq) for the next of $LEARNERS seeded learners
-- (b0 ... bN, round robin over all threads) with the 20 candidates of
-- $BODY's learner, and gets the score on the learner's whole stored
-- history. $KEY as in post.lua. It runs closed loop, as fast
-- as answers come (learners.sh saturate); paced runs use vegeta.
local f = assert(io.open(os.getenv("BODY"), "rb"))
local single = f:read("*a")
f:close()
local cands = assert(single:match('"candidates":(%b[])'), "no candidates in " .. os.getenv("BODY"))
local learners = tonumber(os.getenv("LEARNERS") or "10000")
local items = tonumber(os.getenv("ITEMS") or "10000")

local threads = {}
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local n = 0
local nthreads = tonumber(os.getenv("THREADS") or "2")
local run = tostring(os.time())
function init(args)
  math.randomseed(os.time() + tid)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KEY") or "")
end

function request()
  local u = (n * nthreads + tid) % learners
  n = n + 1
  local ind = math.random() < 0.6
  local body = string.format(
    '{"attempts":[{"event_id":"w%s-%d-%d","item_id":"item-%d","correct_independent":%s,"correct_supported":%s}],"candidates":%s}',
    run, tid, n, math.random(0, items - 1), tostring(ind), tostring(ind or math.random() < 0.6), cands)
  return wrk.format(nil, "/v1/learners/b" .. u .. "/attempts", nil, body)
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
