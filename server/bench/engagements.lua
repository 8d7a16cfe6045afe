-- wrk script: POST /api/v1/engagements with a unique idempotency key per request.
-- env: DUIJIE_TOKEN (broker token), DUIJIE_IDS (file with one resource id per line).
local token = os.getenv("DUIJIE_TOKEN")
local ids = {}
for line in io.lines(os.getenv("DUIJIE_IDS")) do ids[#ids + 1] = line end
local counter = 0
local thread_id = 0

setup = function(thread)
  thread:set("thread_id", thread_id)
  thread_id = thread_id + 1
end

request = function()
  counter = counter + 1
  local id = ids[(counter * 7919 + thread_id * 104729) % #ids + 1]
  local body = string.format(
    '{"need":{"text":"需要锂电池储能系统的热管理技术"},"resource_id":"%s","fair":"bench fair","idempotency_key":"bench-%d-%d-%d"}',
    id, thread_id, counter, os.time())
  return wrk.format("POST", "/api/v1/engagements",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

done = function(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx/3xx %d, socket errors %d/%d/%d/%d, req/s %.1f, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
