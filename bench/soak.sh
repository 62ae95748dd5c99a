#!/usr/bin/env bash
# An hour of continuous drops (issue 19's soak): the agent (release build) on SQLite and a file:// store, one
# watched folder, with a live WebSocket and `jobs watch` open the whole time. A new clip (2 s, 320x240, content
# unique by its noise seed) is renamed into the folder every DROP_EVERY seconds, and every SAMPLE_EVERY seconds
# the agent's RSS, peak RSS, open file descriptors, threads, SQLite's own heap (its page caches) and the C
# allocator's bytes in use and kept free (both from /metrics), the database's size (file, WAL) and the jobs published are written to a CSV. At the end the drops stop, the queue drains, and the summary says whether each
# measure levelled off: its maximum over the last third of the run against the middle third.
# Usage: [DROP_EVERY=10] [SAMPLE_EVERY=60] bench/soak.sh RELEASE_BIN_DIR [MINUTES]     (results: bench/out/)
set -euo pipefail
bindir=$(readlink -f "${1:?usage: $0 release-bin-dir [minutes]}")
minutes=${2:-60}
drop_every=${DROP_EVERY:-10}
sample_every=${SAMPLE_EVERY:-60}
here=$(cd "$(dirname "$0")" && pwd)
out=$here/out
mkdir -p "$out"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
csv=$out/soak-$stamp.csv
work=${WORK:-$(mktemp -d /tmp/reel-ingest-soak.XXXXXX)}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
. "$here/lib/file-agent.sh"

mkdir -p staging
start_file_agent "$bindir" 'on_success = "delete"'

# The observers a user would have open: the live WebSocket (as the page holds it) and `jobs watch` on a pipe.
python3 - "${base/http:/ws:}/api/videos/processing/live" >ws.log 2>&1 <<'PY' &
import sys, websocket
ws = websocket.create_connection(sys.argv[1], subprotocols=["reel-ingest"])
n = 0
while ws.recv():
    n += 1
    if n % 1000 == 0:
        print(n, flush=True)
PY
pids+=($!)
"$bindir/reel-ingest" jobs watch --config agent.toml >watch.log 2>&1 &
pids+=($!)

drop() { # N
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=320x240:rate=25:duration=2" \
    -f lavfi -i "sine=frequency=$((200 + $1 % 800)):duration=2" -vf "noise=alls=20:allf=t:all_seed=$1" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "staging/clip-$1.mp4"
  mv "staging/clip-$1.mp4" inbox/
}
published() { sqlite3 "$work/state/reel-ingest.sqlite" "SELECT COUNT(*) FROM video_processing_jobs WHERE state = 'published'" 2>/dev/null || echo 0; }
failed() { sqlite3 "$work/state/reel-ingest.sqlite" "SELECT COUNT(*) FROM video_processing_jobs WHERE state IN ('failed','rejected')" 2>/dev/null || echo 0; }
field() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$agent/status"; }
metric() { curl -sf "$base/metrics" | awk -v name="reel_ingest_$1" '$1 == name { printf "%d", $2 }'; }
db_bytes() { du -cb "$work"/state/reel-ingest.sqlite* 2>/dev/null | tail -1 | cut -f1; }
start=$(date +%s)
sample() {
  echo "$(($(date +%s) - start)),$(field VmRSS),$(field VmHWM),$(ls "/proc/$agent/fd" | wc -l),$(field Threads),$(metric sqlite_memory_bytes),$(metric heap_in_use_bytes),$(metric heap_free_bytes),$(db_bytes),$(published),$(failed)" >>"$csv"
}
echo "seconds,rss_kib,peak_rss_kib,fds,threads,sqlite_bytes,heap_in_use_bytes,heap_free_bytes,db_bytes,published,failed" >"$csv"
sample

end=$((start + minutes * 60))
next_sample=$((start + sample_every))
n=0
while [ "$(date +%s)" -lt "$end" ]; do
  kill -0 "$agent" 2>/dev/null || { echo "the agent died"; tail -50 agent.log; exit 1; }
  n=$((n + 1))
  drop "$n"
  now=$(date +%s)
  if [ "$now" -ge "$next_sample" ]; then sample; next_sample=$((next_sample + sample_every)); fi
  sleep "$(awk -v d="$drop_every" -v t="$(($(date +%s) - now))" 'BEGIN { s = d - t; print (s > 0 ? s : 0) }')"
done
# Drain: every dropped clip published or in a terminal state.
for _ in $(seq 600); do
  [ $(($(published) + $(failed))) -ge "$n" ] && break
  sleep 1
done
sample
kill "$agent"
wait "$agent" || true

python3 - "$csv" "$n" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
dropped = int(sys.argv[2])
last = rows[-1]
print(f"soak: {int(last['seconds']) / 60:.0f} min, {dropped} clips dropped, {last['published']} published, {last['failed']} failed or rejected")
third = max(1, len(rows) // 3)
middle, tail = rows[third:2 * third] or rows, rows[2 * third:] or rows
# RSS without SQLite's page caches: what grows with the database until each connection's cache is full.
for r in rows:
    r["rss_less_sqlite_kib"] = str(int(r["rss_kib"]) - int(r["sqlite_bytes"] or 0) // 1024)
for key, unit, scale in [("rss_kib", "MiB", 1024), ("sqlite_bytes", "MiB", 1 << 20),
                         ("rss_less_sqlite_kib", "MiB", 1024), ("heap_in_use_bytes", "MiB", 1 << 20),
                         ("heap_free_bytes", "MiB", 1 << 20), ("fds", "", 1), ("threads", "", 1),
                         ("db_bytes", "MiB", 1 << 20)]:
    values = [int(r[key]) for r in rows]
    m, t = max(int(r[key]) for r in middle), max(int(r[key]) for r in tail)
    growth = (t - m) / m * 100 if m else 0
    print(f"  {key:19} first {values[0] / scale:8.1f} {unit:3}  max {max(values) / scale:8.1f}  last {values[-1] / scale:8.1f}"
          f"  last third's max vs middle third's: {growth:+.1f} %")
print(f"  peak RSS {int(last['peak_rss_kib']) / 1024:.1f} MiB")
PY
echo "samples: $csv"
