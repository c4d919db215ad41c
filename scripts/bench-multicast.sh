#!/usr/bin/env bash
# Benchmark, run on request only (never by the tests): multicast receive of a numbered stream of small datagrams
# from a kernel publisher, by an unmodified receiver served by the jbypass stack under -javaagent and the same
# receiver served by the kernel, both receiving the same stream at the same time.
#
#   [publisher, kernel, namespace P: bridge br0, multicast snooping off, so every frame is flooded to both ports]
#        |--veth--> [stack end, namespace S; MulticastReceiver under the agent]
#        '--veth--> [kernel, namespace K;   MulticastReceiver without the agent]
#
# The publisher (samples' MulticastPublisher, paced by the clock) sends COUNT = RATE x SECONDS datagrams of SIZE
# bytes to GROUP at each RATE (0: as fast as it can), each carrying its sequence number and System.nanoTime(); the
# receivers (samples' MulticastReceiver, MODE socket: java.net.MulticastSocket bound then joined, or channel: a
# DatagramChannel bound to the wildcard then joined, read through a selector) count what arrived, the gaps and the
# late ones, the wakeups they paid per datagram (voluntary context switches of all the receiver JVM's threads, from
# /proc), and the one-way latency from the publisher's clock (one machine: one monotonic clock), over the whole
# stream and over what came after its first second. Per rate, one row per receiver; then, per receiver, the highest
# rate of the sweep received without a loss. Every round starts new receiver JVMs, so each stream begins on cold
# code: the stack's receive path is Java, which runs interpreted until the JIT has compiled it, and at a low rate
# that takes a larger share of the stream (the first second's tail; docs/PERFORMANCE.md, "Multicast receive"). The
# untimed round at the first rate before the sweep warms the machine's caches, not the receivers' JITs.
#
#   scripts/bench-multicast.sh                       (needs root; builds the jars if missing)
#   RATES="20000 100000 0" SECONDS_PER_RATE=5 MODE=channel IDLE=busy-spin scripts/bench-multicast.sh
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java STACK_PROPS='profile = latency' scripts/bench-multicast.sh
#
# The machine is shared and noisy: look at the load printed first, and compare rows of the same run only. On two
# cores the publisher's pacing spins one, so the receivers share the other: the figures are the veth's and this
# machine's, not a NIC's.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "bench-multicast.sh: run as root (it makes network namespaces, veth pairs and a bridge)" >&2
  exit 1
fi

JAVA=${JAVA:-java}
RATES=${RATES:-10000 50000 100000 200000 0}
SECONDS_PER_RATE=${SECONDS_PER_RATE:-3}
MAX_COUNT=${MAX_COUNT:-2000000}   # the count at RATE 0 (as fast as possible), and a cap for every rate
SIZE=${SIZE:-64}
MODE=${MODE:-socket}              # socket (MulticastSocket) or channel (DatagramChannel + Selector)
IDLE=${IDLE:-block}               # the stack's poller idle strategy
OFFLOADS=${OFFLOADS:-on}          # on: the veths as Linux sets them up; off: every offload off on every end
STACK_PROPS=${STACK_PROPS:-}      # more lines for the stack's jbypass.properties
JVM_OPTS=${JVM_OPTS:-}
GROUP=${GROUP:-239.192.0.1}
PORT=${PORT:-31900}
JAR=${JAR:-java-provider/target/jbypass.jar}
SAMPLES=samples/target/samples.jar
if [[ ! -f $JAR || ! -f $SAMPLES ]]; then
  mvn -B -q -ntp -DskipTests package
fi

suffix=$(printf '%04x' $((RANDOM)))
nsp=jbpm${suffix}p   # the publisher and the bridge
nss=jbpm${suffix}s   # the stack's receiver
nsk=jbpm${suffix}k   # the kernel's receiver
octet=$((100 + RANDOM % 90))
net=198.18.$octet
work=$(mktemp -d /tmp/jbypass-mcast-bench.XXXXXX)
pids=()

cleanup() {
  for p in "${pids[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for n in "$nsp" "$nss" "$nsk"; do ip netns delete "$n" 2>/dev/null || true; done
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
  [[ "$OFFLOADS" == off ]] || return 0
  ip netns exec "$1" ethtool -K "$2" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
}
quiet_ns "$nsp"; quiet_ns "$nss"; quiet_ns "$nsk"
ip netns exec "$nsp" ip link add br0 type bridge mcast_snooping 0
ip netns exec "$nsp" ip address add "$net.1/24" dev br0
ip netns exec "$nsp" ip link set br0 up
for side in s k; do
  ns=$nss; [[ $side == k ]] && ns=$nsk
  ip link add "${nsp}$side" netns "$nsp" mtu 1500 type veth peer name "${ns}v" netns "$ns" mtu 1500
  ip netns exec "$nsp" ip link set "${nsp}$side" master br0 up
  offloads_off "$nsp" "${nsp}$side"
  offloads_off "$ns" "${ns}v"
done
# The stack's end: no ARP, and an address outside the stack's subnet only so that the JDK lists the netdev
# (NetworkInterface.getByName finds netdevs that have an address), as a shared NIC has one.
ip netns exec "$nss" ip link set "${nss}v" arp off up
ip netns exec "$nss" ip address add 198.51.100.1/32 dev "${nss}v"
ip netns exec "$nsk" ip address add "$net.3/24" dev "${nsk}v"
ip netns exec "$nsk" ip link set "${nsk}v" up
cat > "$work/jbypass.properties" <<EOF
interface.veth.driver = afpacket
interface.veth.host-if = ${nss}v
interface.veth.address = $net.2/24
interface.veth.idle = $IDLE
$(printf '%b' "$STACK_PROPS")
EOF

receiver() { # SIDE(s|k) COUNT LOG: starts a receiver in the background; its pid in last_pid
  local side=$1 count=$2 log=$3 ns=$nsk opts=()
  if [[ $side == s ]]; then
    ns=$nss
    opts+=("-javaagent:$JAR=config=$work/jbypass.properties")
  fi
  # shellcheck disable=SC2086
  ip netns exec "$ns" "$JAVA" $JVM_OPTS "${opts[@]}" -cp "$SAMPLES" org.jbypass.samples.MulticastReceiver \
    "$GROUP" "$PORT" "${ns}v" "$count" "$MODE" 5 >"$log" 2>&1 &
  pids+=($!)
  last_pid=$!
}
await() { # LOG TEXT
  for _ in $(seq 1 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "bench-multicast.sh: did not start:"; cat "$1"; exit 1
}
# One round: both receivers, then the publisher; prints the publisher's rate and each receiver's summary.
round() { # RATE COUNT TAG
  local rate=$1 count=$2 tag=$3 ps pk
  receiver s "$count" "$work/$tag.s.log"; ps=$last_pid
  receiver k "$count" "$work/$tag.k.log"; pk=$last_pid
  await "$work/$tag.s.log" "receiving"
  await "$work/$tag.k.log" "receiving"
  # The stack joins with its own IGMP and only adds the group's MAC to the netdev: a kernel membership ("inet
  # GROUP") on the stack's netdev would mean the kernel, not jbypass, serves that receiver.
  if ip netns exec "$nss" ip maddr show dev "${nss}v" | grep -q "inet $GROUP"; then
    echo "bench-multicast.sh: the kernel joined $GROUP on the stack's netdev: jbypass is not serving the receiver" >&2
    exit 1
  fi
  # shellcheck disable=SC2086
  ip netns exec "$nsp" "$JAVA" $JVM_OPTS -cp "$SAMPLES" org.jbypass.samples.MulticastPublisher \
    "$GROUP" "$PORT" br0 "$count" "$rate" "$SIZE" 1 >"$work/$tag.p.log" 2>&1
  wait "$ps" "$pk" || true
}
count_for() { # RATE
  if [[ $1 == 0 ]]; then echo "$MAX_COUNT"; else
    awk -v r="$1" -v s="$SECONDS_PER_RATE" -v m="$MAX_COUNT" 'BEGIN {c = r * s; print (c > m ? m : c)}'; fi
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; java: $("$JAVA" -version 2>&1 | head -1)"
echo "settings: rates '$RATES' (0: as fast as possible), $SECONDS_PER_RATE s each (at most $MAX_COUNT datagrams)," \
  "$SIZE-byte datagrams, receiver $MODE, stack poller idle=$IDLE, offloads $OFFLOADS, veth MTU 1500," \
  "stack properties: $(printf '%b' "$STACK_PROPS" | tr '\n' ' ')"
first=${RATES%% *}
round "$first" "$(count_for "$first")" warmup

printf '%-10s %-14s %-8s %10s %9s %7s %7s %8s  %s\n' "rate/s" "published/s" "receiver" "received" "lost" "late" \
  "recv/s" "wakeups" "one-way latency (whole stream; after its first second)"
declare -A best=([s]=- [k]=-)
for rate in $RATES; do
  count=$(count_for "$rate")
  round "$rate" "$count" "r$rate"
  published=$(sed -n 's/.*(\([0-9]*\)\/s).*/\1/p' "$work/r$rate.p.log")
  label=$rate; [[ $rate == 0 ]] && label=max
  for side in s k; do
    name=jbypass; [[ $side == k ]] && name=kernel
    line=$(grep '^received' "$work/r$rate.$side.log" || echo "received - lost - late - in - s (-/s), no result")
    received=$(awk '{print $2}' <<<"$line"); lost=$(awk '{print $4}' <<<"$line"); late=$(awk '{print $6}' <<<"$line")
    rps=$(sed -n 's/.*(\([0-9]*\)\/s).*/\1/p' <<<"$line")
    wakeups=$(sed -n 's/.*, \([0-9.]*\) wakeups per datagram.*/\1/p' <<<"$line")
    latency=$(sed -n 's/.*latency us /us /p' <<<"$line")
    shown=$published; [[ $side == k ]] && shown=""
    printf '%-10s %-14s %-8s %10s %9s %7s %7s %8s  %s\n' "$label" "${shown:--}" "$name" "$received" \
      "$((count - ${received/-/0}))" "$late" "${rps:--}" "${wakeups:--}" "${latency:--}"
    if [[ $received == "$count" && $lost == 0 && -n $published ]]; then
      if [[ ${best[$side]} == - ]] || (( published > best[$side] )); then best[$side]=$published; fi
    fi
    label=""
  done
done
echo "highest published rate received without a loss: jbypass ${best[s]}/s, kernel ${best[k]}/s"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
