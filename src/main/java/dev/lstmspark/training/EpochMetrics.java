package dev.lstmspark.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Locale;

/**
 * What the driver reports for one epoch: one console line and one {@code metrics.jsonl} object.
 *
 * @param trainPerplexity exp(total cross-entropy / total predicted tokens) over every minibatch as it was trained
 * @param valPerplexity   perplexity on the held-out tail after the epoch; NaN when nothing is held out
 * @param tokens          predicted tokens trained on, counted on the executors
 * @param minibatches     minibatch updates, counted on the executors
 * @param seconds         wall time of the whole epoch: batching, fitting, averaging, validation
 * @param fitSeconds      wall time of batching and fitting alone
 * @param elapsedSeconds  wall time of the whole run up to the end of this epoch, across resumes: what a user waits
 *                        for a perplexity (NaN until the run sets it, see {@link #withElapsedSeconds})
 * @param executorIds     the distinct executors that trained in the epoch, by Spark executor id
 */
public record EpochMetrics(int epoch, double trainPerplexity, double valPerplexity, long tokens, long minibatches,
                           double seconds, double fitSeconds, double elapsedSeconds, List<String> executorIds) {

    public EpochMetrics {
        executorIds = List.copyOf(executorIds);
    }

    /** The same epoch, with the run's wall time up to its end. */
    public EpochMetrics withElapsedSeconds(double elapsed) {
        return new EpochMetrics(epoch, trainPerplexity, valPerplexity, tokens, minibatches, seconds, fitSeconds, elapsed,
                executorIds);
    }

    /** The perplexity a run is judged by: validation when something is held out, else training. */
    public double headlinePerplexity() {
        return Double.isNaN(valPerplexity) ? trainPerplexity : valPerplexity;
    }

    /** Distinct executors that trained in the epoch. */
    public int executors() {
        return executorIds.size();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Tokens per second over the epoch's whole wall time. */
    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : 0;
    }

    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("epoch", epoch);
        o.put("train_perplexity", round(trainPerplexity));
        if (Double.isNaN(valPerplexity)) {
            o.putNull("val_perplexity");
        } else {
            o.put("val_perplexity", round(valPerplexity));
        }
        o.put("tokens", tokens);
        o.put("tokens_per_sec", Math.round(tokensPerSecond() * 10) / 10.0);
        o.put("seconds", Math.round(seconds * 1000) / 1000.0);
        o.put("fit_seconds", Math.round(fitSeconds * 1000) / 1000.0);
        if (Double.isFinite(elapsedSeconds)) {
            o.put("elapsed_seconds", Math.round(elapsedSeconds * 1000) / 1000.0);
        }
        o.put("minibatches", minibatches);
        o.put("executors", executors());
        executorIds.forEach(o.putArray("executor_ids")::add);
        return o.toString();
    }

    /** Reads back a {@link #toJson()} line, e.g. from the {@code metrics.jsonl} of a run being resumed. */
    public static EpochMetrics fromJson(String line) {
        JsonNode o;
        try {
            o = JSON.readTree(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not a metrics line (" + e.getOriginalMessage() + "): " + line, e);
        }
        List<String> executorIds = new java.util.ArrayList<>();
        o.path("executor_ids").forEach(id -> executorIds.add(id.asText()));
        JsonNode val = o.path("val_perplexity");
        JsonNode elapsed = o.path("elapsed_seconds");
        return new EpochMetrics(required(o, "epoch", line).asInt(), required(o, "train_perplexity", line).asDouble(),
                val.isNumber() ? val.asDouble() : Double.NaN, required(o, "tokens", line).asLong(),
                required(o, "minibatches", line).asLong(), required(o, "seconds", line).asDouble(),
                required(o, "fit_seconds", line).asDouble(), elapsed.isNumber() ? elapsed.asDouble() : Double.NaN,
                executorIds);
    }

    private static JsonNode required(JsonNode o, String field, String line) {
        JsonNode value = o == null ? null : o.get(field);
        if (value == null || !value.isNumber()) {
            throw new IllegalArgumentException("not a metrics line (no number \"" + field + "\"): " + line);
        }
        return value;
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1e6) / 1e6 : v;
    }

    public String toConsoleLine(int epochs) {
        return String.format(Locale.ROOT, "epoch %d/%d  train ppl %.3f  val ppl %s  %,d tokens  %,.0f tokens/s  %.1f s  %d executor%s",
                epoch, epochs, trainPerplexity, Double.isNaN(valPerplexity) ? "-" : String.format(Locale.ROOT, "%.3f", valPerplexity),
                tokens, tokensPerSecond(), seconds, executors(), executors() == 1 ? "" : "s");
    }
}
