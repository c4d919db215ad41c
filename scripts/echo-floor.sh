#!/usr/bin/env bash
# The floor of the afpacket driver's path for the UDP echo over veth (docs/PERFORMANCE.md, section a, fourth
# round), run on request only, as root: the same udp_rtt client (UdpEchoLatencyTest's, one 64-byte datagram in
# flight, 50 us apart) against a C echo on the driver (native/test/afp_udp_echo.c: the provider's ring layouts,
# deferred transmit and kick, no Java) and against the kernel's blocking echo, each behind a veth pair with every
# offload off, ROUNDS times in turn. Prints the client's rtt_ns line per run; compare the two within one run only.
#
#   scripts/echo-floor.sh                 N=20000 round trips per run, ROUNDS=2
#   N=50000 ROUNDS=3 MODE=spin scripts/echo-floor.sh      both echoes polling instead of blocking
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "echo-floor.sh: run as root (it makes network namespaces and veth pairs)" >&2
  exit 1
fi
N=${N:-20000}
ROUNDS=${ROUNDS:-2}
MODE=${MODE:-block}
BUILD=${BUILD:-build}

cmake -S . -B "$BUILD" >/dev/null
cmake --build "$BUILD" --target afp_udp_echo >/dev/null
tool=$(mktemp -d)
cc -O2 -Wall -Wextra -Werror -o "$tool/udp_rtt" java-provider/src/test/resources/org/jbypass/provider/interop/udp_rtt.c
echo_bin=$(find "$BUILD" -name afp_udp_echo -type f -perm -u+x | head -1)

tag=jbef$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for p in 1 2; do
    ip netns del "${tag}n$p" 2>/dev/null || true
    ip link del "${tag}s$p" 2>/dev/null || true
  done
  rm -rf "$tool"
}
trap cleanup EXIT

# Pair 1: the C echo on the driver at 198.18.241.2 (the client's neighbour entry names the driver's MAC). Pair 2:
# the kernel's echo at 198.18.242.2.
for p in 1 2; do
  ip netns add "${tag}n$p"
  ip link add "${tag}s$p" type veth peer name "${tag}k$p" netns "${tag}n$p"
  ip netns exec "${tag}n$p" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  sysctl -q -w "net.ipv6.conf.${tag}s$p.disable_ipv6=1"
  ethtool -K "${tag}s$p" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
  ip netns exec "${tag}n$p" ethtool -K "${tag}k$p" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
  ip netns exec "${tag}n$p" ip link set lo up
  ip netns exec "${tag}n$p" ip address add "198.18.24$p.1/24" dev "${tag}k$p"
  ip netns exec "${tag}n$p" ip link set "${tag}k$p" up
  ip link set "${tag}s$p" up
done
ip link set "${tag}s1" arp off
ip netns exec "${tag}n1" ip neigh replace 198.18.241.2 lladdr 02:00:5e:10:00:01 dev "${tag}k1"
ip address add 198.18.242.2/24 dev "${tag}s2"

client() {
  ip netns exec "$1" "$tool/udp_rtt" client "$2" 7 64 "$N" 5000 50 | grep '^rtt_ns'
}
driver_mode=""
[[ $MODE == spin ]] && driver_mode=spin
for round in $(seq 1 "$ROUNDS"); do
  "$echo_bin" "${tag}s1" $driver_mode > "$tool/echo.out" &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q ready "$tool/echo.out" 2>/dev/null && break; sleep 0.1; done
  echo "run $round  C echo on the driver ($MODE): $(client "${tag}n1" 198.18.241.2)"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
  "$tool/udp_rtt" server 7 "$MODE" > "$tool/server.out" &
  pids+=($!)
  for _ in $(seq 1 100); do grep -q ready "$tool/server.out" 2>/dev/null && break; sleep 0.1; done
  echo "run $round  kernel echo ($MODE):         $(client "${tag}n2" 198.18.242.2)"
  kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true
done
