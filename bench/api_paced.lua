-- wrk at a paced rate: each connection waits `delay` ms after each answer before its next request (set by
-- PACE_MS; wrk 4 has no -R). The rate offered is connections / (PACE_MS + latency): at most connections * 1000 /
-- PACE_MS, reached only when answers take no time, so a slower server is also offered less (closed loop).
local pace = tonumber(os.getenv("PACE_MS") or "10")
function delay() return pace end
