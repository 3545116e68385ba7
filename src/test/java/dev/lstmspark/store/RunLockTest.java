package dev.lstmspark.store;

import dev.lstmspark.io.AtomicWriter;
import dev.lstmspark.io.FaultyFileSystem;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One writer per run directory, on the local disk and on file systems without locks; no lock outlives its run. */
class RunLockTest {

    @Test
    void aSecondRunIntoALiveRunsDirectoryIsRefusedInEveryMode(@TempDir java.nio.file.Path dir) {
        String out = dir.resolve("run").toString();
        try (RunDirectory first = RunDirectory.prepare(out, new Configuration(), RunDirectory.Mode.NEW)) {
            for (RunDirectory.Mode mode : RunDirectory.Mode.values()) {
                RunDirectoryException e = assertThrows(RunDirectoryException.class,
                        () -> RunDirectory.prepare(out, new Configuration(), mode));
                assertTrue(e.getMessage().startsWith("out directory " + out + " is being written by another train run (pid "
                        + ProcessHandle.current().pid() + " on "), e.getMessage());
                assertTrue(e.getMessage().endsWith("): wait for it to end, stop it, or choose another --out"), e.getMessage());
            }
        }
        RunDirectory.prepare(out, new Configuration(), RunDirectory.Mode.NEW).close(); // released by close
    }

    /** SIGKILL gives a process no chance to clean up: the kernel's release of its lock is what frees the directory. */
    @Test
    void aRunKilledWithSigkillLeavesTheDirectoryFree(@TempDir java.nio.file.Path dir) throws Exception {
        String out = dir.resolve("run").toString();
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), HoldLock.class.getName(), out)
                .redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = lines.readLine();
            } while (line != null && !line.equals("locked"));
            assertEquals("locked", line, "the child JVM never took the lock");
            RunDirectoryException e = assertThrows(RunDirectoryException.class,
                    () -> RunDirectory.prepare(out, new Configuration(), RunDirectory.Mode.NEW));
            assertTrue(e.getMessage().contains("pid " + holder.pid()), e.getMessage());
        } finally {
            holder.destroyForcibly();
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
        }
        RunDirectory.prepare(out, new Configuration(), RunDirectory.Mode.NEW).close();
    }

    /** Run by {@link #aRunKilledWithSigkillLeavesTheDirectoryFree}: takes the lock and waits to be killed. */
    public static final class HoldLock {
        public static void main(String[] args) throws InterruptedException {
            RunDirectory.prepare(args[0], new Configuration(), RunDirectory.Mode.NEW);
            System.out.println("locked");
            Thread.sleep(TimeUnit.MINUTES.toMillis(5));
        }
    }

    /** Where the file system has no locks (HDFS), a heartbeat in the lock file tells a live holder from a dead one. */
    @Test
    void withoutFileLocksAStaleHeartbeatIsTakenOverAndALiveOneRefused(@TempDir java.nio.file.Path dir) throws Exception {
        AtomicWriter writer = AtomicWriter.forPath(new Path("faulty:///"), FaultyFileSystem.configuration());
        Path lock = new Path(FaultyFileSystem.uri(dir.resolve(".lock")));
        RunLock live = RunLock.acquire(writer, lock, "runs/x", 50, 2_000);
        String first = Files.readString(dir.resolve(".lock"));
        Thread.sleep(300);
        assertTrue(!Files.readString(dir.resolve(".lock")).equals(first), "the holder renews its heartbeat");
        RunDirectoryException e = assertThrows(RunDirectoryException.class, () -> RunLock.acquire(writer, lock, "runs/x", 50, 2_000));
        assertTrue(e.getMessage().contains("is being written by another train run"), e.getMessage());
        live.close();
        assertTrue(!Files.exists(dir.resolve(".lock")), "released: the lock file is gone");

        // A holder that died without releasing: its last heartbeat grows old, and the next run takes over.
        RunLock dead = RunLock.acquire(writer, lock, "runs/x", 60_000, 200);
        Thread.sleep(400);
        RunLock next = RunLock.acquire(writer, lock, "runs/x", 60_000, 200);
        next.close();
        dead.close(); // its token is no longer in the file: it must not delete the next holder's lock
    }
}
