#!/usr/bin/env bash
# `just bench`: for PostgreSQL and for SQLite, start a release server on a fresh database, create
# BENCH_CASES cases (default 100,000) through the HTTP API at concurrency 8 and 16, then measure
# the agent queue page and the case detail; beside it, the same rows written by raw SQL
# transactions as the physical limit (pgbench on PostgreSQL, Python's sqlite3 on SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
pg_admin="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
cases="${BENCH_CASES:-100000}"
out="${BENCH_OUT:-$target/bench-results.md}"

cargo build -q --release -p helpdesk-server -p helpdesk-bench
bin="$target/release/helpdesk"
bench="$target/release/helpdesk-bench"
ingest="$target/release/helpdesk-ingest-bench"
sla="$target/release/helpdesk-sla-bench"
search="$target/release/helpdesk-search-bench"
hooks="$target/release/helpdesk-webhook-bench"
importer="$target/release/helpdesk-import-bench"
import_rows="${BENCH_IMPORT_ROWS:-100000}"
search_entries="${BENCH_SEARCH_ENTRIES:-1000000}"
sla_cases="${BENCH_SLA_CASES:-100000}"
messages="${BENCH_MESSAGES:-2000}"
export BENCH_ADMIN_PASSWORD="bench-admin-password"
: >"$out"

run_http() {
    local label="$1" url="$2" dir port pid
    dir=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    export DATABASE_URL="$url" HELPDESK_DATA_DIR="$dir" HELPDESK_BIND="127.0.0.1:$port" HELPDESK_LOG=warn
    HELPDESK_NEW_PASSWORD="$BENCH_ADMIN_PASSWORD" "$bin" admin create-user --email bench.admin@bench.test --name Bench --role admin >/dev/null
    "$bin" serve >"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
    "$bench" --base "http://127.0.0.1:$port" --admin-email bench.admin@bench.test \
        --server-pid "$pid" --cases "$cases" --first-phase $((cases / 5)) --label "$label" | tee -a "$out"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

raw_pg() {
    local db="$1" url="$2" org contact team agent
    read -r org contact team agent < <(psql "$url" -Atc "SELECT (SELECT min(id) FROM organizations), (SELECT min(id) FROM contacts), (SELECT min(id) FROM teams), (SELECT min(id) FROM users WHERE role = 'agent')" | tr '|' ' ')
    cat >"/tmp/helpdesk-bench-$$.sql" <<SQL
BEGIN;
INSERT INTO cases (number, subject, description, status, priority, case_type, channel, organization_id, requester_id, support_line, team_id, assignee_id, tags, created_by_id, created_at, updated_at)
VALUES (nextval('case_number_seq'), 'Не печатает принтер', 'После обновления драйвера принтер перестал печатать.', 'open', 'normal', 'consultation', 'agent', :org, :contact, 1, :team, :agent, '["printer"]', :agent, now(), now()) RETURNING id AS case_id \gset
INSERT INTO stream_entries (case_id, kind, author_user_id, author_contact_id, body, created_at) VALUES (:case_id, 'public', :agent, :contact, 'После обновления драйвера принтер перестал печатать.', now());
INSERT INTO events (event_type, aggregate_type, aggregate_id, actor_user_id, payload, created_at) VALUES ('case.created', 'case', :case_id, :agent, '{}', now());
COMMIT;
SQL
    for c in 8 16; do
        local tps
        tps=$(pgbench -n -c "$c" -j 2 -T 15 -D org="$org" -D contact="$contact" -D team="$team" -D agent="$agent" -f "/tmp/helpdesk-bench-$$.sql" "$url" 2>/dev/null | awk '/^tps/ { printf "%.0f", $3 }')
        echo "| raw SQL (pgbench: case + stream entry + event per transaction), concurrency $c | **$tps/s** |" | tee -a "$out"
    done
    rm -f "/tmp/helpdesk-bench-$$.sql"
}

raw_sqlite() {
    local file="$1"
    python3 - "$file" <<'PY' | tee -a "$out"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
org, contact, team, agent = db.execute("SELECT (SELECT min(id) FROM organizations), (SELECT min(id) FROM contacts), (SELECT min(id) FROM teams), (SELECT min(id) FROM users WHERE role='agent')").fetchone()
n, start = 0, time.time()
while time.time() - start < 10:
    db.execute("BEGIN IMMEDIATE")
    number = db.execute("SELECT COALESCE(MAX(number), 999) + 1 FROM cases").fetchone()[0]
    cur = db.execute("INSERT INTO cases (number, subject, description, status, priority, case_type, channel, organization_id, requester_id, support_line, team_id, assignee_id, tags, created_by_id, created_at, updated_at) VALUES (?, 'Не печатает принтер', 'После обновления драйвера принтер перестал печатать.', 'open', 'normal', 'consultation', 'agent', ?, ?, 1, ?, ?, '[\"printer\"]', ?, datetime('now'), datetime('now'))", (number, org, contact, team, agent, agent))
    case_id = cur.lastrowid
    db.execute("INSERT INTO stream_entries (case_id, kind, author_user_id, author_contact_id, body, created_at) VALUES (?, 'public', ?, ?, 'После обновления драйвера принтер перестал печатать.', datetime('now'))", (case_id, agent, contact))
    db.execute("INSERT INTO events (event_type, aggregate_type, aggregate_id, actor_user_id, payload, created_at) VALUES ('case.created', 'case', ?, ?, '{}', datetime('now'))", (case_id, agent))
    db.execute("COMMIT")
    n += 1
print(f"| raw SQL (Python sqlite3, one writer: case + stream entry + event per transaction) | **{n / (time.time() - start):.0f}/s** |")
PY
}

db="helpdesk_bench_$$"
psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null
trap 'psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
pg_url="${pg_admin%/*}/$db"
run_http "PostgreSQL ($cases cases)" "$pg_url"
raw_pg "$db" "$pg_url"
echo | tee -a "$out"

sqlite_dir=$(mktemp -d)
run_http "SQLite ($cases cases)" "sqlite://$sqlite_dir/helpdesk.db"
raw_sqlite "$sqlite_dir/helpdesk.db"
rm -rf "$sqlite_dir"
echo | tee -a "$out"

# Email ingestion end to end (parse, thread, store, attachments, auto-reply) on fresh databases.
echo "| email ingestion | corpus | throughput | CPU (this process) | outcome |" | tee -a "$out"
echo "|---|---|---|---|---|" | tee -a "$out"
mail_db="helpdesk_ingest_$$"
psql "$pg_admin" -qc "CREATE DATABASE $mail_db" >/dev/null
sla_db="helpdesk_sla_$$"
search_db="helpdesk_search_$$"
hooks_db="helpdesk_hooks_$$"
import_db="helpdesk_import_$$"
trap 'for d in $db $mail_db $sla_db $search_db $hooks_db $import_db; do psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null; done' EXIT
"$ingest" --database-url "${pg_admin%/*}/$mail_db" --messages "$messages" --threads 2 --label PostgreSQL | tee -a "$out"
sqlite_dir=$(mktemp -d)
"$ingest" --database-url "sqlite://$sqlite_dir/helpdesk.db" --messages "$messages" --threads 2 --label SQLite | tee -a "$out"
rm -rf "$sqlite_dir"
echo | tee -a "$out"

# SLA clocks at scale: recomputing every open case after a calendar change, and the timer sweep.
echo "| SLA | open cases | recompute after a calendar change | backlog after downtime | timer sweep |" | tee -a "$out"
echo "|---|---|---|---|---|" | tee -a "$out"
psql "$pg_admin" -qc "CREATE DATABASE $sla_db" >/dev/null
"$sla" --database-url "${pg_admin%/*}/$sla_db" --cases "$sla_cases" --label PostgreSQL | tee -a "$out"
sqlite_dir=$(mktemp -d)
"$sla" --database-url "sqlite://$sqlite_dir/helpdesk.db" --cases "$sla_cases" --label SQLite | tee -a "$out"
rm -rf "$sqlite_dir"
echo | tee -a "$out"

# Full-text search over a million stream entries, as an agent searches (all kinds, 20 hits).
echo "| search | data | latency | worst case | lookups | as typed |" | tee -a "$out"
echo "|---|---|---|---|---|---|" | tee -a "$out"
psql "$pg_admin" -qc "CREATE DATABASE $search_db" >/dev/null
"$search" --database-url "${pg_admin%/*}/$search_db" --entries "$search_entries" --label PostgreSQL | tee -a "$out"
sqlite_dir=$(mktemp -d)
"$search" --database-url "sqlite://$sqlite_dir/helpdesk.db" --entries "$search_entries" --label SQLite | tee -a "$out"
rm -rf "$sqlite_dir"
echo | tee -a "$out"

# Webhook deliveries to a local receiver.
echo "| webhooks | events | outbox to deliveries | sending | CPU |" | tee -a "$out"
echo "|---|---|---|---|---|" | tee -a "$out"
psql "$pg_admin" -qc "CREATE DATABASE $hooks_db" >/dev/null
"$hooks" --database-url "${pg_admin%/*}/$hooks_db" --label PostgreSQL | tee -a "$out"
sqlite_dir=$(mktemp -d)
"$hooks" --database-url "sqlite://$sqlite_dir/helpdesk.db" --label SQLite | tee -a "$out"
rm -rf "$sqlite_dir"
echo | tee -a "$out"

# A CSV import of contacts run as the worker runs it (dry run, then for real), and the export.
echo "| CSV import | file | dry run | import | export |" | tee -a "$out"
echo "|---|---|---|---|---|" | tee -a "$out"
psql "$pg_admin" -qc "CREATE DATABASE $import_db" >/dev/null
"$importer" --database-url "${pg_admin%/*}/$import_db" --rows "$import_rows" --label PostgreSQL | tee -a "$out"
sqlite_dir=$(mktemp -d)
"$importer" --database-url "sqlite://$sqlite_dir/helpdesk.db" --rows "$import_rows" --label SQLite | tee -a "$out"
rm -rf "$sqlite_dir"
echo "results written to $out"
