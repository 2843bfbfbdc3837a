#!/bin/sh
# Exports an audit trail of N events (default 1,000,000) from a running
# server and verifies it, reporting wall time and the peak RSS of the
# server and of the CLI (goal: under 10 s and under 100 MiB each).
#
#   bench/audit.sh            # N=1000000
set -eu
cd "$(dirname "$0")/.."
N=${N:-1000000}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
go build -o "$dir/jitgit" ./cmd/jitgit
go build -o "$dir/auditfill" ./bench/auditfill
export JITGIT_DATA="$dir/data" JITGIT_HTTP=127.0.0.1:0 JITGIT_SSH=off
mkdir -p "$JITGIT_DATA"
"$dir/auditfill" -data "$JITGIT_DATA" -n "$N"
/usr/bin/time -f '%M' -o "$dir/server.rss" "$dir/jitgit" serve >"$dir/serve.log" 2>&1 &
pid=$!
ts=$(date +%s.%N)
# The peak RSS counts the pages of the database files Badger maps and
# reads, which the kernel drops under pressure; the heap's own share is
# the anonymous RSS, sampled here.
( while kill -0 "$pid" 2>/dev/null; do
	spid=$(pgrep -P "$pid" || true)
	[ -n "$spid" ] && awk '/RssAnon/ {print $2}' "/proc/$spid/status" 2>/dev/null
	sleep 0.2
done | sort -n | tail -1 >"$dir/server.anon" ) &
for _ in $(seq 600); do [ -S "$JITGIT_DATA/jitgit.sock" ] && break; sleep 0.1; done
t0=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$dir/export.rss" "$dir/jitgit" audit export -o "$dir/trail.jsonl"
t1=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$dir/verify.rss" "$dir/jitgit" audit verify --public-key "$JITGIT_DATA/audit-signing.pub" --file "$dir/trail.jsonl" >&2
t2=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$dir/sverify.rss" "$dir/jitgit" audit verify >&2
t3=$(date +%s.%N)
kill -INT $(pgrep -P "$pid") 2>/dev/null || true; wait "$pid" || true
sleep 0.5
lines=$(wc -l <"$dir/trail.jsonl")
awk -v n="$lines" -v e="$(echo "$t1 - $t0" | bc)" -v v="$(echo "$t2 - $t1" | bc)" -v s="$(echo "$t3 - $t2" | bc)" \
	-v st="$(echo "$t0 - $ts" | bc)" -v anon="$(cat "$dir/server.anon" 2>/dev/null || echo 0)" \
	-v srv="$(cat "$dir/server.rss")" -v cli="$(cat "$dir/export.rss")" -v ver="$(cat "$dir/verify.rss")" -v sv="$(cat "$dir/sverify.rss")" 'BEGIN {
	printf "start (verifies the trail): %.1f s; export %d lines: %.1f s; server peak RSS %.0f MiB (whole run; anonymous %.0f MiB), export CLI %.0f MiB\n", st, n, e, srv / 1024, anon / 1024, cli / 1024
	printf "verify the export offline: %.1f s, CLI %.0f MiB; verify on the server: %.1f s, CLI %.0f MiB\n", v, ver / 1024, s, sv / 1024
}'
