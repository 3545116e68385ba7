/**
 * Perplexity, d2l's measure of a language model: used by the training stage for validation after every epoch and
 * by the {@code evaluate} command on any corpus.
 *
 * <p>{@link dev.lstmspark.evaluation.Perplexity} holds a summed cross-entropy and a token count rather than a mean,
 * because sums combine across minibatches and executors where averages of averages would not.
 * {@link dev.lstmspark.evaluation.CrossEntropy} is the per-minibatch step, a plain static function that Spark tasks
 * and tests call alike, starting each minibatch from a fresh recurrent state.
 *
 * <p>{@link dev.lstmspark.evaluation.PerplexityEvaluator} runs on the executors: it broadcasts the parameters,
 * rebuilds the network from its JSON configuration once per partition, and only {@code {sum, tokens}} come back to
 * the driver, as plain {@code double[]} because Kryo cannot serialize records.
 */
package dev.lstmspark.evaluation;
