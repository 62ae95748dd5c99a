#!/usr/bin/env bash
# Uploads the same file to the same local moto_server (signatures enforced, started by scripts/test-servers.sh)
# with reel-ingest push, aws s3 cp and rclone copyto, each at its defaults and at matched part size and concurrency,
# under /usr/bin/time -v (wall time, CPU time, peak RSS). Then kills reel-ingest push at 50 % and reruns it to
# count the parts sent again. Usage: [ROUNDS=5] bench/s3-upload.sh PATH/TO/reel-ingest [SIZE_MIB]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "$1")
SIZE_MIB=${2:-1024}
ROUNDS=${ROUNDS:-5}
OUT=bench/out/s3
mkdir -p "$OUT"
trap 'scripts/test-servers.sh stop >/dev/null' EXIT INT TERM
scripts/test-servers.sh start
set -a; . ./.build/test-servers.env; set +a
export AWS_ACCESS_KEY_ID=$REEL_INGEST_TEST_S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$REEL_INGEST_TEST_S3_SECRET_KEY
export AWS_DEFAULT_REGION=us-east-1 AWS_SHARED_CREDENTIALS_FILE=/dev/null
EP=$REEL_INGEST_TEST_S3_ENDPOINT
BUCKET=$REEL_INGEST_TEST_S3_BUCKET
FILE=$OUT/source.bin
[ "$(stat -c %s "$FILE" 2>/dev/null || echo 0)" = $((SIZE_MIB << 20)) ] || head -c $((SIZE_MIB << 20)) /dev/urandom >"$FILE"

STATE=$(mktemp -d)
cat >"$STATE/agent.toml" <<TOML
[agent]
state_dir = "$STATE/state"
scratch_dir = "$STATE/scratch"
TOML
# aws s3 cp reads its transfer settings from the config file.
printf '[default]\ns3 =\n  multipart_chunksize = 16MB\n  max_concurrent_requests = 4\n' >"$STATE/aws-matched.cfg"
# rclone's AWS SDK refuses AWS_CA_BUNDLE on a plain-http endpoint, so its runs drop that variable.
export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_PROVIDER=Other RCLONE_CONFIG_BENCH_ENDPOINT=$EP \
    RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY \
    RCLONE_CONFIG_BENCH_REGION=us-east-1 RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true RCLONE_CONFIG=/dev/null

RESULTS=$OUT/results.tsv
printf 'tool\tsettings\tseconds\tMiB/s\tcpu_s\tpeak_rss_MiB\n' >"$RESULTS"
measure() {
    local name=$1 settings=$2; shift 2
    /usr/bin/time -v -o "$OUT/time.txt" "$@" >"$OUT/run.log" 2>&1 || { cat "$OUT/run.log"; exit 1; }
    local wall user sys rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$OUT/time.txt")
    user=$(awk -F': ' '/User time/ {print $2}' "$OUT/time.txt")
    sys=$(awk -F': ' '/System time/ {print $2}' "$OUT/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/time.txt")
    printf '%s\t%s\t%.2f\t%.1f\t%.2f\t%.1f\n' "$name" "$settings" "$wall" "$(echo "$SIZE_MIB / $wall" | bc -l)" \
        "$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)" | tee -a "$RESULTS"
    aws --endpoint-url "$EP" s3 rm "s3://$BUCKET/bench/object" >/dev/null
}

# The seven runs of a round, as functions so each round can start at a different one (moto's speed drifts as it
# runs, so a fixed order would favour whichever tool always goes first).
run_0() { measure reel-ingest "defaults (16 MiB x 4)" "$BIN" push --config "$STATE/agent.toml" --endpoint "$EP" \
    --path-style --progress none "$FILE" "s3://$BUCKET/bench/object"; }
run_1() { measure reel-ingest "8 MiB x 10 (aws defaults)" "$BIN" push --config "$STATE/agent.toml" --endpoint "$EP" \
    --path-style --part-size 8MiB --concurrency 10 --progress none "$FILE" "s3://$BUCKET/bench/object"; }
run_2() { measure reel-ingest "5 MiB x 4 (rclone defaults)" "$BIN" push --config "$STATE/agent.toml" --endpoint "$EP" \
    --path-style --part-size 5MiB --concurrency 4 --progress none "$FILE" "s3://$BUCKET/bench/object"; }
run_3() { measure "aws s3 cp" "defaults (8 MiB x 10)" aws --endpoint-url "$EP" s3 cp --quiet "$FILE" \
    "s3://$BUCKET/bench/object"; }
run_4() { measure "aws s3 cp" "16 MiB x 4" env AWS_CONFIG_FILE="$STATE/aws-matched.cfg" aws --endpoint-url "$EP" s3 cp \
    --quiet "$FILE" "s3://$BUCKET/bench/object"; }
run_5() { measure "rclone copyto" "defaults (5 MiB x 4)" env -u AWS_CA_BUNDLE rclone copyto "$FILE" \
    "bench:$BUCKET/bench/object"; }
run_6() { measure "rclone copyto" "16 MiB x 4" env -u AWS_CA_BUNDLE rclone copyto --s3-chunk-size 16M \
    --s3-upload-concurrency 4 "$FILE" "bench:$BUCKET/bench/object"; }
for round in $(seq "$ROUNDS"); do
    for i in 0 1 2 3 4 5 6; do "run_$(((i + round) % 7))"; done
done
# Medians per tool and settings, then the ratios the issue asks about (ours / theirs at matched settings).
python3 - "$RESULTS" <<'PY' | tee "$OUT/summary.txt"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
runs = {}
for r in rows:
    runs.setdefault((r["tool"], r["settings"]), []).append(r)
med = lambda rs, k: statistics.median(float(r[k]) for r in rs)
print(f"medians of {len(next(iter(runs.values())))} rounds")
print("| Tool | Part size x concurrency | Wall [s] median (min-max) | MiB/s | CPU [s] | Peak RSS [MiB] |")
print("|:--|:--|--:|--:|--:|--:|")
for (tool, settings), rs in runs.items():
    walls = [float(r["seconds"]) for r in rs]
    print(f"| {tool} | {settings} | {med(rs, 'seconds'):.2f} ({min(walls):.2f}-{max(walls):.2f}) | "
          f"{med(rs, 'MiB/s'):.0f} | {med(rs, 'cpu_s'):.2f} | {med(rs, 'peak_rss_MiB'):.0f} |")
ours = {s.split(" (")[0] if not s.startswith("defaults") else "16 MiB x 4": rs for (t, s), rs in runs.items()
        if t == "reel-ingest"}
def settings_of(t, s):
    return {"defaults (8 MiB x 10)": "8 MiB x 10", "defaults (5 MiB x 4)": "5 MiB x 4"}.get(s, s)
print("\n| reel-ingest / other, same settings | wall | CPU | peak RSS |\n|:--|--:|--:|--:|")
for (tool, settings), rs in runs.items():
    if tool == "reel-ingest":
        continue
    mine = ours.get(settings_of(tool, settings))
    if mine:
        print(f"| vs {tool}, {settings_of(tool, settings)} | {med(mine, 'seconds') / med(rs, 'seconds'):.2f} | "
              f"{med(mine, 'cpu_s') / med(rs, 'cpu_s'):.2f} | {med(mine, 'peak_rss_MiB') / med(rs, 'peak_rss_MiB'):.2f} |")
PY

# Kill at 50 %, then resume: how many parts does the second run send, against how many the file needs?
KEY=bench/resume
rm -rf "$STATE/state"
"$BIN" push --config "$STATE/agent.toml" --endpoint "$EP" --path-style --progress json "$FILE" "s3://$BUCKET/$KEY" \
    >"$OUT/resume-1.jsonl" 2>&1 &
PID=$!
python3 - "$OUT/resume-1.jsonl" "$PID" <<'PY'
import json, os, signal, sys, time
path, pid = sys.argv[1], int(sys.argv[2])
while True:
    with open(path) as f:
        lines = [json.loads(l) for l in f if l.startswith("{")]
    start = next((l for l in lines if l.get("event") == "start"), None)
    parts = sum(1 for l in lines if l.get("event") == "part")
    if start and parts >= start["parts"] // 2:
        os.kill(pid, signal.SIGKILL)
        break
    time.sleep(0.02)
PY
wait "$PID" || true
UPLOAD_ID=$(python3 -c 'import json,sys; print(next(json.loads(l)["uploadId"] for l in open(sys.argv[1]) if "\"start\"" in l))' "$OUT/resume-1.jsonl")
ON_SERVER=$(aws --endpoint-url "$EP" s3api list-parts --bucket "$BUCKET" --key "$KEY" --upload-id "$UPLOAD_ID" \
    --query 'length(Parts)' 2>/dev/null || echo "none (the upload finished before the kill)")
SEEN=$(grep -c '"event":"part"' "$OUT/resume-1.jsonl" || true)
"$BIN" push --config "$STATE/agent.toml" --endpoint "$EP" --path-style --progress json "$FILE" "s3://$BUCKET/$KEY" \
    >"$OUT/resume-2.jsonl"
python3 - "$OUT/resume-2.jsonl" "$ON_SERVER" "$SEEN" <<'PY' | tee "$OUT/resume.txt"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
start = next(l for l in lines if l["event"] == "start")
done = next(l for l in lines if l["event"] == "done")
needed = start["parts"]
print(f"parts needed {needed}; reported done before the kill {sys.argv[3]}; on the server after the kill {sys.argv[2]}; "
      f"resumed run: skipped {done['partsSkipped']}, sent {done['partsSent']}; "
      f"parts sent beyond the file's needs by the resumed run: {done['partsSkipped'] + done['partsSent'] - needed}")
PY
aws --endpoint-url "$EP" s3 cp --quiet "s3://$BUCKET/$KEY" "$OUT/resume-back.bin"
cmp "$FILE" "$OUT/resume-back.bin" && echo "resumed object identical to the source"
rm -f "$OUT/resume-back.bin"
rm -rf "$STATE"
