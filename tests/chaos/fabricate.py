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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "clean"))
