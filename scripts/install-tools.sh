#!/usr/bin/env bash
# Installs what the build and the tests need, skipping what is already there at the right version.
#   install-tools.sh wasm   the wasm32 target, wasm-bindgen-cli matching Cargo.lock and brotli (to build the SPA)
#   install-tools.sh lint   the above, plus cargo-deny
#   install-tools.sh all    the above, plus Chromium + ChromeDriver, Dovecot, schemathesis, aiosmtpd,
#                           moto (S3), the OpenID provider and axe-core (for the tests)
set -euo pipefail
what="${1:-all}"
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$wanted" ]; then
    say "installing wasm-bindgen-cli $wanted (found: ${have:-none}); this takes several minutes"
    # Not --locked: one of its locked dependencies is no longer on the registry.
    cargo install wasm-bindgen-cli --version "$wanted"
fi

# Compresses the SPA's files at build time (served as brotli to every current browser).
if ! command -v brotli >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing brotli"
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=900 update -qq
        apt-get -o DPkg::Lock::Timeout=900 install -y -qq brotli >/dev/null
    else
        say "brotli not found (install the brotli package): the SPA is served with gzip only"
    fi
fi

# Licences, sources and duplicate crates in `just lint`.
if [ "$what" = "lint" ] || [ "$what" = "all" ]; then
    deny_wanted="0.20.2"
    if [ "$(cargo deny --version 2>/dev/null | awk '{ print $2 }')" != "$deny_wanted" ]; then
        say "installing cargo-deny $deny_wanted; this takes a few minutes"
        cargo install cargo-deny --locked --version "$deny_wanted"
    fi
fi

if [ "$what" = "wasm" ] || [ "$what" = "lint" ]; then
    say "build and lint tools ready"
    exit 0
fi

# A real IMAP server for the mail tests.
if ! command -v dovecot >/dev/null; then
    say "installing Dovecot (IMAP)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq dovecot-imapd >/dev/null
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Chromium and ChromeDriver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq chromium chromium-driver >/dev/null
fi

venv=".venv-tools"
if [ ! -x "$venv/bin/schemathesis" ] && [ ! -x "$venv/bin/st" ]; then
    say "installing schemathesis into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi
# A real SMTP server for the notification tests.
if ! "$venv/bin/python" -c "import aiosmtpd" 2>/dev/null; then
    say "installing aiosmtpd into $venv"
    "$venv/bin/pip" install -q "aiosmtpd==1.4.6"
fi
# A real S3 API server for the object-storage tests (moto in server mode).
if [ ! -x "$venv/bin/moto_server" ]; then
    say "installing moto (an S3 API server) into $venv"
    "$venv/bin/pip" install -q "moto[server]==5.2.5"
fi
# A real OpenID Connect provider for the single sign-on tests (panva/oidc-provider on Node),
# installed from its lock file once; reinstalled when the lock file changes.
oidc="crates/test-support/oidc"
if ! cmp -s "$oidc/package-lock.json" "$oidc/node_modules/.package-lock.json.installed" 2>/dev/null; then
    say "installing the OpenID provider for the tests into $oidc/node_modules"
    npm ci --prefix "$oidc" --no-audit --no-fund --loglevel=error >/dev/null
    cp "$oidc/package-lock.json" "$oidc/node_modules/.package-lock.json.installed"
fi
# axe-core, the accessibility checker the browser tests run in the app's pages.
axe="crates/test-support/axe"
if ! cmp -s "$axe/package-lock.json" "$axe/node_modules/.package-lock.json.installed" 2>/dev/null; then
    say "installing axe-core for the tests into $axe/node_modules"
    npm ci --prefix "$axe" --no-audit --no-fund --loglevel=error >/dev/null
    cp "$axe/package-lock.json" "$axe/node_modules/.package-lock.json.installed"
fi
say "tools ready"
