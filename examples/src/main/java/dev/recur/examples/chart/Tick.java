package dev.recur.examples.chart;

/** A labelled tick at {@code value} (data units); an empty label marks a minor, unlabelled grid line. */
record Tick(double value, String label) {
    boolean major() {
        return !label.isEmpty();
    }
}
