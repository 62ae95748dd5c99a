#!/usr/bin/env bash
# Starts and stops the servers the integration tests talk to (used by `make test`):
#   scripts/test-servers.sh start   moto_server on 127.0.0.1:<free port> with signature checking enforced;
#                                    writes .build/test-servers.env (endpoint, key, secret, bucket) and the PID file
#                                    plus a second moto_server without IAM ("open") for presigned URLs: moto 5 cannot
#                                    evaluate a presigned URL once IAM checking is on (it looks for an Authorization
#                                    header and answers 500), so presigned GETs are fetched from this one and their
#                                    signatures compared with botocore's by the test
#                                    plus the CDN: scripts/origin-signer.py (signs GETs to the enforcing moto with the
#                                    test key, as CloudFront's origin access control would) and varnishd in front of
#                                    it with Tests/Fixtures/varnish-test.vcl (PURGE, BAN, X-Cache: HIT|MISS)
#                                    plus a throwaway PostgreSQL 15 (/usr/lib/postgresql/15/bin, Debian's package):
#                                    a fresh initdb in /tmp/reel-ingest-test-postgres-CHECKOUT, tuned for speed (fsync off),
#                                    on 127.0.0.1 only; role and database reel_ingest (LOGIN CREATEDB, random
#                                    password) as REEL_INGEST_TEST_POSTGRES_URL; a wrong password must be refused
#   scripts/test-servers.sh stop    stops all of them by PID (PostgreSQL with SIGINT, its fast shutdown)
#
# moto only checks signatures after INITIAL_NO_AUTH_ACTION_COUNT requests. We set it to 3 and spend exactly those
# three on IAM: create a user, give it an s3:* policy, create its access key. Every request after that must be
# signed with that key (a wrong secret gets SignatureDoesNotMatch), which the script checks before it returns.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=.build/test-servers
ENV_FILE=.build/test-servers.env
PID_FILE=$STATE/moto.pid
OPEN_PID_FILE=$STATE/moto-open.pid
SIGNER_PID_FILE=$STATE/origin-signer.pid
VARNISH_PID_FILE=$STATE/varnishd.pid
# varnishd reads its VCL and keeps its work folder as its own users: both live where they can reach them.
# Each checkout has folders of its own (named by a hash of its path): two checkouts' servers never stop each other's.
CHECKOUT=$(pwd -P | md5sum | cut -c1-8)
VARNISH_DIR=/tmp/reel-ingest-test-varnish-$CHECKOUT
POSTGRES_PID_FILE=$STATE/postgres.pid
POSTGRES_BIN=/usr/lib/postgresql/15/bin
# initdb and postgres refuse to run as root, so as root they run as Debian's postgres user, which cannot reach a
# repository under /root or /work: the cluster, its socket and its log live in /tmp, recreated at each start.
POSTGRES_DIR=/tmp/reel-ingest-test-postgres-$CHECKOUT
BUCKET=reel-ingest-test
mkdir -p "$STATE"

stop_one() {
    local file=$1
    if [ -f "$file" ]; then
        pid=$(cat "$file")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
            echo "test-servers: stopped $(basename "$file" .pid) (pid $pid)"
        fi
        rm -f "$file"
    fi
}

# A postmaster that exited but was not reaped yet is gone for our purpose.
alive() {
    kill -0 "$1" 2>/dev/null && [ "$(ps -o stat= -p "$1" 2>/dev/null | cut -c1)" != Z ]
}

# SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to disconnect); its children exit with it.
stop_postgres() {
    local pid=""
    if [ -f "$POSTGRES_PID_FILE" ]; then
        pid=$(cat "$POSTGRES_PID_FILE")
    elif [ -f "$POSTGRES_DIR/data/postmaster.pid" ]; then
        # A start that failed after the server came up, before the PID file was written.
        pid=$(head -n 1 "$POSTGRES_DIR/data/postmaster.pid")
    fi
    if [ -n "$pid" ] && alive "$pid"; then
        kill -INT "$pid" 2>/dev/null || true
        for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
        alive "$pid" && kill -9 "$pid" 2>/dev/null || true
        for _ in $(seq 20); do alive "$pid" || break; sleep 0.1; done
        echo "test-servers: stopped postgres (pid $pid)"
    fi
    rm -f "$POSTGRES_PID_FILE"
    # The server's log outlives its folder, beside the other servers' logs.
    [ -f "$POSTGRES_DIR/postgres.log" ] && cp "$POSTGRES_DIR/postgres.log" "$STATE/postgres.log"
    rm -rf "$POSTGRES_DIR"
}

stop() {
    stop_postgres
    stop_one "$VARNISH_PID_FILE"
    stop_one "$SIGNER_PID_FILE"
    stop_one "$PID_FILE"
    stop_one "$OPEN_PID_FILE"
    rm -f "$ENV_FILE"
}

start_cdn() {
    local endpoint=$1
    signer_port=$(free_port)
    python3 scripts/origin-signer.py "$endpoint" "$signer_port" >"$STATE/origin-signer.log" 2>&1 &
    echo $! >"$SIGNER_PID_FILE"
    rm -rf "$VARNISH_DIR"
    mkdir -p "$VARNISH_DIR"
    chmod 755 "$VARNISH_DIR"
    sed "s/ORIGIN_PORT/$signer_port/" Tests/Fixtures/varnish-test.vcl >"$VARNISH_DIR/test.vcl"
    chmod 644 "$VARNISH_DIR/test.vcl"
    varnish_port=$(free_port)
    varnishd -a "127.0.0.1:$varnish_port" -f "$VARNISH_DIR/test.vcl" -n "$VARNISH_DIR/work" \
        -P "$VARNISH_DIR/varnishd.pid" -s malloc,64m -p default_ttl=3600 >"$STATE/varnishd.log" 2>&1 || {
        cat "$STATE/varnishd.log" >&2
        echo "test-servers: varnishd did not start" >&2
        stop
        exit 1
    }
    cp "$VARNISH_DIR/varnishd.pid" "$VARNISH_PID_FILE"
    varnish_url="http://127.0.0.1:$varnish_port"
    # Through Varnish and the signer to the enforcing moto: proves the whole origin chain before any test runs.
    for _ in $(seq 100); do
        status=$(curl -s -o /dev/null -w '%{http_code}' "$varnish_url/$BUCKET/cdn-check.txt" || true)
        [ "$status" = 200 ] && return 0
        sleep 0.1
    done
    echo "test-servers: $varnish_url/$BUCKET/cdn-check.txt answered $status, not 200" >&2
    cat "$STATE/origin-signer.log" >&2
    stop
    exit 1
}

# As root, PostgreSQL's programs run as the postgres user, from a folder it can read.
as_postgres() {
    if [ "$(id -u)" = 0 ]; then
        (cd "$POSTGRES_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$POSTGRES_DIR" && "$@")
    fi
}

postgres_failed() {
    [ -f "$POSTGRES_DIR/postgres.log" ] && cat "$POSTGRES_DIR/postgres.log" >&2
    [ -f "$STATE/postgres.err" ] && cat "$STATE/postgres.err" >&2
    echo "test-servers: $1" >&2
    stop
    exit 1
}

start_postgres() {
    rm -f "$STATE/postgres.err"
    [ -x "$POSTGRES_BIN/initdb" ] || postgres_failed "$POSTGRES_BIN/initdb missing: apt-get install postgresql"
    rm -rf "$POSTGRES_DIR"
    mkdir -p "$POSTGRES_DIR"
    chmod 700 "$POSTGRES_DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$POSTGRES_DIR"
    as_postgres mkdir -m 700 "$POSTGRES_DIR/socket"
    # Local (socket) connections trust the superuser; TCP needs a password. --no-sync: the cluster is thrown away.
    as_postgres "$POSTGRES_BIN/initdb" -D "$POSTGRES_DIR/data" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$STATE/postgres.err" 2>&1 ||
        postgres_failed "initdb failed"
    postgres_port=$(free_port)
    cat >>"$POSTGRES_DIR/data/postgresql.conf" <<CONF
# scripts/test-servers.sh: a throwaway server, durability traded for speed
listen_addresses = '127.0.0.1'
port = $postgres_port
unix_socket_directories = '$POSTGRES_DIR/socket'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
# Query counts per database, for bench/fleet-throughput.sh.
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
CONF
    as_postgres "$POSTGRES_BIN/pg_ctl" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/postgres.log" -w -t 60 start \
        >"$STATE/postgres.err" 2>&1 || postgres_failed "postgres did not start on 127.0.0.1:$postgres_port"
    head -n 1 "$POSTGRES_DIR/data/postmaster.pid" >"$POSTGRES_PID_FILE"
    postgres_password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    # On stdin, so the password never shows in ps. CREATE DATABASE cannot run inside a transaction: no -1.
    as_postgres "$POSTGRES_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$POSTGRES_DIR/socket" -p "$postgres_port" \
        -U postgres -d postgres >"$STATE/postgres.err" 2>&1 <<SQL || postgres_failed "could not create role reel_ingest"
CREATE ROLE reel_ingest LOGIN CREATEDB PASSWORD '$postgres_password';
-- DROP DATABASE … WITH (FORCE) of a test database must be able to end an autovacuum worker still in it.
GRANT pg_signal_backend TO reel_ingest;
CREATE DATABASE reel_ingest OWNER reel_ingest;
\\c reel_ingest
CREATE EXTENSION pg_stat_statements;
SQL
    postgres_url="postgres://reel_ingest:$postgres_password@127.0.0.1:$postgres_port/reel_ingest"
    # Over TCP with the password, as the tests connect; then the same with a wrong one must be refused.
    answer=$(PGPASSFILE=/dev/null PGCONNECT_TIMEOUT=10 "$POSTGRES_BIN/psql" -X -w -At "$postgres_url" \
        -c 'select 1' 2>"$STATE/postgres.err") || answer=""
    [ "$answer" = 1 ] || postgres_failed "psql could not run select 1 as reel_ingest on 127.0.0.1:$postgres_port"
    if PGPASSFILE=/dev/null PGCONNECT_TIMEOUT=10 "$POSTGRES_BIN/psql" -X -w -At \
        "postgres://reel_ingest:wrong@127.0.0.1:$postgres_port/reel_ingest" -c 'select 1' \
        >/dev/null 2>"$STATE/postgres.err"; then
        postgres_failed "postgres accepted a wrong password: password authentication is not enforced"
    fi
    grep -q 'password authentication failed' "$STATE/postgres.err" ||
        postgres_failed "a wrong password failed for another reason than password authentication"
    rm -f "$STATE/postgres.err"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_for() {
    local endpoint=$1 pid_file=$2 log=$3
    for _ in $(seq 100); do
        curl -sf -o /dev/null "$endpoint/moto-api/" && return 0
        kill -0 "$(cat "$pid_file")" 2>/dev/null || break
        sleep 0.1
    done
    cat "$log" >&2
    echo "test-servers: moto_server did not start on $endpoint" >&2
    stop
    exit 1
}

start() {
    stop
    port=$(free_port)
    endpoint="http://127.0.0.1:$port"
    INITIAL_NO_AUTH_ACTION_COUNT=3 moto_server -H 127.0.0.1 -p "$port" >"$STATE/moto.log" 2>&1 &
    echo $! >"$PID_FILE"
    open_port=$(free_port)
    open_endpoint="http://127.0.0.1:$open_port"
    moto_server -H 127.0.0.1 -p "$open_port" >"$STATE/moto-open.log" 2>&1 &
    echo $! >"$OPEN_PID_FILE"
    wait_for "$endpoint" "$PID_FILE" "$STATE/moto.log"
    wait_for "$open_endpoint" "$OPEN_PID_FILE" "$STATE/moto-open.log"
    AWS_ACCESS_KEY_ID=open AWS_SECRET_ACCESS_KEY=open AWS_DEFAULT_REGION=us-east-1 \
        aws --endpoint-url "$open_endpoint" s3api create-bucket --bucket "$BUCKET" >/dev/null

    # The three unauthenticated requests: any key works for them.
    export AWS_ACCESS_KEY_ID=bootstrap AWS_SECRET_ACCESS_KEY=bootstrap AWS_DEFAULT_REGION=us-east-1
    aws --endpoint-url "$endpoint" iam create-user --user-name reel-ingest-test >/dev/null
    aws --endpoint-url "$endpoint" iam put-user-policy --user-name reel-ingest-test --policy-name s3-all \
        --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
    key_json=$(aws --endpoint-url "$endpoint" iam create-access-key --user-name reel-ingest-test)
    key=$(printf '%s' "$key_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["AccessKeyId"])')
    secret=$(printf '%s' "$key_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["SecretAccessKey"])')

    export AWS_ACCESS_KEY_ID=$key AWS_SECRET_ACCESS_KEY=$secret
    aws --endpoint-url "$endpoint" s3api create-bucket --bucket "$BUCKET" >/dev/null
    # Prove enforcement: the same request with a wrong secret must be refused.
    if AWS_SECRET_ACCESS_KEY=wrong aws --endpoint-url "$endpoint" s3api list-objects-v2 --bucket "$BUCKET" \
        >/dev/null 2>"$STATE/check.err"; then
        echo "test-servers: moto accepted a wrong secret: signature checking is not enforced" >&2
        stop
        exit 1
    fi
    grep -q SignatureDoesNotMatch "$STATE/check.err" || { cat "$STATE/check.err" >&2; stop; exit 1; }
    printf 'ok\n' >"$STATE/cdn-check.txt"
    aws --endpoint-url "$endpoint" s3 cp "$STATE/cdn-check.txt" "s3://$BUCKET/cdn-check.txt" >/dev/null
    start_cdn "$endpoint"
    start_postgres

    umask 077
    cat >"$ENV_FILE" <<ENV
REEL_INGEST_TEST_S3_ENDPOINT=$endpoint
REEL_INGEST_TEST_S3_ACCESS_KEY=$key
REEL_INGEST_TEST_S3_SECRET_KEY=$secret
REEL_INGEST_TEST_S3_BUCKET=$BUCKET
REEL_INGEST_TEST_S3_REGION=us-east-1
REEL_INGEST_TEST_S3_OPEN_ENDPOINT=$open_endpoint
REEL_INGEST_TEST_VARNISH_URL=$varnish_url
REEL_INGEST_TEST_POSTGRES_URL=$postgres_url
ENV
    echo "test-servers: moto_server pid $(cat "$PID_FILE") on $endpoint, signatures enforced, bucket $BUCKET"
    echo "test-servers: moto_server pid $(cat "$OPEN_PID_FILE") on $open_endpoint (no IAM, presigned URLs only)"
    echo "test-servers: varnishd pid $(cat "$VARNISH_PID_FILE") on $varnish_url, origin signer pid $(cat "$SIGNER_PID_FILE")"
    echo "test-servers: postgres pid $(cat "$POSTGRES_PID_FILE") on 127.0.0.1:$postgres_port, role and database" \
        "reel_ingest, data in $POSTGRES_DIR"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
