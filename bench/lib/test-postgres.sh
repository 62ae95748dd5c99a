# Sourced by the benches that run agents on the test servers' PostgreSQL (bench/claim-latency.sh,
# bench/fleet-throughput.sh). The caller sets `root` (the checkout) and `work` (its scratch folder) first.
#
# - Starts the test servers unless the environment already names them (`.build/test-servers.env` exported);
# - `server` is the PostgreSQL URL; PGPASSWORD is exported so psql and the agents find the password there;
# - `new_database VARIABLE NAME` creates a database (dropped at exit) and `url_of DATABASE` is the URL an agent's config
#   names (no password in it);
# - `pids+=(PID)` lists processes to stop at exit (`stop_agents` stops them earlier); the trap also removes `work` and stops servers it started.

pids=()
databases=()
started_servers=0

bench_cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for d in "${databases[@]}"; do psql "$server" -q -c "DROP DATABASE $d WITH (FORCE)" 2>/dev/null || true; done
  [ "$started_servers" = 1 ] && "$root/scripts/test-servers.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap bench_cleanup EXIT

if [ -z "${REEL_INGEST_TEST_POSTGRES_URL:-}" ]; then
  "$root/scripts/test-servers.sh" start >/dev/null
  started_servers=1
  set -a; . "$root/.build/test-servers.env"; set +a
fi
server=$REEL_INGEST_TEST_POSTGRES_URL
PGPASSWORD=$(python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).password)' "$server")
export PGPASSWORD

new_database() { # VARIABLE NAME: creates NAME_<pid> and sets VARIABLE to it (not in a subshell, so the trap
  # knows to drop it)
  local name=$2_$$
  psql "$server" -q -c "CREATE DATABASE $name"
  databases+=("$name")
  printf -v "$1" '%s' "$name"
}

url_of() { # DATABASE
  python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(f"postgres://{p.username}@{p.hostname}:{p.port}/{sys.argv[2]}?sslmode=disable")' "$server" "$1"
}

stop_agents() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }
