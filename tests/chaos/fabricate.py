#!/usr/bin/env python3
"""Writes a made-up chaos timeline (the format scripts/chaos.d/check.py reads) for the checker's
own test: 3 peers, 3 instances, p1 partitioned away at 5 s and healed at 10 s, 60 s long.
While cut off, p1 starts copies of indexes 0 and 2 (at-least-once); in the clean timeline they
are gone at 12 s. A new version of the service is applied through p0 at 30 s (update); every
agent's memory is flat. A Serf beside each peer sees what the peer sees (--serf runs).
Each other variant breaks exactly one promise:
  dup-after-heal  p1 keeps its copy of index 0 to the end (past heal + 45 s)
  spec-lost       p2 stops listing the service at 30 s
  false-dead      p0 sees p2 (never faulted) dead at 20 s, and p0's Serf sees p2 failed
  long-gap        index 1 runs nowhere from 20 s to 35 s (with a majority side)
  diverged        p2's last view hash differs
  leak            p1's agent grows by 4 MiB of heap over the run
  stale-write     index 2 still runs the version of before the update at the end
  stale-expected  the same, in a run that declares last_write_wins a known failure
The host-* timelines (host_faults below: a starved host, a frozen agent, a host killed and
restarted blank) and the delete-* ones (a delete while a peer is cut off) are clean but for:
  host-not-moved   the starved p2's instance never settles elsewhere (it still runs on p2; a
                   copy on p1 for one sample at 10 s is stopped again)
  host-orphan-kept the frozen agent's instance is stopped on its host 8 s after the freeze
  host-blank-lost  p2, restarted on an empty data_dir, never lists the service again
  delete-resurrected once healed, the cut-off p1's copy wins: the service is listed and runs again
Usage: fabricate.py VARIANT > timeline.jsonl
"""
import json
import sys

T0 = 1_000_000.0
PEERS = ["p0", "p1", "p2"]


def line(x):
    print(json.dumps(x))


def main(variant):
    line({"kind": "run", "t": T0, "scenario": "fabricated-" + variant, "file": "-", "seed": 1,
          "peers": 3, "replicas": 3, "duration": 60, "max_gap": 8, "dup_grace": 45,
          "memory_flat": 1, "serf": 1, "expect_fail": "last_write_wins" if variant == "stale-expected" else "-",
          "commit": "test", "host": "test", "cpus": 1})
    for t, action, peer, arg in ((0.0, "apply", "p0", ""), (5.0, "partition", "p1", ""),
                                 (10.0, "heal", "", ""), (30.0, "update", "p0", "1")):
        line({"kind": "fault", "t": T0 + t, "action": action, "peer": peer, "arg": arg, "note": ""})
    for k in range(121):
        t = k * 0.5
        running = {"p0": [0], "p1": [1], "p2": [2]}
        if 5.5 <= t < 12 or (variant == "dup-after-heal" and t >= 5.5):
            running["p1"] = [0, 1] + ([2] if t < 12 else [])
        if variant == "long-gap" and 20 <= t < 35:
            running["p1"] = [i for i in running["p1"] if i != 1]
        members = [{"name": p, "state": "alive", "incarnation": 1, "ready": True} for p in PEERS]
        for p in PEERS:
            ms = [dict(m) for m in members]
            if variant == "false-dead" and p == "p0" and 20 <= t < 21:
                ms[2]["state"] = "dead"
            services = [] if variant == "spec-lost" and p == "p2" and t >= 30 else \
                [{"name": "chaos", "replicas": 3, "running": 3, "healthy": 3, "version": "1"}]
            view = "bad0bad0bad0bad0" if variant == "diverged" and p == "p2" and t >= 59 else "00ff00ff00ff00ff"
            ps = [{"service": "chaos", "index": i, "peer": f"p{i}", "state": "running", "host_ports": {}}
                  for i in range(3)]
            line({"kind": "sample", "t": T0 + t, "peer": p, "ok": True, "status": {"view_hash": view},
                  "members": ms, "ps": ps, "services": services})
            line({"kind": "serf", "t": T0 + t, "peer": p, "ok": True,
                  "members": {m["name"]: "failed" if m["state"] == "dead" else m["state"] for m in ms}})
        line({"kind": "proc", "t": T0 + t, "hz": 100, "peers": {
            p: {"pid": 100 + i, "cpu_ticks": k // 4, "rss_kb": 13000 + 4 * (k % 3),
                "anon_kb": 1700 + (int(t * 4096 / 60) if variant == "leak" and p == "p1" else 0)}
            for i, p in enumerate(PEERS)}})
        version = "1" if t >= 31 else "0"
        versions = {p: {str(i): "0" if i == 2 and variant.startswith("stale") else version
                        for i in idx} for p, idx in running.items()}
        line({"kind": "truth", "t": T0 + t + 0.01, "running": running, "versions": versions})
    return 0


def emit(variant, duration, faults, running, listing, up, extra=None):
    """A 3-peer, 3-instance run: running(t) -> {peer: [index]}, listing(p, t) -> whether p lists
    the service, up(p, t) -> whether p answers (the others see a peer that does not as dead)."""
    line(dict({"kind": "run", "t": T0, "scenario": "fabricated-" + variant, "file": "-", "seed": 1,
               "peers": 3, "replicas": 3, "duration": duration, "max_gap": 8, "dup_grace": 45,
               "interval": 0.5, "memory_flat": 0, "serf": 0, "expect_fail": "-", "commit": "test",
               "host": "test", "cpus": 1, "stop_grace": 1}, **(extra or {})))
    for t, action, peer, arg in faults:
        line({"kind": "fault", "t": T0 + t, "action": action, "peer": peer, "arg": arg, "note": ""})
    for k in range(int(duration * 2) + 1):
        t = k * 0.5
        for p in PEERS:
            if not up(p, t):
                line({"kind": "sample", "t": T0 + t, "peer": p, "ok": False, "error": "timed out"})
                continue
            ms = [{"name": q, "state": "alive" if up(q, t) else "dead"} for q in PEERS]
            ps = [{"service": "chaos", "index": i, "peer": f"p{i}", "state": "running"} for i in range(3)]
            line({"kind": "sample", "t": T0 + t, "peer": p, "ok": True,
                  "status": {"view_hash": "00ff00ff00ff00ff"}, "members": ms, "ps": ps,
                  "services": [{"name": "chaos"}] if listing(p, t) else []})
        line({"kind": "truth", "t": T0 + t + 0.01, "running": running(t)})


def host_faults(variant):
    """p2 starved (cpu) 5-15 s: index 2 also runs on p0 from 8 s, p2's copy is stopped at 17 s.
    p1's agent frozen 20-30 s: index 1 runs on p0 from 23 s, p1's copy is stopped at 25 s
    (orphan_timeout 4 s: the bound is 7.5 s). p2, running nothing, killed at 35 s and restarted
    on an empty data_dir at 40 s, answers from 41 s and lists the service from 43 s."""
    def running(t):
        kept = variant == "host-not-moved"  # the starved copy is the only one until p2 dies
        p0 = [0] + ([2] if t >= (38 if kept else 8) else []) + ([1] if t >= 23 else [])
        p1 = [1] if t < (28 if variant == "host-orphan-kept" else 25) else []
        if kept and 10 <= t < 10.5:  # a copy started and stopped again: a blip, not a move
            p1 = [1, 2]
        p2 = [2] if t < (35 if kept else 17) else []
        return {"p0": sorted(p0), "p1": p1, "p2": p2}
    up = lambda p, t: not (p == "p1" and 20.5 <= t < 30) and not (p == "p2" and 35 <= t < 41)
    listing = lambda p, t: not (p == "p2" and t >= 40 and (t < 43 or variant == "host-blank-lost"))
    faults = [(0.0, "apply", "p0", ""), (5.0, "cpu", "p2", "1"), (15.0, "uncpu", "p2", ""),
              (20.0, "stopagent", "p1", ""), (30.0, "contagent", "p1", ""), (35.0, "kill", "p2", ""),
              (40.0, "restart", "p2", "blank")]
    emit(variant, 90, faults, running, listing, up, {"orphan_timeout": "4"})


def delete_faults(variant):
    """p1 cut off at 5 s; the service deleted through p0 at 8 s (p0 and p2 stop listing it and
    their instances at 8.5 s); p1, which runs every index alone from 7 s, is healed at 20 s and
    takes the delete at 21 s (its instances gone at 22 s)."""
    resurrect = variant == "delete-resurrected"
    def running(t):
        if t < 8.5:
            return {"p0": [0], "p1": [0, 1, 2] if t >= 7 else [1], "p2": [2]}
        kept = t < 22 or resurrect
        return {"p0": [], "p1": [0, 1, 2] if kept else [], "p2": []}
    def listing(p, t):
        if t < 8.5 or resurrect and t >= 21:
            return True
        return p == "p1" and t < 21
    faults = [(0.0, "apply", "p0", ""), (5.0, "partition", "p1", ""), (8.0, "delete", "p0", ""),
              (20.0, "heal", "", "")]
    emit(variant, 70, faults, running, listing, lambda p, t: True)


def run(variant):
    if variant.startswith("host-"):
        return host_faults(variant)
    return delete_faults(variant) if variant.startswith("delete-") else main(variant)


if __name__ == "__main__":
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else "clean"))
