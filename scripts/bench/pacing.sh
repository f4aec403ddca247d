#!/usr/bin/env bash
# Waits that cost nothing (issue 15): N Box memberships at --parallel 8 against `roster serve`
# with no faults, with 429s that ask for no wait, and with the mixed profile (429, 500, reset),
# each with a journal and checked to land exactly once; then 1,000 memberships at --parallel 16
# against `roster serve --rate-limit 50/s`: the rate reached and the share of requests refused.
# Targets: the mixed profile within 2x of no faults; under the limit >= 95% of its rate with
# < 5% of requests answered 429.
#   scripts/bench/pacing.sh [N]     (default 3000)
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-3000}"
swift build -c release --static-swift-stdlib --product roster >/dev/null
roster=.build/release/roster
work=$(mktemp -d)
server=""
trap 'if [ -n "$server" ]; then kill $server 2>/dev/null || true; fi; rm -rf "$work"' EXIT

start_server() {  # args... -> sets $url
    if [ -n "$server" ]; then kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; fi
    : > "$work/url"
    "$roster" serve --port 0 --db "$work/db-$RANDOM.sqlite" "$@" > "$work/url" 2> "$work/log" &
    server=$!
    for _ in $(seq 1 300); do [ -s "$work/url" ] && break; sleep 0.1; done
    url=$(head -n 1 "$work/url")
}
now() { python3 -c 'import time; print(f"{time.perf_counter():.6f}")'; }
add() {  # count width -> seconds
    local t0; t0=$(now)
    "$roster" --sandbox-url "$url" --journal "$work/j-$RANDOM" \
        -c "for i in range($1) --parallel $2 { box memberships add user=(20000007 + \$i) group=57001 role=member }" > /dev/null
    python3 -c "print(f'{$(now) - $t0:.2f}')"
}
landed() { "$roster" --sandbox-url "$url" -c 'print (box memberships list group=57001 | count)'; }

declare -A took
for faults in none 429:0.1 429:0.1,500:0.05,reset:0.02; do
    if [ "$faults" = none ]; then start_server --seed "$n" --quiet; else start_server --seed "$n" --quiet --faults "$faults"; fi
    took[$faults]=$(add "$n" 8)
    count=$(landed)
    [ "$count" = "$((n + 3))" ] || { echo "faults $faults: $count memberships, expected $((n + 3))"; exit 1; }
    printf '%-30s %6ss  %s\n' "faults $faults" "${took[$faults]}" "(every row once)"
done
python3 -c "print(f'mixed / none: {${took[429:0.1,500:0.05,reset:0.02]} / ${took[none]}:.2f} (target <= 2.0)')"

start_server --seed 1000 --rate-limit 50/s
seconds=$(add 1000 16)
kill $server; wait $server 2>/dev/null || true; server=""
requests=$(grep -c "POST /2.0/group_memberships" "$work/log")
refused=$(grep -c "POST /2.0/group_memberships 429" "$work/log" || true)
python3 -c "print(f'--rate-limit 50/s: {1000 / $seconds:.1f}/s ({1000 / $seconds / 50:.0%} of the limit, target >= 95%), {$refused} of {$requests} requests refused ({$refused / $requests:.1%}, target < 5%)')"
