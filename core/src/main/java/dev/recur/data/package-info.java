/**
 * Data for training: {@link dev.recur.data.CharTokenizer} and {@link dev.recur.data.WordTokenizer} over a
 * {@link dev.recur.data.Vocabulary} (saved and loaded as JSON), {@link dev.recur.data.PaddedBatch} (ids
 * {@code [B, T]}, lengths, masks, targets, with time-major {@code [T, B]} tensors for the recurrent layers),
 * {@link dev.recur.data.BucketBatchSampler} (length-bucketed batches) and {@link dev.recur.data.SeededShuffle}.
 *
 * <p>A typical loop:
 * <pre>{@code
 * Tokenizer tok = new CharTokenizer();
 * Vocabulary vocab = tok.buildVocabulary(texts, 1, Vocabulary.UNLIMITED);
 * List<long[]> data = texts.stream().map(s -> tok.encode(s, vocab)).toList();
 * BucketBatchSampler sampler = new BucketBatchSampler(Datasets.lengths(data), 32, 50, false, 42);
 * for (int[] idx : sampler.epoch(epoch)) {
 *     PaddedBatch batch = PaddedBatch.gather(data, idx);
 *     try (Tensor x = batch.timeMajorTensor(backend)) { ... }
 * }
 * }</pre>
 * Shapes use the letters of the {@link dev.recur package legend}.
 */
package dev.recur.data;
