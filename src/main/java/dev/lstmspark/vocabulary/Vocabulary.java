package dev.lstmspark.vocabulary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lstmspark.config.TokenKind;

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
 * Immutable and serializable, so Spark ships it to executors to encode their partitions.
 */
public final class Vocabulary implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String UNKNOWN = "<unk>";
    public static final int UNKNOWN_INDEX = 0;

    private final TokenKind kind;
    private final List<String> tokens;
    private final Map<String, Integer> indices;

    public Vocabulary(TokenKind kind, List<String> tokens) {
        if (tokens.isEmpty() || !UNKNOWN.equals(tokens.get(0))) {
            throw new IllegalArgumentException("a vocabulary starts with " + UNKNOWN);
        }
        this.kind = kind;
        this.tokens = List.copyOf(tokens);
        Map<String, Integer> map = new HashMap<>();
        for (int i = 0; i < tokens.size(); i++) {
            if (map.put(tokens.get(i), i) != null) {
                throw new IllegalArgumentException("duplicate token '" + tokens.get(i) + "' in vocabulary");
            }
        }
        this.indices = map;
    }

    /** d2l's {@code Vocab(tokens, min_freq)} from token counts; tokens seen fewer than {@code minFreq} times become {@code <unk>}. */
    public static Vocabulary fromCounts(TokenKind kind, Map<String, Long> counts, int minFreq) {
        List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
        entries.sort(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue).reversed()
                .thenComparing(Map.Entry::getKey));
        List<String> ordered = new ArrayList<>();
        ordered.add(UNKNOWN);
        for (Map.Entry<String, Long> e : entries) {
            if (e.getValue() >= minFreq && !UNKNOWN.equals(e.getKey())) {
                ordered.add(e.getKey());
            }
        }
        return new Vocabulary(kind, ordered);
    }

    public TokenKind kind() {
        return kind;
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
                sb.append(kind.separator());
            }
            sb.append(tokens.get(indices[i]));
        }
        return sb.toString();
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code {"token_kind": "char", "tokens": ["<unk>", " ", "e", ...]}}, UTF-8. */
    public byte[] toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("token_kind", kind.name().toLowerCase());
        ArrayNode array = root.putArray("tokens");
        tokens.forEach(array::add);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@link #toJson()} output; {@code origin} names the file in error messages. */
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
            return new Vocabulary(TokenKind.valueOf(kindNode.asText().toUpperCase()), list);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("vocabulary " + origin + " is not a valid vocab.json (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Vocabulary v && v.kind == kind && v.tokens.equals(tokens);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + tokens.hashCode();
    }

    @Override
    public String toString() {
        return "Vocabulary(" + kind + ", " + tokens.size() + " tokens)";
    }
}
