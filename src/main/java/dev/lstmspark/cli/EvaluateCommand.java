package dev.lstmspark.cli;

import dev.lstmspark.batches.EncodedCorpus;
import dev.lstmspark.batches.MinibatchBuilder;
import dev.lstmspark.batches.WindowPlan;
import dev.lstmspark.config.ConfigException;
import dev.lstmspark.config.CorpusFormat;
import dev.lstmspark.config.Settings;
import dev.lstmspark.corpus.CorpusException;
import dev.lstmspark.corpus.CorpusLocator;
import dev.lstmspark.evaluation.Perplexity;
import dev.lstmspark.evaluation.PerplexityEvaluator;
import dev.lstmspark.run.SparkContexts;
import dev.lstmspark.source.CorpusFingerprint;
import dev.lstmspark.source.CorpusReader;
import dev.lstmspark.source.CorpusRecords;
import dev.lstmspark.source.CorpusSource;
import dev.lstmspark.store.SavedModel;
import dev.lstmspark.vocabulary.Vocabulary;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code evaluate}: perplexity of a saved model on any corpus, computed on the executors. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Perplexity of a trained model on a corpus.")
public final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "run directory written by train")
    String model;

    @Option(names = "--corpus", required = true, paramLabel = "PATH", description = "file, folder, glob, Hadoop URI or table:NAME to evaluate on")
    String corpus;

    @Option(names = "--corpus-format", paramLabel = "FORMAT", description = "text, parquet, orc, json or csv (default: the model's)")
    String corpusFormat;

    @Option(names = "--text-column", paramLabel = "NAME", description = "column holding the text of a table (default: the model's)")
    String textColumn;

    @Option(names = "--order-column", paramLabel = "NAME", description = "column ordering the rows of a table (default: the model's)")
    String orderColumn;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]", description = "Spark master when spark-submit has not set one")
    String master;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        SavedModel saved = SavedModel.load(model, SparkContexts.hadoopConfiguration());
        CorpusSource source = source(saved);
        try (JavaSparkContext sc = SparkContexts.create("lstm-spark evaluate", master)) {
            Evaluation e = evaluate(sc, saved, source);
            spec.commandLine().getOut().printf(Locale.ROOT,
                    "perplexity %.4f over %,d predicted tokens of %s (model %s); %,d tokens not in the vocabulary counted as <unk>%n",
                    e.perplexity().value(), e.perplexity().tokens(), corpus, model, e.unknownTokens());
            spec.commandLine().getOut().println(e.corpusOrigin());
        }
        return 0;
    }

    /** The corpus to score, read as the flags say or, where they say nothing, as the model's corpus was read. */
    private CorpusSource source(SavedModel saved) {
        CorpusFormat format = corpusFormat == null ? saved.config().corpusFormat() : Settings.CORPUS_FORMAT.parse(corpusFormat);
        String text = textColumn == null ? saved.config().textColumn() : Settings.TEXT_COLUMN.parse(textColumn);
        String order = orderColumn == null ? saved.config().orderColumn() : Settings.ORDER_COLUMN.parse(orderColumn);
        if (CorpusFormat.isTable(corpus)) {
            if (corpusFormat != null && format != CorpusFormat.TEXT) {
                throw new ConfigException("--corpus-format " + format.key() + " applies to files, but corpus " + corpus
                        + " is read from the Spark catalog: drop --corpus-format");
            }
            format = CorpusFormat.TEXT;
        }
        if (!format.isTabular() && !CorpusFormat.isTable(corpus)) {
            order = "";
        }
        return new CorpusSource(corpus, new CorpusLocator().resolve(corpus), format, text, order);
    }

    /**
     * Perplexity of a model on a corpus, how many of the corpus's tokens its vocabulary lacked, and whether the
     * corpus is the text the model was trained on.
     *
     * @param fingerprint the scored corpus's fingerprint
     * @param trainedOn   the fingerprint of the training corpus, empty when the run directory predates corpus.json
     */
    public record Evaluation(Perplexity perplexity, long unknownTokens, CorpusFingerprint fingerprint,
                             Optional<CorpusFingerprint> trainedOn) {

        /** Whether the scored text is the text the model was trained on (held-out tail included). */
        public boolean isTrainingCorpus() {
            return trainedOn.isPresent() && trainedOn.get().differences(fingerprint).isEmpty();
        }

        /** One line saying whether the corpus is the one the model was trained on, and how it differs. */
        public String corpusOrigin() {
            if (trainedOn.isEmpty()) {
                return "corpus: the model's run directory records no corpus fingerprint (it predates corpus.json)";
            }
            List<String> changed = trainedOn.get().differences(fingerprint);
            return changed.isEmpty()
                    ? "corpus: the text the model was trained on (its fingerprint matches corpus.json, held-out tail included)"
                    : "corpus: not the text the model was trained on (" + String.join(", ", changed) + ")";
        }
    }

    /** Perplexity over in-order windows of the whole corpus, minibatches as the model was trained with. */
    public static Evaluation evaluate(JavaSparkContext sc, SavedModel saved, CorpusSource source) {
        CorpusRecords read = CorpusReader.read(sc, source);
        EncodedCorpus encoded;
        try {
            encoded = EncodedCorpus.encode(read.records(), saved.vocabulary());
        } finally {
            read.unpersist();
        }
        try {
            long unknown = encoded.count(Vocabulary.UNKNOWN_INDEX);
            int numSteps = saved.config().numSteps();
            if (encoded.size() < numSteps + 1) {
                throw new CorpusException("corpus " + source.describe() + " gives " + encoded.size() + " tokens, fewer than one window of "
                        + (numSteps + 1) + ": evaluate on a longer text");
            }
            WindowPlan plan = WindowPlan.inOrder(0, encoded.size(), numSteps, saved.config().batchSize());
            Perplexity perplexity = PerplexityEvaluator.evaluate(sc, saved.network(),
                    MinibatchBuilder.build(encoded, plan, sc.defaultParallelism()), saved.vocabulary().size());
            return new Evaluation(perplexity, unknown, read.fingerprint(),
                    saved.corpus().map(c -> c.fingerprint()));
        } finally {
            encoded.unpersist();
        }
    }

    /** {@link #evaluate(JavaSparkContext, SavedModel, CorpusSource)} on a corpus read as the model's corpus was. */
    public static Evaluation evaluate(JavaSparkContext sc, SavedModel saved, String corpusUri, String corpusName) {
        return evaluate(sc, saved, new CorpusSource(corpusName, corpusUri, saved.config().corpusFormat(),
                saved.config().textColumn(), saved.config().orderColumn()));
    }
}
