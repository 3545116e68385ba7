package dev.lstmspark.store;

import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.io.AtomicWriter;
import dev.lstmspark.io.StorageException;
import dev.lstmspark.source.CorpusProvenance;
import dev.lstmspark.training.EpochMetrics;
import dev.lstmspark.vocabulary.Vocabulary;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The {@code out} directory of one training run, on any Hadoop file system, held by that run alone (see
 * {@link RunLock}): what may be done with a directory that already holds a run, and the run's files, every one
 * written through one {@link AtomicWriter}. Keeps the run's metrics and samples in memory, so each epoch rewrites
 * {@code metrics.jsonl} and {@code samples.txt} whole (appending is not on every file system) without reading them.
 *
 * <p>{@link #layout()} names the files; {@link #checkpoints()} writes and reads the checkpoints.
 */
public final class RunDirectory implements AutoCloseable {

    /** What {@code train} may do with a directory that already holds a run. */
    public enum Mode { NEW, RESUME, OVERWRITE }

    private final AtomicWriter writer;
    private final RunLayout layout;
    private final Checkpoints checkpoints;
    private final RunLock lock;
    /** Whether {@link #prepare} made the folder, so that a run refused before writing anything leaves no trace. */
    private final boolean createdHere;
    private final List<EpochMetrics> metrics = new ArrayList<>();
    private final StringBuilder samples = new StringBuilder();

    private RunDirectory(AtomicWriter writer, Path root, RunLock lock, boolean createdHere) {
        this.writer = writer;
        this.layout = new RunLayout(root);
        this.checkpoints = new Checkpoints(writer, layout);
        this.lock = lock;
        this.createdHere = createdHere;
    }

    /**
     * Opens {@code out} (a local path or Hadoop URI) for a new, resumed or replaced run and takes its lock. A
     * directory holding a model or checkpoints is refused in {@link Mode#NEW}, so no run is ever overwritten by
     * mistake; one that another live run is writing is refused in every mode.
     *
     * @throws RunDirectoryException naming the directory and what to do instead
     */
    public static RunDirectory prepare(String out, Configuration hadoop, Mode mode) {
        Path dir = new Path(out);
        AtomicWriter writer = AtomicWriter.forPath(dir, hadoop);
        Path root = writer.fileSystem().makeQualified(dir);
        boolean created = !exists(writer.fileSystem(), root);
        writer.mkdirs(root);
        RunLock lock = RunLock.acquire(writer, new Path(root, RunLayout.LOCK), out);
        RunDirectory run = new RunDirectory(writer, root, lock, created);
        try {
            boolean hasModel = run.exists(RunLayout.MODEL);
            boolean hasCheckpoints = !run.checkpoints.epochs().isEmpty();
            switch (mode) {
                case NEW -> {
                    if (hasModel || hasCheckpoints) {
                        throw new RunDirectoryException("out directory " + out + " already holds "
                                + (hasModel ? "a trained model" : "checkpoints of an unfinished run")
                                + ": pass --resume to continue it, --overwrite to replace it, or choose another --out");
                    }
                    writer.delete(new Path(root, RunLayout.METRICS));
                    writer.delete(new Path(root, RunLayout.SAMPLES));
                }
                case OVERWRITE -> RunLayout.RUN_FILES.forEach(name -> writer.delete(new Path(root, name)));
                case RESUME -> {
                    if (!hasCheckpoints) {
                        throw new RunDirectoryException("out directory " + out + " holds no checkpoint to resume from: "
                                + "start it without --resume");
                    }
                }
                default -> throw new IllegalStateException(mode.toString());
            }
            return run;
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
    }

    public RunLayout layout() {
        return layout;
    }

    public Checkpoints checkpoints() {
        return checkpoints;
    }

    /** The directory as users write it: a plain path on the local disk, a URI elsewhere. */
    public String path() {
        Path root = layout.root();
        return "file".equals(root.toUri().getScheme()) ? root.toUri().getPath() : root.toString();
    }

    public void writeConfig(TrainConfig config) {
        writer.replace(layout.file(RunLayout.CONFIG), RunFiles.config(config));
    }

    /**
     * The settings {@link #writeConfig} stored, as written, or empty when the run has no {@code config.properties}.
     *
     * @throws RunDirectoryException when the file is not a readable properties file
     */
    public Optional<Properties> storedConfig() {
        if (!exists(RunLayout.CONFIG)) {
            return Optional.empty();
        }
        Properties stored = new Properties();
        try {
            stored.load(new StringReader(readText(RunLayout.CONFIG)));
        } catch (IOException | IllegalArgumentException e) {
            throw new RunDirectoryException(path() + "/" + RunLayout.CONFIG + " is not a readable properties file ("
                    + e.getMessage() + "): pass the interrupted run's --config and flags");
        }
        return Optional.of(stored);
    }

    public void writeVocabulary(Vocabulary vocabulary) {
        writer.replace(layout.file(RunLayout.VOCABULARY), RunFiles.vocabulary(vocabulary));
    }

    /** Records what the run trains on ({@code corpus.json}). */
    public void writeCorpus(CorpusProvenance corpus) {
        writer.replace(layout.file(RunLayout.CORPUS), RunFiles.corpus(corpus));
    }

    /** Saves the network with its updater state, as DL4J's {@code ModelSerializer} zip. */
    public void writeModel(MultiLayerNetwork network) {
        writer.replace(layout.file(RunLayout.MODEL), RunFiles.model(network));
    }

    /** Replaces a file of the run directory (a report, a plot) atomically. */
    public void writeFile(String name, byte[] content) {
        writer.replace(layout.file(name), content);
    }

    /** The epochs in {@code metrics.jsonl} so far: none for a new run, the checkpoint's after a resume. */
    public List<EpochMetrics> metrics() {
        return List.copyOf(metrics);
    }

    /** Adds one epoch's line to {@code metrics.jsonl}. */
    public void appendMetrics(EpochMetrics epoch) {
        metrics.add(epoch);
        writer.replace(layout.file(RunLayout.METRICS), RunFiles.metrics(metrics));
    }

    /** The lines of {@code samples.txt} so far, as this run wrote or restored them (not read back from the file). */
    public List<String> sampleLines() {
        return samples.toString().lines().toList();
    }

    public void appendSamples(String text) {
        samples.append(text);
        writer.replace(layout.file(RunLayout.SAMPLES), RunFiles.utf8(samples.toString()));
    }

    /**
     * Checkpoints the run after {@code epoch}: the network, its vocabulary, corpus provenance and settings, the
     * metrics and samples so far.
     */
    public void writeCheckpoint(int epoch, MultiLayerNetwork network, Vocabulary vocabulary, CorpusProvenance corpus,
                                TrainConfig config, CheckpointState state) {
        checkpoints.write(epoch, network, vocabulary, corpus, config, metrics, samples.toString(), state, config.keep());
    }

    /**
     * Loads the newest complete checkpoint and makes the run's metrics and samples those it recorded, so that an
     * epoch trained after it but lost in a crash is not counted twice.
     */
    public Optional<Checkpoint> restoreLatestCheckpoint() {
        Optional<Checkpoint> latest = checkpoints.latest();
        latest.ifPresent(checkpoint -> {
            metrics.clear();
            metrics.addAll(checkpoint.metrics());
            samples.setLength(0);
            samples.append(checkpoint.samples());
            writer.replace(layout.file(RunLayout.METRICS), RunFiles.metrics(metrics));
            writer.replace(layout.file(RunLayout.SAMPLES), RunFiles.utf8(samples.toString()));
        });
        return latest;
    }

    /** Reads a file of the run directory. */
    public String readText(String name) {
        return RunFiles.readText(writer.fileSystem(), layout.file(name));
    }

    public boolean exists(String name) {
        return exists(writer.fileSystem(), layout.file(name));
    }

    private static boolean exists(FileSystem fs, Path path) {
        try {
            return fs.exists(path);
        } catch (IOException e) {
            throw new StorageException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Releases the directory for the next run. A folder this run created and never wrote into (the run was refused,
     * say, for a corpus too short) is removed again: a mistake leaves nothing behind.
     */
    @Override
    public void close() {
        lock.close();
        if (createdHere) {
            try {
                FileSystem fs = writer.fileSystem();
                FileStatus[] left = fs.listStatus(layout.root());
                if (left.length == 0 || left.length == 1 && left[0].getPath().getName().equals(RunLayout.LOCK)) {
                    fs.delete(layout.root(), true);
                }
            } catch (IOException e) {
                // an empty folder left behind is harmless
            }
        }
    }

    @Override
    public String toString() {
        return layout.root().toString();
    }
}
