#!/usr/bin/env bash
# 1,000 short clips dropped at once (issue 19's load): the agent (release build) on SQLite and a file:// store,
# with the status page open in Chromium (Playwright), `jobs watch` on a pipe and wrk reading the job list at about
# 100 requests/s the whole time. The clips are 1 s of 160x120 (one ffmpeg run cut into COUNT unique pieces),
# renamed into the watched folder in one `mv`. Reported: the time until every clip is published, the agent's peak
# RSS (sampled each second, and the kernel's VmHWM), its file descriptors and threads at the peak, and the job
# list's p50/p99 under that load; files lost (dropped and not published) and published twice must be 0.
# Usage: [COUNT=1000] bench/load.sh RELEASE_BIN_DIR
set -euo pipefail
bindir=$(readlink -f "${1:?usage: $0 release-bin-dir}")
count=${COUNT:-1000}
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-$(mktemp -d /tmp/reel-ingest-load.XXXXXX)}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
. "$here/lib/file-agent.sh"

mkdir -p inbox staging
ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=160x120:rate=25:duration=$count" \
  -f lavfi -i "sine=frequency=300:duration=$count" -vf "noise=alls=20:allf=t" \
  -c:v libx264 -preset ultrafast -g 25 -pix_fmt yuv420p -c:a aac \
  -f segment -segment_time 1 -reset_timestamps 1 "staging/clip-%04d.mp4"
made=$(ls staging | wc -l)
echo "== $made clips of 1 s made"

start_file_agent "$bindir"

# The page, open in Chromium for the whole run; it holds the live WebSocket and reads the queue as a user's would.
python3 - "$base/" >page.log 2>&1 <<'PY' &
import sys, time
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(sys.argv[1])
    print("page open", flush=True)
    while True:
        time.sleep(5)
        print("rows", page.locator("tr.job").count(), flush=True)
        if errors:
            print("page errors:", errors, flush=True)
            errors.clear()
PY
pids+=($!)
"$bindir/reel-ingest" jobs watch --config agent.toml >watch.log 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "page open" page.log 2>/dev/null && break; sleep 0.2; done

field() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$agent/status"; }
count_state() { sqlite3 "$work/state/reel-ingest.sqlite" "SELECT COUNT(*) FROM video_processing_jobs WHERE state IN ($1)"; }
peak=0 peak_fds=0 peak_threads=0
start=$(date +%s.%N)
mv staging/*.mp4 inbox/
PACE_MS=40 wrk -t1 -c4 -d3600s --latency -s "$here/api_paced.lua" "$base/api/videos/processing/jobs?limit=50" \
  >wrk.log 2>&1 &
wrk=$!
pids+=("$wrk")
while :; do
  rss=$(field VmRSS)
  [ "$rss" -gt "$peak" ] && { peak=$rss; peak_fds=$(ls "/proc/$agent/fd" | wc -l); peak_threads=$(field Threads); }
  done_jobs=$(count_state "'published','failed','rejected','duplicate','cancelled'")
  [ "$done_jobs" -ge "$made" ] && break
  kill -0 "$agent" 2>/dev/null || { echo "the agent died"; tail -50 agent.log; exit 1; }
  sleep 1
done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
kill -INT "$wrk"; wait "$wrk" 2>/dev/null || true
published=$(count_state "'published'")
twice=$(sqlite3 "$work/state/reel-ingest.sqlite" \
  "SELECT COUNT(*) FROM (SELECT source_path FROM video_processing_jobs WHERE state = 'published' GROUP BY source_path HAVING COUNT(*) > 1)")
echo "== $made clips dropped at once: $published published in $(printf %.0f "$elapsed") s ($(echo "scale=1; $published * 3600 / $elapsed" | bc) per hour)"
echo "   lost: $((made - published)), published twice: $twice, other end states: $(count_state "'failed','rejected','duplicate','cancelled'")"
echo "   agent RSS: peak $((peak / 1024)) MiB sampled each second (VmHWM $(( $(field VmHWM) / 1024 )) MiB), at it $peak_fds file descriptors and $peak_threads threads"
echo "   job list under that load (wrk, ~100 req/s):"
grep -E "^\s+(50|90|99)%|Requests/sec|Non-2xx|Socket errors" wrk.log | sed 's/^/     /'
echo "   the page's table: at most $(awk '$1 == "rows" && $2 > m { m = $2 } END { print m + 0 }' page.log) rows at once"
grep -q "page errors" page.log && { echo "   the page reported errors:"; grep "page errors" page.log; }
kill "$agent"; wait "$agent" 2>/dev/null || true
