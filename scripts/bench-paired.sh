#!/usr/bin/env bash
# Paired short runs of two `helpdesk` binaries (old and new, alternating), each on a fresh
# PostgreSQL database: `scripts/bench-paired.sh OLD_BIN NEW_BIN [CASES] [ROUNDS]`. The way to
# compare two commits on a machine whose speed drifts (docs/benchmarks.md).
set -euo pipefail
cd "$(dirname "$0")/.."
old_bin="$1" new_bin="$2" cases="${3:-16000}" rounds="${4:-2}"
target="${CARGO_TARGET_DIR:-target}"
cargo build -q --release -p helpdesk-bench
pg_admin="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export BENCH_ADMIN_PASSWORD="bench-admin-password"
for round in $(seq 1 "$rounds"); do
  for which in old new; do
    bin=$old_bin
    [ "$which" = new ] && bin=$new_bin
    db="paired_${which}_${round}_$$"
    psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null
    url="${pg_admin%/*}/$db"
    dir=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    export DATABASE_URL="$url" HELPDESK_DATA_DIR="$dir" HELPDESK_BIND="127.0.0.1:$port" HELPDESK_LOG=warn
    HELPDESK_NEW_PASSWORD="$BENCH_ADMIN_PASSWORD" "$bin" admin create-user --email bench.admin@bench.test --name Bench --role admin >/dev/null
    "$bin" serve >"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
    "$target/release/helpdesk-bench" --base "http://127.0.0.1:$port" --admin-email bench.admin@bench.test \
        --server-pid "$pid" --cases "$cases" --first-phase $((cases / 5)) --label "$which round $round"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    rm -rf "$dir"
  done
done
