#!/usr/bin/env bash
# bench/cluster.sh: two jitgit nodes on etcd (three etcd members on
# loopback, Debian's etcd binary started by this script) against one
# jitgit node on Badger, measured in the same run:
#
#   1. clone of the generated 24 MB repository through node A and through
#      node B, each against the Badger node (farm-bench --vs: pairs A B A B,
#      the ratio taken pair by pair; target <= 1.10);
#   2. audited decisions per second with 32 concurrent clients, spread
#      over both nodes, against the Badger node: Git HTTP ref
#      advertisements (authentication, decision, durable audit event, git
#      upload-pack --advertise-refs) and API access checks (the decision
#      and its event alone); target >= 1,000/s across the two nodes.
#
#   bash bench/cluster.sh [RUNS]        (default 7; ETCD=/usr/bin/etcd, SECONDS_EACH=10,
#                                         ETCD_DIR=DIR for the members' data, e.g. under /dev/shm,
#                                         CLONES=0 to skip the clones)
#
# The etcd members fsync (etcd 3.4 cannot turn it off): the figures
# include the disk, unless ETCD_DIR is on a memory file system. Prints the load average before and after: the machine
# may be shared.
set -euo pipefail
runs=${1:-7}
etcd=${ETCD:-/usr/bin/etcd}
each=${SECONDS_EACH:-10}
clones=${CLONES:-1}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
etcddir=${ETCD_DIR:-$work}/etcd-$$
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work" "$etcddir"' EXIT
cd "$work"
[ -x "$etcd" ] || { echo "bench/cluster.sh: no etcd at $etcd (apt-get install etcd-server, or ETCD=PATH)" >&2; exit 1; }
command -v farm-bench >/dev/null || { echo "bench/cluster.sh: needs farm-bench on PATH" >&2; exit 1; }
(cd "$top" && go build -o "$work/jitgit" ./cmd/jitgit && go build -o "$work/decisions" ./bench/decisions &&
  go run ./fixtures/genrepo -out "$work/gen.git" -size 24MB)
export HOME=$work GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
git config --global user.email bench@example.com
git config --global user.name bench
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# Three etcd members.
initial=""; clients=(); etcdpids=(); nodepids=()
for i in 0 1 2; do
  p[$i]=$(port); c[$i]=$(port)
  initial+="${initial:+,}m$i=http://127.0.0.1:${p[$i]}"
  clients+=("\"http://127.0.0.1:${c[$i]}\"")
done
for i in 0 1 2; do
  env -u ETCD_DATA_DIR "$etcd" --name "m$i" --data-dir "$etcddir/$i" \
    --listen-peer-urls "http://127.0.0.1:${p[$i]}" --initial-advertise-peer-urls "http://127.0.0.1:${p[$i]}" \
    --listen-client-urls "http://127.0.0.1:${c[$i]}" --advertise-client-urls "http://127.0.0.1:${c[$i]}" \
    --initial-cluster "$initial" --initial-cluster-token bench --initial-cluster-state new \
    --max-txn-ops 1024 --logger zap --log-level error >"etcd$i.log" 2>&1 &
  etcdpids+=($!)
done
for i in 0 1 2; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:${c[$i]}/health" >/dev/null 2>&1 && break; sleep 0.1; done
done
endpoints=$(IFS=,; echo "${clients[*]}")

start_node() { # name port data config → waits for its socket
  local name=$1 port=$2 data=$3 cfg=$4
  mkdir -p "$data"
  JITGIT_DATA=$data ./jitgit serve --config "$cfg" --http "127.0.0.1:$port" --ssh off >"$name.log" 2>&1 &
  nodepids+=($!)
  for _ in $(seq 200); do [ -S "$data/jitgit.sock" ] && curl -s -o /dev/null "http://127.0.0.1:$port/" && return; sleep 0.1; done
  echo "node $name did not start:" >&2; cat "$name.log" >&2; exit 1
}
cat >a.toml <<EOT
repos = "$work/shared/repos"
[store]
backend = "etcd"
endpoints = [$endpoints]
prefix = "/bench/"
max_txn_ops = 1024
[cluster]
node = "a"
EOT
aport=$(port); bport=$(port); sport=$(port)
start_node a "$aport" "$work/a" a.toml
sed -e 's/node = "a"/node = "b"/' a.toml >b.toml
printf 'audit_keys = ["%s"]\n' "$work/a/audit-signing.pub" >>b.toml
start_node b "$bport" "$work/b" b.toml
: >solo.toml
start_node solo "$sport" "$work/solo" solo.toml

setup() { # data port → token
  export JITGIT_DATA=$1
  ./jitgit repo create bench/repo
  ./jitgit user add bench
  local token; token=$(./jitgit user token create bench)
  ./jitgit grant add --user bench --repo bench/repo --access write --for 2h --reason benchmark >/dev/null
  git -C gen.git push -q "http://bench:$token@127.0.0.1:$2/bench/repo.git" main
  echo "$token"
}
etoken=$(setup "$work/a" "$aport")
stoken=$(setup "$work/solo" "$sport")

clone() { echo "sh -c 'rm -rf $work/c-$1 && exec git clone -q --bare http://bench:$2@127.0.0.1:$3/bench/repo.git $work/c-$1'"; }
if [ "$clones" = 1 ]; then
echo "== clone of the 24 MB repository: node A (etcd) vs the Badger node"
eval farm-bench -n "$runs" --timeout 600 --vs "\"$(clone s "$stoken" "$sport")\"" -- "$(clone a "$etoken" "$aport")"
echo "== clone of the 24 MB repository: node B (etcd) vs the Badger node"
eval farm-bench -n "$runs" --timeout 600 --vs "\"$(clone s "$stoken" "$sport")\"" -- "$(clone b "$etoken" "$bport")"
fi

# cpu PID... → the CPU seconds (user + system) those processes have used.
cpu() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "scale=2; $t / $(getconf CLK_TCK)" | bc; }
# run LABEL ARGS... → one line of the decisions tool, then the CPU seconds
# the three etcd members and the two etcd nodes used during it.
# calls METHOD → how many gRPC calls of METHOD (Range, Txn, ...) the three
# members have answered.
calls() {
  local t=0 i n
  for i in 0 1 2; do
    n=$(curl -s "http://127.0.0.1:${c[$i]}/metrics" | awk -v m="grpc_method=\"$1\"" 'index($0, "grpc_server_handled_total{") == 1 && index($0, m) {s += $2} END {print s + 0}')
    t=$((t + n))
  done
  echo "$t"
}
run() {
  local label=$1; shift
  local e0 n0 r0 t0; e0=$(cpu "${etcdpids[@]}"); n0=$(cpu "${nodepids[@]:0:2}"); r0=$(calls Range); t0=$(calls Txn)
  local out; out=$(./decisions "$@" -c 32 -for "${each}s")
  echo "$label $out"
  echo "    during it: cpu s of the etcd members $(echo "$(cpu "${etcdpids[@]}") - $e0" | bc), of the etcd nodes $(echo "$(cpu "${nodepids[@]:0:2}") - $n0" | bc); etcd calls: Range $(($(calls Range) - r0)), Txn $(($(calls Txn) - t0))"
}
refs=/bench/repo.git/info/refs?service=git-upload-pack
check=/api/v1/access/check?repo=bench/repo\&access=read
echo "== audited decisions, 32 clients, ${each}s each"
run "git info/refs, Badger node:   " -urls "http://127.0.0.1:$sport$refs" -user bench -token "$stoken"
run "git info/refs, nodes A and B: " -urls "http://127.0.0.1:$aport$refs,http://127.0.0.1:$bport$refs" -user bench -token "$etoken"
run "access check, Badger node:    " -urls "http://127.0.0.1:$sport$check" -token "$stoken" -bearer
run "access check, node A alone:   " -urls "http://127.0.0.1:$aport$check" -token "$etoken" -bearer
run "access check, nodes A and B:  " -urls "http://127.0.0.1:$aport$check,http://127.0.0.1:$bport$check" -token "$etoken" -bearer
JITGIT_DATA=$work/b ./jitgit audit verify | head -1
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
