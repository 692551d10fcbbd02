-- wrk script for bench/memory: POSTs a tiny comment from a different forwarded address each
-- time, cycling through BENCH_ADDRESSES distinct addresses (10.x.y.z) shared out between the
-- BENCH_THREADS threads, always as the same author, so the per-IP limiter meets every address
-- and the author quota refuses nearly everything with a cheap 429.
dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "report.lua")

local addresses = tonumber(os.getenv("BENCH_ADDRESSES") or "1000000")
local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
local counter = 0
local payload = '{"author_name":"Soak Reader","body":"A short comment for the memory soak."}'

request = function()
  -- thread_id comes from report.lua's setup(): the threads take turns through the addresses.
  local n = (counter * threads + (thread_id or 1) - 1) % addresses
  counter = counter + 1
  local ip = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  return wrk.format("POST", "/api/v1/articles/soak/comments",
    { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, payload)
end
