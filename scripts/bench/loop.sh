#!/usr/bin/env bash
# The language's speed: 1,000,000 iterations of integer arithmetic, string building and
# record field access in roster (release build) and the same loop in python3.
# DESIGN's target: roster no slower than python3 (ratio <= 1.0).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --static-swift-stdlib --product roster >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat > "$work/loop.roster" <<'ROSTER'
let total = 0
let s = ""
let r = {a: 3, b: "x"}
for i in 0..<1000000 {
    $total = $total + $i * 2 % 7 + $r.a
    $s = "item $i of $r.b"
}
print $total $s
ROSTER

cat > "$work/loop.py" <<'PY'
total = 0
s = ""
r = {"a": 3, "b": "x"}
for i in range(1000000):
    total = total + i * 2 % 7 + r["a"]
    s = f"item {i} of {r['b']}"
print(total, s)
PY

python3 - "$work" <<'PY'
import subprocess, sys, time
work = sys.argv[1]
def best(cmd):
    times, out = [], None
    for _ in range(3):
        t = time.perf_counter()
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        times.append(time.perf_counter() - t)
    return min(times), out
r, rout = best([".build/release/roster", f"{work}/loop.roster"])
p, pout = best(["python3", f"{work}/loop.py"])
assert rout == pout, f"outputs differ: {rout!r} vs {pout!r}"
print(f"roster   {r:.3f} s")
print(f"python3  {p:.3f} s")
print(f"ratio    {r / p:.2f} (roster / python3; target <= 1.00)")
PY
