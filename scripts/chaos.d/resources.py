"""Each agent's memory and CPU over a chaos run (the soak), from the recorder's "proc" lines, and
the memory_flat check.

A peer's agent process is followed by PID: a restarted peer is a new process, so its memory
starts again. memory_flat looks at the peers whose one agent process lived through the whole
measured span (warm-up to the end: in the soak, the peers no fault touches) and compares the
peak in the last window with the peak in the first window after the warm-up:
  warm-up = window = min(600 s, duration / 4)   (10 minutes in a 1-hour soak, 30 s in 2 minutes)
  flat when  last peak VmRSS   <= first peak VmRSS * (1 + RSS_GROWTH)
        and  last peak RssAnon <= first peak RssAnon + ANON_GROWTH_KB
VmRSS is mostly file pages (the binary and its libraries, docs/benchmarks.md), so the heap's
growth shows in RssAnon first; both are reported with the least-squares slope (KiB per hour).
"""

RSS_GROWTH = 0.10
ANON_GROWTH_KB = 1024
MAX_WINDOW_S = 600.0
ROWS = 6  # the table's time buckets


def series(procs):
    """peer -> [(t, pid, rss_kb, anon_kb, cpu_ticks)] in time order."""
    out = {}
    for x in procs:
        for peer, u in x["peers"].items():
            if "rss_kb" in u:  # a zombie has no memory lines
                out.setdefault(peer, []).append(
                    (x["t"], u["pid"], u["rss_kb"], u.get("anon_kb", 0), u["cpu_ticks"]))
    return out


def slope_kb_per_h(points):
    """Least squares over [(t, kb)]: KiB per hour (0 with fewer than 2 points)."""
    n = len(points)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in points) / n
    mv = sum(v for _, v in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return 0.0 if var == 0 else round(3600 * sum((t - mt) * (v - mv) for t, v in points) / var, 1)


def cpu_percent(points, hz, t_from, t_to):
    """% of one core the agent spent in [t_from, t_to), over consecutive samples of one PID."""
    ticks = span = 0.0
    for a, b in zip(points, points[1:]):
        if a[1] == b[1] and t_from <= a[0] and b[0] <= t_to and b[4] >= a[4]:
            ticks += b[4] - a[4]
            span += b[0] - a[0]
    return None if span <= 0 else round(100.0 * ticks / hz / span, 2)


def table(per_peer, hz, duration):
    """Rows of the markdown table: per peer and time bucket, peak RSS / RssAnon (MiB), CPU %."""
    step = duration / ROWS
    rows = {}
    for peer, pts in sorted(per_peer.items(), key=lambda kv: int(kv[0][1:])):
        cells = []
        for k in range(ROWS):
            lo, hi = k * step, (k + 1) * step
            inside = [p for p in pts if lo <= p[0] < hi]
            cpu = cpu_percent(pts, hz, lo, hi)
            cells.append(None if not inside else {
                "rss_mib": round(max(p[2] for p in inside) / 1024, 1),
                "anon_mib": round(max(p[3] for p in inside) / 1024, 1),
                "cpu_pct": cpu, "pids": len({p[1] for p in inside})})
        rows[peer] = cells
    return {"bucket_s": round(step, 1), "rows": rows}


def markdown(tab):
    step = tab["bucket_s"]
    head = [f"{k * step / 60:.0f}-{(k + 1) * step / 60:.0f} min" if step >= 60 else
            f"{k * step:.0f}-{(k + 1) * step:.0f} s" for k in range(ROWS)]
    out = ["| peer | " + " | ".join(head) + " |", "|---" * (ROWS + 1) + "|"]
    for peer, cells in tab["rows"].items():
        text = ["-" if c is None else
                f"{c['rss_mib']} / {c['anon_mib']} MiB, {'-' if c['cpu_pct'] is None else c['cpu_pct']}%"
                + (f" ({c['pids']} PIDs)" if c["pids"] > 1 else "") for c in cells]
        out.append(f"| {peer} | " + " | ".join(text) + " |")
    return "\n".join(out) + "\n"


def check_memory_flat(run, procs):
    duration = float(run["duration"])
    win = min(MAX_WINDOW_S, duration / 4)
    per_peer = series(procs)
    hz = procs[0]["hz"] if procs else 100
    verdicts, bad = {}, []
    for peer, pts in sorted(per_peer.items()):
        before = [p for p in pts if p[0] < win]
        mine = [p for p in pts if p[0] >= win]
        if not before or not mine or {p[1] for p in mine} != {before[-1][1]} or \
                mine[-1][0] < duration - win / 2:
            continue  # restarted (or gone) during the measured span: not one process throughout
        first = [p for p in mine if p[0] < 2 * win]
        last = [p for p in mine if p[0] >= duration - win]
        if not first or not last:
            continue
        v = {"pid": mine[0][1],
             "first_window_peak_rss_kb": max(p[2] for p in first),
             "last_window_peak_rss_kb": max(p[2] for p in last),
             "first_window_peak_anon_kb": max(p[3] for p in first),
             "last_window_peak_anon_kb": max(p[3] for p in last),
             "rss_slope_kb_per_h": slope_kb_per_h([(p[0], p[2]) for p in mine]),
             "anon_slope_kb_per_h": slope_kb_per_h([(p[0], p[3]) for p in mine])}
        v["rss_growth"] = round(v["last_window_peak_rss_kb"] / v["first_window_peak_rss_kb"] - 1, 4)
        v["flat"] = (v["last_window_peak_rss_kb"] <= v["first_window_peak_rss_kb"] * (1 + RSS_GROWTH)
                     and v["last_window_peak_anon_kb"] <= v["first_window_peak_anon_kb"] + ANON_GROWTH_KB)
        verdicts[peer] = v
        if not v["flat"]:
            bad.append(peer)
    out = {"pass": bool(verdicts) and not bad, "window_s": win,
           "threshold": f"last {win:.0f} s peak VmRSS <= first {win:.0f} s (after {win:.0f} s of "
                        f"warm-up) peak * {1 + RSS_GROWTH:.2f}, and RssAnon <= first + {ANON_GROWTH_KB} KiB",
           "peers_measured": sorted(verdicts), "growing": bad, "per_peer": verdicts}
    if not verdicts:
        out["why"] = "no agent process lived through the measured span"
    return out


def usage_table(run, procs):
    if not procs:
        return None
    tab = table(series(procs), procs[0]["hz"], float(run["duration"]))
    tab["markdown"] = markdown(tab)
    return tab
