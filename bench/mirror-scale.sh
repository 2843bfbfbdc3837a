#!/usr/bin/env bash
# bench/mirror-scale.sh: the mirror scheduler under 500 mirrors of one
# local upstream, each due every minute, max_parallel 4, on the real clock
# for MINUTES (default 3): how late fetches start after they are due, how
# many are made (500 a minute keeps up), and the most heap in use.
#
#   bash bench/mirror-scale.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
JITGIT_SCALE_MINUTES=${1:-3} go test ./mirror -run '^$' -bench BenchmarkScheduler500 -benchtime 1x -timeout 30m -v |
  grep -E 'Benchmark|mirrors every|ok|FAIL'
