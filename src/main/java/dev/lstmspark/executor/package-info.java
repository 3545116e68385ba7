/**
 * What every Spark task of this project does on its executor before ND4J creates an array, whatever the task is
 * for: training (the {@code training} stage) and validation or evaluation (the {@code evaluation} stage) both call
 * {@link dev.lstmspark.executor.ExecutorTask#prepare()} first.
 *
 * <p>{@link dev.lstmspark.executor.GpuBinding} moves the task's thread onto the GPU Spark assigned it: the address
 * parsing and the binding decision are pure functions, the ND4J side sits behind its {@code Backend} interface,
 * and everything is static, so closures capture nothing to serialize. {@link dev.lstmspark.executor.TaskThreads}
 * gives ND4J one native thread per task core instead of one per machine core.
 */
package dev.lstmspark.executor;
