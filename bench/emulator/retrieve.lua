-- wrk script: POST /manage/users/retrieve, each request with its own pre-made service token
-- (nonces are single use). Thread i reads $BENCH_TOKENS.i so threads never share a token.
local counter = 1
local tokens = {}
local next_token = 0
local body = '{"username":"bench-user"}'
local client_id = ""

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local f = assert(io.open(os.getenv("BENCH_TOKENS") .. "." .. id, "r"))
  for line in f:lines() do tokens[#tokens + 1] = line end
  f:close()
  client_id = os.getenv("BENCH_CLIENT_ID")
end

function request()
  next_token = next_token + 1
  if next_token > #tokens then next_token = 1 end  -- reuse shows up as non-2xx answers
  return wrk.format("POST", "/manage/users/retrieve", {
    ["Authorization"] = "Bearer " .. tokens[next_token],
    ["X-Client-ID"] = client_id,
    ["Content-Type"] = "application/json",
  }, body)
end
