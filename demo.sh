#!/usr/bin/env bash
# The jbypass demonstration: unmodified Java programs served by the jbypass stack over a veth pair, talking to the
# Linux kernel in a network namespace.
#
#   - the JDK's HttpServer (samples' HttpServerSample) under -javaagent, fetched with curl from the namespace:
#     a page, an 8 MB download and a 2 MB upload, both checked by SHA-256;
#   - a UDP ping-pong (the stack answers the kernel's pings);
#   - a TCP echo (the stack echoes 16 MB for the kernel's client).
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
stack_ip=198.18.$octet.2; kernel_ip=198.18.$octet.1
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

echo "=== a namespace $ns with the kernel at $kernel_ip, a veth pair, the stack at $stack_ip"
ip netns add "$ns"
ip link add "$stack_if" type veth peer name "$kernel_if" netns "$ns"
# The stack's end: no address, no ARP, no IPv6 from the host's kernel; the stack owns it.
sysctl -q -w "net.ipv6.conf.$stack_if.disable_ipv6=1"
ip link set "$stack_if" arp off up
ethtool -K "$stack_if" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1
ip netns exec "$ns" ethtool -K "$kernel_if" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip address add "$kernel_ip/24" dev "$kernel_if"
ip netns exec "$ns" ip link set "$kernel_if" up

cat > "$work/jbypass.properties" <<EOF
interface.veth.driver = afpacket
interface.veth.host-if = $stack_if
interface.veth.address = $stack_ip/24
EOF
echo "=== jbypass.properties"
cat "$work/jbypass.properties"

start() { # LOG MAIN ARGS...: an application on the stack, under the agent
  local log=$1; shift
  "$JAVA" -javaagent:"$JAR"=config="$work/jbypass.properties" -cp "$SAMPLES" "$@" >"$work/$log" 2>&1 &
  pids+=($!)
}
await() { # LOG TEXT
  for _ in $(seq 1 300); do grep -q "$2" "$work/$1" && return 0; sleep 0.1; done
  echo "demo.sh: did not start:"; cat "$work/$1"; exit 1
}

echo
echo "=== HttpServer on the stack: java -javaagent:$JAR=config=jbypass.properties ... HttpServerSample $stack_ip 8080"
start http.log org.jbypass.samples.HttpServerSample "$stack_ip" 8080
await http.log "listening on"
ip netns exec "$ns" curl -sS --max-time 10 "http://$stack_ip:8080/"
ip netns exec "$ns" curl -sS --max-time 60 -o "$work/down.bin" \
  -w "downloaded %{size_download} bytes at %{speed_download} bytes/s\n" "http://$stack_ip:8080/bytes?n=$((8 << 20))&seed=1"
down_local=$(sha256sum "$work/down.bin" | cut -d' ' -f1)
down_remote=$(ip netns exec "$ns" curl -sS --max-time 10 "http://$stack_ip:8080/bytes-sha256?n=$((8 << 20))&seed=1")
echo "downloaded 8 MB: sha256 here $down_local, on the stack $down_remote"
[[ "$down_local" == "$down_remote" ]] || { echo "demo.sh: download corrupted"; exit 1; }
head -c $((2 << 20)) /dev/urandom >"$work/up.bin"
up_local=$(sha256sum "$work/up.bin" | cut -d' ' -f1)
up_remote=$(ip netns exec "$ns" curl -sS --max-time 60 --data-binary @"$work/up.bin" \
  -H "Content-Type: application/octet-stream" "http://$stack_ip:8080/sha256" | cut -d' ' -f1)
echo "uploaded 2 MB: sha256 here $up_local, on the stack $up_remote"
[[ "$up_local" == "$up_remote" ]] || { echo "demo.sh: upload corrupted"; exit 1; }

echo
echo "=== UDP ping-pong: the stack answers"
start pong.log org.jbypass.samples.UdpPingPong pong "$stack_ip" 7001
await pong.log "listening on"
ip netns exec "$ns" "$JAVA" -cp "$SAMPLES" org.jbypass.samples.UdpPingPong ping "$stack_ip" 7001 10000

echo
echo "=== TCP echo: the stack echoes"
start echo.log org.jbypass.samples.TcpEchoServer "$stack_ip" 7000
await echo.log "listening on"
ip netns exec "$ns" "$JAVA" -cp "$SAMPLES" org.jbypass.samples.TcpEchoClient "$stack_ip" 7000 16

echo
echo "=== done: every byte checked"
