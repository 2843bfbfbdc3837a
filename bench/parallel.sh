#!/usr/bin/env bash
# bench/parallel.sh: many clones at once from one address, default limits.
#
#   bash bench/parallel.sh [HTTP] [SSH]      (default 64 and 32)
#
# A CI runner or an office behind one NAT: HTTP clones and SSH clones of a
# ~5 MB repository, all started at once from 127.0.0.1 against a server
# with no config. Prints how many succeeded of each (target: all) and the
# wall time.
set -euo pipefail
nh=${1:-64}; ns=${2:-32}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
(cd "$top" && go build -o "$work/jitgit" ./cmd/jitgit && go run ./fixtures/genrepo -out "$work/gen.git" -size 5MB)
export HOME=$work GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
jport=$(port); sport=$(port)
export JITGIT_DATA=$work/data
./jitgit serve --http "127.0.0.1:$jport" --ssh "127.0.0.1:$sport" >serve.log 2>&1 &
for _ in $(seq 100); do [ -S "$JITGIT_DATA/jitgit.sock" ] && break; sleep 0.1; done
./jitgit repo create bench/repo
./jitgit user add bench
token=$(./jitgit user token create bench)
ssh-keygen -q -t ed25519 -N '' -f key
./jitgit user key add bench key.pub
./jitgit grant add --user bench --repo bench/repo --access write --for 2h --reason benchmark >/dev/null
git -C gen.git push -q "http://bench:$token@127.0.0.1:$jport/bench/repo.git" main
export GIT_SSH_COMMAND="ssh -i $work/key -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
start=$(date +%s.%N)
pids=()
for i in $(seq "$nh"); do
  (git clone -q --bare "http://bench:$token@127.0.0.1:$jport/bench/repo.git" "h$i" 2>"h$i.err" && echo ok >"h$i.ok") &
  pids+=($!)
done
for i in $(seq "$ns"); do
  (git clone -q --bare "ssh://git@127.0.0.1:$sport/bench/repo.git" "s$i" 2>"s$i.err" && echo ok >"s$i.ok") &
  pids+=($!)
done
wait "${pids[@]}" || true
end=$(date +%s.%N)
oh=$(ls h*.ok 2>/dev/null | wc -l); os=$(ls s*.ok 2>/dev/null | wc -l)
echo "HTTP clones: $oh of $nh succeeded; SSH clones: $os of $ns succeeded; wall $(echo "$end - $start" | bc)s"
for f in h*.err s*.err; do [ -s "$f" ] && { echo "$f: $(head -2 "$f")"; }; done | head -10
exit 0
