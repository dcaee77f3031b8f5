#!/usr/bin/env python3
"""Turns a chaos scenario (TOML) and a seed into the steps scripts/chaos runs.

The seed picks every free choice (which peer, when within a range), so one seed replays one run.
Output, one a line:  `var NAME VALUE` for the scenario's settings, then
`step SECONDS ACTION PEER|- [ARG]` in time order (seconds after the spec is applied).
A `[churn]` table (the soak) adds faults that fill the run, whatever its length: every `every`
s a fault of `actions` in turn (`kill` undone by `restart`, `stop` by `cont`, after `down_for`
s) on a peer of `among` the seed picks, and a rolling update of the service (`update`) every
`update_every` s from `update_first`; nothing starts in the last `quiet_end` s, so duplicates
can be checked and views converge.
Usage: plan.py SCENARIO.toml SEED [DURATION_S]   (DURATION_S overrides the scenario's)
"""
import random
import sys
import tomllib

# orphan_timeout, tombstone_ttl, push_pull_interval: seconds, written into every peer's file
# ("-": the default). health = "exec": the service gets an exec health check (1 s interval,
# 500 ms timeout, 2 retries) and sheds a peer at its first failure (reschedule, no delay).
DEFAULTS = {"peers": 3, "replicas": 3, "duration": 30, "max_gap": 10, "dup_grace": 45,
            "interval": 0.5, "memory_flat": 0, "expect_fail": [], "orphan_timeout": "-",
            "tombstone_ttl": "-", "push_pull_interval": "-", "health": "-"}
ACTIONS = {"kill", "restart", "stop", "cont", "partition", "oneway", "heal", "loss", "unloss",
           "delay", "cpu", "uncpu", "disk", "undisk", "update", "clock", "unclock", "stopagent",
           "contagent", "delete"}
TARGETED = {"kill", "restart", "stop", "cont", "partition", "oneway", "cpu", "uncpu", "disk",
            "undisk", "clock", "unclock", "stopagent", "contagent"}
# `update` (a new version of the service) and `delete` (of the service) go through p0, or
# through their `target` when they have one.


def load(path):
    with open(path, "rb") as f:
        sc = tomllib.load(f)
    for k, v in DEFAULTS.items():
        sc.setdefault(k, v)
    for i, fault in enumerate(sc.get("fault", [])):
        if fault.get("action") not in ACTIONS:
            raise ValueError(f"{path}: fault {i + 1}: action must be one of {sorted(ACTIONS)}")
    return sc


def pick_time(rng, at):
    if isinstance(at, list):
        return round(rng.uniform(float(at[0]), float(at[1])), 2)
    return float(at)


def pick_target(rng, target, names, down, hit):
    """`any`: a peer the seed picks among those not down; `other`: the same, but none that an
    earlier fault targeted; `same`: the previous fault's target; `down`: one of those killed
    and not restarted yet."""
    if target == "down":
        if not down:
            raise ValueError("target = \"down\" with no peer killed")
        return rng.choice(sorted(down))
    if target == "same":
        if not hit:
            raise ValueError("target = \"same\" with no earlier targeted fault")
        return hit[-1]
    if target in ("any", "other"):
        up = [n for n in names if n not in down and (target == "any" or n not in hit)]
        if not up:
            raise ValueError(f"target = \"{target}\": no peer left to pick")
        return rng.choice(up)
    if target not in names:
        raise ValueError(f"target {target!r} is not one of {names}")
    return target


UNDO = {"kill": "restart", "stop": "cont"}


def churn(sc, rng):
    """The [churn] table as fault entries (at, action, target) over the whole duration."""
    c = sc.get("churn")
    if not c:
        return []
    duration, quiet = float(sc["duration"]), float(c.get("quiet_end", 60))
    every, actions = float(c.get("every", 30)), c.get("actions", ["kill", "stop"])
    down_for = c.get("down_for", [6, 10])
    if not set(actions) <= set(UNDO) or not actions:
        raise ValueError(f"churn.actions must be some of {sorted(UNDO)}")
    if max(down_for) >= every:
        raise ValueError("churn.down_for must be shorter than churn.every (one fault at a time)")
    out, k = [], 1
    while every * k + max(down_for) <= duration - quiet:
        action, t = actions[(k - 1) % len(actions)], every * k
        target = rng.choice(c.get("among") or [f"p{i}" for i in range(int(sc["peers"]))])
        out.append({"at": t, "action": action, "target": target})
        out.append({"at": round(t + rng.uniform(*down_for), 2), "action": UNDO[action],
                    "target": target})
        k += 1
    t = float(c.get("update_first", 15))
    while c.get("update_every") and t <= duration - quiet:
        out.append({"at": t, "action": "update"})
        t += float(c["update_every"])
    return out


def plan(sc, seed):
    rng = random.Random(seed)
    names = [f"p{i}" for i in range(int(sc["peers"]))]
    entries = sc.get("fault", []) + churn(sc, rng)
    faults = [(pick_time(rng, f.get("at", 0)), i, f) for i, f in enumerate(entries)]
    faults.sort(key=lambda x: (x[0], x[1]))
    steps, down, hit = [], set(), []
    for t, _, f in faults:
        action, args = f["action"], ["-"]  # "-": no peer
        if action in TARGETED or (action in ("update", "delete") and "target" in f):
            target = pick_target(rng, f.get("target", "any"), names, down, hit)
            hit.append(target)
            args = [target]
            if action == "kill":
                down.add(target)
            elif action == "restart":
                down.discard(target)
        if action == "loss":
            args.append(str(f.get("probability", 0.25)))
        if action == "delay":
            args.append(str(f.get("ms", 100)))
        if action == "cpu":
            args.append(str(f.get("percent", 5)))
        if action == "clock":
            args.append(str(int(f.get("ms", 60000))))
        if action == "restart" and f.get("blank"):
            args.append("blank")  # restarted on an empty data_dir: its disk lost
        steps.append((t, action, args))
    return names, steps


def main():
    if len(sys.argv) not in (3, 4):
        print("usage: plan.py SCENARIO.toml SEED [DURATION_S]", file=sys.stderr)
        return 2
    try:
        sc = load(sys.argv[1])
        if len(sys.argv) == 4:
            sc["duration"] = int(sys.argv[3])
        names, steps = plan(sc, int(sys.argv[2]))
    except (OSError, ValueError, tomllib.TOMLDecodeError) as e:
        print(f"chaos: {e}", file=sys.stderr)
        return 2
    for k in DEFAULTS:
        v = sc[k]
        print(f"var {k} {','.join(v) or '-' if isinstance(v, list) else v}")
    for t, action, args in steps:
        print(" ".join(["step", f"{t:.2f}", action] + args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
