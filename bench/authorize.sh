#!/bin/sh
# Runs the access-decision benchmarks and prints, per benchmark and grant
# count, the median over the runs of the mean, p50 and p99 (µs) and the
# allocations, then the large/small ratios. The goal: Decide p99 at most
# 1.5× its cost at 1,000 grants, at 100,000 and at 1,000,000 grants (100,000
# users), and the process under 512 MiB resident after a decision for every
# one of those users.
#
# Every run draws its own subjects (a new seed), so a run never asks what
# the run before it warmed. The cold first decision of every user, with the
# cache empty, is reported apart (first-p50, first-p99), with the resident
# memory after them (rss-MiB).
#
#   bench/authorize.sh                      # defaults below
#   BENCHTIME=20000x COUNT=5 bench/authorize.sh
#   BENCH='DecideRatio' bench/authorize.sh  # one benchmark
#   SIZES=1000,1000000 BENCH='Decide$' bench/authorize.sh   # 1M grants
#
# BenchmarkDecideRatio alternates the two sizes call by call, so both see the
# same machine load; its ratio is the steadier one on a busy machine.
set -eu
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-10000x}
COUNT=${COUNT:-3}
BENCH=${BENCH:-'Decide|Authorize'}
SIZES=${SIZES:-1000,100000}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

JITGIT_BENCH_SIZES=$SIZES go test ./auth/ -run '^$' -bench "$BENCH" -benchtime="$BENCHTIME" -count="$COUNT" -timeout 60m | tee "$out" >&2

awk '
function median(key,   n, i, j, t, a) {
	n = cnt[key]
	for (i = 1; i <= n; i++) a[i] = val[key, i]
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
function add(key, v) { cnt[key]++; val[key, cnt[key]] = v }
/^Benchmark/ {
	name = $1; sub(/-[0-9]+$/, "", name)
	if (!(name in seen)) { seen[name] = 1; order[++names] = name }
	for (i = 3; i < NF; i += 2) add(name SUBSEP $(i+1), $i)
}
END {
	printf "\n%-38s %10s %10s %10s %10s %12s %12s %8s\n", "benchmark (median of runs)", "mean-µs", "p50-µs", "p99-µs", "allocs/op", "first-p50", "first-p99", "rss-MiB"
	for (k = 1; k <= names; k++) {
		n = order[k]
		if (n ~ /Ratio$/) continue
		printf "%-38s %10.1f %10.1f %10.1f %10d %12.1f %12.1f %8.0f\n", n, median(n SUBSEP "ns/op") / 1000,
			median(n SUBSEP "p50-µs"), median(n SUBSEP "p99-µs"), median(n SUBSEP "allocs/op"),
			median(n SUBSEP "first-p50-µs"), median(n SUBSEP "first-p99-µs"), median(n SUBSEP "rss-MiB")
	}
	print ""
	for (k = 1; k <= names; k++) {
		n = order[k]
		if (n !~ /\/grants=[0-9]+$/ || n ~ /\/grants=1000$/) continue
		s = n; sub(/grants=[0-9]+$/, "grants=1000", s)
		if (!(s in seen)) continue
		size = n; sub(/.*grants=/, "", size)
		base = n; sub(/\/grants=[0-9]+$/, "", base)
		printf "%-28s %s/1000 ratio: p99 %.2f, mean %.2f, first-p99 %.2f\n", base, size,
			median(n SUBSEP "p99-µs") / median(s SUBSEP "p99-µs"),
			median(n SUBSEP "ns/op") / median(s SUBSEP "ns/op"),
			median(s SUBSEP "first-p99-µs") > 0 ? median(n SUBSEP "first-p99-µs") / median(s SUBSEP "first-p99-µs") : 0
	}
	n = "BenchmarkDecideRatio"
	if (n in seen)
		printf "%-28s interleaved: p99 %.1f µs (1000) / %.1f µs (%s), ratio p99 %.2f, mean %.2f\n", n,
			median(n SUBSEP "p99-µs-1000"), median(n SUBSEP "p99-µs-" large), large,
			median(n SUBSEP "p99-ratio"), median(n SUBSEP "mean-ratio")
}' large="${SIZES##*,}" "$out"
