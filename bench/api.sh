#!/usr/bin/env bash
# The status API under load and the tus upload path, on a release build.
#   1. 100,000 jobs in the database; wrk at fixed rates against GET /api/videos/processing/jobs?limit=50 and
#      GET /api/videos/processing/queue-status: p50/p99 latency and the rate held.
#   2. A 1 GiB upload over tus on loopback (curl streaming one PATCH, and tuspy in 64 MiB chunks) against `cp` of
#      the same file on the same disk, and the agent's peak RSS during it.
# Usage: bench/api.sh PATH/TO/reel-ingest   (or: make bench-api). Numbers go to BENCHMARKS.md by hand.
# With DATABASE_URL=postgres://USER@HOST:PORT/DATABASE (an empty database; the password in PGPASSWORD) the seeded
# jobs are moved there with `reel-ingest state migrate` and the agent runs on PostgreSQL. PATHS and RATES choose
# what is requested and how fast; API_ONLY=1 skips the uploads.
set -euo pipefail
bin=$(readlink -f "${1:?usage: $0 path/to/reel-ingest}")
jobs=${JOBS:-100000}
duration=${DURATION:-20s}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${BENCH_DIR:-/tmp}/reel-ingest-api-bench.XXXXXX")
agent=""
cleanup() { [ -n "$agent" ] && kill "$agent" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/inbox" "$work/watches.d"
cat > "$work/agent.toml" <<TOML
[agent]
state_dir = "state"
scratch_dir = "scratch"
log_level = "warning"
[limits]
max_file_size = "2GiB"
[storage]
url = "file://$work/published"
[api]
listen = "127.0.0.1:$port"
TOML
echo "path = \"$work/inbox\"" > "$work/watches.d/inbox.toml"
"$bin" status --config "$work/agent.toml" >/dev/null   # creates and migrates the database
python3 "$here/api_seed.py" "$work/state/reel-ingest.sqlite" "$jobs"
if [ -n "${DATABASE_URL:-}" ]; then
  "$bin" state migrate --config "$work/agent.toml" --to "$DATABASE_URL"
  printf '[database]\nurl = "%s"\n' "$DATABASE_URL" >> "$work/agent.toml"
fi

start_agent() {
  "$bin" run --config "$work/agent.toml" 2>"$work/agent.log" &
  agent=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && return; sleep 0.1; done
  echo "agent did not start"; cat "$work/agent.log"; exit 1
}
wait_for_quiet_queue() {
  local started=$SECONDS
  until curl -sf "http://127.0.0.1:$port/api/videos/processing/queue-status" \
    | python3 -c 'import json,sys; q=json.load(sys.stdin); sys.exit(0 if q["counts"].get("stable", 0) + q["running"] == 0 else 1)'; do
    [ $((SECONDS - started)) -gt 600 ] && { echo "queue still busy after 600 s"; exit 1; }
    sleep 2
  done
  echo "queue quiet after $((SECONDS - started)) s"
}
rss() { awk '/VmHWM/ {print $2 / 1024 " MiB"}' "/proc/$agent/status"; }

echo "== machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); job database: ${DATABASE_URL:-SQLite}"
start_agent
# The seed's checked jobs (stable) name files that do not exist: the agent takes each up and cancels it, a core's work for a
# minute or two. The status API is measured once the queue is quiet, as on a site between recordings.
wait_for_quiet_queue
echo "agent peak RSS after start: $(rss)"
for path in ${PATHS:-/api/videos/processing/jobs?limit=50 /api/videos/processing/queue-status /api/agents}; do
  curl -sf "http://127.0.0.1:$port$path" -o /dev/null   # warm the page cache
  for rate in ${RATES:-200 500 1000}; do
    # Many connections with a long pause each: the pause, not the latency, sets the rate.
    connections=40
    pace=$((connections * 1000 / rate))
    echo "== $path at $rate req/s ($connections connections, one request per $pace ms each), $duration"
    cpu_before=$(python3 "$here/lib/cpu-seconds.py" "$agent")
    out=$(PACE_MS=$pace wrk -t2 -c$connections -d"$duration" --latency -s "$here/api_paced.lua" \
      "http://127.0.0.1:$port$path")
    cpu_after=$(python3 "$here/lib/cpu-seconds.py" "$agent")
    grep -E "^\s+(50|99)%|Requests/sec|Non-2xx|Socket errors" <<<"$out"
    # Where the machine's time went, per request answered: the agent, PostgreSQL (when it is the database) and the
    # rest (wrk itself, the kernel, anything else running).
    requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$out")
    python3 - "$requests" "$cpu_before" "$cpu_after" <<'EOF'
import sys
requests = int(sys.argv[1])
machine, agent, postgres = (b - a for a, b in zip(map(float, sys.argv[2].split()), map(float, sys.argv[3].split())))
ms = lambda seconds: seconds * 1000 / max(requests, 1)
print(f"    CPU per request: agent {ms(agent):.2f} ms, PostgreSQL {ms(postgres):.2f} ms, "
      f"other {ms(machine - agent - postgres):.2f} ms")
EOF
  done
done
echo "agent peak RSS after the load: $(rss)"
kill "$agent"; wait "$agent" 2>/dev/null || true; agent=""
[ -n "${API_ONLY:-}" ] && exit 0

# 1 GiB of random bytes (not a video: the probe rejects it at once, so the pipeline does not run during the timing).
size=$((1024 * 1024 * 1024))
head -c $size /dev/urandom > "$work/big.bin"
sync
token=$(cat "$work/state/api-token")
b64() { printf %s "$1" | base64 -w0; }
create() {
  curl -sf -D - -o /dev/null -X POST "http://127.0.0.1:$port/api/videos/tus" -H "Authorization: Bearer $token" \
    -H "Tus-Resumable: 1.0.0" -H "Upload-Length: $size" -H "Upload-Metadata: filename $(b64 "$1")" \
    | tr -d '\r' | sed -n 's/^Location: //p'
}
seconds() { local s e; s=$(date +%s.%N); "$@"; e=$(date +%s.%N); echo "$e - $s" | bc; }
start_agent
echo "agent peak RSS before the uploads: $(rss)"
# Alternating rounds: the machine is shared, so one pair says little. cp is followed by sync because the upload
# fsyncs before it answers.
for round in 1 2 3; do
  echo "round $round: cp + sync $(seconds sh -c "cp '$work/big.bin' '$work/copy.bin' && sync") s"
  rm -f "$work/copy.bin"; sync
  location=$(create "round-$round.mp4")
  echo "round $round: tus, one streaming PATCH (curl) $(seconds curl -sf -o /dev/null -X PATCH \
    "http://127.0.0.1:$port$location" -H "Authorization: Bearer $token" -H "Tus-Resumable: 1.0.0" \
    -H "Upload-Offset: 0" -H "Content-Type: application/offset+octet-stream" --upload-file "$work/big.bin") s"
  rm -f "$work/inbox/"*; sync
done
echo "agent peak RSS after the curl uploads: $(rss)"
echo "== tus, 64 MiB chunks with sha1 each (tuspy)"
/usr/bin/time -f "tus upload (tuspy): %e s" python3 - "$port" "$token" "$work/big.bin" <<'PY'
import sys
from tusclient import client
port, token, path = sys.argv[1:4]
c = client.TusClient(f"http://127.0.0.1:{port}/api/videos/tus", headers={"Authorization": "Bearer " + token})
c.uploader(path, chunk_size=64 * 1024 * 1024, upload_checksum=True, metadata={"filename": "big-tuspy.mp4"}).upload()
PY
echo "agent peak RSS after the tuspy upload: $(rss)"
echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
