package dev.recur.examples;

import dev.recur.backend.Backends;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code recur} command line (the {@code ./recur} script at the repository root runs it).
 * <pre>
 * recur info        which backends exist, which one is chosen and why the others were passed over
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

    private static void usage(PrintStream s) {
        s.println("usage: recur COMMAND");
        s.println("  info    list the backends, the one chosen and why each other was passed over");
        s.println("Options: -Drecur.backend=NAME (or RECUR_BACKEND=NAME) picks the backend; "
                + "RECUR_JAVA_OPTS passes JVM options.");
    }
}
