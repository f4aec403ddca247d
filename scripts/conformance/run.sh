#!/usr/bin/env bash
# The sandbox through the vendors' own Python SDKs: starts `roster serve` on a free port with
# a fresh database and runs each service's conformance script against it.
#   scripts/conformance/run.sh [ROSTER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
roster="${1:-.build/debug/roster}"
venv="${ROSTER_VENV:-.build-venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q -r scripts/conformance/requirements.txt

out=$(mktemp)
"$roster" serve --port 0 --db :memory: --box-jwt-config "$out.box-jwt.json" > "$out" 2> "$out.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out" "$out.log" "$out.box-jwt.json"' EXIT
for _ in $(seq 1 100); do
    [ -s "$out" ] && break
    sleep 0.1
done
url=$(head -n 1 "$out")
[ -n "$url" ] || { echo "roster serve printed no URL"; cat "$out.log"; exit 1; }

failed=0
passed=0
for script in scripts/conformance/launchdarkly.py scripts/conformance/losant.py scripts/conformance/box.py; do
    if "$venv/bin/python" "$script" "$url" "$out.box-jwt.json"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "conformance: $passed passed, $failed failed"
[ "$failed" = 0 ]
