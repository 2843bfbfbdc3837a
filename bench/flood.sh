#!/usr/bin/env bash
# bench/flood.sh: Git clones during a flood of failed authentications.
#
#   bash bench/flood.sh            # 10,000 failures/s from 10,000 addresses for 30 s
#   RATE=5000 ADDRS=2000 SECS=20 bash bench/flood.sh
#   SRC=1 bash bench/flood.sh      # real source addresses 127.x.y.z, no proxy trust
#
# A client clones a ~5 MB repository in a loop, first alone (the baseline),
# then while bench/load sends token-shaped wrong credentials at RATE per
# second from ADDRS client addresses (X-Forwarded-For from a trusted proxy
# 127.0.0.1, or with SRC=1 one new connection per request from its own
# loopback address). Prints the clone medians and their ratio (target
# <= 1.5, every clone succeeding), the server's resident memory each
# 5 seconds (target under 256 MiB, flat after the first seconds), the
# flood's answers by status and the audit events it left.
set -euo pipefail
rate=${RATE:-10000}; addrs=${ADDRS:-10000}; secs=${SECS:-30}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
(cd "$top" && go build -o "$work/jitgit" ./cmd/jitgit && go build -o "$work/load" ./bench/load &&
  go run ./fixtures/genrepo -out "$work/gen.git" -size 5MB)
export HOME=$work GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
jport=$(port)
if [ "${SRC:-0}" = 1 ]; then : >config.toml; else echo 'trusted_proxies = ["127.0.0.1"]' >config.toml; fi
export JITGIT_DATA=$work/data
./jitgit serve --config config.toml --http "127.0.0.1:$jport" --ssh off >serve.log 2>&1 &
jpid=$!
for _ in $(seq 100); do [ -S "$JITGIT_DATA/jitgit.sock" ] && break; sleep 0.1; done
./jitgit repo create bench/repo
./jitgit user add bench
token=$(./jitgit user token create bench)
./jitgit grant add --user bench --repo bench/repo --access read --for 2h --reason benchmark >/dev/null
./jitgit grant add --user admin --repo bench/repo --access write --for 2h --reason benchmark >/dev/null
atoken=$(./jitgit user token create admin)
git -C gen.git push -q "http://admin:$atoken@127.0.0.1:$jport/bench/repo.git" main
url="http://bench:$token@127.0.0.1:$jport/bench/repo.git"

clone() { # → seconds, or "fail"
  rm -rf c
  local s e
  s=$(date +%s.%N)
  if ! git clone -q --bare "$url" c 2>>clone.err; then echo fail; return; fi
  e=$(date +%s.%N)
  echo "$e - $s" | bc
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
rss() { awk '/VmRSS/{printf "%.0f", $2/1024}' /proc/$jpid/status; }

clone >/dev/null # warm the page cache
for _ in $(seq 7); do clone; done >base.txt
echo "idle RSS $(rss) MiB"

src=(); [ "${SRC:-0}" = 1 ] && src=(-src)
./load -mode flood -url "http://127.0.0.1:$jport/bench/repo.git/info/refs?service=git-upload-pack" \
  -rate "$rate" -addrs "$addrs" -for "${secs}s" "${src[@]}" >load.json &
lpid=$!
( t=0; while kill -0 $lpid 2>/dev/null; do echo "$t $(rss)"; sleep 5; t=$((t+5)); done ) >rss.txt &
while kill -0 $lpid 2>/dev/null; do clone; done >flood.txt
wait $lpid
sleep 1
events=$(./jitgit audit list --action auth.http --json | grep -c '"seq"' || true)

fails=$(cat base.txt flood.txt | grep -c fail || true)
b=$(grep -v fail base.txt | median); f=$(grep -v fail flood.txt | median)
echo "clones: $(wc -l <base.txt) alone, median ${b}s; $(wc -l <flood.txt) during the flood, median ${f}s; failed: $fails"
echo "ratio flood/alone: $(echo "scale=2; $f / $b" | bc)"
echo "RSS (s MiB) during the flood: $(tr '\n' ' ' <rss.txt)"
echo "RSS after: $(rss) MiB"
echo "flood answers: $(cat load.json)"
echo "auth.http audit events: $events"
[ -s clone.err ] && { echo "clone errors:"; head -5 clone.err; }
exit 0
