/**
 * The fourth stage of the data flow: the DL4J network that the training stage fits, and the saved form that
 * {@code evaluate} and {@code generate} load.
 *
 * <p>{@link dev.lstmspark.model.RecurrentNetworks} builds the recurrent network from a
 * {@link dev.lstmspark.model.ModelSpec} (derived from the {@link dev.lstmspark.config.TrainConfig} and the vocabulary
 * size): stacked recurrent layers (DL4J's LSTM, or the GRU of {@code dev.lstmspark.model.gru}, which DL4J
 * lacks), a softmax with cross-entropy loss, SGD, and truncated BPTT when
 * sampling is sequential. It sets {@code miniBatch(false)}, so DL4J reports a minibatch's summed cross-entropy and
 * leaves gradients unscaled; {@link dev.lstmspark.model.RecurrentNetworks#gradientListeners} then turns the gradient
 * into d2l's per-token mean ({@link dev.lstmspark.model.TokenMeanGradient}) and clips its global L2 norm
 * ({@link dev.lstmspark.model.GlobalNormClipping}), which DL4J's own per-layer or per-parameter normalization
 * cannot do. {@link dev.lstmspark.model.ModelFileException} names a saved model file that cannot be used and the fix.
 * Before DL4J deserializes a saved {@code model.zip}, {@link dev.lstmspark.model.ModelArchive} checks a private copy of
 * it: only the entries {@code ModelSerializer} writes, class names only from DL4J, ND4J and this project, and a
 * parameter count that matches the configuration and a sane cap, so a crafted file is refused instead of run.
 */
package dev.lstmspark.model;
