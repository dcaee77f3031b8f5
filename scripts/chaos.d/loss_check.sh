#!/usr/bin/env bash
# How often scripts/chaos's loss drops a packet: its set-up (a bridge in a namespace, a veth per
# peer, CHAOS_LOSS in INPUT on eth0, iptables statistic 25%) for two peers, then 20,000 UDP
# datagrams a -> b and 2,000 request-answer pairs. Once per packet on receipt: 75% one way,
# 56.25% both ways. Root; everything it makes is named after its PID and deleted on exit.
set -u
P=shoal-chaos-losscheck-$$
hub=$P-hub
trap 'ip netns del $P-a 2>/dev/null; ip netns del $P-b 2>/dev/null; ip netns del $hub 2>/dev/null' EXIT
ip netns add $hub; ip -n $hub link add br0 type bridge; ip -n $hub link set br0 up
i=0
for n in a b; do
  i=$((i+1)); ns=$P-$n; ip netns add $ns
  ip -n $hub link add v$i type veth peer name eth0 netns $ns
  ip -n $hub link set v$i master br0 up
  ip -n $ns addr add 10.78.0.$((10+i))/24 dev eth0; ip -n $ns link set eth0 up; ip -n $ns link set lo up
  ip netns exec $ns iptables -w -N CHAOS_LOSS
  ip netns exec $ns iptables -w -A INPUT -i eth0 -j CHAOS_LOSS
  ip netns exec $ns iptables -w -A CHAOS_LOSS -m statistic --mode random --probability 0.25 -j DROP
done
echo "hub namespace iptables rules: $(ip netns exec $hub iptables -S | grep -vc '^-P')  bridge-nf-call-iptables: $(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo 'n/a (no br_netfilter)')"
ip netns exec $P-b python3 - <<'PY' &
import socket
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("10.78.0.12",9000)); s.settimeout(3)
n=0
try:
    while True:
        d,a=s.recvfrom(100)
        if d.startswith(b"q"): s.sendto(b"r"+d[1:],a)
        else: n+=1
except socket.timeout: pass
print(f"one-way: b received {n} of 20000 datagrams ({n/200:.1f}%)")
PY
sleep 0.5
ip netns exec $P-a python3 - <<'PY'
import socket,time
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("10.78.0.11",9001)); s.settimeout(0.05)
for i in range(20000):
    s.sendto(b"d%d"%i,("10.78.0.12",9000))
    if i%200==0: time.sleep(0.002)
ok=0
for i in range(2000):
    s.sendto(b"q%d"%i,("10.78.0.12",9000))
    try:
        while True:
            d,_=s.recvfrom(100)
            if d==b"r%d"%i: ok+=1; break
    except socket.timeout: pass
print(f"round trip: {ok} of 2000 answered ({ok/20:.1f}%; 75% x 75% = 56.25% if each leg loses 25% once)")
PY
wait
for n in a b; do echo "$n: $(ip netns exec $P-$n iptables -w -L CHAOS_LOSS -v -x -n | awk '/DROP/{print $1" dropped"}') of $(ip netns exec $P-$n iptables -w -L INPUT -v -x -n | awk '/CHAOS_LOSS/{print $1" received on eth0"}')"; done
