#!/usr/bin/env bash
# The soak's short version: scripts/chaos soak (10 real peers in network namespaces, a kill -9
# or a freeze every 30 s with restarts and thaws, a rolling update) for its file's 2 minutes must
# pass every check, memory_flat included, with the faults and the update really done.
# Usage: tests/chaos/soak.sh SOURCE_DIR BUILD_DIR (ctest runs it: tests/chaos/CMakeLists.txt)
set -euo pipefail
src=$1 build=$2
source "$(dirname "$0")/preflight.sh"
out=$(mktemp -d /tmp/shoal-chaos-soak-XXXXXX)
trap 'rm -rf "$out"' EXIT
started=$(date +%s)
rc=0
"$src/scripts/chaos" soak --seed 1 --shoal "$build/bin/shoal" --out "$out" || rc=$?
if [ "$rc" -ne 0 ]; then
  python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["checks"], indent=1))' \
    "$out/report.json" 2>/dev/null || true
  for log in "$out"/p*.log; do echo "== $log"; tail -n 10 "$log"; done
  fail "scripts/chaos soak exited $rc"
fi
python3 - "$out/report.json" <<'PY' || fail "the report does not show the churn, the update and flat memory"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["pass"] and all(c["pass"] for c in r["checks"].values()), r["checks"]
actions = [f["action"] for f in r["faults"]]
assert sum(a in ("kill", "stop") for a in actions) >= 2, actions
assert "update" in actions, actions
flat = r["checks"]["memory_flat"]
assert len(flat["peers_measured"]) >= 5 and not flat["growing"], flat  # p0..p4 live throughout
print("faults:", actions, "; memory flat on", flat["peers_measured"])
PY
echo "ok: soak in $(( $(date +%s) - started )) s"
