package dev.recur.cpu.internal;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise transcendental functions on the Vector API, for loops that C2 cannot vectorize in plain Java
 * ({@link FastMath#exp} assembles 2^n from bits, which keeps its loops scalar). Loaded only when
 * {@link PackedGemm#vectorInUse()} is true; callers keep a plain-Java path for the rest.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

    private VectorMath() {
    }

    /** {@code a[i] = exp(a[i] - shift)} for {@code i < n}: the JDK's vector exp (Intel SVML on x86). */
    static void expShifted(float[] a, int n, float shift) {
        FloatVector sh = FloatVector.broadcast(S, shift);
        int i = 0;
        for (; i <= n - S.length(); i += S.length()) {
            FloatVector.fromArray(S, a, i).sub(sh).lanewise(VectorOperators.EXP).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] = FastMath.exp(a[i] - shift);
        }
    }
}
