"""The kernel's side of KernelMldInteropTest: sends one multicast listener query as a querier would.

usage: kernel_mld.py INTERFACE VERSION GROUP MAX_RESPONSE_MS

VERSION 1 sends a 24-byte MLDv1 query (RFC 2710 section 3), 2 a 28-byte MLDv2 query (RFC 3810 section 5.1) with
QRV 2 and QQIC 125. GROUP :: is a general query, to ff02::1; another group is queried at its own address. The
query leaves from the interface's link-local address with hop limit 1 and a Router Alert hop-by-hop option; the
kernel fills in the ICMPv6 checksum.
"""
import socket
import struct
import sys

IPV6_HOPOPTS = 54

interface, version, group, max_response = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
index = socket.if_nametoindex(interface)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
# Router Alert (RFC 2711) value 0, MLD; then PadN to 8 bytes
s.setsockopt(socket.IPPROTO_IPV6, IPV6_HOPOPTS, bytes([0, 0, 5, 2, 0, 0, 1, 0]))
message = struct.pack("!BBHHH", 130, 0, 0, max_response, 0) + socket.inet_pton(socket.AF_INET6, group)
if version == 2:
    message += struct.pack("!BBH", 2, 125, 0)
destination = "ff02::1" if group == "::" else group
s.sendto(message, (destination, 0, 0, index))
