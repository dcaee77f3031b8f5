#!/usr/bin/env bash
# `shoal convert` end to end: files written into a folder that `shoal check` accepts, what was
# left out on stderr as FILE:LINE:COL, and the exit codes (0, 1 file exists, 2 bad input).
# Usage: cli_convert_test.sh SHOAL COMPOSE_DIR
set -u
shoal=$1 dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {  # expect CODE COMMAND...: runs it, output in $tmp/out.txt and $tmp/err.txt
  local want=$1; shift
  "$@" >"$tmp/out.txt" 2>"$tmp/err.txt"
  local got=$?
  [ "$got" -eq "$want" ] || { cat "$tmp/err.txt" >&2; fail "exit $got, not $want: $*"; }
}
compose=$dir/swarmprom-docker-compose.yml

expect 0 "$shoal" convert "$compose" -o "$tmp/services"
grep -qF "$compose:26:5: services.dockerd-exporter.networks: not converted" "$tmp/err.txt" ||
  fail "no file:line:col warning for networks"
grep -qF "wrote $tmp/services/caddy.toml (service caddy)" "$tmp/out.txt" || fail "no 'wrote' line"
[ "$(ls "$tmp/services" | wc -l)" -eq 8 ] || fail "not 8 files: $(ls -a "$tmp/services")"
expect 0 "$shoal" check "$tmp/services"/*.toml
[ "$(grep -c ': ok (service ' "$tmp/out.txt")" -eq 8 ] || fail "shoal check did not accept all 8"

expect 1 "$shoal" convert "$compose" -o "$tmp/services"            # exists: nothing replaced
grep -qF "exists (--force replaces it)" "$tmp/err.txt" || fail "no 'exists' message"
expect 0 "$shoal" convert "$compose" -o "$tmp/services" --force

expect 2 "$shoal" convert "$compose" -o "$tmp/strict" --strict      # warnings: nothing written
[ ! -e "$tmp/strict" ] || fail "--strict wrote files"

printf 'services:\n  web: [1, 2\n' >"$tmp/bad.yml"
expect 2 "$shoal" convert "$tmp/bad.yml"
grep -qE "^$tmp/bad.yml:[0-9]+:[0-9]+: invalid YAML" "$tmp/err.txt" || fail "no position for bad YAML"
expect 2 "$shoal" convert "$tmp/missing.yml"
expect 2 "$shoal" convert "$tmp"

expect 0 "$shoal" convert - --json <"$dir/example-voting-app-docker-stack.yml"
grep -qF '"name": "vote"' "$tmp/out.txt" || fail "--json has no service vote"
grep -qF '"key": "services.vote.networks"' "$tmp/out.txt" || fail "--json has no warning"
expect 0 "$shoal" convert "$dir/example-voting-app-docker-stack.yml"
grep -qF '[service.vote]' "$tmp/out.txt" || fail "stdout has no [service.vote]"
expect 0 "$shoal" convert --help
grep -qF 'Example' "$tmp/out.txt" || fail "--help has no example"
echo "ok"
