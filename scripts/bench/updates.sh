#!/usr/bin/env bash
# Updates in place (issue 14): record-key assignments (new keys, then existing ones), list appends (`+=` and `$xs = $xs + [v]`)
# and list element assignments, at N and 2N, in roster (release build) and python3. Each costs
# O(1) amortized when the variable holds the only reference, so doubling N about doubles the
# time (a ratio near 2.0; a copy per update would make it near 4.0). Target: 1,000,000
# record-key assignments and 1,000,000 appends each under 1 s.
#   scripts/bench/updates.sh [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
n="${1:-1000000}"
swift build -c release --static-swift-stdlib --product roster >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for size in "$n" "$((n * 2))"; do
    cat > "$work/record-$size.roster" <<ROSTER
let d = {}
for i in range($size) { \$d["k\$i"] = \$i }
print (len(\$d))
ROSTER
    cat > "$work/overwrite-$size.roster" <<ROSTER
let d = {}
for i in range($size) { \$d["k\$i"] = \$i }
for i in range($size) { \$d["k\$i"] = \$i + 1 }
print (len(\$d))
ROSTER
    cat > "$work/append-$size.roster" <<ROSTER
let xs = []
for i in range($size) { \$xs += [\$i] }
print (len(\$xs))
ROSTER
    cat > "$work/concat-$size.roster" <<ROSTER
let xs = []
for i in range($size) { \$xs = \$xs + [\$i] }
print (len(\$xs))
ROSTER
    cat > "$work/element-$size.roster" <<ROSTER
let xs = list(range($size))
for i in range($size) { \$xs[\$i] = \$i * 2 }
print (len(\$xs))
ROSTER
    cat > "$work/record-$size.py" <<PY
d = {}
for i in range($size): d[f"k{i}"] = i
print(len(d))
PY
    cat > "$work/overwrite-$size.py" <<PY
d = {}
for i in range($size): d[f"k{i}"] = i
for i in range($size): d[f"k{i}"] = i + 1
print(len(d))
PY
    cat > "$work/append-$size.py" <<PY
xs = []
for i in range($size): xs += [i]
print(len(xs))
PY
    cp "$work/append-$size.py" "$work/concat-$size.py"
    cat > "$work/element-$size.py" <<PY
xs = list(range($size))
for i in range($size): xs[i] = i * 2
print(len(xs))
PY
done

python3 - "$work" "$n" <<'PY'
import subprocess, sys, time
work, n = sys.argv[1], int(sys.argv[2])
def best(cmd):
    times = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return min(times)
print(f"{'program':<10} {'roster N':>9} {'roster 2N':>10} {'2N/N':>6} {'python3 N':>10} {'speed vs python3':>15}   (N = {n:,})")
for name in ["record", "overwrite", "append", "concat", "element"]:
    r1 = best([".build/release/roster", f"{work}/{name}-{n}.roster"])
    r2 = best([".build/release/roster", f"{work}/{name}-{n * 2}.roster"])
    p1 = best(["python3", f"{work}/{name}-{n}.py"])
    print(f"{name:<10} {r1:>8.2f}s {r2:>9.2f}s {r2 / r1:>6.2f} {p1:>9.2f}s {p1 / r1:>14.2f}x")
PY
