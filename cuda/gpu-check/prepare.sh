#!/usr/bin/env bash
# Run HERE (a machine with Maven, the ~/.m2 repository and a JDK 17 with jmods), from the repository root, after
# `mvn -o install -DskipTests`. Builds cuda/target/gpu-check/: a small Java runtime (jlink), every jar the cuda
# tests need, the compiled classes and the golden cases, so that a bare GPU machine with no Java and no network
# can run the GPU tests: carry `cuda/target/gpu-check` and run cuda/gpu-check/run.sh there (see README.md).
set -euo pipefail
root="$(pwd)"
out="$root/cuda/target/gpu-check"
golden="${GOLDEN_DIR:-$root/../shared/golden}"
rm -rf "$out" && mkdir -p "$out/lib"
nice -n 10 mvn -B -o -q -pl cuda dependency:copy-dependencies -DincludeScope=test -DoutputDirectory="$out/lib"
# The cuda module's own classes; openblas stays (the cpu backend is the conformance reference); *-redist never.
rm -f "$out"/lib/*-redist*.jar
cp -r "$root/cuda/target/classes" "$out/classes"
cp -r "$root/cuda/target/test-classes" "$out/test-classes"
cp -r "$golden" "$out/golden"
# The cpu backend loads only openblas_nolapack: drop the LAPACK JNI libraries and headers (-10 MiB), so that the
# folder plus the repository stays under the device tool's 64 MiB.
(cd "$out/lib" && zip -q -d openblas-*-linux-x86_64.jar 'org/bytedeco/openblas/*/libjniopenblas.so' \
  'org/bytedeco/openblas/*/libjniopenblas_full.so' 'org/bytedeco/openblas/*/include/*')
# java.base, JUL (JUnit), sun.misc.Unsafe (JavaCPP) and the Vector API (the cpu reference) are all these tests
# use: about 34 MiB.
jlink --add-modules java.base,java.logging,jdk.unsupported,jdk.incubator.vector \
  --strip-debug --no-header-files --no-man-pages --compress=2 --output "$out/jre"
du -sh "$out" "$out"/*
