package dev.lstmspark.vocabulary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lstmspark.config.Preprocessing;
import dev.lstmspark.config.TokenKind;
import dev.lstmspark.corpus.Tokenizer;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Token indices in d2l's order: {@code <unk>} = 0, then tokens by descending frequency, ties broken by token.
 * Immutable and serializable, so Spark ships it to executors to encode their partitions. It carries the
 * {@link Tokenizer} it was counted with, so that whatever encodes text with it (executors, a saved model's prefix)
 * preprocesses exactly as training did, and the {@code max-vocab} it was cut to.
 */
public final class Vocabulary implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String UNKNOWN = "<unk>";
    public static final int UNKNOWN_INDEX = 0;

    private final Tokenizer tokenizer;
    private final int maxVocab;
    private final List<String> tokens;
    private final Map<String, Integer> indices;

    /** A vocabulary of d2l-preprocessed tokens with no size limit. */
    public Vocabulary(TokenKind kind, List<String> tokens) {
        this(new Tokenizer(Preprocessing.D2L, kind), 0, tokens);
    }

    /**
     * @param maxVocab the {@code max-vocab} it was cut to, 0 for none; at most that many tokens, {@code <unk>} included
     */
    public Vocabulary(Tokenizer tokenizer, int maxVocab, List<String> tokens) {
        if (tokens.isEmpty() || !UNKNOWN.equals(tokens.get(0))) {
            throw new IllegalArgumentException("a vocabulary starts with " + UNKNOWN);
        }
        if (maxVocab != 0 && (maxVocab < 2 || tokens.size() > maxVocab)) {
            throw new IllegalArgumentException("a vocabulary of " + tokens.size() + " tokens with max-vocab " + maxVocab);
        }
        this.tokenizer = java.util.Objects.requireNonNull(tokenizer, "tokenizer");
        this.maxVocab = maxVocab;
        this.tokens = List.copyOf(tokens);
        Map<String, Integer> map = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            if (map.put(tokens.get(i), i) != null) {
                throw new IllegalArgumentException("duplicate token '" + tokens.get(i) + "' in vocabulary");
            }
        }
        this.indices = map;
    }

    /** d2l's {@code Vocab(tokens, min_freq)} from counts of d2l-preprocessed tokens, with no size limit. */
    public static Vocabulary fromCounts(TokenKind kind, Map<String, Long> counts, int minFreq) {
        return fromCounts(new Tokenizer(Preprocessing.D2L, kind), counts, minFreq, 0);
    }

    /**
     * d2l's {@code Vocab(tokens, min_freq)} from token counts: tokens seen fewer than {@code minFreq} times become
     * {@code <unk>}, and with {@code maxVocab} above 0 so do all but the {@code maxVocab - 1} most frequent.
     */
    public static Vocabulary fromCounts(Tokenizer tokenizer, Map<String, Long> counts, int minFreq, int maxVocab) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(FREQUENT_FIRST);
        List<String> ordered = new ArrayList<>();
        ordered.add(UNKNOWN);
        for (Map.Entry<String, Long> e : entries) {
            if (maxVocab > 0 && ordered.size() == maxVocab) {
                break;
            }
            if (e.getValue() >= minFreq && !UNKNOWN.equals(e.getKey())) {
                ordered.add(e.getKey());
            }
        }
        return new Vocabulary(tokenizer, maxVocab, ordered);
    }

    /** d2l's order: the most frequent first, ties broken by the token. */
    static final Comparator<Map.Entry<String, Long>> FREQUENT_FIRST =
            Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed().thenComparing(Map.Entry::getKey);

    public TokenKind kind() {
        return tokenizer.kind();
    }

    /** How text is turned into this vocabulary's tokens. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The {@code max-vocab} the vocabulary was cut to; 0 for none. */
    public int maxVocab() {
        return maxVocab;
    }

    public int size() {
        return tokens.size();
    }

    public List<String> tokens() {
        return Collections.unmodifiableList(tokens);
    }

    /** The token's index, or {@link #UNKNOWN_INDEX} for a token the vocabulary lacks. */
    public int indexOf(String token) {
        return indices.getOrDefault(token, UNKNOWN_INDEX);
    }

    public boolean contains(String token) {
        return indices.containsKey(token);
    }

    public String token(int index) {
        return tokens.get(index);
    }

    /** Turns indices back into text, joining tokens as the token kind does. */
    public String decode(int[] indices) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < indices.length; i++) {
            if (i > 0) {
                sb.append(tokenizer.kind().separator());
            }
            sb.append(tokens.get(indices[i]));
        }
        return sb.toString();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * {@code {"token_kind": "char", "preprocess": "d2l", "max_vocab": 0, "tokens": ["<unk>", " ", "e", ...]}}, UTF-8.
     */
    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("token_kind", kind().name().toLowerCase(java.util.Locale.ROOT));
        root.put("preprocess", tokenizer.preprocessing().name().toLowerCase(java.util.Locale.ROOT));
        root.put("max_vocab", maxVocab);
        ArrayNode array = root.putArray("tokens");
        tokens.forEach(array::add);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads {@link #toJson()} output; {@code origin} names the file in error messages. A vocabulary written before
     * {@code preprocess} and {@code max-vocab} existed reads as d2l's, with no size limit, which it was.
     */
    public static Vocabulary fromJson(byte[] json, String origin) {
        try {
            JsonNode root = JSON.readTree(json);
            JsonNode kindNode = root == null ? null : root.get("token_kind");
            JsonNode tokensNode = root == null ? null : root.get("tokens");
            if (kindNode == null || tokensNode == null || !tokensNode.isArray()) {
                throw new IllegalArgumentException("it lacks \"token_kind\" or \"tokens\"");
            }
            List<String> list = new ArrayList<>();
            tokensNode.forEach(n -> list.add(n.asText()));
            TokenKind kind = TokenKind.valueOf(kindNode.asText().toUpperCase(java.util.Locale.ROOT));
            Preprocessing preprocessing = Preprocessing.valueOf(
                    root.path("preprocess").asText("d2l").toUpperCase(java.util.Locale.ROOT));
            return new Vocabulary(new Tokenizer(preprocessing, kind), root.path("max_vocab").asInt(0), list);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("vocabulary " + origin + " is not a valid vocab.json (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && v.tokenizer.equals(tokenizer) && v.maxVocab == maxVocab && v.tokens.equals(tokens);
    }

    @Override
    public int hashCode() {
        return (tokenizer.hashCode() * 31 + maxVocab) * 31 + tokens.hashCode();
    }

    @Override
    public String toString() {
        return "Vocabulary(" + tokenizer.preprocessing() + " " + kind() + ", " + tokens.size() + " tokens)";
    }
}
