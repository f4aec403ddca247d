#!/usr/bin/env bash
# The sandbox's throughput: wrk against `roster serve` (release) on a Box membership list and a
# LaunchDarkly member list, printing requests per second and p99 latency for each; then the time
# `roster serve --seed 1000000` takes to be ready (DESIGN's target: under 30 s).
#   scripts/bench/sandbox.sh [SEED] [DURATION]     (defaults: 10000 people, 10s)
# Needs wrk (Debian: apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
seed="${1:-10000}"
duration="${2:-10s}"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk"; exit 1; }
swift build -c release --product roster >/dev/null

out=$(mktemp)
.build/release/roster serve --port 0 --db :memory: --seed "$seed" > "$out" 2> /dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 1 600); do [ -s "$out" ] && break; sleep 0.1; done
url=$(head -n 1 "$out")
[ -n "$url" ] || { echo "roster serve printed no URL"; exit 1; }

run() {  # name, authorization header, path
    local report
    report=$(wrk -t2 -c16 -d"$duration" --latency -H "Authorization: $2" "$url$3")
    local rps p99 errors
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
    errors=$(awk '/Non-2xx/ {print $5}' <<<"$report")
    printf '%-40s %10s req/s   p99 %8s%s\n' "$1" "$rps" "$p99" "${errors:+   non-2xx: $errors}"
}
echo "roster serve --seed $seed, wrk -t2 -c16 -d$duration"
run "box memberships (group, 100 per page)" "Bearer box-sandbox-admin" "/2.0/groups/57001/memberships"
run "launchdarkly members (20 per page)" "api-sandbox-admin" "/api/v2/members?limit=20&offset=5000"
run "launchdarkly members (100, filtered)" "api-sandbox-admin" "/api/v2/members?limit=100&filter=role:writer&sort=-lastSeen"

kill $server 2>/dev/null; wait $server 2>/dev/null || true
db=$(mktemp -u).sqlite
: > "$out"
start=$(date +%s.%N)
.build/release/roster serve --port 0 --db "$db" --seed 1000000 > "$out" 2> /dev/null &
server=$!
for _ in $(seq 1 1200); do [ -s "$out" ] && break; sleep 0.05; done
end=$(date +%s.%N)
rm -f "$db" "$db"-*
python3 -c "print(f'serve --seed 1000000 ready in {$end - $start:.1f} s (target < 30 s)')"
