package dev.recur.examples;

import dev.recur.backend.Backends;
import dev.recur.examples.apps.Examples;
import dev.recur.examples.experiment.MemoryExperiment;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The {@code recur} command line (the {@code ./recur} script at the repository root runs it).
 * <pre>
 * recur info        which backends exist, which one is chosen and why the others were passed over
 * recur example NAME an application end to end on real data (sentiment, forecast, textgen)
 * recur predict sentiment "TEXT"   the saved sentiment model's label and probability
 * </pre>
 */
public final class Cli {
    private Cli() {
    }

    /** Entry point; exits with 0 on success, 2 on a usage error. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command; returns the exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            usage(err);
            return 2;
        }
        String command = args[0];
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (command) {
            case "info" -> {
                out.print(Backends.describe());
                return 0;
            }
            case "experiment" -> {
                return experiment(rest, out, err);
            }
            case "example" -> {
                return Examples.example(rest, out, err);
            }
            case "predict" -> {
                return Examples.predict(rest, out, err);
            }
            case "help", "-h", "--help" -> {
                usage(out);
                return 0;
            }
            default -> {
                err.println("recur: unknown command \"" + command + "\" (args " + Arrays.toString(rest) + ")");
                usage(err);
                return 2;
            }
        }
    }

    /** {@code experiment memory [--quick] [--out DIR]}. */
    private static int experiment(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || !args[0].equals("memory")) {
            err.println("recur: experiment needs a name: memory");
            return 2;
        }
        boolean quick = false;
        Path dir = Path.of("reports", "memory");
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--out" -> dir = Path.of(args[++i]);
                default -> {
                    err.println("recur: experiment memory: unknown option " + args[i]);
                    return 2;
                }
            }
        }
        MemoryExperiment.Config config = quick ? MemoryExperiment.Config.quick() : MemoryExperiment.Config.full();
        try {
            new MemoryExperiment(Backends.get(), config, dir, out).run();
            return 0;
        } catch (IOException e) {
            err.println("recur: experiment memory: " + e.getMessage());
            return 1;
        }
    }

    private static void usage(PrintStream s) {
        s.println("usage: recur COMMAND");
        s.println("  info    list the backends, the one chosen and why each other was passed over");
        s.println("  experiment memory [--quick] [--out DIR]");
        s.println("          RNN vs LSTM vs GRU vs transformer on the adding problem: test MSE and");
        s.println("          d loss / d h_t against the distance to the end (CSV and charts in DIR,");
        s.println("          default reports/memory)");
        Examples.usage(s);
        s.println("Options: -Drecur.backend=NAME (or RECUR_BACKEND=NAME) picks the backend; "
                + "RECUR_JAVA_OPTS passes JVM options.");
    }
}
