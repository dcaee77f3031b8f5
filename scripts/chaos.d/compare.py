#!/usr/bin/env python3
"""Simulator against reality: for each scenario, the chaos runs already made (OUT/SCENARIO-SEED/
report.json, from scripts/chaos) beside `shoal-sim run` of the same scenario with the same
seeds (to_sim.py), as a markdown table: failover and detection (p50 / max over the faults of
every seed), false positives, convergence after the last fault (the first time the view
hashes agree with no down peer seen alive: the simulator's measure; and, real only, since when
everything agrees to the end, every instance's reported state included), duplicates at the end.
With --spread N, two more columns: the simulator's convergence over seeds 1..N (p10 / p50 /
p90; convergence after a heal depends on when one peer's next probe fires, and a median of two
or three seeds is far from the distribution's) and how many of those seeds had a false death.
False deaths count seeds (real: a never-faulted peer dead in the list of a peer never cut off;
simulated: a false positive).
Usage: compare.py SHOAL_SIM OUT SCENARIO... [--spread N]
       (e.g. compare.py build/bin/shoal-sim chaos-out kill loss25 --spread 30)
"""
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import to_sim  # noqa: E402


def stats(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-"
    return f"{statistics.median(xs):.1f} / {max(xs):.1f}"


def real(report):
    rec = report["measured"]["recovery"]
    c = report["checks"]
    return {"failover": [r.get("all_running_again_after_s") for r in rec if r["action"] == "kill"
                         or (r["action"] == "stop")],
            "detection": [r.get("dead_everywhere_after_s") for r in rec if r["action"] in ("kill", "stop")],
            "false_positives": int(c["no_false_dead"]["count"] > 0),  # a seed with a false death
            "convergence": c["views_converge"].get("view_hash_first_agreeing_after_last_fault_s"),
            "ps_agree": c["views_converge"].get("everything_agreeing_after_last_fault_s"),
            "duplicates_final": 0 if c["no_duplicates_after_heal"]["pass"] else 1}


def simulated(sim, scenario_file, seed):
    with tempfile.TemporaryDirectory() as d:
        exp, out = os.path.join(d, "e.toml"), os.path.join(d, "r.json")
        with open(exp, "w") as f:
            f.write(to_sim.experiment(scenario_file, seed))
        subprocess.run([sim, "run", exp, "--out", out], check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            r = json.load(f)
    stopped = r.get("stopped", {})  # a frozen peer's figures (shoal-sim at h7-chaos and later)

    def one(*figures):  # the value of each figure measured once
        return [f["p50_s"] for f in figures if f and f.get("count") == 1]
    return {"failover": one(r["failover"], stopped.get("failover")),
            "detection": one(r["detection"], stopped.get("detection")),
            "false_positives": int(r["false_positives"] > 0), "convergence": r["convergence_s"],
            "duplicates_final": r["duplicates_final"]}


def spread(sim, scenario, n):
    runs = [simulated(sim, os.path.join(here, f"{scenario}.toml"), s) for s in range(1, n + 1)]
    xs = sorted(r["convergence"] for r in runs if r["convergence"] is not None)
    fp = sum(r["false_positives"] for r in runs)
    if not xs:
        return f"- | {fp}"
    q = lambda f: xs[min(len(xs) - 1, int(f * len(xs)))]  # noqa: E731
    return f"{q(0.1):.1f} / {statistics.median(xs):.1f} / {q(0.9):.1f} | {fp}"


def row(scenario, sim, out, n_spread=0):
    seeds = sorted(int(p.rsplit("-", 1)[1]) for p in glob.glob(os.path.join(out, f"{scenario}-*"))
                   if os.path.exists(os.path.join(p, "report.json")))
    if not seeds:
        return None
    r = [real(json.load(open(os.path.join(out, f"{scenario}-{s}", "report.json")))) for s in seeds]
    m = [simulated(sim, os.path.join(here, f"{scenario}.toml"), s) for s in seeds]

    def both(key, f):
        return f"{f([x for y in r for x in y[key]])} | {f([x for y in m for x in y[key]])}"

    def total(key):
        return f"{sum(y[key] for y in r)} | {sum(y[key] for y in m)}"

    def conv(ys, key="convergence"):
        return stats([y[key] for y in ys])
    extra = f" {spread(sim, scenario, n_spread)} |" if n_spread else ""
    return (f"| {scenario} | {','.join(map(str, seeds))} | {both('failover', stats)} | "
            f"{both('detection', stats)} | {total('false_positives')} | {conv(r)} | {conv(m)} |"
            f"{extra} {conv(r, 'ps_agree')} | {total('duplicates_final')} |")


def main(argv):
    n_spread = 0
    if "--spread" in argv:
        i = argv.index("--spread")
        n_spread = int(argv[i + 1])
        argv = argv[:i] + argv[i + 2:]
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    sim, out = argv[0], argv[1]
    extra = (f" sim, seeds 1-{n_spread}: converged p10 / p50 / p90 | seeds with a false death |"
             if n_spread else "")
    print("| scenario | seeds | failover p50 / max (s): real | sim | dead everywhere p50 / max: "
          "real | sim | seeds with a false death: real | sim | converged after last fault p50 / max: real | "
          f"sim |{extra} every `ps` agreeing for good after last fault: real | duplicates at the end: real | sim |")
    print("|---" * (13 + (2 if n_spread else 0)) + "|")
    for scenario in argv[2:]:
        line = row(scenario, sim, out, n_spread)
        if line:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
