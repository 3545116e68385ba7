package dev.lstmspark.corpus;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CorpusLocatorTest {
    private static final byte[] TEXT = "The Time Traveller (for so it will be convenient to speak of him)\n".getBytes(StandardCharsets.UTF_8);

    @Test
    void downloadsAndChecksTheSha1(@TempDir Path dir) throws Exception {
        HttpServer server = serve(TEXT);
        try {
            Path target = dir.resolve("data/timemachine.txt");
            new CorpusLocator(url(server), sha1(TEXT)).download(target);
            assertEquals(new String(TEXT, StandardCharsets.UTF_8), Files.readString(target));
            assertEquals(1, Files.list(target.getParent()).count(), "no temporary file left behind");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void wrongChecksumLeavesNothingBehind(@TempDir Path dir) throws Exception {
        HttpServer server = serve(TEXT);
        try {
            Path target = dir.resolve("timemachine.txt");
            CorpusException e = assertThrows(CorpusException.class,
                    () -> new CorpusLocator(url(server), "0000000000000000000000000000000000000000").download(target));
            assertTrue(e.getMessage().contains("SHA-1"), e.getMessage());
            assertFalse(Files.exists(target));
            assertEquals(0, Files.list(dir).count());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void noNetworkSaysWhereToPutTheFile(@TempDir Path dir) {
        Path target = dir.resolve("timemachine.txt");
        // Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
        CorpusException e = assertThrows(CorpusException.class,
                () -> new CorpusLocator("http://127.0.0.1:9/timemachine.txt", "x").download(target));
        assertTrue(e.getMessage().contains("put it at " + target.toAbsolutePath()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(target));
    }

    @Test
    void pathsAndUris(@TempDir Path dir) throws IOException {
        CorpusLocator locator = new CorpusLocator("http://127.0.0.1:9/x", "x");
        assertEquals("hdfs://namenode:8020/corpora/tm.txt", locator.resolve("hdfs://namenode:8020/corpora/tm.txt"));
        assertEquals("s3a://bucket/tm.txt", locator.resolve("s3a://bucket/tm.txt"));
        Path file = Files.writeString(dir.resolve("c.txt"), "abc");
        assertEquals("file:" + file.toAbsolutePath(), locator.resolve(file.toString()));
        CorpusException missing = assertThrows(CorpusException.class, () -> locator.resolve(dir.resolve("nope.txt").toString()));
        assertTrue(missing.getMessage().contains("nope.txt does not exist"), missing.getMessage());
    }

    /**
     * Hadoop paths are not percent-encoded: a file: URI with %20 for a space would name another file. Globs and
     * catalog tables are passed on for the reader to expand or look up.
     */
    @Test
    void localPathsBecomeUnescapedHadoopPathsAndGlobsAndTablesPassThrough(@TempDir Path dir) throws IOException {
        CorpusLocator locator = new CorpusLocator("http://127.0.0.1:9/x", "x");
        Path spaced = Files.writeString(dir.resolve("my corpus.txt"), "abc");
        String resolved = locator.resolve(spaced.toString());
        assertEquals("file:" + spaced.toAbsolutePath(), resolved);
        org.apache.hadoop.fs.Path hadoop = new org.apache.hadoop.fs.Path(resolved);
        assertTrue(hadoop.getFileSystem(new org.apache.hadoop.conf.Configuration()).exists(hadoop), resolved);
        assertEquals("file:" + dir.toAbsolutePath() + "/part-*", locator.resolve(dir.resolve("part-*").toString()));
        assertEquals("table:corpora.novels", locator.resolve("table:corpora.novels"));
        assertTrue(CorpusLocator.isGlob("data/{a,b}.txt") && CorpusLocator.isGlob("data/part-?") && !CorpusLocator.isGlob("data/a.txt"));
    }

    private static HttpServer serve(byte[] body) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/timemachine.txt", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private static String url(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/timemachine.txt";
    }

    private static String sha1(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
    }
}
