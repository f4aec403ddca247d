#!/usr/bin/env bash
# Bulk onboarding: N Box group memberships added through `roster serve` (release), by
#   - roster, a parallel loop (--parallel 16),
#   - a box-sdk-gen loop, sequential and with 16 threads,
#   - wrk POSTing new memberships to the same endpoint (the server's ceiling),
# each against a fresh server seeded with the users. Prints times, rates and the three ratios.
#   scripts/bench/onboard.sh [N]     (default 10000; DESIGN's targets: >= 10x the sequential SDK,
#                                     >= 2x the threaded SDK, >= 70% of the wrk ceiling)
# Needs wrk (Debian: apt-get install -y wrk).
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-10000}"
venv="${ROSTER_VENV:-.build-venv}"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install -y wrk"; exit 1; }
swift build -c release --static-swift-stdlib --product roster >/dev/null
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r scripts/conformance/requirements.txt

work=$(mktemp -d)
server=""
trap 'if [ -n "$server" ]; then kill $server 2>/dev/null || true; fi; rm -rf "$work"' EXIT

start_server() {  # seed -> sets $url
    if [ -n "$server" ]; then kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; fi
    : > "$work/url"
    .build/release/roster serve --port 0 --db "$work/db-$RANDOM.sqlite" --seed "$1" > "$work/url" 2> /dev/null &
    server=$!
    for _ in $(seq 1 600); do [ -s "$work/url" ] && break; sleep 0.1; done
    url=$(head -n 1 "$work/url")
    [ -n "$url" ] || { echo "roster serve printed no URL"; exit 1; }
}

# The seeded people are users 20000001..6; the synthetic ones follow from 20000007.
seconds() { "$venv/bin/python" -c 'import sys, time; print(f"{time.perf_counter():.6f}")'; }
elapsed() { "$venv/bin/python" -c "print(f'{$2 - $1:.3f}')"; }

start_server "$n"
script='for i in range('"$n"') --parallel 16 { box memberships add user=(20000007 + $i) group=57001 role=member }'
t0=$(seconds)
.build/release/roster --sandbox-url "$url" -c "$script" > /dev/null
roster=$(elapsed "$t0" "$(seconds)")

# The same with --journal: each intent is fdatasync'd before its request leaves (group commit).
start_server "$n"
t0=$(seconds)
.build/release/roster --sandbox-url "$url" --journal "$work/onboard.journal" -c "$script" > /dev/null
journaled=$(elapsed "$t0" "$(seconds)")

sdk() {  # threads -> seconds, in $work/sdk (not a subshell: start_server must update $server)
    start_server "$n"
    "$venv/bin/python" - "$url" "$n" "$1" > "$work/sdk" <<'PY'
import sys, time
from concurrent.futures import ThreadPoolExecutor
from box_sdk_gen import BaseUrls, BoxClient, BoxDeveloperTokenAuth
from box_sdk_gen.managers.memberships import CreateGroupMembershipUser, CreateGroupMembershipGroup
url, n, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
local = __import__("threading").local()
def client():
    if not hasattr(local, "c"):
        local.c = BoxClient(auth=BoxDeveloperTokenAuth(token="box-sandbox-admin")).with_custom_base_urls(BaseUrls(base_url=url))
    return local.c
def add(i):
    client().memberships.create_group_membership(CreateGroupMembershipUser(id=str(20000007 + i)), CreateGroupMembershipGroup(id="57001"))
t = time.perf_counter()
if threads == 1:
    for i in range(n): add(i)
else:
    with ThreadPoolExecutor(threads) as pool: list(pool.map(add, range(n)))
print(f"{time.perf_counter() - t:.3f}")
PY
}
sdk 1; sequential=$(cat "$work/sdk")
sdk 16; threaded=$(cat "$work/sdk")

# The ceiling: wrk adds new memberships (each thread its own users) for a few seconds.
start_server 100000
report=$(wrk -t2 -c16 -d5s -s scripts/bench/post-memberships.lua "$url" -- 50000)
ceiling=$(awk '/Requests\/sec/ {print $2}' <<<"$report")
errors=$(awk '/Non-2xx/ {print $5}' <<<"$report")

"$venv/bin/python" - "$n" "$roster" "$sequential" "$threaded" "$ceiling" "${errors:-0}" "$journaled" <<'PY'
import sys
n, roster, seq, thr, ceiling, errors, journaled = int(sys.argv[1]), *map(float, sys.argv[2:6]), sys.argv[6], float(sys.argv[7])
rate = n / roster
print(f"memberships       {n}")
print(f"roster --parallel 16   {roster:7.2f} s   {rate:7.0f} /s")
print(f"  with --journal       {journaled:7.2f} s   {n / journaled:7.0f} /s   ({journaled / roster:.2f}x the time: intents synced to disk)")
print(f"box-sdk-gen, 1 thread  {seq:7.2f} s   {n / seq:7.0f} /s")
print(f"box-sdk-gen, 16 threads{thr:7.2f} s   {n / thr:7.0f} /s")
print(f"wrk ceiling (POST)                {ceiling:7.0f} /s" + (f"   (non-2xx: {errors})" if errors != "0" else ""))
print(f"ratios: {seq / roster:.1f}x the sequential SDK (target >= 10x), {thr / roster:.1f}x the threaded SDK (target >= 2x), "
      f"{100 * rate / ceiling:.0f}% of the ceiling (target >= 70%)")
PY
