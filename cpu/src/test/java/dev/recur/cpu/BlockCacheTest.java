package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.BackendUnavailableException;
import dev.recur.tensor.DType;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.junit.jupiter.api.Test;

/**
 * {@link BlockCache}: the size classes, reuse of a freed block (shown by its address), the capacity bound on idle
 * bytes, the cache turned off, and through tensors: a reused block is zeroed for {@code zeros}, its buffer covers
 * exactly the tensor, and a tensor's data survives other tensors' allocations.
 */
class BlockCacheTest {
    private static final long BIG = 100_000; // floats: 400 KB, above MIN_BYTES

    @Test
    void sizeClassesRoundUpByAtMostAnEighth() {
        assertEquals(1000, BlockCache.sizeClass(1000), "small blocks are not rounded");
        long min = BlockCache.MIN_BYTES / 4;
        for (long n = min; n < 50_000_000; n = n * 3 / 2 + 7) {
            long c = BlockCache.sizeClass(n);
            assertTrue(c >= n && c <= n + n / 8 + 1, "class of " + n + " is " + c);
            assertEquals(c, BlockCache.sizeClass(c), "a class is its own class: " + c);
            assertTrue(BlockCache.sizeClass(n + 1) >= c, "classes grow with n at " + n);
        }
        assertEquals(1L << 20, BlockCache.sizeClass((1L << 20) - 5), "just under a power of two rounds to it");
    }

    @Test
    void aFreedBlockIsReusedForTheSameClass() {
        BlockCache cache = new BlockCache(1L << 30);
        FloatPointer a = cache.take(BIG);
        long address = a.address();
        assertEquals(BIG, a.limit(), "limit is the request");
        cache.give(a);
        assertEquals(4 * BlockCache.sizeClass(BIG), cache.idleBytes());
        FloatPointer b = cache.take(BIG - 3); // same class
        assertEquals(address, b.address(), "the idle block is handed out again");
        assertEquals(BIG - 3, b.limit());
        assertEquals(0, cache.idleBytes());
        FloatPointer c = cache.take(BIG);
        assertNotEquals(address, c.address(), "a block in use is not handed out twice");
        cache.give(b);
        cache.give(c);
        assertEquals(2 * 4 * BlockCache.sizeClass(BIG), cache.trim(), "trim frees every idle block");
        assertEquals(0, cache.idleBytes());
    }

    @Test
    void idleBytesStayWithinTheCapacityAndZeroTurnsTheCacheOff() {
        long bytes = 4 * BlockCache.sizeClass(BIG);
        BlockCache cache = new BlockCache(bytes + bytes / 2); // room for one
        FloatPointer a = cache.take(BIG);
        FloatPointer b = cache.take(BIG);
        cache.give(a);
        cache.give(b); // no room: freed
        assertEquals(bytes, cache.idleBytes());
        cache.trim();

        BlockCache off = new BlockCache(0);
        FloatPointer p = off.take(BIG);
        assertEquals(BIG, p.capacity(), "no rounding when off");
        off.give(p);
        assertEquals(0, off.idleBytes());
        assertThrows(IllegalArgumentException.class, () -> new BlockCache(-1));
    }

    @Test
    void reusedBlocksBehaveLikeFreshOnesForTensors() {
        CpuBackend be = new CpuBackend(1, 1L << 30);
        int n = (int) BIG;
        CpuTensor first = (CpuTensor) be.zeros(DType.F32, n);
        long address = first.address();
        FloatBuffer f = first.floats();
        for (int i = 0; i < n; i++) {
            f.put(i, i + 1f);
        }
        first.close();
        CpuTensor again = (CpuTensor) be.zeros(DType.F32, n - 1);
        assertEquals(address, again.address(), "the block was reused");
        assertEquals(n - 1, again.floats().capacity(), "the buffer covers exactly the tensor");
        for (int i = 0; i < n - 1; i++) {
            assertEquals(0f, again.floats().get(i), "zeros() zeroes a reused block at " + i);
        }
        // Another tensor's allocation and close leave a live tensor's data alone.
        again.floats().put(7, 42f);
        CpuTensor other = CpuTensor.uninitialized(be, n);
        assertNotEquals(address, other.address());
        other.close();
        assertEquals(42f, again.floats().get(7));
        again.close();
        assertTrue(be.releaseCachedMemory() > 0, "the closed blocks were kept");
        assertEquals(0, be.releaseCachedMemory());
    }

    @Test
    void anInvalidCapacityPropertyNamesIt() {
        String old = System.getProperty(BlockCache.CAPACITY_PROPERTY);
        try {
            for (String bad : new String[] {"lots", "-5"}) {
                System.setProperty(BlockCache.CAPACITY_PROPERTY, bad);
                BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                        () -> new CpuBackendProvider().create());
                assertTrue(e.getMessage().contains(BlockCache.CAPACITY_PROPERTY) && e.getMessage().contains(bad),
                        e.getMessage());
            }
            System.setProperty(BlockCache.CAPACITY_PROPERTY, "0");
            assertTrue(new CpuBackendProvider().create().describe().contains("up to 0 MiB"));
        } finally {
            if (old == null) {
                System.clearProperty(BlockCache.CAPACITY_PROPERTY);
            } else {
                System.setProperty(BlockCache.CAPACITY_PROPERTY, old);
            }
        }
    }
}
