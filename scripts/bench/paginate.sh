#!/usr/bin/env bash
# Iterating every LaunchDarkly member page by page: roster (release) against a Python loop over
# the official SDK (launchdarkly-api), both with 100 members a page, against one
# `roster serve --seed N`. Prints both times, the ratio and roster's peak RSS.
#   scripts/bench/paginate.sh [N]      (default 100000; DESIGN's target: >= 5x faster, < 64 MB at 1,000,000)
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-100000}"
venv="${ROSTER_VENV:-.build-venv}"
swift build -c release --product roster >/dev/null
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q -r scripts/conformance/requirements.txt

out=$(mktemp)
db=$(mktemp -u).sqlite
.build/release/roster serve --port 0 --db "$db" --seed "$n" > "$out" 2> /dev/null &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out" "$db" "$db"-*' EXIT
for _ in $(seq 1 1200); do [ -s "$out" ] && break; sleep 0.1; done
url=$(head -n 1 "$out")
[ -n "$url" ] || { echo "roster serve printed no URL"; exit 1; }

"$venv/bin/python" - "$url" "$n" <<'PY'
import resource, subprocess, sys, time
url, n = sys.argv[1], int(sys.argv[2])
expected = n + 6  # the seeded organisation plus the synthetic people

script = 'let n = 0\nfor m in (ld members list limit=100) { $n = $n + 1 }\nprint $n\n'
t = time.perf_counter()
got = subprocess.run([".build/release/roster", "--sandbox-url", url, "-c", script], check=True, capture_output=True, text=True).stdout.strip()
roster = time.perf_counter() - t
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
assert int(got) == expected, (got, expected)

import launchdarkly_api
cfg = launchdarkly_api.Configuration(host=url)
cfg.api_key["ApiKey"] = "api-sandbox-admin"
api = launchdarkly_api.AccountMembersApi(launchdarkly_api.ApiClient(cfg))
t = time.perf_counter()
count, offset = 0, 0
while True:
    page = api.get_members(limit=100, offset=offset)
    count += len(page.items)
    if "next" not in page.links:
        break
    offset += 100
python = time.perf_counter() - t
assert count == expected, (count, expected)

print(f"members   {expected}")
print(f"roster    {roster:.2f} s   peak RSS {rss_mb:.1f} MB")
print(f"python    {python:.2f} s   (launchdarkly-api SDK loop)")
print(f"ratio     {python / roster:.1f}x faster (target >= 5x; RSS < 64 MB)")
PY
