#!/usr/bin/env bash
# Resume after an interruption against starting over: a 5-minute 1080p30 transcode (the ladder of
# bench/transcode-ladder.sh, every rung encoded: passthrough = "never") is killed with SIGKILL once its progress
# lines report 90 %, then run again on the same folder; the time that second run takes is set against a full run
# of the same transcode into a fresh folder. Each run is timed with /usr/bin/time (wall, user+sys CPU, peak RSS),
# with the load average before it. ROUNDS rounds (default 2), medians printed.
# Usage: [NOISE=0] [ROUNDS=2] [KILL_AT=90] bench/transcode-resume.sh PATH/TO/reel-ingest-media [SECONDS]
set -euo pipefail
bin=$(readlink -f "${1:?usage: $0 path/to/reel-ingest-media [seconds]}")
seconds=${2:-300}
rounds=${ROUNDS:-2}
kill_at=${KILL_AT:-90}
work=${WORK:-$(mktemp -d /tmp/reel-ingest-resume-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT
cd "$work"

# The plain moving pattern by default (NOISE=6 for the noisy one, about twice the work).
noise=${NOISE:-0}
filter=(); [ "$noise" != 0 ] && filter=(-vf "noise=alls=$noise:allf=t")
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$seconds" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds" \
  "${filter[@]}" -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p -c:a aac -b:a 192k source.mp4

printf '[agent]\nlog_level = "info"\n[profiles.default]\npassthrough = "never"\n' > agent.toml
transcode=("$bin" transcode source.mp4 --progress json --config agent.toml --out)

# timed NAME DIR: one transcode into DIR, appending "NAME wall cpu rss load" to times.txt
timed() {
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "%e %U %S %M" -o time.tmp "${transcode[@]}" "$2" > "$1.out" 2> "$1.log" || { cat "$1.log"; exit 1; }
  read -r wall user sys rss < time.tmp
  echo "$1 $wall $(echo "$user + $sys" | bc) $rss $load" | tee -a times.txt
}

: > times.txt
for ((round = 0; round < rounds; round++)); do
  rm -rf full part
  timed full full
  # Killed by its own progress, not by time: SIGKILL at the first transcoding line at or past KILL_AT percent.
  python3 - "$kill_at" "${transcode[@]}" part <<'PY'
import json, os, signal, subprocess, sys
limit = float(sys.argv[1])
child = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
for line in child.stdout:
    report = json.loads(line)
    if report.get("stage") == "transcoding" and report.get("percent", 0) >= limit:
        os.kill(child.pid, signal.SIGKILL)
        print(f"killed at {report['percent']:.1f} %", file=sys.stderr)
        break
child.wait()
sys.exit(0 if child.returncode == -signal.SIGKILL else 1)
PY
  timed resume part
  grep -o '"message":"resuming[^"]*"' resume.out || { echo "the rerun did not resume"; exit 1; }
  [ -f part/video.json ] || { echo "the resumed run wrote no video.json"; exit 1; }
done

echo "source: ${seconds} s 1920x1080 30 fps, CRF 18, noise $noise, $(nproc) cores, killed at $kill_at %, $rounds rounds"
python3 - times.txt <<'PY'
import statistics, sys
runs = {}
for name, wall, cpu, rss, load in (line.split() for line in open(sys.argv[1])):
    runs.setdefault(name, []).append((float(wall), float(cpu), int(rss), float(load)))
print("| run | wall [s] median (min-max) | CPU [s] median (min-max) | peak RSS [MiB] | load before (min-max) |")
print("|:--|--:|--:|--:|--:|")
for name, values in runs.items():
    walls, cpus, rss, loads = zip(*values)
    print(f"| {name} | {statistics.median(walls):.1f} ({min(walls):.1f}-{max(walls):.1f}) | "
          f"{statistics.median(cpus):.1f} ({min(cpus):.1f}-{max(cpus):.1f}) | {max(rss) / 1024:.0f} | "
          f"{min(loads):.2f}-{max(loads):.2f} |")
wall = statistics.median(v[0] for v in runs["resume"]) / statistics.median(v[0] for v in runs["full"])
cpu = statistics.median(v[1] for v in runs["resume"]) / statistics.median(v[1] for v in runs["full"])
print(f"resume / full: wall {wall:.3f}, CPU {cpu:.3f}")
PY
