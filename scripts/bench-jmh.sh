#!/usr/bin/env bash
# Benchmarks, run on request only (never by the tests): the JMH benchmarks of benchmarks/, with the short defaults
# their annotations give (one fork, 3 warm-up and 5 measured iterations of 2 s each: about 20 s per benchmark and
# parameter, about 6 minutes for everything). Builds benchmarks/target/benchmarks.jar when it is missing; needs no
# root. What each benchmark measures and how to read it: the README's Performance section, and the Javadoc of
# org.jbypass.benchmarks.
#
#   scripts/bench-jmh.sh                          everything
#   scripts/bench-jmh.sh stack                    a group: stack (the stack's cost per packet), rdma (Direct Verbs
#                                                 over the mlx5 model), nio (request/response, stack and kernel);
#                                                 any other word is a JMH regular expression over benchmark names
#   scripts/bench-jmh.sh stack -prof gc           more arguments go to JMH: -prof gc adds gc.alloc.rate.norm (B/op);
#   scripts/bench-jmh.sh nio -prof org.jbypass.benchmarks.WakeupProfiler
#                                                 thread wakeups per operation (voluntary context switches), stack
#                                                 and kernel alike; scripts/profile.sh takes JFR profiles
#   scripts/bench-jmh.sh nio -p backend=stack     -p NAME=VALUES picks parameters; -f, -wi, -i, -w, -r change the
#                                                 run's length (java -jar benchmarks/target/benchmarks.jar -h)
#   STACK_CONFIG=latency.properties scripts/bench-jmh.sh nio
#                                                 keys added to the nio benchmarks' stack configuration
#   JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java scripts/bench-jmh.sh
#   PROFILER=async scripts/bench-jmh.sh stack -p payload=64
#                                                 async-profiler over the measured iterations (CPU, Java and kernel
#                                                 frames, INTERVAL=200us by default): per benchmark and parameter set,
#                                                 a flame graph, collapsed stacks and a summary of the top frames in
#                                                 benchmarks/target/async/ (scripts/async-profiler.sh; fetched from
#                                                 Maven Central on first use). scripts/profile.sh profiles issue 12's
#                                                 cases with the same tool
#
# The results also go to benchmarks/target/jmh-result.json. The machine's load is printed first: on a shared
# machine, compare figures of one run only (the nio benchmarks run stack and kernel side by side for that reason).
set -euo pipefail
cd "$(dirname "$0")/.."

JAVA=${JAVA:-java}
STACK_CONFIG=${STACK_CONFIG:-}
JAR=benchmarks/target/benchmarks.jar

if [[ ! -f $JAR ]]; then
  mvn -B -q -ntp -DskipTests -pl benchmarks -am package
fi

pattern=""
case "${1:-}" in
  stack) pattern='org\.jbypass\.benchmarks\.stack\.'; shift ;;
  rdma)  pattern='RdmaModelBenchmark'; shift ;;
  nio)   pattern='org\.jbypass\.benchmarks\.nio\.'; shift ;;
  ""|-*) ;;
  *)     pattern=$1; shift ;;
esac

jvm=()
if [[ -n "$STACK_CONFIG" ]]; then
  # The forked benchmark JVMs inherit the options of this one.
  jvm+=("-Djbypass.benchmark.config=$(realpath "$STACK_CONFIG")")
fi

profiler=()
[[ ${PROFILE:-} == async ]] && PROFILER=async   # the same word as profile.sh's PROFILE=..., for who types that
if [[ ${PROFILER:-} == async ]]; then
  # shellcheck source=scripts/async-profiler.sh
  source scripts/async-profiler.sh
  ap_setup || exit 1
  rm -rf benchmarks/target/async
  profiler=(-prof "$(ap_jmh "$PWD/benchmarks/target/async")" -jvmArgsPrepend
    '-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints')
elif [[ -n ${PROFILER:-} ]]; then
  echo "PROFILER: async or nothing, not $PROFILER (JFR: -prof jfr)" >&2
  exit 2
fi

echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores; $("$JAVA" -version 2>&1 | head -1)"
if [[ ${#profiler[@]} -eq 0 ]]; then
  exec "$JAVA" "${jvm[@]}" -jar "$JAR" ${pattern:+"$pattern"} -rf json -rff benchmarks/target/jmh-result.json "$@"
fi
"$JAVA" "${jvm[@]}" -jar "$JAR" ${pattern:+"$pattern"} "${profiler[@]}" \
  -rf json -rff benchmarks/target/jmh-result.json "$@"
while IFS= read -r rec; do
  dir=$(dirname "$rec")
  name=$(basename "$dir" | sed 's/^org\.jbypass\.\([a-z0-9]*\.\)*//')
  ap_views "$rec" "benchmarks/target/async/$name" "$name" jmh-worker jbypass-poller
done < <(find benchmarks/target/async -name '*.jfr' | sort)
