#!/usr/bin/env bash
# Builds the SPA into frontend/dist, ready to serve as it stands:
#   index.html                      the page (revalidated on every visit)
#   assets/<name>-<hash>.<ext>      everything it loads, named by content (cached for good),
#                                   each beside its brotli (.br) and gzip (.gz) compressions
# wasm32 release build, wasm-bindgen, then hashing and compression.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --profile wasm-release --target wasm32-unknown-unknown -p helpdesk-frontend
rm -rf frontend/dist
mkdir -p frontend/dist/assets
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section --out-dir "$build" \
    "$target/wasm32-unknown-unknown/wasm-release/helpdesk_frontend.wasm"
if [ -d "$build/snippets" ]; then
    echo "wasm-bindgen wrote JavaScript snippets; hash and copy them too before serving them" >&2
    exit 1
fi

# Copies $1 into assets/ as <stem>-<first 16 hex of its SHA-256>.<ext>; prints the served path.
hashed() {
    local file="$1" base stem ext hash
    base=$(basename "$file")
    stem="${base%.*}"
    ext="${base##*.}"
    hash=$(sha256sum "$file" | cut -c1-16)
    cp "$file" "frontend/dist/assets/$stem-$hash.$ext"
    printf '/assets/%s-%s.%s' "$stem" "$hash" "$ext"
}

wasm=$(hashed "$build/helpdesk_frontend_bg.wasm")
glue=$(hashed "$build/helpdesk_frontend.js")
style=$(hashed frontend/style.css)
sed -e "s|__APP_JS__|$glue|g" -e "s|__APP_WASM__|$wasm|g" frontend/boot.js > "$build/boot.js"
boot=$(hashed "$build/boot.js")
sed -e "s|__APP_JS__|$glue|g" -e "s|__APP_WASM__|$wasm|g" -e "s|__STYLE__|$style|g" \
    -e "s|__BOOT__|$boot|g" frontend/index.html > frontend/dist/index.html

# Compressed once here, at the highest levels, instead of on every request.
for file in frontend/dist/index.html frontend/dist/assets/*; do
    gzip -9 -n -k "$file"
    if command -v brotli >/dev/null; then
        brotli -q 11 -k "$file"
    fi
done
if ! command -v brotli >/dev/null; then
    echo "brotli not found: served with gzip only (scripts/install-tools.sh wasm installs it)" >&2
fi

served="frontend/dist$wasm"
printf 'SPA built: wasm %s bytes, %s gzip, %s brotli\n' "$(stat -c %s "$served")" \
    "$(stat -c %s "$served.gz")" "$( [ -f "$served.br" ] && stat -c %s "$served.br" || echo none)"
