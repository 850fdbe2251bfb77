-- wrk script: POST the JSON body stored in the file named by WRK_BODY_FILE.
-- Kept generic so that any JSON endpoint can be loaded with it.
local path = os.getenv("WRK_BODY_FILE")
assert(path, "WRK_BODY_FILE is not set")
local handle = assert(io.open(path, "rb"))
local body = handle:read("*a")
handle:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
