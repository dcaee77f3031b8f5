"""Shoal and Serf, measured alike in one run (`scripts/chaos SCENARIO --serf`): membership only.

For each system, from the same rounds of samples (every peer's member list: Shoal's /v1/members,
Serf's RPC `members`; Serf's `failed` is Shoal's `dead`):
  detection     per kill, stop, partition and clock fault: seconds until every other peer that
                is up answers with the target dead, before the fault is undone
  false_dead    samples in which a peer that was never faulted is dead in the list of a peer that
                was never cut off (partition, one-way, clock), and which pairs
  converged     seconds after the last fault until every peer that is up answers with one member
                list (name -> state) in which every down (killed, frozen) peer is dead (Serf's
                list shows no suspicion, so a suspect is not enough); and since when that holds
                to the end
Run as a script, it prints one markdown row per scenario from the reports already made with
--serf into OUT/SCENARIO-SEED/ (p50 / max over the faults of every seed):
Usage: serf_compare.py OUT SCENARIO...   (e.g. serf_compare.py chaos-out loss25 partition-heal)
"""
import glob
import json
import os
import statistics
import sys

DETECTED = ("kill", "stop", "partition", "clock")


def normalise(system, line):
    """{name: alive|suspect|dead|left} from a sample line, None when the peer did not answer."""
    if not line or not line.get("ok"):
        return None
    if system == "serf":
        return {n: "dead" if s == "failed" else s for n, s in line["members"].items()}
    return {m["name"]: m["state"] for m in line["members"]}


def detection(f, faults, rounds, world, system, heals):
    victim = f["peer"]
    until = next((g["t"] for g in faults if g["t"] > f["t"] and g["action"] in heals), float("inf"))
    for t, r in rounds:
        if t < f["t"]:
            continue
        if t >= until:
            break
        down, _ = world.at(t)
        judges = [p for p in world.names if p != victim and p not in down]
        views = [normalise(system, r.get(p)) for p in judges]
        if judges and all(v is not None and v.get(victim) == "dead" for v in views):
            return round(t - f["t"], 2)
    return None


def false_dead(faults, rounds, system, not_a_fault, cut_off):
    subjects = {f["peer"] for f in faults if f["peer"] and f["action"] not in not_a_fault}
    observers_out = {f["peer"] for f in faults if f["action"] in cut_off}
    count, pairs = 0, set()
    for _, r in rounds:
        for p in r:
            v = normalise(system, r.get(p))
            if v is None or p in observers_out:
                continue
            for name, state in v.items():
                if state == "dead" and name not in subjects:
                    count += 1
                    pairs.add(f"{p} saw {name}")
    return count, sorted(pairs)


def agreeing(r, t, world, system):
    down, _ = world.at(t)
    expect = [n for n in world.names if n not in down]
    views = [normalise(system, r.get(p)) for p in expect]
    return all(v is not None for v in views) and len({json.dumps(v, sort_keys=True) for v in views}) == 1 \
        and all(views[0].get(d) in (None, "dead", "left") for d in down)


def convergence(rounds, world, system, last_fault):
    first = next((t for t, r in rounds if t >= last_fault and agreeing(r, t, world, system)), None)
    since = None
    for t, r in reversed(rounds):
        if not agreeing(r, t, world, system):
            break
        since = t
    return (None if first is None else round(first - last_fault, 2),
            None if since is None else round(max(0.0, since - last_fault), 2))


def compare(faults, rounds, serf_rounds, world, heals, not_a_fault, cut_off):
    last_fault = max((f["t"] for f in faults if f["action"] not in ("apply", "update")), default=0.0)
    out = {}
    for system, rs in (("shoal", rounds), ("serf", serf_rounds)):
        count, pairs = false_dead(faults, rs, system, not_a_fault, cut_off)
        first, since = convergence(rs, world, system, last_fault)
        out[system] = {
            "detection": [{"t": f["t"], "action": f["action"], "peer": f["peer"],
                           "dead_everywhere_after_s": detection(f, faults, rs, world, system, heals)}
                          for f in faults if f["action"] in DETECTED],
            "false_dead_samples": count, "false_dead_pairs": pairs[:10],
            "converged_after_last_fault_s": first, "agreeing_for_good_after_last_fault_s": since}
    return out


def _stats(xs):
    xs = [x for x in xs if x is not None]
    return "-" if not xs else f"{statistics.median(xs):.1f} / {max(xs):.1f}"


def row(out, scenario):
    reports = []
    for d in sorted(glob.glob(os.path.join(out, f"{scenario}-*"))):
        try:
            with open(os.path.join(d, "report.json")) as f:
                r = json.load(f)
        except OSError:
            continue
        if "serf" in r["measured"]:
            reports.append(r)
    if not reports:
        return None
    seeds = ",".join(str(r["seed"]) for r in sorted(reports, key=lambda r: r["seed"]))
    cells = []
    for key in ("detection", "false", "converged"):
        for system in ("shoal", "serf"):
            m = [r["measured"]["serf"][system] for r in reports]
            if key == "detection":
                cells.append(_stats([d["dead_everywhere_after_s"] for x in m for d in x["detection"]]))
            elif key == "false":
                cells.append(str(sum(x["false_dead_samples"] for x in m)))
            else:
                cells.append(_stats([x["converged_after_last_fault_s"] for x in m]))
    missed = [str(sum(d["dead_everywhere_after_s"] is None for r in reports
                      for d in r["measured"]["serf"][s]["detection"])) for s in ("shoal", "serf")]
    return f"| {scenario} | {seeds} | " + " | ".join(cells) + f" | {' / '.join(missed)} |"


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    print("| scenario | seeds | dead everywhere p50 / max (s): Shoal | Serf | false deaths (samples): "
          "Shoal | Serf | members converged after the last fault p50 / max (s): Shoal | Serf | "
          "faults not detected before undone: Shoal / Serf |")
    print("|---|---|---|---|---|---|---|---|---|")
    for scenario in argv[1:]:
        line = row(argv[0], scenario)
        if line:
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
