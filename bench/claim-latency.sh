#!/usr/bin/env bash
# Claim latency: from the moment intake has checked a dropped file (the job's checked_at: hashed, probed, runnable)
# to the moment an agent has claimed it and started its run (the job's probe-started stage row), per file.
#   single  one agent on SQLite
#   fleet   two agents on one PostgreSQL watching the same folder; which agent claimed (the one whose intake
#           checked the file, or the other, woken by NOTIFY) is counted too
# Files are dropped one at a time, the next once the previous is published, so every claim finds a free slot and
# the number is the wake-up path alone, not queueing. Store: a local file:// folder (uploads are not measured).
# Needs the test servers' PostgreSQL (started here through scripts/test-servers.sh unless
# REEL_INGEST_TEST_POSTGRES_URL is set).
# Usage: bench/claim-latency.sh BIN_DIR [FILES]
set -euo pipefail
bindir=$(readlink -f "${1:?usage: $0 bin-dir [files]}")
files=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d /tmp/reel-ingest-claim-bench.XXXXXX)
. "$here/lib/test-postgres.sh"
new_database database claims
target=${server%/*}/$database
url=$(url_of "$database")

cd "$work"
mkdir -p share published clips
for n in $(seq "$files"); do
  # 1 s clips, each with its own bytes (no duplicates).
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=320x180:rate=25:duration=1" \
    -metadata comment="clip $n" -c:v libx264 -preset ultrafast -pix_fmt yuv420p "clips/$n.mp4"
done

config() { # NAME DATABASE-TABLE
  mkdir -p "$1/watches.d"
  echo "path = \"$work/share\"" > "$1/watches.d/share.toml"
  cat > "$1/agent.toml" <<EOF
[agent]
name = "$1"
state_dir = "state"
scratch_dir = "scratch"
watches_dir = "watches.d"
$2
[limits]
settle_time = "300ms"
[storage]
url = "file://$work/published"
[profiles.default]
segment_duration = "1s"
[[profiles.default.renditions]]
height = 180
video_bitrate = "200k"
preset = "ultrafast"
EOF
}

# Drops every clip, one at a time, each once the previous is published (as QUERY counts them).
drop_all() { # QUERY-COMMAND...
  for n in $(seq "$files"); do
    cp "clips/$n.mp4" "share/.$n.part" && mv "share/.$n.part" "share/$n.mp4"
    for _ in $(seq 600); do
      [ "$("$@" "SELECT COUNT(*) FROM video_processing_jobs WHERE state = 'published'")" -ge "$n" ] && break
      for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "an agent exited:" >&2; cat ./*/agent.log >&2; exit 1; }; done
      sleep 0.1
    done
  done
}

# Latency in ms per job, and who claimed: the probe-started row's agent is not stored, the log says who ran it.
report() { # LABEL FILE-OF-MS
  python3 - "$1" "$2" <<'EOF'
import statistics, sys
label, path = sys.argv[1], sys.argv[2]
values = sorted(float(line) for line in open(path) if line.strip())
p = lambda q: values[min(len(values) - 1, int(round(q * (len(values) - 1))))]
print(f"| {label} | {len(values)} | {statistics.median(values):.1f} | {p(0.99):.1f} | {values[-1]:.1f} |")
EOF
}

# Single agent on SQLite.
config single ""
(cd single && exec "$bindir/reel-ingest" run --config agent.toml >agent.log 2>&1) &
pids+=($!)
sqlite_q() { sqlite3 "$work/single/state/reel-ingest.sqlite" "$1" 2>/dev/null || echo 0; }
for _ in $(seq 100); do grep -q "watching folder" single/agent.log 2>/dev/null && break; sleep 0.1; done
drop_all sqlite_q
stop_agents
sqlite3 single/state/reel-ingest.sqlite "
  SELECT (julianday(s.created_at) - julianday(j.checked_at)) * 86400000
  FROM video_processing_jobs j JOIN video_processing_stages s ON s.job_id = j.id AND s.event = 'probe-started'
  WHERE s.id = (SELECT MIN(id) FROM video_processing_stages WHERE job_id = j.id AND event = 'probe-started')" \
  > single.ms
rm -rf share/*

# Two agents on PostgreSQL.
for name in fleet-a fleet-b; do
  config "$name" "[database]
url = \"$url\""
  (cd "$name" && exec "$bindir/reel-ingest" run --config agent.toml >agent.log 2>&1) &
  pids+=($!)
done
for name in fleet-a fleet-b; do
  for _ in $(seq 100); do grep -q "watching folder" "$name/agent.log" 2>/dev/null && break; sleep 0.1; done
done
pg_q() { psql "$target" -tAq -c "$1" 2>/dev/null || echo 0; }
drop_all pg_q
stop_agents
psql "$target" -tAq -c "
  SELECT EXTRACT(EPOCH FROM s.created_at - j.checked_at) * 1000
  FROM video_processing_jobs j JOIN video_processing_stages s ON s.job_id = j.id AND s.event = 'probe-started'
  WHERE s.id = (SELECT MIN(id) FROM video_processing_stages WHERE job_id = j.id AND event = 'probe-started')" \
  > fleet.ms
claimed_a=$(grep -c "worker started" fleet-a/agent.log || true)
claimed_b=$(grep -c "worker started" fleet-b/agent.log || true)
recorded_a=$(grep -c "\[IngestAgent\] recorded" fleet-a/agent.log || true)
recorded_b=$(grep -c "\[IngestAgent\] recorded" fleet-b/agent.log || true)

echo "| setup | files | p50 [ms] | p99 [ms] | max [ms] |"
echo "|:---|---:|---:|---:|---:|"
report "one agent, SQLite" single.ms
report "two agents, PostgreSQL" fleet.ms
echo
echo "fleet: runs started by fleet-a $claimed_a, by fleet-b $claimed_b; files recorded (intake) by fleet-a $recorded_a, by fleet-b $recorded_b"
