package dev.lstmspark.corpus;

import dev.lstmspark.io.AtomicWriter;
import org.apache.hadoop.conf.Configuration;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Turns the {@code corpus} setting into a path Spark can read.
 *
 * <p>Any URI with a scheme ({@code hdfs:}, {@code s3a:}, {@code file:}, and {@code table:} for a table of the
 * catalog) is handed on as it is; a local path becomes an absolute {@code file:} path. The default
 * corpus, {@code data/timemachine.txt}, is downloaded from d2l when it is missing and checked against its SHA-1
 * before it is written, so that a broken transfer never leaves a half-written or wrong corpus.
 */
public final class CorpusLocator {

    /** The corpus the README's main command trains on. */
    public static final String DEFAULT_CORPUS = "data/timemachine.txt";
    /** d2l's copy of H. G. Wells' The Time Machine. */
    public static final String TIME_MACHINE_URL = "http://d2l-data.s3-accelerate.amazonaws.com/timemachine.txt";
    public static final String TIME_MACHINE_SHA1 = "090b5e7e70c295757f55df93cb0a180b9691891a";

    private final String downloadUrl;
    private final String expectedSha1;

    public CorpusLocator() {
        this(TIME_MACHINE_URL, TIME_MACHINE_SHA1);
    }

    public CorpusLocator(String downloadUrl, String expectedSha1) {
        this.downloadUrl = downloadUrl;
        this.expectedSha1 = expectedSha1;
    }

    /**
     * A Hadoop path (a URI with its scheme) of the corpus's files, or the {@code table:NAME} it names; downloads the
     * default corpus if needed. A local glob ({@code data/*.txt}) is passed on for Hadoop to expand.
     */
    public String resolve(String corpus) {
        if (hasScheme(corpus)) {
            return corpus;
        }
        Path path = Path.of(corpus);
        if (isGlob(corpus)) {
            return hadoopPath(path);
        }
        if (Files.isRegularFile(path)) {
            if (!Files.isReadable(path)) {
                throw new CorpusException("corpus " + corpus + " is not readable: check its permissions");
            }
            return hadoopPath(path);
        }
        if (Files.isDirectory(path)) {
            return hadoopPath(path);
        }
        if (path.normalize().equals(Path.of(DEFAULT_CORPUS))) {
            download(path);
            return hadoopPath(path);
        }
        throw new CorpusException("corpus " + corpus + " does not exist: pass --corpus with a text file or an hdfs:/s3a:/file: URI");
    }

    /** Whether a corpus path has Hadoop glob characters ({@code * ? [ {}). */
    public static boolean isGlob(String corpus) {
        return corpus.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    /**
     * A local path as Hadoop reads it: {@code file:/abs/path}, unescaped (Hadoop paths are not percent-encoded, so a
     * {@code file:} URI with {@code %20} for a space would name another file).
     */
    private static String hadoopPath(Path path) {
        return "file:" + path.toAbsolutePath().normalize();
    }

    static boolean hasScheme(String corpus) {
        int colon = corpus.indexOf(':');
        // "C:\..." style drive letters are one character long; URI schemes are longer.
        return colon > 1 && corpus.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*");
    }

    /**
     * Downloads the corpus to {@code target}, checking its SHA-1 before anything is written; the file appears whole
     * (through {@link AtomicWriter}) or not at all.
     */
    public void download(Path target) {
        byte[] bytes;
        try {
            URLConnection connection = new URL(downloadUrl).openConnection();
            connection.setConnectTimeout(15_000);
            connection.setReadTimeout(30_000);
            try (InputStream in = connection.getInputStream()) {
                bytes = in.readAllBytes();
            }
        } catch (IOException e) {
            throw new CorpusException("corpus " + target + " is missing and could not be downloaded from " + downloadUrl
                    + " (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                    + "): download it on a machine with network access and put it at " + target.toAbsolutePath(), e);
        }
        String actual;
        try {
            actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!actual.equalsIgnoreCase(expectedSha1)) {
            throw new CorpusException("downloaded corpus from " + downloadUrl + " has SHA-1 " + actual + ", expected "
                    + expectedSha1 + ": download it yourself and put it at " + target);
        }
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(target.toAbsolutePath().toUri());
        AtomicWriter writer = AtomicWriter.forPath(file, new Configuration());
        writer.mkdirs(file.getParent());
        writer.replace(file, bytes);
    }
}
