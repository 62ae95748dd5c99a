-- wrk at a fixed rate: each connection waits `delay` ms between requests (set by PACE_MS), so the offered load is
-- connections * 1000 / PACE_MS requests per second whatever the latency (wrk 4 has no -R).
local pace = tonumber(os.getenv("PACE_MS") or "10")
function delay() return pace end
