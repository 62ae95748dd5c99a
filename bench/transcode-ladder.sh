#!/usr/bin/env bash
# Compares `reel-ingest transcode` with the ffmpeg command lines a user would otherwise run, on the same
# generated source with the same ladder (1080/720/480, x264 veryfast, High profile, 4 s closed GOPs without
# scene-cut keyframes) and the same AAC audio:
#   ours   reel-ingest-media transcode (what `reel-ingest transcode` execs): CMAF + HLS + DASH + MP4 + thumbnails
#   ours-nothumbs  the same without thumbnails (to measure what thumbnails cost)
#   (a)    one ffmpeg command: split + scale + dash muxer with hls_playlist=1 (no MP4, no thumbnails)
#   (b)    separate ffmpeg runs for HLS, DASH and the 720p MP4 (each decodes and encodes again)
# Each is timed with /usr/bin/time -v (wall, user+sys CPU, peak RSS); output sizes with du.
# Usage: [NOISE=6] bench/transcode-ladder.sh PATH/TO/reel-ingest-media [SECONDS]   (default 60 s of 1080p30)
set -euo pipefail
bin=$(readlink -f "${1:?usage: $0 path/to/reel-ingest-media [seconds]}")
seconds=${2:-60}
work=${WORK:-$(mktemp -d /tmp/reel-ingest-transcode-bench.XXXXXX)}
trap 'rm -rf "$work"' EXIT
cd "$work"

# Synthetic but not trivially compressible: moving test pattern with light temporal noise (NOISE=0 for the plain
# pattern, which is cheaper to decode and encode), tone audio.
noise=${NOISE:-6}
filter=(); [ "$noise" != 0 ] && filter=(-vf "noise=alls=$noise:allf=t")
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=1920x1080:rate=30:duration=$seconds" \
  -f lavfi -i "sine=frequency=440:sample_rate=48000:duration=$seconds" \
  "${filter[@]}" -c:v libx264 -preset veryfast -crf 18 -pix_fmt yuv420p \
  -c:a aac -b:a 192k source.mp4

printf '[agent]\nlog_level = "info"\n' > agent.toml

x264=(-c:v libx264 -preset veryfast -profile:v high -pix_fmt yuv420p
  -x264-params keyint=120:min-keyint=120:scenecut=0:open-gop=0 -force_key_frames "expr:gte(t,n_forced*4)")
ladder=(-b:v:0 5000k -maxrate:v:0 5350k -bufsize:v:0 7500k -level:v:0 4.1
  -b:v:1 2800k -maxrate:v:1 2996k -bufsize:v:1 4200k -level:v:1 3.1
  -b:v:2 1400k -maxrate:v:2 1498k -bufsize:v:2 2100k -level:v:2 3.0)
split="[0:v]split=3[a][b][c];[a]scale=-2:1080[v0];[b]scale=-2:720[v1];[c]scale=-2:480[v2]"
audio=(-c:a aac -b:a 128k -ac 2 -ar 48000)

# run NAME OUTDIR COMMAND...: appends "NAME wall cpu rss_kib" to times.txt
run() {
  local name=$1 dir=$2; shift 2
  mkdir -p "$dir"
  /usr/bin/time -f "%e %U %S %M" -o time.tmp "$@" >/dev/null 2>"$name.log" || { cat "$name.log"; exit 1; }
  read -r wall user sys rss < time.tmp
  echo "$name $wall $(echo "$user + $sys" | bc) $rss" >> times.txt
}

: > times.txt
run ours out-ours "$bin" transcode source.mp4 --out out-ours --progress json --config agent.toml
run ours-nothumbs out-nothumbs "$bin" transcode source.mp4 --out out-nothumbs --progress json \
  --config agent.toml --no-thumbnails
run a out-a ffmpeg -hide_banner -loglevel error -y -i source.mp4 -filter_complex "$split" \
  -map "[v0]" -map "[v1]" -map "[v2]" -map 0:a "${x264[@]}" "${ladder[@]}" "${audio[@]}" \
  -f dash -seg_duration 4 -use_template 1 -use_timeline 1 -hls_playlist 1 \
  -adaptation_sets "id=0,streams=v id=1,streams=a" out-a/manifest.mpd
run b-hls out-b/hls ffmpeg -hide_banner -loglevel error -y -i source.mp4 -filter_complex "$split" \
  -map "[v0]" -map "[v1]" -map "[v2]" -map 0:a -map 0:a -map 0:a "${x264[@]}" "${ladder[@]}" "${audio[@]}" \
  -f hls -hls_time 4 -hls_playlist_type vod -hls_segment_type fmp4 -master_pl_name master.m3u8 \
  -var_stream_map "v:0,a:0 v:1,a:1 v:2,a:2" "out-b/hls/v%v/index.m3u8"
run b-dash out-b/dash ffmpeg -hide_banner -loglevel error -y -i source.mp4 -filter_complex "$split" \
  -map "[v0]" -map "[v1]" -map "[v2]" -map 0:a "${x264[@]}" "${ladder[@]}" "${audio[@]}" \
  -f dash -seg_duration 4 -use_template 1 -use_timeline 1 \
  -adaptation_sets "id=0,streams=v id=1,streams=a" out-b/dash/manifest.mpd
run b-mp4 out-b/mp4 ffmpeg -hide_banner -loglevel error -y -i source.mp4 -vf scale=-2:720 "${x264[@]}" \
  -b:v 2800k -maxrate 2996k -bufsize 4200k -level:v 3.1 "${audio[@]}" -movflags +faststart out-b/mp4/video.mp4

size() { du -sb "$1" | cut -f1; }
echo "source: ${seconds} s 1920x1080 30 fps, noise $noise, $(nproc) cores"
printf '| run | wall [s] | CPU [s] | cores used | peak RSS [MiB] | output [MiB] |\n|:--|--:|--:|--:|--:|--:|\n'
while read -r name wall cpu rss; do
  case $name in
    ours) dir=out-ours ;; ours-nothumbs) dir=out-nothumbs ;; a) dir=out-a ;;
    b-hls) dir=out-b/hls ;; b-dash) dir=out-b/dash ;; b-mp4) dir=out-b/mp4 ;;
  esac
  printf '| %s | %.1f | %.1f | %.2f | %.0f | %.1f |\n' "$name" "$wall" "$cpu" "$(echo "$cpu / $wall" | bc -l)" \
    "$(echo "$rss / 1024" | bc -l)" "$(echo "$(size "$dir") / 1048576" | bc -l)"
done < times.txt
awk '/^b-/ { w += $2; c += $3; if ($4 > r) r = $4 } END {
  printf "| (b) total | %.1f | %.1f | %.2f | %.0f | |\n", w, c, c / w, r / 1024 }' times.txt
awk '$1 == "ours" { o = $2 } $1 == "a" { a = $2 } $1 == "ours-nothumbs" { n = $2 } END {
  printf "\nours / (a) wall: %.2f; thumbnails add %.1f %% wall\n", o / a, (o - n) / n * 100 }' times.txt
