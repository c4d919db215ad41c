#!/usr/bin/env python3
"""The Linux kernel's side of the interoperability tests: UDP with the kernel's own sockets.

Run inside a KernelPeer's namespace. Every command prints "ready" once its socket is bound, then one line per
event; it exits 0 when everything went as expected and 1 (with the reason on stderr) otherwise. Payloads are made
from a seed (payload()) so that both sides can build the same bytes and compare them, or their SHA-256.

  recv PORT COUNT TIMEOUT             receive COUNT datagrams on PORT: "from IP PORT LENGTH SHA256" for each
  send HOST PORT SIZE COUNT SEED      send COUNT datagrams of SIZE bytes (payload(SEED + i)): "sent LENGTH SHA256"
  echo-server PORT                    send every datagram back to where it came from, until killed
  echo-client HOST PORT SIZES COUNT SEED TIMEOUT
                                      a connected socket sends COUNT datagrams, cycling through the comma-separated
                                      SIZES, each checked byte for byte when it comes back: "echoed COUNT"
  refused HOST PORT TIMEOUT           a connected socket sends to a port nobody serves; the ICMP port unreachable
                                      must fail its next recv with ECONNREFUSED: "refused ERRNO-NAME"
  send-segmented HOST PORT SEGMENT SIZE COUNT SEED
                                      with UDP_SEGMENT (Linux 4.18, udp(7)) at SEGMENT bytes, send COUNT buffers of
                                      SIZE bytes (payload(SEED + i)), each of which the kernel sends as one
                                      super-datagram (or its datagrams): "sent LENGTH SHA256" for each datagram
"""
import errno
import hashlib
import random
import socket
import sys


def payload(seed, size):
    return random.Random(seed).randbytes(size)


def digest(data):
    return hashlib.sha256(data).hexdigest()


def udp_socket(host="0.0.0.0"):
    # An IPv6 literal (it has colons) makes an IPv6 socket; a port to bind with "::" as its host, one bound to ::.
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
    # Room for a burst of 4000-byte datagrams whatever the host's defaults.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    return s


def ready():
    print("ready", flush=True)


def fail(why):
    print(why, file=sys.stderr, flush=True)
    sys.exit(1)


def recv(port, count, timeout):
    s = udp_socket()
    s.bind(("0.0.0.0", port))
    s.settimeout(timeout)
    ready()
    for _ in range(count):
        try:
            data, (host, source_port) = s.recvfrom(65535)
        except socket.timeout:
            fail("timed out waiting for a datagram")
        print("from %s %d %d %s" % (host, source_port, len(data), digest(data)), flush=True)


def send(host, port, size, count, seed):
    s = udp_socket(host)
    s.connect((host, port))
    ready()
    for i in range(count):
        data = payload(seed + i, size)
        s.send(data)
        print("sent %d %s" % (len(data), digest(data)), flush=True)


def echo_server(port, host="0.0.0.0"):
    s = udp_socket(host)
    s.bind((host, port))
    ready()
    while True:
        data, source = s.recvfrom(65535)
        s.sendto(data, source)


def echo_client(host, port, sizes, count, seed, timeout):
    s = udp_socket(host)
    s.connect((host, port))
    s.settimeout(timeout)
    ready()
    for i in range(count):
        data = payload(seed + i, sizes[i % len(sizes)])
        s.send(data)
        try:
            back = s.recv(65535)
        except socket.timeout:
            fail("datagram %d of %d bytes: no echo" % (i, len(data)))
        if back != data:
            fail("datagram %d: sent %d bytes %s, got %d bytes %s" % (i, len(data), digest(data), len(back),
                                                                      digest(back)))
    print("echoed %d" % count, flush=True)


def refused(host, port, timeout):
    s = udp_socket(host)
    s.connect((host, port))
    s.settimeout(timeout)
    ready()
    s.send(b"is anybody there?")
    try:
        s.recv(65535)
    except ConnectionRefusedError as e:
        print("refused %s" % errno.errorcode[e.errno], flush=True)
        return
    except socket.timeout:
        fail("no error within %s s" % timeout)
    fail("a datagram came back from a closed port")


# linux/udp.h: the socket option that makes each send a train of SEGMENT-byte datagrams (GSO), not in Python's
# socket module.
UDP_SEGMENT = 103


def send_segmented(host, port, segment, size, count, seed):
    s = udp_socket(host)
    s.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, segment)
    s.connect((host, port))
    ready()
    for i in range(count):
        data = payload(seed + i, size)
        s.send(data)
        for at in range(0, len(data), segment):
            piece = data[at:at + segment]
            print("sent %d %s" % (len(piece), digest(piece)), flush=True)


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "recv":
        recv(int(args[0]), int(args[1]), float(args[2]))
    elif command == "send":
        send(args[0], int(args[1]), int(args[2]), int(args[3]), int(args[4]))
    elif command == "echo-server":
        echo_server(int(args[0]), *args[1:2])
    elif command == "echo-client":
        echo_client(args[0], int(args[1]), [int(x) for x in args[2].split(",")], int(args[3]), int(args[4]),
                    float(args[5]))
    elif command == "send-segmented":
        send_segmented(args[0], int(args[1]), int(args[2]), int(args[3]), int(args[4]), int(args[5]))
    elif command == "refused":
        refused(args[0], int(args[1]), float(args[2]))
    else:
        fail("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv)
