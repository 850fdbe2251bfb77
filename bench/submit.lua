-- wrk script: multipart POSTs in which every request is another member's submission.
--
-- WRK_RECORDS: "<bearer token> <length>\n" then <length> bytes of the member's text fields,
-- record after record (bench/dataset.py writes them). WRK_FILES_DIR: id_card.jpg,
-- certificate.jpg and bank_card.jpg, read once and appended to every body. Thread t sends
-- records t, t + T, t + 2T … (T = BENCH_THREADS), so no record is used twice; when they run
-- out the script starts again from the first, whose answers are then 409 and are counted.
local boundary = assert(os.getenv("WRK_BOUNDARY"), "WRK_BOUNDARY is not set")
local records_path = assert(os.getenv("WRK_RECORDS"), "WRK_RECORDS is not set")
local files_dir = assert(os.getenv("WRK_FILES_DIR"), "WRK_FILES_DIR is not set")
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")

local function slurp(path)
  local handle = assert(io.open(path, "rb"))
  local data = handle:read("*a")
  handle:close()
  return data
end

local tokens, parts = {}, {}
do
  local data = slurp(records_path)
  local pos = 1
  while pos <= #data do
    local eol = assert(data:find("\n", pos, true), "truncated record")
    local token, length = data:sub(pos, eol - 1):match("^(%S+) (%d+)$")
    assert(token, "unreadable record header")
    length = tonumber(length)
    tokens[#tokens + 1] = token
    parts[#parts + 1] = data:sub(eol + 1, eol + length)
    pos = eol + length + 1
  end
end
assert(#parts > 0, "no records in " .. records_path)

local tail = {}
for _, file in ipairs({ { "id_card_file", "id_card.jpg" }, { "certificate_file", "certificate.jpg" }, { "bank_card_file", "bank_card.jpg" } }) do
  tail[#tail + 1] = "--" .. boundary .. '\r\nContent-Disposition: form-data; name="' .. file[1] .. '"; filename="' .. file[2]
    .. '"\r\nContent-Type: image/jpeg\r\n\r\n' .. slurp(files_dir .. "/" .. file[2]) .. "\r\n"
end
tail[#tail + 1] = "--" .. boundary .. "--\r\n"
tail = table.concat(tail)

local content_type = "multipart/form-data; boundary=" .. boundary
local k = 0
bench_issued = 0

function request()
  local i = (bench_tid + k * threads) % #parts + 1
  k = k + 1
  bench_issued = k
  local headers = { ["Content-Type"] = content_type, ["Authorization"] = "Bearer " .. tokens[i], ["Accept"] = "application/json" }
  return wrk.format("POST", nil, headers, parts[i] .. tail)
end

local counts = {}

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
  if status >= 300 and bench_sample == nil then
    bench_sample = status .. " " .. body:sub(1, 400)
  end
  local out = {}
  for code, n in pairs(counts) do
    out[#out + 1] = code .. ":" .. n
  end
  bench_statuses = table.concat(out, ",")
end
