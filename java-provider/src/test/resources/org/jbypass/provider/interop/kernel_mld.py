"""The kernel's side of KernelMldInteropTest: sends one multicast listener query as a querier would.

usage: kernel_mld.py INTERFACE VERSION GROUP MAX_RESPONSE_MS [COUNT [SOURCE...]]

VERSION 1 sends a 24-byte MLDv1 query (RFC 2710 section 3), 2 an MLDv2 query (RFC 3810 section 5.1) with QRV 2,
QQIC 125 and the SOURCEs given (a group-and-source-specific query). GROUP :: is a general query, to ff02::1;
another group is queried at its own address. COUNT queries (1 by default) leave from the interface's link-local
address with hop limit 1 and a Router Alert hop-by-hop option; the kernel fills in the ICMPv6 checksum.
"""
import socket
import struct
import sys

IPV6_HOPOPTS = 54

interface, version, group, max_response = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
count = int(sys.argv[5]) if len(sys.argv) > 5 else 1
sources = sys.argv[6:]
index = socket.if_nametoindex(interface)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
# From the link-local address (RFC 3810 section 5.1.14), whatever the group's scope would have the kernel choose,
# once it passed DAD.
with open("/proc/net/if_inet6") as addresses:
    for line in addresses:
        fields = line.split()
        # scope 0x20: link; flags without IFA_F_TENTATIVE (0x40), which could not be bound to yet
        if fields[5] == interface and fields[3] == "20" and not int(fields[4], 16) & 0x40:
            s.bind((socket.inet_ntop(socket.AF_INET6, bytes.fromhex(fields[0])), 0, 0, index))
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
# Router Alert (RFC 2711) value 0, MLD; then PadN to 8 bytes
s.setsockopt(socket.IPPROTO_IPV6, IPV6_HOPOPTS, bytes([0, 0, 5, 2, 0, 0, 1, 0]))
message = struct.pack("!BBHHH", 130, 0, 0, max_response, 0) + socket.inet_pton(socket.AF_INET6, group)
if version == 2:
    message += struct.pack("!BBH", 2, 125, len(sources))
    for source in sources:
        message += socket.inet_pton(socket.AF_INET6, source)
destination = "ff02::1" if group == "::" else group
for _ in range(count):
    s.sendto(message, (destination, 0, 0, index))
