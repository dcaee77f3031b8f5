#!/usr/bin/env bash
# The chaos harness end to end, short: scripts/chaos smoke (3 real peers, each in its own
# network namespace on a bridge; one host killed with its instances) must pass every check, and
# the report must show the failover really happened: an instance was lost with the killed host
# and ran again elsewhere within 8 s.
# Usage: tests/chaos/smoke.sh SOURCE_DIR BUILD_DIR (ctest runs it: tests/chaos/CMakeLists.txt)
set -euo pipefail
src=$1 build=$2
source "$(dirname "$0")/preflight.sh"
out=$(mktemp -d /tmp/shoal-chaos-smoke-XXXXXX)
trap 'rm -rf "$out"' EXIT
started=$(date +%s)
rc=0
# Seed 3 kills p2, which runs an instance (placement is deterministic for these names).
"$src/scripts/chaos" smoke --seed 3 --shoal "$build/bin/shoal" --out "$out" || rc=$?
if [ "$rc" -ne 0 ]; then
  cat "$out/report.json" 2>/dev/null || true
  for log in "$out"/p*.log; do echo "== $log"; tail -n 20 "$log"; done
  fail "scripts/chaos smoke exited $rc"
fi
python3 - "$out/report.json" <<'PY' || fail "the report does not show a failover"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["pass"] and all(c["pass"] for c in r["checks"].values()), r["checks"]
kill = [x for x in r["measured"]["recovery"] if x["action"] == "kill"]
assert len(kill) == 1 and kill[0]["all_running_again_after_s"] is not None, kill
assert kill[0]["all_running_again_after_s"] <= 8, kill
print("failover after kill -9:", kill[0]["all_running_again_after_s"], "s")
PY
grep -q "<polyline" "$out/plot.svg" || fail "the plot has no lines"
# Nothing of the run is left: its namespaces (and with them its veths, bridge and rules).
prefix=$(python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["netns_prefix"])' \
  "$out/timeline.jsonl")
[ -n "$prefix" ] || fail "the timeline names no namespace prefix"
left=$(ip netns list | grep "^$prefix" || true)
[ -z "$left" ] || fail "namespaces left behind: $left"
echo "ok: smoke in $(( $(date +%s) - started )) s"
