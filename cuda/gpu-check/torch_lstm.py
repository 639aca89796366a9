#!/usr/bin/env python3
"""PyTorch's nn.LSTM (cuDNN) at the shapes and with the method of CudaLstmBench, for the side-by-side of issue 5.

LSTM forward, inference (torch.no_grad), one layer, fp32 without TF32, T=256, I=H=512, B in {1, 32, 64} (or
--batch 1,32,64,256); 10 warm-up and 50 timed runs per size, each ended by torch.cuda.synchronize(); prints the
median and the spread (min, max) in ms and the useful GFLOP/s 2*T*B*4H*(I+H)/time, in CudaLstmBench's format.
Prints one line and exits 0 where torch or a GPU is missing, so run.sh can call it unconditionally.
"""
import argparse
import sys
import time


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--batch", default="1,32,64")
    p.add_argument("--steps", type=int, default=256)
    p.add_argument("--size", type=int, default=512)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--iters", type=int, default=50)
    a = p.parse_args()
    try:
        import torch
    except ImportError as e:
        print(f"torch_lstm: PyTorch is not installed here ({e}); no comparison")
        return 0
    if not torch.cuda.is_available():
        print("torch_lstm: torch.cuda.is_available() is False; no comparison")
        return 0
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, "
          f"{torch.cuda.get_device_name(0)}")
    torch.manual_seed(42)
    lstm = torch.nn.LSTM(a.size, a.size, num_layers=1).to(dev).eval()
    print(f"LSTM forward, torch nn.LSTM, T={a.steps}, I=H={a.size}, 1 layer, fp32, {a.warmup} warm-up + "
          f"{a.iters} timed runs")
    for b in (int(v) for v in a.batch.split(",")):
        x = torch.randn(a.steps, b, a.size, device=dev)
        with torch.no_grad():
            for _ in range(a.warmup):
                lstm(x)
            torch.cuda.synchronize()
            ms = []
            for _ in range(a.iters):
                t0 = time.perf_counter()
                lstm(x)
                torch.cuda.synchronize()
                ms.append((time.perf_counter() - t0) * 1e3)
        ms.sort()
        median = ms[a.iters // 2]
        flops = 2.0 * a.steps * b * 4 * a.size * (a.size + a.size)
        print(f"torch  B={b:<4d} median {median:8.3f} ms (min {ms[0]:.3f}, max {ms[-1]:.3f})  "
              f"{flops / (median * 1e6):7.1f} GFLOP/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
