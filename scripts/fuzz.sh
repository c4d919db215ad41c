#!/usr/bin/env bash
# Fuzzes one Jazzer @FuzzTest class for real (a plain `mvn test` only replays its committed inputs).
#
#   scripts/fuzz.sh MODULE CLASS [SECONDS [MAVEN ARGS...]]   e.g. scripts/fuzz.sh netstack WireFuzzTest 300
#
# Jazzer fuzzes one @FuzzTest per JVM: name a class with one, or CLASS#method. New coverage goes to
# MODULE/.cifuzz-corpus/ (not committed); a crash, leak or failed invariant stops the run and is written as
# MODULE/src/test/resources/<package>/<Class>Inputs/<method>/crash-<sha1>, which `mvn test` then replays: rename it
# for what it shows, fix the bug, and commit both. The fuzzer's statistics (executions, coverage, exec/s) are in
# MODULE/target/fuzz-<Class>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -lt 2 ]]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
module=$1
class=$2
seconds=${3:-300}
shift $(( $# >= 3 ? 3 : 2 ))
also_make=()
[[ "$module" != netstack ]] && also_make=(-am -Dsurefire.failIfNoSpecifiedTests=false)
log=$module/target/fuzz-${class//#/-}.log
mkdir -p "$module/target"
# jazzer.internal.arg.N are libFuzzer's arguments; -max_total_time here overrides the @FuzzTest's maxDuration.
# The targets read structured inputs (FuzzedDataProvider): let inputs be long from the start.
JAZZER_FUZZ=1 mvn -B -ntp -o -pl "$module" "${also_make[@]}" test -Dtest="$class" \
  -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-max_total_time="$seconds" \
  -Djazzer.internal.arg.2=-max_len="${FUZZ_MAX_LEN:-4096}" -Djazzer.internal.arg.3=-len_control=0 "$@" > "$log" 2>&1 || status=$?
echo "--- libFuzzer's last statistics (the whole run is in $log):"
grep -E '^#[0-9]+' "$log" | tail -1 || true
grep -E '^Done [0-9]+ runs|FuzzTestFindingException|Tests run:.*Fail' "$log" | tail -4 || true
exit "${status:-0}"
