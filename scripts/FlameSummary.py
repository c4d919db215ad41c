#!/usr/bin/env python3
"""The top frames of an async-profiler profile as text (for scripts/async-profiler.sh's ap_views).

Reads collapsed stacks split by thread (jfr-converter --threads -o collapsed: one line per distinct stack, its frames
from the thread's root to the leaf separated by ';', the first "[NAME tid=N]", then the stack's samples) and prints
the samples by thread, by kind of top frame (Java, the JVM and native libraries, the kernel), by kind of work
(copies, bounds checks, checksums, address tests, the scheduler...: the WORK table), and the frames that
take the most time by self (the leaf: where the CPU was) and by total (anywhere on the stack: what the time was
spent under, counted once per sample however deep the recursion), for all threads and then for each group of
threads whose names contain one of the words given. Frame suffixes: _[j] JIT-compiled, _[i] inlined, _[1] C1,
_[0] interpreted, _[k] kernel; a frame without one is native (the JVM, libc, the project's JNI library).

With PHASES (lines of LABEL=FRAME[&FRAME...]), each group's samples are also put in the first phase all of whose
frames (parts of frame names) are on the stack, e.g. "kick=AfPacketNative.kick" or "wait, switch=await&schedule":
where a round trip's or a packet's time goes, phase by phase (scripts/profile.sh sets them per case).

Usage: [PHASES=...] FlameSummary.py FILE.collapsed [THREAD-WORD...] (TOP=N frames per list, 20 by default)
"""
import collections
import os
import re
import sys

TOP = int(os.environ.get("TOP", "20"))
THREAD = re.compile(r"^\[(.*?)(?: tid=\d+)?\]$")
# Frames under which every sample of a thread runs (its start, JMH's harness, reflection): left out of the totals.
PLUMBING = re.compile(r"^(java\.lang\.Thread\.run|java\.util\.concurrent\.|jdk\.internal\.reflect\."
                      r"|java\.lang\.reflect\.|org\.openjdk\.jmh\.|.*\.jmh_generated\.|start_thread|thread_native_entry"
                      r"|Thread::call_run"
                      r"|JavaThread::|JavaCalls::|call_stub|thread_main_inner|thread_entry)")
# What the CPU was doing, by the leaf frame's name (the first pattern that matches), so that a profile reads as the
# costs a change could remove: copies, bounds checks, checksums, address tests, the scheduler. Kernel samples of a
# context switch or a wakeup land where interrupts are enabled again (finish_task_switch, *_unlock_irqrestore).
WORK = [
    ("copies (arraycopy, ByteBuffer bulk put/get, copy to or from user)",
     r"arraycopy|copyMemory|copy_from_iter|copy_to_iter|copy_user|memcpy|memmove|putBuffer|getArray|putArray"),
    ("bounds and scope checks (Buffer.checkIndex, Preconditions, Buffer.scope)",
     r"checkIndex|Preconditions\.|Buffer\.scope|checkBounds|ScopedMemoryAccess|nextGetIndex|nextPutIndex"),
    ("checksums", r"Checksum\.|csum"),
    ("byte order (convEndian, reverseBytes)", r"convEndian|reverseBytes"),
    ("address tests and lookups (broadcast, local, route, ARP, neighbour)",
     r"isBroadcast|isLocalAddress|isMulticast|RouteTable|Arp|Neighbo|pathMtu|Destination"),
    ("kernel: context switches, wakeups, yields", r"finish_task_switch|schedule|sched_yield|try_to_wake_up"
     r"|_raw_spin_unlock_irq|futex|ttwu|enqueue_task|dequeue_task|pick_next|update_curr|rseq"),
    ("kernel: system call entry and exit, epoll, descriptors", r"(do_syscall_64|entry_SYSCALL|syscall_exit"
     r"|exit_to_user|syscall_enter|x64_sys_call|fdget|fput|__x64_sys|epoll|ep_send|ep_item|ep_poll|_user|user_)"
     r"[^;]*_\[k\]$"),
    ("kernel: networking (AF_PACKET, veth, IP, UDP, TCP, skb, softirq)", r"(packet_|tpacket|veth|skb|netif|net_rx"
     r"|udp|tcp|ip_|ipv4|ip4|dev_|sock|sk_|inet|nf_|neigh|dst_|fib|eth_|napi|sendmsg|recvmsg|backlog|raw_local"
     r"|softirq|bh_enable|kmem_cache|kmalloc|check_object_size|virt_addr_valid)[^;]*_\[k\]$"),
    ("kernel: the rest", r"_\[k\]$"),
    ("the stack's Java (org.jbypass.netstack)", r"^org\.jbypass\.netstack\."),
    ("the provider's Java (org.jbypass.provider)", r"^org\.jbypass\.provider\."),
    ("other Java (JDK, harness)", r"_\[[ji01]\]$"),
    ("the driver's C and libc's system call stubs (jbp_*, syscall, sendmsg)", r"^(jbp_|afp_|tx_|rx_|syscall$"
     r"|__libc_|__GI_|epoll_)"),
    ("JVM and native libraries", r""),
]
WORK = [(name, re.compile(pattern)) for name, pattern in WORK]
KIND = {"_[j]": "Java (compiled)", "_[i]": "Java (compiled)", "_[1]": "Java (C1)", "_[0]": "Java (interpreted)",
        "_[k]": "kernel"}


def work(frame):
    for name, pattern in WORK:
        if pattern.search(frame):
            return name
    return WORK[-1][0]


def kind(frame):
    return KIND.get(frame[-4:], "JVM and native libraries")


def read(path):
    """(thread, frames, samples) for every line."""
    stacks = []
    with open(path, encoding="utf-8", errors="replace") as file:
        for line in file:
            line = line.rstrip("\n")
            head, _, count = line.rpartition(" ")
            if not head or not count.isdigit():
                continue
            frames = head.split(";")
            match = THREAD.match(frames[0])
            thread = match.group(1) if match else "?"
            stacks.append((thread, frames[1:] if match else frames, int(count)))
    return stacks


def table(title, counter, whole):
    print(title)
    for name, n in counter.most_common(TOP):
        print("  %5.1f%% %8d  %s" % (100.0 * n / max(whole, 1), n, name))


PHASES = [line.split("=", 1) for line in os.environ.get("PHASES", "").splitlines() if "=" in line]


def phase(frames):
    text = ";".join(frames)
    for label, marks in PHASES:
        if all(mark in text for mark in marks.split("&")):
            return label
    return "other"


def report(title, stacks, everything):
    whole = sum(n for _, _, n in stacks)
    print("== %s: %d samples, %.1f%% of all ==" % (title, whole, 100.0 * whole / max(everything, 1)))
    kinds = collections.Counter()
    works = collections.Counter()
    phases = collections.Counter()
    own = collections.Counter()
    total = collections.Counter()
    for _, frames, n in stacks:
        if not frames:
            continue
        kinds[kind(frames[-1])] += n
        works[work(frames[-1])] += n
        phases[phase(frames)] += n
        own[frames[-1]] += n
        for frame in set(frames):
            if not PLUMBING.match(frame):
                total[frame] += n
    table("by kind of top frame:", kinds, whole)
    if PHASES:
        table("by phase (the first whose frames are on the stack):", phases, whole)
    table("by kind of work (the top frame's name):", works, whole)
    table("top frames by self time:", own, whole)
    table("top frames by total time (the frame anywhere on the stack; thread start and JMH's harness left out):",
          total, whole)
    print()


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    stacks = read(sys.argv[1])
    words = sys.argv[2:]
    everything = sum(n for _, _, n in stacks)
    threads = collections.Counter()
    for thread, _, n in stacks:
        threads[thread] += n
    print("%s: %d samples in %d threads" % (os.path.basename(sys.argv[1]), everything, len(threads)))
    table("samples by thread:", threads, everything)
    print()
    for word in words:
        report("threads *%s*" % word, [s for s in stacks if word in s[0]], everything)
    report("all threads", stacks, everything)


if __name__ == "__main__":
    main()
