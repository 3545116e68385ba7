/**
 * The bottom of the package graph: how every file of a run (and the downloaded corpus) is written.
 *
 * <p>{@link dev.lstmspark.io.AtomicWriter} replaces a file whole with the strongest guarantee its file system
 * offers (local disks: write, fsync, atomic rename over the old file, fsync of the folder; HDFS: write,
 * hsync/close, rename with overwrite), creates nothing world-writable, and turns every I/O failure into a
 * {@link dev.lstmspark.io.StorageException} whose one-line message names the path and the cause.
 */
package dev.lstmspark.io;
