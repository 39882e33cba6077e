#!/usr/bin/env bash
# Builds the SPA into frontend/dist: wasm32 release build, then wasm-bindgen.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --profile wasm-release --target wasm32-unknown-unknown -p helpdesk-frontend
rm -rf frontend/dist
mkdir -p frontend/dist/pkg
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir frontend/dist/pkg \
    "$target/wasm32-unknown-unknown/wasm-release/helpdesk_frontend.wasm"
cp frontend/index.html frontend/style.css frontend/dist/
wasm="frontend/dist/pkg/helpdesk_frontend_bg.wasm"
printf 'SPA built: %s bytes wasm, %s bytes gzipped\n' "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
