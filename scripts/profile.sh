#!/usr/bin/env bash
# Profiles of the paths issue 12 is about, taken the same way every time, with JFR (the JDK's own profiler: nothing
# to download, so it runs offline and in CI): CPU samples with non-safepoint debug info, allocation samples, and
# every park (jdk.ThreadPark with no threshold), plus the wakeups per message from Linux's own count of each
# thread's voluntary context switches. Run on request only, as root for the veth echo. Results go to
# target/profiles/: NAME.jfr recordings (open them in JDK Mission Control, or `jfr print`/`jfr view`) and NAME.txt
# summaries (scripts/JfrSummary.java: samples by thread, hot methods self and total, allocation by site, parks).
# What they showed and what was done about it: docs/PERFORMANCE.md.
#
#   scripts/profile.sh            all four
#   scripts/profile.sh echo       (a) an unmodified DatagramChannel echo on the stack over a veth, with the
#                                 defaults (UdpEchoLatencyTest's channel row, one JVM, a kernel client; root)
#   scripts/profile.sh nio        (b) in-JVM TCP request/response (TcpRequestResponseBenchmark.roundTrip,
#                                 backend=stack,stack-latency,kernel), with -prof gc and the wakeup profiler
#   scripts/profile.sh stack      (c) the stack's cost per packet over the memory wire (UdpStackBenchmark,
#                                 TcpStackBenchmark), with -prof gc
#   scripts/profile.sh connect    (d) connection churn (ConnectRateBenchmark, connect/request/close with 64 bytes,
#                                 backend=stack,kernel), with -prof gc and the wakeup profiler
#   PROFILE=latency scripts/profile.sh echo      the echo with another profile (default: default)
#   SAMPLES=N scripts/profile.sh echo            round trips timed (default 50000, about 5 s at 50 us apart)
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java scripts/profile.sh nio
#
# The figures in a profiled run are not the benchmark's figures (JFR costs a few percent); compare runs of one
# machine at one time only.
set -euo pipefail
cd "$(dirname "$0")/.."

JAVA=${JAVA:-java}
PROFILE=${PROFILE:-default}
OUT=$PWD/target/profiles
JAR=benchmarks/target/benchmarks.jar
mkdir -p "$OUT"

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

echo_profile()
{
  local rec=$OUT/echo-$PROFILE.jfr
  # The test's forked JVM records from its start; the summary keeps the echo's and the pollers' threads.
  mvn -B -ntp -q -pl java-provider -am test -Dtest=UdpEchoLatencyTest -Dsurefire.failIfNoSpecifiedTests=false \
    -Djbypass.bench.rows=channel -Djbypass.bench.profiles="$PROFILE" -Djbypass.bench.samples="${SAMPLES:-50000}" \
    -Djbypass.test.argLine="-Xmx1g -XX:+UseParallelGC -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
-XX:StartFlightRecording=filename=$rec,settings=$JFC"
  sed -n '/UDP echo round trip/,$p' \
    java-provider/target/surefire-reports/org.jbypass.provider.interop.UdpEchoLatencyTest-output.txt \
    | tee "$OUT/echo-$PROFILE-figures.txt"
  summarise "$rec" "$OUT/echo-$PROFILE.txt" udp-echo jbypass-poller
}

jmh_profile() # NAME REGEX [JMH ARGS...]
{
  local name=$1 regex=$2
  shift 2
  jar
  rm -rf "${OUT:?}/$name"
  "$JAVA" -jar "$JAR" "$regex" -prof gc -prof "jfr:dir=$OUT/$name;configName=$JFC" "$@" \
    -rf json -rff "$OUT/$name.json" | tee "$OUT/$name-figures.txt"
  local rec
  while IFS= read -r rec; do
    local dir
    dir=$(dirname "$rec")
    summarise "$rec" "$dir/summary.txt"
  done < <(find "$OUT/$name" -name '*.jfr' | sort)
}

nio_profile()
{
  jmh_profile nio 'TcpRequestResponseBenchmark\.roundTrip$' -p backend=stack,stack-latency,kernel \
    -prof org.jbypass.benchmarks.WakeupProfiler
}

connect_profile()
{
  jmh_profile connect 'ConnectRateBenchmark' -p backend=stack,kernel -p exchange=64 \
    -prof org.jbypass.benchmarks.WakeupProfiler
}

stack_profile()
{
  jmh_profile stack 'org\.jbypass\.benchmarks\.stack\.'
}

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $("$JAVA" -version 2>&1 | head -1)"
case "${1:-all}" in
  echo)  echo_profile ;;
  nio)   nio_profile ;;
  stack) stack_profile ;;
  connect) connect_profile ;;
  all)   echo_profile; nio_profile; stack_profile; connect_profile ;;
  *)     echo "usage: $0 [echo|nio|stack|connect|all]" >&2; exit 2 ;;
esac
