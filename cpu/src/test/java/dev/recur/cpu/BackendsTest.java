package dev.recur.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.recur.backend.Backend;
import dev.recur.backend.BackendProvider;
import dev.recur.backend.Backends;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Backend discovery through ServiceLoader, the name override, and the bug-report description. */
class BackendsTest {
    @Test
    void cpuIsFoundByServiceLoaderAndCreatedOnce() {
        List<BackendProvider> providers = Backends.providers();
        assertTrue(providers.stream().anyMatch(p -> p.name().equals("cpu")), providers.toString());
        Backend cpu = Backends.get("cpu");
        assertEquals("cpu", cpu.name());
        assertSame(cpu, Backends.get("CPU"), "one backend instance per process, names case-insensitive");
        assertTrue(Backends.available().contains(cpu));
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.get("tpu"));
        assertTrue(e.getMessage().contains("recur.backend") && e.getMessage().contains("cpu")
                && e.getMessage().contains("\"tpu\""), e.getMessage());
    }

    @Test
    void describeNamesEveryProviderAndTheChoice() {
        String d = Backends.describe();
        for (BackendProvider p : Backends.providers()) {
            assertTrue(d.contains(p.name()), d);
        }
        assertTrue(d.contains("CHOSEN"), d);
        assertTrue(d.contains("OpenBLAS"), d);
    }
}
