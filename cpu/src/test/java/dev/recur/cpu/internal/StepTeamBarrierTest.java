package dev.recur.cpu.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * {@link StepTeam.Barrier}: every party's writes before a phase's barrier are seen by every party after it, and
 * every party is released from every phase, for 2 to 4 parties, with the arrival order varied by a random amount
 * of work per party and phase; a failing party's exception reaches the caller and releases the others.
 */
class StepTeamBarrierTest {
    private static final int PHASES = 20_000;

    @Test
    void partiesMeetEveryPhase() {
        for (int parties : new int[] {2, 3, 4}) {
            meet(parties);
        }
    }

    private static void meet(int parties) {
        StepTeam.Barrier barrier = new StepTeam.Barrier(parties);
        AtomicIntegerArray seen = new AtomicIntegerArray(parties);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            Thread[] threads = new Thread[parties];
            for (int party = 0; party < parties; party++) {
                int me = party;
                threads[party] = new Thread(() -> {
                    SplittableRandom rnd = new SplittableRandom(me);
                    try {
                        for (int phase = 1; phase <= PHASES; phase++) {
                            int spins = rnd.nextInt(200);
                            for (int i = 0; i < spins; i++) {
                                Thread.onSpinWait();
                            }
                            seen.set(me, phase);
                            barrier.await();
                            for (int other = 0; other < parties; other++) {
                                int got = seen.get(other);
                                if (got < phase) {
                                    throw new AssertionError("party " + me + " after barrier " + phase + " saw party "
                                            + other + " still at " + got);
                                }
                            }
                            barrier.await(); // nobody writes the next phase before everyone has checked this one
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                        barrier.fail(t);
                    }
                }, "barrier-test-" + party);
                threads[party].start();
            }
            for (Thread t : threads) {
                t.join();
            }
        }, () -> parties + " parties: a party was never released");
        if (failure.get() != null && !(failure.get() instanceof StepTeam.BrokenBarrierError)) {
            throw new AssertionError(failure.get());
        }
        for (int party = 0; party < parties; party++) {
            assertEquals(PHASES, seen.get(party), "party " + party + " finished every phase");
        }
    }

    @Test
    void aFailingPartyReleasesTheWaitingOnesAndItsExceptionIsRethrown() {
        StepTeam team = new StepTeam(2);
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> assertTimeoutPreemptively(Duration.ofSeconds(30), () -> team.run(2, (party, barrier) -> {
                    if (party == 1) {
                        try {
                            Thread.sleep(20); // party 0 waits at the barrier meanwhile
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        throw boom;
                    }
                    barrier.await();
                })));
        assertSame(boom, thrown);
    }
}
