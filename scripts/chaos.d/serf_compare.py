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
"""
import json

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
