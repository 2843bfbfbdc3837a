#!/usr/bin/env bash
# bench/ssh.sh: clone wall time of a ~20 MB generated repository over SSH
# versus over smart HTTP, both through jitgit, measured in the same run with
# the clones interleaved; and the wall time of a one-file push over SSH.
#
#   bash bench/ssh.sh [ROUNDS]      (default 7)
#
# Prints medians, the ratio SSH/HTTP (target <= 1.10) and the push median
# (target < 0.3 s). Each git command opens its own SSH connection (no
# ControlMaster), as a default client does. SSH_OPTS adds ssh options, e.g.
# SSH_OPTS='-c aes128-gcm@openssh.com' to compare ciphers.
#
# When run as root with OpenSSH's sshd installed (apt-get install
# openssh-server), it also clones the same repository through a private
# sshd (its own config, host key and authorized_keys in the temporary
# directory) running git-upload-pack: the cost of SSH itself on this machine.
set -euo pipefail
rounds=${1:-7}
top=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
(cd "$top" && go build -o "$work/jitgit" ./cmd/jitgit && go run ./fixtures/genrepo -out "$work/gen.git" -size 24MB)
export HOME=$work GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
git config --global user.email bench@example.com
git config --global user.name bench

port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
packed=$(du -sk "$work/gen.git" | cut -f1)

hport=$(port); sport=$(port)
export JITGIT_DATA=$work/data JITGIT_HTTP=127.0.0.1:$hport JITGIT_SSH=127.0.0.1:$sport
./jitgit serve >serve.log 2>&1 &
for _ in $(seq 100); do [ -S "$JITGIT_DATA/jitgit.sock" ] && (echo >"/dev/tcp/127.0.0.1/$sport") 2>/dev/null && break; sleep 0.1; done
./jitgit serve --print-host-key >known_hosts
ssh-keygen -q -t ed25519 -N '' -f "$work/id"
./jitgit repo create bench/repo
./jitgit user add bench
./jitgit user key add bench "$work/id.pub"
token=$(./jitgit user token create bench)
./jitgit grant add --user bench --repo bench/repo --access write --for 2h --reason benchmark >/dev/null
export GIT_SSH_COMMAND="ssh -i $work/id -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$work/known_hosts -o ControlMaster=no -o ControlPath=none ${SSH_OPTS:-}"
http="http://bench:$token@127.0.0.1:$hport/bench/repo.git"
ssh="ssh://git@127.0.0.1:$sport/bench/repo.git"
git -C gen.git push -q "$ssh" main

secs() { # command... → seconds
  local s e
  s=$(date +%s.%N); "$@"; e=$(date +%s.%N)
  echo "$e - $s" | bc
}
clone() { rm -rf c; secs git clone -q --bare "$1" c; [ -f c/packed-refs ] || [ -n "$(ls c/refs/heads)" ] || { echo "clone of $1 failed" >&2; exit 1; }; }
sshd_url=
if [ "$(id -u)" = 0 ] && [ -x /usr/sbin/sshd ]; then
  dport=$(port)
  ssh-keygen -q -t ed25519 -N '' -f "$work/sshd_host"
  cp "$work/id.pub" "$work/authorized_keys"
  mkdir -p /run/sshd
  printf '%s\n' "Port $dport" "ListenAddress 127.0.0.1" "HostKey $work/sshd_host" \
    "PermitRootLogin prohibit-password" "PasswordAuthentication no" \
    "AuthorizedKeysFile $work/authorized_keys" "StrictModes no" "UsePAM no" \
    "PidFile $work/sshd.pid" >"$work/sshd_config"
  /usr/sbin/sshd -f "$work/sshd_config"
  trap 'kill $(cat "$work/sshd.pid" 2>/dev/null) $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
  sshd_url="ssh://root@127.0.0.1:$dport$JITGIT_DATA/repos/bench/repo.git"
  echo "[127.0.0.1]:$dport $(cut -d' ' -f1,2 "$work/sshd_host.pub")" >>"$work/known_hosts"
fi

h=(); s=(); d=()
clone "$http" >/dev/null # warm the page cache
clone "$ssh" >/dev/null
for _ in $(seq "$rounds"); do
  s+=("$(clone "$ssh")")
  h+=("$(clone "$http")")
  if [ -n "$sshd_url" ]; then d+=("$(clone "$sshd_url")"); fi
done

git clone -q "$ssh" w
p=()
for i in $(seq "$rounds"); do
  echo "$i" >w/file.txt
  git -C w add file.txt
  git -C w commit -q -m "push $i"
  p+=("$(secs git -C w push -q origin HEAD:main)")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
mh=$(median "${h[@]}"); ms=$(median "${s[@]}"); mp=$(median "${p[@]}")
printf 'repository: %d KiB on disk, %d rounds\n' "$packed" "$rounds"
printf 'clone over HTTP (jitgit): median %.3f s  (%s)\n' "$mh" "${h[*]}"
printf 'clone over SSH (jitgit):  median %.3f s  (%s)\n' "$ms" "${s[*]}"
printf 'ratio SSH/HTTP:           %.3f  (target <= 1.10)\n' "$(echo "$ms / $mh" | bc -l)"
if [ -n "$sshd_url" ]; then
  md=$(median "${d[@]}")
  printf 'clone via OpenSSH sshd:   median %.3f s  (%s)  (git-upload-pack under sshd, for scale)\n' "$md" "${d[*]}"
fi
printf 'one-file push over SSH:   median %.3f s  (%s)  (target < 0.3 s)\n' "$mp" "${p[*]}"
