-- Rotates through the paths in the PATHS environment variable (separated by "|") and prints
-- one JSON line with throughput and latency percentiles when wrk is done. With COUNT_X_CACHE
-- set it also counts the responses marked "x-cache: hit" (a Lua call per response, so only
-- when asked for).
local paths = {}
for p in string.gmatch(os.getenv("PATHS") or "/", "([^|]+)") do paths[#paths + 1] = p end
local counter = 0
local threads = {}

setup = function(thread)
  threads[#threads + 1] = thread
end

request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1])
end

-- Globals, so that done() can read them from each thread.
hits = 0
answered = 0
if os.getenv("COUNT_X_CACHE") then
  response = function(status, headers, body)
    answered = answered + 1
    if headers["x-cache"] == "hit" then hits = hits + 1 end
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  local total_hits, total_answered = 0, 0
  for _, thread in ipairs(threads) do
    total_hits = total_hits + thread:get("hits")
    total_answered = total_answered + thread:get("answered")
  end
  io.write(string.format(
    'JSON{"requests": %d, "seconds": %.3f, "errors": %d, "p50_ms": %.3f, "p95_ms": %.3f, '
      .. '"p99_ms": %.3f, "hits": %d, "answered": %d}\n',
    summary.requests, summary.duration / 1e6, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    total_hits, total_answered))
end
