-- Prepended by bench/wrk.py to every wrk script (and run alone when there is none): numbers
-- the threads (``bench_tid``, 0-based, set before the thread's init) and, in done(), prints
-- latency percentiles wrk does not print (p95) and what the threads counted.
local bench_threads = {}

function setup(thread)
  thread:set("bench_tid", #bench_threads)
  table.insert(bench_threads, thread)
end

function done(summary, latency, requests)
  for _, p in ipairs({ 50, 75, 90, 95, 99 }) do
    io.write(string.format("bench-latency-us %d %d\n", p, latency:percentile(p)))
  end
  for _, thread in ipairs(bench_threads) do
    local tid = thread:get("bench_tid")
    local issued = thread:get("bench_issued")
    if issued ~= nil then
      io.write(string.format("bench-issued %d %d\n", tid, issued))
    end
    local statuses = thread:get("bench_statuses")
    if statuses ~= nil and statuses ~= "" then
      io.write(string.format("bench-statuses %d %s\n", tid, statuses))
    end
    local sample = thread:get("bench_sample")
    if sample ~= nil then
      io.write(string.format("bench-sample %d %s\n", tid, (sample:gsub("[\r\n]+", " "))))
    end
  end
end
