#!/bin/sh
# Times `jitgit grant bulk` through a real server (on-disk Badger, synchronous
# writes, every audit event): a 1,000-line file, then a 100,000-line file
# over 10,000 users and 10 repositories, in the same run. Prints both times,
# their ratio, and the server's peak RSS (VmHWM). The goals: the 100k file
# in under 10 s, peak RSS under 200 MiB, and the ratio at most 120.
#
#   bench/bulk.sh
#   LINES=20000 bench/bulk.sh      # a smaller large file
set -eu
cd "$(dirname "$0")/.."
LINES=${LINES:-100000}
USERS=${USERS:-10000}
work=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
go build -o "$work/jitgit" ./cmd/jitgit
port=$((30000 + $$ % 2000))
export JITGIT_DATA="$work/data" JITGIT_HTTP="127.0.0.1:$port" JITGIT_SSH="127.0.0.1:$((port + 1))"
"$work/jitgit" serve >"$work/serve.log" 2>&1 &
pid=$!
i=0
until [ -S "$JITGIT_DATA/jitgit.sock" ]; do
	i=$((i + 1)); [ $i -gt 300 ] && { cat "$work/serve.log"; exit 1; }
	sleep 0.1
done
j="$work/jitgit"

awk -v n="$USERS" 'BEGIN { print "name,groups,flags"; for (i = 0; i < n; i++) printf "u%d,team%d,\n", i, i % 50 }' >"$work/users.csv"
$j user import "$work/users.csv" >/dev/null
for r in 0 1 2 3 4 5 6 7 8 9; do $j repo create "acme/r$r"; done

# Line i: user i mod USERS, then repository and access from i / USERS, so
# every line is a distinct (subject, repo, access).
gen() {
	awk -v n="$1" -v u="$USERS" 'BEGIN {
		split("read write admin", lv, " ")
		print "subject,repo,access,for,reason"
		for (i = 0; i < n; i++) { r = int(i / u); printf "user:u%d,acme/r%d,%s,%dh,quarterly access review INC-%d\n", i % u, r % 10, lv[int(r / 10) % 3 + 1], 1 + i % 48, i }
	}'
}
gen 1000 >"$work/small.csv"
gen "$LINES" >"$work/large.csv"

now() { date +%s.%N; }
t0=$(now)
$j grant bulk "$work/small.csv" >"$work/small.out"
t1=$(now)
# The small batch goes again, so the large file's lines are all new.
$j grant revoke --batch "$(sed -n 's/^batch \(b_[a-z0-9]*\):.*/\1/p' "$work/small.out")" --yes >/dev/null
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
c0=$(cpu)
t2=$(now)
$j grant bulk "$work/large.csv" >"$work/large.out"
t3=$(now)
c1=$(cpu)
# On a shared machine the wall time includes waiting for a core; the
# server's own CPU time does not.
echo "server CPU for the large file: $(awk -v a="$c0" -v b="$c1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f s", (b - a) / hz }')" >&2
cat "$work/small.out" "$work/large.out"
rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
grep -E '^(VmHWM|VmRSS|RssAnon|RssFile)' "/proc/$pid/status" >&2
awk -v s1="$t0" -v e1="$t1" -v s2="$t2" -v e2="$t3" -v rss="$rss" -v n="$LINES" 'BEGIN {
	small = e1 - s1; large = e2 - s2
	printf "1000 lines: %.2f s\n%d lines: %.2f s (%.0f grants/s)\nratio: %.1f\nserver peak RSS: %.1f MiB\n", small, n, large, n / large, large / small, rss / 1024
}'
