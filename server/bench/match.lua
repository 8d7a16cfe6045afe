-- wrk script: POST /api/v1/match, cycling through the needs in $DUIJIE_NEEDS (one JSON body a line),
-- and one summary line at the end (RESULT …) with every kind of error wrk counts, which
-- bench/replicas.sh reads.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
for line in io.lines(os.getenv("DUIJIE_NEEDS")) do
  bodies[#bodies + 1] = line
end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.2f non2xx=%d connect=%d read=%d write=%d timeout=%d p50=%.2f p95=%.2f p99=%.2f max=%.2f\n",
    summary.requests, summary.duration / 1e6, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end
