"""The chaos check of a delete (design.md, "Failure semantics": a delete stays a delete for
tombstone_ttl, and what it deleted is refused for one more tombstone_ttl). Used by check.py.
"""

MAX_EVIDENCE = 10


def lists(sample, service):
    return any(x.get("name") == service for x in sample["services"])


def check_delete_stays_deleted(run, faults, rounds, truths, heals, service):
    """After the service is deleted: a peer that has answered without it never lists it again
    (no resurrection, from a peer that was cut off or from a replayed delta), and from dup_grace
    s after the last heal (or after the delete, when nothing heals after it) no peer lists it
    and no instance of it runs anywhere."""
    d = next(f for f in faults if f["action"] == "delete")
    later = [h for h in heals if h >= d["t"]]
    start = (later[-1] if later else d["t"]) + run["dup_grace"]
    gone, relisted, listed_late = set(), [], []
    last_listed, last_running = None, None
    for t, r in rounds:
        if t < d["t"]:
            continue
        for p, s in sorted(r.items()):
            if not s["ok"]:
                continue
            if not lists(s, service):
                gone.add(p)
                continue
            last_listed = s["t"]
            if p in gone:
                relisted.append({"t": s["t"], "peer": p})
            if t >= start:
                listed_late.append({"t": s["t"], "peer": p})
    # Whether the tombstone was collected before the heal (its grave did the refusing): each
    # peer's most graves and refusals of an expired version (refused_expired) over the run.
    graves = {}
    for t, r in rounds:
        for p, s in r.items():
            st = s.get("status", {}).get("state_stats", {}) if s["ok"] else {}
            g = graves.setdefault(p, {"graves": 0, "refused_expired": 0, "graves_from": None})
            if st.get("graves") and g["graves_from"] is None:
                g["graves_from"] = s["t"]
            for k in ("graves", "refused_expired"):
                g[k] = max(g[k], st.get(k, 0))
    running_late = []
    for x in truths:
        if x["t"] < d["t"]:
            continue
        live = {p: idx for p, idx in x["running"].items() if idx}
        if live:
            last_running = x["t"]
            if x["t"] >= start:
                running_late.append({"t": x["t"], "running": live})
    checked = [t for t, _ in rounds if t >= start]
    out = {"deleted_at": d["t"], "through": d.get("peer") or "p0", "window_from": round(start, 2),
           "last_listed_at": last_listed, "last_running_at": last_running,
           "relisted": relisted[:MAX_EVIDENCE], "listed_in_window": listed_late[:MAX_EVIDENCE],
           "running_in_window": running_late[:MAX_EVIDENCE], "graves": graves}
    base = later[-1] if later else d["t"]
    for key, t in (("unlisted_everywhere_after_s", last_listed), ("stopped_everywhere_after_s", last_running)):
        out[key] = 0.0 if t is None else round(max(0.0, t - base), 2)
    if not checked:
        out.update({"pass": False, "why": f"the run ended before {start:.0f} s: make it longer"})
        return out
    out["pass"] = not (relisted or listed_late or running_late)
    return out
