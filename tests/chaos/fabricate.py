#!/usr/bin/env python3
"""Writes a made-up chaos timeline (the format scripts/chaos.d/check.py reads) for the checker's
own test: 3 peers, 3 instances, p1 partitioned away at 5 s and healed at 10 s, 60 s long.
While cut off, p1 starts copies of indexes 0 and 2 (at-least-once); in the clean timeline they
are gone at 12 s. Each other variant breaks exactly one promise:
  dup-after-heal  p1 keeps its copy of index 0 to the end (past heal + 45 s)
  spec-lost       p2 stops listing the service at 30 s
  false-dead      p0 sees p2 (never faulted) dead at 20 s
  long-gap        index 1 runs nowhere from 20 s to 35 s (with a majority side)
  diverged        p2's last view hash differs
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
          "commit": "test", "host": "test", "cpus": 1})
    for t, action, peer in ((0.0, "apply", "p0"), (5.0, "partition", "p1"), (10.0, "heal", "")):
        line({"kind": "fault", "t": T0 + t, "action": action, "peer": peer, "arg": "", "note": ""})
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
        line({"kind": "truth", "t": T0 + t + 0.01, "running": running})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "clean"))
