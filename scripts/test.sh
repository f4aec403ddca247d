#!/usr/bin/env bash
# Builds roster and runs every test: golden scripts, parser and lexer tables, the parser
# fuzz property test (20,000 inputs; scripts/fuzz/run.sh runs 1,000,000), the binary on
# stdin and files, the REPL on a pseudo-terminal, the sandbox's routes in router mode; the
# parallel suites under ThreadSanitizer; then the sandbox through the vendors' Python SDKs
# (installed into a venv); the README's release build, which must link and run; last, the mutants (scripts/mutants/run.sh): each breaks the code that
# keeps a promise, and the test that guards it must fail (ROSTER_SKIP_MUTANTS=1 skips them;
# under CI, on a fresh clone, they are applied in place and reuse the build above).
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
# The manual page matches the command line's declarations.
scripts/docs/man.sh --check
swift test
# The parallel-loop, golden and journal suites once more under ThreadSanitizer, in a build
# folder of their own: any report fails the run (parallel iterations share nothing mutable).
TSAN_OPTIONS=halt_on_error=1 swift test --scratch-path .build-tsan --sanitize=thread \
    --filter 'ParallelLoopTests|GoldenTests|WriteSafetyTests'
scripts/conformance/run.sh .build/debug/roster
# The README's first command builds the release binary with the Swift runtime linked in: it
# must link on a fresh machine, and run.
swift build -c release --static-swift-stdlib --product roster
test "$(.build/release/roster -c 'print (1 + 1)')" = 2
if [ "${ROSTER_SKIP_MUTANTS:-}" != 1 ]; then
    if [ "${CI:-}" = true ]; then
        export ROSTER_MUTANTS_IN_PLACE=1
    fi
    scripts/mutants/run.sh
fi
