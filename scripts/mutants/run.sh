#!/usr/bin/env bash
# Proves the tests guard their promises, the way mutation testing does: each mutant in
# mutants.tsv breaks the code that keeps a promise, in a scratch copy of the repository, and
# the test named beside it must then fail. A mutant whose test still passes "survived": that
# promise has no working guard. Also a failure: a mutant whose text is no longer in its file
# (the code moved; update the list), one that does not compile, a filter that runs no test.
#
#   scripts/mutants/run.sh            # every mutant
#   scripts/mutants/run.sh Journal    # those whose file or test filter contains "Journal"
#
# The scratch copy keeps its own build between runs (the sources are copied with their times,
# so an unchanged file is not rebuilt); each mutant then rebuilds only what it touches. (A copy
# of the repository's .build does not serve: its module cache names the repository's path.)
# With ROSTER_MUTANTS_IN_PLACE=1 (scripts/test.sh sets it under CI, on a fresh clone that has
# just been built) the mutants are applied to the repository itself and its build is reused,
# which saves a whole build; each file is put back after its mutant, also when the run is
# stopped, and the run fails if the work tree is not clean before and after.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
if [ "${ROSTER_MUTANTS_IN_PLACE:-}" = 1 ]; then
    if ! git diff --quiet HEAD --; then
        echo "mutants: in place needs a work tree without changes (git status)" >&2
        exit 1
    fi
    scratch=$root
else
    scratch=${ROSTER_MUTANTS_DIR:-${TMPDIR:-/tmp}/roster-mutants}
    mkdir -p "$scratch"
    find "$scratch" -mindepth 1 -maxdepth 1 ! -name .build -exec rm -rf {} +
    git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -p -t "$scratch"
fi
cd "$scratch"
echo "mutants: building $scratch"
mkdir -p .build
if ! swift build --build-tests > .build/mutants-build.log 2>&1; then
    tail -30 .build/mutants-build.log
    exit 1
fi
# The test bundle is run directly (what `swift test --skip-build` runs, without its start-up).
bundle=$(swift build --build-tests --show-bin-path)/rosterPackageTests.xctest
python3 - "$root/scripts/mutants/mutants.tsv" "${1:-}" "$bundle" <<'PY' || status=$?
import os, signal, subprocess, sys, time

# A stop (CI's time limit, Ctrl-C, a closed terminal) still puts the mutated file back (the
# `finally` below) and stops the test it started, which runs in a session of its own.
child = None
def stop(signum, _frame):
    if child is not None and child.poll() is None:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    sys.exit(128 + signum)
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
    signal.signal(s, stop)

def restore(path, text):
    """Puts the file back whole: written beside it and renamed over it, with stops held off."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT})
    try:
        with open(path + ".mutant-restore", "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(path + ".mutant-restore", path)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)

listing, only, bundle = sys.argv[1], sys.argv[2], sys.argv[3]
mutants = []
for number, line in enumerate(open(listing, encoding="utf-8"), 1):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    fields = line.split("\t")
    if len(fields) != 4:
        sys.exit(f"{listing}:{number}: expected 4 tab-separated fields, found {len(fields)}")
    if only and only not in fields[0] and only not in fields[3]:
        continue
    mutants.append((number, *fields))

def run(args):
    return subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

results = {"killed": 0, "survived": 0, "broken": 0}
for number, path, find, replace, test in mutants:
    original = open(path, encoding="utf-8").read()
    label = f"{listing.split('/')[-1]}:{number} {path}: {find[:60]}"
    if original.count(find) != 1:
        print(f"STALE     {label} (the text occurs {original.count(find)} times; update the list)", flush=True)
        results["broken"] += 1
        continue
    started = time.time()
    try:
        open(path, "w", encoding="utf-8").write(original.replace(find, replace))
        build = run(["swift", "build", "--build-tests"])
        if build.returncode != 0:
            errors = [l for l in build.stdout.splitlines() if "error:" in l][:3]
            print(f"NO BUILD  {label}\n          " + "\n          ".join(errors), flush=True)
            results["broken"] += 1
            continue
        # In a session of its own, so that a test that hangs under a mutant can be stopped with
        # everything it started (the test bundle, servers).
        child = subprocess.Popen([bundle, "--testing-library", "swift-testing", "--filter", test], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, start_new_session=True)
        try:
            output, _ = child.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.communicate()
            print(f"killed    {label} by {test}: it hung (stopped after 600 s)", flush=True)
            results["killed"] += 1
            continue
        tests = subprocess.CompletedProcess(child.args, child.returncode, output)
    finally:
        restore(path, original)
    seconds = time.time() - started
    if "with 0 tests" in tests.stdout or "No matching test cases" in tests.stdout:
        print(f"NO TEST   {label}: --filter {test} runs nothing", flush=True)
        results["broken"] += 1
    elif tests.returncode == 0:
        print(f"SURVIVED  {label}: {test} still passes ({seconds:.0f} s)", flush=True)
        results["survived"] += 1
    else:
        print(f"killed    {label} by {test} ({seconds:.0f} s)", flush=True)
        results["killed"] += 1

print(f"mutants: {results['killed']} killed, {results['survived']} survived, {results['broken']} broken, of {len(mutants)}")
sys.exit(0 if results["survived"] == 0 and results["broken"] == 0 and mutants else 1)
PY
if [ "${ROSTER_MUTANTS_IN_PLACE:-}" = 1 ] && ! git diff --quiet HEAD --; then
    echo "mutants: a source file was not put back:" >&2
    git diff --stat HEAD -- >&2
    exit 1
fi
exit "${status:-0}"
