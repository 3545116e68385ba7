package dev.lstmspark.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.util.ModelSerializer;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Checks a {@code model.zip} before DL4J deserializes anything in it: a model file is data, and DL4J's loader treats
 * parts of it as code. {@code ModelSerializer.restoreMultiLayerNetwork} (1.0.0-M2.1) reads every entry of the zip
 * into memory, Java-deserializes a {@code preprocessor.bin} entry with {@link java.io.ObjectInputStream}, lets
 * Jackson instantiate whatever class the configuration's {@code @class} fields name (any subtype of a layer,
 * activation, loss... on the classpath), and allocates the parameter arrays at the size their binary headers claim.
 *
 * <p>So a model zip may hold only what {@code ModelSerializer.writeModel} writes for a {@code MultiLayerNetwork} with
 * parameters and no normalizer: {@code configuration.json}, {@code coefficients.bin} and, when the updater has state
 * (not for SGD), {@code updaterState.bin}. The other names it knows are refused: {@code preprocessor.bin} and the old
 * {@code updater.bin} are Java serialization, {@code normalizer.bin} and {@code objects/...} are never written by
 * {@code train}, and {@code noParams.marker} belongs to networks without parameters, which this project never builds.
 * Then: no entry name that could point outside a directory; class names in the configuration only from DL4J
 * ({@code org.deeplearning4j.}), ND4J ({@code org.nd4j.}, not the third-party code it shades under
 * {@code org.nd4j.shade.}) and this project ({@code dev.lstmspark.}); the parameter count the configuration implies
 * equal to the length in {@code coefficients.bin}'s header, and below {@link #MAX_PARAMETERS}; every entry's declared
 * and inflated size bounded by what its contents can legitimately need (zip bombs).
 *
 * <p>The zip is read with {@link ZipInputStream}, as DL4J's loader reads it (local headers, in file order), so the
 * entries checked are the entries loaded; and {@link #checkedCopy} checks a private local copy that is then the
 * file DL4J loads, so the bytes cannot change between check and load.
 */
public final class ModelArchive {

    /** Beyond this DL4J's loader allocates more than a gigabyte of float parameters: no model {@code train} makes. */
    public static final long MAX_PARAMETERS = 1L << 28;
    /** Larger than any layer this project builds (the vocabulary bounds a layer's size); keeps products far from overflow. */
    static final long MAX_LAYER_SIZE = 1L << 24;
    /** A real configuration is some kilobytes per layer. */
    static final long MAX_CONFIGURATION_BYTES = 16L << 20;
    /** Real configurations nest about six levels; DL4J's recursive JSON parser would overflow its stack long before this. */
    static final int MAX_JSON_DEPTH = 64;
    /** AMSGrad keeps three values per parameter, the most of DL4J's updaters (SGD none, Adam two). */
    static final int MAX_UPDATER_STATE_PER_PARAMETER = 3;
    /** DL4J's loader reads each entry into one byte array. */
    static final long MAX_ENTRY_BYTES = Integer.MAX_VALUE - 8;
    /** The configuration and two arrays at their largest, stored uncompressed, plus the zip's own headers. */
    static final long MAX_ARCHIVE_BYTES = MAX_CONFIGURATION_BYTES + 2 * MAX_ENTRY_BYTES + (1L << 20);
    /** ND4J's binary header is a few dozen bytes; its strings are data types and allocation modes. */
    private static final int MAX_HEADER_STRING = 32;
    /** Shape information of an array of rank r is 2r + 4 longs; ND4J arrays have at most rank 32. */
    private static final int MAX_SHAPE_INFO_LONGS = 2 * 32 + 4;

    static final String CONFIGURATION = ModelSerializer.CONFIGURATION_JSON;
    static final String COEFFICIENTS = ModelSerializer.COEFFICIENTS_BIN;
    static final String UPDATER_STATE = ModelSerializer.UPDATER_BIN;
    private static final List<String> ENTRIES = List.of(CONFIGURATION, COEFFICIENTS, UPDATER_STATE);

    private static final List<String> ALLOWED_PACKAGES = List.of("org.deeplearning4j.", "org.nd4j.", "dev.lstmspark.");
    private static final String SHADED_THIRD_PARTY = "org.nd4j.shade.";
    /**
     * A dotted Java name (nested classes with {@code $}): what Jackson could resolve as a class. A class field's value
     * must be exactly one, nothing Jackson would parse as an array or generic type; anywhere else, every one found.
     */
    private static final Pattern JAVA_NAME = Pattern.compile("[A-Za-z_$][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)+");
    /** The JSON fields whose values DL4J's Jackson configuration resolves as class names. */
    private static final Set<String> CLASS_FIELDS = Set.of("@class", "type");

    private static final String FIX = "retrain, or restore the file from the train run";

    private ModelArchive() {
    }

    /**
     * A checked private copy of a model zip on the local disk, for {@code ModelSerializer} to load; closing it deletes
     * the copy.
     */
    public static final class CheckedCopy implements AutoCloseable {
        private final Path file;

        private CheckedCopy(Path file) {
            this.file = file;
        }

        public java.io.File file() {
            return file.toFile();
        }

        @Override
        public void close() {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete the temporary model copy " + file + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Copies {@code in} (the model zip called {@code name} in messages) to a temporary file only this user can read,
     * and checks the copy.
     *
     * @throws ModelFileException with one line naming the file, what is wrong and the fix
     */
    public static CheckedCopy checkedCopy(InputStream in, String name) throws IOException {
        Path copy = Files.createTempFile("lstm-spark-model", ".zip");
        try {
            try (OutputStream out = Files.newOutputStream(copy)) {
                long copied = copyAtMost(in, out, MAX_ARCHIVE_BYTES);
                if (copied > MAX_ARCHIVE_BYTES) {
                    throw refuse(name, "is larger than the " + count(MAX_ARCHIVE_BYTES) + " bytes DL4J can load");
                }
            }
            check(copy, name);
            return new CheckedCopy(copy);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(copy);
            throw e;
        }
    }

    /**
     * Checks the model zip at {@code zip} (called {@code name} in messages) without deserializing anything in it.
     *
     * @throws ModelFileException with one line naming the file, what is wrong and the fix
     */
    public static void check(Path zip, String name) {
        byte[] configuration = null;
        ArrayHeader coefficients = null;
        ArrayHeader updaterState = null;
        Set<String> seen = new HashSet<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            ZipEntry entry;
            while ((entry = in.getNextEntry()) != null) {
                String entryName = entry.getName();
                if (pointsOutside(entryName)) {
                    throw refuse(name, "has an entry " + quote(entryName) + " that points outside the archive's directory;"
                            + " lstm-spark never writes one");
                }
                if (!ENTRIES.contains(entryName)) {
                    throw refuse(name, "holds an entry " + quote(entryName) + " that lstm-spark never writes (a model zip holds "
                            + String.join(", ", ENTRIES) + ")");
                }
                if (!seen.add(entryName)) {
                    throw refuse(name, "holds the entry " + entryName + " twice");
                }
                long declared = entry.getSize();
                if (entryName.equals(CONFIGURATION)) {
                    if (declared > MAX_CONFIGURATION_BYTES) {
                        throw refuse(name, "declares a " + CONFIGURATION + " of " + count(declared) + " bytes, more than the "
                                + count(MAX_CONFIGURATION_BYTES) + " a configuration can need (a zip bomb?)");
                    }
                    configuration = readAtMost(in, MAX_CONFIGURATION_BYTES);
                    if (configuration.length > MAX_CONFIGURATION_BYTES) {
                        throw refuse(name, "has a " + CONFIGURATION + " that inflates to more than "
                                + count(MAX_CONFIGURATION_BYTES) + " bytes (a zip bomb?)");
                    }
                } else {
                    long maxValues = entryName.equals(COEFFICIENTS) ? MAX_PARAMETERS : MAX_UPDATER_STATE_PER_PARAMETER * MAX_PARAMETERS;
                    ArrayHeader header = ArrayHeader.read(in, name, entryName, maxValues);
                    if (header.entryBytes() > MAX_ENTRY_BYTES) {
                        throw refuse(name, "has a " + entryName + " of " + count(header.entryBytes()) + " bytes, more than the "
                                + count(MAX_ENTRY_BYTES) + " DL4J can load into one array");
                    }
                    if (declared >= 0 && declared != header.entryBytes()) {
                        throw refuse(name, "declares " + entryName + " as " + count(declared) + " bytes, but its header describes "
                                + count(header.entryBytes()));
                    }
                    long rest = copyAtMost(in, OutputStream.nullOutputStream(), header.payloadBytes());
                    if (rest != header.payloadBytes()) {
                        throw refuse(name, "has a " + entryName + " of " + (rest > header.payloadBytes() ? "more" : "fewer")
                                + " bytes than its header describes (" + count(header.entryBytes()) + ")");
                    }
                    if (entryName.equals(COEFFICIENTS)) {
                        coefficients = header;
                    } else {
                        updaterState = header;
                    }
                }
            }
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ModelFileException(name + " is not a readable DL4J model (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")) + "): " + FIX, e);
        }
        if (configuration == null || coefficients == null) {
            throw new ModelFileException(name + " is not a readable DL4J model (it holds no "
                    + (configuration == null ? CONFIGURATION : COEFFICIENTS) + "): " + FIX);
        }
        String json = checkClassNames(configuration, name);
        long parameters = parameters(json, name);
        if (coefficients.values() != parameters) {
            throw refuse(name, "has a " + COEFFICIENTS + " of " + count(coefficients.values()) + " parameters, but its "
                    + CONFIGURATION + " describes a network of " + count(parameters));
        }
        if (updaterState != null && updaterState.values() > MAX_UPDATER_STATE_PER_PARAMETER * parameters) {
            throw refuse(name, "has an " + UPDATER_STATE + " of " + count(updaterState.values()) + " values, more than the "
                    + MAX_UPDATER_STATE_PER_PARAMETER + " per parameter any DL4J updater keeps for " + count(parameters) + " parameters");
        }
    }

    /**
     * The configuration as text, once every class name in it is DL4J's, ND4J's or this project's. Field names are
     * checked too (Jackson's wrapper-object type ids are field names), and every dotted name inside a string, so a
     * class cannot hide in a generic type or an unusual field.
     */
    private static String checkClassNames(byte[] configuration, String name) {
        for (byte b : configuration) {
            // DL4J decodes the entry with the platform charset; ASCII reads the same in every charset it may be.
            if (b < 0 || (b < 0x20 && b != '\n' && b != '\r' && b != '\t')) {
                throw refuse(name, "has a " + CONFIGURATION + " with bytes that are not ASCII text; DL4J writes ASCII JSON");
            }
        }
        String json = new String(configuration, StandardCharsets.US_ASCII);
        try (JsonParser parser = new JsonFactory().createParser(json)) {
            int depth = 0;
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                switch (token) {
                    case START_OBJECT, START_ARRAY -> {
                        if (++depth > MAX_JSON_DEPTH) {
                            throw refuse(name, "has a " + CONFIGURATION + " nested more than " + MAX_JSON_DEPTH
                                    + " levels deep; DL4J's configurations nest a handful");
                        }
                    }
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME -> checkDottedNames(parser.currentName(), name);
                    case VALUE_STRING -> {
                        // In an object the field this value belongs to; in an array none.
                        String field = parser.currentName();
                        String value = parser.getText();
                        if (field != null && CLASS_FIELDS.contains(field) && !(JAVA_NAME.matcher(value).matches() && allowed(value))) {
                            throw refuse(name, "has a " + CONFIGURATION + " naming class " + quote(value) + " in \"" + field
                                    + "\", outside DL4J, ND4J and lstm-spark (" + String.join(", ", ALLOWED_PACKAGES) + ")");
                        }
                        checkDottedNames(value, name);
                    }
                    default -> {
                        // numbers, booleans and nulls name no class
                    }
                }
            }
        } catch (IOException e) {
            throw refuse(name, "has a " + CONFIGURATION + " that is not JSON (" + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
        }
        return json;
    }

    private static void checkDottedNames(String text, String name) {
        Matcher m = JAVA_NAME.matcher(text);
        while (m.find()) {
            if (!allowed(m.group())) {
                throw refuse(name, "has a " + CONFIGURATION + " naming class " + quote(m.group())
                        + ", outside DL4J, ND4J and lstm-spark (" + String.join(", ", ALLOWED_PACKAGES) + ")");
            }
        }
    }

    private static boolean allowed(String className) {
        return !className.startsWith(SHADED_THIRD_PARTY) && ALLOWED_PACKAGES.stream().anyMatch(className::startsWith);
    }

    /**
     * The parameters the configuration implies, computed by each layer's DL4J parameter initializer without
     * allocating anything. The sizes of feed-forward layers (every recurrent and output layer) are bounded first, so
     * that their initializers' products cannot overflow into a small, plausible count; whatever a count is, the only
     * array DL4J allocates at its size is {@code coefficients.bin}'s, whose header must agree with it.
     */
    private static long parameters(String json, String name) {
        MultiLayerConfiguration conf;
        try {
            conf = MultiLayerConfiguration.fromJson(json);
        } catch (RuntimeException e) {
            throw refuse(name, "has a " + CONFIGURATION + " that is not a DL4J MultiLayerConfiguration ("
                    + String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ")");
        }
        long total = 0;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            NeuralNetConfiguration layerConf = conf.getConf(i);
            Layer layer = layerConf.getLayer();
            if (layer instanceof FeedForwardLayer ff) {
                for (long size : new long[] {ff.getNIn(), ff.getNOut()}) {
                    if (size < 0 || size > MAX_LAYER_SIZE) {
                        throw refuse(name, "has a " + CONFIGURATION + " whose layer " + i + " has size " + count(size)
                                + ", outside 0.." + count(MAX_LAYER_SIZE));
                    }
                }
            }
            try {
                total = Math.addExact(total, layer.initializer().numParams(layerConf));
            } catch (ArithmeticException e) {
                total = Long.MAX_VALUE;
            }
            if (total > MAX_PARAMETERS) {
                throw refuse(name, "has a " + CONFIGURATION + " that describes more than " + count(MAX_PARAMETERS)
                        + " parameters (" + (total == Long.MAX_VALUE ? "beyond counting" : count(total)) + " by layer " + i
                        + "), more than any model lstm-spark trains");
            }
        }
        return total;
    }

    /**
     * The header ND4J's {@code Nd4j.write} puts before an array's values: the shape information (a buffer of longs:
     * rank, shape, strides, flags, element-wise stride, order), then the data buffer's allocation mode, length and
     * data type. Read here without allocating anything of the claimed size.
     */
    private record ArrayHeader(long values, int valueBytes, long headerBytes) {

        long payloadBytes() {
            return values * valueBytes;
        }

        long entryBytes() {
            return headerBytes + payloadBytes();
        }

        static ArrayHeader read(InputStream entry, String name, String entryName, long maxValues) throws IOException {
            CountingInput counted = new CountingInput(entry);
            DataInputStream in = new DataInputStream(counted);
            try {
                long shapeLongs = bufferLength(in, name, entryName);
                String shapeType = shortString(in, name, entryName);
                if (!shapeType.equals("LONG") || shapeLongs < 4 || shapeLongs > MAX_SHAPE_INFO_LONGS) {
                    throw refuse(name, "has a " + entryName + " whose header is not an ND4J array's (shape information of "
                            + shapeLongs + " " + shapeType + " values)");
                }
                long[] shapeInfo = new long[(int) shapeLongs];
                for (int i = 0; i < shapeInfo.length; i++) {
                    shapeInfo[i] = in.readLong();
                }
                long rank = shapeInfo[0];
                if (rank < 0 || 2 * rank + 4 != shapeLongs) {
                    throw refuse(name, "has a " + entryName + " whose header is not an ND4J array's (rank " + rank + " in "
                            + shapeLongs + " values of shape information)");
                }
                long shapeLength = 1;
                for (int i = 1; i <= rank; i++) {
                    if (shapeInfo[i] < 0) {
                        throw refuse(name, "has a " + entryName + " whose header gives a negative dimension");
                    }
                    try {
                        shapeLength = Math.multiplyExact(shapeLength, shapeInfo[i]);
                    } catch (ArithmeticException e) {
                        shapeLength = Long.MAX_VALUE;
                    }
                }
                long dataLength = bufferLength(in, name, entryName);
                String dataType = shortString(in, name, entryName);
                int valueBytes = switch (dataType) {
                    case "FLOAT" -> 4;
                    case "DOUBLE" -> 8;
                    case "HALF", "BFLOAT16" -> 2;
                    default -> throw refuse(name, "has a " + entryName + " of " + quote(dataType)
                            + " values; a network's parameters are floating point");
                };
                if (dataLength != shapeLength) {
                    throw refuse(name, "has a " + entryName + " whose header gives a shape of " + count(shapeLength)
                            + " values but data of " + count(dataLength));
                }
                if (dataLength < 0 || dataLength > maxValues) {
                    throw refuse(name, "has a " + entryName + " whose header claims " + count(dataLength) + " values ("
                            + count(dataLength * valueBytes) + " bytes), more than the " + count(maxValues)
                            + " any model lstm-spark trains can have");
                }
                return new ArrayHeader(dataLength, valueBytes, counted.count);
            } catch (EOFException e) {
                throw refuse(name, "has a " + entryName + " that ends inside its header");
            }
        }

        /** ND4J writes the allocation mode's name, then the length: an int for the three oldest modes, a long after. */
        private static long bufferLength(DataInputStream in, String name, String entryName) throws IOException {
            String mode = shortString(in, name, entryName);
            return switch (mode) {
                case "DIRECT", "HEAP", "JAVACPP" -> in.readInt();
                case "LONG_SHAPE", "MIXED_DATA_TYPES" -> in.readLong();
                default -> throw refuse(name, "has a " + entryName + " whose header is not an ND4J array's (allocation mode "
                        + quote(mode) + ")");
            };
        }

        private static String shortString(DataInputStream in, String name, String entryName) throws IOException {
            int length = in.readUnsignedShort();
            if (length > MAX_HEADER_STRING) {
                throw refuse(name, "has a " + entryName + " whose header is not an ND4J array's (a " + length + "-byte name)");
            }
            byte[] bytes = in.readNBytes(length);
            if (bytes.length < length) {
                throw new EOFException();
            }
            return new String(bytes, StandardCharsets.US_ASCII);
        }
    }

    private static final class CountingInput extends InputStream {
        private final InputStream in;
        private long count;

        CountingInput(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    /** Entry names ModelSerializer never writes and that would land outside a directory if someone unzipped the file. */
    private static boolean pointsOutside(String entryName) {
        String n = entryName.replace('\\', '/');
        return n.startsWith("/") || n.matches("^[A-Za-z]:.*") || n.equals("..") || n.startsWith("../") || n.endsWith("/..")
                || n.contains("/../") || n.indexOf('\0') >= 0;
    }

    private static byte[] readAtMost(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copyAtMost(in, out, max);
        return out.toByteArray();
    }

    /**
     * Copies until the input ends or {@code max + 1} bytes went through, so a result above {@code max} means the input
     * is longer; returns the bytes copied. Bounds the work a zip bomb can cause.
     */
    private static long copyAtMost(InputStream in, OutputStream out, long max) throws IOException {
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while (total <= max && (n = in.read(buffer, 0, (int) Math.min(buffer.length, max + 1 - total))) > 0) {
            out.write(buffer, 0, n);
            total += n;
        }
        return total;
    }

    private static ModelFileException refuse(String name, String problem) {
        return new ModelFileException(name + " " + problem + ": refusing to load it; " + FIX);
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("'");
        s.codePoints().limit(120).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format(Locale.ROOT, "\\u%04x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.append(s.length() > 120 ? "...'" : "'").toString();
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
