-- wrk reporting shared by every bench script: counts each response status (and, for accepted
-- comments, the decision in the body) per thread, and when the run ends prints one
-- machine-readable `STAT name value` line per figure. Latencies are in microseconds, taken from
-- wrk's own distribution, so p99.9 comes from the same histogram as p50 and p99.
-- Other scripts load it with dofile() and add a request() function.

local threads = {}

-- Runs in the main Lua state once per thread: number the threads (scripts use thread_id to
-- keep their bodies and addresses distinct) and keep them for done().
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_id", #threads)
end

-- Per thread state (each wrk thread has its own Lua state); done() reads it with thread:get.
statuses = {}
decisions = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status == 201 and body then
    local decision = string.match(body, '"status":"(%a+)"')
    if decision then
      decisions[decision] = (decisions[decision] or 0) + 1
    end
  end
end

local function add_into(total, part)
  for key, n in pairs(part) do
    total[key] = (total[key] or 0) + n
  end
end

function done(summary, latency, requests)
  local all_statuses, all_decisions = {}, {}
  for _, thread in ipairs(threads) do
    add_into(all_statuses, thread:get("statuses") or {})
    add_into(all_decisions, thread:get("decisions") or {})
  end
  local errors = summary.errors
  io.write(string.format("STAT duration_us %d\n", summary.duration))
  io.write(string.format("STAT requests %d\n", summary.requests))
  io.write(string.format("STAT p50_us %d\n", latency:percentile(50)))
  io.write(string.format("STAT p99_us %d\n", latency:percentile(99)))
  io.write(string.format("STAT p999_us %d\n", latency:percentile(99.9)))
  io.write(string.format("STAT max_us %d\n", latency.max))
  io.write(string.format("STAT socket_errors connect=%d,read=%d,write=%d,timeout=%d\n",
    errors.connect, errors.read, errors.write, errors.timeout))
  for status, n in pairs(all_statuses) do
    io.write(string.format("STAT status_%d %d\n", status, n))
  end
  for decision, n in pairs(all_decisions) do
    io.write(string.format("STAT decision_%s %d\n", decision, n))
  end
end
