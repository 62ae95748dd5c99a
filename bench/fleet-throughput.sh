#!/usr/bin/env bash
# Fleet throughput: the same clips dropped at once into one shared folder, transcoded by
#   sqlite-1  one agent on SQLite (the single-machine default), pinned to core 0
#   pg-1      one agent on PostgreSQL, pinned to core 0
#   pg-2      two agents on one PostgreSQL, watching the same folder, pinned to cores 0 and 1
# (taskset: the agent's transcode worker inherits its core). Reported per run: wall time from the drop to the last
# publication, files per hour, each agent's peak RSS (VmHWM), and on PostgreSQL the most connections open to the
# run's database and the statements it ran (pg_stat_statements) per job and per idle minute, and where the CPU time
# went per file (the agents with their workers, PostgreSQL, the rest of the machine: bench/lib/cpu-seconds.py).
# Store: a local file:// folder shared by the agents (uploads are not what is measured).
# Needs the test servers' PostgreSQL (started here through scripts/test-servers.sh unless
# REEL_INGEST_TEST_POSTGRES_URL is set); it loads pg_stat_statements.
# Clips: 720p, transcoded to a 720p, 360p and 180p ladder (veryfast), so that the transcode dominates each job.
# Usage: bench/fleet-throughput.sh BIN_DIR [FILES] [SECONDS-PER-CLIP]   (BENCH_DIR=/dev/shm puts the share, the
# agents' state and scratch and the store on tmpfs, where fsync costs nothing)
set -euo pipefail
bindir=$(readlink -f "${1:?usage: $0 bin-dir [files] [seconds-per-clip]}")
files=${2:-16}
seconds=${3:-12}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work=$(mktemp -d "${BENCH_DIR:-/tmp}/reel-ingest-fleet-bench.XXXXXX")
. "$here/lib/test-postgres.sh"
psql "$server" -tAq -c "SELECT 1 FROM pg_stat_statements LIMIT 1" >/dev/null 2>&1 ||
  { echo "pg_stat_statements is not loaded in the test PostgreSQL (scripts/test-servers.sh loads it)" >&2; exit 1; }

cd "$work"
mkdir -p clips
echo "making $files clips of $seconds s (1280x720, 25 fps), each with its own bytes" >&2
for n in $(seq "$files"); do
  ffmpeg -hide_banner -loglevel error -y -f lavfi -i "testsrc2=size=1280x720:rate=25:duration=$seconds" \
    -f lavfi -i "sine=frequency=$((200 + 20 * n)):duration=$seconds" -metadata comment="clip $n" \
    -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -shortest "clips/$n.mp4"
done

config() { # DIR NAME DATABASE-TABLE
  mkdir -p "$1/watches.d"
  echo "path = \"$work/share\"" >"$1/watches.d/share.toml"
  cat >"$1/agent.toml" <<EOF
[agent]
name = "$2"
state_dir = "state"
scratch_dir = "scratch"
watches_dir = "watches.d"
parallel_jobs = 1
$3
[limits]
settle_time = "300ms"
[storage]
url = "file://$work/published"
[profiles.default]
segment_duration = "2s"
[[profiles.default.renditions]]
height = 720
video_bitrate = "2500k"
preset = "veryfast"
[[profiles.default.renditions]]
height = 360
video_bitrate = "800k"
preset = "veryfast"
[[profiles.default.renditions]]
height = 180
video_bitrate = "250k"
preset = "veryfast"
EOF
}

start_agent() { # DIR CORE
  (cd "$1" && exec taskset -c "$2" "$bindir/reel-ingest" run --config agent.toml >agent.log 2>&1) &
  pids+=($!)
  for _ in $(seq 300); do grep -q "watching folder" "$1/agent.log" 2>/dev/null && return; sleep 0.1; done
  echo "$1 did not start:" >&2; cat "$1/agent.log" >&2; exit 1
}

peak_rss_mib() { awk '/VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

# The agents' statements: the bench's own look at the published count (its `AND 'bench' = 'bench'`, normalized to
# `$2 = $3`) is left out.
statements() { # DATABASE
  psql "$server" -tAq -c "SELECT COALESCE(SUM(calls), 0) FROM pg_stat_statements
    WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$1') AND query NOT LIKE '%\$2 = \$3%'"
}

# One run, its agents started: drops every clip at once and waits until all are published. Prints one table row,
# and keeps the PostgreSQL numbers in LABEL.pg, the CPU accounting in LABEL.cpu and the run's start and end in
# LABEL.span. On PostgreSQL the waiting asks one psql session kept open for the run (a psql started twice a second
# would itself take a few per cent of a core from the agents, which in the two-agent run have no core to spare).
run() { # LABEL DATABASE(or -) COUNT-COMMAND...
  local label=$1 database=$2
  shift 2
  local idle_before idle_after started ended most=0 published=0
  if [ "$database" != - ]; then
    # A quiet minute's worth of statements: heartbeats, polls and the scheduler's look for work.
    idle_before=$(statements "$database")
    sleep 30
    idle_after=$(statements "$database")
    coproc WATCH { psql "${server%/*}/$database" -tAq 2>&1; }
  fi
  local before=0
  [ "$database" != - ] && before=$(statements "$database")
  local cpu_before; cpu_before=$(python3 "$here/lib/cpu-seconds.py" "${pids[@]}")
  started=$(date +%s.%N)
  for n in $(seq "$files"); do cp "clips/$n.mp4" "share/.$n.part" && mv "share/.$n.part" "share/$n.mp4"; done
  local published_query="SELECT COUNT(*) FROM video_processing_jobs WHERE state = 'published' AND 'bench' = 'bench'"
  while [ "$published" -lt "$files" ]; do
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "an agent exited:" >&2; cat ./*/agent.log >&2; exit 1; }; done
    if [ "$database" != - ]; then
      # The session's own connection is not the agents'.
      echo "$published_query; SELECT COUNT(*) - 1 FROM pg_stat_activity WHERE datname = '$database' AND 'bench' = 'bench';" >&"${WATCH[1]}"
      read -r published <&"${WATCH[0]}"
      local now; read -r now <&"${WATCH[0]}"
      [ "$now" -gt "$most" ] && most=$now
    else
      published=$("$@" "$published_query")
    fi
    [ "$published" -lt "$files" ] && sleep 0.5
  done
  ended=$(date +%s.%N)
  local cpu_after; cpu_after=$(python3 "$here/lib/cpu-seconds.py" "${pids[@]}")
  if [ "$database" != - ]; then
    echo '\q' >&"${WATCH[1]}"
    wait "$WATCH_PID" 2>/dev/null || true
  fi
  local rss=""
  for p in "${pids[@]}"; do rss+="${rss:+ / }$(peak_rss_mib "$p")"; done
  python3 - "$label" "$started" "$ended" "$files" "$rss" <<'EOF'
import sys
label, started, ended, files, rss = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
wall = ended - started
print(f"| {label} | {files} | {wall:.1f} | {files * 3600 / wall:.0f} | {rss} |")
EOF
  python3 - "$label" "$started" "$ended" "$files" "$cpu_before" "$cpu_after" >"$label.cpu" <<'EOF'
import sys
label, started, ended, files = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
machine, agents, postgres = (b - a for a, b in zip(map(float, sys.argv[5].split()), map(float, sys.argv[6].split())))
other = machine - agents - postgres
wall = ended - started
print(f"| {label} | {agents / files:.2f} | {postgres / files:.2f} | {other / files:.2f} | {machine / (2 * wall) * 100:.0f} % |")
EOF
  if [ "$database" != - ]; then
    local after; after=$(statements "$database")
    echo "| $label | $most | $(( (after - before) / files )) | $(( (idle_after - idle_before) * 2 )) |" >"$label.pg"
  fi
  echo "$started $ended" >"$label.span"
}


fresh_share() { rm -rf share published; mkdir -p share published; }

echo "| run | files | wall [s] | files/hour | agent peak RSS [MiB] |" >"$work/table"
echo "|:---|---:|---:|---:|---:|" >>"$work/table"

# The machine's own ceiling: the same ladder with the ffmpeg CLI, every clip on one core, then half the clips on each
# of two cores at once (two vCPUs need not scale by 2: shared caches, memory bandwidth, the host's scheduling).
ladder() { # CLIP OUT-DIR
  mkdir -p "$2"
  ffmpeg -hide_banner -loglevel error -y -i "$1" -filter_complex \
    "[0:v]split=3[a][b][c];[b]scale=-2:360[b2];[c]scale=-2:180[c2]" \
    -map "[a]" -c:v libx264 -preset veryfast -b:v 2500k "$2/720.mp4" \
    -map "[b2]" -c:v libx264 -preset veryfast -b:v 800k "$2/360.mp4" \
    -map "[c2]" -c:v libx264 -preset veryfast -b:v 250k "$2/180.mp4" \
    -map 0:a -c:a aac -b:a 128k "$2/audio.mp4"
}
ffmpeg_run() { # CORE FIRST LAST
  for n in $(seq "$2" "$3"); do taskset -c "$1" bash -c "$(declare -f ladder); ladder clips/$n.mp4 ffmpeg-out/$n"; done
}
echo "ffmpeg: $files files on one core, then on two" >&2
# The machine's CPU time over each CLI run (nothing else of the bench runs then): the CLI's CPU per file.
machine_cpu() { python3 "$here/lib/cpu-seconds.py" | cut -d' ' -f1; }
cpu_before=$(machine_cpu)
started=$(date +%s.%N)
ffmpeg_run 0 1 "$files"
ended=$(date +%s.%N)
echo "$started $ended" >ffmpeg-1.span
echo "| ffmpeg-1 (the CLI: the whole machine) | $(echo "$(machine_cpu) $cpu_before $files" | awk '{ printf "%.2f", ($1 - $2) / $3 }') | - | - | - |" >ffmpeg-1.cpu
half=$((files / 2))
cpu_before=$(machine_cpu)
started=$(date +%s.%N)
ffmpeg_run 0 1 "$half" &
ffmpeg_run 1 $((half + 1)) "$files"
wait $!
ended=$(date +%s.%N)
echo "$started $ended" >ffmpeg-2.span
echo "| ffmpeg-2 (the CLI: the whole machine) | $(echo "$(machine_cpu) $cpu_before $files" | awk '{ printf "%.2f", ($1 - $2) / $3 }') | - | - | - |" >ffmpeg-2.cpu
rm -rf ffmpeg-out
for run in ffmpeg-1 ffmpeg-2; do
  python3 - "$run" "$files" "$run.span" <<'EOF' >>"$work/table"
import sys
label, files, span = sys.argv[1], int(sys.argv[2]), sys.argv[3]
started, ended = map(float, open(span).read().split())
print(f"| {label} (the ffmpeg CLI, same ladder) | {files} | {ended - started:.1f} | {files * 3600 / (ended - started):.0f} | - |")
EOF
done

# One agent on SQLite.
fresh_share
config sqlite-1 sqlite-1 ""
start_agent sqlite-1 0
sqlite_q() { sqlite3 "$work/sqlite-1/state/reel-ingest.sqlite" "$1" 2>/dev/null || echo 0; }
echo "sqlite-1: $files files" >&2
run sqlite-1 - sqlite_q >>"$work/table"
stop_agents

# One agent on PostgreSQL.
fresh_share
new_database one fleet_one
config pg-1 pg-1 "[database]
url = \"$(url_of "$one")\""
start_agent pg-1 0
pg_one() { psql "${server%/*}/$one" -tAq -c "$1" 2>/dev/null || echo 0; }
echo "pg-1: $files files" >&2
run pg-1 "$one" pg_one >>"$work/table"
stop_agents
# Where one agent's statements went, over the whole run (start, idle half minute, the jobs).
psql "$server" -tAq -F ' | ' -c "SELECT calls, left(regexp_replace(query, '\s+', ' ', 'g'), 90)
  FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = '$one')
  AND query NOT LIKE '%\$2 = \$3%' ORDER BY calls DESC LIMIT 10" >pg-1.top

# Two agents on one PostgreSQL, one core each.
fresh_share
new_database two fleet_two
for n in 0 1; do
  config "pg-2-$n" "pg-2-$n" "[database]
url = \"$(url_of "$two")\""
done
start_agent pg-2-0 0
start_agent pg-2-1 1
pg_two() { psql "${server%/*}/$two" -tAq -c "$1" 2>/dev/null || echo 0; }
echo "pg-2: $files files" >&2
run pg-2 "$two" pg_two >>"$work/table"
split=$(pg_two "SELECT string_agg(revision_by || ' ' || n, ', ' ORDER BY revision_by) FROM
  (SELECT revision_by, COUNT(*) AS n FROM video_processing_jobs WHERE state = 'published' GROUP BY revision_by) s")
stop_agents

cat "$work/table"
echo
echo "| run | most connections | statements per job | statements per idle minute |"
echo "|:---|---:|---:|---:|"
cat "$work/pg-1.pg" "$work/pg-2.pg"
echo
echo "CPU seconds per file: the agents with their transcode workers, PostgreSQL, and the rest of the machine"
echo "| run | agents | PostgreSQL | other | both cores busy |"
echo "|:---|---:|---:|---:|---:|"
cat "$work/ffmpeg-1.cpu" "$work/ffmpeg-2.cpu" "$work/sqlite-1.cpu" "$work/pg-1.cpu" "$work/pg-2.cpu"
echo
python3 - "$work"/pg-1.span "$work"/pg-2.span "$work"/ffmpeg-1.span "$work"/ffmpeg-2.span <<'EOF'
import sys
spans = [tuple(map(float, open(p).read().split())) for p in sys.argv[1:]]
one, two, ffmpeg_one, ffmpeg_two = (b - a for a, b in spans)
print(f"two agents against one on PostgreSQL: {one / two:.2f}x the files per hour")
print(f"the ffmpeg CLI on two cores against one: {ffmpeg_one / ffmpeg_two:.2f}x")
EOF
echo "published by: $split"
echo
echo "pg-1's most frequent statements (calls | statement):"
cat "$work/pg-1.top"
