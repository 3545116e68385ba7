/**
 * The run directory on any Hadoop file system: what a training run leaves and what {@code evaluate},
 * {@code generate} and {@code --resume} read back.
 *
 * <p>{@link dev.lstmspark.store.RunLayout} names every file and folder. {@link dev.lstmspark.store.RunDirectory}
 * decides what may be done with a directory that already holds a run (new, resume, overwrite), holds the one
 * writer's {@link dev.lstmspark.store.RunLock}, and writes the run's files through
 * {@link dev.lstmspark.io.AtomicWriter}. {@link dev.lstmspark.store.Checkpoints} writes each checkpoint as a
 * folder staged and renamed into place (its {@code state.properties}, with the driver's
 * {@link dev.lstmspark.store.CheckpointState}, last), keeps the newest few and reads the newest complete one back
 * as a {@link dev.lstmspark.store.Checkpoint}. {@link dev.lstmspark.store.SavedModel} loads a finished run (or a
 * checkpoint, which holds the same files), with the {@code corpus.json} provenance of its corpus when it has one.
 */
package dev.lstmspark.store;
