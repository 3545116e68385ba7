package dev.lstmspark.store;

import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.io.AtomicWriter.Content;
import dev.lstmspark.io.StorageException;
import dev.lstmspark.source.CorpusProvenance;
import dev.lstmspark.training.EpochMetrics;
import dev.lstmspark.vocabulary.Vocabulary;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;

/** The content of each kind of run file, written the same way into a run directory and into a checkpoint. */
final class RunFiles {

    private RunFiles() {
    }

    static Content utf8(String text) {
        return out -> out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    static Content metrics(List<EpochMetrics> metrics) {
        StringBuilder lines = new StringBuilder();
        metrics.forEach(m -> lines.append(m.toJson()).append('\n'));
        return utf8(lines.toString());
    }

    static Content properties(Properties p) {
        return out -> {
            Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            p.store(w, "lstm-spark");
            w.flush();
        };
    }

    static Content config(TrainConfig config) {
        return properties(config.toProperties());
    }

    static Content vocabulary(Vocabulary vocabulary) {
        return out -> out.write(vocabulary.toJson());
    }

    static Content corpus(CorpusProvenance corpus) {
        return out -> out.write(corpus.toJson());
    }

    /** The network with its updater state, as DL4J's {@code ModelSerializer} zip. */
    static Content model(MultiLayerNetwork network) {
        return out -> ModelSerializer.writeModel(network, out, true);
    }

    static String readText(FileSystem fs, Path file) {
        try (InputStream in = fs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
