package dev.lstmspark.config;

/** The recurrent cell of every layer, after d2l's chapters on modern recurrent networks. */
public enum CellType {
    /** Long short-term memory: input, forget and output gates and a memory cell (DL4J's {@code LSTM} layer). */
    LSTM,
    /** Gated recurrent unit: reset and update gates, no separate memory cell; 3/4 of an LSTM's parameters. */
    GRU
}
