#!/usr/bin/env bash
# The Debian package as an operator meets it (issue 19): built by scripts/package, then
#   1. dpkg-deb --info/--contents: control fields, conffiles, maintainer scripts, the file list
#      (a man page per command of `shoal --help`);
#   2. lintian: no errors (warnings are printed);
#   3. systemd-analyze verify on the unit, inside the unpacked package;
#   4. install, remove, reinstall, purge with dpkg in a scratch root (the maintainer scripts run
#      against $DPKG_ROOT): the key is made once and kept, the conffile stays until purge, the
#      bash completion completes every command;
#   5. the installed `shoal agent` started with the unit's own ExecStart line, chrooted into the
#      installed tree in a private network namespace: it must come up and answer `shoal status`.
# Usage: tests/package/check.sh SOURCE_DIR BUILD_DIR (ctest runs it: tests/package/CMakeLists.txt)
set -euo pipefail
src=$1 build=$2
started=$(date +%s)
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() {  # a visible skip (ctest's SKIP_REGULAR_EXPRESSION); under CI a failure: deps installs it
  echo "SHOAL-SKIPPED: $*"
  [ "${CI:-}" = true ] && fail "not skipped under CI=true: $*"
  exit 0
}
for tool in dpkg-deb dpkg-shlibdeps help2man lintian; do
  command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/deps test installs it)"
done
[ "$(id -u)" -eq 0 ] || skip "the scratch-root install and the chroot need root"

tmp=$(mktemp -d /tmp/shoal-package-check-XXXXXX)
agent_pid=""
cleanup() {
  [ -n "$agent_pid" ] && kill -9 "$agent_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

deb=$(SHOAL_BUILD_DIR="$build" "$src/scripts/package" | tail -n 1)
case "$deb" in /*) ;; *) deb=$src/$deb ;; esac  # scripts/package names it from SOURCE_DIR
[ -f "$deb" ] || fail "scripts/package printed no package ($deb)"
echo "== $deb"

# 1. Control fields and files.
info=$(dpkg-deb --info "$deb")
for field in "Package: shoal" "Section: admin" "Priority: optional" "Architecture: amd64" \
             "Maintainer: " "Description: decentralised container scheduler" "Depends: .*libsodium23"; do
  grep -q "^ $field" <<<"$info" || fail "control: no \`$field\` in: $info"
done
grep -q "^ Version: $(sed -n 's/^project(shoal VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")$" <<<"$info" ||
  fail "control: the version is not the project's"
for script in postinst prerm postrm conffiles; do
  grep -Eq "^ +[0-9]+ bytes, +[0-9]+ lines +\*? +$script( |\$)" <<<"$info" || fail "control: no $script"
done
mkdir "$tmp/ctl" && dpkg-deb --control "$deb" "$tmp/ctl"
[ "$(cat "$tmp/ctl/conffiles")" = "/etc/shoal/peer.toml" ] || fail "conffiles: $(cat "$tmp/ctl/conffiles")"
contents=$(dpkg-deb --contents "$deb" | awk '{ print $1, $NF }')
has() {  # MODE-PREFIX PATH
  grep -q "^$1[^ ]* \./$2\$" <<<"$contents" || fail "contents: no $2 (mode $1...) in: $contents"
}
has -rwxr-xr-x usr/bin/shoal
has -rwxr-xr-x usr/bin/shoal-sim
has -rw-r--r-- lib/systemd/system/shoal.service
has -rw-r--r-- etc/shoal/peer.toml
has d etc/shoal/services/
has -rw-r--r-- usr/share/bash-completion/completions/shoal
has -rw-r--r-- usr/share/doc/shoal/copyright
has -rw-r--r-- usr/share/doc/shoal/changelog.gz
has -rw-r--r-- usr/share/man/man1/shoal.1.gz
has -rw-r--r-- usr/share/man/man1/shoal-sim.1.gz
commands=$("$build/bin/shoal" --help | awk '/^Subcommands:/ { on = 1; next } on && !NF { exit } on { print $1 }')
[ "$(wc -w <<<"$commands")" -ge 10 ] || fail "shoal --help lists too few commands: $commands"
for cmd in $commands; do has -rw-r--r-- "usr/share/man/man1/shoal-$cmd.1.gz"; done
grep -q "^-[^ ]* \./etc/shoal/keyring$" <<<"$contents" && fail "the package ships a key"
echo "ok: control fields, conffiles, $(wc -l <<<"$contents") paths, $(wc -w <<<"$commands") command man pages"

# 2. lintian: errors fail, the rest is shown.
t0=$(date +%s)
lint=$(lintian --fail-on error --tag-display-limit 0 "$deb" 2>&1) || lint_failed=1
grep -v "^running with root privileges" <<<"$lint" || true
[ -z "${lint_failed:-}" ] || fail "lintian reports errors (above)"
echo "ok: lintian, no errors ($(( $(date +%s) - t0 )) s)"

# 3. The unit, as systemd reads it, inside the unpacked package (its ExecStart must exist). The
#    root gets what a real system adds: the host's targets (sysinit.target, ...) and kill
#    (ExecReload). systemd-analyze exits 0 on some errors (an unknown Type=): any output fails.
#    --man=no: the pages Documentation= names are checked in the file list above.
dpkg-deb -x "$deb" "$tmp/x"
if command -v systemd-analyze >/dev/null && [ -d /lib/systemd/system ]; then
  cp /lib/systemd/system/*.target "$tmp/x/lib/systemd/system/"
  mkdir -p "$tmp/x/bin" && cp "$(readlink -f /bin/kill)" "$tmp/x/bin/kill"
  verify=$(systemd-analyze verify --man=no --root="$tmp/x" /lib/systemd/system/shoal.service 2>&1) ||
    fail "systemd-analyze verify: $verify"
  [ -z "$verify" ] || fail "systemd-analyze verify: $verify"
  echo "ok: systemd-analyze verify"
else
  echo "SHOAL-SKIPPED: systemd-analyze (or /lib/systemd/system) is missing: the unit was not verified"
fi

# 4. Install, remove, reinstall, purge in a scratch root.
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
dpk() {  # the scratch root's dpkg: its own database; maintainer scripts see DPKG_ROOT
  dpkg --root="$root" --force-script-chrootless --force-depends --force-not-root \
       --log=/dev/null "$@" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log" >&2; fail "dpkg $*"; }
}
mode() { stat -c %a "$1"; }
dpk --install "$deb"
[ -x "$root/usr/bin/shoal" ] || fail "install: no /usr/bin/shoal"
[ "$(mode "$root/var/lib/shoal")" = 700 ] || fail "install: /var/lib/shoal is $(mode "$root/var/lib/shoal")"
[ "$(mode "$root/etc/shoal/keyring")" = 600 ] || fail "install: no keyring 0600"
"$root/usr/bin/shoal" keys list --keyring "$root/etc/shoal/keyring" | grep -q primary ||
  fail "install: the keyring holds no key"
key=$(cat "$root/etc/shoal/keyring")
"$root/usr/bin/shoal" check "$root/etc/shoal/peer.toml" >/dev/null || fail "the shipped peer.toml"
# Bash completion: every command `shoal --help` lists, and a command's flags.
comp=$root/usr/share/bash-completion/completions/shoal
complete_words() {  # WORD... -> what completing the last word offers
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _shoal
           echo "${COMPREPLY[*]}"' _ "$comp" "$root/usr/bin/shoal" "$@"
}
for cmd in $commands; do
  got=$(complete_words "${cmd:0:3}")
  grep -qw -- "$cmd" <<<"$got" || fail "bash completion: \`${cmd:0:3}\` does not offer $cmd ($got)"
done
got=$(complete_words agent --d)
[ "$got" = "--dev" ] || fail "bash completion: \`agent --d\` offers \`$got\`, not --dev"
echo "# edited" >> "$root/etc/shoal/peer.toml"
dpk --remove shoal
[ ! -e "$root/usr/bin/shoal" ] || fail "remove: /usr/bin/shoal is still there"
grep -q "# edited" "$root/etc/shoal/peer.toml" || fail "remove: the edited conffile is gone"
dpk --install "$deb"
[ "$(cat "$root/etc/shoal/keyring")" = "$key" ] || fail "reinstall: the existing key was replaced"
grep -q "# edited" "$root/etc/shoal/peer.toml" || fail "reinstall: the edited conffile was replaced"
echo "ok: install, bash completion, remove, reinstall (key and edited conffile kept)"

# 5. The peer started as the unit starts it, in the installed tree.
exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/shoal.service")
[ "$exec_start" = "/usr/bin/shoal agent --config /etc/shoal/peer.toml" ] ||
  fail "ExecStart changed ($exec_start): update this check"
if command -v unshare >/dev/null && command -v ip >/dev/null; then
  # The libraries the binary needs, at their own paths inside the root (a chroot sees no more).
  for lib in $(ldd "$root/usr/bin/shoal" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")" && cp -L "$lib" "$root$lib"
  done
  mkdir -p "$root/proc" "$root/tmp" "$root/dev" && touch "$root/dev/null"
  # A private network (loopback and a veth pair, one address to advertise): port 7950/7951 and the
  # host's peers are untouched.
  unshare --net --mount --fork --kill-child sh -c "
    ip link set lo up && ip link add v0 type veth peer name v1 && ip addr add 10.211.0.1/24 dev v0 &&
    ip link set v0 up && ip link set v1 up && mount -t proc proc '$root/proc' && mount --bind /dev/null '$root/dev/null' &&
    exec chroot '$root' $exec_start" > "$tmp/agent.log" 2>&1 &
  # (--kill-child: if this script dies, the peer goes with unshare.)
  agent_pid=$!
  up=""
  for _ in $(seq 1 100); do
    if "$build/bin/shoal" status --json --api "unix:$root/var/lib/shoal/api.sock" \
         > "$tmp/status.json" 2>/dev/null; then up=1; break; fi
    kill -0 "$agent_pid" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$up" ] || { cat "$tmp/agent.log" >&2; fail "the peer started by ExecStart did not answer"; }
  grep -q '"members":1' "$tmp/status.json" || fail "status: $(cat "$tmp/status.json")"
  # SIGTERM to the peer itself (unshare's child; unshare passes on its exit status).
  peer_pid=$(cat "/proc/$agent_pid/task/$agent_pid/children")
  kill -TERM $peer_pid
  for _ in $(seq 1 100); do kill -0 "$agent_pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$agent_pid" 2>/dev/null; then fail "the peer did not stop on SIGTERM"; fi
  wait "$agent_pid" || { cat "$tmp/agent.log" >&2; fail "the peer exited non-zero"; }
  agent_pid=""
  echo "ok: the peer started by ExecStart answered and stopped on SIGTERM"
else
  echo "SHOAL-SKIPPED: unshare or ip missing: the peer was not started the unit's way"
fi

dpk --purge shoal
for gone in etc/shoal/peer.toml etc/shoal/keyring var/lib/shoal usr/bin/shoal; do
  [ ! -e "$root/$gone" ] || fail "purge: /$gone is still there"
done
echo "ok: purge (conffile, key and data gone)"
echo "package checks: $(( $(date +%s) - started )) s"
