#!/bin/sh
# Runs every Go fuzz target of the module for FUZZTIME each (default 1m),
# one at a time, and prints the executions each reached. Not run by CI:
# the seed corpora run with the ordinary tests there.
#
#   bench/fuzz.sh                    # FUZZTIME=1m
set -eu
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-1m}
for pkg in $(go list ./...); do
	for target in $(go test "$pkg" -list '^Fuzz' 2>/dev/null | grep '^Fuzz' || true); do
		echo "== $pkg $target ($FUZZTIME)"
		go test "$pkg" -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" -parallel 2 2>&1 | grep -E 'elapsed|PASS|FAIL|ok ' | tail -3
	done
done
