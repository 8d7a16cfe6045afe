-- wrk script: GET /api/v1/stats; prints p95. env: DUIJIE_TOKEN (editor token).
wrk.headers["Authorization"] = "Bearer " .. os.getenv("DUIJIE_TOKEN")
done = function(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx/3xx %d, req/s %.1f, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms\n",
    summary.requests, summary.errors.status, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
