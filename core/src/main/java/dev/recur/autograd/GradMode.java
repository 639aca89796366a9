package dev.recur.autograd;

/**
 * Whether forward passes keep what backward needs, per thread (PyTorch's grad mode). On by default;
 * inference code turns it off so a forward saves nothing:
 * <pre>{@code
 * try (GradMode.Scope s = GradMode.disable()) {
 *     result = lstm.forward(x);
 * }
 * }</pre>
 */
public final class GradMode {
    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    private GradMode() {
    }

    /** Whether forwards on this thread keep state for backward. */
    public static boolean isEnabled() {
        return ENABLED.get();
    }

    /** Turns grad mode off on this thread until the returned scope is closed. */
    public static Scope disable() {
        return set(false);
    }

    /** Turns grad mode on on this thread until the returned scope is closed. */
    public static Scope enable() {
        return set(true);
    }

    private static Scope set(boolean enabled) {
        boolean previous = ENABLED.get();
        ENABLED.set(enabled);
        return () -> ENABLED.set(previous);
    }

    /** Restores the previous mode on close. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }
}
