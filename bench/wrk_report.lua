-- Rotates through the paths in the PATHS environment variable (separated by "|") and prints
-- one JSON line with throughput and latency percentiles when wrk is done.
local paths = {}
for p in string.gmatch(os.getenv("PATHS") or "/", "([^|]+)") do paths[#paths + 1] = p end
local counter = 0

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'JSON{"requests": %d, "seconds": %.3f, "errors": %d, "p50_ms": %.3f, "p95_ms": %.3f, "p99_ms": %.3f}\n',
    summary.requests, summary.duration / 1e6, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
