package dev.lstmspark.report;

import dev.lstmspark.config.TrainConfig;
import dev.lstmspark.training.EpochMetrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunReportTest {
    private static final String HOSTILE_SAMPLE = "epoch 2 | <script>alert(\"x\")</script> & 'time traveller'";
    private static final String HOSTILE_CORPUS = "data/tom & <b>jerry.txt";

    private static final List<EpochMetrics> THREE_EPOCHS = List.of(
            new EpochMetrics(1, 17.25, 15.5, 123_456, 100, 10.0, 9.0, Double.NaN, List.of("0", "1")),
            new EpochMetrics(2, 9.125, 9.75, 123_456, 100, 8.0, 7.5, Double.NaN, List.of("0", "1")),
            new EpochMetrics(3, 6.5, 10.25, 123_456, 100, 4.0, 3.5, Double.NaN, List.of("0")));

    private static RunReport report(TrainConfig config, List<EpochMetrics> metrics, List<String> samples, byte[] png) {
        return new RunReport(config, 2, ReportFixtures.HARDWARE, metrics, samples, Duration.ofSeconds(125), png, null, null);
    }

    /** What the run trained on, as corpus.json records it: source, preprocessing, fingerprint, escaped like the rest. */
    @Test
    void showsTheCorpusItTrainedOn() throws Exception {
        dev.lstmspark.source.CorpusProvenance corpus = new dev.lstmspark.source.CorpusProvenance(HOSTILE_CORPUS,
                "hdfs://nn:8020/lake/books", "parquet", "body", "chapter", 3, 123_456, "raw", "char", 0, 3000,
                new dev.lstmspark.source.CorpusFingerprint(1_200, 4, 98_765, "0123456789abcdef0123456789abcdef"),
                99_965, 2_345);
        String html = new RunReport(ReportFixtures.defaults(), 2, ReportFixtures.HARDWARE, THREE_EPOCHS, List.of(),
                Duration.ofSeconds(5), null, null, corpus).toHtml();
        Document doc = parse(html);
        String table = text(doc, "//table[@class='corpus']");
        for (String shown : List.of(HOSTILE_CORPUS, "hdfs://nn:8020/lake/books", "parquet, column body, ordered by chapter",
                "3 (123,456 bytes)", "1,200 (4 null rows skipped)", "98,765", "0123456789abcdef0123456789abcdef",
                "preprocess raw, char tokens, max-vocab 3000", "99,965, vocabulary 2,345")) {
            assertTrue(table.contains(shown), shown + " in " + table);
        }
        assertFalse(report(ReportFixtures.defaults(), THREE_EPOCHS, List.of(), null).toHtml().contains("class=\"corpus\""),
                "no corpus table when the corpus is not known");
    }

    /** The page parsed as XML: proves it is well-formed, and gives back the text as a browser would show it. */
    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(html)));
    }

    private static String text(Document doc, String xpath) throws Exception {
        return XPathFactory.newInstance().newXPath().evaluate(xpath, doc).trim();
    }

    @Test
    void tabulatesEveryEpoch() throws Exception {
        Document doc = parse(report(ReportFixtures.defaults(), THREE_EPOCHS, List.of(), null).toHtml());
        XPath xpath = XPathFactory.newInstance().newXPath();
        NodeList header = (NodeList) xpath.evaluate("//table[@class='metrics']/thead/tr/th", doc, XPathConstants.NODESET);
        List<String> columns = new java.util.ArrayList<>();
        for (int i = 0; i < header.getLength(); i++) {
            columns.add(header.item(i).getTextContent());
        }
        assertEquals(List.of("epoch", "train ppl", "val ppl", "tokens", "tokens/s", "seconds", "executors"), columns);

        NodeList rows = (NodeList) xpath.evaluate("//table[@class='metrics']/tbody/tr", doc, XPathConstants.NODESET);
        assertEquals(3, rows.getLength());
        NodeList second = ((Element) rows.item(1)).getElementsByTagName("td");
        List<String> cells = new java.util.ArrayList<>();
        for (int i = 0; i < second.getLength(); i++) {
            cells.add(second.item(i).getTextContent());
        }
        assertEquals(List.of("2", "9.125", "9.750", "123,456", "15,432", "8.0", "2"), cells);

        String summary = text(doc, "//p[@class='summary']");
        assertTrue(summary.contains("Training perplexity 6.500 after epoch 3"), summary);
        assertTrue(summary.contains("best validation perplexity 9.750 at epoch 2"), summary);
        String status = text(doc, "//p[@class='status']");
        assertTrue(status.contains("epoch 3 of 10, in progress, total time 2 min 05 s"), status);
        assertTrue(text(doc, "//body").contains("Time in epochs 22.0 s of 2 min 05 s in total."));
    }

    @Test
    void escapesSamplesAndSettings() throws Exception {
        TrainConfig config = ReportFixtures.with(Map.of("corpus", HOSTILE_CORPUS));
        String html = report(config, THREE_EPOCHS, List.of("epoch 1 | time traveller", HOSTILE_SAMPLE), null).toHtml();

        assertFalse(html.contains("<script>"), "sample text must not become markup");
        assertFalse(html.contains("<b>jerry"), "settings must not become markup");
        assertTrue(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;time traveller&#39;"), html);

        // Escaped exactly once: the parsed page shows the original text, character for character.
        Document doc = parse(html);
        assertEquals("epoch 1 | time traveller", text(doc, "//div[@class='samples']/pre[1]"));
        assertEquals(HOSTILE_SAMPLE, text(doc, "//div[@class='samples']/pre[2]"));
        assertEquals(HOSTILE_CORPUS, text(doc, "//table[@class='settings']//tr[th='corpus']/td[1]"));
        assertTrue(text(doc, "//p[@class='status']").startsWith("tom & <b>jerry.txt, random sampling"));
    }

    @Test
    void listsTheResolvedSettingsInTheDocumentedOrder() throws Exception {
        TrainConfig config = ReportFixtures.with(Map.of("hidden", "512", "lr", "0.5", "sample-prefixes", "a,b"));
        Document doc = parse(report(config, THREE_EPOCHS, List.of(), null).toHtml());
        assertEquals("512", text(doc, "//table[@class='settings']//tr[th='hidden']/td[1]"));
        assertEquals("0.5", text(doc, "//table[@class='settings']//tr[th='lr']/td[1]"));
        assertEquals("a,b", text(doc, "//table[@class='settings']//tr[th='sample-prefixes']/td[1]"));
        assertEquals("hidden units per layer", text(doc, "//table[@class='settings']//tr[th='hidden']/td[2]"));
        assertEquals("corpus", text(doc, "//table[@class='settings']//tr[1]/th"));
        assertEquals(config.toProperties().size(),
                ((Number) XPathFactory.newInstance().newXPath().evaluate("count(//table[@class='settings']//tr)", doc,
                        XPathConstants.NUMBER)).intValue());
        assertTrue(text(doc, "//h1").startsWith("char LSTM hidden 512 x 1, 32 x 35, lr 0.5, clip 1, 2 workers"));
    }

    @Test
    void showsTheHardware() throws Exception {
        Document doc = parse(report(ReportFixtures.defaults(), THREE_EPOCHS, List.of(), null).toHtml());
        assertEquals("CpuBackend", text(doc, "//table[@class='hardware']//tr[th='ND4J backend']/td"));
        assertEquals("2", text(doc, "//table[@class='hardware']//tr[th='driver cores']/td"));
        assertEquals("3.0 GiB", text(doc, "//table[@class='hardware']//tr[th='driver max heap']/td"));
        assertEquals("OpenJDK 64-Bit Server VM 17.0.15", text(doc, "//table[@class='hardware']//tr[th='JVM']/td"));
        assertEquals("2 (most in one epoch)", text(doc, "//table[@class='hardware']//tr[th='executors seen']/td"));
        assertEquals("2", text(doc, "//table[@class='hardware']//tr[th='training workers']/td"));
        assertEquals("Java Vector API, 16 float lanes", text(doc, "//table[@class='hardware']//tr[th=\"fused layers' time steps\"]/td"));
    }

    @Test
    void embedsThePlotAsADataUri() throws Exception {
        byte[] png = PerplexityPlot.forRun(ReportFixtures.with(java.util.Map.of("plot-scale", "linear")), 2).renderPng(THREE_EPOCHS);
        Document doc = parse(report(ReportFixtures.defaults(), THREE_EPOCHS, List.of(), png).toHtml());
        String src = text(doc, "//img/@src");
        String prefix = "data:image/png;base64,";
        assertTrue(src.startsWith(prefix), src.substring(0, Math.min(60, src.length())));
        assertArrayEquals(png, Base64.getDecoder().decode(src.substring(prefix.length())));

        Document withoutPlot = parse(report(ReportFixtures.defaults(), THREE_EPOCHS, List.of(), null).toHtml());
        assertEquals("", text(withoutPlot, "//img/@src"));
        assertTrue(text(withoutPlot, "//body").contains("The plot could not be drawn"));
    }

    @Test
    void saysWhenNothingIsHeldOutAndWhenTheRunIsFinished() throws Exception {
        List<EpochMetrics> noValidation = ReportFixtures.decaying(10, false);
        Document doc = parse(report(ReportFixtures.defaults(), noValidation, List.of(), null).toHtml());
        assertEquals(RunReport.MISSING, text(doc, "//table[@class='metrics']/tbody/tr[1]/td[3]"));
        assertTrue(text(doc, "//p[@class='summary']").contains("nothing held out for validation"));
        assertTrue(text(doc, "//p[@class='status']").contains("epoch 10 of 10, finished"));
    }

    @Test
    void aRunWithNoEpochsYetIsStillAPage() throws Exception {
        Document doc = parse(report(ReportFixtures.defaults(), List.of(), List.of(), null).toHtml());
        assertTrue(text(doc, "//p[@class='status']").contains("no epochs finished yet"));
        assertTrue(text(doc, "//body").contains("No epoch has finished yet."));
        assertTrue(text(doc, "//body").contains("No samples generated yet."));
    }

    @Test
    void escapingCoversMarkupQuotesAndControlCharacters() {
        assertEquals("a &lt;b&gt; &amp;amp; &quot;c&quot; &#39;d&#39;", RunReport.escape("a <b> &amp; \"c\" 'd'"));
        assertEquals("tab\tline\nbell\uFFFDnul\uFFFD", RunReport.escape("tab\tline\nbell\u0007nul\u0000"));
    }

    @Test
    void formatsDurationsForPeople() {
        assertEquals("12.3 s", RunReport.duration(Duration.ofMillis(12_345)));
        assertEquals("3 min 04 s", RunReport.duration(Duration.ofSeconds(184)));
        assertEquals("2 h 05 min 09 s", RunReport.duration(Duration.ofSeconds(2 * 3600 + 5 * 60 + 9)));
    }
}
