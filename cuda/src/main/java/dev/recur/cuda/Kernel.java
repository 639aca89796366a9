package dev.recur.cuda;

import java.util.List;

/**
 * Every kernel the backend launches: its source file (under {@value #RESOURCE_DIR}), its {@code extern "C"} name,
 * and its parameter list as one character per parameter, which {@link KernelLauncher} checks each launch
 * against and the nvcc test checks against the compiled PTX:
 * {@code P} a device pointer (u64), {@code l} a {@code long long} (u64), {@code i} an {@code int} (u32),
 * {@code f} a {@code float} (f32), {@code d} a {@code double} (f64).
 */
enum Kernel {
    // rnn_cells.cu
    LSTM_FWD("rnn_cells", "lstm_fwd", "PPPPiPiPPiiii"),
    LSTM_BWD("rnn_cells", "lstm_bwd", "PPPPiPiPPii"),
    GRU_FWD("rnn_cells", "gru_fwd", "PPPPPPPiiii"),
    GRU_BWD("rnn_cells", "gru_bwd", "PPPPiPPii"),
    RNN_FWD("rnn_cells", "rnn_fwd", "PPPPiiiiii"),
    RNN_BWD("rnn_cells", "rnn_bwd", "PPPiPiii"),
    // elementwise.cu
    AXPY("elementwise", "axpy_f32", "fPPl"),
    MUL("elementwise", "mul_f32", "PPPl"),
    SCALE("elementwise", "scale_f32", "Pfl"),
    CLAMP("elementwise", "clamp_f32", "Pffl"),
    ACTIVATION_FWD("elementwise", "activation_fwd", "iPPl"),
    ACTIVATION_BWD("elementwise", "activation_bwd", "iPPPPl"),
    ADD_BIAS2("elementwise", "add_bias2", "PPPli"),
    SUM_ROWS("elementwise", "sum_rows", "PliP"),
    SUM_SQUARES("elementwise", "sum_squares", "PlP"),
    FIRST_NON_FINITE("elementwise", "first_non_finite", "PlP"),
    DROPOUT("elementwise", "dropout_f32", "PdlfPPl"),
    TRANSPOSE01("elementwise", "transpose01_f32", "PPiii"),
    COPY_ROWS("elementwise", "copy_rows", "PiPiii"),
    ADD_ROWS("elementwise", "add_rows", "PiPiPiii"),
    GATHER_BATCH("elementwise", "gather_batch", "PPPiii"),
    SCATTER_BATCH("elementwise", "scatter_batch", "PPPiii"),
    // layernorm.cu
    LAYERNORM_FWD("layernorm", "layernorm_fwd", "PPPfPPPii"),
    LAYERNORM_BWD_DX("layernorm", "layernorm_bwd_dx", "PPPPPPii"),
    LAYERNORM_BWD_PARAMS("layernorm", "layernorm_bwd_params", "PPPPPPii"),
    // embedding.cu
    EMBEDDING_FWD("embedding", "embedding_fwd", "PPPii"),
    EMBEDDING_BWD("embedding", "embedding_bwd", "PPPii"),
    // softmax.cu (building blocks; no SPI op uses them yet)
    SOFTMAX_FWD("softmax", "softmax_fwd", "PPPii"),
    SOFTMAX_BWD("softmax", "softmax_bwd", "PPPii"),
    // losses.cu
    CE_FWD("losses", "ce_fwd", "PPlfPPii"),
    CE_BWD("losses", "ce_bwd", "PPlfPfPii"),
    BCE_FWD("losses", "bce_fwd", "PPlP"),
    BCE_BWD("losses", "bce_bwd", "PPfPl"),
    // optim.cu
    ADAM_STEP("optim", "adam_step", "PPPPfffffifdl"),
    SGD_STEP("optim", "sgd_step", "PPPfffifil"),
    // attention.cu
    ATTN_FWD("attention", "attn_fwd", "PPPPPPPiiiiiifi"),
    ATTN_AVG_WEIGHTS("attention", "attn_avg_weights", "PPPPPPiiiiiif"),
    ATTN_BWD_SOFTMAX("attention", "attn_bwd_softmax", "PPPPPPiiiiif");

    /** Class-path folder of the kernel sources. */
    static final String RESOURCE_DIR = "dev/recur/cuda/kernels";
    /** The header every source includes (passed to NVRTC by name). */
    static final String COMMON_HEADER = "recur_common.cuh";
    /** The source files, without ".cu". */
    static final List<String> FILES = List.of("rnn_cells", "elementwise", "layernorm", "embedding", "softmax", "losses",
            "optim", "attention");

    private final String file;
    private final String function;
    private final String signature;

    Kernel(String file, String function, String signature) {
        this.file = file;
        this.function = function;
        this.signature = signature;
    }

    /** The source file without ".cu", e.g. "rnn_cells". */
    String file() {
        return file;
    }

    /** The extern "C" name, e.g. "lstm_fwd". */
    String function() {
        return function;
    }

    /** One character per parameter: P pointer, l long, i int, f float, d double. */
    String signature() {
        return signature;
    }
}
