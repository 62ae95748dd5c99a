# Sourced by bench scripts: `start_file_agent BINDIR [WATCH_TOML_LINES]` writes agent.toml in the current folder
# (SQLite under ./state, a file:// store in ./published, a 1 s settle time, the API on a free loopback port), watches
# ./inbox, starts `reel-ingest run`, waits until /healthz answers, and sets $agent (its pid), $port and $base.
# The caller's `pids` array gets the pid, for its cleanup trap.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_file_agent() {
  local bindir=$1 watch_lines=${2:-}
  port=$(free_port)
  base="http://127.0.0.1:$port"
  mkdir -p inbox watches.d
  cat >agent.toml <<TOML
[agent]
state_dir = "$PWD/state"
scratch_dir = "$PWD/scratch"
log_level = "info"
[limits]
settle_time = "1s"
[storage]
url = "file://$PWD/published"
[api]
listen = "127.0.0.1:$port"
TOML
  printf 'path = "%s"\n%s\n' "$PWD/inbox" "$watch_lines" >watches.d/inbox.toml
  "$bindir/reel-ingest" run --config agent.toml >agent.log 2>&1 &
  agent=$!
  pids+=("$agent")
  for _ in $(seq 300); do curl -sf -o /dev/null "$base/healthz" && return 0; sleep 0.1; done
  cat agent.log
  echo "the agent did not answer /healthz" >&2
  return 1
}
