package dev.lstmspark.training;

import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.model.SavedModel;
import dev.lstmspark.vocabulary.Vocabulary;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * The {@code out} directory of a run, on any Hadoop file system: {@code config.properties}, {@code vocab.json},
 * {@code metrics.jsonl}, {@code samples.txt}, the final {@code model.zip}, and {@code checkpoints/epoch-NNNNNN/}.
 *
 * <p>Files are written under a temporary name and renamed into place. A checkpoint is a whole directory written
 * under a temporary name and renamed once complete (atomic on HDFS and local disks), so a crash at any moment
 * leaves the previous checkpoint intact and readable; only the newest {@code keep} checkpoints are kept.
 */
public final class RunDirectory {
    public static final String METRICS_FILE = "metrics.jsonl";
    public static final String SAMPLES_FILE = "samples.txt";
    public static final String CHECKPOINTS = "checkpoints";
    /** Written last into a checkpoint: its presence marks the checkpoint complete. */
    public static final String STATE_FILE = "state.properties";
    private static final String CHECKPOINT_PREFIX = "epoch-";
    private static final List<String> RUN_FILES = List.of(SavedModel.MODEL_FILE, SavedModel.VOCABULARY_FILE,
            SavedModel.CONFIG_FILE, METRICS_FILE, SAMPLES_FILE, CHECKPOINTS);

    /** What {@code train} may do with a directory that already holds a run. */
    public enum Mode { NEW, RESUME, OVERWRITE }

    /** A complete checkpoint: the network after {@code epoch}, and the metrics up to it. */
    public record Checkpoint(int epoch, MultiLayerNetwork network, Vocabulary vocabulary, TrainConfig config,
                             List<String> metricsLines) {
    }

    private final FileSystem fs;
    private final Path dir;
    private final List<String> metricsLines = new ArrayList<>();
    private final StringBuilder samples = new StringBuilder();

    private RunDirectory(FileSystem fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
    }

    /** Opens {@code out} (a local path or Hadoop URI) as it is, creating it if needed. */
    public static RunDirectory open(String out, Configuration hadoop) {
        try {
            Path dir = new Path(out);
            FileSystem fs = dir.getFileSystem(hadoop);
            // Checksum side files (.crc) are noise in a run directory users browse. Write through the raw file
            // system beneath a checksumming one rather than switching checksums off on the instance Hadoop caches
            // and shares with every other user in the JVM (Spark's reads of the corpus among them).
            if (fs instanceof ChecksumFileSystem checksummed) {
                fs = checksummed.getRawFileSystem();
            }
            Path qualified = fs.makeQualified(dir);
            fs.mkdirs(qualified);
            return new RunDirectory(fs, qualified);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create out directory " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens {@code out} for a new, resumed or replaced run. A directory holding a model or checkpoints is refused
     * in {@link Mode#NEW}, so no run is ever overwritten by mistake.
     */
    public static RunDirectory prepare(String out, Configuration hadoop, Mode mode) {
        RunDirectory run = open(out, hadoop);
        boolean hasModel = run.exists(SavedModel.MODEL_FILE);
        boolean hasCheckpoints = !run.checkpointEpochs().isEmpty();
        switch (mode) {
            case NEW -> {
                if (hasModel || hasCheckpoints) {
                    throw new IllegalArgumentException("out directory " + out + " already holds "
                            + (hasModel ? "a trained model" : "checkpoints of an unfinished run")
                            + ": pass --resume to continue it, --overwrite to replace it, or choose another --out");
                }
                run.delete(METRICS_FILE);
                run.delete(SAMPLES_FILE);
            }
            case OVERWRITE -> RUN_FILES.forEach(run::delete);
            case RESUME -> {
                if (!hasCheckpoints) {
                    throw new IllegalArgumentException("out directory " + out + " holds no checkpoint to resume from: "
                            + "start it without --resume");
                }
            }
            default -> throw new IllegalStateException();
        }
        return run;
    }

    /** The directory as users write it: a plain path on the local disk, a URI elsewhere. */
    public String path() {
        return "file".equals(dir.toUri().getScheme()) ? dir.toUri().getPath() : dir.toString();
    }

    public void writeConfig(TrainConfig config) {
        writeAtomically(SavedModel.CONFIG_FILE, configContent(config));
    }

    public void writeVocabulary(Vocabulary vocabulary) {
        writeAtomically(SavedModel.VOCABULARY_FILE, vocabularyContent(vocabulary));
    }

    /** Saves the network with its updater state, as DL4J's {@code ModelSerializer} zip. */
    public void writeModel(MultiLayerNetwork network) {
        writeAtomically(SavedModel.MODEL_FILE, modelContent(network));
    }

    /** The epochs in {@code metrics.jsonl} so far: none for a new run, the checkpoint's after a resume. */
    public List<EpochMetrics> metrics() {
        return metricsLines.stream().map(EpochMetrics::fromJson).toList();
    }

    /** Adds one epoch's line to {@code metrics.jsonl}, rewriting the file (append is not on every file system). */
    public void appendMetrics(EpochMetrics metrics) {
        metricsLines.add(metrics.toJson());
        writeAtomically(METRICS_FILE, utf8(joinLines(metricsLines)));
    }

    /** Replaces a file of the run directory (a report, a plot) atomically. */
    public void writeFile(String name, byte[] content) {
        writeAtomically(name, out -> out.write(content));
    }

    /** The lines of {@code samples.txt} so far, as this run wrote or restored them (not read back from the file). */
    public List<String> sampleLines() {
        return samples.toString().lines().toList();
    }

    public void appendSamples(String text) {
        samples.append(text);
        writeAtomically(SAMPLES_FILE, utf8(samples.toString()));
    }

    /**
     * Writes a complete checkpoint after {@code epoch} and prunes all but the newest {@code keep}.
     * The directory appears under its final name only once everything in it is written.
     */
    public void writeCheckpoint(int epoch, MultiLayerNetwork network, Vocabulary vocabulary, TrainConfig config, int keep) {
        Path checkpoints = new Path(dir, CHECKPOINTS);
        Path tmp = new Path(checkpoints, "." + checkpointName(epoch) + "." + UUID.randomUUID() + ".tmp");
        Path target = new Path(checkpoints, checkpointName(epoch));
        try {
            fs.mkdirs(tmp);
            write(new Path(tmp, SavedModel.MODEL_FILE), modelContent(network));
            write(new Path(tmp, SavedModel.VOCABULARY_FILE), vocabularyContent(vocabulary));
            write(new Path(tmp, SavedModel.CONFIG_FILE), configContent(config));
            write(new Path(tmp, METRICS_FILE), utf8(joinLines(metricsLines)));
            write(new Path(tmp, SAMPLES_FILE), utf8(samples.toString()));
            Properties state = new Properties();
            state.setProperty("epoch", Integer.toString(epoch));
            state.setProperty("next-epoch", Integer.toString(epoch + 1));
            // Every random choice (weights aside, which the model holds) is a function of seed and epoch alone.
            state.setProperty("seed", Long.toString(config.seed()));
            write(new Path(tmp, STATE_FILE), out -> writeProperties(state, out));
            if (fs.exists(target)) {
                fs.delete(target, true);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename of " + tmp + " to " + target + " failed");
            }
            List<Integer> epochs = checkpointEpochs();
            for (int i = 0; i < epochs.size() - keep; i++) {
                fs.delete(new Path(checkpoints, checkpointName(epochs.get(i))), true);
            }
        } catch (IOException e) {
            quietlyDelete(tmp);
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    /** Epochs of the complete checkpoints present, oldest first. */
    public List<Integer> checkpointEpochs() {
        Path checkpoints = new Path(dir, CHECKPOINTS);
        try {
            if (!fs.exists(checkpoints)) {
                return List.of();
            }
            List<Integer> epochs = new ArrayList<>();
            for (FileStatus s : fs.listStatus(checkpoints)) {
                String name = s.getPath().getName();
                if (s.isDirectory() && name.startsWith(CHECKPOINT_PREFIX) && fs.exists(new Path(s.getPath(), STATE_FILE))) {
                    try {
                        epochs.add(Integer.parseInt(name.substring(CHECKPOINT_PREFIX.length())));
                    } catch (NumberFormatException ignored) {
                        // not one of ours
                    }
                }
            }
            epochs.sort(Comparator.naturalOrder());
            return epochs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + checkpoints + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads the newest complete checkpoint and makes the run's metrics and samples those it recorded, so that
     * an epoch trained after it but lost in a crash is not counted twice.
     */
    public Optional<Checkpoint> restoreLatestCheckpoint() {
        List<Integer> epochs = checkpointEpochs();
        if (epochs.isEmpty()) {
            return Optional.empty();
        }
        int epoch = epochs.get(epochs.size() - 1);
        Path cp = new Path(new Path(dir, CHECKPOINTS), checkpointName(epoch));
        // A checkpoint holds what a finished run does, so it loads like one (and fails like one, naming the file).
        SavedModel saved = SavedModel.load(cp.toString(), fs.getConf());
        try {
            String metrics = readText(new Path(cp, METRICS_FILE));
            String sampleText = readText(new Path(cp, SAMPLES_FILE));
            metricsLines.clear();
            metrics.lines().filter(l -> !l.isBlank()).forEach(metricsLines::add);
            samples.setLength(0);
            samples.append(sampleText);
            writeAtomically(METRICS_FILE, utf8(joinLines(metricsLines)));
            writeAtomically(SAMPLES_FILE, utf8(samples.toString()));
            return Optional.of(new Checkpoint(epoch, saved.network(), saved.vocabulary(), saved.config(),
                    List.copyOf(metricsLines)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + cp + ": " + e.getMessage(), e);
        }
    }

    /** Reads a file of the run directory, or of a checkpoint given its path relative to the run. */
    public String readText(String relative) {
        try {
            return readText(new Path(dir, relative));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + new Path(dir, relative) + ": " + e.getMessage(), e);
        }
    }

    public boolean exists(String relative) {
        try {
            return fs.exists(new Path(dir, relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String checkpointName(int epoch) {
        return String.format("%s%06d", CHECKPOINT_PREFIX, epoch);
    }

    private static String joinLines(List<String> lines) {
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }

    private String readText(Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private void delete(String relative) {
        try {
            fs.delete(new Path(dir, relative), true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + new Path(dir, relative) + ": " + e.getMessage(), e);
        }
    }

    private void quietlyDelete(Path p) {
        try {
            fs.delete(p, true);
        } catch (IOException ignored) {
            // leftover .tmp directories are ignored by checkpointEpochs()
        }
    }

    private static void writeProperties(Properties p, OutputStream out) throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        p.store(w, "lstm-spark");
        w.flush();
    }

    private interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private void write(Path file, Content content) throws IOException {
        try (FSDataOutputStream out = fs.create(file, true)) {
            content.writeTo(out);
        }
    }

    private static Content utf8(String text) {
        return out -> out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Content configContent(TrainConfig config) {
        return out -> writeProperties(config.toProperties(), out);
    }

    private static Content vocabularyContent(Vocabulary vocabulary) {
        return out -> out.write(vocabulary.toJson());
    }

    private static Content modelContent(MultiLayerNetwork network) {
        return out -> ModelSerializer.writeModel(network, out, true);
    }

    /** Temporary file beside the target in the run directory, then rename: readers never see a half-written file. */
    private void writeAtomically(String name, Content content) {
        Path target = new Path(dir, name);
        Path tmp = new Path(dir, "." + name + "." + UUID.randomUUID() + ".tmp");
        try {
            write(tmp, content);
            // Hadoop's rename does not replace an existing file; the window between delete and rename loses
            // at most this file's previous version, never a checkpoint.
            if (fs.exists(target)) {
                fs.delete(target, false);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("rename of " + tmp + " failed");
            }
        } catch (IOException e) {
            quietlyDelete(tmp);
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return dir.toString();
    }
}
