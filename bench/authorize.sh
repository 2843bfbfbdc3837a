#!/bin/sh
# Runs the access-decision benchmarks and prints, per benchmark and grant
# count, the median over the runs of the mean, p50 and p99 (µs) and the
# allocations, then the 100k/1k ratios. The goal: Decide p99 under 100 µs at
# 100,000 grants and at most 1.5× its cost at 1,000 grants.
#
#   bench/authorize.sh                      # defaults below
#   BENCHTIME=20000x COUNT=5 bench/authorize.sh
#   BENCH='DecideRatio' bench/authorize.sh  # one benchmark
#
# BenchmarkDecideRatio alternates the two sizes call by call, so both see the
# same machine load; its ratio is the steadier one on a busy machine.
set -eu
cd "$(dirname "$0")/.."
BENCHTIME=${BENCHTIME:-10000x}
COUNT=${COUNT:-3}
BENCH=${BENCH:-'Decide|Authorize'}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

go test ./auth/ -run '^$' -bench "$BENCH" -benchtime="$BENCHTIME" -count="$COUNT" | tee "$out" >&2

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
	printf "\n%-38s %10s %10s %10s %10s\n", "benchmark (median of runs)", "mean-µs", "p50-µs", "p99-µs", "allocs/op"
	for (k = 1; k <= names; k++) {
		n = order[k]
		if (n ~ /Ratio$/) continue
		printf "%-38s %10.1f %10.1f %10.1f %10d\n", n, median(n SUBSEP "ns/op") / 1000,
			median(n SUBSEP "p50-µs"), median(n SUBSEP "p99-µs"), median(n SUBSEP "allocs/op")
	}
	print ""
	for (k = 1; k <= names; k++) {
		n = order[k]
		if (n !~ /\/grants=100000$/) continue
		s = n; sub(/100000$/, "1000", s)
		if (!(s in seen)) continue
		base = n; sub(/\/grants=100000$/, "", base)
		printf "%-28s 100k/1k ratio: p99 %.2f, mean %.2f\n", base,
			median(n SUBSEP "p99-µs") / median(s SUBSEP "p99-µs"),
			median(n SUBSEP "ns/op") / median(s SUBSEP "ns/op")
	}
	n = "BenchmarkDecideRatio"
	if (n in seen)
		printf "%-28s interleaved: p99 %.1f µs (1k) / %.1f µs (100k), ratio p99 %.2f, mean %.2f\n", n,
			median(n SUBSEP "p99-µs-1000"), median(n SUBSEP "p99-µs-100000"),
			median(n SUBSEP "p99-ratio"), median(n SUBSEP "mean-ratio")
}' "$out"
