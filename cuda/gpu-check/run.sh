#!/usr/bin/env bash
# Run THERE (the GPU machine), from the repository root, with cuda/target/gpu-check carried (prepare.sh built it).
# Points LD_LIBRARY_PATH at the CUDA 13 runtime, cuBLAS, NVRTC and cuDNN 9 of the image's Python packages
# (nvidia-cuda-runtime, nvidia-cublas, nvidia-cuda-nvrtc, nvidia-cudnn-cu13) unless CUDA_LIBS names folders, then
# runs GpuCheck: provider (describe), conformance, golden, then the LSTM timing, then PyTorch's nn.LSTM at the
# same shapes (torch_lstm.py) where torch is installed. Extra arguments go to GpuCheck
# (--no-bench, or CudaLstmBench options). RECUR_JAVA_OPTS adds JVM options, e.g. -Drecur.cuda.sync=true.
set -uo pipefail
gc="cuda/target/gpu-check"
libs="${CUDA_LIBS:-}"
if [ -z "$libs" ]; then
  libs="$(python3 - <<'PY' 2>/dev/null
import glob, os, site
dirs = []
for sp in site.getsitepackages() + [site.getusersitepackages()]:
    dirs += sorted(d for d in glob.glob(os.path.join(sp, "nvidia", "*", "lib")) if os.path.isdir(d))
print(":".join(dirs))
PY
)"
fi
export LD_LIBRARY_PATH="${libs}${libs:+:}/usr/local/cuda/lib64:/usr/local/nvidia/lib64:${LD_LIBRARY_PATH:-}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
java="$gc/jre/bin/java"
[ -x "$java" ] || java=java
cp="$gc/classes:$gc/test-classes:$(ls "$gc"/lib/*.jar | tr '\n' ':')"
mkdir -p /tmp/recur-kernels
# shellcheck disable=SC2086
"$java" --add-modules=jdk.incubator.vector ${RECUR_JAVA_OPTS:-} -Dgolden.dir="$gc/golden" \
  -Drecur.cuda.cache=/tmp/recur-kernels \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=info -cp "$cp" dev.recur.cuda.GpuCheck "$@"
rc=$?
# PyTorch's nn.LSTM at the same shapes, where the image has torch (the issue's side-by-side); skipped with --no-bench
case " $* " in
  *" --no-bench "*) ;;
  *) python3 "$(dirname "$0")/torch_lstm.py" || true ;;
esac
exit $rc
