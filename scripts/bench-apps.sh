#!/usr/bin/env bash
# Benchmark, run on request only (never by the tests): unmodified sample programs served by the jbypass stack
# under -javaagent, beside the same programs served by the kernel, in the same run, over the same kind of veth pair
# (MTU 1500, offloads off on both ends). Clients always run on the kernel, in a network namespace.
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
STACK_PROPS=${STACK_PROPS:-}   # more lines for the stacks' jbypass.properties, e.g. 'interface.veth.tx-ring = false'
JVM_OPTS=${JVM_OPTS:-}
JFR_DIR=${JFR_DIR:-}   # a directory: each server JVM records a flight recording NAME.jfr there (profile settings)
ONLY=${ONLY:-echo http udp}   # which figures to measure
JAR=java-provider/target/jbypass.jar
SAMPLES=samples/target/samples.jar
if [[ ! -f $JAR || ! -f $SAMPLES ]]; then
  mvn -B -q -ntp -DskipTests package
fi

suffix=$(printf '%04x' $((RANDOM)))
nsc=jbpb${suffix}c   # the clients' kernel
nss=jbpb${suffix}s   # jbypass's servers (the stack's end of the veth)
nsk=jbpb${suffix}k   # the kernel's servers
octet=$((100 + RANDOM % 100 / 3 * 3))
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
offloads_off() { # NS IF
  ip netns exec "$1" ethtool -K "$2" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
}
quiet_ns "$nsc"; quiet_ns "$nss"; quiet_ns "$nsk"
# jbypass: one veth pair per server (an AF_PACKET socket sees every frame of its netdev, so servers sharing one
# would each copy the others' frames); the stack's end has no address and no ARP: the stack owns it.
i=0
for app in echo http udp; do
  ip link add "${nss}$i" netns "$nss" mtu 1500 type veth peer name "${nsc}$i" netns "$nsc" mtu 1500
  ip netns exec "$nss" ip link set "${nss}$i" arp off up
  offloads_off "$nss" "${nss}$i"
  ip netns exec "$nsc" ip address add "198.18.$((octet + i)).1/24" dev "${nsc}$i"
  ip netns exec "$nsc" ip link set "${nsc}$i" up
  offloads_off "$nsc" "${nsc}$i"
  i=$((i + 1))
done
# kernel: the same, with the kernel's own addresses on both ends.
ip link add "${nsk}v" netns "$nsk" mtu 1500 type veth peer name "${nsc}k" netns "$nsc" mtu 1500
ip netns exec "$nsk" ip address add "$kernel_net.2/24" dev "${nsk}v"
ip netns exec "$nsk" ip link set "${nsk}v" up
offloads_off "$nsk" "${nsk}v"
ip netns exec "$nsc" ip address add "$kernel_net.1/24" dev "${nsc}k"
ip netns exec "$nsc" ip link set "${nsc}k" up
offloads_off "$nsc" "${nsc}k"

config() { # NAME INDEX: the stack at 198.18.(octet+INDEX).2 on veth INDEX
  cat > "$work/$1.properties" <<EOF
interface.veth.driver = afpacket
interface.veth.host-if = ${nss}$2
interface.veth.address = 198.18.$((octet + $2)).2/24
interface.veth.idle = $IDLE
$(printf '%b' "$STACK_PROPS")
EOF
}
start() { # NS NAME AGENT(yes|no) MAIN ARGS...
  local ns=$1 name=$2 agent=$3; shift 3
  local opts=()
  [[ $agent == yes ]] && opts+=("-javaagent:$JAR=config=$work/$name.properties")
  [[ -n $JFR_DIR ]] && opts+=("-XX:StartFlightRecording=filename=$JFR_DIR/$name.jfr,settings=profile")
  # shellcheck disable=SC2086
  ip netns exec "$ns" "$JAVA" $JVM_OPTS "${opts[@]}" -cp "$SAMPLES" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  servers[$name]=$!
}
declare -A servers
# CPU ticks (user + system, every thread, clock ticks) and context switches (voluntary + involuntary, every thread)
# of a server JVM so far. `ip netns exec` execs the JVM, so the pid started is the JVM's.
proc_stats() { # PID
  local ticks csw
  ticks=$(awk '{print $14 + $15}' "/proc/$1/stat")
  csw=$(cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^(non)?voluntary_ctxt_switches/ {n += $2} END {print n}')
  echo "$ticks $csw"
}
HZ=$(getconf CLK_TCK)
# Runs a measurement against a server and appends "figure cpu_ms_per_mb csw_per_mb" to runs[KEY].
measure() { # KEY SERVER MB COMMAND...
  local key=$1 server=${servers[$2]} mb=$3; shift 3
  local before after figure
  before=$(proc_stats "$server")
  figure=$("$@")
  after=$(proc_stats "$server")
  runs[$key]+="$figure "
  cost[$key]+="$(awk -v b="$before" -v a="$after" -v mb="$mb" -v hz="$HZ" 'BEGIN {split(b, x, " "); split(a, y, " ");
    printf "%.2f/%.0f", (y[1] - x[1]) * 1000 / hz / mb, (y[2] - x[2]) / mb}') "
}
await() { # NAME TEXT
  for _ in $(seq 1 300); do grep -q "$2" "$work/$1.log" && return 0; sleep 0.1; done
  echo "bench-apps.sh: $1 did not start:"; cat "$work/$1.log"; exit 1
}
in_c() { ip netns exec "$nsc" "$@"; }

echo_ip=198.18.$octet.2; http_ip=198.18.$((octet + 1)).2; udp_ip=198.18.$((octet + 2)).2
config echo 0; config http 1; config udp 2
start "$nss" echo yes org.jbypass.samples.TcpEchoServer "$echo_ip" 7000
start "$nss" http yes org.jbypass.samples.HttpServerSample "$http_ip" 8080
start "$nss" udp yes org.jbypass.samples.UdpPingPong pong "$udp_ip" 7001
start "$nsk" kecho no org.jbypass.samples.TcpEchoServer "$kernel_net.2" 7000
start "$nsk" khttp no org.jbypass.samples.HttpServerSample "$kernel_net.2" 8080
start "$nsk" kudp no org.jbypass.samples.UdpPingPong pong "$kernel_net.2" 7001
for n in echo http udp kecho khttp kudp; do await $n "listening on"; done

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

wants() { [[ " $ONLY " == *" $1 "* ]]; }
# One untimed round each to let both servers' JITs warm up.
if wants echo; then echo_mbs "$echo_ip" >/dev/null; echo_mbs "$kernel_net.2" >/dev/null; fi
if wants http; then http_mbs "$http_ip" >/dev/null; http_mbs "$kernel_net.2" >/dev/null; fi

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; java: $("$JAVA" -version 2>&1 | head -1); idle=$IDLE"
declare -A runs=([echo_j]= [echo_k]= [http_j]= [http_k]= [udp_j]= [udp_k]=)
declare -A cost=([echo_j]= [echo_k]= [http_j]= [http_k]= [udp_j]= [udp_k]=)
udp_mb=$(awk -v n="$UDP_PINGS" 'BEGIN {print n * 2 * 12 / 1e6}')
for i in $(seq 1 "$REPEAT"); do
  if wants echo; then
    measure echo_j echo $((ECHO_MB * 2)) echo_mbs "$echo_ip"; measure echo_k kecho $((ECHO_MB * 2)) echo_mbs "$kernel_net.2"
  fi
  if wants http; then
    measure http_j http "$HTTP_MB" http_mbs "$http_ip"; measure http_k khttp "$HTTP_MB" http_mbs "$kernel_net.2"
  fi
  if wants udp; then
    measure udp_j udp "$udp_mb" udp_us "$udp_ip"; measure udp_k kudp "$udp_mb" udp_us "$kernel_net.2"
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
med() { tr ' ' '\n' <<<"$1" | grep . | median; }
# The server's cost per MB moved (each way for the echo): CPU ms of the server JVM and its context switches.
med_cost() { # FIELD(1: cpu, 2: csw) VALUES
  tr ' ' '\n' <<<"$2" | grep . | cut -d/ -f"$1" | median
}
row() { # LABEL KEY
  printf '%-44s %9s %9s %9s %9s %9s %9s\n' "$1" "$(med "${runs[${2}_j]}")" "$(med "${runs[${2}_k]}")" \
    "$(med_cost 1 "${cost[${2}_j]}")" "$(med_cost 1 "${cost[${2}_k]}")" \
    "$(med_cost 2 "${cost[${2}_j]}")" "$(med_cost 2 "${cost[${2}_k]}")"
  echo "    runs: jbypass ${runs[${2}_j]}| kernel ${runs[${2}_k]}"
}
printf '%-44s %9s %9s %9s %9s %9s %9s\n' "median of $REPEAT (veth, MTU 1500, offloads off)" jbypass kernel \
  "j cpu/MB" "k cpu/MB" "j csw/MB" "k csw/MB"
if wants echo; then row "TCP echo $ECHO_MB MB, MB/s each way" echo; fi
if wants http; then row "HTTP download $HTTP_MB MB (JDK HttpServer), MB/s" http; fi
if wants udp; then row "UDP ping-pong, median round trip, us" udp; fi
