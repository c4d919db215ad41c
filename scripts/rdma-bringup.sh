#!/usr/bin/env bash
# First contact with a ConnectX: proves each feature of jbypass's rdma driver in order on IFACE and prints a
# report. Run it once on a new machine before anything else (docs/RDMA.md, "First thing on new hardware").
#
#   scripts/rdma-bringup.sh [--dry-run] IFACE
#
# Steps: kernel modules and device nodes; netdev -> PCI function -> RDMA device -> uverbs node; the function
# (PF/VF, SR-IOV, MAC, MTU, up); Direct Verbs support; `ethtool -S` before; ping both ways; a TCP transfer both
# ways checked by SHA-256; rx-queues = 4 (RSS); CQE compression off; the VF to run it on next, if any; an oversized frame;
# `ethtool -S` after, with the counters that moved (rx_discards, rx_steer_missed, rx_out_of_buffer ...); a pcap
# taken on the peer.
#
# The traffic steps need a peer: a Linux host on the same link, reachable by ssh, running its kernel stack.
#   PEER=root@peer PEER_IF=ens1f0 PEER_IP=198.18.0.2 STACK_IP=198.18.0.10/24 scripts/rdma-bringup.sh ens1f0
# Also: JAVA (default java), JAR and SAMPLES (built with mvn -DskipTests package), OUT (the report directory).
#
# --dry-run reads sysfs and /dev for real (read-only) and prints every other command instead of running it: what
# a machine without the hardware can check, and what CI runs against a fake tree (JBP_SYS and JBP_DEV name the
# sysfs and /dev roots; native/test/rdma.cmake, rdma_bringup_dry_run).
set -uo pipefail

dry=0
if [[ ${1:-} == --dry-run ]]; then dry=1; shift; fi
if [[ $# -ne 1 ]]; then
  echo "usage: $0 [--dry-run] IFACE" >&2
  exit 2
fi
IFACE=$1
SYS=${JBP_SYS:-/sys}
DEV=${JBP_DEV:-/dev}
JAVA=${JAVA:-java}
here=$(cd "$(dirname "$0")/.." && pwd)
JAR=${JAR:-$here/java-provider/target/jbypass.jar}
SAMPLES=${SAMPLES:-$here/samples/target/samples.jar}
OUT=${OUT:-$(mktemp -d /tmp/jbypass-bringup.XXXXXX)}
mkdir -p "$OUT"
PEER=${PEER:-}
[[ $dry -eq 1 && -z $PEER ]] && PEER=PEER
PEER_IF=${PEER_IF:-PEER_IF}
PEER_IP=${PEER_IP:-PEER_IP}
STACK_IP=${STACK_IP:-STACK_IP/24}
stack_addr=${STACK_IP%/*}

report=()
failed=0
record() { # RESULT STEP DETAIL
  report+=("$(printf '%-5s %-22s %s' "$1" "$2" "$3")")
  [[ $1 == FAIL ]] && failed=1
  printf '%-5s %-22s %s\n' "$1" "$2" "$3"
}
run() { # LOGNAME CMD...: runs a command (or prints it with --dry-run); its output goes to OUT/LOGNAME.log
  local log=$OUT/$1.log; shift
  if [[ $dry -eq 1 ]]; then
    printf '      would run: %s\n' "$*"
    return 0
  fi
  "$@" >"$log" 2>&1
}
pass() { [[ $dry -eq 1 ]] && echo DRY || echo PASS; }
on_peer() { run "$1" ssh -o BatchMode=yes "$PEER" "${@:2}"; }
need_peer() { # STEP: 0 when the traffic steps can run
  if [[ $dry -eq 0 && -z $PEER ]]; then record SKIP "$1" "set PEER, PEER_IF, PEER_IP and STACK_IP"; return 1; fi
  return 0
}
config() { # NAME EXTRA-LINES: a jbypass.properties for the stack on IFACE
  cat >"$OUT/$1.properties" <<EOF
interface.cx.driver = rdma
interface.cx.host-if = $IFACE
interface.cx.address = $STACK_IP
$2
EOF
}
stack() { # LOGNAME CONFIG MAIN ARGS...: an unmodified sample on the stack, in the background
  local log=$1 conf=$2; shift 2
  if [[ $dry -eq 1 ]]; then
    printf '      would run: %s\n' "$JAVA -javaagent:$JAR=config=$OUT/$conf.properties -cp $SAMPLES $*"
    return 0
  fi
  "$JAVA" -javaagent:"$JAR"=config="$OUT/$conf.properties" -cp "$SAMPLES" "$@" >"$OUT/$log.log" 2>&1 &
  pids+=($!)
}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
wait_for() { # LOG TEXT
  [[ $dry -eq 1 ]] && return 0
  for _ in $(seq 1 200); do grep -q "$2" "$OUT/$1.log" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

echo "jbypass rdma bring-up on $IFACE$([[ $dry -eq 1 ]] && echo ' (dry run)'); logs in $OUT"

# 1. Kernel modules and the verbs device nodes.
missing=()
for m in mlx5_core mlx5_ib ib_uverbs; do [[ -d $SYS/module/$m ]] || missing+=("$m"); done
if [[ ${#missing[@]} -eq 0 ]]; then record PASS modules "mlx5_core mlx5_ib ib_uverbs loaded"
else record FAIL modules "not loaded: ${missing[*]} (modprobe ${missing[*]})"; fi

# 2. netdev -> PCI function -> RDMA device -> uverbs node.
net=$SYS/class/net/$IFACE
if [[ ! -e $net ]]; then
  record FAIL netdev "no interface '$IFACE' here (ip link)"
  printf '%s\n' "${report[@]}" >"$OUT/report.txt"
  exit 1
fi
fn=$(readlink -f "$net/device" 2>/dev/null || true)
pci=$(basename "${fn:-none}")
driver=$(basename "$(readlink -f "$fn/driver" 2>/dev/null || echo none)")
ibdev=$(ls "$fn/infiniband" 2>/dev/null | head -1)
uverbs=$(ls "$fn/infiniband_verbs" 2>/dev/null | head -1)
if [[ -z $fn || ! -d $fn ]]; then record FAIL mapping "'$IFACE' has no PCI function (a veth, bridge, bond?)"
elif [[ $driver != mlx5_core ]]; then record FAIL mapping "'$IFACE' (PCI $pci) is driven by $driver, not mlx5_core"
elif [[ -z $ibdev ]]; then record FAIL mapping "no RDMA device behind $pci (modprobe mlx5_ib; devlink dev param show pci/$pci name enable_roce)"
elif [[ -z $uverbs ]]; then record FAIL mapping "$ibdev has no uverbs node (modprobe ib_uverbs)"
elif [[ ! -e $DEV/infiniband/$uverbs ]]; then record FAIL mapping "$DEV/infiniband/$uverbs is missing (a container: --device=/dev/infiniband/$uverbs)"
else record PASS mapping "$IFACE -> PCI $pci ($driver) -> $ibdev -> $DEV/infiniband/$uverbs"; fi

# 3. The function: PF or VF, SR-IOV, MAC, MTU, up.
mac=$(cat "$net/address" 2>/dev/null || echo unknown)
mtu=$(cat "$net/mtu" 2>/dev/null || echo unknown)
flags=$(cat "$net/flags" 2>/dev/null || echo 0x1)
vfs=$(cat "$fn/sriov_numvfs" 2>/dev/null || echo 0)
if [[ -e $fn/physfn ]]; then
  pf=$(basename "$(readlink -f "$fn/physfn")")
  pf_if=$(ls "$fn/physfn/net" 2>/dev/null | head -1)
  record INFO function "SR-IOV VF $pci of PF $pf (${pf_if:-no netdev}); MAC $mac, MTU $mtu: use mac = $mac with allow-netdev-mac = true, or ip link set ${pf_if:-PF} vf N spoofchk off trust on"
  vf_if=$IFACE
else
  record INFO function "PF $pci, MAC $mac, MTU $mtu, $vfs VFs enabled$([[ $vfs -gt 0 ]] && echo ': only MACs registered in its FDB reach it (jbypass registers its own)')"
  vf_if=""
  for v in "$fn"/virtfn*; do
    [[ -e $v/net ]] || continue
    vf_if=$(ls "$v/net" 2>/dev/null | head -1)
    [[ -n $vf_if ]] && break
  done
fi
if (( (flags & 1) == 0 )); then record FAIL link "'$IFACE' is administratively down: ip link set dev $IFACE up"
else record PASS link "'$IFACE' is up"; fi

# 4. Direct Verbs: an mlx5 device with CQE version 1 (the driver's own check, at open, is the authority).
if [[ -n $ibdev ]]; then
  run devinfo ibv_devinfo -v -d "$ibdev"
  if [[ $dry -eq 1 ]]; then record DRY dv "ibv_devinfo -v -d $ibdev: the open log line says mode=dv or ibv"
  elif grep -q "transport:.*InfiniBand" "$OUT/devinfo.log" && grep -q "link_layer:.*Ethernet" "$OUT/devinfo.log"; then
    record PASS dv "$ibdev lists an Ethernet port (ibv_devinfo); the open log line says the mode"
  else record FAIL dv "ibv_devinfo -d $ibdev failed or shows no Ethernet port: see $OUT/devinfo.log"; fi
fi

# 5. Counters before.
run ethtool-before ethtool -S "$IFACE"
record "$([[ $dry -eq 1 ]] && echo DRY || echo INFO)" counters-before "ethtool -S $IFACE -> $OUT/ethtool-before.log"

# 6. Ping both ways: the peer pings the stack (the stack answers ARP and ICMP); the stack pings the peer (UDP).
config base ""
if need_peer ping; then
  on_peer pcap-start "nohup tcpdump -i $PEER_IF -w /tmp/jbypass-bringup.pcap ether host $mac or host $stack_addr >/dev/null 2>&1 & sleep 1"
  stack pong base org.jbypass.samples.UdpPingPong pong "$stack_addr" 7001
  wait_for pong "listening" || true
  if on_peer ping "ping -c 5 -W 2 $stack_addr"; then record "$(pass)" ping-to-stack "$PEER -> $stack_addr"
  else record FAIL ping-to-stack "no answer: check the open log ($OUT/pong.log), ethtool -S rx_steer_missed, and on a VF or SR-IOV PF: bridge fdb show dev $IFACE"; fi
  on_peer peer-pong "nohup java -cp /tmp/jbypass-samples.jar org.jbypass.samples.UdpPingPong pong $PEER_IP 7002 >/dev/null 2>&1 &"
  if run ping-from-stack "$JAVA" -javaagent:"$JAR"=config="$OUT/base.properties" -cp "$SAMPLES" \
      org.jbypass.samples.UdpPingPong ping "$PEER_IP" 7002 10; then record "$(pass)" ping-from-stack "UDP ping $stack_addr -> $PEER_IP"
  else record FAIL ping-from-stack "see $OUT/ping-from-stack.log"; fi
fi

# 7. TCP both ways, 64 MB each, checked by SHA-256 (TcpEchoClient compares digests of what it sent and got back).
tcp_both() { # TAG CONFIG
  stack "echo-$1" "$2" org.jbypass.samples.TcpEchoServer "$stack_addr" 7007
  wait_for "echo-$1" "listening" || true
  if on_peer "tcp-to-stack-$1" "java -cp /tmp/jbypass-samples.jar org.jbypass.samples.TcpEchoClient $stack_addr 7007 64" \
      && { [[ $dry -eq 1 ]] || grep -q identical "$OUT/tcp-to-stack-$1.log"; }; then
    record "$(pass)" "tcp-to-stack-$1" "64 MB peer -> stack -> peer, SHA-256 identical"
  else record FAIL "tcp-to-stack-$1" "see $OUT/tcp-to-stack-$1.log and $OUT/echo-$1.log"; fi
  on_peer "peer-echo-$1" "nohup java -cp /tmp/jbypass-samples.jar org.jbypass.samples.TcpEchoServer $PEER_IP 7008 >/dev/null 2>&1 &"
  if run "tcp-from-stack-$1" "$JAVA" -javaagent:"$JAR"=config="$OUT/$2.properties" -cp "$SAMPLES" \
      org.jbypass.samples.TcpEchoClient "$PEER_IP" 7008 64 && { [[ $dry -eq 1 ]] || grep -q identical "$OUT/tcp-from-stack-$1.log"; }; then
    record "$(pass)" "tcp-from-stack-$1" "64 MB stack -> peer -> stack, SHA-256 identical"
  else record FAIL "tcp-from-stack-$1" "see $OUT/tcp-from-stack-$1.log"; fi
  on_peer "peer-echo-stop-$1" "pkill -f 'TcpEchoServer $PEER_IP 7008'"
}
if need_peer tcp; then
  run copy-samples scp -q "$SAMPLES" "$PEER:/tmp/jbypass-samples.jar"
  tcp_both base base
  # 8. Four receive queues (RSS over Toeplitz hash QPs); the per-queue counters are in the JMX bean
  #    org.jbypass:type=Stack (link.cx.rx0.packets, ...), in RdmaLink.describeCounters(), and in the log at close.
  config rss4 "interface.cx.rx-queues = 4"
  tcp_both rss4 rss4
  #    The stack logs each port's per-queue counters when it closes (describeCounters), which the stack side of
  #    the transfer to the peer did: one TCP flow stays on one receive queue, ARP on queue 0.
  if [[ $dry -eq 1 ]]; then
    record DRY rss4-queues "rx0..rx3 and tx0..tx3 packets from the counters the stack logs at close ($OUT/tcp-from-stack-rss4.log)"
  else
    queues=$(grep -oE '^(rx|tx)[0-9]+ packets=[0-9]+' "$OUT/tcp-from-stack-rss4.log" | tr '\n' ' ')
    record INFO rss4-queues "${queues:-no per-queue counters in $OUT/tcp-from-stack-rss4.log}"
  fi
  # 9. CQE compression off (on is the default, exercised above).
  config nocomp "interface.cx.cqe-compression = false"
  tcp_both nocomp nocomp
  # 10. An oversized frame: the peer sends a datagram larger than the stack's MTU without fragmenting it; the
  #     adapter drops it (ethtool -S shows it) and the stack keeps working.
  on_peer oversize "ping -c 2 -M do -s 9000 $stack_addr; ping -c 2 $stack_addr"
  record "$([[ $dry -eq 1 ]] && echo DRY || echo INFO)" oversize "9000-byte DF ping then a normal one: see $OUT/oversize.log"
fi

# 11. A VF, when the PF has one with a netdev here.
if [[ -n ${vf_if:-} && $vf_if != "$IFACE" ]]; then
  record INFO vf "VF netdev $vf_if: run this script on it too (scripts/rdma-bringup.sh $vf_if)"
elif [[ -z ${vf_if:-} ]]; then
  record INFO vf "no VF here (echo 1 > $fn/sriov_numvfs makes one)"
fi

# 12. Counters after, and what moved.
run ethtool-after ethtool -S "$IFACE"
if [[ $dry -eq 1 ]]; then
  record DRY counters-after "ethtool -S $IFACE; differences in rx_discards, rx_steer_missed, rx_out_of_buffer, *_err*"
else
  moved=$(join <(sed -n 's/^ *\([a-z0-9_]*\): \([0-9]*\)$/\1 \2/p' "$OUT/ethtool-before.log" | sort) \
               <(sed -n 's/^ *\([a-z0-9_]*\): \([0-9]*\)$/\1 \2/p' "$OUT/ethtool-after.log" | sort) \
          | awk '$3 != $2 && $1 ~ /discard|steer_miss|out_of_buffer|err|drop/ {printf "%s +%d ", $1, $3 - $2}')
  record INFO counters-after "${moved:-no drop or error counter moved}"
fi

# 13. The pcap, taken on the peer during the traffic steps.
if [[ -n $PEER ]]; then
  on_peer pcap-stop "pkill -f 'tcpdump -i $PEER_IF -w /tmp/jbypass-bringup.pcap'"
  run pcap-copy scp -q "$PEER:/tmp/jbypass-bringup.pcap" "$OUT/peer.pcap"
  record "$([[ $dry -eq 1 ]] && echo DRY || echo INFO)" pcap "$OUT/peer.pcap (tcpdump -r it)"
fi

printf '%s\n' "${report[@]}" >"$OUT/report.txt"
echo "report: $OUT/report.txt"
exit $failed
