#!/usr/bin/env bash
# Benchmark, run on request only (never by the tests): the rows of issue 11's performance table in one command.
#
#   1. TCP goodput over veth (TcpGoodputBenchmark): kernel -> kernel with iperf3 and with the same Java programs
#      the stack's rows use, stack -> kernel and kernel -> stack, with one connection and with four at once; the
#      stack is busy-polled by the test's thread there, so these rows are goodput only;
#   2. the servers' CPU milliseconds (and context switches) per MB for the same two directions, one connection and
#      four, jbypass under -javaagent beside the kernel with the same programs (scripts/bench-apps.sh rows http,
#      http4: stack -> kernel; up, up4: kernel -> stack), with the default blocking poller.
#
# Both with the veth offloads as Linux sets them up (TSO/GSO/GRO on: OFFLOADS=on, the default) or every offload
# off on both ends (OFFLOADS=off), so the table's rows "offloads on" and "offloads off" come from two runs:
#
#   scripts/bench-goodput.sh                        (needs root; builds what it needs)
#   OFFLOADS=off scripts/bench-goodput.sh
#   BYTES=419430400 ROWS=out,in,out4,in4 CPU=0 scripts/bench-goodput.sh    (goodput rows only, 400 MB each)
#   CPU_ARGS='REPEAT=5 HTTP_MB=128' scripts/bench-goodput.sh               (settings for the CPU rows)
#
# The machine's load is printed by each part; compare rows of one run only.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "bench-goodput.sh: run as root (it makes network namespaces and veth pairs)" >&2
  exit 1
fi

OFFLOADS=${OFFLOADS:-on}   # on: the veths as Linux sets them up; off: every offload off on both ends
BYTES=${BYTES:-209715200}  # bytes per connection in the goodput rows
ROWS=${ROWS:-iperf3,java,out,in,iperf3-4,java4,out4,in4}
CPU=${CPU:-1}              # 0: the goodput rows only
CPU_ARGS=${CPU_ARGS:-}     # more settings for bench-apps.sh, e.g. 'REPEAT=5 HTTP_MB=128'
case $OFFLOADS in
  on) goodput_offloads=default ;;
  off) goodput_offloads=off ;;
  *) echo "bench-goodput.sh: OFFLOADS is on or off, not '$OFFLOADS'" >&2; exit 2 ;;
esac

mvn -B -ntp -q -pl java-provider -am test -Dtest=TcpGoodputBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Djbypass.benchmark=true -Djbypass.benchmark.offloads="$goodput_offloads" -Djbypass.benchmark.bytes="$BYTES" \
  -Djbypass.benchmark.rows="$ROWS"
cat java-provider/target/surefire-reports/*TcpGoodputBenchmark-output.txt
if [[ $CPU == 1 ]]; then
  # shellcheck disable=SC2086
  env OFFLOADS="$OFFLOADS" ONLY="http http4 up up4" $CPU_ARGS scripts/bench-apps.sh
fi
