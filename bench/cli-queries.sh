#!/usr/bin/env bash
# Times `reel-ingest status` and `reel-ingest jobs list --limit 50` on a database holding 100,000 jobs.
# The whole process is timed (start-up, config load, SQLite open, query, output), as an admin would see it.
# Usage: bench/cli-queries.sh PATH/TO/reel-ingest   (or: make bench)
set -euo pipefail
bin=${1:?usage: $0 path/to/reel-ingest}
bin=$(readlink -f "$bin")
jobs=${JOBS:-100000}
work=$(mktemp -d /tmp/reel-ingest-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

cat > "$work/agent.toml" <<TOML
[agent]
state_dir = "state"
scratch_dir = "scratch"
TOML
"$bin" status --config "$work/agent.toml" >/dev/null   # creates and migrates the database
db="$work/state/reel-ingest.sqlite"

# 100,000 jobs over a year, in the mix a busy site would have: mostly published, some of everything else.
sqlite3 "$db" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $jobs)
INSERT INTO video_processing_jobs
  (video_id, source_path, watch_name, profile, priority, state, attempts, next_attempt_at, last_error,
   created_at, updated_at)
SELECT lower(hex(randomblob(16))), '/srv/share/line-' || (i % 12) || '/take-' || i || '.mp4', 'line-' || (i % 12),
  'default', 0,
  CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 20 = 1 THEN 'discovered' WHEN i % 20 = 2 THEN 'stable'
       WHEN i % 20 = 3 THEN 'rejected' WHEN i % 50 = 4 THEN 'transcoding' ELSE 'published' END,
  CASE WHEN i % 20 = 0 THEN 1 ELSE 0 END,
  CASE WHEN i % 20 = 0 THEN strftime('%Y-%m-%d %H:%M:%f', 'now', '+' || (i % 3600) || ' seconds') END,
  CASE WHEN i % 20 = 0 THEN 'upload: 503 Slow Down' END,
  strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (($jobs - i) * 300) || ' seconds'),
  strftime('%Y-%m-%d %H:%M:%f', 'now', '-' || (($jobs - i) * 300) || ' seconds')
FROM n;
ANALYZE;
SQL
echo "jobs in database: $(sqlite3 "$db" 'SELECT COUNT(*) FROM video_processing_jobs')"

out=${OUT:-bench/out}
mkdir -p "$out"
hyperfine --warmup 3 --runs ${RUNS:-30} --export-markdown "$out/cli-queries.md" --export-json "$out/cli-queries.json" \
  -n "status" "$bin status --config $work/agent.toml" \
  -n "status --json" "$bin status --json --config $work/agent.toml" \
  -n "jobs list --limit 50" "$bin jobs list --limit 50 --config $work/agent.toml" \
  -n "jobs list --limit 50 --json" "$bin jobs list --limit 50 --json --config $work/agent.toml" \
  -n "jobs list --state failed --limit 50" "$bin jobs list --state failed --limit 50 --config $work/agent.toml" \
  -n "baseline: sqlite3 count by state" "sqlite3 $db 'SELECT state, COUNT(*) FROM video_processing_jobs GROUP BY state'"
echo "results: $out/cli-queries.md"
