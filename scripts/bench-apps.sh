#!/usr/bin/env bash
# Benchmark, run on request only (never by the tests): unmodified sample programs served by the jbypass stack
# under -javaagent, beside the same programs served by the kernel, in the same run, over the same kind of veth pair
# (MTU 1500, offloads as Linux sets them up, or off with OFFLOADS=off). Clients always run on the kernel, in a
# network namespace.
#
#   jbypass: [client, kernel, namespace C] --veth--> [stack end in namespace S; server JVM under the agent]
#            (one veth pair per server)
#   kernel:  [client, kernel, namespace C] --veth--> [kernel, namespace K; server JVM without the agent]
#
# Figures, each repeated REPEAT times, alternating jbypass and kernel, medians printed (ONLY= picks some):
#   - echo: TcpEchoClient streams ECHO_MB through TcpEchoServer (one selector thread) and checks the SHA-256;
#     its MB/s each way, timed by the client from connect to the last byte back;
#   - echo4: CONNS such clients at once (CONNS connections, 4 by default), ECHO_MB each; the sum of their MB/s each
#     way (each timed by its client, as iperf3 -P sums its streams);
#   - http: curl downloads HTTP_MB from HttpServerSample (the JDK's HttpServer): server -> client; curl's
#     speed_download;
#   - http4: CONNS such downloads at once; all their bytes over the time from the first start to the last end;
#   - up: curl uploads HTTP_MB (POST /sha256, streamed with -T): client -> server, the server's SHA-256 of the body
#     checked against the file's; curl's speed_upload;
#   - up4: CONNS such uploads at once, timed as http4;
#   - udp: UdpPingPong ping sends UDP_PINGS 12-byte datagrams one at a time; the median round trip.
# So with the stack as the server: stack -> kernel (http, http4), kernel -> stack (up, up4), both at once (echo,
# echo4), one connection and CONNS.
#
#   scripts/bench-apps.sh                         (needs root; builds the jars if missing)
#   REPEAT=7 ECHO_MB=64 HTTP_MB=64 IDLE=block scripts/bench-apps.sh
#   WARMUP=5 scripts/bench-apps.sh                (untimed rounds per server first, 3 by default, and at least
#                                                 WARMUP_MB (1536) each way per kind of row)
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java scripts/bench-apps.sh
#   JFR_DIR=/tmp/jfr ONLY=echo scripts/bench-apps.sh   (flight recordings of the servers, for jfr print)
#   JAR_B=/tmp/old/jbypass.jar scripts/bench-apps.sh    (a second jbypass build beside the first: before/after)
#   JAR_B=$PWD/java-provider/target/jbypass.jar STACK_PROPS_B='interface.veth.tx-ring = false' scripts/bench-apps.sh
#
# Beside each figure: the server JVM's CPU milliseconds and context switches per MB it moved (both ways for the echo,
# request and reply for UDP), from /proc (user + system time of every thread of the JVM: for jbypass the pollers
# and the application; for the kernel the application's system calls, and whatever softirq work the kernel charged
# to its threads, which it does not always: compare with care), which are steadier than the figures on a loaded
# machine. The settings are printed first.
#
# The machine is shared and noisy: look at the load printed first, and compare medians of the same run only.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "bench-apps.sh: run as root (it makes network namespaces and veth pairs)" >&2
  exit 1
fi

JAVA=${JAVA:-java}
REPEAT=${REPEAT:-5}
ECHO_MB=${ECHO_MB:-64}
HTTP_MB=${HTTP_MB:-64}
UDP_PINGS=${UDP_PINGS:-20000}
# Untimed rounds per server before the measured ones, so that the JIT has compiled the hot paths: jbypass runs the
# stack's Java code where the kernel's servers run a few system calls, and on 2 loaded cores C2 took tens of
# seconds to reach the stack's TCP output and input (its compiler thread was a third of the server's CPU in the
# fourth 256 MB echo), which a single warm-up round left inside the stack's CPU per MB.
WARMUP=${WARMUP:-3}
# And at least WARMUP_MB megabytes each way per row kind before measuring it. The JIT counts invocations, and with
# super-frames the stack's per-segment code runs some 20 times per MB where it ran 700 times with 1500-byte frames:
# C2 reached the stack's TCP input only after about 1 GB of upload (at 64 MB a round, three rounds left the stack
# in C1's profiled code, and its C2 thread compiling, for every measured round: 4.7 CPU ms/MB against 1.5 once
# warm). docs/PERFORMANCE.md (f) has the figures.
WARMUP_MB=${WARMUP_MB:-1536}
CONNS=${CONNS:-4}   # connections at once in the echo4, http4 and up4 rows
IDLE=${IDLE:-block}
OFFLOADS=${OFFLOADS:-on}   # on: the veths as Linux sets them up (TSO/GSO/GRO); off: every offload off on both ends
STACK_PROPS=${STACK_PROPS:-}   # more lines for the stacks' jbypass.properties, e.g. 'interface.veth.tx-ring = false'
JVM_OPTS=${JVM_OPTS:-}
JFR_DIR=${JFR_DIR:-}   # a directory: each server JVM records a flight recording NAME.jfr there (profile settings)
ONLY=${ONLY:-echo echo4 http http4 up up4 udp}   # which figures to measure
JAR=${JAR:-java-provider/target/jbypass.jar}
JAR_B=${JAR_B:-}   # another jbypass.jar, measured in the same run as JAR (rows "jbypass B")
STACK_PROPS_B=${STACK_PROPS_B:-$STACK_PROPS}   # STACK_PROPS for JAR_B's stacks, to compare two configurations
SAMPLES=samples/target/samples.jar
if [[ ! -f $JAR || ! -f $SAMPLES ]]; then
  mvn -B -q -ntp -DskipTests package
fi

suffix=$(printf '%04x' $((RANDOM)))
nsc=jbpb${suffix}c   # the clients' kernel
nss=jbpb${suffix}s   # jbypass's servers (the stack's end of the veth)
nsk=jbpb${suffix}k   # the kernel's servers
octet=$((100 + RANDOM % 90))
kernel_net=198.19.$octet
work=$(mktemp -d /tmp/jbypass-bench.XXXXXX)
pids=()

cleanup() {
  for p in "${pids[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in "$nsc" "$nss" "$nsk"; do ip netns delete "$n" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

quiet_ns() { # NS: a namespace with loopback up and no IPv6 chatter
  ip netns add "$1"
  ip netns exec "$1" ip link set lo up
  ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
  ip netns exec "$1" sysctl -q -w net.ipv6.conf.default.disable_ipv6=1
}
offloads_off() { # NS IF: with OFFLOADS=off only; by default the veths keep the offloads Linux sets up
  [[ "$OFFLOADS" == off ]] || return 0
  ip netns exec "$1" ethtool -K "$2" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
}
quiet_ns "$nsc"; quiet_ns "$nss"; quiet_ns "$nsk"
# Variants: j (JAR), b (JAR_B) and k (the kernel). Each stack server has a veth pair of its own (an AF_PACKET
# socket sees every frame of its netdev, so servers sharing one would each copy the others' frames); the stack's
# end has no address and no ARP: the stack owns it. Server INDEX of the stacks is at 198.18.(octet+INDEX).2.
variants="j"; [[ -n $JAR_B ]] && variants="j b"
apps="echo http udp"
declare -A jar=([j]=$JAR [b]=$JAR_B) address
i=0
for v in $variants; do
  for app in $apps; do
    ip link add "${nss}$i" netns "$nss" mtu 1500 type veth peer name "${nsc}$i" netns "$nsc" mtu 1500
    ip netns exec "$nss" ip link set "${nss}$i" arp off up
    offloads_off "$nss" "${nss}$i"
    ip netns exec "$nsc" ip address add "198.18.$((octet + i)).1/24" dev "${nsc}$i"
    ip netns exec "$nsc" ip link set "${nsc}$i" up
    offloads_off "$nsc" "${nsc}$i"
    address[$v$app]=198.18.$((octet + i)).2
    cat > "$work/$v$app.properties" <<EOF
interface.veth.driver = afpacket
interface.veth.host-if = ${nss}$i
interface.veth.address = ${address[$v$app]}/24
interface.veth.idle = $IDLE
$(if [[ $v == b ]]; then printf '%b' "$STACK_PROPS_B"; else printf '%b' "$STACK_PROPS"; fi)
EOF
    i=$((i + 1))
  done
done
# The kernel: its servers in a namespace of their own, behind a veth pair configured alike.
ip link add "${nsk}v" netns "$nsk" mtu 1500 type veth peer name "${nsc}k" netns "$nsc" mtu 1500
ip netns exec "$nsk" ip address add "$kernel_net.2/24" dev "${nsk}v"
ip netns exec "$nsk" ip link set "${nsk}v" up
offloads_off "$nsk" "${nsk}v"
ip netns exec "$nsc" ip address add "$kernel_net.1/24" dev "${nsc}k"
ip netns exec "$nsc" ip link set "${nsc}k" up
offloads_off "$nsc" "${nsc}k"
for app in $apps; do address[k$app]=$kernel_net.2; done

declare -A servers
start() { # VARIANT APP MAIN ARGS...
  local v=$1 app=$2; shift 2
  local opts=() ns=$nsk
  if [[ $v != k ]]; then
    ns=$nss
    opts+=("-javaagent:${jar[$v]}=config=$work/$v$app.properties")
  fi
  [[ -n $JFR_DIR ]] && opts+=("-XX:StartFlightRecording=filename=$JFR_DIR/$v$app.jfr,settings=profile")
  # shellcheck disable=SC2086
  ip netns exec "$ns" "$JAVA" $JVM_OPTS "${opts[@]}" -cp "$SAMPLES" "$@" >"$work/$v$app.log" 2>&1 &
  pids+=($!)
  servers[$v$app]=$!
}
# CPU ticks (user + system, every thread, clock ticks) and context switches (voluntary + involuntary, every thread)
# of a server JVM so far. `ip netns exec` execs the JVM, so the pid started is the JVM's.
proc_stats() { # PID
  local ticks csw
  ticks=$(awk '{print $14 + $15}' "/proc/$1/stat")
  csw=$(cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ {n += $2} END {print n}')
  echo "$ticks $csw"
}
HZ=$(getconf CLK_TCK)
declare -A runs cost
# Appends its figure to runs[VARIANT ROW] and the server's "cpu_ms/csw" per MB to cost[VARIANT ROW].
# Runs a measurement against the server of APP (echo, http, udp) for the figure ROW (echo, echo4, ...).
measure() { # VARIANT APP ROW MB COMMAND...
  local key=$1$2 row=$1$3 mb=$4; shift 4
  local before after figure
  before=$(proc_stats "${servers[$key]}")
  figure=$("$@" "${address[$key]}")
  after=$(proc_stats "${servers[$key]}")
  runs[$row]+="$figure "
  cost[$row]+="$(awk -v b="$before" -v a="$after" -v mb="$mb" -v hz="$HZ" 'BEGIN {split(b, x, " "); split(a, y, " ");
    printf "%.2f/%.0f", (y[1] - x[1]) * 1000 / hz / mb, (y[2] - x[2]) / mb}') "
}
await() { # NAME TEXT
  for _ in $(seq 1 300); do grep -q "$2" "$work/$1.log" && return 0; sleep 0.1; done
  echo "bench-apps.sh: $1 did not start:"; cat "$work/$1.log"; exit 1
}
in_c() { ip netns exec "$nsc" "$@"; }
wants() { [[ " $ONLY " == *" $1 "* ]]; }

for v in $variants k; do
  start "$v" echo org.jbypass.samples.TcpEchoServer "${address[${v}echo]}" 7000
  start "$v" http org.jbypass.samples.HttpServerSample "${address[${v}http]}" 8080
  start "$v" udp org.jbypass.samples.UdpPingPong pong "${address[${v}udp]}" 7001
done
for v in $variants k; do for app in $apps; do await "$v$app" "listening on"; done; done

echo_mbs() { # ADDRESS: MB/s each way
  in_c "$JAVA" -cp "$SAMPLES" org.jbypass.samples.TcpEchoClient "$1" 7000 "$ECHO_MB" \
    | sed -n 's/.*(\([0-9.]*\) MB\/s each way): identical.*/\1/p'
}
http_mbs() { # ADDRESS: MB/s
  in_c curl -sS --max-time 120 -o /dev/null -w '%{speed_download}\n' "http://$1:8080/bytes?n=$((HTTP_MB << 20))" \
    | awk '{printf "%.1f\n", $1 / 1e6}'
}
# MB/s of all the bytes moved over the wall time, from nanoseconds at start and end.
rate() { # BYTES START_NS END_NS
  awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN {printf "%.1f\n", b / 1e6 / ((e - s) / 1e9)}'
}
echo4_mbs() { # ADDRESS: MB/s each way, CONNS echo clients at once: the sum of their own figures (as iperf3 -P)
  local i ok=1
  for i in $(seq 1 "$CONNS"); do
    in_c "$JAVA" -cp "$SAMPLES" org.jbypass.samples.TcpEchoClient "$1" 7000 "$ECHO_MB" >"$work/echo4.$i" 2>&1 &
  done
  wait_clients
  for i in $(seq 1 "$CONNS"); do grep -q identical "$work/echo4.$i" || { ok=0; cat "$work/echo4.$i" >&2; }; done
  if [[ $ok == 1 ]]; then
    sed -n 's/.*(\([0-9.]*\) MB\/s each way): identical.*/\1/p' "$work"/echo4.* | awk '{t += $1} END {printf "%.1f\n", t}'
  else
    echo FAILED
  fi
}
http4_mbs() { # ADDRESS: MB/s, CONNS downloads at once, each checked for its length
  local start end i ok=1 bytes=$((HTTP_MB << 20))
  start=$(date +%s%N)
  for i in $(seq 1 "$CONNS"); do
    in_c curl -sS --max-time 300 -o /dev/null -w '%{http_code} %{size_download}\n' \
      "http://$1:8080/bytes?n=$bytes" >"$work/http4.$i" 2>&1 &
  done
  wait_clients
  end=$(date +%s%N)
  for i in $(seq 1 "$CONNS"); do grep -qx "200 $bytes" "$work/http4.$i" || { ok=0; cat "$work/http4.$i" >&2; }; done
  if [[ $ok == 1 ]]; then rate $((CONNS * bytes)) "$start" "$end"; else echo FAILED; fi
}
upload() { # ADDRESS FILE_OUT: one upload of the HTTP_MB file, curl's speed_upload then the server's answer
  in_c curl -sS --max-time 300 -T "$work/upload.bin" -X POST -H 'Expect:' -H 'Content-Type: application/octet-stream' \
    -w '\n%{speed_upload}\n' "http://$1:8080/sha256" >"$2" 2>&1
}
upload_ok() { # FILE: whether the server's SHA-256 and length of the body are the file's
  grep -q "^$upload_sha $((HTTP_MB << 20))\$" "$1" || { cat "$1" >&2; return 1; }
}
up_mbs() { # ADDRESS: MB/s client -> server
  upload "$1" "$work/up.1"
  if upload_ok "$work/up.1"; then tail -1 "$work/up.1" | awk '{printf "%.1f\n", $1 / 1e6}'; else echo FAILED; fi
}
up4_mbs() { # ADDRESS: MB/s, CONNS uploads at once
  local start end i ok=1
  start=$(date +%s%N)
  for i in $(seq 1 "$CONNS"); do upload "$1" "$work/up4.$i" & done
  wait_clients
  end=$(date +%s%N)
  for i in $(seq 1 "$CONNS"); do upload_ok "$work/up4.$i" || ok=0; done
  if [[ $ok == 1 ]]; then rate $((CONNS * HTTP_MB << 20)) "$start" "$end"; else echo FAILED; fi
}
# Waits for the clients started in the background by this shell (not the servers, which `start` ran in the main
# shell: these functions run in $(...) subshells, whose `wait` sees only their own children).
wait_clients() { wait; }
udp_us() { # ADDRESS: median round trip in us
  in_c "$JAVA" -cp "$SAMPLES" org.jbypass.samples.UdpPingPong ping "$1" 7001 "$UDP_PINGS" \
    | sed -n 's/.*median \([0-9.]*\) us.*/\1/p'
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }

if wants up || wants up4; then
  head -c $((HTTP_MB << 20)) /dev/urandom >"$work/upload.bin"
  upload_sha=$(sha256sum "$work/upload.bin" | cut -d' ' -f1)
fi

# Untimed rounds each to let the servers' JITs warm up: WARMUP rounds, and more until WARMUP_MB moved.
rounds() { # MB_PER_ROUND: how many warm-up rounds
  awk -v w="$WARMUP" -v mb="$WARMUP_MB" -v r="$1" 'BEGIN {n = int((mb + r - 1) / r); print (n > w ? n : w)}'
}
for v in $variants k; do
  if wants echo || wants echo4; then
    for _ in $(seq 1 "$(rounds "$ECHO_MB")"); do echo_mbs "${address[${v}echo]}" >/dev/null; done
  fi
  if wants http || wants http4; then
    for _ in $(seq 1 "$(rounds "$HTTP_MB")"); do http_mbs "${address[${v}http]}" >/dev/null; done
  fi
  if wants up || wants up4; then
    for _ in $(seq 1 "$(rounds "$HTTP_MB")"); do up_mbs "${address[${v}http]}" >/dev/null; done
  fi
done

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; java: $("$JAVA" -version 2>&1 | head -1)"
echo "settings: veth MTU 1500, offloads $OFFLOADS (stack end: $(ip netns exec "$nss" ethtool -k "${nss}0" 2>/dev/null \
  | awk '/^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload):/ {printf "%s %s ", $1, $2}'));" \
  "jbypass poller idle=$IDLE, stack properties: ${STACK_PROPS:-none}; REPEAT=$REPEAT ECHO_MB=$ECHO_MB HTTP_MB=$HTTP_MB" \
  "CONNS=$CONNS UDP_PINGS=$UDP_PINGS WARMUP=$WARMUP WARMUP_MB=$WARMUP_MB; kernel tcp congestion control $(ip netns exec "$nsk" sysctl -n \
  net.ipv4.tcp_congestion_control), jbypass cubic"
udp_mb=$(awk -v n="$UDP_PINGS" 'BEGIN {print n * 2 * 12 / 1e6}')
for i in $(seq 1 "$REPEAT"); do
  # Reverse the order of the variants every other round, so that none always runs first.
  order="$variants k"; (( i % 2 == 0 )) && order=$(tr ' ' '\n' <<<"$order" | tac | tr '\n' ' ')
  for v in $order; do
    if wants echo; then measure "$v" echo echo $((ECHO_MB * 2)) echo_mbs; fi
    if wants echo4; then measure "$v" echo echo4 $((ECHO_MB * 2 * CONNS)) echo4_mbs; fi
    if wants http; then measure "$v" http http "$HTTP_MB" http_mbs; fi
    if wants http4; then measure "$v" http http4 $((HTTP_MB * CONNS)) http4_mbs; fi
    if wants up; then measure "$v" http up "$HTTP_MB" up_mbs; fi
    if wants up4; then measure "$v" http up4 $((HTTP_MB * CONNS)) up4_mbs; fi
    if wants udp; then measure "$v" udp udp "$udp_mb" udp_us; fi
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
# The server's cost per MB moved (each way for the echo): CPU ms of the server JVM and its context switches.
med_cost() { # FIELD(1: cpu, 2: csw) VALUES
  tr ' ' '\n' <<<"$2" | grep . | cut -d/ -f"$1" | median
}
declare -A label=([j]=jbypass [b]="jbypass B" [k]=kernel)
printf '%-46s %-10s %9s %9s %9s\n' "median of $REPEAT (veth, MTU 1500, offloads $OFFLOADS)" "" figure "cpu ms/MB" "csw/MB"
for row in echo echo4 http http4 up up4 udp; do
  wants "$row" || continue
  case $row in
    echo) title="TCP echo $ECHO_MB MB, MB/s each way" ;;
    echo4) title="TCP echo, $CONNS x $ECHO_MB MB at once, MB/s each way" ;;
    http) title="HTTP download $HTTP_MB MB (server -> client), MB/s" ;;
    http4) title="HTTP download, $CONNS x $HTTP_MB MB at once, MB/s" ;;
    up) title="HTTP upload $HTTP_MB MB (client -> server), MB/s" ;;
    up4) title="HTTP upload, $CONNS x $HTTP_MB MB at once, MB/s" ;;
    udp) title="UDP ping-pong, median round trip, us" ;;
  esac
  for v in $variants k; do
    printf '%-46s %-10s %9s %9s %9s   runs: %s\n' "$title" "${label[$v]}" "$(med "${runs[$v$row]:-}")" \
      "$(med_cost 1 "${cost[$v$row]:-}")" "$(med_cost 2 "${cost[$v$row]:-}")" "${runs[$v$row]:-}"
    title=""
  done
done
