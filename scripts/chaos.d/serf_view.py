"""Serf beside Shoal in the chaos harness's namespaces (`scripts/chaos SCENARIO --serf`).

Each peer's namespace also runs a `serf agent` (node pN, gossip on the peer's address port 7946,
RPC on 127.0.0.1:7373 inside the namespace), so the same veth, iptables rules, kills and
freezes hit both. The recorder asks each Serf for its members over its RPC: the calling thread
enters the peer's network namespace (setns) to open the connection and returns to its own.
The RPC client is scripts/bench-serf's (loaded from that file, not copied).
"""
import ctypes
import importlib.machinery
import os
import socket
import time

RPC_PORT = 7373
GOSSIP_PORT = 7946
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_bench = None


def _connect(timeout):
    """bench-serf's SerfRpc, handshake done, on a socket with our (shorter) timeout: a frozen
    Serf's kernel still accepts the connection, and the recorder must not wait 2 s for it."""
    global _bench
    if _bench is None:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bench-serf")
        _bench = importlib.machinery.SourceFileLoader("bench_serf", path).load_module()
    c = _bench.SerfRpc.__new__(_bench.SerfRpc)
    c.sock = socket.create_connection(("127.0.0.1", RPC_PORT), timeout=timeout)
    c.rd, c.seq = _bench.MsgpackReader(c.sock), 0
    c.sock.sendall(_bench.mp_pack({"Command": "handshake", "Seq": 0}) + _bench.mp_pack({"Version": 1}))
    hdr = c.rd.obj()
    if hdr.get("Error"):
        c.close()
        raise RuntimeError(hdr["Error"])
    return c


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")


def members(prefix, peer, timeout=0.4):
    """{name: status} as this peer's Serf sees it (alive, failed, left); raises when it does not
    answer within the timeout (killed, frozen)."""
    own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    theirs = os.open(f"/run/netns/{prefix}{peer}", os.O_RDONLY)
    try:
        _setns(theirs)
        try:
            c = _connect(timeout)  # the socket belongs to the namespace it was made in
        finally:
            _setns(own)
        try:
            return c.members()
        finally:
            c.close()
    finally:
        os.close(own)
        os.close(theirs)


def sample(prefix, peer):
    out = {"kind": "serf", "t": time.time(), "peer": peer, "ok": True}
    try:
        out["members"] = members(prefix, peer)
    except (OSError, EOFError, RuntimeError, ValueError) as e:
        out = {"kind": "serf", "t": out["t"], "peer": peer, "ok": False, "error": str(e)}
    return out


def ready(prefix, peers):
    """Whether every Serf sees every peer alive."""
    for p in peers:
        s = sample(prefix, p)
        if not s["ok"] or sorted(n for n, st in s["members"].items() if st == "alive") != sorted(peers):
            return False
    return True
