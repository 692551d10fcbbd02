-- wrk script: POSTs distinct ~600-byte comments, each from its own forwarded client address and
-- author, so the per-IP/per-author limits measure the pipeline rather than refuse it. Run the
-- server with --trusted-proxy 127.0.0.1/32 and generous [rate_limits] (see docs/BENCHMARKS.md).
local counter = 0
local threads = 0

-- Each wrk thread has its own Lua state: give each a distinct id so bodies never repeat.
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end
local sentences = {
  "The council's decision on the new crossing came after two years of consultation.",
  "I disagree with the columnist: the figures in the second chart tell a different story.",
  "My grandmother lived on this street in the sixties and remembers the old tram line.",
  "Good reporting, though I would have liked to hear from the residents of the east side.",
  "Interesting that the budget mentions schools but not the library opening hours.",
}

request = function()
  counter = counter + 1
  local n = (thread_id or 0) * 10000000 + counter
  local body = {}
  for i = 1, 7 do
    body[#body + 1] = sentences[((counter + i) % #sentences) + 1]
  end
  local text = table.concat(body, " ") .. " (" .. n .. ")"
  local ip = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  local payload = string.format(
    '{"author_name":"Reader %d","author_email":"reader%d@example.org","body":"%s"}', n, n, text)
  return wrk.format("POST", "/api/v1/articles/bench-" .. (counter % 50) .. "/comments",
    { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, payload)
end
