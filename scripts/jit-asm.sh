#!/usr/bin/env bash
# The JIT's machine code and inlining decisions for one method of the stack, under StackPhases (the stack's cost
# per packet over the memory wire, docs/PERFORMANCE.md (c)): how the PERFORMANCE.md (c) third round found why the
# checksum loop ran 35% slower inside a larger caller. Needs root the first time (installs hsdis).
#
#   scripts/jit-asm.sh 'org.jbypass.netstack.wire.TcpHeader::checksumOk' tcp
#                               METHOD (Class::method, what C2 compiled with its inlined callees) and StackPhases
#                               cases; writes target/jit/METHOD.txt (PrintAssembly), METHOD.s (disassembled C2 code)
#                               and inlining.txt (PrintCompilation + PrintInlining of the whole run)
#   JAR=/tmp/other.jar scripts/jit-asm.sh ...      another build's benchmarks.jar, to compare two builds
#
# hsdis: Debian's libhsdis0-fcml (installed here when missing) exports only the old decode_instructions entry,
# which JDK 17 does not call, so PrintAssembly prints the code as hex words; the script disassembles those with
# objdump (binutils) instead, so it works with or without a decoding hsdis.
set -euo pipefail
cd "$(dirname "$0")/.."

METHOD=${1:?usage: scripts/jit-asm.sh Class::method [StackPhases cases]}
shift
CASES=("$@")
JAVA=${JAVA:-java}
JAR=${JAR:-benchmarks/target/benchmarks.jar}
OUT=target/jit
mkdir -p "$OUT"

if ! ls "$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.home = //p')"/lib/hsdis-*.so \
    >/dev/null 2>&1; then
  apt-get install -y -q libhsdis0-fcml >/dev/null
fi
command -v objdump >/dev/null || apt-get install -y -q binutils >/dev/null
if [[ ! -f $JAR ]]; then
  mvn -B -q -ntp -DskipTests -pl benchmarks -am package
fi

name=${METHOD//[^A-Za-z0-9_.]/_}
pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)
"${pin[@]}" "$JAVA" -XX:+UnlockDiagnosticVMOptions -XX:+PrintCompilation -XX:+PrintInlining \
  -cp "$JAR" org.jbypass.benchmarks.stack.StackPhases "${CASES[@]}" > "$OUT/inlining.txt" 2>&1
"${pin[@]}" "$JAVA" -XX:+UnlockDiagnosticVMOptions "-XX:CompileCommand=print,$METHOD" \
  -cp "$JAR" org.jbypass.benchmarks.stack.StackPhases "${CASES[@]}" > "$OUT/$name.txt" 2>&1

python3 - "$OUT/$name.txt" > "$OUT/$name.s" <<'PY'
import re, subprocess, sys, tempfile
text = open(sys.argv[1]).read()
for block in re.split(r'Compiled method ', text)[1:]:
    header = block.split('\n')[0]
    if '(c2)' not in header or '[Verified Entry Point]' not in block:
        continue
    print('#', header)
    code = block.split('[Verified Entry Point]')[1].split('[Exception Handler]')[0]
    if re.search(r'^\s*0x[0-9a-f]+: +[a-z]{2,}', code, re.M):
        print(code)  # hsdis decoded it already
        continue
    start, data = None, b''
    for line in code.split('\n'):
        m = re.match(r'\s*0x([0-9a-f]+): ([0-9a-f |]+)$', line)
        if not m or ';' in line:
            continue
        start = start if start is not None else int(m.group(1), 16)
        data += bytes.fromhex(m.group(2).replace('|', '').replace(' ', ''))
    with tempfile.NamedTemporaryFile() as f:
        f.write(data)
        f.flush()
        out = subprocess.run(['objdump', '-D', '-b', 'binary', '-m', 'i386:x86-64', '-M', 'intel',
                              '--adjust-vma=%#x' % start, f.name], capture_output=True, text=True).stdout
    print('\n'.join(out.split('\n')[7:]))
PY
echo "C2 compilations of $METHOD: $(grep -c '^#' "$OUT/$name.s"); code in $OUT/$name.s, inlining in $OUT/inlining.txt"
grep -E "round [0-9]" "$OUT/$name.txt" | tail -3 || true
