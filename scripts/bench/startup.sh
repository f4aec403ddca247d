#!/usr/bin/env bash
# Start-up: `roster -c 'print 1'` (release build) against `python3 -c 'print(1)'`, best of 20.
# DESIGN's target: roster faster (ratio < 1.0).
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --static-swift-stdlib --product roster >/dev/null
python3 - <<'PY'
import subprocess, time
def best(cmd):
    times = []
    for _ in range(20):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return min(times)
r = best([".build/release/roster", "-c", "print 1"])
p = best(["python3", "-c", "print(1)"])
print(f"roster   {r * 1000:.1f} ms")
print(f"python3  {p * 1000:.1f} ms")
print(f"ratio    {r / p:.2f} (roster / python3; target < 1.00)")
PY
