#!/bin/sh
# Captures the real-traffic fixtures used by netstack/src/test/java/org/jbypass/netstack/wire/Fixtures.java.
#
# Two network namespaces joined by a veth pair (198.18.0.1 <-> 198.18.0.2, RFC 2544 benchmarking space); the Linux
# kernel generates all traffic (ping, UDP and TCP sockets) and tcpdump captures it on the receiving side. Transmit
# checksum offload is turned off so the captured checksums are the ones the kernel computed (with offload on, veth
# hands the frames on with partial checksums). The kernel here has no 802.1Q module, so the tagged frame is made by
# scapy from the captured ICMP echo request with a tag inserted (see the script's last step).
#
# Run as root: sh capture-wire-fixtures.sh OUTDIR; it prints every frame as hex and leaves OUTDIR/fixtures.pcap.
set -eu
OUT=${1:-/tmp/jbp-fixtures}
mkdir -p "$OUT"
rm -f "$OUT/listening" "$OUT/fixtures.pcap"
S=wfx$$
A=${S}a B=${S}b
DUMP= SERVER=
cleanup() { [ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true; [ -z "$DUMP" ] || kill "$DUMP" 2>/dev/null || true
    ip netns del "$A" 2>/dev/null || true; ip netns del "$B" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
ip netns add "$A"; ip netns add "$B"
# No IPv6: its neighbour discovery and MLD reports would only add noise to the capture.
ip netns exec "$A" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip netns exec "$B" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link add ${S}x type veth peer name ${S}y
ip link set ${S}x netns "$A"; ip link set ${S}y netns "$B"
ip -n "$A" link set ${S}x address 02:00:00:00:00:0a
ip -n "$B" link set ${S}y address 02:00:00:00:00:0b
ip -n "$A" addr add 198.18.0.1/24 dev ${S}x; ip -n "$B" addr add 198.18.0.2/24 dev ${S}y
ip netns exec "$A" ethtool -K ${S}x tx off >/dev/null; ip netns exec "$B" ethtool -K ${S}y tx off >/dev/null
ip -n "$A" link set ${S}x up; ip -n "$B" link set ${S}y up; ip -n "$A" link set lo up; ip -n "$B" link set lo up

ip netns exec "$B" tcpdump -i ${S}y -U -s 0 -w "$OUT/fixtures.pcap" 2>/dev/null &
DUMP=$!
# tcpdump has started capturing once the file has its global header.
while [ ! -s "$OUT/fixtures.pcap" ]; do sleep 0.1; done

# ARP request and reply, then an ICMP echo request and reply (32 bytes of data).
ip netns exec "$A" ping -c 1 -s 32 -p 6a627970617373 198.18.0.2 >/dev/null
# Two UDP datagrams, of odd and even length, from 198.18.0.1:40000 to 198.18.0.2:7777.
ip netns exec "$A" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.18.0.1", 40000))
s.sendto(b"jbypass fixture", ("198.18.0.2", 7777))
s.sendto(b"even length!", ("198.18.0.2", 7777))
'
# A TCP connection: the SYN carries MSS, SACK-permitted, timestamps and window scale; then one data segment.
ip netns exec "$B" /usr/bin/python3 -c '
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("198.18.0.2", 8080)); l.listen(1)
open("'"$OUT"'/listening", "w").close()
c, _ = l.accept(); c.recv(100); c.close(); l.close()
' &
SERVER=$!
while [ ! -e "$OUT/listening" ]; do sleep 0.1; done
ip netns exec "$A" /usr/bin/python3 -c '
import socket
s = socket.create_connection(("198.18.0.2", 8080), source_address=("198.18.0.1", 40001))
s.sendall(b"GET /jbypass HTTP/1.0\r\n\r\n"); s.close()
'
wait $SERVER
# An IPv4 fragment pair: an ICMP echo request of 108 bytes over a 100-byte MTU with DF clear, so the kernel
# sends 80 bytes at offset 0 (MF set) and 28 bytes at offset 80.
ip -n "$A" link set ${S}x mtu 100
ip netns exec "$A" ping -c 1 -M dont -s 100 -p 6a6270 198.18.0.2 >/dev/null || true
sleep 0.5
kill $DUMP; wait $DUMP || true

/usr/bin/python3 - "$OUT/fixtures.pcap" <<'PY'
import sys
from scapy.all import rdpcap, Ether, Dot1Q, raw
frames = rdpcap(sys.argv[1])
for i, f in enumerate(frames):
    print("%2d %4d %s" % (i, len(f), f.summary()))
    print("   " + raw(f).hex())
# The 802.1Q frame: the first ICMP echo request with an 802.1Q tag (PCP 5, VID 7) inserted after the MACs.
echo = next(f for f in frames if f.haslayer("ICMP") and f["ICMP"].type == 8 and f["IP"].frag == 0 and len(f) < 100)
e = echo[Ether]
tagged = Ether(dst=e.dst, src=e.src, type=0x8100) / Dot1Q(prio=5, vlan=7, type=0x0800) / e.payload
print("802.1Q %d %s" % (len(tagged), tagged.summary()))
print("   " + raw(tagged).hex())
PY
