package dev.lstmspark.store;

import dev.lstmspark.io.AtomicWriter;
import dev.lstmspark.io.StorageException;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one writer of a run directory. A second {@code train} into a directory that a live run is writing is
 * refused; a run that dies, even by SIGKILL, does not leave the directory locked for ever.
 *
 * <ul>
 *   <li><b>Local disks</b>: an operating-system lock ({@code fcntl}) on {@code .lock}, which the kernel releases
 *       when the process ends however it ends. The file itself stays (deleting it would let two processes lock
 *       two different files of that name).</li>
 *   <li><b>Other Hadoop file systems</b> (HDFS has no advisory locks): {@code .lock} is created exclusively and
 *       rewritten with a fresh heartbeat every {@code heartbeat}; a lock whose heartbeat is older than
 *       {@code stale} belongs to a dead run and is taken over. The lock file names its holder.</li>
 * </ul>
 */
final class RunLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
    static final long HEARTBEAT_MILLIS = 10_000;
    static final long STALE_MILLIS = 60_000;

    private final Runnable release;

    private RunLock(Runnable release) {
        this.release = release;
    }

    /**
     * Takes the lock of a run directory.
     *
     * @param runName the directory as the user named it, for the refusal
     * @throws RunDirectoryException when a live run holds it
     */
    static RunLock acquire(AtomicWriter writer, Path lockFile, String runName) {
        return acquire(writer, lockFile, runName, HEARTBEAT_MILLIS, STALE_MILLIS);
    }

    static RunLock acquire(AtomicWriter writer, Path lockFile, String runName, long heartbeatMillis, long staleMillis) {
        FileSystem fs = writer.fileSystem();
        if (AtomicWriter.isLocal(fs)) {
            return local(java.nio.file.Path.of(fs.makeQualified(lockFile).toUri()), runName);
        }
        return heartbeat(writer, fs.makeQualified(lockFile), runName, heartbeatMillis, staleMillis);
    }

    @Override
    public void close() {
        release.run();
    }

    private static RunLock local(java.nio.file.Path file, String runName) {
        try {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException sameJvm) {
                lock = null;
            }
            if (lock == null) {
                ByteBuffer held = ByteBuffer.allocate(4096);
                channel.read(held, 0);
                channel.close();
                throw busy(runName, holder(new String(held.array(), 0, held.position(), StandardCharsets.UTF_8)));
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(ownerProperties(null, Instant.now().toString()).getBytes(StandardCharsets.UTF_8)), 0);
            FileLock held = lock;
            return new RunLock(() -> {
                try {
                    held.release();
                    channel.close();
                } catch (IOException e) {
                    LOG.warn("cannot release the lock of {}: {}", runName, e.toString());
                }
            });
        } catch (IOException e) {
            throw new StorageException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    private static RunLock heartbeat(AtomicWriter writer, Path file, String runName, long heartbeatMillis,
                                     long staleMillis) {
        FileSystem fs = writer.fileSystem();
        String token = UUID.randomUUID().toString();
        String since = Instant.now().toString();
        try {
            if (fs.exists(file)) {
                String content = RunFiles.readText(fs, file);
                long age = System.currentTimeMillis() - heartbeatOf(content);
                if (age < staleMillis) {
                    throw busy(runName, holder(content));
                }
                LOG.warn("taking over the lock of {}: its holder ({}) stopped writing it {} s ago", runName,
                        holder(content), age / 1000);
                fs.delete(file, false);
            }
            try (FSDataOutputStream out = fs.create(file, false)) {
                out.write(ownerProperties(token, since).getBytes(StandardCharsets.UTF_8));
            }
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException raced) {
            throw busy(runName, "another train run that started at the same moment");
        } catch (IOException e) {
            throw new StorageException("cannot lock " + file + ": " + e.getMessage(), e);
        }
        ScheduledExecutorService beat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "run-directory-lock");
            t.setDaemon(true);
            return t;
        });
        beat.scheduleWithFixedDelay(() -> {
            try {
                String content = RunFiles.readText(fs, file);
                if (!content.contains(token)) {
                    LOG.error("the lock of {} was taken over by {}: two runs may now write it", runName, holder(content));
                    return;
                }
                writer.replace(file, out -> out.write(ownerProperties(token, since).getBytes(StandardCharsets.UTF_8)));
            } catch (RuntimeException e) {
                LOG.warn("cannot renew the lock of {}: {}", runName, e.getMessage());
            }
        }, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
        return new RunLock(() -> {
            beat.shutdownNow();
            try {
                if (fs.exists(file) && RunFiles.readText(fs, file).contains(token)) {
                    fs.delete(file, false);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot remove the lock of {}: {}", runName, e.toString());
            }
        });
    }

    private static RunDirectoryException busy(String runName, String holder) {
        return new RunDirectoryException("out directory " + runName + " is being written by another train run ("
                + holder + "): wait for it to end, stop it, or choose another --out");
    }

    /** Who holds the lock, and since when, as the lock file says. */
    private static String holder(String content) {
        Properties p = parse(content);
        String pid = p.getProperty("pid", "?");
        String host = p.getProperty("host", "?");
        String since = p.getProperty("since", "?");
        return "pid " + pid + " on " + host + ", since " + since;
    }

    private static long heartbeatOf(String content) {
        try {
            return Long.parseLong(parse(content).getProperty("heartbeat", "0"));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Properties parse(String content) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(content));
        } catch (IOException | IllegalArgumentException e) {
            // an unreadable lock file names no holder
        }
        return p;
    }

    private static String ownerProperties(String token, String since) {
        StringBuilder s = new StringBuilder();
        s.append("pid=").append(ProcessHandle.current().pid()).append('\n');
        s.append("host=").append(hostName()).append('\n');
        s.append("since=").append(since).append('\n');
        s.append("jvm=").append(ManagementFactory.getRuntimeMXBean().getName()).append('\n');
        if (token != null) {
            s.append("token=").append(token).append('\n');
            s.append("heartbeat=").append(System.currentTimeMillis()).append('\n');
        }
        return s.toString();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown host";
        }
    }
}
