#!/usr/bin/env bash
# CI for scripts/rdma-bringup.sh: its dry run against the fake sysfs tree (fake_sysfs.h), on the PF, on a VF and on
# interfaces it must refuse, checking the facts it reads and that every step is in the report.
#   rdma_bringup_test.sh FAKE_SYSFS_TREE_BINARY SCRIPT
set -euo pipefail
tree_bin=$1
script=$2
work=$(mktemp -d /tmp/jbp-bringup-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$tree_bin" "$work/root" >/dev/null
export JBP_SYS=$work/root/sys JBP_DEV=$work/root/dev
fail() { echo "rdma_bringup_test: $*" >&2; exit 1; }
expect() { grep -qF -- "$2" "$1" || { cat "$1"; fail "missing: $2"; }; }

OUT=$work/pf "$script" --dry-run eth5 >"$work/pf.txt" 2>&1 || { cat "$work/pf.txt"; fail "PF dry run failed"; }
expect "$work/pf.txt" "PASS  modules"
expect "$work/pf.txt" "eth5 -> PCI 0000:03:00.0 (mlx5_core) -> mlx5_0 -> $JBP_DEV/infiniband/uverbs0"
expect "$work/pf.txt" "PF 0000:03:00.0, MAC b8:59:9f:00:00:10, MTU 9000, 2 VFs enabled"
expect "$work/pf.txt" "PASS  link"
expect "$work/pf.txt" "ibv_devinfo -v -d mlx5_0"
expect "$work/pf.txt" "VF netdev eth5v0"
for step in counters-before ping-to-stack ping-from-stack tcp-to-stack-base tcp-from-stack-base tcp-to-stack-rss4 rss4-queues tcp-from-stack-nocomp \
    oversize counters-after pcap; do
  expect "$work/pf.txt" " $step "
done
grep -q "^PASS  ping" "$work/pf.txt" && fail "a dry run claims traffic passed"
grep -q "rx-queues = 4" "$work/pf/rss4.properties" || fail "rss4 config"
grep -q "cqe-compression = false" "$work/pf/nocomp.properties" || fail "nocomp config"
expect "$work/pf/report.txt" "PASS  mapping"

OUT=$work/vf "$script" --dry-run eth5v1 >"$work/vf.txt" 2>&1 || { cat "$work/vf.txt"; fail "VF dry run failed"; }
expect "$work/vf.txt" "eth5v1 -> PCI 0000:03:00.2 (mlx5_core) -> mlx5_2"
expect "$work/vf.txt" "SR-IOV VF 0000:03:00.2 of PF 0000:03:00.0 (eth5)"
expect "$work/vf.txt" "mac = 02:11:22:33:44:55 with allow-netdev-mac = true"

# Refusals: a netdev without a PCI function, a non-mlx5 NIC, a missing module, a missing node, a netdev down.
if OUT=$work/veth "$script" --dry-run veth0 >"$work/veth.txt" 2>&1; then fail "veth0 passed"; fi
expect "$work/veth.txt" "FAIL  mapping"
if OUT=$work/virtio "$script" --dry-run ens5 >"$work/virtio.txt" 2>&1; then fail "ens5 passed"; fi
expect "$work/virtio.txt" "driven by virtio-pci, not mlx5_core"
if OUT=$work/none "$script" --dry-run eth9 >"$work/none.txt" 2>&1; then fail "eth9 passed"; fi
expect "$work/none.txt" "no interface 'eth9'"
rmdir "$JBP_SYS/module/ib_uverbs"
rm "$JBP_DEV/infiniband/uverbs0"
echo 0x1002 >"$JBP_SYS/class/net/eth5/flags"
if OUT=$work/broken "$script" --dry-run eth5 >"$work/broken.txt" 2>&1; then fail "a broken host passed"; fi
expect "$work/broken.txt" "not loaded: ib_uverbs (modprobe ib_uverbs)"
expect "$work/broken.txt" "uverbs0 is missing (a container: --device=/dev/infiniband/uverbs0)"
expect "$work/broken.txt" "ip link set dev eth5 up"
echo "rdma_bringup_test: ok"
