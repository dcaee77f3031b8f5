#!/usr/bin/env bash
# The chaos checker must catch what it claims to: on fabricated timelines (fabricate.py) the
# clean one passes every check, and each broken one fails exactly the check of the promise it
# breaks (a duplicate kept after the heal, a lost spec, a false death, a long outage, views
# that do not converge, an agent whose memory grows, an old version left running after a newer
# write, a starved host's instance never moved, a frozen agent's instance left running on its
# host, a spec not back on a peer restarted blank, a deleted service back), with evidence in
# the report; a known failure the run declares does not fail the run;
# and a seed replays the same plan, a [churn] table included.
# Usage: tests/chaos/checker.sh SOURCE_DIR (ctest runs it: tests/chaos/CMakeLists.txt)
set -euo pipefail
src=$1
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
if ! python3 -c 'import tomllib' 2>/dev/null; then
  echo "SHOAL-SKIPPED: python3 >= 3.11 is missing (scripts/deps test installs python3)"
  [ "${CI:-}" = true ] && fail "not skipped under CI=true: python3 >= 3.11 is missing"
  exit 0
fi
tmp=$(mktemp -d /tmp/shoal-chaos-checker-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# Every variant fabricated and checked in one Python process (verdicts.py).
python3 "$here/verdicts.py" "$src" "$tmp" clean host-clean delete-clean dup-after-heal spec-lost \
  false-dead long-gap diverged leak stale-write stale-expected host-not-moved host-orphan-kept \
  host-blank-lost delete-resurrected
verdict() { cat "$tmp/$1.rc"; }  # VARIANT -> the checker's exit code; its report: $tmp/VARIANT.json
failed_checks() {  # VARIANT -> the names of the failed checks, space-separated
  python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join(k for k, v in r["checks"].items() if not v["pass"]))' "$tmp/$1.json"
}
for clean in clean host-clean delete-clean; do
  [ "$(verdict $clean)" = 0 ] || fail "the $clean timeline fails: $(failed_checks $clean)"
done
grep -q "<polyline" "$tmp/clean.svg" || fail "the plot has no lines"
for pair in dup-after-heal:no_duplicates_after_heal spec-lost:spec_never_lost \
            false-dead:no_false_dead long-gap:instances_run diverged:views_converge \
            leak:memory_flat stale-write:last_write_wins host-not-moved:moved_within \
            host-orphan-kept:orphans_stopped host-blank-lost:spec_never_lost \
            delete-resurrected:delete_stays_deleted; do
  variant=${pair%%:*} check=${pair#*:}
  rc=$(verdict "$variant")
  [ "$rc" = 1 ] || fail "$variant: the checker exited $rc, not 1"
  [ "$(failed_checks "$variant")" = "$check" ] ||
    fail "$variant: failed checks are '$(failed_checks "$variant")', not '$check'"
  echo "ok: $variant fails $check"
done
# The host and delete checks measure the clean runs, and a blip elsewhere is not a move.
python3 -c 'import json, sys
h = json.load(open(sys.argv[1]))["checks"]
d = json.load(open(sys.argv[2]))["checks"]
assert [m["moved_after_s"] for m in h["moved_within"]["moves"]] == [3.01, 3.01], h["moved_within"]
assert h["orphans_stopped"]["bound_s"] == 7.5, h["orphans_stopped"]
assert h["spec_never_lost"]["wiped_and_listed_again"] == [{"peer": "p2", "listed_again_after_s": 3.0}]
assert d["delete_stays_deleted"]["stopped_everywhere_after_s"] == 1.51, d
m = json.load(open(sys.argv[3]))["checks"]["moved_within"]["late"]
assert m == [{"t": 5.0, "action": "cpu", "peer": "p2", "index": 2, "moved_after_s": None,
              "first_seen_elsewhere_after_s": 5.01}], m' \
  "$tmp/host-clean.json" "$tmp/delete-clean.json" "$tmp/host-not-moved.json" ||
  fail "the host and delete checks did not see what the fabricated runs did"
# The evidence names the duplicate: index 0 on p0 and p1, after heal + 45 s.
python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["checks"]["no_duplicates_after_heal"]
d = c["duplicates"][0]
assert c["window_from"] == 55.0 and d["t"] >= 55.0 and d["running_twice"] == {"0": ["p0", "p1"]}, c' \
  "$tmp/dup-after-heal.json" || fail "the duplicate's evidence is wrong"
python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))["checks"]["memory_flat"]
assert c["growing"] == ["p1"] and c["peers_measured"] == ["p0", "p1", "p2"], c
assert c["per_peer"]["p1"]["anon_slope_kb_per_h"] > 200000, c' \
  "$tmp/leak.json" || fail "the leak's evidence is wrong"
# A clock stepped 60 s ahead heals 50 s after it is put right (max_clock_skew 10 s); one stepped
# behind heals when it is put right.
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import check
f = lambda t, a, ms="": {"t": t, "action": a, "peer": "p1", "arg": ms}
assert check.heal_times([f(5, "clock", "60000"), f(20, "unclock")]) == [70.0]
assert check.heal_times([f(5, "clock", "-60000"), f(20, "unclock")]) == [20]' \
  "$src/scripts/chaos.d" || fail "heal_times: a clock step heals at the wrong time"
# The Shoal/Serf measures (serf_compare.py) see the same false death in both lists.
python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["measured"]["serf"]
c = json.load(open(sys.argv[2]))["measured"]["serf"]
assert c["shoal"]["false_dead_samples"] == c["serf"]["false_dead_samples"] == 0, c
assert s["shoal"]["false_dead_pairs"] == s["serf"]["false_dead_pairs"] == ["p0 saw p2"], s
assert s["serf"]["false_dead_samples"] == 2, s' "$tmp/false-dead.json" "$tmp/clean.json" ||
  fail "serf_compare: the false death is not measured alike"
[ "$(verdict stale-expected)" = 0 ] || fail "a declared known failure failed the run"
[ "$(failed_checks stale-expected)" = last_write_wins ] || fail "the known failure is not reported"
echo "ok: every broken promise caught"
# A seed replays a run: the planner gives the same steps for the same seed, others for another.
plan() { python3 "$src/scripts/chaos.d/plan.py" "$src/scripts/chaos.d/partition-heal.toml" "$1"; }
[ "$(plan 7)" = "$(plan 7)" ] || fail "plan.py: seed 7 gave two different plans"
[ "$(plan 7)" != "$(plan 8)" ] || fail "plan.py: seeds 7 and 8 gave the same plan"
soak() { python3 "$src/scripts/chaos.d/plan.py" "$src/scripts/chaos.d/soak.toml" "$1" 3600; }
[ "$(soak 7)" = "$(soak 7)" ] || fail "plan.py: the soak's churn is not replayed by its seed"
[ "$(soak 7 | grep -c ' update ')" = 12 ] || fail "plan.py: a 1-hour soak has not 12 updates"
[ "$(soak 7 | grep -Ec ' (kill|stop) ')" = 118 ] || fail "plan.py: a 1-hour soak has not 118 faults"
echo "ok: a seed replays its plan"
