#!/usr/bin/env bash
# The sandbox's throughput: wrk -t2 -c32 against `roster serve` (release) on the list routes of
# issue 15 (a Box group's memberships, LaunchDarkly's member list), a full page of 100 Box
# memberships, two harder LaunchDarkly pages and POST /2.0/group_memberships, each beside the
# rate the same server stack gives a route that does nothing (`roster serve --bench-hello`: the
# ceiling). Then the time `roster serve --seed 1000000` takes to be ready (target: under 30 s).
#   scripts/bench/sandbox.sh [SEED] [DURATION]     (defaults: 10000 people, 10s)
# Targets (issue 15): >= 15,000 req/s with p99 < 10 ms on both list routes, >= 10,000 req/s POST.
# Needs wrk (Debian: apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
seed="${1:-10000}"
duration="${2:-10s}"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk"; exit 1; }
swift build -c release --static-swift-stdlib --product roster >/dev/null

work=$(mktemp -d)
server=""
trap 'if [ -n "$server" ]; then kill $server 2>/dev/null || true; fi; rm -rf "$work"' EXIT

start() {  # roster serve arguments... -> sets $url
    if [ -n "$server" ]; then kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; fi
    : > "$work/url"
    .build/release/roster serve --port 0 --quiet "$@" > "$work/url" 2> /dev/null &
    server=$!
    for _ in $(seq 1 600); do [ -s "$work/url" ] && break; sleep 0.1; done
    url=$(head -n 1 "$work/url")
    [ -n "$url" ] || { echo "roster serve printed no URL"; exit 1; }
}

ceiling=""
run() {  # name, target req/s (or -), wrk arguments...
    local name=$1 target=$2 report rps p99 errors
    shift 2
    report=$(wrk -t2 -c32 -d"$duration" --latency "$@")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$report")
    errors=$(awk '/Non-2xx/ {print $5}' <<<"$report")
    [ -n "$ceiling" ] || ceiling=$rps
    python3 - "$name" "$rps" "$p99" "$ceiling" "$target" "${errors:-}" <<'PY'
import sys
name, rps, p99, ceiling, target, errors = sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4]), sys.argv[5], sys.argv[6]
line = f"{name:<52} {rps:9.0f} req/s  p99 {p99:>8}  {100 * rps / ceiling:4.0f}% of hello"
if target != "-": line += f"  (target >= {int(target):,})"
if errors: line += f"  non-2xx: {errors}"
print(line)
PY
}

echo "wrk -t2 -c32 -d$duration; roster serve --seed $seed (file database), $(nproc) cores shared with wrk"
start --bench-hello
run "hello (the stack's ceiling)" - "$url/hello"

start --db "$work/list.sqlite" --seed "$seed"
# A full page: 150 people join group 57002 first.
for i in $(seq 7 156); do
    curl -s -o /dev/null -X POST -H "Authorization: Bearer box-sandbox-admin" -H "Content-Type: application/json" \
        -d "{\"user\":{\"id\":\"$((20000000 + i))\"},\"group\":{\"id\":\"57002\"}}" "$url/2.0/group_memberships"
done
run "GET /2.0/groups/57001/memberships?limit=100" 15000 -H "Authorization: Bearer box-sandbox-admin" "$url/2.0/groups/57001/memberships?limit=100"
run "GET /api/v2/members?limit=20" 15000 -H "Authorization: api-sandbox-admin" "$url/api/v2/members?limit=20"
run "  a full page: /2.0/groups/57002/memberships" - -H "Authorization: Bearer box-sandbox-admin" "$url/2.0/groups/57002/memberships?limit=100"
run "  /api/v2/members?limit=20&offset=5000" - -H "Authorization: api-sandbox-admin" "$url/api/v2/members?limit=20&offset=5000"
run "  /api/v2/members?limit=100&filter=role:writer&sort=-lastSeen" - -H "Authorization: api-sandbox-admin" \
    "$url/api/v2/members?limit=100&filter=role:writer&sort=-lastSeen"

# POSTs need people who are in no group yet: each wrk thread adds its own.
start --db "$work/post.sqlite" --seed 200000
run "POST /2.0/group_memberships" 10000 -s scripts/bench/post-memberships.lua "$url" -- 100000

kill $server 2>/dev/null; wait $server 2>/dev/null || true
server=""
db="$work/million.sqlite"
: > "$work/url"
start_time=$(date +%s.%N)
.build/release/roster serve --port 0 --quiet --db "$db" --seed 1000000 > "$work/url" 2> /dev/null &
server=$!
for _ in $(seq 1 1200); do [ -s "$work/url" ] && break; sleep 0.05; done
end_time=$(date +%s.%N)
python3 -c "print(f'serve --seed 1000000 ready in {$end_time - $start_time:.1f} s (target < 30 s)')"
