-- wrk script for bench/web_bench.py: every response is checked, not only counted.
-- Arguments after "--": the status expected and a marker string the body must contain (plain text, not a pattern).
-- A 302 to the sign-in page, an error page or a truncated body is a "bad response"; done() prints their sum over all
-- threads as "Bad responses: N" (and the first bad status seen), which web_bench.parse_wrk reads.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = tonumber(args[1])
  marker = args[2]
  bad = 0
  first_bad = 0
end

function response(status, headers, body)
  if status ~= expected or not string.find(body, marker, 1, true) then
    bad = bad + 1
    if first_bad == 0 then first_bad = status end
  end
end

function done(summary, latency, requests)
  local total, seen = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("bad")
    if seen == 0 then seen = thread:get("first_bad") end
  end
  io.write(string.format("Bad responses: %d (first bad status %d)\n", total, seen))
end
