#!/usr/bin/env bash
# bench/fuzz.sh: runs every Go fuzz target of the module for a while each
# (not in CI: CI runs their seed corpora as plain tests).
#
#   bash bench/fuzz.sh            # one minute each
#   FUZZTIME=10s bash bench/fuzz.sh
#
# Targets are found by name (func FuzzXxx in *_test.go), so new ones join
# by themselves. Prints per target the executions, their rate and the new
# interesting inputs; a failure stops with the failing input under the
# package's testdata/fuzz and a non-zero exit.
set -euo pipefail
fuzztime=${FUZZTIME:-1m}
cd "$(dirname "$0")/.."
status=0
while IFS=: read -r file name; do
  pkg=./$(dirname "$file")
  out=$(go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -parallel 2 2>&1) || {
    echo "FAIL $pkg $name"; echo "$out" | tail -20; status=1; continue; }
  last=$(echo "$out" | grep 'fuzz: elapsed' | tail -1)
  last=${last#fuzz: }; echo "ok   $pkg $name: ${last/ (*/sec)/}"
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's#^\./##; s#:func #:#')
exit $status
