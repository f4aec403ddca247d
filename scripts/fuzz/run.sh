#!/usr/bin/env bash
# Parser fuzzing: random and mutated scripts through the parser and compiler, checking that
# nothing crashes or hangs and that every diagnostic points inside its input.
#   scripts/fuzz/run.sh            1,000,000 inputs (release build, a few minutes)
#   scripts/fuzz/run.sh 50000 7    50,000 inputs with seed 7
# `swift test` runs the same property test with 20,000 inputs.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ROSTER_FUZZ_ITERATIONS="${1:-1000000}"
export ROSTER_FUZZ_SEED="${2:-24301}"
swift test -c release -Xswiftc -enable-testing --filter ParserFuzzTests
