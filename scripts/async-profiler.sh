# async-profiler for the profiling scripts (sourced by scripts/profile.sh, scripts/profile-bulk.sh and
# scripts/bench-jmh.sh; not run on its own). async-profiler samples Java, the JVM and the kernel in one stack (perf
# events' cpu-clock, with AsyncGetCallTrace for the Java frames: no safepoint bias, threads in native code and system
# calls included, where JFR takes no execution samples). It comes from Maven Central like every other dependency:
# tools.profiler:async-profiler (whose jar holds linux-x64/libasyncProfiler.so) and tools.profiler:jfr-converter
# (recordings to HTML flame graphs and collapsed stacks), copied by Maven's dependency plugin into
# target/async-profiler/ on first use. Offline, or on a machine it does not support, ap_setup says why and fails,
# and the callers take JFR profiles as before.
#
# A recording is async-profiler's JFR output (one file, any number of views after the fact); ap_views turns it into
#   NAME.html       the flame graph, one tower per thread (open in a browser; click to zoom, Ctrl+F to search)
#   NAME-threads.html  the same for the case's own threads only (the echo thread and the poller: no JIT, no harness)
#   NAME.collapsed  the same stacks as text, one line per stack with its samples (grep, diff, flamegraph.pl)
#   NAME.txt        scripts/FlameSummary.py: samples by thread; by phase (PHASES), by kind of work and the top
#                   frames by self and by total time, overall and for the threads named (the echo thread, the poller)

AP_VERSION=4.1
AP_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1
AP_DIR=${AP_DIR:-$PWD/target/async-profiler}
AP_INTERVAL=${INTERVAL:-200us}   # one CPU sample per thread per this much CPU time: N (ns), Nus, Nms
AP_LIB=""
AP_CONVERTER=""

# Sets AP_LIB and AP_CONVERTER, fetching them once; says why on stderr and returns 1 when it cannot.
ap_setup()
{
    local arch
    case $(uname -s)-$(uname -m) in
        Linux-x86_64) arch=linux-x64 ;;
        Linux-aarch64) arch=linux-arm64 ;;
        *) echo "async-profiler: no library for $(uname -s) $(uname -m); taking JFR profiles instead" >&2; return 1 ;;
    esac
    local lib=$AP_DIR/$arch/libasyncProfiler.so converter=$AP_DIR/jfr-converter-$AP_VERSION.jar
    if [[ ! -f $lib || ! -f $converter ]]; then
        mkdir -p "$AP_DIR"
        local artifact
        for artifact in async-profiler jfr-converter; do
            if ! mvn -B -q -ntp -N "$AP_DEPENDENCY_PLUGIN:copy" -Dartifact="tools.profiler:$artifact:$AP_VERSION" \
                -DoutputDirectory="$AP_DIR" >"$AP_DIR/fetch.log" 2>&1; then
                echo "async-profiler: tools.profiler:$artifact:$AP_VERSION could not be fetched from Maven Central" \
                    "(offline? see $AP_DIR/fetch.log); taking JFR profiles instead" >&2
                return 1
            fi
        done
        if ! unzip -o -q "$AP_DIR/async-profiler-$AP_VERSION.jar" "$arch/libasyncProfiler.so" -d "$AP_DIR" \
            2>/dev/null && ! python3 -c \
            'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' \
            "$AP_DIR/async-profiler-$AP_VERSION.jar" "$arch/libasyncProfiler.so" "$AP_DIR"; then
            echo "async-profiler: could not extract $arch/libasyncProfiler.so (needs unzip or python3);" \
                "taking JFR profiles instead" >&2
            return 1
        fi
    fi
    # JMH takes the interval in the event's unit only (nanoseconds for cpu): every caller gets nanoseconds.
    case $AP_INTERVAL in
        *[0-9]us) AP_INTERVAL=$((${AP_INTERVAL%us} * 1000)) ;;
        *[0-9]ms) AP_INTERVAL=$((${AP_INTERVAL%ms} * 1000000)) ;;
        *[0-9]ns) AP_INTERVAL=${AP_INTERVAL%ns} ;;
    esac
    if [[ ! $AP_INTERVAL =~ ^[0-9]+$ ]]; then
        echo "INTERVAL: a number of ns, us or ms (e.g. 200us), not $AP_INTERVAL" >&2
        return 1
    fi
    AP_LIB=$lib
    AP_CONVERTER=$converter
}

# The -agentpath option that profiles a JVM from its start to its exit into RECORDING (async-profiler's JFR format).
ap_agent() # RECORDING
{
    echo "-agentpath:$AP_LIB=start,event=cpu,interval=$AP_INTERVAL,jfr,file=$1"
}

# JMH's -prof argument: async-profiler over the measured iterations of each fork, a recording per benchmark and
# parameter set under DIR (DIR/<benchmark>-<parameters>/jfr-cpu.jfr).
ap_jmh() # DIR
{
    echo "async:libPath=$AP_LIB;event=cpu;interval=$AP_INTERVAL;output=jfr;dir=$1"
}

# Loads async-profiler into a running JVM and starts it (the JVM's attach mechanism, as async-profiler's own
# launcher does), or stops it, writing the recording named when it started. jcmd parses NAME=VALUE in its arguments,
# hence the quotes inside the option string; it exits 0 whatever the agent answered, hence the look for [ERROR].
ap_attach() # PID COMMAND
{
    local answer
    answer=$(jcmd "$1" JVMTI.agent_load "$AP_LIB" "\"$2\"" 2>&1) || true
    if [[ $answer != *"return code: 0"* ]]; then
        echo "async-profiler: '$2' in JVM $1 failed: $answer" >&2
        return 1
    fi
}
ap_attach_start() # PID RECORDING
{
    ap_attach "$1" "start,event=cpu,interval=$AP_INTERVAL,jfr,file=$2"
}
ap_attach_stop() # PID
{
    ap_attach "$1" stop
}

# RECORDING -> BASE.html, BASE.collapsed, BASE.txt (see the top of this file), and with THREAD-WORDs (a word in
# the names of the case's own threads: the echo thread, the poller) BASE-threads.html, the flame graph of those
# threads only (no JIT, no test harness: the one to read first, and small), and their own sections in BASE.txt.
ap_views() # RECORDING BASE TITLE [THREAD-WORD...]
{
    local recording=$1 base=$2 title=$3
    shift 3
    local convert=("${JAVA:-java}" -jar "$AP_CONVERTER" --cpu --threads --dot --norm)
    "${convert[@]}" -o collapsed "$recording" "$base.collapsed" >/dev/null
    "${convert[@]}" --title "$title" -o html "$recording" "$base.html" >/dev/null
    if [[ $# -gt 0 ]]; then
        local words
        words=$(IFS='|'; echo "$*")
        "${convert[@]}" --include "\\[.*($words).*" --title "$title ($*)" -o html "$recording" \
            "$base-threads.html" >/dev/null
    fi
    python3 "$(dirname "${BASH_SOURCE[0]}")/FlameSummary.py" "$base.collapsed" "$@" >"$base.txt"
    echo "flame graph: $base.html${1:+ (its own threads: $base-threads.html)}"
    echo "summary:     $base.txt"
}
