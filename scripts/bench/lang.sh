#!/usr/bin/env bash
# The language against python3 and lua5.4 (issue 14): eight programs in scripts/bench/lang/,
# each written as NAME.roster, NAME.py and NAME.lua with byte-identical stdout (checked first;
# any difference fails the run). Each is timed whole (start-up included) as the median of
# LANG_RUNS runs (default 5), the languages taking turns. "vs" columns are the other language's time / roster's, so above
# 1.00x means roster is faster. DESIGN's target: a geometric mean >= 2x python3 and no program
# slower than python3; lua5.4 is the next mark.
#   ROSTER_BIN=path/to/roster  skips the build and times that binary
#   LANG_RUNS=N                runs per program and language
set -euo pipefail
if [[ -n "${ROSTER_BIN:-}" ]]; then roster=$(realpath "$ROSTER_BIN"); fi
cd "$(dirname "$0")/../.."
if [[ -z "${roster:-}" ]]; then
    swift build -c release --static-swift-stdlib --product roster >/dev/null
    roster=.build/release/roster
fi
runs="${LANG_RUNS:-5}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The csvgroup program's input: 200,000 member rows, the same every run, no quoting (the Lua
# version splits at commas). Every program gets its path as the first argument; only csvgroup reads it.
python3 - "$work/members.csv" <<'PY'
import sys
roles = ["admin", "member", "member", "reader", "owner"]
countries = ["DE", "FR", "US", "JP", "BR", "IN", "GB"]
with open(sys.argv[1], "w") as f:
    f.write("id,email,team,role,country,logins\n")
    for i in range(200000):
        f.write(f"{i},user{i}@example.com,team{i * 13 % 17},{roles[i * 7 % 5]},{countries[i * 11 % 7]},{i * 7919 % 1000}\n")
PY

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')   nproc: $(nproc)   runs: $runs (median)"
echo "roster: $roster   $(python3 --version)   $(lua5.4 -v 2>&1 | cut -d' ' -f1-2)"
python3 - "$roster" "$runs" "$work/members.csv" <<'PY'
import difflib, math, statistics, subprocess, sys, time
roster, runs, csv_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
programs = ["arith", "strings", "records", "calls", "lists", "pipelines", "csvgroup", "jsoncodec"]
langs = {
    "roster": lambda name: [roster, f"scripts/bench/lang/{name}.roster", csv_path],
    "python3": lambda name: ["python3", f"scripts/bench/lang/{name}.py", csv_path],
    "lua5.4": lambda name: ["lua5.4", f"scripts/bench/lang/{name}.lua", csv_path],
}

def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"FAILED (exit {p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p.stdout

# Outputs first (this also warms the caches): every mismatch is shown before the run fails.
bad = []
for name in programs:
    outs = {lang: run(cmd(name)) for lang, cmd in langs.items()}
    for lang in ("python3", "lua5.4"):
        if outs[lang] != outs["roster"]:
            bad.append(name)
            sys.stderr.writelines(difflib.unified_diff(
                outs["roster"].splitlines(True), outs[lang].splitlines(True), f"{name}.roster", f"{name} ({lang})"))
if bad:
    sys.exit(f"OUTPUTS DIFFER: {', '.join(sorted(set(bad)))}")

def timed(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t

# The three languages take turns, a run of each per round: on a shared machine whose speed
# drifts by a third within minutes, runs made one after another of the same language would
# measure the drift as much as the language.
def median_times(name):
    times = {lang: [] for lang in langs}
    for _ in range(runs):
        for lang, cmd in langs.items():
            times[lang].append(timed(cmd(name)))
    return [statistics.median(times[lang]) for lang in langs]

print(f"{'program':<10} {'roster s':>9} {'python3 s':>10} {'lua5.4 s':>9} {'vs python3':>11} {'vs lua5.4':>10}")
vs_py, vs_lua = [], []
for name in programs:
    r, p, l = median_times(name)
    vs_py.append(p / r)
    vs_lua.append(l / r)
    print(f"{name:<10} {r:>9.3f} {p:>10.3f} {l:>9.3f} {p / r:>10.2f}x {l / r:>9.2f}x", flush=True)
geo = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
print(f"{'geometric mean':<41} {geo(vs_py):>10.2f}x {geo(vs_lua):>9.2f}x")
slower = [n for n, x in zip(programs, vs_py) if x < 1]
met = geo(vs_py) >= 2 and not slower
print(f"target (issue 14): geometric mean >= 2.00x python3, no program slower than python3: "
      f"{'MET' if met else 'NOT MET'}" + (f" (slower: {', '.join(slower)})" if slower else ""))
PY
