package dev.lstmspark.cli;

import dev.lstmspark.batches.EncodedCorpus;
import dev.lstmspark.batches.MinibatchBuilder;
import dev.lstmspark.batches.WindowPlan;
import dev.lstmspark.corpus.CorpusException;
import dev.lstmspark.corpus.CorpusLocator;
import dev.lstmspark.evaluation.Perplexity;
import dev.lstmspark.evaluation.PerplexityEvaluator;
import dev.lstmspark.run.SparkContexts;
import dev.lstmspark.store.SavedModel;
import dev.lstmspark.vocabulary.Vocabulary;
import dev.lstmspark.training.TrainingData;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code evaluate}: perplexity of a saved model on any corpus, computed on the executors. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Perplexity of a trained model on a corpus.")
public final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "run directory written by train")
    String model;

    @Option(names = "--corpus", required = true, paramLabel = "PATH", description = "text file or Hadoop URI to evaluate on")
    String corpus;

    @Option(names = "--master", paramLabel = "URL", defaultValue = "local[*]", description = "Spark master when spark-submit has not set one")
    String master;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        SavedModel saved = SavedModel.load(model, SparkContexts.hadoopConfiguration());
        String corpusUri = new CorpusLocator().resolve(corpus);
        try (JavaSparkContext sc = SparkContexts.create("lstm-spark evaluate", master)) {
            Evaluation e = evaluate(sc, saved, corpusUri, corpus);
            spec.commandLine().getOut().printf(Locale.ROOT,
                    "perplexity %.4f over %,d predicted tokens of %s (model %s); %,d tokens not in the vocabulary counted as <unk>%n",
                    e.perplexity().value(), e.perplexity().tokens(), corpus, model, e.unknownTokens());
        }
        return 0;
    }

    /** Perplexity of a model on a corpus, and how many of the corpus's tokens its vocabulary lacked. */
    public record Evaluation(Perplexity perplexity, long unknownTokens) {
    }

    /** Perplexity over in-order windows of the whole corpus, minibatches as the model was trained with. */
    public static Evaluation evaluate(JavaSparkContext sc, SavedModel saved, String corpusUri, String corpusName) {
        org.apache.spark.api.java.JavaRDD<String> lines = TrainingData.readLines(sc, corpusUri, corpusName);
        EncodedCorpus encoded;
        try {
            encoded = EncodedCorpus.encode(lines, saved.vocabulary());
        } finally {
            lines.unpersist(false);
        }
        try {
            long unknown = encoded.count(Vocabulary.UNKNOWN_INDEX);
            int numSteps = saved.config().numSteps();
            if (encoded.size() < numSteps + 1) {
                throw new CorpusException("corpus " + corpusName + " gives " + encoded.size() + " tokens, fewer than one window of "
                        + (numSteps + 1) + ": evaluate on a longer text");
            }
            WindowPlan plan = WindowPlan.inOrder(0, encoded.size(), numSteps, saved.config().batchSize());
            return new Evaluation(PerplexityEvaluator.evaluate(sc, saved.network(),
                    MinibatchBuilder.build(encoded, plan, sc.defaultParallelism()), saved.vocabulary().size()), unknown);
        } finally {
            encoded.unpersist();
        }
    }
}
