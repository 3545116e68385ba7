package dev.lstmspark.model;

import dev.lstmspark.store.RunLayout;
import dev.lstmspark.store.SavedModel;

import com.example.Evil;
import com.example.EvilPreProcessor;
import dev.lstmspark.config.CellType;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model zip is data: every way a crafted {@code model.zip} could make DL4J's loader run code, instantiate foreign
 * classes or allocate gigabytes is refused with one line, before anything in it is deserialized.
 */
class ModelArchiveTest {

    /** The small LSTM every crafted file starts from: 28 tokens, 16 hidden units, one layer. */
    private static Map<String, byte[]> lstm;
    private static long lstmParameters;

    @TempDir
    Path dir;

    @BeforeAll
    static void genuineModel() throws IOException {
        MultiLayerNetwork net = RecurrentNetworks.create(new ModelSpec(28, 16, 1, CellType.LSTM, false, 0, 0.01, 1, 42, 0));
        lstmParameters = net.numParams();
        lstm = entries(write(net));
    }

    @BeforeEach
    void resetCanaries() {
        Evil.constructed = false;
        EvilPreProcessor.deserialized = false;
    }

    @ParameterizedTest
    @EnumSource(CellType.class)
    void genuineModelsOfEveryCellLoadWithTheirParameters(CellType cell) throws IOException {
        MultiLayerNetwork net = RecurrentNetworks.create(new ModelSpec(28, 16, 2, cell, false, 0, 0.01, 1, 42, 0));
        MultiLayerNetwork loaded = load(write(net));
        assertEquals(net.getLayerWiseConfigurations(), loaded.getLayerWiseConfigurations());
        assertEquals(net.params(), loaded.params());
    }

    @Test
    void updaterStateIsAllowedAndLoads() throws IOException {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().updater(new Adam(0.01)).list()
                .layer(new LSTM.Builder().nIn(5).nOut(4).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(4).nOut(5).activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        byte[] zip = write(net);
        assertTrue(entries(zip).containsKey(ModelArchive.UPDATER_STATE), "Adam keeps state, so the zip holds it");
        MultiLayerNetwork loaded = load(zip);
        assertEquals(net.getUpdater().getStateViewArray(), loaded.getUpdater().getStateViewArray());
    }

    @Test
    void javaSerializedPreprocessorIsRefusedWithoutBeingDeserialized() throws IOException {
        Map<String, byte[]> crafted = new LinkedHashMap<>(lstm);
        crafted.put(ModelSerializer.PREPROCESSOR_BIN, javaSerialized(new EvilPreProcessor()));
        byte[] zip = zip(crafted);

        // The danger is real: DL4J's loader on its own deserializes the entry.
        ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), true);
        assertTrue(EvilPreProcessor.deserialized, "DL4J deserializes preprocessor.bin");
        EvilPreProcessor.deserialized = false;

        assertRefused(zip, "holds an entry 'preprocessor.bin' that lstm-spark never writes");
        assertFalse(EvilPreProcessor.deserialized);
    }

    @ParameterizedTest
    @ValueSource(strings = {"normalizer.bin", "noParams.marker", "updater.bin", "objects/run", "notes.txt", "configuration.json/"})
    void everyOtherEntryIsRefused(String entry) throws IOException {
        Map<String, byte[]> crafted = new LinkedHashMap<>(lstm);
        crafted.put(entry, new byte[] {1, 2, 3});
        assertRefused(zip(crafted), "holds an entry '" + entry + "' that lstm-spark never writes");
    }

    @ParameterizedTest
    @ValueSource(strings = {"../configuration.json", "../../home/user/.bashrc", "/etc/cron.d/job", "checkpoints/../../x",
            "..\\..\\windows\\system.ini", "C:/x", ".."})
    void entriesPointingOutsideAreRefused(String entry) throws IOException {
        Map<String, byte[]> crafted = new LinkedHashMap<>();
        crafted.put(entry, "{}".getBytes(StandardCharsets.US_ASCII));
        crafted.putAll(lstm);
        assertRefused(zip(crafted), "that points outside the archive's directory");
    }

    @Test
    void aSecondConfigurationIsRefused() throws IOException {
        // DL4J keeps the last entry of a name: a harmless first copy must not vouch for a second.
        byte[] genuine = zip(lstm);
        byte[] second = zip(Map.of(ModelArchive.CONFIGURATION, lstm.get(ModelArchive.CONFIGURATION)));
        assertRefused(concatenatedLocalEntries(genuine, second), "holds the entry configuration.json twice");
    }

    @Test
    void aForeignLayerClassIsRefusedWithoutBeingConstructed() throws IOException {
        String json = configuration().replaceFirst("org\\.nd4j\\.linalg\\.activations\\.impl\\.ActivationTanH", "com.example.Evil");

        // The danger is real: DL4J's JSON reader constructs any subtype on the classpath it is told to.
        MultiLayerConfiguration.fromJson(json);
        assertTrue(Evil.constructed, "DL4J instantiates the named class");
        Evil.constructed = false;

        assertRefused(withConfiguration(json), "naming class 'com.example.Evil' in \"@class\", outside DL4J, ND4J and lstm-spark");
        assertFalse(Evil.constructed);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\"@class\" : \"java.lang.ProcessBuilder\"",
            "\"@class\" : \"org.nd4j.shade.jackson.databind.node.POJONode\"",
            "\"@class\" : \"Evil\"",
            "\"@class\" : \"org.deeplearning4j.nn.conf.layers.LSTM[]\"",
            "\"@class\" : \"org.deeplearning4j.Holder<java.lang.Runtime>\"",
            "\"layerName\" : \"java.lang.Runtime\"",
            "\"layerName\" : \"org.deeplearning4j.Holder<com.example.Evil>\"",
            "\"layerName\" : \"java\\u002elang.ProcessBuilder\"",
            "\"com.example.Evil\" : { }",
            "\"variables\" : [ \"com.example.Evil\", { } ]"})
    void classNamesOutsideTheAllowedPackagesAreRefusedWherever(String field) throws IOException {
        String json = configuration().replaceFirst("\"gainInit\" : 1\\.0", java.util.regex.Matcher.quoteReplacement(field));
        assertTrue(json.contains(field), "the crafted field is in the JSON");
        assertRefused(withConfiguration(json), "naming class");
    }

    @Test
    void aConfigurationThatIsNotPlainJsonIsRefused() throws IOException {
        assertRefused(withConfiguration(configuration().replaceFirst("layer0", "l\u00e4yer")), "bytes that are not ASCII text");
        assertRefused(withConfiguration("[".repeat(100) + "]".repeat(100)), "nested more than 64 levels deep");
        assertRefused(withConfiguration("{\"confs\" : [ {"), "that is not JSON");
        assertRefused(withConfiguration("{\"confs\" : 3}"), "that is not a DL4J MultiLayerConfiguration");
    }

    @Test
    void coefficientsClaimingGigabytesForASmallNetworkAreRefused() throws IOException {
        // A header claiming 2^30 floats and no data: DL4J would allocate 4 GiB and then fail to fill it.
        Map<String, byte[]> crafted = new LinkedHashMap<>(lstm);
        crafted.put(ModelArchive.COEFFICIENTS, arrayHeader(1L << 30, "FLOAT"));
        assertRefused(zip(crafted), "whose header claims 1,073,741,824 values (4,294,967,296 bytes), more than the 268,435,456");

        // Fewer than the cap, but not what the configuration describes.
        crafted.put(ModelArchive.COEFFICIENTS, array(2 * lstmParameters));
        assertRefused(zip(crafted), "has a coefficients.bin of " + String.format("%,d", 2 * lstmParameters)
                + " parameters, but its configuration.json describes a network of " + String.format("%,d", lstmParameters));

        // Below the cap in values, but as doubles more than DL4J reads into one array.
        crafted.put(ModelArchive.COEFFICIENTS, arrayHeader(ModelArchive.MAX_PARAMETERS, "DOUBLE"));
        assertRefused(zip(crafted), "has a coefficients.bin of 2,147,483,762 bytes, more than the 2,147,483,639 DL4J can load");

        crafted.put(ModelArchive.COEFFICIENTS, array(lstmParameters, "INT"));
        assertRefused(zip(crafted), "of 'INT' values; a network's parameters are floating point");
    }

    @Test
    void aConfigurationClaimingGigabytesOfParametersIsRefused() throws IOException {
        // Consistent with itself (nIn and nOut of 100,000 each) and far beyond the cap.
        String huge = configuration().replaceAll("\"nin\" : \\d+", "\"nin\" : 100000").replaceAll("\"nout\" : \\d+", "\"nout\" : 100000");
        assertRefused(withConfiguration(huge), "that describes more than 268,435,456 parameters (80,000,400,000 by layer 0)");

        // Sizes whose products would wrap around to a small, plausible count.
        String wrapping = configuration().replaceFirst("\"nin\" : \\d+", "\"nin\" : 4611686018427387904");
        assertRefused(withConfiguration(wrapping), "whose layer 0 has size 4,611,686,018,427,387,904, outside 0..16,777,216");
    }

    @Test
    void updaterStateLargerThanAnyUpdaterKeepsIsRefused() throws IOException {
        Map<String, byte[]> crafted = new LinkedHashMap<>(lstm);
        crafted.put(ModelArchive.UPDATER_STATE, array(4 * lstmParameters));
        assertRefused(zip(crafted), "has an updaterState.bin of " + String.format("%,d", 4 * lstmParameters)
                + " values, more than the 3 per parameter any DL4J updater keeps");
    }

    @Test
    void zipBombsAreRefusedBeforeTheyInflate() throws IOException {
        // 20 MiB of JSON whitespace deflates to some kilobytes.
        String padded = configuration().replaceFirst("\\{", "{" + " ".repeat(20 << 20));
        byte[] bomb = withConfiguration(padded);
        assertTrue(bomb.length < 1 << 20, "the bomb is small: " + bomb.length);
        assertRefused(bomb, "has a configuration.json that inflates to more than 16,777,216 bytes (a zip bomb?)");

        // Parameters followed by 64 MiB of zeros: the header says how many bytes there are.
        Map<String, byte[]> crafted = new LinkedHashMap<>(lstm);
        byte[] genuine = lstm.get(ModelArchive.COEFFICIENTS);
        crafted.put(ModelArchive.COEFFICIENTS, java.util.Arrays.copyOf(genuine, genuine.length + (64 << 20)));
        assertRefused(zip(crafted), "has a coefficients.bin of more bytes than its header describes");
    }

    @Test
    void sizesDeclaredInTheZipAreBounded() throws IOException {
        // DL4J allocates an entry's declared size before reading it: a local header may claim 2 GiB for 5 KB.
        byte[] zip = zipWithSizesInLocalHeaders(lstm);
        assertEquals(lstmParameters, load(zip).numParams(), "sizes in local headers are fine when true");
        byte[] lying = zip.clone();
        // The first entry is configuration.json; its local header's uncompressed size is at offset 22.
        ByteBuffer.wrap(lying).order(ByteOrder.LITTLE_ENDIAN).putInt(22, Integer.MAX_VALUE - 16);
        assertRefused(lying, "declares a configuration.json of 2,147,483,631 bytes, more than the 16,777,216");
    }

    @Test
    void damagedFilesAreNotReadableModels() throws IOException {
        byte[] genuine = zip(lstm);
        assertRefused(java.util.Arrays.copyOf(genuine, genuine.length / 2), "is not a readable DL4J model");
        assertRefused("not a zip at all".getBytes(StandardCharsets.US_ASCII), "is not a readable DL4J model (it holds no configuration.json)");
        Map<String, byte[]> noParameters = new LinkedHashMap<>(lstm);
        noParameters.remove(ModelArchive.COEFFICIENTS);
        assertRefused(zip(noParameters), "is not a readable DL4J model (it holds no coefficients.bin)");
    }

    @Test
    void savedModelLoadRefusesACraftedRunDirectoryInOneLine() throws IOException {
        Path run = Files.createDirectories(dir.resolve("run"));
        Map<String, byte[]> crafted = new LinkedHashMap<>(lstm);
        crafted.put(ModelSerializer.PREPROCESSOR_BIN, javaSerialized(new EvilPreProcessor()));
        Files.write(run.resolve(RunLayout.MODEL), zip(crafted));
        Files.writeString(run.resolve(RunLayout.VOCABULARY), vocabulary28());
        try (var out = Files.newBufferedWriter(run.resolve(RunLayout.CONFIG))) {
            dev.lstmspark.config.ConfigLoader.load(null, Map.of("hidden", "16")).toProperties().store(out, null);
        }
        ModelFileException e = assertThrows(ModelFileException.class, () -> SavedModel.load(run.toString(), new org.apache.hadoop.conf.Configuration()));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains(run.resolve("model.zip").toString()) && e.getMessage().contains("preprocessor.bin"),
                e.getMessage());
        assertFalse(EvilPreProcessor.deserialized);

        Files.write(run.resolve(RunLayout.MODEL), zip(lstm));
        assertEquals(lstmParameters, SavedModel.load(run.toString(), new org.apache.hadoop.conf.Configuration()).network().numParams(), "the genuine file still loads");
    }

    // ---- helpers

    private void assertRefused(byte[] zip, String expected) throws IOException {
        Path file = Files.write(dir.resolve("model.zip"), zip);
        ModelFileException e = assertThrows(ModelFileException.class, () -> {
            try (ModelArchive.CheckedCopy ignored = ModelArchive.checkedCopy(Files.newInputStream(file), file.toString())) {
                // refused before this point
            }
        });
        String message = e.getMessage();
        assertTrue(message.contains(expected), message);
        assertTrue(message.startsWith(file.toString() + " "), "names the file: " + message);
        assertTrue(message.endsWith("retrain, or restore the file from the train run"), "says the fix: " + message);
        assertEquals(1, message.lines().count(), "one line: " + message);
        assertFalse(Evil.constructed, "nothing was instantiated");
        assertFalse(EvilPreProcessor.deserialized, "nothing was deserialized");
    }

    private MultiLayerNetwork load(byte[] zip) throws IOException {
        Path file = Files.write(dir.resolve("genuine.zip"), zip);
        try (ModelArchive.CheckedCopy checked = ModelArchive.checkedCopy(Files.newInputStream(file), file.toString())) {
            return ModelSerializer.restoreMultiLayerNetwork(checked.file(), true);
        }
    }

    private static String configuration() {
        return new String(lstm.get(ModelArchive.CONFIGURATION), StandardCharsets.US_ASCII);
    }

    private static byte[] withConfiguration(String json) throws IOException {
        Map<String, byte[]> crafted = new LinkedHashMap<>(lstm);
        crafted.put(ModelArchive.CONFIGURATION, json.getBytes(StandardCharsets.UTF_8));
        return zip(crafted);
    }

    private static byte[] write(MultiLayerNetwork net) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, out, true);
        return out.toByteArray();
    }

    private static Map<String, byte[]> entries(byte[] zip) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        return entries;
    }

    private static byte[] zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** Deflated entries whose sizes are in their local headers (no data descriptor), as other zip writers make them. */
    private static byte[] zipWithSizesInLocalHeaders(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry entry = new ZipEntry(e.getKey());
                byte[] data = e.getValue();
                CRC32 crc = new CRC32();
                crc.update(data);
                java.util.zip.Deflater deflater = new java.util.zip.Deflater(java.util.zip.Deflater.DEFAULT_COMPRESSION, true);
                deflater.setInput(data);
                deflater.finish();
                byte[] buffer = new byte[data.length + 1024];
                int compressed = deflater.deflate(buffer);
                deflater.end();
                entry.setSize(data.length);
                entry.setCompressedSize(compressed);
                entry.setCrc(crc.getValue());
                out.putNextEntry(entry);
                out.write(data);
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** The local entries of {@code first} followed by those of {@code second}: what a stream reader such as DL4J's sees. */
    private static byte[] concatenatedLocalEntries(byte[] first, byte[] second) {
        int firstEnd = centralDirectoryStart(first);
        byte[] joined = new byte[firstEnd + second.length];
        System.arraycopy(first, 0, joined, 0, firstEnd);
        System.arraycopy(second, 0, joined, firstEnd, second.length);
        return joined;
    }

    private static int centralDirectoryStart(byte[] zip) {
        for (int i = zip.length - 22; i >= 0; i--) {
            if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 5 && zip[i + 3] == 6) {
                return ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getInt(i + 16);
            }
        }
        throw new IllegalArgumentException("no end of central directory");
    }

    private static byte[] javaSerialized(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    /** ND4J's header of a rank-1 array of {@code values} values, as {@code Nd4j.write} writes it, with no data after it. */
    private static byte[] arrayHeader(long values, String dataType) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeUTF("MIXED_DATA_TYPES");
        out.writeLong(6);
        out.writeUTF("LONG");
        for (long v : new long[] {1, values, 1, 8192, 1, 'c'}) {
            out.writeLong(v);
        }
        out.writeUTF("MIXED_DATA_TYPES");
        out.writeLong(values);
        out.writeUTF(dataType);
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] array(long values) throws IOException {
        return array(values, "FLOAT");
    }

    private static byte[] array(long values, String dataType) throws IOException {
        byte[] header = arrayHeader(values, dataType);
        return java.util.Arrays.copyOf(header, header.length + (int) values * 4);
    }

    /** The 28 tokens of the genuine model's output: {@code <unk>}, space and a to z. */
    private static String vocabulary28() {
        StringBuilder tokens = new StringBuilder("\"<unk>\", \" \"");
        for (char c = 'a'; c <= 'z'; c++) {
            tokens.append(", \"").append(c).append('"');
        }
        return "{\"token_kind\": \"char\", \"tokens\": [" + tokens + "]}";
    }

    @Test
    void craftedHeadersAreNd4jsOwn() {
        byte[] genuine = lstm.get(ModelArchive.COEFFICIENTS);
        byte[] header = assertDoesNotThrow(() -> arrayHeader(lstmParameters, "FLOAT"));
        assertEquals(genuine.length, header.length + lstmParameters * 4);
        assertArrayEquals(java.util.Arrays.copyOf(genuine, header.length), header, "arrayHeader writes Nd4j.write's header byte for byte");
    }
}
