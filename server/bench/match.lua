-- wrk script: POST /api/v1/match, cycling through the needs in $DUIJIE_NEEDS (one JSON body a line).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
for line in io.lines(os.getenv("DUIJIE_NEEDS")) do
  bodies[#bodies + 1] = line
end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format(nil, nil, nil, bodies[i])
end
