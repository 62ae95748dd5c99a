#!/usr/bin/env bash
# Starts and stops the servers the integration tests talk to (used by `make test`):
#   scripts/test-servers.sh start   moto_server on 127.0.0.1:<free port> with signature checking enforced;
#                                    writes .build/test-servers.env (endpoint, key, secret, bucket) and the PID file
#   scripts/test-servers.sh stop    stops it by PID
#
# moto only checks signatures after INITIAL_NO_AUTH_ACTION_COUNT requests. We set it to 3 and spend exactly those
# three on IAM: create a user, give it an s3:* policy, create its access key. Every request after that must be
# signed with that key (a wrong secret gets SignatureDoesNotMatch), which the script checks before it returns.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE=.build/test-servers
ENV_FILE=.build/test-servers.env
PID_FILE=$STATE/moto.pid
BUCKET=reel-ingest-test
mkdir -p "$STATE"

stop() {
    if [ -f "$PID_FILE" ]; then
        pid=$(cat "$PID_FILE")
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
            echo "test-servers: stopped moto_server (pid $pid)"
        fi
        rm -f "$PID_FILE"
    fi
    rm -f "$ENV_FILE"
}

start() {
    stop
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    endpoint="http://127.0.0.1:$port"
    INITIAL_NO_AUTH_ACTION_COUNT=3 moto_server -H 127.0.0.1 -p "$port" >"$STATE/moto.log" 2>&1 &
    echo $! >"$PID_FILE"
    for _ in $(seq 100); do
        curl -sf -o /dev/null "$endpoint/moto-api/" && break
        kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { cat "$STATE/moto.log"; echo "moto_server did not start" >&2; exit 1; }
        sleep 0.1
    done

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

    umask 077
    cat >"$ENV_FILE" <<ENV
REEL_INGEST_TEST_S3_ENDPOINT=$endpoint
REEL_INGEST_TEST_S3_ACCESS_KEY=$key
REEL_INGEST_TEST_S3_SECRET_KEY=$secret
REEL_INGEST_TEST_S3_BUCKET=$BUCKET
REEL_INGEST_TEST_S3_REGION=us-east-1
ENV
    echo "test-servers: moto_server pid $(cat "$PID_FILE") on $endpoint, signatures enforced, bucket $BUCKET"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
