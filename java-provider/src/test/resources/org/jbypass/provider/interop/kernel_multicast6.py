#!/usr/bin/env python3
"""The Linux kernel's side of the IPv6 multicast interoperability tests, run inside a KernelPeer's namespace.

Every command prints "ready" once its socket is set up, then one line per event; it exits 0 when everything went
as expected and 1 (with the reason on stderr) otherwise.

  send GROUP PORT COUNT FROM IFNAME   send COUNT numbered 64-byte datagrams to [GROUP]:PORT from address FROM out of
                                      IFNAME (IPV6_MULTICAST_IF), hop limit 1: "sent COUNT"
  recv GROUP PORT COUNT TIMEOUT IFNAME
                                      join GROUP on IFNAME (IPV6_JOIN_GROUP) and receive COUNT datagrams: "from IP PORT
                                      LENGTH HOPLIMIT FIRST-8-BYTES-AS-INT" for each (the hop limit by
                                      IPV6_RECVHOPLIMIT)
"""
import socket
import struct
import sys


def ready():
    print("ready", flush=True)


def fail(why):
    print(why, file=sys.stderr, flush=True)
    sys.exit(1)


def send(group, port, count, source, interface):
    index = socket.if_nametoindex(interface)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind((source, 0))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, index)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 1)
    ready()
    for i in range(count):
        s.sendto(struct.pack("!q", i) + bytes(56), (group, port, 0, index))
    print("sent %d" % count, flush=True)


def recv(group, port, count, timeout, interface):
    index = socket.if_nametoindex(interface)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("::", port))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
                 socket.inet_pton(socket.AF_INET6, group) + struct.pack("@I", index))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    s.settimeout(timeout)
    ready()
    for _ in range(count):
        try:
            data, ancillary, _, address = s.recvmsg(65535, socket.CMSG_SPACE(4))
        except socket.timeout:
            fail("timed out waiting for a datagram")
        hops = -1
        for level, kind, value in ancillary:
            if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_HOPLIMIT:
                hops = struct.unpack("i", value[:4])[0]
        sequence = struct.unpack("!q", data[:8])[0] if len(data) >= 8 else -1
        print("from %s %d %d %d %d" % (address[0].split("%")[0], address[1], len(data), hops, sequence), flush=True)


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "send":
        send(args[0], int(args[1]), int(args[2]), args[3], args[4])
    elif command == "recv":
        recv(args[0], int(args[1]), int(args[2]), float(args[3]), args[4])
    else:
        fail("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv)
