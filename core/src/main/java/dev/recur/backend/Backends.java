package dev.recur.backend;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds backends at run time. Providers come from {@link ServiceLoader}; the backend is the one named by
 * the system property {@value #PROPERTY} or the environment variable {@value #ENV} if either is set, else the
 * best-ranked provider whose {@link BackendProvider#create()} succeeds. Each backend is created once per
 * process; {@link #describe()} prints the whole decision for bug reports.
 */
public final class Backends {
    /** System property naming the backend to use. */
    public static final String PROPERTY = "recur.backend";
    /** Environment variable naming the backend to use (the system property wins). */
    public static final String ENV = "RECUR_BACKEND";

    private static final Logger LOG = LoggerFactory.getLogger(Backends.class);
    /** Provider name → the created Backend, or the BackendUnavailableException its create() threw. */
    private static final Map<String, Object> CREATED = new LinkedHashMap<>();
    private static Backend chosen;

    private Backends() {
    }

    /** The providers on the class path, best rank first. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> list = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(list::add);
        list.sort(Comparator.comparingInt(BackendProvider::rank).reversed().thenComparing(BackendProvider::name));
        return list;
    }

    /** The requested backend name ({@value #PROPERTY}, else {@value #ENV}), or null when none is set. */
    public static String requestedName() {
        String name = System.getProperty(PROPERTY);
        if (name == null || name.isBlank()) {
            name = System.getenv(ENV);
        }
        return name == null || name.isBlank() ? null : name.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * The backend to use: the requested one, else the best available.
     *
     * @throws IllegalArgumentException     if the requested name is unknown (the message lists the known ones)
     * @throws BackendUnavailableException if the requested backend, or every backend, cannot run here
     */
    public static synchronized Backend get() {
        if (chosen == null) {
            chosen = choose(providers(), requestedName());
        }
        return chosen;
    }

    /**
     * The backend of the given name, created on first use.
     *
     * @throws IllegalArgumentException     if no provider has that name
     * @throws BackendUnavailableException if it cannot run here
     */
    public static synchronized Backend get(String name) {
        return create(find(providers(), name));
    }

    /** The backends that can run here, best rank first (creating each on first use). */
    public static synchronized List<Backend> available() {
        List<Backend> out = new ArrayList<>();
        for (BackendProvider p : providers()) {
            if (tryCreate(p) instanceof Backend b) {
                out.add(b);
            }
        }
        return out;
    }

    /**
     * Every provider, whether it can run here and why not, which one {@link #get()} picks and why, and the
     * chosen backend's own description.
     */
    public static synchronized String describe() {
        List<BackendProvider> providers = providers();
        String requested = requestedName();
        StringBuilder sb = new StringBuilder();
        sb.append("Recur backends (").append(PROPERTY).append(" / ").append(ENV).append(": ")
                .append(requested == null ? "not set, choosing by rank" : "\"" + requested + "\"").append(")\n");
        Backend pick = null;
        String pickError = null;
        try {
            pick = get();
        } catch (RuntimeException e) {
            pickError = e.getMessage();
        }
        for (BackendProvider p : providers) {
            Object state = tryCreate(p);
            String status;
            if (pick != null && pick.name().equals(p.name())) {
                status = "CHOSEN" + (requested != null ? " (requested)" : " (best rank that runs here)");
            } else if (state instanceof BackendUnavailableException e) {
                status = "unavailable: " + e.getMessage();
            } else if (requested != null) {
                status = "available, passed over: \"" + requested + "\" was requested";
            } else {
                status = "available, passed over: ranked below " + (pick == null ? "?" : pick.name());
            }
            sb.append(String.format(Locale.ROOT, "  %-6s rank %3d  %s%n", p.name(), p.rank(), status));
        }
        if (providers.isEmpty()) {
            sb.append("  (no provider on the class path: add recur-cpu or recur-cuda)\n");
        }
        if (pick != null) {
            sb.append("\nChosen backend ").append(pick.name()).append(":\n");
            pick.describe().lines().forEach(l -> sb.append("  ").append(l).append('\n'));
        } else {
            sb.append("\nNo backend chosen: ").append(pickError).append('\n');
        }
        return sb.toString();
    }

    private static Backend choose(List<BackendProvider> providers, String requested) {
        if (requested != null) {
            Backend b = create(find(providers, requested));
            LOG.info("Recur backend: {} (requested by {})", b.name(),
                    System.getProperty(PROPERTY) != null ? "-D" + PROPERTY : ENV);
            return b;
        }
        List<String> passedOver = new ArrayList<>();
        for (BackendProvider p : providers) {
            Object state = tryCreate(p);
            if (state instanceof Backend b) {
                LOG.info("Recur backend: {} (best rank that runs here{}{})", b.name(),
                        passedOver.isEmpty() ? "" : "; passed over: ", String.join("; ", passedOver));
                return b;
            }
            passedOver.add(p.name() + ": " + ((Exception) state).getMessage());
        }
        throw new BackendUnavailableException(providers.isEmpty()
                ? "no Recur backend on the class path: add the dependency dev.recur:recur-cpu (or recur-cuda)"
                : "no Recur backend can run here: " + String.join("; ", passedOver));
    }

    private static BackendProvider find(List<BackendProvider> providers, String name) {
        for (BackendProvider p : providers) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: expected one of %s, got \"%s\"",
                PROPERTY, providers.stream().map(BackendProvider::name).collect(Collectors.toList()), name));
    }

    private static Backend create(BackendProvider p) {
        Object state = tryCreate(p);
        if (state instanceof BackendUnavailableException e) {
            throw new BackendUnavailableException(p.name() + " backend unavailable: " + e.getMessage(), e);
        }
        return (Backend) state;
    }

    private static Object tryCreate(BackendProvider p) {
        return CREATED.computeIfAbsent(p.name(), n -> {
            try {
                return p.create();
            } catch (BackendUnavailableException e) {
                LOG.debug("backend {} unavailable: {}", n, e.getMessage());
                return e;
            } catch (RuntimeException | LinkageError e) {
                return new BackendUnavailableException(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
            }
        });
    }
}
