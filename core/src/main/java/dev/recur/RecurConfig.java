package dev.recur;

/**
 * Process-wide switches.
 * <ul>
 *   <li>{@code recur.checkFinite} (system property) or {@code RECUR_CHECK_FINITE} (environment, "1"/"true"):
 *       layers reject inputs and initial states holding NaN or infinity, naming the first bad element. Off
 *       by default because it reads every input once more.</li>
 * </ul>
 */
public final class RecurConfig {
    private static volatile boolean checkFinite = readFlag("recur.checkFinite", "RECUR_CHECK_FINITE");

    private RecurConfig() {
    }

    /** Whether layers check their inputs for NaN and infinity. */
    public static boolean checkFinite() {
        return checkFinite;
    }

    /** Turns the NaN/infinity check on or off for the whole process. */
    public static void setCheckFinite(boolean on) {
        checkFinite = on;
    }

    private static boolean readFlag(String property, String env) {
        String v = System.getProperty(property);
        if (v == null) {
            v = System.getenv(env);
        }
        return v != null && (v.equalsIgnoreCase("true") || v.equals("1"));
    }
}
