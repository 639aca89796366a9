package dev.recur.autograd;

import dev.recur.backend.Backend;
import dev.recur.nn.Forward;
import dev.recur.nn.rnn.RecurrentLayer;
import dev.recur.nn.rnn.RnnGradients;
import dev.recur.nn.rnn.RnnResult;
import dev.recur.nn.rnn.RnnState;
import dev.recur.tensor.DType;
import dev.recur.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Reverse-mode autograd over layer forwards: each recorded op keeps its {@link Forward} (which saved what
 * its backward needs; fused ops bring their own backward), and {@link #backward} runs them in reverse order,
 * accumulating d loss / d value into every {@link Var} and into the layers' parameter gradients.
 * <pre>{@code
 * try (Tape tape = new Tape()) {
 *     Var x = tape.constant(input);
 *     Var h = tape.record(linear.forward(x.value()), x);
 *     Var loss = Losses.mse(tape, h, target);
 *     tape.backward(loss);          // parameters' grad() now hold d loss / d parameter
 * }
 * }</pre>
 * Inference records nothing: run the layers directly inside {@link GradMode#disable()}. A tape owns the
 * forwards recorded on it and every gradient it made; closing frees them.
 */
public final class Tape implements AutoCloseable {
    private final List<Runnable> backwards = new ArrayList<>();
    private final List<AutoCloseable> owned = new ArrayList<>();
    private final List<Var> vars = new ArrayList<>();
    private boolean ranBackward;

    /** A value that needs no gradient (data, targets, a carried state). The caller keeps ownership. */
    public Var constant(Tensor t) {
        return new Var(t, false);
    }

    /** A value whose gradient is wanted (read {@link Var#grad()} after backward). The caller keeps ownership. */
    public Var leaf(Tensor t) {
        return track(new Var(t, true));
    }

    /**
     * Records {@code y = f(x)} where {@code f} already ran on {@code x.value()}; the tape takes ownership of f.
     *
     * @return y, which requires a gradient (layers have parameters)
     */
    public Var record(Forward f, Var x) {
        owned.add(f);
        Var y = track(new Var(f.output(), true));
        backwards.add(() -> {
            if (y.grad != null) {
                Tensor dx = f.backward(y.grad);
                accumulate(x, dx);
            }
        });
        return y;
    }

    /**
     * Records a recurrent layer over a padded batch: outputs, final states and their backward.
     *
     * @param lengths valid steps per sequence, or null for all T
     * @param h0      initial hidden state, or null for zeros
     * @param c0      initial cell state (LSTM), or null for zeros
     */
    public RnnVars rnn(RecurrentLayer layer, Var x, long[] lengths, Var h0, Var c0) {
        RnnResult r = layer.forward(x.value(), lengths,
                new RnnState(h0 == null ? null : h0.value(), c0 == null ? null : c0.value()));
        owned.add(r);
        Var out = track(new Var(r.output(), true));
        Var hn = track(new Var(r.hn(), true));
        Var cn = r.cn() == null ? null : track(new Var(r.cn(), true));
        backwards.add(() -> {
            if (out.grad == null && hn.grad == null && (cn == null || cn.grad == null)) {
                return;
            }
            RnnGradients g = r.backward(out.grad, hn.grad, cn == null ? null : cn.grad);
            accumulate(x, g.input());
            if (h0 != null) {
                accumulate(h0, g.h0());
            } else {
                g.h0().close();
            }
            if (g.c0() != null) {
                if (c0 != null) {
                    accumulate(c0, g.c0());
                } else {
                    g.c0().close();
                }
            }
        });
        return new RnnVars(out, hn, cn);
    }

    /** The outputs of {@link #rnn}: output, h_n and (LSTM) c_n. */
    public record RnnVars(Var output, Var hn, Var cn) {
    }

    /** The same values in another shape of the same size (a view); its gradient flows back reshaped. */
    public Var reshape(Var x, int... shape) {
        Var y = track(new Var(x.value().reshape(shape), x.requiresGrad()));
        backwards.add(() -> {
            if (y.grad != null) {
                Tensor d = x.value().backend().zeros(DType.F32, x.value().shape());
                d.backend().copy(y.grad, d);
                accumulate(x, d);
            }
        });
        return y;
    }

    /** {@code a + b} (same shapes). */
    public Var add(Var a, Var b) {
        Backend be = a.value().backend();
        Tensor sum = own(be.zeros(DType.F32, a.value().shape()));
        be.copy(a.value(), sum);
        be.axpy(1f, b.value(), sum);
        Var y = track(new Var(sum, a.requiresGrad() || b.requiresGrad()));
        backwards.add(() -> {
            if (y.grad != null) {
                accumulate(a, copy(y.grad));
                accumulate(b, copy(y.grad));
            }
        });
        return y;
    }

    /**
     * Records an op given by its value and backward: {@code backward} receives d loss / d y and must accumulate
     * into its inputs with {@link #accumulate}. The tape takes ownership of {@code value}.
     */
    public Var custom(Tensor value, java.util.function.Consumer<Tensor> backward) {
        own(value);
        Var y = track(new Var(value, true));
        backwards.add(() -> {
            if (y.grad != null) {
                backward.accept(y.grad);
            }
        });
        return y;
    }

    /**
     * Backpropagates from a one-element loss (d loss / d loss = 1), then from nothing else: a tape runs
     * backward once.
     */
    public void backward(Var loss) {
        if (ranBackward) {
            throw new IllegalStateException("tape: backward runs once per tape, got a second call");
        }
        if (loss.value().numel() != 1) {
            throw new IllegalArgumentException("tape: backward needs a one-element loss, got " + loss.value());
        }
        ranBackward = true;
        accumulate(loss, loss.value().backend().fromFloats(new float[] {1f}, loss.value().shape()));
        for (int i = backwards.size() - 1; i >= 0; i--) {
            backwards.get(i).run();
        }
    }

    /** {@code v.grad += d}; takes ownership of d (null d adds nothing). */
    public void accumulate(Var v, Tensor d) {
        if (d == null) {
            return;
        }
        if (!v.requiresGrad()) {
            d.close();
            return;
        }
        if (v.grad == null) {
            v.grad = d;
        } else {
            d.backend().axpy(1f, d, v.grad);
            d.close();
        }
    }

    /** Takes ownership of a tensor made while recording. */
    public Tensor own(Tensor t) {
        owned.add(t);
        return t;
    }

    private Var track(Var v) {
        vars.add(v);
        return v;
    }

    private static Tensor copy(Tensor t) {
        Tensor c = t.backend().zeros(DType.F32, t.shape());
        t.backend().copy(t, c);
        return c;
    }

    /** Frees the recorded forwards, the tensors made while recording, and every gradient. */
    @Override
    public void close() {
        for (Var v : vars) {
            if (v.grad != null) {
                v.grad.close();
                v.grad = null;
            }
        }
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                throw new IllegalStateException("tape: closing a recorded value failed", e);
            }
        }
    }
}
