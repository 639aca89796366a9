/**
 * ND4J interoperability for Deeplearning4j users: {@link dev.recur.nd4j.Nd4jTensors} converts between
 * {@code INDArray} and Recur tensors in both directions (FLOAT and DOUBLE, 'c' and 'f' ordering, views), and
 * {@link dev.recur.nd4j.Dl4jSequences} turns DL4J's sequence batches ({@code [B, I, T]} features with a
 * {@code [B, T]} mask) into Recur's time-major input with lengths, and outputs back. Only ND4J's public API is
 * used, so arrays of {@code nd4j-native} and of ND4J's CUDA backend are handled alike; the user's project brings
 * ND4J (this module declares it {@code provided}).
 */
package dev.recur.nd4j;
