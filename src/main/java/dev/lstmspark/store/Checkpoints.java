package dev.lstmspark.store;

import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.io.AtomicWriter;
import dev.lstmspark.io.StorageException;
import dev.lstmspark.source.CorpusProvenance;
import dev.lstmspark.training.EpochMetrics;
import dev.lstmspark.vocabulary.Vocabulary;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.UUID;

/**
 * The {@code checkpoints/} folder of a run: writing a checkpoint, keeping the newest few, and reading the newest
 * complete one back.
 *
 * <p>A checkpoint is a whole folder, staged under a temporary name and renamed into place once every file in it is
 * on disk, with {@link RunLayout#CHECKPOINT_STATE} written last; a folder without that file, or with a temporary
 * name, is not a checkpoint. So a crash at any moment leaves the previous checkpoint intact, and only complete ones
 * are ever restored.
 */
public final class Checkpoints {
    /** Key of the state file listing the driver-state arrays, comma-separated. */
    private static final String ARRAYS_KEY = "arrays";
    private static final String FORMAT_KEY = "format";
    private static final String FORMAT = "1";

    private final AtomicWriter writer;
    private final RunLayout layout;

    Checkpoints(AtomicWriter writer, RunLayout layout) {
        this.writer = writer;
        this.layout = layout;
    }

    /**
     * Writes the checkpoint after {@code epoch}, then deletes all but the newest {@code keep}. The folder appears
     * under its final name only once complete.
     */
    public void write(int epoch, MultiLayerNetwork network, Vocabulary vocabulary, CorpusProvenance corpus,
                      TrainConfig config, List<EpochMetrics> metrics, String samples, CheckpointState state, int keep) {
        Path staged = layout.stagedCheckpoint(epoch, UUID.randomUUID().toString());
        try {
            writer.mkdirs(staged);
            writer.writeNew(new Path(staged, RunLayout.MODEL), RunFiles.model(network));
            writer.writeNew(new Path(staged, RunLayout.VOCABULARY), RunFiles.vocabulary(vocabulary));
            writer.writeNew(new Path(staged, RunLayout.CORPUS), RunFiles.corpus(corpus));
            writer.writeNew(new Path(staged, RunLayout.CONFIG), RunFiles.config(config));
            writer.writeNew(new Path(staged, RunLayout.METRICS), RunFiles.metrics(metrics));
            writer.writeNew(new Path(staged, RunLayout.SAMPLES), RunFiles.utf8(samples));
            for (Map.Entry<String, INDArray> array : state.arrays().entrySet()) {
                writer.writeNew(RunLayout.stateArray(staged, array.getKey()), out -> {
                    DataOutputStream data = new DataOutputStream(out);
                    Nd4j.write(array.getValue(), data);
                    data.flush();
                });
            }
            Properties stateFile = new Properties();
            stateFile.putAll(state.values());
            stateFile.setProperty(FORMAT_KEY, FORMAT);
            stateFile.setProperty(ARRAYS_KEY, String.join(",", state.arrays().keySet()));
            writer.writeNew(new Path(staged, RunLayout.CHECKPOINT_STATE), RunFiles.properties(stateFile));
            writer.publishDirectory(staged, layout.checkpoint(epoch));
        } catch (StorageException e) {
            writer.deleteQuietly(staged);
            throw e;
        }
        List<Integer> epochs = epochs();
        for (int i = 0; i < epochs.size() - keep; i++) {
            writer.delete(layout.checkpoint(epochs.get(i)));
        }
    }

    /** Epochs of the complete checkpoints present, oldest first. */
    public List<Integer> epochs() {
        FileSystem fs = writer.fileSystem();
        Path folder = layout.checkpoints();
        try {
            if (!fs.exists(folder)) {
                return List.of();
            }
            List<Integer> epochs = new ArrayList<>();
            for (FileStatus s : fs.listStatus(folder)) {
                OptionalInt epoch = RunLayout.epochOfCheckpoint(s.getPath().getName());
                if (s.isDirectory() && epoch.isPresent() && fs.exists(new Path(s.getPath(), RunLayout.CHECKPOINT_STATE))) {
                    epochs.add(epoch.getAsInt());
                }
            }
            epochs.sort(null);
            return epochs;
        } catch (IOException e) {
            throw new StorageException("cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    /** The newest complete checkpoint, read back whole; empty when there is none. */
    public Optional<Checkpoint> latest() {
        List<Integer> epochs = epochs();
        if (epochs.isEmpty()) {
            return Optional.empty();
        }
        int epoch = epochs.get(epochs.size() - 1);
        Path folder = layout.checkpoint(epoch);
        FileSystem fs = writer.fileSystem();
        // A checkpoint holds what a finished run does, so it loads like one (and fails like one, naming the file).
        SavedModel model = SavedModel.load(folder.toString(), fs.getConf());
        List<EpochMetrics> metrics = RunFiles.readText(fs, new Path(folder, RunLayout.METRICS)).lines()
                .filter(l -> !l.isBlank()).map(EpochMetrics::fromJson).toList();
        String samples = RunFiles.readText(fs, new Path(folder, RunLayout.SAMPLES));
        return Optional.of(new Checkpoint(epoch, model, metrics, samples, readState(fs, folder)));
    }

    private static CheckpointState readState(FileSystem fs, Path folder) {
        Path file = new Path(folder, RunLayout.CHECKPOINT_STATE);
        Properties p = new Properties();
        try (InputStream in = fs.open(file)) {
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        String names = p.getProperty(ARRAYS_KEY, "");
        for (String name : names.isEmpty() ? List.<String>of() : Arrays.asList(names.split(","))) {
            Path arrayFile = RunLayout.stateArray(folder, name);
            try (DataInputStream in = new DataInputStream(fs.open(arrayFile))) {
                arrays.put(name, Nd4j.read(in));
            } catch (IOException e) {
                throw new StorageException("cannot read " + arrayFile + ": " + e.getMessage(), e);
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (!key.equals(ARRAYS_KEY) && !key.equals(FORMAT_KEY)) {
                values.put(key, p.getProperty(key));
            }
        }
        return new CheckpointState(values, arrays);
    }
}
