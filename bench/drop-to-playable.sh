#!/usr/bin/env bash
# Drop → playable under a capped uplink (issue 9): the same generated source as bench/transcode-ladder.sh
# (60 s 1080p30, light temporal noise), the same ladder and x264 settings, stored in a local moto_server behind
# bench/throttle-proxy.py (uplink RATE Mbit/s, 20 by default) for every client.
#   transcode   reel-ingest-media transcode alone (no upload): the floor
#   ffmpeg+aws  the single ffmpeg command of the transcode bench, then `aws s3 sync` of its output through the cap
#   agent       reel-ingest run: the file is renamed into a watched folder; "playable" is the agent's log line
#               saying the master playlist is stored (after every object it names); "published" adds the MP4,
#               thumbnails and video.json, the CDN step (none here) and cleanup. The settle time (1 s here) and the
#               source's SHA-256 are part of the agent's number.
#   agent x2    parallel_jobs = 2, two different sources dropped together
# Also the agent's own peak RSS and CPU (the transcode worker is a child process, counted separately).
# Usage: [RATE=20] [NOISE=6] [PARALLEL_RUN=0] bench/drop-to-playable.sh RELEASE_BIN_DIR [SECONDS]
set -euo pipefail
bindir=$(readlink -f "${1:?usage: $0 release-bin-dir [seconds]}")
seconds=${2:-60}
rate=${RATE:-20}
noise=${NOISE:-6}
here=$(cd "$(dirname "$0")" && pwd)
work=${WORK:-$(mktemp -d /tmp/reel-ingest-playable-bench.XXXXXX)}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cd "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

make_source() { # NAME SEED
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$seconds" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds" \
    -vf "noise=alls=$noise:allf=t:all_seed=$2" -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p \
    -c:a aac -b:a 192k "$1"
}
make_source source.mp4 1
make_source second.mp4 2

moto_port=$(free_port)
moto_server -H 127.0.0.1 -p "$moto_port" >moto.log 2>&1 &
pids+=($!)
proxy_port=$(free_port)
python3 "$here/throttle-proxy.py" "127.0.0.1:$moto_port" "$proxy_port" "$rate" &
pids+=($!)
export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=us-east-1
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$moto_port/moto-api/" && break; sleep 0.1; done
aws --endpoint-url "http://127.0.0.1:$moto_port" s3api create-bucket --bucket bench >/dev/null
endpoint="http://127.0.0.1:$proxy_port"

# CPU seconds used so far by the S3 server and the proxy: on this one machine they compete with the encoder while
# the agent uploads during the encode (the ffmpeg pipeline uploads after it), so their share is reported.
server_cpu() {
  cat "/proc/${pids[0]}/stat" "/proc/${pids[1]}/stat" |
    awk -v hz="$(getconf CLK_TCK)" '{ s += $14 + $15 } END { printf "%.1f", s / hz }'
}
printf '[agent]\nlog_level = "info"\n' > plain.toml
: > results.txt
record() { echo "$*" >> results.txt; }

# 1. The transcode alone.
start=$(now)
/usr/bin/time -f "%e %U %S %M" -o t.txt "$bindir/reel-ingest-media" transcode source.mp4 --out out-transcode \
  --progress json --config plain.toml >/dev/null
read -r wall user sys rss < t.txt
record transcode "$wall" "$(echo "$user + $sys" | bc)" "$rss"

# 2. ffmpeg's single command, then aws s3 sync through the same cap.
x264=(-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p
  -x264-params keyint=120:min-keyint=120:scenecut=0:open-gop=0 -force_key_frames "expr:gte(t,n_forced*4)")
ladder=(-b:v:0 5000k -maxrate:v:0 5350k -bufsize:v:0 7500k -level:v:0 4.1
  -b:v:1 2800k -maxrate:v:1 2996k -bufsize:v:1 4200k -level:v:1 3.1
  -b:v:2 1400k -maxrate:v:2 1498k -bufsize:v:2 2100k -level:v:2 3.0)
split="[0:v]split=3[a][b][c];[a]scale=-2:1080[v0];[b]scale=-2:720[v1];[c]scale=-2:480[v2]"
mkdir -p out-ffmpeg
start=$(now)
ffmpeg -hide_banner -loglevel error -y -i source.mp4 -filter_complex "$split" \
  -map "[v0]" -map "[v1]" -map "[v2]" -map 0:a "${x264[@]}" "${ladder[@]}" -c:a aac -b:a 128k -ac 2 -ar 48000 \
  -f dash -seg_duration 4 -use_template 1 -use_timeline 1 -hls_playlist 1 \
  -adaptation_sets "id=0,streams=v id=1,streams=a" out-ffmpeg/manifest.mpd
encoded=$(now)
servers_before=$(server_cpu)
aws --endpoint-url "$endpoint" s3 sync out-ffmpeg s3://bench/ffmpeg --only-show-errors
done_at=$(now)
record ffmpeg "$(echo "$encoded - $start" | bc)" "$(echo "$done_at - $encoded" | bc)" \
  "$(echo "$done_at - $start" | bc)" "$(du -sb out-ffmpeg | cut -f1)" "$(echo "$(server_cpu) - $servers_before" | bc)"

# 3. The agent: drop, wait for "playable" and "published".
agent_run() { # NAME PARALLEL FILES...
  local name=$1 parallel=$2; shift 2
  local dir="agent-$name"
  mkdir -p "$dir/inbox" "$dir/watches.d"
  cat > "$dir/agent.toml" <<TOML
[agent]
state_dir = "state"
scratch_dir = "scratch"
watches_dir = "watches.d"
parallel_jobs = $parallel
[limits]
settle_time = "1s"
max_file_size = "4GiB"
[storage]
url = "s3://bench/$name"
endpoint = "$endpoint"
path_style = true
[cdn]
provider = "none"
TOML
  printf 'path = "%s"\n' "$work/$dir/inbox" > "$dir/watches.d/inbox.toml"
  "$bindir/reel-ingest" run --config "$dir/agent.toml" 2> "$dir/agent.log" &
  local agent=$!
  pids+=($agent)
  until grep -q "watching folder" "$dir/agent.log"; do sleep 0.05; done
  for f in "$@"; do cp "$f" "$dir/.$(basename "$f")"; done
  local dropped servers_before
  servers_before=$(server_cpu)
  dropped=$(now)
  for f in "$@"; do mv "$dir/.$(basename "$f")" "$dir/inbox/$(basename "$f")"; done
  local want=$#
  local playable="" published=""
  # Follow the log as it is written; time each event when its line appears.
  while IFS= read -r line; do
    case $line in
      *"] playable"*) playable=$(now); ;;
      *"] rejected"* | *"] failed"*) echo "drop-to-playable: the agent gave up: $line" >&2; exit 1 ;;
      *"] published"*) want=$((want - 1)); [ "$want" = 0 ] && { published=$(now); break; } ;;
    esac
  done < <(tail -n +1 -f "$dir/agent.log")
  local stat cpu rss
  rss=$(awk '/VmHWM/ { print $2 }' "/proc/$agent/status")
  stat=$(cut -d' ' -f14-17 "/proc/$agent/stat")
  cpu=$(echo "$stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f %.1f", ($1 + $2) / hz, ($3 + $4) / hz }')
  kill -TERM "$agent"; wait "$agent" || true
  record "agent-$name" "$(echo "$playable - $dropped" | bc)" "$(echo "$published - $dropped" | bc)" "$rss" $cpu \
    "$(echo "$(server_cpu) - $servers_before" | bc)"
}
agent_run one 1 source.mp4
[ "${PARALLEL_RUN:-1}" = 0 ] || agent_run two 2 source.mp4 second.mp4

echo "source: ${seconds} s 1920x1080 30 fps, noise $noise; uplink cap ${rate} Mbit/s; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
awk '
  $1 == "transcode" { t = $2; printf "transcode alone: %.1f s wall, %.1f s CPU, %.0f MiB peak RSS\n", $2, $3, $4 / 1024 }
  $1 == "ffmpeg" { f = $4; printf "ffmpeg then aws s3 sync: %.1f s + %.1f s = %.1f s (%.1f MB uploaded; S3 server and proxy CPU %.1f s)\n", $2, $3, $4, $5 / 1e6, $6 }
  $1 ~ /^agent-/ { printf "%s: playable %.1f s, published %.1f s after the drop; agent peak RSS %.0f MiB, agent CPU %.1f s, worker CPU %.1f s, S3 server and proxy CPU %.1f s\n", $1, $2, $3, $4 / 1024, $5, $6, $7
                   if ($1 == "agent-one") a = $2 }
  END { printf "\nagent-one playable / transcode alone: %.2f;  / (ffmpeg then aws): %.2f\n", a / t, a / f }
' results.txt
