# Helpdesk tasks. `just run` starts a working helpdesk; `just test` runs every test.

set shell := ["bash", "-euo", "pipefail", "-c"]

export CARGO_TARGET_DIR := env_var_or_default("CARGO_TARGET_DIR", env_var("HOME") / ".cache/helpdesk-target")
export TEST_DATABASE_URL := env_var_or_default("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

default:
    @just --list

# Build the SPA and start API + worker on the embedded SQLite database (./data).
run *ARGS: frontend
    cargo run --release -p helpdesk-server -- all {{ARGS}}

# Every test: unit, storage and API on SQLite and PostgreSQL, OpenAPI drift, browser, schemathesis.
test: tools frontend
    cargo test --workspace --no-fail-fast
    just schemathesis

# Install what the tests need, skipping what is already there.
tools:
    ./scripts/install-tools.sh

# Build the Leptos SPA into frontend/dist (served by the API at /).
frontend:
    ./scripts/build-frontend.sh

fmt:
    cargo fmt --all

lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Regenerate the committed OpenAPI document.
openapi:
    cargo run -q -p helpdesk-server -- openapi > openapi/openapi.json

# Property-based API checks against a live server with an agent token (no 5xx, responses match the document).
schemathesis:
    ./scripts/schemathesis.sh

# Load benchmark on PostgreSQL and SQLite.
bench:
    ./scripts/bench.sh
