#!/usr/bin/env python3
"""Records what every peer says and what really runs, for the chaos checker.

Every INTERVAL seconds, one JSON line per peer (its API over its unix socket: /v1/status,
/v1/members, /v1/ps, /v1/services; "ok": false when it does not answer within the timeout, as a
frozen or killed peer does), and one "truth" line: the instances of SERVICE alive in each peer's
network namespace, read from /proc (a process whose environment says SHOAL_SERVICE=SERVICE and
SHOAL_INDEX=i; a stopped (SIGSTOP) or zombie process does not count as running), and one "proc"
line: each peer's agent process (comm `shoal`, argv[1] `agent`), its PID, VmRSS, RssAnon and
CPU ticks (utime + stime), read from /proc by PID, for the soak's memory and CPU over time.
The interval is CHAOS_INTERVAL seconds (default 0.5). With CHAOS_SERF=1, one "serf" line per
peer too: the members its Serf agent sees (chaos.d/serf_view.py).

Usage: record.py ROOT NETNS_PREFIX SERVICE PEER... > samples.jsonl   (until SIGTERM)
       record.py --wait-ready ROOT NETNS_PREFIX SERVICE PEER...      (exit 0 once all are ready)
ROOT/PEER/data/api.sock is each peer's API; /run/netns/NETNS_PREFIX+PEER its namespace.
"""
import concurrent.futures
import http.client
import json
import os
import signal
import socket
import sys
import time

INTERVAL = float(os.environ.get("CHAOS_INTERVAL", "0.5"))
SERF = os.environ.get("CHAOS_SERF") == "1"
if SERF:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import serf_view  # noqa: E402
TIMEOUT = 0.4
PATHS = {"status": "/v1/status", "members": "/v1/members", "ps": "/v1/ps",
         "services": "/v1/services"}


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=TIMEOUT)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(self.unix_path)


def get(sock_path, path):
    conn = UnixHTTP(sock_path)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        if r.status != 200:
            raise OSError(f"{path}: HTTP {r.status}")
        return json.loads(r.read())
    finally:
        conn.close()


def sample(root, peer):
    out = {"kind": "sample", "t": time.time(), "peer": peer, "ok": True}
    sock_path = os.path.join(root, peer, "data", "api.sock")
    try:
        for key, path in PATHS.items():
            out[key] = get(sock_path, path)
    except (OSError, ValueError, http.client.HTTPException) as e:
        out = {"kind": "sample", "t": out["t"], "peer": peer, "ok": False, "error": str(e)}
    return out


def netns_inodes(prefix, peers):
    inodes = {}
    for p in peers:
        try:
            inodes[os.stat(f"/run/netns/{prefix}{p}").st_ino] = p
        except OSError:
            pass
    return inodes


def processes(prefix, peers):
    """[(pid, peer)] of every process in a peer's network namespace, one walk of /proc."""
    inodes = netns_inodes(prefix, peers)
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            ns = os.readlink(f"/proc/{pid}/ns/net")
            peer = inodes.get(int(ns[ns.index("[") + 1:-1]))
        except (OSError, ValueError):
            continue  # the process ended mid-read
        if peer is not None:
            out.append((pid, peer))
    return out


def truth(procs, service, peers):
    """peer -> sorted indexes of SERVICE instances alive (not stopped) in its namespace."""
    running = {p: [] for p in peers}
    versions = {p: {} for p in peers}  # peer -> {index: CHAOS_VERSION}: which write runs
    want = f"SHOAL_SERVICE={service}".encode()
    for pid, peer in procs:
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
            if want not in env:
                continue
            with open(f"/proc/{pid}/stat", "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
            if state in (b"T", b"t", b"Z", b"X"):
                continue
            index = next(int(e[len(b"SHOAL_INDEX="):]) for e in env if e.startswith(b"SHOAL_INDEX="))
            running[peer].append(index)
            versions[peer][index] = next((e[len(b"CHAOS_VERSION="):].decode() for e in env
                                          if e.startswith(b"CHAOS_VERSION=")), "")
        except (OSError, ValueError, StopIteration):
            continue  # the process ended mid-read, or is not an instance
    return {"kind": "truth", "t": time.time(), "running": {p: sorted(v) for p, v in running.items()},
            "versions": {p: v for p, v in versions.items() if v}}


def agent_usage(procs):
    """peer -> {pid, rss_kb, anon_kb, cpu_ticks} of its agent process (absent: none running).
    A supervisor the agent has just forked still has the agent's comm and argv until it renames
    itself: of several candidates in one namespace, the one whose parent is not a candidate."""
    found = {}
    for pid, peer in procs:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            with open(f"/proc/{pid}/stat", "rb") as f:
                head, rest = f.read().rsplit(b")", 1)
            if len(argv) < 2 or argv[1] != b"agent" or not head.endswith(b"(shoal"):
                continue  # an instance, a supervisor (comm shoal-supervise), the watchdog
            fields = rest.split()  # fields[0] is stat's 3rd field (state), fields[1] the ppid
            u = {"pid": int(pid), "ppid": int(fields[1]),
                 "cpu_ticks": int(fields[11]) + int(fields[12])}
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k in ("VmRSS", "RssAnon"):
                        u["rss_kb" if k == "VmRSS" else "anon_kb"] = int(v.split()[0])
            found.setdefault(peer, []).append(u)
        except (OSError, ValueError, IndexError):
            continue  # the process ended mid-read
    out = {}
    for peer, us in found.items():
        pids = {u["pid"] for u in us}
        out[peer] = next((u for u in us if u["ppid"] not in pids), us[0])
    return {"kind": "proc", "t": time.time(), "hz": os.sysconf("SC_CLK_TCK"), "peers": out}


def wait_ready(root, prefix, peers, limit=30.0):
    end = time.time() + limit
    while time.time() < end:
        views = [sample(root, p) for p in peers]
        if all(v["ok"] and v["status"].get("ready") == len(peers) for v in views) and \
                (not SERF or serf_view.ready(prefix, peers)):
            return 0
        time.sleep(0.2)
    print(f"chaos: the peers were not all ready within {limit:.0f} s", file=sys.stderr)
    return 1


def record(root, prefix, service, peers):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    with concurrent.futures.ThreadPoolExecutor(2 * len(peers)) as pool:
        while not stop:
            started = time.time()
            serf = [pool.submit(serf_view.sample, prefix, p) for p in peers] if SERF else []
            lines = list(pool.map(lambda p: sample(root, p), peers))
            lines += [f.result() for f in serf]
            procs = processes(prefix, peers)
            lines.append(agent_usage(procs))
            lines.append(truth(procs, service, peers))
            sys.stdout.write("".join(json.dumps(x, separators=(",", ":")) + "\n" for x in lines))
            sys.stdout.flush()
            time.sleep(max(0.0, INTERVAL - (time.time() - started)))
    return 0


def main(argv):
    if argv and argv[0] == "--wait-ready":
        return wait_ready(argv[1], argv[2], argv[4:])
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    return record(argv[0], argv[1], argv[2], argv[3:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
