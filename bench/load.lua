-- wrk script of bench/load.sh: one request shape per run, chosen by environment.
--   LOAD_METHOD, LOAD_PATH, LOAD_BODY, LOAD_AUTH (a whole Authorization header value),
--   LOAD_TYPE (Content-Type), LOAD_KIND:
--     plain        the same request every time
--     idempotent   LOAD_BODY with "%KEY%" replaced by a key unique to each request
--                  of the run named LOAD_RUN (so a later run's keys are not replays);
--                  with LOAD_TOKENS (run with -t = -c), each thread sends its line of
--                  that file as its bearer token
--     refresh      a refresh-token chain per connection (run with -t = -c): tokens come
--                  from the file LOAD_TOKENS, one line per thread; each answer's
--                  refresh_token (or refreshToken) is the next request's
-- done() prints one line: requests/s p50_ms p99_ms errors

local threads = {}
local counter = 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local kind = os.getenv("LOAD_KIND") or "plain"
local method = os.getenv("LOAD_METHOD") or "GET"
local path = os.getenv("LOAD_PATH") or "/"
local body = os.getenv("LOAD_BODY")
local run = os.getenv("LOAD_RUN") or ""
local headers = {}
if os.getenv("LOAD_AUTH") then headers["Authorization"] = os.getenv("LOAD_AUTH") end
if os.getenv("LOAD_TYPE") then headers["Content-Type"] = os.getenv("LOAD_TYPE") end

local token = nil

function init(args)
  if os.getenv("LOAD_TOKENS") then
    local n = 0
    for line in io.lines(os.getenv("LOAD_TOKENS")) do
      n = n + 1
      if n == id then token = line end
    end
  end
end

local function refresh_body()
  local form = os.getenv("LOAD_BODY")
  return (form:gsub("%%TOKEN%%", token or ""))
end

function request()
  if kind == "idempotent" then
    counter = counter + 1
    if token then headers["Authorization"] = "Bearer " .. token end
    return wrk.format(method, path, headers, (body:gsub("%%KEY%%", run .. "-" .. id .. "-" .. counter)))
  elseif kind == "refresh" then
    return wrk.format(method, path, headers, refresh_body())
  end
  return wrk.format(method, path, headers, body)
end

-- Only chains read answers: wrk parses bodies only when response() exists.
if kind == "refresh" then
  function response(status, resp_headers, resp_body)
    if status == 200 then
      local next = resp_body:match('"refresh_token"%s*:%s*"([^"]+)"')
        or resp_body:match('"refreshToken"%s*:%s*"([^"]+)"')
      if next then token = next end
    end
  end
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT %.1f %.2f %.2f %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, errors))
end
