#!/usr/bin/env bash
# bench/mirror.sh: what a mirror's fetches cost against plain git, from the
# same upstream (a ~24 MB generated repository served by `git
# http-backend`), in the same run, interleaved:
#
#   initial sync: `jitgit repo create --mirror URL` (the API call, the
#                 atomic fetch, HEAD, the record and audit event)
#                 vs `git clone --mirror URL`            target <= 1.10
#   one commit:   `jitgit repo sync NAME` after one new upstream commit
#                 vs `git fetch` in a mirror clone       target <= 1.50
#
# A mirror checks every object it fetches (fetch.fsckObjects), which plain
# `git clone --mirror` does not; the run also times the clone with
# transfer.fsckObjects=true, the like-for-like yardstick.
#
#   bash bench/mirror.sh [ROUNDS]      (default 5)
set -euo pipefail
rounds=${1:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
(cd "$top" && go build -o "$work/jitgit" ./cmd/jitgit && go build -o "$work/httpbackend" ./bench/httpbackend &&
  go run ./fixtures/genrepo -out "$work/up/gen.git" -size 24MB)
export HOME=$work GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
git config --global user.email bench@example.com
git config --global user.name bench

port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
jport=$(port); bport=$(port)
./httpbackend -root "$work/up" -addr "127.0.0.1:$bport" 2>backend.log &
up=http://127.0.0.1:$bport/gen.git
for _ in $(seq 100); do curl -sf "$up/info/refs?service=git-upload-pack" >/dev/null 2>&1 && break; sleep 0.1; done
export JITGIT_DATA=$work/data
./jitgit serve --http "127.0.0.1:$jport" --ssh off >serve.log 2>&1 &
for _ in $(seq 100); do [ -S "$JITGIT_DATA/jitgit.sock" ] && break; sleep 0.1; done

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N); echo "$e - $s" | bc; }
# commit adds one commit with one new file to the upstream's main.
commit() {
  local blob tree parent c
  blob=$(echo "change $1 $RANDOM" | git -C up/gen.git hash-object -w --stdin)
  tree=$( (git -C up/gen.git ls-tree main; printf '100644 blob %s\tbench-%s.txt\n' "$blob" "$1") | git -C up/gen.git mktree)
  parent=$(git -C up/gen.git rev-parse main)
  c=$(git -C up/gen.git commit-tree "$tree" -p "$parent" -m "bench commit $1")
  git -C up/gen.git update-ref refs/heads/main "$c" "$parent"
}

# Warm the page cache and both paths once.
git clone -q --mirror "$up" warm.git && rm -rf warm.git
./jitgit repo create bench/warm --mirror "$up" && ./jitgit repo mirror remove bench/warm --delete

ji=(); gi=(); gf=()
for i in $(seq "$rounds"); do
  ji+=("$(secs ./jitgit repo create "bench/m$i" --mirror "$up")")
  gi+=("$(secs git clone -q --mirror "$up" "clone$i.git")")
  gf+=("$(secs git -c transfer.fsckObjects=true clone -q --mirror "$up" "fsck$i.git")")
  rm -rf "fsck$i.git"
done
js=(); gs=()
for i in $(seq "$rounds"); do
  commit "$i"
  js+=("$(secs ./jitgit repo sync bench/m1)")
  gs+=("$(secs git -C clone1.git fetch -q)")
done
[ "$(git -C "$JITGIT_DATA/repos/bench/m1.git" rev-parse main)" = "$(git -C up/gen.git rev-parse main)" ] || { echo "the mirror is behind the upstream" >&2; exit 1; }

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
mji=$(median "${ji[@]}"); mgi=$(median "${gi[@]}"); mgf=$(median "${gf[@]}"); mjs=$(median "${js[@]}"); mgs=$(median "${gs[@]}")
printf 'upstream: %d KiB on disk, %d rounds, git %s\n' "$(du -sk up/gen.git | cut -f1)" "$rounds" "$(git --version | cut -d' ' -f3)"
printf 'initial: git clone --mirror median %.3f s  (%s)\n' "$mgi" "${gi[*]}"
printf 'initial: jitgit mirror      median %.3f s  (%s)\n' "$mji" "${ji[*]}"
printf 'initial: git clone --mirror, fsck on, median %.3f s  (%s)\n' "$mgf" "${gf[*]}"
printf 'initial ratio jitgit/git:   %.3f  (target <= 1.10)\n' "$(echo "$mji / $mgi" | bc -l)"
printf 'initial ratio jitgit/git with fsck: %.3f\n' "$(echo "$mji / $mgf" | bc -l)"
printf 'one commit: git fetch       median %.3f s  (%s)\n' "$mgs" "${gs[*]}"
printf 'one commit: jitgit sync     median %.3f s  (%s)\n' "$mjs" "${js[*]}"
printf 'one-commit ratio jitgit/git: %.3f  (target <= 1.50)\n' "$(echo "$mjs / $mgs" | bc -l)"
