#!/bin/sh
# The per-ref check of a push of 1,000 refs with no protection rules and
# with 100, and what the rules add (goal: under 50 ms per push); then what
# a push's own hooks directory adds to a real git push of 1,000 refs with
# nothing refused (no update hook: should be about nothing) and with one ref
# refused (the update hook then runs once per ref). Prints the median ns/op
# of each and the difference in ms.
#
#   bench/protect.sh                 # COUNT=5 BENCHTIME=20x HOOKTIME=3x
set -eu
cd "$(dirname "$0")/.."
COUNT=${COUNT:-5}
BENCHTIME=${BENCHTIME:-20x}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test ./auth/ -run '^$' -bench 'PushRefs' -benchtime="$BENCHTIME" -count="$COUNT" | tee "$out" >&2
go test ./server/ -run '^$' -bench 'UpdateHook' -benchtime="${HOOKTIME:-3x}" -count="$COUNT" | tee -a "$out" >&2
awk '
/^Benchmark(PushRefs|UpdateHook)/ { split($1, p, "/"); key = p[2] "/" p[3]; sub(/-[0-9]+$/, "", key); n[key]++; v[key, n[key]] = $3 }
function median(k,   i, j, t, a, m) {
	m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, i]
	for (i = 2; i <= m; i++) for (j = i; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return m % 2 ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
}
END {
	split("decide authorize", modes, " ")
	for (i = 1; i <= 2; i++) {
		m = modes[i]; a = median("rules=0/" m); b = median("rules=100/" m)
		printf "%-9s 1000 refs: no rules %.1f ms, 100 rules %.1f ms, added %.1f ms\n", m, a / 1e6, b / 1e6, (b - a) / 1e6
	}
	a = median("refs=1000/hook=none"); b = median("refs=1000/refused=none"); c = median("refs=1000/refused=one")
	printf "git push  1000 refs: no hooks %.1f ms; nothing refused %.1f ms, added %.1f ms; one refused %.1f ms, added %.1f ms (%.2f ms a ref)\n", a / 1e6, b / 1e6, (b - a) / 1e6, c / 1e6, (c - a) / 1e6, (c - a) / 1e9
}' "$out"
