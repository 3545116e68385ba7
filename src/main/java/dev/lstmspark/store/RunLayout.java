package dev.lstmspark.store;

import org.apache.hadoop.fs.Path;

import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * Where everything lives in a run directory: the names of its files and of its checkpoint folders. Nothing else
 * in the project spells a file name of a run.
 *
 * <pre>
 *   config.properties  vocab.json  corpus.json  model.zip  metrics.jsonl  samples.txt
 *   perplexity.png  report.html  training-stats.html  .lock
 *   checkpoints/epoch-000012/  model.zip vocab.json corpus.json config.properties metrics.jsonl samples.txt
 *                              state-NAME.bin ...  state.properties (written last: the checkpoint is complete)
 * </pre>
 */
public final class RunLayout {
    public static final String MODEL = "model.zip";
    public static final String VOCABULARY = "vocab.json";
    public static final String CONFIG = "config.properties";
    /** What the run was trained on: the corpus's source, preprocessing and fingerprint. */
    public static final String CORPUS = "corpus.json";
    public static final String METRICS = "metrics.jsonl";
    public static final String SAMPLES = "samples.txt";
    public static final String PLOT = "perplexity.png";
    public static final String REPORT = "report.html";
    public static final String TRAINING_STATS = "training-stats.html";
    public static final String CHECKPOINTS = "checkpoints";
    /** Written last into a checkpoint: its presence marks the checkpoint complete. Holds the driver's state. */
    public static final String CHECKPOINT_STATE = "state.properties";
    /** Held by the one process writing the run. */
    static final String LOCK = ".lock";

    /** The files a run writes, which {@code --overwrite} deletes (and nothing else). */
    static final List<String> RUN_FILES = List.of(MODEL, VOCABULARY, CONFIG, CORPUS, METRICS, SAMPLES, PLOT, REPORT,
            TRAINING_STATS, CHECKPOINTS);

    private static final String CHECKPOINT_PREFIX = "epoch-";

    private final Path root;

    RunLayout(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** A file directly in the run directory. */
    public Path file(String name) {
        return new Path(root, name);
    }

    Path checkpoints() {
        return new Path(root, CHECKPOINTS);
    }

    /** The folder of the checkpoint after {@code epoch}. */
    Path checkpoint(int epoch) {
        return new Path(checkpoints(), String.format(Locale.ROOT, "%s%06d", CHECKPOINT_PREFIX, epoch));
    }

    /** Where a checkpoint is written before it is renamed into place: a name no reader takes for a checkpoint. */
    Path stagedCheckpoint(int epoch, String unique) {
        return new Path(checkpoints(), "." + checkpoint(epoch).getName() + "." + unique + ".tmp");
    }

    /** The epoch a checkpoint folder is named after, or empty for any other name (temporary folders among them). */
    static OptionalInt epochOfCheckpoint(String folderName) {
        if (!folderName.startsWith(CHECKPOINT_PREFIX)) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(folderName.substring(CHECKPOINT_PREFIX.length())));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** The file of one named driver-state array inside a checkpoint folder. */
    static Path stateArray(Path checkpoint, String name) {
        return new Path(checkpoint, "state-" + name + ".bin");
    }
}
