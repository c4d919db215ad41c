#!/usr/bin/env bash
# The jbypass demonstration: unmodified Java programs served by the jbypass stack over a veth pair, talking to the
# Linux kernel in a network namespace. Three samples run under -javaagent, each on its own stack address:
#
#   - ARP and ping: the kernel resolves the stacks and pings them (also with 4000-byte, fragmented echoes);
#   - a UDP echo (UdpPingPong pong) answered by the stack, for socat and a Java client in the namespace;
#   - a TCP echo (TcpEchoServer) on the stack, for socat and a Java client that streams 16 MB through it;
#   - the JDK's HttpServer (HttpServerSample), fetched with curl from the namespace: a page, an 8 MB download and a
#     2 MB upload, both checked by SHA-256.
#
# Needs root (network namespaces, AF_PACKET). Everything it creates has a random suffix and is removed on exit.
#
#   ./demo.sh                  build if needed, then run
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java ./demo.sh
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

if [[ $(id -u) -ne 0 ]]; then
  echo "demo.sh: run as root (it makes a network namespace and a veth pair)" >&2
  exit 1
fi

JAVA=${JAVA:-java}
JAR=java-provider/target/jbypass.jar
SAMPLES=samples/target/samples.jar
if [[ ! -f $JAR || ! -f $SAMPLES ]]; then
  echo "=== building jbypass.jar and samples.jar"
  mvn -B -q -ntp -DskipTests package
fi

suffix=$(printf '%04x' $((RANDOM)))
ns=jbpd$suffix; stack_if=jbpd${suffix}s; kernel_if=jbpd${suffix}k
octet=$((100 + RANDOM % 100))
net=198.18.$octet
kernel_ip=$net.1
# Three unmodified programs, three JVMs: each runs its own stack with its own address (and MAC) on the same veth,
# as separate hosts would.
http_ip=$net.2; udp_ip=$net.3; tcp_ip=$net.4
work=$(mktemp -d /tmp/jbypass-demo.XXXXXX)
pids=()

cleanup() {
  for p in "${pids[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ip link delete "$stack_if" 2>/dev/null || true
  ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "=== a namespace $ns with the Linux kernel at $kernel_ip, joined by a veth pair to this namespace"
ip netns add "$ns"
ip link add "$stack_if" type veth peer name "$kernel_if" netns "$ns"
# The stack's end: no address, no ARP, no IPv6 from this namespace's kernel; the stacks own it.
sysctl -q -w "net.ipv6.conf.$stack_if.disable_ipv6=1"
ip link set "$stack_if" arp off up
# The veth keeps the offloads Linux gives it (TSO, GSO, GRO, checksum offload): the kernel sends the stacks 64 KB
# super-frames with partial checksums, and the stacks send it TSO super-frames, as on any host or container network.
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip address add "$kernel_ip/24" dev "$kernel_if"
ip netns exec "$ns" ip link set "$kernel_if" up

config() { # NAME ADDRESS: a jbypass.properties putting the stack at ADDRESS on the veth
  cat > "$work/$1.properties" <<EOF
interface.veth.driver = afpacket
interface.veth.host-if = $stack_if
interface.veth.address = $2/24
EOF
}
start() { # NAME MAIN ARGS...: an unmodified application on the stack, under the agent
  local name=$1; shift
  "$JAVA" -javaagent:"$JAR"=config="$work/$name.properties" -cp "$SAMPLES" "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
}
await() { # NAME TEXT
  for _ in $(seq 1 300); do grep -q "$2" "$work/$1.log" && return 0; sleep 0.1; done
  echo "demo.sh: did not start:"; cat "$work/$1.log"; exit 1
}
in_ns() { ip netns exec "$ns" "$@"; }

config http "$http_ip"; config udp "$udp_ip"; config tcp "$tcp_ip"
echo "=== jbypass.properties of the HTTP server (the others differ only in the address)"
cat "$work/http.properties"

start http org.jbypass.samples.HttpServerSample "$http_ip" 8080
start udp org.jbypass.samples.UdpPingPong pong "$udp_ip" 7001
start tcp org.jbypass.samples.TcpEchoServer "$tcp_ip" 7000
await http "listening on"; await udp "listening on"; await tcp "listening on"
echo "started: java -javaagent:$JAR=config=http.properties -cp $SAMPLES org.jbypass.samples.HttpServerSample $http_ip 8080"
echo "         ... UdpPingPong pong $udp_ip 7001 and ... TcpEchoServer $tcp_ip 7000 likewise"

echo
echo "=== ARP and ping: the kernel resolves the stacks and the stacks answer ICMP echo"
in_ns ping -c 3 -i 0.2 "$http_ip"
in_ns ping -c 2 -i 0.2 -s 4000 "$udp_ip"   # fragmented both ways at MTU 1500
in_ns ping -c 1 -q "$tcp_ip" >/dev/null
echo "--- the kernel's neighbour table now holds each stack's own MAC:"
in_ns ip neigh show dev "$kernel_if"

echo
echo "=== UDP echo answered by the stack"
reply=$(echo "hello from the kernel's socat" | in_ns socat -t 2 - "UDP:$udp_ip:7001")
echo "socat sent 'hello from the kernel's socat', the stack echoed '$reply'"
[[ "$reply" == "hello from the kernel's socat" ]] || { echo "demo.sh: wrong UDP echo"; exit 1; }
in_ns "$JAVA" -cp "$SAMPLES" org.jbypass.samples.UdpPingPong ping "$udp_ip" 7001 10000

echo
echo "=== TCP echo on the stack, used by kernel-side clients"
reply=$(echo "hello over TCP" | in_ns socat -t 2 - "TCP:$tcp_ip:7000")
echo "socat sent 'hello over TCP', the stack echoed '$reply'"
[[ "$reply" == "hello over TCP" ]] || { echo "demo.sh: wrong TCP echo"; exit 1; }
in_ns "$JAVA" -cp "$SAMPLES" org.jbypass.samples.TcpEchoClient "$tcp_ip" 7000 16

echo
echo "=== the JDK's HttpServer on the stack, fetched with curl from the kernel's namespace"
in_ns curl -sS --max-time 10 "http://$http_ip:8080/"
in_ns curl -sS --max-time 60 -o "$work/down.bin" \
  -w "downloaded %{size_download} bytes at %{speed_download} bytes/s\n" "http://$http_ip:8080/bytes?n=$((8 << 20))&seed=1"
down_local=$(sha256sum "$work/down.bin" | cut -d' ' -f1)
down_remote=$(in_ns curl -sS --max-time 10 "http://$http_ip:8080/bytes-sha256?n=$((8 << 20))&seed=1")
echo "downloaded 8 MB: sha256 here $down_local, on the stack $down_remote"
[[ "$down_local" == "$down_remote" ]] || { echo "demo.sh: download corrupted"; exit 1; }
head -c $((2 << 20)) /dev/urandom >"$work/up.bin"
up_local=$(sha256sum "$work/up.bin" | cut -d' ' -f1)
up_remote=$(in_ns curl -sS --max-time 60 --data-binary @"$work/up.bin" \
  -H "Content-Type: application/octet-stream" "http://$http_ip:8080/sha256" | cut -d' ' -f1)
echo "uploaded 2 MB: sha256 here $up_local, on the stack $up_remote"
[[ "$up_local" == "$up_remote" ]] || { echo "demo.sh: upload corrupted"; exit 1; }

echo
echo "=== done: every byte checked; removing the namespace and the veth pair"
