"""The chaos checks of a host that stops (design.md, "Failure semantics"): its instances run on
another host within seconds (moved_within), and when only its agent stops heartbeating, its own
copies are stopped on it by their supervisors within orphan_timeout and slack (orphans_stopped).
Both read the "truth" lines (the instances really alive in each peer's namespace, a stopped
process not counted), so a starved host whose instances still run does not hide that they never
moved. Used by check.py.
"""

# A host stops: killed -9, frozen whole (SIGSTOP), starved (a cpu quota), or its agent alone
# frozen (its instances run on); and what ends each.
MOVERS = {"kill": "restart", "stop": "cont", "cpu": "uncpu", "stopagent": "contagent"}
MAX_EVIDENCE = 10


def on(truth, peer):
    return set(truth["running"].get(peer, []))


def elsewhere(truth, peer, index):
    return any(index in idx for p, idx in truth["running"].items() if p != peer)


def settled_elsewhere(truths, f, index, end, blip=1.0):
    """(first seen elsewhere, moved): the first time after the fault at which the index runs on
    another host, and the time from which it runs there to `end` (the fault undone, the run's
    end), absences of at most `blip` s aside (a handoff between two other hosts). A copy started
    elsewhere and stopped again (the target refuted its suspicion) has not moved."""
    first, since, absent = None, None, None
    for x in truths:
        if x["t"] <= f["t"] or end is not None and x["t"] > end:
            continue
        if elsewhere(x, f["peer"], index):
            first = x["t"] if first is None else first
            since = x["t"] if since is None else since
            absent = None
        elif since is not None:
            absent = x["t"] if absent is None else absent
            if x["t"] - absent > blip:
                since = None
    return first, since


def undone_at(faults, f):
    """When the fault `f` is undone (its target restarted, thawed, fed), or None."""
    return next((g["t"] for g in faults if g["t"] > f["t"] and g["action"] == MOVERS[f["action"]]
                 and g["peer"] == f["peer"]), None)


def held_at(truths, f, lead=1.0):
    """The indexes running on the fault's target at the last sample `lead` s before it: the
    harness records a fault once applied (a kill signals every process of the host, again until
    none is left), so the samples just before its record may already miss the host's instances."""
    before = [x for x in truths if x["t"] <= f["t"] - lead]
    return sorted(on(before[-1], f["peer"])) if before else []


def check_moved_within(run, faults, truths, world, until=None):
    """Every index running on a stopped host runs on another host within max_gap s of the fault
    and stays there while the fault lasts (settled_elsewhere), unless the fault ends first or no
    majority side exists meanwhile (the lone survivors of a minority wait: reconcile.solo_after).
    `until`: the service's delete (nothing need run after it)."""
    max_gap, moves, late, skipped = run["max_gap"], [], [], []
    for f in faults:
        if f["action"] not in MOVERS:
            continue
        deadline, undone = f["t"] + max_gap, undone_at(faults, f)
        ends = [x for x in (undone, until) if x is not None]  # the fault over, or nothing wanted
        over = min(ends) if ends else None
        why = "deleted" if until is not None and until <= deadline else None
        if why is None and not all(world.majority(x["t"]) for x in truths
                                   if f["t"] < x["t"] <= min([deadline] + ends)):
            why = "no majority side"
        if why:
            skipped.append({"t": f["t"], "action": f["action"], "peer": f["peer"], "why": why})
            continue
        for i in held_at(truths, f):
            first, t = settled_elsewhere(truths, f, i, over)
            m = {"t": f["t"], "action": f["action"], "peer": f["peer"], "index": i,
                 "moved_after_s": None if t is None else round(t - f["t"], 2),
                 "first_seen_elsewhere_after_s": None if first is None else round(first - f["t"], 2)}
            moves.append(m)
            thawed_first = undone is not None and undone <= deadline and (t is None or t > undone)
            if (t is None or t > deadline) and not thawed_first:
                late.append(m)
    return {"pass": not late, "max_gap_s": max_gap, "moves": moves[:3 * MAX_EVIDENCE],
            "late": late[:MAX_EVIDENCE], "not_applicable": skipped[:MAX_EVIDENCE]}


def orphan_bound(run):
    """Seconds within which a frozen agent's instances are stopped on its own host: design.md's
    orphan_timeout plus up to two heartbeat reads (a quarter of the timeout, within 0.1-1 s)
    plus the removal (SIGTERM, SIGKILL after the service's stop_grace), plus one sample."""
    timeout = float(run["orphan_timeout"])
    read = min(1.0, max(0.1, timeout / 4))
    return timeout + 2 * read + float(run.get("stop_grace", 1)) + float(run.get("interval", 0.5))


def check_orphans_stopped(run, faults, truths):
    """A peer whose agent alone is frozen has its instances stopped on its own host within
    orphan_bound s (its supervisors see the heartbeat stop), unless it is thawed first."""
    if str(run.get("orphan_timeout", "-")) == "-":
        return {"pass": False, "why": "a stopagent fault needs the scenario's orphan_timeout"}
    bound, stops, late = orphan_bound(run), [], []
    for f in faults:
        if f["action"] != "stopagent":
            continue
        undone = undone_at(faults, f)
        for i in held_at(truths, f):
            t = next((x["t"] for x in truths if x["t"] > f["t"] and i not in on(x, f["peer"])), None)
            s = {"t": f["t"], "peer": f["peer"], "index": i,
                 "stopped_after_s": None if t is None else round(t - f["t"], 2)}
            stops.append(s)
            if (t is None or t - f["t"] > bound) and not (undone is not None and undone - f["t"] <= bound):
                late.append(s)
    return {"pass": bool(stops) and not late, "bound_s": round(bound, 2),
            "orphan_timeout_s": float(run["orphan_timeout"]), "stops": stops[:3 * MAX_EVIDENCE],
            "late": late[:MAX_EVIDENCE]}
