#!/usr/bin/env python3
"""The Linux kernel's side of the multicast interoperability tests, run inside a KernelPeer's namespace.

Every command prints "ready" once its socket is set up, then one line per event; it exits 0 when everything went
as expected and 1 (with the reason on stderr) otherwise.

  send GROUP PORT COUNT FROM          send COUNT numbered 64-byte datagrams to GROUP:PORT from address FROM (also
                                      the outgoing interface, IP_MULTICAST_IF): "sent COUNT"
  recv GROUP PORT COUNT TIMEOUT IF    join GROUP on the interface with address IF and receive COUNT datagrams:
                                      "from IP PORT LENGTH TTL FIRST-8-BYTES-AS-INT" for each (the TTL by IP_RECVTTL)
  query GROUP MAXRESP IF COUNT        send COUNT IGMPv3 queries from the interface with address IF through a raw socket:
                                      general (GROUP 0.0.0.0, to 224.0.0.1) or group-specific (to GROUP): "queried"
"""
import socket
import struct
import sys

# <linux/in.h>: Python's socket module names neither.
IP_TTL = 2
IP_RECVTTL = 12


def ready():
    print("ready", flush=True)


def fail(why):
    print(why, file=sys.stderr, flush=True)
    sys.exit(1)


def send(group, port, count, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source, 0))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(source))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    ready()
    for i in range(count):
        s.sendto(struct.pack("!q", i) + bytes(56), (group, port))
    print("sent %d" % count, flush=True)


def recv(group, port, count, timeout, interface):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("0.0.0.0", port))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(group) + socket.inet_aton(interface))
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    s.settimeout(timeout)
    ready()
    for _ in range(count):
        try:
            data, ancillary, _, (host, source_port) = s.recvmsg(65535, socket.CMSG_SPACE(4))
        except socket.timeout:
            fail("timed out waiting for a datagram")
        ttl = -1
        for level, kind, value in ancillary:
            if level == socket.IPPROTO_IP and kind == IP_TTL:
                ttl = struct.unpack("i", value[:4])[0]
        sequence = struct.unpack("!q", data[:8])[0] if len(data) >= 8 else -1
        print("from %s %d %d %d %d" % (host, source_port, len(data), ttl, sequence), flush=True)


def checksum(data):
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def query(group, max_resp, interface, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(interface))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    ready()
    body = struct.pack("!BBH4sBBH", 0x11, max_resp, 0, socket.inet_aton(group), 2, 125, 0)
    body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
    destination = "224.0.0.1" if group == "0.0.0.0" else group
    for _ in range(count):
        s.sendto(body, (destination, 0))
    print("queried %d" % count, flush=True)


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "send":
        send(args[0], int(args[1]), int(args[2]), args[3])
    elif command == "recv":
        recv(args[0], int(args[1]), int(args[2]), float(args[3]), args[4])
    elif command == "query":
        query(args[0], int(args[1]), args[2], int(args[3]))
    else:
        fail("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv)
