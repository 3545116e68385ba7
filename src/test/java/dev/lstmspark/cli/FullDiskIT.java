package dev.lstmspark.cli;

import dev.lstmspark.TestSupport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real full disk: a small tmpfs as the out directory's file system, filled up by the test once the run has
 * checkpointed its second epoch. The run ends with one line naming the file and "No space left on device", exit 1, and the newest
 * checkpoint intact. Mounting needs root (CI runs as root); elsewhere the test is skipped, saying why, and
 * {@code CliTest} still covers the same path with a simulated full disk.
 */
class FullDiskIT {

    @Test
    void aFullLocalDiskEndsTheRunWithOneLineAndKeepsTheLastCheckpoint(@TempDir Path dir) throws Exception {
        Path disk = Files.createDirectory(dir.resolve("disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", disk.toString())
                .redirectErrorStream(true).start();
        boolean mounted = mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0;
        String why = new String(mount.getInputStream().readAllBytes()).strip();
        Assumptions.assumeTrue(mounted, () -> "cannot mount a tmpfs here (needs root): " + why);
        try {
            Path corpus = TestSupport.pangramCorpus(dir, 15);
            Path out = disk.resolve("run");
            Thread filler = new Thread(() -> fillOnceCheckpointed(out.resolve("checkpoints").resolve("epoch-000002"),
                    disk.resolve("filler")));
            filler.setDaemon(true);
            filler.start();
            CliTest.Result r = CliTest.run("train", "--config", "conf/smoke.properties", "--corpus", corpus.toString(),
                    "--epochs", "24", "--out", out.toString(), "--master", "local[2]");
            assertEquals(Main.FAILURE, r.exitCode(), r.err());
            assertTrue(r.err().matches("(?s)error: cannot (write|create folder) " + java.util.regex.Pattern.quote(out.toString())
                    + "/\\S+: No space left on device\\R"), r.err());
            assertFalse(Files.exists(out.resolve("model.zip")));
            List<String> checkpoints;
            try (var folders = Files.list(out.resolve("checkpoints"))) {
                checkpoints = folders.map(p -> p.getFileName().toString()).sorted().toList();
            }
            assertFalse(checkpoints.isEmpty(), "epochs were checkpointed before the disk filled up");
            assertTrue(checkpoints.stream().allMatch(n -> n.startsWith("epoch-")), "no staged checkpoint left: " + checkpoints);
            String newest = checkpoints.get(checkpoints.size() - 1);
            CliTest.Result generate = CliTest.run("generate", "--model", out.resolve("checkpoints").resolve(newest).toString(),
                    "--prefix", "the");
            assertEquals(0, generate.exitCode(), generate.err());
        } finally {
            umount(disk);
        }
    }

    /** Waits for {@code checkpoint} to appear, then writes {@code filler} until the disk is full. */
    private static void fillOnceCheckpointed(Path checkpoint, Path filler) {
        try {
            while (!Files.isDirectory(checkpoint)) {
                Thread.sleep(50);
            }
            try (var out = Files.newOutputStream(filler)) {
                byte[] block = new byte[4096];
                while (true) {
                    out.write(block);
                }
            }
        } catch (IOException full) {
            // the disk is full: what the test wants
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void umount(Path disk) throws IOException, InterruptedException {
        new ProcessBuilder("umount", disk.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
}
