package dev.lstmspark.config;

/** Which implementation of the recurrent cells a network uses. */
public enum Kernels {
    /** Fused on ND4J's CPU backend, stock elsewhere (cuDNN on the CUDA backend, which the fused layers cannot use). */
    AUTO,
    /** This project's fused LSTM and GRU ({@code model.fused}): token-index input, one GEMM per step, CPU only. */
    FUSED,
    /** DL4J's {@code LSTM} layer, and the GRU of {@code model.gru} built from ND4J operations: any backend. */
    STOCK
}
