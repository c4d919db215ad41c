#!/usr/bin/env bash
# Profile of a bulk transfer's server (docs/PERFORMANCE.md, section f), run on request only, as root: an unmodified
# sample server under -javaagent on the stack, and the same server on the kernel, each behind a veth pair with the
# offloads Linux sets up, a kernel client in a namespace moving MB megabytes REPEAT times to each. Prints per run the
# MB/s, the server JVM's CPU ms and context switches per MB (from /proc), the same per thread for the stack's server,
# and the frames per MB each way on the veth (data and ACKs). The last run of the stack's server is profiled, Java,
# the JVM and the kernel in one stack, and summarised by category (scripts/PerfCategories.py): which system call,
# which copy, the stack, the provider, the application's own work. Two profilers:
#
# - async-profiler (the default; scripts/async-profiler.sh fetches it from Maven Central into target/async-profiler/
#   on first use), loaded into the server JVM for that run only (`jcmd PID JVMTI.agent_load`): bulk-MODE.html, a
#   flame graph with one tower per thread (bulk-MODE-threads.html: the server's own threads, no JIT);
#   bulk-MODE.collapsed; bulk-MODE.txt's summary of the top frames by self and total time per thread
#   (scripts/FlameSummary.py) after the figures; the recording bulk-MODE.jfr.
# - perf (PROFILER=perf, or when async-profiler cannot be had): `perf record -g` with the JVM on
#   -XX:+PreserveFramePointer and its JIT's symbols from `jcmd PID Compiler.perfmap`: bulk-MODE.perf.data.
#
#   scripts/profile-bulk.sh up        curl uploads to HttpServerSample (kernel -> stack; the server hashes the body)
#   scripts/profile-bulk.sh down      curl downloads from HttpServerSample (stack -> kernel)
#   scripts/profile-bulk.sh echo      TcpEchoClient through TcpEchoServer (both ways)
#   MB=512 REPEAT=4 JAR=/tmp/other/jbypass.jar PROPS='interface.veth.tx-ring = false' scripts/profile-bulk.sh up
#   PROFILER=perf scripts/profile-bulk.sh down       perf instead of async-profiler
#   INTERVAL=100us scripts/profile-bulk.sh echo      async-profiler's sampling interval of CPU time (default 200us)
#   ACKS=1 scripts/profile-bulk.sh echo   also captures the client's end (tcpdump, headers only) in the runs not
#                                         profiled and prints the frames per MB without payload each way (pure ACKs
#                                         and window updates); the capture costs CPU in whichever thread sends
#   JVM_OPTS='-XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=/tmp/c.log' scripts/profile-bulk.sh echo
#                                         options for the stack's server JVM: here the JIT's log, whose stamps
#                                         (seconds since the JVM started) match the "up" printed with each run
#   SYSCALLS=1 scripts/profile-bulk.sh echo  also counts the server JVM's system calls per MB in the runs not
#                                         profiled (perf stat on the syscalls tracepoints: sends, receives, waits)
#
# Results in target/profiles/bulk-MODE.*. WARMUP (3) untimed transfers to each server,
# and more until WARMUP_MB (1536) moved, come first (with super-frames the stack's TCP paths reach C2 only after
# about 1 GB, and "JIT compilers" then fills the profile);
# compare the stack and the kernel of one run only.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "profile-bulk.sh: run as root (it makes network namespaces and veth pairs)" >&2
  exit 1
fi
MODE=${1:-up}
MB=${MB:-256}
REPEAT=${REPEAT:-3}
WARMUP=${WARMUP:-3}   # untimed transfers to each server first, for the JIT
WARMUP_MB=${WARMUP_MB:-1536}  # and more until this many MB moved (bench-apps.sh says why)
JAVA=${JAVA:-java}
JAR=${JAR:-java-provider/target/jbypass.jar}
PROPS=${PROPS:-}
JVM_OPTS=${JVM_OPTS:-}
ACKS=${ACKS:-0}
SYSCALLS=${SYSCALLS:-0}
SYSCALL_EVENTS=sendmsg,sendto,recvmsg,recvfrom,read,write,epoll_wait,epoll_pwait,epoll_pwait2,ppoll,futex,sched_yield
SAMPLES=samples/target/samples.jar
OUT=$PWD/target/profiles
PROFILER=${PROFILER:-async}
mkdir -p "$OUT"
case $MODE in
  up|down) main=org.jbypass.samples.HttpServerSample; port=8080; threads="HTTP-Dispatcher pool- jbypass-poller" ;;
  echo) main=org.jbypass.samples.TcpEchoServer; port=7000; threads="main jbypass-poller" ;;
  *) echo "usage: $0 [up|down|echo]" >&2; exit 2 ;;
esac
# shellcheck source=scripts/async-profiler.sh
source scripts/async-profiler.sh
case $PROFILER in
  async) ap_setup || PROFILER=perf ;;
  perf) ;;
  *) echo "PROFILER: async or perf, not $PROFILER" >&2; exit 2 ;;
esac
if [[ $PROFILER == perf ]] && ! command -v perf >/dev/null; then
  echo "profile-bulk.sh: needs async-profiler or perf (linux-tools)" >&2
  exit 1
fi
rm -f "$OUT/bulk-$MODE".{jfr,html,collapsed,perf.data} "$OUT/bulk-$MODE-threads.html"
if [[ ! -f $JAR || ! -f $SAMPLES ]]; then
  mvn -B -q -ntp -DskipTests package
fi

suffix=$(printf '%04x' $((RANDOM)))
nsc=jbpf${suffix}c; nss=jbpf${suffix}s; nsk=jbpf${suffix}k
work=$(mktemp -d /tmp/jbypass-profile.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in "$nsc" "$nss" "$nsk"; do ip netns delete "$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
for n in $nsc $nss $nsk; do
  ip netns add "$n"
  ip netns exec "$n" ip link set lo up
  ip netns exec "$n" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
done
# The stack's veth pair (its end without an address: the stack owns it) and the kernel's.
ip link add "${nss}0" netns "$nss" type veth peer name "${nsc}0" netns "$nsc"
ip netns exec "$nss" ip link set "${nss}0" arp off up
ip netns exec "$nsc" ip address add 198.18.77.1/24 dev "${nsc}0"
ip netns exec "$nsc" ip link set "${nsc}0" up
ip link add "${nsk}0" netns "$nsk" type veth peer name "${nsc}1" netns "$nsc"
ip netns exec "$nsk" ip address add 198.19.77.2/24 dev "${nsk}0"
ip netns exec "$nsk" ip link set "${nsk}0" up
ip netns exec "$nsc" ip address add 198.19.77.1/24 dev "${nsc}1"
ip netns exec "$nsc" ip link set "${nsc}1" up
cat > "$work/stack.properties" <<EOF
interface.veth.driver = afpacket
interface.veth.host-if = ${nss}0
interface.veth.address = 198.18.77.2/24
$(printf '%b' "$PROPS")
EOF
# Frame pointers for perf's stacks; for async-profiler, debug information at every instruction (DebugNonSafepoints,
# on by itself only when the agent is loaded at start-up) so that inlined frames are placed right. JVM_OPTS after.
# shellcheck disable=SC2086
ip netns exec "$nss" "$JAVA" -XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
  $JVM_OPTS "-javaagent:$JAR=config=$work/stack.properties" \
  -cp "$SAMPLES" $main 198.18.77.2 $port >"$work/stack.log" 2>&1 &
pids+=($!); stack_pid=$!
ip netns exec "$nsk" "$JAVA" -cp "$SAMPLES" $main 198.19.77.2 $port >"$work/kernel.log" 2>&1 &
pids+=($!); kernel_pid=$!
for _ in $(seq 1 300); do
  grep -q "listening on" "$work/stack.log" && grep -q "listening on" "$work/kernel.log" && break
  sleep 0.1
done
[[ $MODE == up ]] && head -c $((MB << 20)) /dev/urandom >"$work/upload.bin"

transfer() { # ADDRESS: one transfer, its MB/s
  case $MODE in
    up) ip netns exec "$nsc" curl -sS --max-time 300 -T "$work/upload.bin" -X POST -H 'Expect:' \
          -H 'Content-Type: application/octet-stream' -w '\n%{speed_upload}\n' "http://$1:$port/sha256" \
          | tail -1 | awk '{printf "%.1f MB/s", $1 / 1e6}' ;;
    down) ip netns exec "$nsc" curl -sS --max-time 300 -o /dev/null -w '%{speed_download}\n' \
          "http://$1:$port/bytes?n=$((MB << 20))" | awk '{printf "%.1f MB/s", $1 / 1e6}' ;;
    echo) ip netns exec "$nsc" "$JAVA" -cp "$SAMPLES" org.jbypass.samples.TcpEchoClient "$1" $port "$MB" \
          | sed -n 's/.*(\([0-9.]*\) MB\/s each way): identical.*/\1 MB\/s each way/p' ;;
  esac
}
hz=$(getconf CLK_TCK)
process() { # PID: CPU ticks and context switches of every thread
  echo "$(awk '{print $14 + $15}' "/proc/$1/stat") $(cat /proc/"$1"/task/*/status \
    | awk '/^(non)?voluntary_ctxt_switches/ {n += $2} END {print n}')"
}
threads() { # PID: per thread, tid|name|voluntary involuntary|ticks
  for t in /proc/"$1"/task/*; do
    echo "${t##*/}|$(cat "$t/comm")|$(awk '/^voluntary_ctxt/ {v = $2} /^nonvoluntary_ctxt/ {n = $2} END {print v, n}' \
      "$t/status")|$(awk '{print $14 + $15}' "$t/stat")"
  done
}
frames() { # IF: tx and rx packets of the client's end
  ip netns exec "$nsc" cat "/sys/class/net/$1/statistics/tx_packets" "/sys/class/net/$1/statistics/rx_packets" \
    | tr '\n' ' '
}
# Frames without TCP payload (pure ACKs, window updates) per MB, each way, in a capture of the client's end.
empty_frames() { # PCAP ADDRESS: "client -> server" and "server -> client" counts
  local empty='tcp and (ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2)) == 0'
  echo "$(tcpdump -nn -r "$1" "dst host $2 and $empty" 2>/dev/null | wc -l)" \
    "$(tcpdump -nn -r "$1" "src host $2 and $empty" 2>/dev/null | wc -l)"
}
uptime_of() { # PID: seconds since the process started
  awk -v hz="$hz" -v start="$(awk '{print $22}' "/proc/$1/stat")" '{printf "%.0f", $1 - start / hz}' /proc/uptime
}
measure() { # NAME PID ADDRESS IF [PERF]
  local before after f0 f1 t0 perf_pid="" dump_pid="" stat_pid=""
  before=$(process "$2"); f0=$(frames "$4"); t0=$(threads "$2")
  if [[ $ACKS == 1 && ${5:-} != profile ]]; then
    ip netns exec "$nsc" tcpdump -i "$4" -s 96 -nn -w "$work/acks.pcap" tcp >/dev/null 2>&1 &
    dump_pid=$!
    sleep 0.5
  fi
  if [[ $SYSCALLS == 1 && ${5:-} != profile ]]; then
    perf stat --per-thread -x, -o "$work/syscalls.csv" \
      -e "$(sed 's/\([a-z_0-9]*\)/syscalls:sys_enter_\1/g' <<<"$SYSCALL_EVENTS")" -p "$2" >/dev/null 2>&1 &
    stat_pid=$!
    sleep 0.5
  fi
  if [[ ${5:-} == profile && $PROFILER == async ]]; then
    ap_attach_start "$2" "$OUT/bulk-$MODE.jfr"
  elif [[ ${5:-} == profile ]]; then
    jcmd "$2" Compiler.perfmap >/dev/null 2>&1 || true
    perf record -F 4999 -g -p "$2" -o "$OUT/bulk-$MODE.perf.data" >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.5
  fi
  printf '%-7s (up %ss) %s' "$1" "$(uptime_of "$2")" "$(transfer "$3")"
  if [[ ${5:-} == profile && $PROFILER == async ]]; then
    ap_attach_stop "$2"
  elif [[ -n $perf_pid ]]; then
    kill -INT "$perf_pid"; wait "$perf_pid" || true
    jcmd "$2" Compiler.perfmap >/dev/null 2>&1 || true
  fi
  after=$(process "$2"); f1=$(frames "$4")
  awk -v b="$before" -v a="$after" -v x="$f0" -v y="$f1" -v mb="$MB" -v hz="$hz" 'BEGIN {
    split(b, p, " "); split(a, q, " "); split(x, r, " "); split(y, s, " ");
    printf ", server %.2f CPU ms/MB, %.1f switches/MB; frames/MB client -> server %.1f, server -> client %.1f\n",
      (q[1] - p[1]) * 1000 / hz / mb, (q[2] - p[2]) / mb, (s[1] - r[1]) / mb, (s[2] - r[2]) / mb }'
  if [[ -n $stat_pid ]]; then
    kill -INT "$stat_pid"; wait "$stat_pid" || true
    # Per thread name (the thread id after the last dash dropped), then for the whole JVM.
    awk -F, -v mb="$MB" '$4 ~ /^syscalls:sys_enter_/ && $2 + 0 > 0 {
        name = $1; sub(/-[0-9]+$/, "", name); call = $4; sub(/^syscalls:sys_enter_/, "", call);
        n[name SUBSEP call] += $2; all[call] += $2; threads[name] = 1 }
      END {
        for (t in threads) { line = ""; for (k in n) { split(k, x, SUBSEP); if (x[1] == t)
          line = line sprintf(" %s %.1f", x[2], n[k] / mb) }
          printf "          system calls/MB, %-16s%s\n", t ":", line }
        line = ""; for (c in all) line = line sprintf(" %s %.1f", c, all[c] / mb);
        printf "          system calls/MB, %-16s%s\n", "all threads:", line }' "$work/syscalls.csv"
  fi
  if [[ -n $dump_pid ]]; then
    sleep 0.2; kill -INT "$dump_pid"; wait "$dump_pid" || true
    awk -v e="$(empty_frames "$work/acks.pcap" "$3")" -v mb="$MB" 'BEGIN {split(e, x, " ");
      printf "          frames/MB without payload: client -> server %.1f, server -> client %.1f\n",
        x[1] / mb, x[2] / mb}'
  fi
  if [[ $1 == stack ]]; then
    # Threads alive at both readings, matched by thread id.
    { echo "$t0"; echo "--"; threads "$2"; } | awk -F'|' -v mb="$MB" -v hz="$hz" '
      $0 == "--" { after = 1; next }
      !after { sw[$1] = $3; ticks[$1] = $4; next }
      ($1 in sw) {
        split(sw[$1], a, " "); split($3, b, " ");
        v = (b[1] - a[1]) / mb; n = (b[2] - a[2]) / mb; c = ($4 - ticks[$1]) * 1000 / hz / mb;
        if (v + n + c >= 0.05)
          printf "          %-16s %5.1f voluntary, %5.1f involuntary switches/MB, %.2f CPU ms/MB\n", $2, v, n, c }'
  fi
}
{
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $MODE, $MB MB x $REPEAT, warm-up $WARMUP_MB MB;" \
    "$("$JAVA" -version 2>&1 | head -1)"
  rounds=$(awk -v w="$WARMUP" -v mb="$WARMUP_MB" -v r="$MB" 'BEGIN {n = int((mb + r - 1) / r); print (n > w ? n : w)}')
  for _ in $(seq 1 "$rounds"); do transfer 198.18.77.2 >/dev/null; transfer 198.19.77.2 >/dev/null; done
  for i in $(seq 1 "$REPEAT"); do
    measure stack "$stack_pid" 198.18.77.2 "${nsc}0" "$([[ $i == "$REPEAT" ]] && echo profile)"
    measure kernel "$kernel_pid" 198.19.77.2 "${nsc}1"
  done
  echo "where the stack's server spent its CPU in the last run ($PROFILER samples by category):"
  if [[ $PROFILER == async ]]; then
    # shellcheck disable=SC2086
    ap_views "$OUT/bulk-$MODE.jfr" "$OUT/bulk-$MODE-flame" \
      "bulk $MODE, the stack's server: $(date -u +%F), $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
      $threads >/dev/null
    python3 scripts/PerfCategories.py --collapsed "$OUT/bulk-$MODE-flame.collapsed"
    cat "$OUT/bulk-$MODE-flame.txt"
  else
    python3 scripts/PerfCategories.py "$OUT/bulk-$MODE.perf.data"
  fi
} | tee "$OUT/bulk-$MODE.txt"
if [[ $PROFILER == async ]]; then
  mv "$OUT/bulk-$MODE-flame.html" "$OUT/bulk-$MODE.html"
  mv "$OUT/bulk-$MODE-flame-threads.html" "$OUT/bulk-$MODE-threads.html"
  mv "$OUT/bulk-$MODE-flame.collapsed" "$OUT/bulk-$MODE.collapsed"
  rm -f "$OUT/bulk-$MODE-flame.txt"
  echo "flame graph: $OUT/bulk-$MODE.html (the server's own threads: $OUT/bulk-$MODE-threads.html);" \
    "summary: $OUT/bulk-$MODE.txt"
else
  echo "profile: $OUT/bulk-$MODE.perf.data (perf report -i ...); summary: $OUT/bulk-$MODE.txt"
fi
