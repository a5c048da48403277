-- Replays pre-signed Twilio SMS webhooks: one request per line of REQUESTS_FILE,
-- "<signature>\t<form body>", each thread taking every Nth line from its own offset so
-- no MessageSid is sent twice in a run; START skips that many lines (a later round
-- continues where the previous one stopped). PACE_MS (optional) waits that long per
-- connection between requests (a paced load for the latency benchmark).
local file = os.getenv("REQUESTS_FILE")
local threads = tonumber(os.getenv("WRK_THREADS") or "1")
local pace = tonumber(os.getenv("PACE_MS") or "0")
local start = tonumber(os.getenv("START") or "0")
local counter = 0
local requests = {}
local index = 0

function setup(thread)
   thread:set("offset", counter)
   counter = counter + 1
end

function init(args)
   local n = 0
   for line in io.lines(file) do
      if n % threads == offset then
         local tab = line:find("\t", 1, true)
         requests[#requests + 1] = wrk.format("POST", "/twilio/sms", {
            ["Content-Type"] = "application/x-www-form-urlencoded",
            ["X-Twilio-Signature"] = line:sub(1, tab - 1),
         }, line:sub(tab + 1))
      end
      n = n + 1
   end
   index = math.floor(start / threads) % math.max(#requests, 1)
end

function request()
   index = index + 1
   if index > #requests then index = 1 end
   return requests[index]
end

function delay()
   return pace
end
