/**
 * Recur: recurrent neural networks (RNN, LSTM, GRU) for Java, on CPU and CUDA backends chosen at run time.
 *
 * <h2>Shape legend</h2>
 * One set of letters, used in every javadoc and comment that gives a tensor's shape:
 * <ul>
 *   <li>{@code T} time steps (sequence length)</li>
 *   <li>{@code B} batch size</li>
 *   <li>{@code I} input features ({@code input_size})</li>
 *   <li>{@code H} hidden features ({@code hidden_size})</li>
 *   <li>{@code P} projected hidden features of an LSTM ({@code proj_size}); {@code Hout = P} when
 *       {@code P > 0}, else {@code H}</li>
 *   <li>{@code L} layers ({@code num_layers})</li>
 *   <li>{@code D} directions: 2 when bidirectional, else 1</li>
 *   <li>{@code G} gates: 4 for LSTM ({@link dev.recur.backend.LstmGates}), 3 for GRU
 *       ({@link dev.recur.backend.GruGates}), 1 for a plain RNN</li>
 *   <li>{@code E} embedding features, {@code NH} attention heads</li>
 * </ul>
 * Tensors are row-major (the rightmost dimension changes fastest). Sequences are time-major
 * {@code [T, B, F]} inside Recur; layers accept batch-first {@code [B, T, F]} at the edge when built with
 * {@code batchFirst(true)}. Gate order, parameter names and packed-sequence semantics are PyTorch's.
 */
package dev.recur;
