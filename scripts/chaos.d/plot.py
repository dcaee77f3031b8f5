"""The chaos run as an SVG, drawn by hand (no package): time on x; the top panel shows the
instances really running on each peer (and in all), the bottom one how many members each peer
sees alive; a dashed line marks each fault."""
from xml.sax.saxutils import escape

W, H, LEFT, RIGHT, PANEL, GAP, TOP = 900, 480, 60, 110, 170, 50, 30
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f"]


def _x(t, t_max):
    return LEFT + (W - LEFT - RIGHT) * max(0.0, t) / t_max


def _y(v, v_max, panel):
    base = TOP + panel * (PANEL + GAP) + PANEL
    return base - PANEL * v / v_max


def _line(points, colour, width=1.5, dash="", lift=0.0):
    """`lift`: pixels up, so that peers at the same value do not hide each other."""
    if not points:
        return ""
    d = " ".join(f"{x:.1f},{y - lift:.1f}" for x, y in points)
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<polyline fill="none" stroke="{colour}" stroke-width="{width}"{extra} points="{d}"/>\n'


def _steps(series, t_max, v_max, panel):
    """[(t, v or None)] -> polylines of a step function, broken where v is None."""
    out, cur, prev = [], [], None
    for t, v in series:
        if v is None:
            if cur:
                out.append(cur)
            cur, prev = [], None
            continue
        x, y = _x(t, t_max), _y(v, v_max, panel)
        if prev is not None:
            cur.append((x, prev))
        cur.append((x, y))
        prev = y
    if cur:
        out.append(cur)
    return out


def _axes(panel, title, v_max, t_max):
    top, bottom = _y(v_max, v_max, panel), _y(0, v_max, panel)
    s = f'<text x="{LEFT}" y="{top - 8:.0f}" font-size="13">{escape(title)}</text>\n'
    s += f'<rect x="{LEFT}" y="{top:.0f}" width="{W - LEFT - RIGHT}" height="{PANEL}" fill="none" stroke="#999"/>\n'
    for v in range(0, v_max + 1):
        s += f'<text x="{LEFT - 6}" y="{_y(v, v_max, panel) + 4:.0f}" font-size="10" text-anchor="end">{v}</text>\n'
    step = 5 if t_max <= 60 else 10 if t_max <= 150 else 30
    for t in range(0, int(t_max) + 1, step):
        s += f'<text x="{_x(t, t_max):.0f}" y="{bottom + 14:.0f}" font-size="10" text-anchor="middle">{t}</text>\n'
    return s


def svg(run, faults, rounds, truths):
    names = [f"p{i}" for i in range(run["peers"])]
    t_max = max([run.get("duration", 1)] + [x["t"] for x in truths]) or 1
    n_max = max(run["replicas"], run["peers"]) + 1
    body = _axes(0, "instances running (real processes): per peer, and distinct in all (dashed)",
                 n_max, t_max)
    body += _axes(1, "members alive as each peer sees them (gap: the peer did not answer)",
                  run["peers"] + 1, t_max)
    for i, p in enumerate(names):
        colour = COLOURS[i % len(COLOURS)]
        running = [(x["t"], len(x["running"].get(p, []))) for x in truths]
        for seg in _steps(running, t_max, n_max, 0):
            body += _line(seg, colour, lift=2 * i)
        alive = [(t, sum(m["state"] == "alive" for m in r[p]["members"]) if r.get(p, {}).get("ok") else None)
                 for t, r in rounds]
        for seg in _steps(alive, t_max, run["peers"] + 1, 1):
            body += _line(seg, colour, lift=2 * i)
        body += f'<text x="{W - RIGHT + 10}" y="{TOP + 20 + 16 * i}" font-size="12" fill="{colour}">{p}</text>\n'
    distinct = [(x["t"], len({j for v in x["running"].values() for j in v})) for x in truths]
    for seg in _steps(distinct, t_max, n_max, 0):
        body += _line(seg, "#000", 1, "4 2")
    bottom = _y(0, 1, 1)
    for f in faults:
        x = _x(f["t"], t_max)
        label = f"{f['action']} {f.get('peer', '')}".strip()
        body += f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{bottom:.0f}" stroke="#888" stroke-dasharray="3 3"/>\n'
        body += f'<text x="{x + 3:.1f}" y="{TOP + 12}" font-size="10" fill="#555">{escape(label)}</text>\n'
    title = f"scripts/chaos {run.get('scenario')} --seed {run.get('seed')} (commit {run.get('commit')}), seconds after apply"
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif">\n'
            f'<rect width="{W}" height="{H}" fill="#fff"/>\n'
            f'<text x="{LEFT}" y="{H - 8}" font-size="12">{escape(title)}</text>\n{body}</svg>\n')
