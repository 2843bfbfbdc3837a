#!/usr/bin/env bash
# bench/clone.sh: clone wall time of a ~20 MB generated repository through
# jitgit versus `git http-backend` serving the same repository, measured in
# the same run with the clones interleaved; and jitgit's idle resident memory.
#
#   bash bench/clone.sh [ROUNDS]      (default 7)
#
# Prints medians, the ratio jitgit/http-backend (target <= 1.10) and RSS.
set -euo pipefail
rounds=${1:-7}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
(cd "$top" && go build -o "$work/jitgit" ./cmd/jitgit && go build -o "$work/httpbackend" ./bench/httpbackend &&
  go run ./fixtures/genrepo -out "$work/gen.git" -size 24MB)
export HOME=$work GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
git config --global user.email bench@example.com
git config --global user.name bench

port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
packed=$(du -sk "$work/gen.git" | cut -f1)

jport=$(port); bport=$(port)
export JITGIT_DATA=$work/data
./jitgit serve --http "127.0.0.1:$jport" --ssh off >serve.log 2>&1 &
jpid=$!
for _ in $(seq 100); do [ -S "$JITGIT_DATA/jitgit.sock" ] && break; sleep 0.1; done
./jitgit repo create bench/repo
./jitgit user add bench
token=$(./jitgit user token create bench)
./jitgit grant add --user bench --repo bench/repo --access write --for 2h --reason benchmark >/dev/null
git -C gen.git push -q "http://bench:$token@127.0.0.1:$jport/bench/repo.git" main
sleep 1
rss_idle=$(awk '/VmRSS/{print $2}' /proc/$jpid/status)

./httpbackend -root "$JITGIT_DATA/repos" -addr "127.0.0.1:$bport" 2>backend.log &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$bport/bench/repo.git/info/refs?service=git-upload-pack" >/dev/null 2>&1 && break; sleep 0.1; done

clone() { # url → seconds
  rm -rf c
  local s e
  s=$(date +%s.%N); git clone -q --bare "$1" c; e=$(date +%s.%N)
  echo "$e - $s" | bc
}
j=(); b=()
clone "http://bench:$token@127.0.0.1:$jport/bench/repo.git" >/dev/null   # warm the page cache
clone "http://127.0.0.1:$bport/bench/repo.git" >/dev/null
for _ in $(seq "$rounds"); do
  j+=("$(clone "http://bench:$token@127.0.0.1:$jport/bench/repo.git")")
  b+=("$(clone "http://127.0.0.1:$bport/bench/repo.git")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
mj=$(median "${j[@]}"); mb=$(median "${b[@]}")
rss_after=$(awk '/VmRSS/{print $2}' /proc/$jpid/status)
printf 'repository: %d KiB on disk, %d rounds\n' "$packed" "$rounds"
printf 'clone via git http-backend: median %.3f s  (%s)\n' "$mb" "${b[*]}"
printf 'clone via jitgit:           median %.3f s  (%s)\n' "$mj" "${j[*]}"
printf 'ratio jitgit/http-backend:  %.3f  (target <= 1.10)\n' "$(echo "$mj / $mb" | bc -l)"
printf 'jitgit RSS: idle %d KiB, after clones %d KiB (target idle < 65536 KiB)\n' "$rss_idle" "$rss_after"
