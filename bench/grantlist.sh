#!/bin/sh
# Lists every grant of an on-disk store, streamed (GET /api/v1/grants) and
# page by page (GET /api/v1/grants/page, as `jitgit grant list` walks it),
# and prints per size the time, the peak Go heap above the heap before
# the listing, the process's peak anonymous resident memory (RssAnon:
# heap and stacks) and its peak resident memory with the store's
# memory-mapped tables (VmHWM) during it (the benchmark process holds
# server and client both), then each size's ratio
# to the smallest. The goal: memory that stops growing with the count of
# grants (before paging, 1,000,000 grants took 3 GB).
#
#   bench/grantlist.sh                         # 1,000, 100,000 and 1,000,000 grants
#   SIZES=1000,100000 bench/grantlist.sh
#
# Filling a million grants takes a few minutes on a busy machine.
set -eu
cd "$(dirname "$0")/.."
SIZES=${SIZES:-1000,100000,1000000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
JITGIT_BENCH_GRANTS=$SIZES go test ./web -run '^$' -bench 'ListGrants' -benchtime 1x -count 1 -timeout 60m | tee "$out" >&2
awk '
/^BenchmarkListGrants/ {
	name = $1; sub(/-[0-9]+$/, "", name); sub(/^BenchmarkListGrants\//, "", name)
	how = name; sub(/\/.*/, "", how)
	n = name; sub(/.*grants=/, "", n)
	s = $3 / 1e9
	for (i = 5; i < NF; i += 2) m[$(i+1)] = $i
	h = m["peak-heap-MiB"]; r = m["peak-rss-MiB"]; a = m["peak-anon-MiB"]
	if (!(how in small)) { small[how] = n; sh[how] = h; sr[how] = r; sa[how] = a }
	printf "%-6s %9d grants %7.2f s  peak-heap %6.1f MiB (%5.1fx)  peak-anon %6.1f MiB (%5.1fx)  peak-rss %6.1f MiB (%5.1fx)\n", how, n, s, h, h / sh[how], a, a / sa[how], r, r / sr[how]
}' "$out"
