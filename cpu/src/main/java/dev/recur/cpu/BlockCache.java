package dev.recur.cpu;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.FloatPointer;

/**
 * A cache of freed F32 blocks for one {@link CpuBackend}, so that a forward or training step that allocates the
 * same large temporaries every call (the gates of all steps, states, gradients) reuses them instead of asking the
 * system each time.
 *
 * <p>Why: whether glibc serves a large block from memory it already holds or maps fresh pages (a page fault per
 * 4 KiB page on first touch, and {@code munmap} on free) depends on its arena and trim heuristics. Called from the
 * main thread, a variable-length GRU forward spent 15 % of its time in {@code memset} and {@code free} of fresh
 * pages (JFR), and ran 1.4× faster with this cache (NOTES.md, sixth pass).
 *
 * <p>Blocks of {@link #MIN_BYTES} or more are rounded up to a size class (eight per power of two, so at most
 * 12.5 % more than asked) and, when freed, kept for the next request of their class while the idle bytes stay
 * within the capacity ({@code -Drecur.cpu.blockCacheBytes}, default {@link #DEFAULT_CAPACITY}; 0 turns the cache
 * off); beyond it a freed block goes back to the system. Smaller blocks always come from and go back to
 * {@code malloc}, which serves them from its own bins. When an allocation fails, the idle blocks are freed and it
 * is tried once more. Thread-safe.
 */
final class BlockCache {
    /** System property: the most idle bytes kept, default {@link #DEFAULT_CAPACITY}; 0 disables the cache. */
    static final String CAPACITY_PROPERTY = "recur.cpu.blockCacheBytes";
    /** Default capacity: 512 MiB of idle blocks (an S3 forward's temporaries, 128 MB of gates among them, fit). */
    static final long DEFAULT_CAPACITY = 512L << 20;
    /** The smallest block the cache keeps: 128 KiB, glibc's default threshold for {@code mmap}. */
    static final long MIN_BYTES = 128L << 10;

    private final long capacity;
    private final Map<Long, ArrayDeque<FloatPointer>> idle = new HashMap<>();
    private long idleBytes;

    BlockCache(long capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException(CAPACITY_PROPERTY + " must be >= 0 bytes, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** The capacity from {@link #CAPACITY_PROPERTY}, or the default; IllegalArgumentException if invalid. */
    static long configuredCapacity() {
        String v = System.getProperty(CAPACITY_PROPERTY);
        if (v == null || v.isBlank()) {
            return DEFAULT_CAPACITY;
        }
        long bytes;
        try {
            bytes = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + CAPACITY_PROPERTY + " must be a number of bytes >= 0, got '"
                    + v + "'", e);
        }
        if (bytes < 0) {
            throw new IllegalArgumentException("-D" + CAPACITY_PROPERTY + " must be a number of bytes >= 0, got "
                    + bytes);
        }
        return bytes;
    }

    /**
     * The number of floats allocated for a request of {@code n}: {@code n} below {@link #MIN_BYTES}, else
     * {@code n} rounded up to the next of eight classes per power of two.
     */
    static long sizeClass(long n) {
        if (4 * n < MIN_BYTES) {
            return n;
        }
        int shift = 63 - Long.numberOfLeadingZeros(n) - 3; // a step of 1/8 of n's power of two
        long step = 1L << shift;
        return (n + step - 1) & -step;
    }

    /** A block of at least {@code n} floats, its position 0 and limit {@code n}; contents undefined. */
    FloatPointer take(long n) {
        long c = capacity == 0 ? n : sizeClass(n);
        FloatPointer p = null;
        if (4 * c >= MIN_BYTES) {
            synchronized (this) {
                ArrayDeque<FloatPointer> q = idle.get(c);
                if (q != null && !q.isEmpty()) {
                    p = q.pop();
                    idleBytes -= 4 * c;
                }
            }
        }
        if (p == null) {
            p = allocate(c);
        }
        p.position(0).limit(n);
        return p;
    }

    /** Takes back a block from {@link #take}: kept for reuse while there is room, else freed. */
    void give(FloatPointer p) {
        long c = p.capacity();
        if (4 * c >= MIN_BYTES) {
            synchronized (this) {
                if (idleBytes + 4 * c <= capacity) {
                    idle.computeIfAbsent(c, k -> new ArrayDeque<>()).push(p);
                    idleBytes += 4 * c;
                    return;
                }
            }
        }
        p.close();
    }

    /** The most idle bytes kept. */
    long capacity() {
        return capacity;
    }

    /** Frees every idle block; returns the bytes freed. */
    long trim() {
        long freed;
        ArrayDeque<FloatPointer> all = new ArrayDeque<>();
        synchronized (this) {
            idle.values().forEach(all::addAll);
            idle.clear();
            freed = idleBytes;
            idleBytes = 0;
        }
        all.forEach(FloatPointer::close);
        return freed;
    }

    /** The bytes held in idle blocks. */
    synchronized long idleBytes() {
        return idleBytes;
    }

    private FloatPointer allocate(long c) {
        try {
            return new FloatPointer(c);
        } catch (OutOfMemoryError e) {
            if (trim() == 0) {
                throw e;
            }
            return new FloatPointer(c);
        }
    }
}
