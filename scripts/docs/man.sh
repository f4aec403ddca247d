#!/usr/bin/env bash
# roster.1, the manual page (man ./roster.1), generated from the command line's declarations by
# swift-argument-parser's generate-manual plugin over the debug build. With --check it only
# compares: a committed page that differs from what the declarations give fails (CI runs it,
# so --help and the page never drift apart). The page keeps the date it was last written.
set -euo pipefail
cd "$(dirname "$0")/../.."
day=$(date +%F)
if [ -f roster.1 ]; then
    written=$(sed -n 's/^\.Dd //p' roster.1)
    day=$(date -d "$written" +%F)
fi
swift package --disable-sandbox --allow-writing-to-package-directory generate-manual \
    --configuration debug --date "$day" > .build/man.log 2>&1 || { tail -20 .build/man.log; exit 1; }
generated=.build/plugins/GenerateManual/outputs/roster/roster.1
if [ "${1:-}" = --check ]; then
    diff -u roster.1 "$generated" || { echo "roster.1 differs from the command line's declarations: run scripts/docs/man.sh" >&2; exit 1; }
else
    cp "$generated" roster.1
fi
