/**
 * A gated recurrent unit layer for DL4J's {@code MultiLayerNetwork}, which DL4J 1.0.0-M2.1 lacks: {@link
 * dev.lstmspark.model.gru.Gru} is the configuration (what JSON, checkpoints and Spark workers carry), {@link
 * dev.lstmspark.model.gru.GruLayer} the forward pass, backpropagation through time and recurrent state, and {@link
 * dev.lstmspark.model.gru.GruParamInitializer} the layout of its weights in the network's flat parameter vector.
 *
 * <p>It follows d2l's equations (reset gate applied to the previous state before the recurrent product), not
 * ND4J's native {@code gru} op, which applies it after. Tests hold the forward pass to a plain-Java transcription
 * of those equations and the backward pass to finite differences in double precision.
 */
package dev.lstmspark.model.gru;
