package dev.recur.cpu.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The CPU backend's one pool of threads for work split inside a recurrent step: {@code parties} threads (the
 * caller and {@code parties - 1} pooled daemon threads) each run the same step loop on their own block of
 * hidden units, meeting at a {@link Barrier} once per step, or on their own block of batch rows, never waiting
 * for each other. The pool starts its threads on first use, never
 * in a class initialiser.
 *
 * <p>OpenBLAS is called from every party at once, each call on one OpenBLAS thread ({@link Blas#sgemm1}),
 * so no two thread pools spin at the same time.
 *
 * <p>Several caller threads may use one team at once: their pooled parties queue for the pool's threads, so
 * the calls run one after another (a caller's own party waits at its first barrier meanwhile). Parties never
 * wait on another call's parties, so this cannot deadlock.
 */
public final class StepTeam {
    private final int parties;
    private volatile ExecutorService pool;

    /** A team of {@code parties} threads, the caller included. */
    public StepTeam(int parties) {
        if (parties < 1) {
            throw new IllegalArgumentException("parties must be >= 1, got " + parties);
        }
        this.parties = parties;
    }

    /** The number of threads that run a split step, the caller included. */
    public int parties() {
        return parties;
    }

    /** The work of one party: {@code party} in {@code [0, parties)}, meeting the others at {@code barrier}. */
    @FunctionalInterface
    public interface Body {
        /** Runs party {@code party}'s share. */
        void run(int party, Barrier barrier);
    }

    /**
     * Runs {@code body} on {@code n} parties ({@code 1 <= n <= parties()}): party 0 on the caller, the others on
     * the pool; returns when all are done. If a party throws, the others are released from their barrier
     * (with a {@link BrokenBarrierError}) and the first exception is rethrown here.
     */
    public void run(int n, Body body) {
        if (n < 1 || n > parties) {
            throw new IllegalArgumentException("parties must be in [1, " + parties + "], got " + n);
        }
        Barrier barrier = new Barrier(n);
        if (n == 1) {
            body.run(0, barrier);
            return;
        }
        ExecutorService p = pool();
        List<Future<?>> futures = new ArrayList<>(n - 1);
        for (int j = 1; j < n; j++) {
            int party = j;
            futures.add(p.submit(() -> runParty(body, party, barrier)));
        }
        runParty(body, 0, barrier);
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                barrier.fail(e);
            } catch (ExecutionException e) {
                barrier.fail(e.getCause());
            }
        }
        Throwable failure = barrier.failure.get();
        if (failure instanceof RuntimeException r) {
            throw r;
        }
        if (failure instanceof Error err) {
            throw err;
        }
        if (failure != null) {
            throw new IllegalStateException("a step thread failed", failure);
        }
    }

    private static void runParty(Body body, int party, Barrier barrier) {
        try {
            body.run(party, barrier);
        } catch (BrokenBarrierError e) {
            // another party failed first; its exception is the one reported
        } catch (RuntimeException | Error e) {
            barrier.fail(e);
        }
    }

    private ExecutorService pool() {
        ExecutorService p = pool;
        if (p == null) {
            synchronized (this) {
                p = pool;
                if (p == null) {
                    AtomicInteger count = new AtomicInteger();
                    p = Executors.newFixedThreadPool(parties - 1, r -> {
                        Thread t = new Thread(r, "recur-cpu-step-" + count.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
                    pool = p;
                }
            }
        }
        return p;
    }

    /** Thrown out of {@link Barrier#await} in the parties left waiting when another party failed. */
    public static final class BrokenBarrierError extends RuntimeException {
        BrokenBarrierError() {
            super("another step thread failed", null, false, false);
        }
    }

    /**
     * A reusable barrier for a fixed number of parties that spins briefly and then yields: a step takes tens of
     * microseconds to milliseconds, too short to park and unpark a thread every time. The volatile phase
     * counter orders every party's writes before the barrier before every party's reads after it.
     */
    public static final class Barrier {
        private static final int SPINS = 2000;
        private final int parties;
        private final AtomicInteger arrived = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile int phase;

        Barrier(int parties) {
            this.parties = parties;
        }

        /** Waits until all parties have arrived. */
        public void await() {
            if (parties == 1) {
                return;
            }
            int p = phase;
            if (arrived.incrementAndGet() == parties) {
                arrived.set(0);
                phase = p + 1;
                return;
            }
            int spins = 0;
            while (phase == p) {
                if (failure.get() != null) {
                    throw new BrokenBarrierError();
                }
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }

        void fail(Throwable t) {
            failure.compareAndSet(null, t);
        }
    }
}
