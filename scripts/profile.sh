#!/usr/bin/env bash
# Profiles of the paths issue 12 is about, taken the same way every time, run on request only (as root for the veth
# echo). Results go to target/profiles/. Two profilers:
#
# - async-profiler (the default): CPU samples of Java, the JVM and the kernel in one stack, every thread, threads in
#   native code and system calls included (scripts/async-profiler.sh fetches it from Maven Central into
#   target/async-profiler/ on first use). Per case: NAME.html, a flame graph with one tower per thread (the echo
#   thread and the poller apart; NAME-threads.html: those threads alone); NAME.collapsed, the same stacks as text;
#   NAME.txt, the samples by phase (the *_PHASES below), by kind of work and the top frames by self and by total
#   time, overall and for the case's own threads (scripts/FlameSummary.py). The recording itself: NAME.jfr
#   (async-profiler's JFR output; JMH's under NAME/).
# - JFR (PROFILER=jfr, or when async-profiler cannot be had: offline, another OS): CPU samples with non-safepoint
#   debug info, allocation samples, and every park (jdk.ThreadPark with no threshold). NAME.jfr recordings (JDK
#   Mission Control, `jfr print`, `jfr view`) and NAME.txt summaries (scripts/JfrSummary.java: samples by thread, hot
#   methods self and total, allocation by site, parks).
# Both add the wakeups per message from Linux's own count of each thread's voluntary context switches, and the run's
# figures in NAME-figures.txt. What they showed and what was done about it: docs/PERFORMANCE.md, section (h) for the
# flame graphs.
#
#   scripts/profile.sh            every case below, as root: the echo with the defaults and with the latency
#                                 profile, nio, stack, connect, and bulk (about 10 minutes)
#   scripts/profile.sh echo       (a) an unmodified DatagramChannel echo on the stack over a veth, with the
#                                 defaults (UdpEchoLatencyTest's channel and kernel rows, a kernel client; root)
#   scripts/profile.sh nio        (b) in-JVM TCP request/response (TcpRequestResponseBenchmark.roundTrip,
#                                 backend=stack,stack-latency,kernel, IPv4), with -prof gc and the wakeup profiler
#   scripts/profile.sh stack      (c) the stack's cost per packet over the memory wire: UDP 64 B
#                                 (UdpStackBenchmark.burstOf32, payload=64) and TCP MSS segments
#                                 (TcpStackBenchmark.burstOf16, gro=false), checksums=software,offload, with -prof gc
#   scripts/profile.sh connect    (d) connection churn (ConnectRateBenchmark, connect/request/close with 64 bytes,
#                                 backend=stack,kernel), with -prof gc and the wakeup profiler
#   scripts/profile.sh bulk       (f) scripts/profile-bulk.sh up, down and echo: a bulk transfer's server over veth
#                                 (root; MB=, REPEAT=, WARMUP_MB= as there)
#   PROFILE=latency scripts/profile.sh echo      the echo with another profile (default: default)
#   SAMPLES=N scripts/profile.sh echo            round trips timed (default 50000, about 5 s at 50 us apart)
#   ROWS=channel scripts/profile.sh echo         the test's rows (default channel,kernel: the kernel's own echo,
#                                                another process, timed in the same run for the ratio)
#   SECONDS=1 ROUNDS=3 WARMUP=2 scripts/profile.sh nio
#                                 JMH's iteration length in seconds (default 2), measured iterations (5) and warm-up
#                                 iterations (3): the profile covers the measured ones only
#   CHECKSUMS=offload scripts/profile.sh stack   the stack case's checksums (default software,offload)
#   INTERVAL=1ms scripts/profile.sh              async-profiler's sampling interval of CPU time (default 200us)
#   PROFILER=jfr scripts/profile.sh              JFR instead of async-profiler
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java scripts/profile.sh nio
#
# The figures in a profiled run are not the benchmark's figures (a profiler costs a few percent); compare runs of one
# machine at one time only. On a shared machine, say how loaded it was (the first line printed).
set -euo pipefail
iteration_seconds=$SECONDS   # bash counts SECONDS up from the value it was given: read it first
((iteration_seconds > 0)) || iteration_seconds=2
cd "$(dirname "$0")/.."

JAVA=${JAVA:-java}
PROFILE=${PROFILE:-default}
PROFILER=${PROFILER:-async}
ROUNDS=${ROUNDS:-5}
WARMUP=${WARMUP:-3}
CHECKSUMS=${CHECKSUMS:-software,offload}
OUT=$PWD/target/profiles
JAR=benchmarks/target/benchmarks.jar
mkdir -p "$OUT"
# shellcheck source=scripts/async-profiler.sh
source scripts/async-profiler.sh
case $PROFILER in
  async) ap_setup || PROFILER=jfr ;;
  jfr) ;;
  *) echo "PROFILER: async or jfr, not $PROFILER" >&2; exit 2 ;;
esac

# JFR's "profile" settings, with every park recorded (the default threshold hides the short ones that matter) and
# Java samples every millisecond (10 ms gives too few in a short run of threads that mostly wait).
JFC=$OUT/jbypass.jfc
"$(dirname "$(readlink -f "$(command -v "$JAVA")")")/jfr" configure --input profile \
  'jdk.ThreadPark#threshold=0ms' 'jdk.ThreadPark#stackTrace=true' 'jdk.ExecutionSample#period=1ms' \
  --output "$JFC" >/dev/null

summarise() # RECORDING SUMMARY [THREAD-PREFIX...]
{
  local recording=$1 summary=$2
  shift 2
  "$JAVA" scripts/JfrSummary.java "$recording" "$@" > "$summary"
  echo "profile: $recording"
  echo "summary: $summary"
}

jar()
{
  if [[ ! -f $JAR ]]; then
    mvn -B -q -ntp -DskipTests -pl benchmarks -am package
  fi
}

# Phases of the cases' time for the summaries (scripts/FlameSummary.py: the first phase whose frames are all on a
# sample's stack), as docs/PERFORMANCE.md (h) reads them.
ECHO_PHASES='spin: yielding the core=sched_yield
spin: looking at the ring=receiveReady
wait: the switch=AfPacketNative.await&schedule
wait: the rest=AfPacketNative.await
kick: preempted at the system call exit=AfPacketNative.kick&exit_to_user_mode_loop
kick: the client woken=AfPacketNative.kick&sock_def_readable
kick: transmit, veth, the client kernel receive=AfPacketNative.kick
stack input under the ring poll=pollQueue
ring poll, the rest=StackLock.pollRing
stack send=UdpSocket.send
channel receive, the rest=StackDatagramBackend.receive
channel send, the rest=StackDatagramBackend.send
lock and wait, the rest=StackLock'
UDP_PHASES='receive: B (Ethernet, IPv4, UDP, the datagram queue)=NetInterface.receive
send: A (UdpSocket.send: checks, route, headers, the payload copy)=UdpSocket.send
transmit: A to the wire (flush, MemoryWire copy)=MemoryWire$Port.transmit
receive: the application on B (UdpSocket.receive)=UdpSocket.receive
step, the rest=TwoStacks.step'
TCP_PHASES='receive: B the segments, A the ACKs (Ethernet, IPv4, TCP, receive ring)=NetInterface.receive
write: A (TcpSocket.write: the copy into the send ring, TcpOutput)=TcpSocket.write
transmit: A to the wire (flush, MemoryWire copy)=MemoryWire$Port.transmit
read: the application on B (TcpSocket.read)=TcpSocket.read
step, the rest=TwoStacks.step'

echo_profile() # [PROFILE]
{
  local PROFILE=${1:-$PROFILE}
  local rec=$OUT/echo-$PROFILE.jfr profiler
  local -x PHASES=$ECHO_PHASES
  if [[ $PROFILER == async ]]; then
    profiler=$(ap_agent "$rec")
  else
    profiler="-XX:StartFlightRecording=filename=$rec,settings=$JFC"
  fi
  rm -f "$rec"
  # The test's forked JVM records from its start to its exit.
  mvn -B -ntp -q -pl java-provider -am test -Dtest=UdpEchoLatencyTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Djbypass.bench.rows="${ROWS:-channel,kernel}" -Djbypass.bench.profiles="$PROFILE" \
    -Djbypass.bench.samples="${SAMPLES:-50000}" \
    -Djbypass.test.argLine="-Xmx1g -XX:+UseParallelGC -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
$profiler"
  sed -n '/UDP echo round trip/,$p' \
    java-provider/target/surefire-reports/org.jbypass.provider.interop.UdpEchoLatencyTest-output.txt \
    | tee "$OUT/echo-$PROFILE-figures.txt"
  # The echo's thread and the pollers apart; the rest of the JVM (the test's setup, the JIT) in "all threads".
  if [[ $PROFILER == async ]]; then
    ap_views "$rec" "$OUT/echo-$PROFILE" "echo over veth, profile=$PROFILE: $(date -u +%F), $(build)" \
      udp-echo jbypass-poller
  else
    summarise "$rec" "$OUT/echo-$PROFILE.txt" udp-echo jbypass-poller
  fi
}

build() # the commit profiled, for the graphs' titles
{
  echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo +)"
}

jmh_profile() # NAME THREADS REGEX [JMH ARGS...]: THREADS, space-separated, are the summary's own groups
{
  local name=$1 threads=$2 regex=$3
  shift 3
  jar
  rm -rf "${OUT:?}/$name"
  local profiler
  if [[ $PROFILER == async ]]; then
    profiler=$(ap_jmh "$OUT/$name")
  else
    profiler="jfr:dir=$OUT/$name;configName=$JFC"
  fi
  "$JAVA" -jar "$JAR" "$regex" -prof gc -prof "$profiler" "$@" \
    -jvmArgsPrepend '-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints' \
    -w "${iteration_seconds}s" -r "${iteration_seconds}s" -wi "$WARMUP" -i "$ROUNDS" \
    -rf json -rff "$OUT/$name.json" | tee "$OUT/$name-figures.txt"
  local rec
  while IFS= read -r rec; do
    local dir case
    dir=$(dirname "$rec")
    if [[ $PROFILER == async ]]; then
      # org.jbypass.benchmarks.nio.TcpRequestResponseBenchmark.roundTrip-Throughput-backend-stack -> the part after
      # the package, beside the recording's directory.
      case=$(basename "$dir" | sed 's/^org\.jbypass\.\([a-z]*\.\)*//')
      # shellcheck disable=SC2086
      ap_views "$rec" "$OUT/$name/$case" "$case: $(date -u +%F), $(build)" $threads
    else
      summarise "$rec" "$dir/summary.txt"
    fi
  done < <(find "$OUT/$name" -name '*.jfr' | sort)
}

nio_profile()
{
  jmh_profile nio 'jmh-worker tcp-echo-server jbypass-poller' 'TcpRequestResponseBenchmark\.roundTrip$' \
    -p backend=stack,stack-latency,kernel -p family=ipv4 -prof org.jbypass.benchmarks.WakeupProfiler
}

connect_profile()
{
  jmh_profile connect 'jmh-worker accept-loop jbypass-poller' 'ConnectRateBenchmark' -p backend=stack,kernel \
    -p exchange=64 -prof org.jbypass.benchmarks.WakeupProfiler
}

stack_profile()
{
  # One thread drives both stacks, the JMH worker's. UDP 64 B and TCP MSS segments, the issue's 100 ns rows.
  PHASES=$UDP_PHASES jmh_profile stack-udp jmh-worker 'stack\.UdpStackBenchmark\.burstOf32' -p payload=64 \
    -p checksums="$CHECKSUMS"
  PHASES=$TCP_PHASES jmh_profile stack-tcp jmh-worker 'stack\.TcpStackBenchmark\.burstOf16' -p gro=false \
    -p checksums="$CHECKSUMS"
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $PROFILER; build $(build);" \
  "$("$JAVA" -version 2>&1 | head -1)"
bulk_profile()
{
  local mode
  for mode in up down echo; do
    PROFILER=$([[ $PROFILER == async ]] && echo async || echo perf) scripts/profile-bulk.sh "$mode"
  done
}

case "${1:-all}" in
  echo)  echo_profile ;;
  nio)   nio_profile ;;
  stack) stack_profile ;;
  connect) connect_profile ;;
  bulk)  bulk_profile ;;
  all)   echo_profile default; echo_profile latency; nio_profile; stack_profile; connect_profile; bulk_profile ;;
  *)     echo "usage: $0 [echo|nio|stack|connect|bulk|all]" >&2; exit 2 ;;
esac
