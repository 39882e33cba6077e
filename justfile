# Helpdesk tasks. `just run` starts a working helpdesk; `just test` runs every test.

set shell := ["bash", "-euo", "pipefail", "-c"]

export CARGO_TARGET_DIR := env_var_or_default("CARGO_TARGET_DIR", env_var("HOME") / ".cache/helpdesk-target")
export TEST_DATABASE_URL := env_var_or_default("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")

default:
    @just --list

# Build the SPA and start API + worker on the embedded SQLite database (./data).
run *ARGS: frontend
    cargo run --release -p helpdesk-server -- {{ARGS}}

# Every test: unit, storage and API on SQLite and PostgreSQL, OpenAPI drift, browser, schemathesis.
test: tools frontend
    cargo test --no-fail-fast
    just schemathesis

# Install what the tests need (wasm tools, Chromium, Dovecot, schemathesis, aiosmtpd, moto, the
# OpenID provider, axe-core), skipping what is there.
tools:
    ./scripts/install-tools.sh all

# Build the Leptos SPA into frontend/dist (served by the API at /).
frontend:
    ./scripts/install-tools.sh wasm
    ./scripts/build-frontend.sh

fmt:
    cargo fmt --all

# fmt check, clippy with warnings as errors (natively and for the wasm SPA), and cargo deny.
lint:
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings
    ./scripts/install-tools.sh lint
    cargo clippy -p helpdesk-frontend --target wasm32-unknown-unknown -- -D warnings
    ./scripts/deny.sh

# Regenerate the committed OpenAPI document.
openapi:
    cargo run -q -p helpdesk-server -- openapi > openapi/openapi.json

# Property-based API checks against a live server with an agent token (no 5xx, responses match the document).
schemathesis:
    ./scripts/schemathesis.sh

# Load benchmark on PostgreSQL and SQLite.
bench:
    ./scripts/bench.sh
