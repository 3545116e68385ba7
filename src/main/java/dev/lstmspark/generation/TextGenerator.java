package dev.lstmspark.generation;

import dev.lstmspark.config.UserInputException;
import dev.lstmspark.batches.TokenEncoding;
import dev.lstmspark.model.RecurrentNetworks;
import dev.lstmspark.vocabulary.Vocabulary;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.SplittableRandom;

/**
 * d2l's {@code predict_ch8}: warm the recurrent state up on the prefix, then emit tokens one at a time, each fed
 * back as the next input. Greedy (arg-max) by default; with a temperature above 0 it samples instead.
 */
public final class TextGenerator {

    private TextGenerator() {
    }

    /**
     * @param prefix      text to start from; preprocessed as the vocabulary's corpus was, tokens the vocabulary lacks
     *                    become {@code <unk>}
     * @param length      tokens to generate after the prefix
     * @param temperature 0 for greedy decoding; otherwise softmax temperature for sampling
     * @param seed        seed of the sampler (unused when greedy)
     * @return the preprocessed prefix followed by the generated tokens
     */
    public static String generate(MultiLayerNetwork net, Vocabulary vocabulary, String prefix, int length,
                                  double temperature, long seed) {
        if (length < 0) {
            throw new UserInputException("length must be 0 or more, got " + length);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new UserInputException("temperature must be 0 (greedy) or a positive number, got " + temperature);
        }
        List<String> prefixTokens = vocabulary.tokenizer().textTokens(prefix);
        if (prefixTokens.isEmpty()) {
            throw new UserInputException("prefix '" + prefix + "' gives no tokens (" + vocabulary.tokenizer().whatIsKept()
                    + "): give at least one word, e.g. --prefix 'time traveller'");
        }
        int[] out = new int[prefixTokens.size() + length];
        for (int i = 0; i < prefixTokens.size(); i++) {
            out[i] = vocabulary.indexOf(prefixTokens.get(i));
        }
        if (length > 0) {
            SplittableRandom random = new SplittableRandom(seed);
            int vocabSize = vocabulary.size();
            TokenEncoding encoding = RecurrentNetworks.layout(net).features();
            net.rnnClearPreviousState();
            INDArray output = net.rnnTimeStep(input(out, 0, prefixTokens.size(), vocabSize, encoding));
            for (int i = prefixTokens.size(); i < out.length; i++) {
                float[] probabilities = output.get(
                        org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(output.size(2) - 1)).toFloatVector();
                out[i] = temperature == 0 ? argMax(probabilities) : sample(probabilities, temperature, random);
                if (i + 1 < out.length) {
                    output = net.rnnTimeStep(input(out, i, 1, vocabSize, encoding));
                }
            }
            net.rnnClearPreviousState();
        }
        return vocabulary.decode(out);
    }

    /** Generated text on one line, for samples listed one per line: a new line shows as {@code ↵}. */
    public static String oneLine(String text) {
        return text.replace("\r\n", "\u21B5").replace('\n', '\u21B5').replace('\r', '\u21B5');
    }

    /** {@code count} tokens from {@code from} as a one-sequence input, one-hot or as indices as the network takes them. */
    private static INDArray input(int[] tokens, int from, int count, int vocabSize, TokenEncoding encoding) {
        if (encoding == TokenEncoding.INDEX) {
            INDArray x = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 1, count);
            for (int t = 0; t < count; t++) {
                x.putScalar(new long[] {0, 0, t}, tokens[from + t]);
            }
            return x;
        }
        INDArray x = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, vocabSize, count);
        for (int t = 0; t < count; t++) {
            x.putScalar(new long[] {0, tokens[from + t], t}, 1f);
        }
        return x;
    }

    static int argMax(float[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Draws from {@code p^(1/temperature)}, renormalized. */
    static int sample(float[] p, double temperature, SplittableRandom random) {
        double[] w = new double[p.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < p.length; i++) {
            w[i] = Math.log(Math.max(p[i], Float.MIN_NORMAL)) / temperature;
            max = Math.max(max, w[i]);
        }
        double total = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.exp(w[i] - max);
            total += w[i];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < w.length; i++) {
            u -= w[i];
            if (u <= 0) {
                return i;
            }
        }
        return w.length - 1;
    }
}
