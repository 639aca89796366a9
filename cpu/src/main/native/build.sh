#!/usr/bin/env bash
# Builds the cpu backend's native step kernel (recur_cpu.c) into the module's classes, so the jar carries it:
#   build.sh OUTPUT_DIR JAVA_HOME
# Called by Maven (cpu/pom.xml, phase compile). Where the library cannot be built here (not Linux x86-64, no C
# compiler, no jni.h) it says why and exits 0: the backend then runs its Java kernels. A compiler error fails.
set -euo pipefail
out="$1"
java_home="$2"
here="$(cd "$(dirname "$0")" && pwd)"
if [[ "$(uname -s)" != Linux || "$(uname -m)" != x86_64 ]]; then
  echo "recur-cpu native kernel: skipped (built on Linux x86-64 only, this is $(uname -s) $(uname -m))"
  exit 0
fi
cc="${CC:-cc}"
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "recur-cpu native kernel: skipped (no C compiler '$cc'; on Debian: apt-get install gcc)"
  exit 0
fi
if [[ ! -f "$java_home/include/jni.h" ]]; then
  echo "recur-cpu native kernel: skipped (no $java_home/include/jni.h: build with a JDK)"
  exit 0
fi
lib="$out/dev/recur/cpu/native/linux-x86_64/librecurcpu.so"
mkdir -p "$(dirname "$lib")"
if [[ -f "$lib" && "$lib" -nt "$here/recur_cpu.c" && "$lib" -nt "$0" ]]; then
  exit 0
fi
# -O3 for the unrolled register tiles; -ffp-contract=off so the cells round as Java does (no fused multiply-add);
# no -march: only the kernels carry target("avx2,fma"), and Java calls them
# after the library's own CPU check.
"$cc" -O3 -std=c11 -ffp-contract=off -shared -fPIC -Wall -Wextra -Werror -fvisibility=hidden \
  -I"$java_home/include" -I"$java_home/include/linux" -o "$lib.tmp" "$here/recur_cpu.c"
mv "$lib.tmp" "$lib"
echo "recur-cpu native kernel: built $lib"
