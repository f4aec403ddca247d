#!/usr/bin/env bash
# Iterating every LaunchDarkly member page by page: roster (release) against a Python loop over
# the official SDK (launchdarkly-api), both against one `roster serve --seed N --quiet`, at the
# same page sizes (100, roster's default, and 1000). Prints each time, the ratios and roster's
# peak RSS.
#   scripts/bench/paginate.sh [N] [SIZES]   (default 100000 "100 1000";
#                                            DESIGN's target: >= 5x faster, < 64 MB at 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-100000}"
sizes="${2:-100 1000}"
venv="${ROSTER_VENV:-.build-venv}"
swift build -c release --static-swift-stdlib --product roster >/dev/null
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r scripts/conformance/requirements.txt

out=$(mktemp)
db=$(mktemp -u).sqlite
# --quiet: the request log costs the server a write per request, shared by both sides alike.
.build/release/roster serve --port 0 --db "$db" --seed "$n" --quiet > "$out" 2> /dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out" "$db" "$db"-*' EXIT
for _ in $(seq 1 1200); do [ -s "$out" ] && break; sleep 0.1; done
url=$(head -n 1 "$out")
[ -n "$url" ] || { echo "roster serve printed no URL"; exit 1; }

"$venv/bin/python" - "$url" "$n" $sizes <<'PY'
import os, subprocess, sys, time
url, n, sizes = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
expected = n + 6  # the seeded organisation plus the synthetic people

def roster(limit):
    script = f'let n = 0\nfor m in (ld members list limit={limit}) {{ $n = $n + 1 }}\nprint $n\n'
    t = time.perf_counter()
    child = subprocess.Popen([".build/release/roster", "--sandbox-url", url, "-c", script], stdout=subprocess.PIPE, text=True)
    got = child.stdout.read()
    # This child's own peak RSS (KB on Linux). It counts the forked image before exec too, so
    # roster runs before the SDK is imported, while this interpreter is still small.
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - t
    assert status == 0 and int(got.strip()) == expected, (status, got, expected)
    return seconds, usage.ru_maxrss / 1024

rosters = {limit: roster(limit) for limit in sizes}

import launchdarkly_api
cfg = launchdarkly_api.Configuration(host=url)
cfg.api_key["ApiKey"] = "api-sandbox-admin"
api = launchdarkly_api.AccountMembersApi(launchdarkly_api.ApiClient(cfg))
api.get_members(limit=1)  # one-time costs (lazy imports, the connection) stay out of the timing; roster's start-up stays in

def sdk(limit):
    t = time.perf_counter()
    count, offset = 0, 0
    while True:
        page = api.get_members(limit=limit, offset=offset)
        count += len(page.items)
        if "next" not in page.links:
            break
        offset += limit
    assert count == expected, (count, expected)
    return time.perf_counter() - t

print(f"members   {expected}")
pythons = {limit: sdk(limit) for limit in sizes}
for limit in sizes:
    (r, rss), p = rosters[limit], pythons[limit]
    print(f"limit {limit:<5} roster {r:7.2f} s (peak RSS {rss:.1f} MB)   python {p:7.2f} s   ratio {p / r:4.1f}x")
if len(sizes) > 1:
    rl, pl = min(sizes, key=lambda l: rosters[l][0]), min(sizes, key=lambda l: pythons[l])
    print(f"each at its best page size: roster {rosters[rl][0]:.2f} s (limit {rl}), python {pythons[pl]:.2f} s (limit {pl}): {pythons[pl] / rosters[rl][0]:.1f}x")
print("target: >= 5x faster, peak RSS < 64 MB")
PY
