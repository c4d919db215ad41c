#!/usr/bin/env bash
# Runs every test: the C tests (ctest), and the Maven unit and integration tests on JDK 17 and on JDK 25.
# Tests that need root (network namespaces, veth pairs, AF_PACKET) run when this is run as root and are skipped,
# each with its reason, otherwise.
#
#   ./test.sh            everything
#   ./test.sh --quick    JDK 17 only, no jcstress
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

quick=0
[[ "${1:-}" == "--quick" ]] && quick=1

step() { printf '\n=== %s ===\n' "$*"; }
start=$SECONDS

step "native: cmake build and ctest"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --parallel 2
ctest --test-dir build --output-on-failure

run_maven() {
  local jdk=$1
  step "maven verify on $("$jdk/bin/java" -version 2>&1 | head -1)"
  JAVA_HOME="$jdk" mvn -B -ntp verify
}

run_maven "$JBYPASS_JDK17"

if [[ $quick -eq 0 ]]; then
  if [[ -z "$JBYPASS_JDK25" ]]; then
    echo "test.sh: no JDK 25 under /usr/lib/jvm (temurin-25*); set JBYPASS_JDK25 to its home" >&2
    exit 1
  fi
  run_maven "$JBYPASS_JDK25"

  if [[ -f jcstress/target/jcstress.jar ]]; then
    step "jcstress (sanity mode) on JDK 17"
    # jcstress writes its binary results into the working directory: keep them in build/.
    (cd build && "$JBYPASS_JDK17/bin/java" -jar ../jcstress/target/jcstress.jar -m sanity -r jcstress-results | tail -25)
  fi
fi

step "all tests passed in $((SECONDS - start)) s"
