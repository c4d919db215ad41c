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
# Figures, each repeated REPEAT times, alternating jbypass and kernel, medians printed:
#   - TCP echo: TcpEchoClient streams ECHO_MB through TcpEchoServer (one selector thread) and checks the SHA-256;
#     its MB/s each way, timed by the client from connect to the last byte back;
#   - HTTP: curl downloads HTTP_MB from HttpServerSample (the JDK's HttpServer); curl's speed_download;
#   - UDP: UdpPingPong ping sends UDP_PINGS 12-byte datagrams one at a time; the median round trip.
#
#   scripts/bench-apps.sh                         (needs root; builds the jars if missing)
#   REPEAT=7 ECHO_MB=64 HTTP_MB=64 IDLE=block scripts/bench-apps.sh
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java scripts/bench-apps.sh
#   JFR_DIR=/tmp/jfr ONLY=echo scripts/bench-apps.sh   (flight recordings of the servers, for jfr print)
#   JAR_B=/tmp/old/jbypass.jar scripts/bench-apps.sh    (a second jbypass build beside the first: before/after)
#   JAR_B=$PWD/java-provider/target/jbypass.jar STACK_PROPS_B='interface.veth.tx-ring = false' scripts/bench-apps.sh
#
# Beside each figure: the server JVM's CPU milliseconds and context switches per MB it moved (both ways for the echo,
# request and reply for UDP), from /proc, which are steadier than the figures on a loaded machine.
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
IDLE=${IDLE:-block}
OFFLOADS=${OFFLOADS:-on}   # on: the veths as Linux sets them up (TSO/GSO/GRO); off: every offload off on both ends
STACK_PROPS=${STACK_PROPS:-}   # more lines for the stacks' jbypass.properties, e.g. 'interface.veth.tx-ring = false'
JVM_OPTS=${JVM_OPTS:-}
JFR_DIR=${JFR_DIR:-}   # a directory: each server JVM records a flight recording NAME.jfr there (profile settings)
ONLY=${ONLY:-echo http udp}   # which figures to measure
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
# Runs a measurement against a server; appends its figure to runs[VARIANT APP] and "cpu_ms/csw" per MB to cost.
measure() { # VARIANT APP MB COMMAND...
  local key=$1$2 mb=$3; shift 3
  local before after figure
  before=$(proc_stats "${servers[$key]}")
  figure=$("$@" "${address[$key]}")
  after=$(proc_stats "${servers[$key]}")
  runs[$key]+="$figure "
  cost[$key]+="$(awk -v b="$before" -v a="$after" -v mb="$mb" -v hz="$HZ" 'BEGIN {split(b, x, " "); split(a, y, " ");
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
udp_us() { # ADDRESS: median round trip in us
  in_c "$JAVA" -cp "$SAMPLES" org.jbypass.samples.UdpPingPong ping "$1" 7001 "$UDP_PINGS" \
    | sed -n 's/.*median \([0-9.]*\) us.*/\1/p'
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# One untimed round each to let the servers' JITs warm up.
for v in $variants k; do
  if wants echo; then echo_mbs "${address[${v}echo]}" >/dev/null; fi
  if wants http; then http_mbs "${address[${v}http]}" >/dev/null; fi
done

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; java: $("$JAVA" -version 2>&1 | head -1); idle=$IDLE"
udp_mb=$(awk -v n="$UDP_PINGS" 'BEGIN {print n * 2 * 12 / 1e6}')
for i in $(seq 1 "$REPEAT"); do
  # Reverse the order of the variants every other round, so that none always runs first.
  order="$variants k"; (( i % 2 == 0 )) && order=$(tr ' ' '\n' <<<"$order" | tac | tr '\n' ' ')
  for v in $order; do
    if wants echo; then measure "$v" echo $((ECHO_MB * 2)) echo_mbs; fi
    if wants http; then measure "$v" http "$HTTP_MB" http_mbs; fi
    if wants udp; then measure "$v" udp "$udp_mb" udp_us; fi
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
for app in $apps; do
  wants "$app" || continue
  case $app in
    echo) title="TCP echo $ECHO_MB MB, MB/s each way" ;;
    http) title="HTTP download $HTTP_MB MB (JDK HttpServer), MB/s" ;;
    udp) title="UDP ping-pong, median round trip, us" ;;
  esac
  for v in $variants k; do
    printf '%-46s %-10s %9s %9s %9s   runs: %s\n' "$title" "${label[$v]}" "$(med "${runs[$v$app]:-}")" \
      "$(med_cost 1 "${cost[$v$app]:-}")" "$(med_cost 2 "${cost[$v$app]:-}")" "${runs[$v$app]:-}"
    title=""
  done
done
