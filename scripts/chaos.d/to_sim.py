#!/usr/bin/env python3
"""The same chaos scenario for the simulator: writes the `shoal-sim run` experiment (TOML) that
replays SCENARIO with SEED's fault times (plan.py), so one file runs on both (docs/chaos.md).

The simulator picks its own victims (`kill = 1` is a random peer). With loss, the stream
channel loses segments too (`stream_loss`: TCP's retransmissions, as iptables' loss does to the
agents' TCP). What it cannot express is
left out with a comment: the cpu quota (its `slow` delays messages, it does not starve a peer),
delay, a full disk, a restart, a clock step, an update. Loss applies for the whole simulated run (in scripts/chaos from its own time on).
Times shift by SPECS_AT: the simulated cluster starts formed and the spec is applied at 5 s.
Usage: to_sim.py SCENARIO.toml SEED > experiment.toml
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plan  # noqa: E402

SPECS_AT = 5.0


def ms(seconds):
    return f"\"{round(seconds * 1000)}ms\""


def experiment(path, seed):
    sc = plan.load(path)
    names, steps = plan.plan(sc, seed)
    n = len(names)
    loss = next((float(a[1]) for _, act, a in steps if act == "loss"), 0.0)
    lines = [f"# {os.path.basename(path)} seed {seed}, written by scripts/chaos.d/to_sim.py",
             f"name = \"chaos-{os.path.basename(path)[:-5]}-{seed}\"", f"seed = {seed}",
             f"peers = {n}", f"duration = {ms(SPECS_AT + sc['duration'])}", "profile = \"fast\"",
             "lifeguard = true", "start = \"formed\"", f"specs_at = {ms(SPECS_AT)}",
             "start_delay = \"1ms\"", "", "[network]", "latency = [\"1ms\", \"1ms\"]",
             f"loss = {loss}"] + (["stream_loss = true"] if loss > 0 else []) + [
             "", "[[service]]", "name = \"chaos\"", f"replicas = {sc['replicas']}",
             "cpu = 0.1", "memory = \"64MiB\""]
    ends = {}  # when a fault's effect ends: the next heal / cont of it
    for i, (t, act, args) in enumerate(steps):
        if act in ("stop", "partition", "oneway"):
            undo = {"stop": ("cont",), "partition": ("heal",), "oneway": ("heal",)}[act]
            later = [u for u, a, b in steps[i + 1:] if a in undo]
            ends[i] = (later[0] if later else sc["duration"]) - t
    for i, (t, act, args) in enumerate(steps):
        at = ms(SPECS_AT + t)
        if act == "kill":
            lines += ["", "[[event]]", f"at = {at}", "kill = 1"]
        elif act == "stop":
            lines += ["", "[[event]]", f"at = {at}", "stop = 1", f"for = {ms(ends[i])}"]
        elif act in ("partition", "oneway"):
            # The lone peer is the higher group: a one-way cut drops lower -> higher, so it
            # hears nobody, as scripts/chaos's oneway.
            lines += ["", "[[event]]", f"at = {at}", f"partition = [{round(1 - 1 / n, 3)}]",
                      f"for = {ms(ends[i])}"] + (["oneway = true"] if act == "oneway" else [])
        elif act in ("cpu", "delay", "restart", "disk", "update", "clock", "unclock"):
            lines += ["", f"# not expressed: {act} at {t} s"]
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(experiment(sys.argv[1], int(sys.argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
