-- wrk script: GET with the extra headers of WRK_HEADERS ("Name: value" lines), e.g. a session
-- cookie or a bearer token; the request is built once (no per-request Lua).
local extra = os.getenv("WRK_HEADERS") or ""
for line in extra:gmatch("[^\n]+") do
  local name, value = line:match("^([^:]+):%s*(.*)$")
  if name then
    wrk.headers[name] = value
  end
end
