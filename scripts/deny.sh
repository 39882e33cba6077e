#!/usr/bin/env bash
# `cargo deny` for `just lint`: licences, bans (duplicates reported) and sources always; known
# advisories when the advisory database (on GitHub) can be fetched, since some build machines
# reach only the package registries. A fetched database that names an advisory fails the lint.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo deny --log-level error check licenses bans sources
dups=$(cargo deny check bans 2>&1 | grep -c "duplicate entries" || true)
echo "==> $dups crates are built in two or more versions (\`cargo deny check bans\` lists them)"
if timeout 60 cargo deny --log-level error fetch db >/dev/null 2>&1; then
    cargo deny --log-level error check advisories
else
    echo "==> advisory database unreachable from here: advisories not checked"
fi
