#!/usr/bin/env bash
# Builds roster and runs every test: golden scripts, parser and lexer tables, the parser
# fuzz property test (20,000 inputs; scripts/fuzz/run.sh runs 1,000,000), the binary on
# stdin and files, and the REPL on a pseudo-terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test
