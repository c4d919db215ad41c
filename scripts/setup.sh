#!/usr/bin/env bash
# Installs what building, testing and demonstrating jbypass need on Debian 12, from Debian's packages only.
# Idempotent: does nothing when everything is present. Sourced or run by ./demo.sh and ./test.sh.
set -euo pipefail

JBYPASS_PACKAGES=(
  maven openjdk-17-jdk-headless      # build (Maven drives CMake) and the default JDK
  cmake gcc make libc6-dev            # the native shim
  libibverbs-dev rdma-core            # rdma-core 44 headers (verbs.h, mlx5dv.h); loaded at run time
  iproute2 ethtool iputils-ping       # namespaces, veth pairs, offload settings, ping
  tcpdump tshark                      # captures asserted by tests
  socat curl iperf3 sockperf          # kernel-side peers and reference measurements
  python3 python3-scapy               # crafting fixtures
  procps                              # sysctl
)

missing_packages() {
  local missing=()
  for p in "${JBYPASS_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  echo "${missing[@]:-}"
}

missing=$(missing_packages)
if [[ -n "$missing" ]]; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "jbypass setup: missing packages: $missing; run as root (or install them) first" >&2
    exit 1
  fi
  echo "jbypass setup: installing $missing"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; the default (no) is fine for us.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# The JDKs the tests run on: Debian's 17 (the default java) and Temurin 25 under /usr/lib/jvm.
export JBYPASS_JDK17=${JBYPASS_JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
if [[ -z "${JBYPASS_JDK25:-}" ]]; then
  JBYPASS_JDK25=$(ls -d /usr/lib/jvm/temurin-25* /usr/lib/jvm/jdk-25* 2>/dev/null | head -1 || true)
fi
export JBYPASS_JDK25
