#!/usr/bin/env bash
# Passthrough top rung against the ffmpeg command lines a user would otherwise run, on the same generated source: a
# 1080p30 H.264 recording with a 2 s GOP at the profile's own 1080p settings (5000k, maxrate 5350k, bufsize 7500k),
# so its packets qualify as the top rung. Same ladder and x264 settings as bench/transcode-ladder.sh (1080/720/480,
# veryfast, High, 4 s closed GOPs without scene-cut keyframes, AAC 128k):
#   ours         reel-ingest-media transcode: top rung = the source's packets, 720p and 480p encoded with IDRs at the
#                source IDRs every 4 s; CMAF + HLS + DASH + MP4 (720p) + thumbnails + video.json
#   ours-encode  the same with passthrough = "never" (what the ladder bench measures), for reference
#   (a)          one ffmpeg command re-encoding all three rungs: split + scale + dash muxer with hls_playlist=1
#   (b)          the best ffmpeg command that also copies the top rung: -c:v:0 copy, 720p and 480p encoded with forced
#                keyframes every 4 s (the source's IDRs fall there too), dash muxer with hls_playlist=1
# ROUNDS rounds (default 3), each starting with a different contender; every run is timed with /usr/bin/time -v
# (wall, user+sys CPU, peak RSS) and the load average before it is recorded. Medians are printed.
# Usage: [NOISE=6] [ROUNDS=3] bench/transcode-passthrough.sh PATH/TO/reel-ingest-media [SECONDS]
set -euo pipefail
bin=$(readlink -f "${1:?usage: $0 path/to/reel-ingest-media [seconds]}")
seconds=${2:-60}
rounds=${ROUNDS:-3}
work=${WORK:-$(mktemp -d /tmp/reel-ingest-passthrough-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT
cd "$work"

noise=${NOISE:-6}
filter=(); [ "$noise" != 0 ] && filter=(-vf "noise=alls=$noise:allf=t")
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$seconds" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds" \
  "${filter[@]}" -c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p \
  -b:v 5000k -maxrate 5350k -bufsize 7500k -x264-params keyint=60:min-keyint=60:scenecut=0:open-gop=0 \
  -c:a aac -b:a 192k source.mp4

printf '[agent]\nlog_level = "info"\n[profiles.never]\npassthrough = "never"\n' > agent.toml
"$bin" probe source.mp4 --config agent.toml | grep '^passthrough'

x264=(-preset veryfast -profile:v high -pix_fmt yuv420p
  -x264-params keyint=120:min-keyint=120:scenecut=0:open-gop=0 -force_key_frames "expr:gte(t,n_forced*4)")
# The same settings for (b)'s two encoded streams only (a stream copy takes no encoder options).
x264b=()
for s in 1 2; do
  x264b+=(-preset:v:$s veryfast -profile:v:$s high -pix_fmt:v:$s yuv420p
    -x264-params:v:$s keyint=120:min-keyint=120:scenecut=0:open-gop=0 -force_key_frames:v:$s "expr:gte(t,n_forced*4)")
done
audio=(-c:a aac -b:a 128k -ac 2 -ar 48000)
dash=(-f dash -seg_duration 4 -use_template 1 -use_timeline 1 -hls_playlist 1
  -adaptation_sets "id=0,streams=v id=1,streams=a")

# command NAME OUTDIR: sets cmd to the command line of one contender writing into OUTDIR
command() {
  case $1 in
    ours) cmd=("$bin" transcode source.mp4 --out "$2" --progress json --config agent.toml) ;;
    ours_encode) cmd=("$bin" transcode source.mp4 --out "$2" --progress json --config agent.toml --profile never) ;;
    a) cmd=(ffmpeg -hide_banner -loglevel error -y -i source.mp4
      -filter_complex "[0:v]split=3[a][b][c];[a]scale=-2:1080[v0];[b]scale=-2:720[v1];[c]scale=-2:480[v2]"
      -map "[v0]" -map "[v1]" -map "[v2]" -map 0:a -c:v libx264 "${x264[@]}"
      -b:v:0 5000k -maxrate:v:0 5350k -bufsize:v:0 7500k -level:v:0 4.1
      -b:v:1 2800k -maxrate:v:1 2996k -bufsize:v:1 4200k -level:v:1 3.1
      -b:v:2 1400k -maxrate:v:2 1498k -bufsize:v:2 2100k -level:v:2 3.0 "${audio[@]}" "${dash[@]}" "$2/manifest.mpd") ;;
    b) cmd=(ffmpeg -hide_banner -loglevel error -y -i source.mp4
      -filter_complex "[0:v]split=2[b][c];[b]scale=-2:720[v1];[c]scale=-2:480[v2]"
      -map 0:v -map "[v1]" -map "[v2]" -map 0:a -c:v:0 copy -c:v:1 libx264 -c:v:2 libx264 "${x264b[@]}"
      -b:v:1 2800k -maxrate:v:1 2996k -bufsize:v:1 4200k -level:v:1 3.1
      -b:v:2 1400k -maxrate:v:2 1498k -bufsize:v:2 2100k -level:v:2 3.0 "${audio[@]}" "${dash[@]}" "$2/manifest.mpd") ;;
  esac
}

contenders=(ours ours_encode a b)
: > times.txt
for ((round = 0; round < rounds; round++)); do
  for ((i = 0; i < ${#contenders[@]}; i++)); do
    name=${contenders[$(((i + round) % ${#contenders[@]}))]}
    out="out-$name-$round"; mkdir -p "$out"
    load=$(cut -d' ' -f1 /proc/loadavg)
    command "$name" "$out"
    /usr/bin/time -f "%e %U %S %M" -o time.tmp "${cmd[@]}" >/dev/null 2>"$name.log" || { cat "$name.log"; exit 1; }
    read -r wall user sys rss < time.tmp
    echo "$name $round $wall $(echo "$user + $sys" | bc) $rss $load" | tee -a times.txt
    rm -rf "$out"
  done
done

echo "source: ${seconds} s 1920x1080 30 fps, 2 s GOP, 5000k, noise $noise, $(nproc) cores, $rounds rounds"
python3 - times.txt ours a b ours_encode <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
runs = {}
for name, _, wall, cpu, rss, load in rows:
    runs.setdefault(name, []).append((float(wall), float(cpu), int(rss), float(load)))
print("| run | wall [s] median (min-max) | CPU [s] median (min-max) | peak RSS [MiB] | load before (min-max) |")
print("|:--|--:|--:|--:|--:|")
for name, values in runs.items():
    walls, cpus, rss, loads = zip(*values)
    print(f"| {name} | {statistics.median(walls):.1f} ({min(walls):.1f}-{max(walls):.1f}) | "
          f"{statistics.median(cpus):.1f} ({min(cpus):.1f}-{max(cpus):.1f}) | {max(rss) / 1024:.0f} | "
          f"{min(loads):.2f}-{max(loads):.2f} |")
ours = runs[sys.argv[2]]
for other in sys.argv[3:]:
    if other in runs:
        wall = statistics.median(v[0] for v in ours) / statistics.median(v[0] for v in runs[other])
        cpu = statistics.median(v[1] for v in ours) / statistics.median(v[1] for v in runs[other])
        print(f"{sys.argv[2]} / {other}: wall {wall:.2f}, CPU {cpu:.2f}")
PY
