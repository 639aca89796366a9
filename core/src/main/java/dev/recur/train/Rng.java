package dev.recur.train;

/**
 * A seeded random generator whose whole state is one {@code long} (SplitMix64), so a checkpoint can save it
 * and a resumed run continues the same sequence. Not thread-safe.
 */
public final class Rng {
    private long state;

    /** A generator at the given state (a seed is a state). */
    public Rng(long state) {
        this.state = state;
    }

    /** The state, for checkpoints: {@code new Rng(rng.state())} continues identically. */
    public long state() {
        return state;
    }

    /** The next 64 random bits. */
    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("rng: bound must be > 0, got " + bound);
        }
        return (int) ((nextLong() >>> 1) % bound);
    }

    /** Standard normal (Box–Muller). */
    public double nextGaussian() {
        double u = 1 - nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * nextDouble());
    }
}
