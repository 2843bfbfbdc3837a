#!/usr/bin/env bash
# bench/signins.sh: 200 password sign-ins on the web form at once.
#
#   bash bench/signins.sh [N]      (default 200)
#
# N browsers, each from its own address (X-Forwarded-For from the trusted
# proxy 127.0.0.1), load the sign-in form and then post the right password
# at the same instant. Password checks (argon2id, 19 MiB each) run one per
# core, a few queue, the rest are refused with 429. Prints the answers by
# status (target: 303 and 429 only) and the server's peak resident memory
# (target under 512 MiB).
set -euo pipefail
n=${1:-200}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
(cd "$top" && go build -o "$work/jitgit" ./cmd/jitgit && go build -o "$work/load" ./bench/load)
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
jport=$(port)
echo 'trusted_proxies = ["127.0.0.1"]' >config.toml
export JITGIT_DATA=$work/data
./jitgit serve --config config.toml --http "127.0.0.1:$jport" --ssh off >serve.log 2>&1 &
jpid=$!
for _ in $(seq 100); do [ -S "$JITGIT_DATA/jitgit.sock" ] && break; sleep 0.1; done
echo "correct horse battery staple" | ./jitgit user add pat --password-stdin
echo "idle RSS $(awk '/VmRSS/{printf "%.0f", $2/1024}' /proc/$jpid/status) MiB"
( while kill -0 $jpid 2>/dev/null; do awk '/VmRSS/{print int($2/1024)}' /proc/$jpid/status; sleep 0.1; done ) >rss.txt &
./load -mode signin -url "http://127.0.0.1:$jport" -user pat -password "correct horse battery staple" -n "$n" | tee load.json
sleep 0.5
echo "peak RSS $(sort -n rss.txt | tail -1) MiB ($(wc -l <rss.txt) samples)"
echo "VmHWM $(awk '/VmHWM/{printf "%.0f", $2/1024}' /proc/$jpid/status) MiB"
