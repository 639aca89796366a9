package dev.recur.examples.apps.seq2seq;

import dev.recur.autograd.GradMode;
import dev.recur.data.Vocabulary;
import dev.recur.nn.rnn.RnnState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Decoding a {@link Seq2SeqModel}: {@link #greedy} (the most likely next token at every step) and {@link #beam}
 * search (the {@code k} most likely prefixes at every step, scored by the sum of their tokens' log-probabilities;
 * a row stops when no live prefix can beat its best finished one). Both run a whole batch of sources at once,
 * never emit {@code <pad>}, {@code <unk>} or {@code <bos>}, and stop at {@code <eos>} or after {@code maxLen}
 * tokens. The outputs exclude {@code <eos>}.
 */
public final class BeamSearch {
    private BeamSearch() {
    }

    /** Greedy decoding of every source. */
    public static List<long[]> greedy(Seq2SeqModel model, Vocabulary target, List<long[]> sources, int maxLen) {
        try (GradMode.Scope g = GradMode.disable(); Seq2SeqModel.Encoded enc = model.encode(sources)) {
            int n = enc.rows();
            int v = model.targetVocabSize();
            long[] prev = new long[n];
            Arrays.fill(prev, target.bosId());
            List<List<Long>> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                out.add(new ArrayList<>());
            }
            boolean[] done = new boolean[n];
            int left = n;
            RnnState state = enc.initial;
            try {
                for (int t = 0; t < maxLen && left > 0; t++) {
                    Seq2SeqModel.Step s = model.step(enc, prev, state);
                    if (state != enc.initial) {
                        state.close();
                    }
                    state = s.state();
                    for (int i = 0; i < n; i++) {
                        if (done[i]) {
                            continue;
                        }
                        int best = -1;
                        for (int c = 0; c < v; c++) {
                            if (allowed(target, c) && (best < 0 || s.logits()[i * v + c] > s.logits()[i * v + best])) {
                                best = c;
                            }
                        }
                        prev[i] = best;
                        if (best == target.eosId()) {
                            done[i] = true;
                            left--;
                        } else {
                            out.get(i).add((long) best);
                        }
                    }
                }
            } finally {
                if (state != enc.initial) {
                    state.close();
                }
            }
            List<long[]> result = new ArrayList<>(n);
            for (List<Long> ids : out) {
                result.add(ids.stream().mapToLong(Long::longValue).toArray());
            }
            return result;
        }
    }

    /** Beam search of width {@code k} for every source. */
    public static List<long[]> beam(Seq2SeqModel model, Vocabulary target, List<long[]> sources, int k, int maxLen) {
        if (k < 1) {
            throw new IllegalArgumentException("beam search: width must be >= 1, got " + k);
        }
        try (GradMode.Scope g = GradMode.disable(); Seq2SeqModel.Encoded base = model.encode(sources);
             Seq2SeqModel.Encoded enc = base.repeat(k)) {
            int n = base.rows();
            int rows = n * k;
            int v = model.targetVocabSize();
            int eos = target.eosId();
            double[] score = new double[rows];
            long[][] prefix = new long[rows][0];
            for (int r = 0; r < rows; r++) {
                score[r] = r % k == 0 ? 0 : Double.NEGATIVE_INFINITY;
            }
            long[] prev = new long[rows];
            Arrays.fill(prev, target.bosId());
            double[] bestScore = new double[n];
            Arrays.fill(bestScore, Double.NEGATIVE_INFINITY);
            long[][] best = new long[n][];
            boolean[] done = new boolean[n];
            RnnState state = enc.initial;
            try {
                for (int t = 0; t < maxLen; t++) {
                    Seq2SeqModel.Step s = model.step(enc, prev, state);
                    if (state != enc.initial) {
                        state.close();
                    }
                    state = s.state();
                    double[] logp = logSoftmax(s.logits(), rows, v);
                    int[] parent = new int[rows];
                    long[] token = new long[rows];
                    double[] nextScore = new double[rows];
                    for (int i = 0; i < n; i++) {
                        int base0 = i * k;
                        if (done[i]) {
                            for (int j = 0; j < k; j++) {
                                parent[base0 + j] = base0 + j;
                                token[base0 + j] = eos;
                                nextScore[base0 + j] = Double.NEGATIVE_INFINITY;
                            }
                            continue;
                        }
                        // The 2k best extensions of the row's live prefixes (enough to keep k that do not end).
                        PriorityQueue<double[]> top = new PriorityQueue<>(2 * k + 1, (a, b) -> Double.compare(a[0], b[0]));
                        for (int j = 0; j < k; j++) {
                            int r = base0 + j;
                            if (score[r] == Double.NEGATIVE_INFINITY) {
                                continue;
                            }
                            for (int c = 0; c < v; c++) {
                                if (!allowed(target, c)) {
                                    continue;
                                }
                                double cand = score[r] + logp[r * v + c];
                                if (top.size() < 2 * k) {
                                    top.add(new double[] {cand, r, c});
                                } else if (cand > top.peek()[0]) {
                                    top.poll();
                                    top.add(new double[] {cand, r, c});
                                }
                            }
                        }
                        List<double[]> sorted = new ArrayList<>(top);
                        sorted.sort((a, b) -> Double.compare(b[0], a[0]));
                        int alive = 0;
                        for (double[] cand : sorted) {
                            int r = (int) cand[1];
                            int c = (int) cand[2];
                            if (c == eos) {
                                if (cand[0] > bestScore[i]) {
                                    bestScore[i] = cand[0];
                                    best[i] = prefix[r];
                                }
                            } else if (alive < k) {
                                parent[base0 + alive] = r;
                                token[base0 + alive] = c;
                                nextScore[base0 + alive] = cand[0];
                                alive++;
                            }
                        }
                        for (int j = alive; j < k; j++) {
                            parent[base0 + j] = base0;
                            token[base0 + j] = eos;
                            nextScore[base0 + j] = Double.NEGATIVE_INFINITY;
                        }
                        // Scores only fall as prefixes grow: once the best live one is no better, the row is done.
                        if (alive == 0 || nextScore[base0] <= bestScore[i]) {
                            done[i] = true;
                        }
                    }
                    long[][] nextPrefix = new long[rows][];
                    boolean any = false;
                    for (int r = 0; r < rows; r++) {
                        long[] p = prefix[parent[r]];
                        nextPrefix[r] = Arrays.copyOf(p, p.length + 1);
                        nextPrefix[r][p.length] = token[r];
                        any |= !done[r / k];
                    }
                    prefix = nextPrefix;
                    score = nextScore;
                    prev = token;
                    if (!any || t == maxLen - 1) {
                        break;
                    }
                    RnnState reordered = new RnnState(Seq2SeqOps.gatherRows(state.h(), 1, parent),
                            Seq2SeqOps.gatherRows(state.c(), 1, parent));
                    state.close();
                    state = reordered;
                }
            } finally {
                if (state != enc.initial) {
                    state.close();
                }
            }
            List<long[]> result = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                if (best[i] == null) {
                    // Nothing ended within maxLen: the best live prefix.
                    best[i] = prefix[i * k];
                }
                result.add(best[i]);
            }
            return result;
        }
    }

    /** Whether decoding may emit the id: any regular token, or {@code <eos>}. */
    static boolean allowed(Vocabulary target, int id) {
        return id == target.eosId() || !target.isSpecial(id);
    }

    static double[] logSoftmax(float[] logits, int rows, int classes) {
        double[] out = new double[logits.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                max = Math.max(max, logits[r * classes + c]);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[r * classes + c] - max);
            }
            double lse = max + Math.log(sum);
            for (int c = 0; c < classes; c++) {
                out[r * classes + c] = logits[r * classes + c] - lse;
            }
        }
        return out;
    }
}
