-- wrk script: POST the JSON bodies of WRK_BODIES (one a line) in turn, thread by thread, so
-- that consecutive requests ask about different applications.
local path = os.getenv("WRK_BODIES")
assert(path, "WRK_BODIES is not set")
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
local bodies = {}
for line in io.lines(path) do
  if line ~= "" then
    bodies[#bodies + 1] = line
  end
end
assert(#bodies > 0, "no bodies in " .. path)

local headers = { ["Content-Type"] = "application/json", ["Accept"] = "application/json" }
local k = 0

function request()
  local i = (bench_tid + k * threads) % #bodies + 1
  k = k + 1
  return wrk.format("POST", nil, headers, bodies[i])
end
