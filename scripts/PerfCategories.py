#!/usr/bin/env python3
"""Where a server JVM's CPU went, from `perf record -g` of the JVM or async-profiler (for scripts/profile-bulk.sh).

Reads `perf script` output of a recording taken with -XX:+PreserveFramePointer and `jcmd PID Compiler.perfmap` (so
that the JIT's frames have names), or async-profiler's collapsed stacks (one line per stack: frames separated by
';', then the samples; a first frame "[THREAD tid=N]" is left out), and puts each sample in the first category whose
marks appear anywhere on its stack, in the order below: the system calls first (what they carry: the kick's send(2)
runs the receiving kernel's path for every frame sent over a veth; recvmsg(2) copies super-frames into pool
buffers), then the copies, the stack's own work, the provider, and last the application's own work (hashing, making
bytes), which the kernel's servers pay alike. Usage: PerfCategories.py perf.data | PerfCategories.py --collapsed
FILE.collapsed
"""
import collections
import subprocess
import sys

CATEGORIES = [
    ("send(2)/sendmsg(2): frames out, with the peer kernel's work for them", ["__send", "sendto", "sendmsg"]),
    ("recvmsg(2): super-frames copied into pool buffers", ["recvmsg"]),
    ("waits and wakeups (poll, futex, yield)", ["ppoll", "epoll", "futex", "sched_yield", "nanosleep"]),
    ("copy: socket ring -> application (ByteRing.readInto)", ["ByteRing.readInto"]),
    ("copy: chain -> socket ring (FrameChain.copyOut)", ["FrameChain.copyOut"]),
    ("copy: application -> send ring (TcpSocket.write)", ["TcpSocket.write"]),
    ("stack: receive, TCP, transmit (pollQueue, poll, flush)", ["pollQueue", "Stack.poll", "Stack.flush"]),
    ("stack lock", ["StackLock"]),
    ("provider: channels, adaptors, selector", ["StackBacking", "BypassSocket", "StackSocketBackend", "ChannelCore",
                                                "HybridSelector"]),
    ("application's own work (SHA-256, making bytes)", ["sha256", "nextBytes", "implCompress", "DigestBase"]),
    ("JIT compilers, GC, VM", ["CompileBroker", "VMThread", "G1", "WorkerThread"]),
]


def category(text):
    for name, marks in CATEGORIES:
        if any(mark in text for mark in marks):
            return name
    return "other"


def collapsed(path):
    """(category, samples) of every stack of a collapsed file."""
    with open(path, encoding="utf-8", errors="replace") as file:
        for line in file:
            head, _, count = line.rstrip("\n").rpartition(" ")
            if head and count.isdigit():
                frames = head.split(";")
                if frames[0].startswith("["):
                    frames = frames[1:]
                yield category(" ".join(frames)), int(count)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--collapsed":
        counts = collections.Counter()
        for name, n in collapsed(sys.argv[2]):
            counts[name] += n
        print_counts(counts, sum(counts.values()))
        return
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    out = subprocess.run(["perf", "script", "-i", sys.argv[1], "-F", "comm,ip,sym"], capture_output=True,
                         text=True, check=True).stdout
    counts = collections.Counter()
    total = 0
    stack = []

    def close():
        nonlocal total
        if not stack:
            return
        total += 1
        counts[category(" ".join(stack))] += 1

    for line in out.splitlines():
        if not line.strip():
            close()
            stack.clear()
        elif line[0] in " \t":
            parts = line.split(None, 1)
            stack.append(parts[1] if len(parts) > 1 else parts[0])
    close()
    print_counts(counts, total)


def print_counts(counts, total):
    for name, n in counts.most_common():
        print("%6.1f%%  %s" % (100.0 * n / max(total, 1), name))
    print("%d samples" % total)


if __name__ == "__main__":
    main()
