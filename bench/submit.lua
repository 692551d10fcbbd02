-- wrk script: POSTs distinct ~500-character comments over 100 articles, each from its own
-- forwarded client address and author, so the per-IP/per-author limits measure the pipeline
-- rather than refuse it. Run the server with --trusted-proxy 127.0.0.1/32 and [rate_limits]
-- raised out of the way: bench/run does all of that.
dofile(string.match(debug.getinfo(1, "S").source, "^@(.*/)") .. "report.lua")

local counter = 0
local sentences = {
  "The council's decision on the new crossing came after two years of consultation.",
  "I disagree with the columnist: the figures in the second chart tell a different story.",
  "My grandmother lived on this street in the sixties and remembers the old tram line.",
  "Good reporting, though I would have liked to hear from the residents of the east side.",
  "Interesting that the budget mentions schools but not the library opening hours.",
}

request = function()
  counter = counter + 1
  -- thread_id comes from report.lua's setup(): bodies and addresses never repeat across threads
  -- (no long runs of one digit either, which the shipped repeated-characters rule would score).
  local n = (thread_id or 0) * 1000000 + counter
  local body = {}
  for i = 1, 6 do
    body[#body + 1] = sentences[((counter + i) % #sentences) + 1]
  end
  local text = table.concat(body, " ") .. " (ref " .. (thread_id or 0) .. "-" .. counter .. ")"
  local ip = string.format("10.%d.%d.%d", math.floor(n / 65536) % 256, math.floor(n / 256) % 256, n % 256)
  local payload = string.format(
    '{"author_name":"Reader %d","author_email":"reader%d@example.org","body":"%s"}', n, n, text)
  return wrk.format("POST", "/api/v1/articles/bench-" .. (counter % 100) .. "/comments",
    { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = ip }, payload)
end
