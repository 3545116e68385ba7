package dev.lstmspark.model;

import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.vocabulary.Vocabulary;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A trained model as a run directory holds it: network (with updater), vocabulary and resolved configuration,
 * so that {@code evaluate} and {@code generate} need nothing but the directory's path.
 */
public record SavedModel(MultiLayerNetwork network, Vocabulary vocabulary, TrainConfig config) {

    public static final String MODEL_FILE = "model.zip";
    public static final String VOCABULARY_FILE = "vocab.json";
    public static final String CONFIG_FILE = "config.properties";

    public static SavedModel load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ModelFileException("model directory " + dir + " does not exist: pass --model with the --out directory of a train run");
        }
        Path modelFile = dir.resolve(MODEL_FILE);
        Path vocabFile = dir.resolve(VOCABULARY_FILE);
        Path configFile = dir.resolve(CONFIG_FILE);
        for (Path p : new Path[] {modelFile, vocabFile, configFile}) {
            if (!Files.isRegularFile(p)) {
                throw new ModelFileException(p + " is missing: " + dir + " is not a finished train run (it needs "
                        + MODEL_FILE + ", " + VOCABULARY_FILE + " and " + CONFIG_FILE + ")");
            }
        }
        TrainConfig config;
        try (Reader r = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
            Properties p = new Properties();
            p.load(r);
            config = ConfigLoader.fromProperties(p, configFile.toString());
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelFileException(configFile + " cannot be read (" + e.getMessage() + "): restore it from the train run", e);
        }
        Vocabulary vocabulary;
        try {
            vocabulary = Vocabulary.fromJson(Files.readAllBytes(vocabFile), vocabFile.toString());
        } catch (IOException | IllegalArgumentException e) {
            throw new ModelFileException(vocabFile + " cannot be read (" + e.getMessage() + "): restore it from the train run", e);
        }
        MultiLayerNetwork network;
        try {
            network = ModelSerializer.restoreMultiLayerNetwork(modelFile.toFile(), true);
        } catch (Exception e) {
            throw new ModelFileException(modelFile + " is not a readable DL4J model (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "): retrain, or restore the file from the train run", e);
        }
        long outputs = network.layerSize(network.getnLayers() - 1);
        if (outputs != vocabulary.size()) {
            throw new ModelFileException(vocabFile + " has " + vocabulary.size() + " tokens but " + modelFile + " predicts "
                    + outputs + ": the two files come from different runs");
        }
        return new SavedModel(network, vocabulary, config);
    }
}
