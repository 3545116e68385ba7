package dev.lstmspark.model;

import dev.lstmspark.config.ConfigLoader;
import dev.lstmspark.config.TrainConfig;
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
import java.util.Properties;

/**
 * A trained model as a run directory holds it: network (with updater), vocabulary and resolved configuration,
 * so that {@code evaluate} and {@code generate} need nothing but the directory's path (local or any Hadoop URI).
 */
public record SavedModel(MultiLayerNetwork network, Vocabulary vocabulary, TrainConfig config) {

    public static final String MODEL_FILE = "model.zip";
    public static final String VOCABULARY_FILE = "vocab.json";
    public static final String CONFIG_FILE = "config.properties";

    /** With Hadoop's default settings: local paths, or URIs whose file system needs no extra settings. */
    public static SavedModel load(String dir) {
        return load(dir, new Configuration());
    }

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
        Path modelFile = new Path(root, MODEL_FILE);
        Path vocabFile = new Path(root, VOCABULARY_FILE);
        Path configFile = new Path(root, CONFIG_FILE);
        for (Path p : new Path[] {modelFile, vocabFile, configFile}) {
            try {
                if (!fs.exists(p)) {
                    throw new ModelFileException(p + " is missing: " + dir + " is not a finished train run (it needs "
                            + MODEL_FILE + ", " + VOCABULARY_FILE + " and " + CONFIG_FILE + ")");
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
        } catch (IOException | IllegalArgumentException e) {
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
        return new SavedModel(network, vocabulary, config);
    }
}
