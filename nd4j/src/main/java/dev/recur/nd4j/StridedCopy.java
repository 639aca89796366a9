package dev.recur.nd4j;

import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * Copies a logical array from one strided layout to another in one pass, converting FLOAT/DOUBLE on the way.
 * Positions are element indexes into NIO buffers (absolute: no buffer's position is read or changed). Dimensions
 * of size 1 are dropped and dimensions that are contiguous in both layouts are merged first, so that a
 * contiguous array is one bulk copy and a strided view is a loop of runs over its innermost dimension.
 */
final class StridedCopy {
    private StridedCopy() {
    }

    /**
     * {@code dst[dstBase + sum(i_k * dstStrides[k])] = src[srcBase + sum(i_k * srcStrides[k])]} for every index
     * {@code i} of {@code shape}; strides are non-negative, in elements.
     *
     * @param src a {@link FloatBuffer} or {@link DoubleBuffer}
     * @param dst a {@link FloatBuffer} or {@link DoubleBuffer}
     */
    static void copy(Buffer src, long srcBase, long[] srcStrides, Buffer dst, long dstBase, long[] dstStrides,
                     long[] shape) {
        for (long d : shape) {
            if (d == 0) {
                return;
            }
        }
        // Drop size-1 dimensions, then merge neighbours that are contiguous in both layouts.
        int rank = 0;
        long[] n = new long[shape.length + 1];
        long[] ss = new long[shape.length + 1];
        long[] ds = new long[shape.length + 1];
        for (int k = 0; k < shape.length; k++) {
            if (shape[k] == 1) {
                continue;
            }
            if (rank > 0 && ss[rank - 1] == srcStrides[k] * shape[k] && ds[rank - 1] == dstStrides[k] * shape[k]) {
                n[rank - 1] *= shape[k];
                ss[rank - 1] = srcStrides[k];
                ds[rank - 1] = dstStrides[k];
            } else {
                n[rank] = shape[k];
                ss[rank] = srcStrides[k];
                ds[rank] = dstStrides[k];
                rank++;
            }
        }
        if (rank == 0) {
            // A single element.
            n[0] = 1;
            ss[0] = 1;
            ds[0] = 1;
            rank = 1;
        }
        int inner = rank - 1;
        int len = Math.toIntExact(n[inner]);
        int sStep = Math.toIntExact(ss[inner]);
        int dStep = Math.toIntExact(ds[inner]);
        long[] idx = new long[inner];
        long s = srcBase;
        long d = dstBase;
        while (true) {
            run(src, Math.toIntExact(s), sStep, dst, Math.toIntExact(d), dStep, len);
            // Odometer over the outer dimensions.
            int k = inner - 1;
            while (k >= 0) {
                idx[k]++;
                s += ss[k];
                d += ds[k];
                if (idx[k] < n[k]) {
                    break;
                }
                s -= ss[k] * n[k];
                d -= ds[k] * n[k];
                idx[k] = 0;
                k--;
            }
            if (k < 0) {
                return;
            }
        }
    }

    /** Copies {@code len} elements, {@code sStep} apart in {@code src} and {@code dStep} apart in {@code dst}. */
    private static void run(Buffer src, int s, int sStep, Buffer dst, int d, int dStep, int len) {
        if (src instanceof FloatBuffer fs) {
            if (dst instanceof FloatBuffer fd) {
                if (sStep == 1 && dStep == 1) {
                    fd.put(d, fs, s, len);
                } else {
                    for (int i = 0; i < len; i++, s += sStep, d += dStep) {
                        fd.put(d, fs.get(s));
                    }
                }
            } else {
                DoubleBuffer dd = (DoubleBuffer) dst;
                for (int i = 0; i < len; i++, s += sStep, d += dStep) {
                    dd.put(d, fs.get(s));
                }
            }
        } else {
            DoubleBuffer ds = (DoubleBuffer) src;
            if (dst instanceof FloatBuffer fd) {
                for (int i = 0; i < len; i++, s += sStep, d += dStep) {
                    fd.put(d, (float) ds.get(s));
                }
            } else {
                DoubleBuffer dd = (DoubleBuffer) dst;
                if (sStep == 1 && dStep == 1) {
                    dd.put(d, ds, s, len);
                } else {
                    for (int i = 0; i < len; i++, s += sStep, d += dStep) {
                        dd.put(d, ds.get(s));
                    }
                }
            }
        }
    }

    /** Row-major (C order) strides of a shape, in elements. */
    static long[] rowMajorStrides(long[] shape) {
        long[] st = new long[shape.length];
        long acc = 1;
        for (int k = shape.length - 1; k >= 0; k--) {
            st[k] = acc;
            acc *= shape[k];
        }
        return st;
    }

    /** {@code values[perm[k]]} for each k. */
    static long[] permute(long[] values, int[] perm) {
        long[] out = new long[perm.length];
        for (int k = 0; k < perm.length; k++) {
            out[k] = values[perm[k]];
        }
        return out;
    }
}
