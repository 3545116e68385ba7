package dev.lstmspark.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicWriterTest {

    @AfterEach
    void diskNotFull() {
        FaultyFileSystem.failAfter(Long.MAX_VALUE);
    }

    private static List<String> names(java.nio.file.Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Both kinds of file system the writer knows: the local disk (java.nio) and any other (Hadoop's API). */
    private static List<AtomicWriter> writers() {
        return List.of(AtomicWriter.forPath(new Path("file:///"), new Configuration()),
                AtomicWriter.forPath(new Path("faulty:///"), FaultyFileSystem.configuration()));
    }

    private static Path target(AtomicWriter writer, java.nio.file.Path local) {
        return writer.fileSystem().getUri().getScheme().equals("file") ? new Path(local.toUri())
                : new Path(FaultyFileSystem.uri(local));
    }

    @Test
    void theOldFileStaysReadableUntilTheNewOneIsInPlace(@TempDir java.nio.file.Path dir) throws IOException {
        for (AtomicWriter writer : writers()) {
            java.nio.file.Path file = dir.resolve("metrics-" + writer.fileSystem().getUri().getScheme() + ".jsonl");
            writer.replace(target(writer, file), "old\n".getBytes(StandardCharsets.UTF_8));
            writer.replace(target(writer, file), out -> {
                out.write("new, half".getBytes(StandardCharsets.UTF_8));
                out.flush();
                // Mid-write, a reader of the file sees the whole old version, not a truncated new one.
                assertEquals("old\n", Files.readString(file));
                out.write(" and the rest\n".getBytes(StandardCharsets.UTF_8));
            });
            assertEquals("new, half and the rest\n", Files.readString(file));
        }
        assertEquals(List.of("metrics-faulty.jsonl", "metrics-file.jsonl"), names(dir), "no temporary file left");
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile(@TempDir java.nio.file.Path dir) throws IOException {
        for (AtomicWriter writer : writers()) {
            java.nio.file.Path file = dir.resolve("model-" + writer.fileSystem().getUri().getScheme() + ".zip");
            writer.replace(target(writer, file), "the good model".getBytes(StandardCharsets.UTF_8));
            StorageException e = assertThrows(StorageException.class, () -> writer.replace(target(writer, file), out -> {
                out.write(new byte[100_000]);
                throw new IOException("Input/output error");
            }));
            assertTrue(e.getMessage().matches("cannot write (faulty:)?" + file + ": Input/output error"), e.getMessage());
            assertEquals("the good model", Files.readString(file));
        }
        assertEquals(List.of("model-faulty.zip", "model-file.zip"), names(dir));
    }

    /** A full disk, as Hadoop's own stream reports it: one line naming the path and the cause, the old file intact. */
    @Test
    void aFullDiskIsOneLineNamingThePath(@TempDir java.nio.file.Path dir) throws IOException {
        AtomicWriter writer = AtomicWriter.forPath(new Path("faulty:///"), FaultyFileSystem.configuration());
        java.nio.file.Path file = dir.resolve("checkpoint.zip");
        writer.replace(new Path(FaultyFileSystem.uri(file)), "v1".getBytes(StandardCharsets.UTF_8));
        FaultyFileSystem.failAfter(10);
        StorageException e = assertThrows(StorageException.class,
                () -> writer.replace(new Path(FaultyFileSystem.uri(file)), new byte[1 << 20]));
        assertEquals("cannot write " + FaultyFileSystem.uri(file).replace("faulty://", "faulty:") + ": No space left on device",
                e.getMessage());
        assertEquals("v1", Files.readString(file));
    }

    @Test
    void aReplacedFileKeepsItsPermissions(@TempDir java.nio.file.Path dir) throws IOException {
        AtomicWriter writer = writers().get(0);
        java.nio.file.Path file = dir.resolve("report.html");
        writer.replace(new Path(file.toUri()), new byte[] {1});
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        writer.replace(new Path(file.toUri()), new byte[] {2});
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
    }

    /** Even with umask 000 (a careless service account), nothing a run writes is world-writable. */
    @Test
    void nothingIsWorldWritableEvenWithAnOpenUmask(@TempDir java.nio.file.Path dir) throws Exception {
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "umask 000 && exec \"$0\" -cp \"$1\" \"$2\" \"$3\"",
                javaBin, classpath, WriteFiles.class.getName(), dir.toString()).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile());
        Process child = pb.start();
        assertTrue(child.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, child.exitValue(), Files.readString(dir.resolve("child.log")));
        java.nio.file.Path folder = dir.resolve("run");
        for (java.nio.file.Path p : List.of(folder, folder.resolve("config.properties"), folder.resolve("staged"),
                folder.resolve("staged").resolve("model.zip"))) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(p);
            assertFalse(permissions.contains(PosixFilePermission.OTHERS_WRITE), p + " is world-writable: " + permissions);
            assertTrue(permissions.contains(PosixFilePermission.OWNER_WRITE), p + ": " + permissions);
        }
    }

    /** Run in a child JVM with umask 000 by {@link #nothingIsWorldWritableEvenWithAnOpenUmask}. */
    public static final class WriteFiles {
        public static void main(String[] args) {
            java.nio.file.Path dir = java.nio.file.Path.of(args[0]).resolve("run");
            AtomicWriter writer = AtomicWriter.forPath(new Path(dir.toUri()), new Configuration());
            writer.mkdirs(new Path(dir.toUri()));
            writer.replace(new Path(dir.resolve("config.properties").toUri()), new byte[] {1});
            writer.mkdirs(new Path(dir.resolve("staged").toUri()));
            writer.writeNew(new Path(dir.resolve("staged").resolve("model.zip").toUri()), out -> out.write(2));
        }
    }

    @Test
    void aFolderIsPublishedWholeUnderItsFinalName(@TempDir java.nio.file.Path dir) throws IOException {
        for (AtomicWriter writer : writers()) {
            String scheme = writer.fileSystem().getUri().getScheme();
            java.nio.file.Path staged = dir.resolve(".staged-" + scheme);
            java.nio.file.Path published = dir.resolve("epoch-" + scheme);
            writer.mkdirs(target(writer, staged));
            writer.writeNew(target(writer, staged.resolve("a")), out -> out.write('a'));
            assertFalse(Files.exists(published));
            writer.publishDirectory(target(writer, staged), target(writer, published));
            assertEquals("a", Files.readString(published.resolve("a")));
            assertFalse(Files.exists(staged));
        }
    }

    @Test
    void theCauseOfAFailureIsItsMessageOrItsKind() {
        assertEquals("No space left on device", AtomicWriter.cause(new IOException("No space left on device")));
        assertEquals("AccessDeniedException /x", AtomicWriter.cause(new java.nio.file.AccessDeniedException("/x")));
        assertEquals("EOFException", AtomicWriter.cause(new java.io.EOFException()));
    }
}
