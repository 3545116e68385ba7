/**
 * Fused recurrent layers for DL4J's {@code MultiLayerNetwork} on the CPU backend: {@link
 * dev.lstmspark.model.fused.FusedLstm} (DL4J's LSTM, same parameters) and {@link dev.lstmspark.model.fused.FusedGru}
 * (d2l's GRU, the parameters of {@code dev.lstmspark.model.gru.Gru}). They compute what the stock layers compute,
 * with the per-operation overhead of ND4J taken out: a time step is one GEMM into a preallocated buffer (two for the
 * GRU) and a gate pass in plain Java; the first layer reads token indices
 * ({@code indexInput(true)}, input {@code [minibatch, 1, T]}) so that {@code x_t W} is a row of {@code W}.
 * {@link dev.lstmspark.model.fused.FusedSoftmaxOutput} is DL4J's {@code RnnOutputLayer} whose training pass reads
 * their output as it lies (softmax and sparse cross-entropy, one forward GEMM for score and gradient).
 *
 * <p>{@link dev.lstmspark.model.fused.FusedRecurrent} and {@link dev.lstmspark.model.fused.FusedRecurrentLayer} hold
 * what both cells share (buffers, input projection, weight gradients, truncated-BPTT and {@code rnnTimeStep}
 * state); {@link dev.lstmspark.model.fused.FusedParamInitializer} lays the parameters out; {@code NativeBuffer}
 * and {@code RowMajorGemm} are the native memory and the OpenBLAS calls. A float network on a JVM started with
 * {@code --add-modules=jdk.incubator.vector} ({@link dev.lstmspark.model.fused.VectorApi}) runs its time steps on
 * the Vector API: {@code VectorGemm} multiplies by {@code RW} packed once per pass (OpenBLAS repacks it on every
 * call), {@code VectorActivations} computes the gates' sigmoid and tanh in float; elsewhere those run on OpenBLAS and
 * {@code Math.exp}, with the same results within float rounding. {@code ScratchMemory} keeps the buffers per
 * thread and shape, so the new network of every averaging round reuses them. The layers refuse to run on another ND4J
 * backend: there the stock layers ({@code LSTM}, {@code model.gru.Gru}) are the implementation.
 */
package dev.lstmspark.model.fused;
