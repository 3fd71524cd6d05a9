-- wrk script for bench/intake.py. Arguments: method, school code prefix, number of schools,
-- school id (for the durable reference), run id, and a directory for receipts (empty: none).
-- Each POST carries a unique report to a school in turn (stepping by 7, prime to the count,
-- reaches every school); responses are counted as 2xx or not, and with a directory each
-- thread appends the receipts it was given.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  method, prefix, schools, school_id, run, outdir =
    args[1], args[2], tonumber(args[3]), args[4], args[5], args[6]
  ok, bad, n = 0, 0, 0
  if outdir ~= "" then
    out = io.open(outdir .. "/receipts-" .. id .. ".txt", "a")
    out:setvbuf("line")  -- wrk may exit without closing the threads' files
  end
  fixed = wrk.format("GET")
  -- A report's text is a few sentences: its length drives the urgent-words check and the
  -- encryption, so the bench does not send a one-liner no pupil writes.
  story = "A boy from the class above keeps pushing me in the yard and takes my lunch at "
    .. "every break. Yesterday he hit me near the toilets and his friends laughed and filmed "
    .. "it. I am afraid to come to school and I do not know who to tell, please help me."
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  if method == "GET" then
    return fixed
  end
  n = n + 1
  -- Only the durable reference reads a school id (0: none); Haven's API refuses unknown fields.
  local sid = ""
  if school_id ~= "0" then
    sid = string.format('"school_id": %s, ', school_id)
  end
  local body = string.format(
    '{"school": "%s", %s"description": "Bench report %d of thread %d. %s", '
      .. '"affected": "me", "reporter_role": "pupil", "harms": ["verbal"], "place": "yard", '
      .. '"submission_token": "%s-%d-%d"}',
    prefix .. ((n * 7 + id) % schools), sid, n, id, story, run, id, n)
  return wrk.format("POST", nil, nil, body)
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    local receipt = out and body:match('"receipt":%s*"([%w%-]+)"')
    if receipt then
      out:write(receipt, "\n")
    end
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total_ok, total_bad = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_bad = total_bad + thread:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "ok": %d, "non2xx": %d, "socket_errors": %d, '
      .. '"timeouts": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, total_ok, total_bad, e.connect + e.read + e.write,
    e.timeout, latency:percentile(50), latency:percentile(99)))
end
