package dev.lstmspark.training;

import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.model.SavedModel;
import dev.lstmspark.vocabulary.Vocabulary;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The {@code out} directory of a run: {@code config.properties}, {@code vocab.json}, {@code metrics.jsonl},
 * {@code model.zip} and {@code samples.txt}. Whole files are written next to their target and renamed into
 * place, so a crash never leaves a half-written model or vocabulary behind.
 */
public final class RunDirectory {
    public static final String METRICS_FILE = "metrics.jsonl";
    public static final String SAMPLES_FILE = "samples.txt";

    private final Path dir;

    public RunDirectory(Path dir) {
        this.dir = dir;
    }

    public Path path() {
        return dir;
    }

    /** Creates the directory; refuses one that already holds a trained model. */
    public static RunDirectory create(Path dir) {
        if (Files.exists(dir.resolve(SavedModel.MODEL_FILE))) {
            throw new IllegalArgumentException("out directory " + dir + " already holds a trained model: choose another --out");
        }
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(dir.resolve(METRICS_FILE));
            Files.deleteIfExists(dir.resolve(SAMPLES_FILE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create out directory " + dir + ": " + e.getMessage(), e);
        }
        return new RunDirectory(dir);
    }

    public void writeConfig(TrainConfig config) {
        writeAtomically(SavedModel.CONFIG_FILE, tmp -> {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                config.toProperties().store(w, "lstm-spark resolved configuration");
            }
        });
    }

    public void writeVocabulary(Vocabulary vocabulary) {
        writeAtomically(SavedModel.VOCABULARY_FILE, tmp -> Files.write(tmp, vocabulary.toJson()));
    }

    /** Saves the network with its updater state, as DL4J's {@code ModelSerializer} zip. */
    public void writeModel(MultiLayerNetwork network) {
        writeAtomically(SavedModel.MODEL_FILE, tmp -> ModelSerializer.writeModel(network, tmp.toFile(), true));
    }

    public void appendMetrics(EpochMetrics metrics) {
        append(METRICS_FILE, metrics.toJson() + "\n");
    }

    public void appendSamples(String text) {
        append(SAMPLES_FILE, text);
    }

    private void append(String name, String text) {
        try {
            Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(name) + ": " + e.getMessage(), e);
        }
    }

    private interface FileWriter {
        void write(Path tmp) throws IOException;
    }

    private void writeAtomically(String name, FileWriter writer) {
        Path target = dir.resolve(name);
        Path tmp = dir.resolve("." + name + ".tmp");
        try {
            writer.write(tmp);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // nothing more to do: the target is intact either way
            }
        }
    }
}
