package dev.lstmspark.store;

import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.ConfigException;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.model.ModelArchive;
import dev.lstmspark.model.ModelFileException;
import dev.lstmspark.source.CorpusProvenance;
import dev.lstmspark.vocabulary.Vocabulary;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Properties;

/**
 * A trained model as a run directory holds it: network (with updater), vocabulary, resolved configuration and the
 * provenance of its corpus, so that {@code evaluate} and {@code generate} need nothing but the directory's path
 * (local or any Hadoop URI).
 *
 * @param corpus what the model was trained on; empty for run directories written before {@code corpus.json} existed
 */
public record SavedModel(MultiLayerNetwork network, Vocabulary vocabulary, TrainConfig config,
                         Optional<CorpusProvenance> corpus) {

    public static SavedModel load(String dir, Configuration hadoop) {
        Path root = new Path(dir);
        FileSystem fs;
        try {
            fs = root.getFileSystem(hadoop);
            if (!fs.getFileStatus(root).isDirectory()) {
                throw new ModelFileException("model directory " + dir + " is a file: pass --model with the --out directory of a train run");
            }
        } catch (java.io.FileNotFoundException e) {
            throw new ModelFileException("model directory " + dir + " does not exist: pass --model with the --out directory of a train run");
        } catch (IOException e) {
            throw new ModelFileException("model directory " + dir + " cannot be opened (" + e.getMessage() + ")", e);
        }
        Path modelFile = new Path(root, RunLayout.MODEL);
        Path vocabFile = new Path(root, RunLayout.VOCABULARY);
        Path configFile = new Path(root, RunLayout.CONFIG);
        for (Path p : new Path[] {modelFile, vocabFile, configFile}) {
            try {
                if (!fs.exists(p)) {
                    throw new ModelFileException(p + " is missing: " + dir + " is not a finished train run (it needs "
                            + RunLayout.MODEL + ", " + RunLayout.VOCABULARY + " and " + RunLayout.CONFIG + ")");
                }
            } catch (IOException e) {
                throw new ModelFileException(p + " cannot be opened (" + e.getMessage() + ")", e);
            }
        }
        TrainConfig config;
        try (InputStream in = fs.open(configFile)) {
            Properties p = new Properties();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            config = ConfigLoader.fromProperties(p, configFile.toString());
        } catch (IOException | ConfigException e) {
            throw new ModelFileException(configFile + " cannot be read (" + e.getMessage() + "): restore it from the train run", e);
        }
        Vocabulary vocabulary;
        try (InputStream in = fs.open(vocabFile)) {
            vocabulary = Vocabulary.fromJson(in.readAllBytes(), vocabFile.toString());
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelFileException(vocabFile + " cannot be read (" + e.getMessage() + "): restore it from the train run", e);
        }
        MultiLayerNetwork network;
        // DL4J deserializes what the zip names; ModelArchive refuses anything a run directory should not hold first.
        try (InputStream in = fs.open(modelFile);
             ModelArchive.CheckedCopy checked = ModelArchive.checkedCopy(in, modelFile.toString())) {
            network = ModelSerializer.restoreMultiLayerNetwork(checked.file(), true);
        } catch (ModelFileException e) {
            throw e;
        } catch (Exception e) {
            throw new ModelFileException(modelFile + " is not a readable DL4J model (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse(""))
                    + "): retrain, or restore the file from the train run", e);
        }
        long outputs = network.layerSize(network.getnLayers() - 1);
        if (outputs != vocabulary.size()) {
            throw new ModelFileException(vocabFile + " has " + vocabulary.size() + " tokens but " + modelFile + " predicts "
                    + outputs + ": the two files come from different runs");
        }
        return new SavedModel(network, vocabulary, config, corpus(fs, new Path(root, RunLayout.CORPUS)));
    }

    private static Optional<CorpusProvenance> corpus(FileSystem fs, Path file) {
        try {
            if (!fs.exists(file)) {
                return Optional.empty();
            }
            try (InputStream in = fs.open(file)) {
                return Optional.of(CorpusProvenance.fromJson(in.readAllBytes(), file.toString()));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelFileException(file + " cannot be read (" + e.getMessage() + "): restore it from the train run, or delete it", e);
        }
    }
}
