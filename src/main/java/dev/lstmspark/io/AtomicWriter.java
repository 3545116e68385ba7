package dev.lstmspark.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FSError;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.StreamCapabilities;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Set;
import java.util.UUID;

/**
 * The one way this project writes a file: whole, with the strongest guarantee the file system offers, so that a
 * reader or a crash sees the old content or the new, never a mix, and a failure names the path and the cause.
 *
 * <ul>
 *   <li><b>Local disks</b> ({@code file:}): the bytes go to a hidden temporary file beside the target, are forced
 *       to disk, and the temporary file is renamed over the target ({@code rename(2)} replaces it atomically);
 *       the folder is then forced too, so the new name survives a power cut. The old file stays readable until the
 *       new one is in place.</li>
 *   <li><b>Other Hadoop file systems</b>: the bytes go to a temporary file that is {@code hsync}ed (or
 *       {@code hflush}ed where the stream cannot sync) and closed, then renamed over the target with
 *       {@code Options.Rename.OVERWRITE}, which HDFS performs atomically. Object stores (s3a) implement rename as
 *       copy and delete: there the replacement is not atomic, only complete.</li>
 * </ul>
 *
 * <p>New files are created with permissions {@code rw-rw-r--} and folders {@code rwxrwxr-x}, which the
 * process's umask narrows further (to {@code rw-r--r--} with the usual 022): never world-writable. A replaced
 * file keeps the permissions its previous version had, so a run directory a user made private stays private.
 *
 * <p>An I/O failure (a full disk, a lost HDFS connection, a permission change) is a {@link StorageException}
 * whose one-line message names the path and the cause; the temporary file is removed and the target is left as
 * it was. Hadoop's local file system reports write errors as {@link FSError}, an {@code Error}; that becomes a
 * {@link StorageException} too.
 */
public final class AtomicWriter {

    /** What goes into a file; written to a stream that this class opens, flushes and closes. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private static final Set<PosixFilePermission> FILE_PERMISSIONS = PosixFilePermissions.fromString("rw-rw-r--");
    private static final Set<PosixFilePermission> DIRECTORY_PERMISSIONS = PosixFilePermissions.fromString("rwxrwxr-x");
    private static final org.apache.hadoop.fs.permission.FsPermission HADOOP_FILE_PERMISSIONS =
            new org.apache.hadoop.fs.permission.FsPermission((short) 0664);
    private static final org.apache.hadoop.fs.permission.FsPermission HADOOP_DIRECTORY_PERMISSIONS =
            new org.apache.hadoop.fs.permission.FsPermission((short) 0775);

    private final FileSystem fs;
    private final boolean local;

    private AtomicWriter(FileSystem fs) {
        this.fs = fs;
        this.local = isLocal(fs);
    }

    /** A writer for the file system that holds {@code path}. */
    public static AtomicWriter forPath(Path path, Configuration hadoop) {
        try {
            return new AtomicWriter(path.getFileSystem(hadoop));
        } catch (IOException e) {
            throw new StorageException("cannot open the file system of " + path + ": " + cause(e), e);
        }
    }

    /** A writer for a file system already opened. */
    public static AtomicWriter on(FileSystem fs) {
        return new AtomicWriter(fs);
    }

    /** Whether {@code fs} is the local disk ({@code file:}), where java.nio gives stronger guarantees than Hadoop. */
    public static boolean isLocal(FileSystem fs) {
        return "file".equals(fs.getUri().getScheme());
    }

    /** The file system this writer writes to. */
    public FileSystem fileSystem() {
        return fs;
    }

    /** Replaces {@code target} (or creates it) with {@code content}, atomically where the file system allows. */
    public void replace(Path target, Content content) {
        Path qualified = fs.makeQualified(target);
        try {
            if (local) {
                replaceLocal(localPath(qualified), content);
            } else {
                replaceOnHadoop(qualified, content);
            }
        } catch (IOException | FSError | UncheckedIOException e) {
            throw new StorageException("cannot write " + displayed(qualified) + ": " + cause(e), e);
        }
    }

    /** Replaces {@code target} with {@code bytes}. */
    public void replace(Path target, byte[] bytes) {
        replace(target, out -> out.write(bytes));
    }

    /**
     * Writes a file that nobody reads yet, inside a folder that {@link #publishDirectory} will later move into
     * place: forced to disk, but not renamed.
     */
    public void writeNew(Path target, Content content) {
        Path qualified = fs.makeQualified(target);
        try {
            if (local) {
                java.nio.file.Path file = localPath(qualified);
                try (FileChannel channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                        PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS))) {
                    writeAndForce(channel, content);
                }
            } else {
                writeOnHadoop(qualified, content);
            }
        } catch (IOException | FSError | UncheckedIOException e) {
            throw new StorageException("cannot write " + displayed(qualified) + ": " + cause(e), e);
        }
    }

    /** Creates {@code dir} and its missing parents. */
    public void mkdirs(Path dir) {
        Path qualified = fs.makeQualified(dir);
        try {
            if (local) {
                java.nio.file.Path path = localPath(qualified);
                if (!Files.isDirectory(path)) {
                    Files.createDirectories(path, directoryAttribute());
                }
            } else if (!fs.mkdirs(qualified, HADOOP_DIRECTORY_PERMISSIONS)) {
                throw new IOException("mkdirs returned false");
            }
        } catch (IOException | FSError | UncheckedIOException e) {
            throw new StorageException("cannot create folder " + displayed(qualified) + ": " + cause(e), e);
        }
    }

    /**
     * Moves a completely written folder {@code staged} to {@code target} in one rename (atomic on local disks and
     * HDFS), replacing a folder already there. Readers see either no {@code target} or all of it.
     */
    public void publishDirectory(Path staged, Path target) {
        Path from = fs.makeQualified(staged);
        Path to = fs.makeQualified(target);
        try {
            if (local) {
                java.nio.file.Path source = localPath(from);
                java.nio.file.Path destination = localPath(to);
                forceDirectory(source);
                if (Files.exists(destination)) {
                    deleteRecursively(destination);
                }
                Files.move(source, destination, StandardCopyOption.ATOMIC_MOVE);
                forceDirectory(destination.getParent());
            } else {
                if (fs.exists(to)) {
                    fs.delete(to, true);
                }
                if (!fs.rename(from, to)) {
                    throw new IOException("rename of " + from + " returned false");
                }
            }
        } catch (IOException | FSError | UncheckedIOException e) {
            throw new StorageException("cannot move " + displayed(from) + " to " + displayed(to) + ": " + cause(e), e);
        }
    }

    /** Deletes a file or folder (recursively) if it exists. */
    public void delete(Path path) {
        Path qualified = fs.makeQualified(path);
        try {
            if (local) {
                java.nio.file.Path p = localPath(qualified);
                if (Files.exists(p)) {
                    deleteRecursively(p);
                }
            } else {
                fs.delete(qualified, true);
            }
        } catch (IOException | FSError | UncheckedIOException e) {
            throw new StorageException("cannot delete " + displayed(qualified) + ": " + cause(e), e);
        }
    }

    /** Deletes {@code path}, ignoring failures: for temporary files whose leftovers nothing reads. */
    public void deleteQuietly(Path path) {
        try {
            delete(path);
        } catch (StorageException ignored) {
            // a leftover temporary name is ignored by every reader
        }
    }

    private void replaceLocal(java.nio.file.Path target, Content content) throws IOException {
        java.nio.file.Path dir = target.toAbsolutePath().getParent();
        java.nio.file.Path tmp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(FILE_PERMISSIONS))) {
                writeAndForce(channel, content);
            }
            try {
                Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
            } catch (NoSuchFileException firstVersion) {
                // nothing to keep: the new file has the permissions it was created with
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            forceDirectory(dir);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private void replaceOnHadoop(Path target, Content content) throws IOException {
        Path tmp = new Path(target.getParent(), "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            writeOnHadoop(tmp, content);
            try {
                fs.setPermission(tmp, fs.getFileStatus(target).getPermission());
            } catch (java.io.FileNotFoundException firstVersion) {
                // nothing to keep
            }
            FileUtil.rename(fs, tmp, target, Options.Rename.OVERWRITE);
            tmp = null;
        } finally {
            if (tmp != null) {
                try {
                    fs.delete(tmp, false);
                } catch (IOException | FSError ignored) {
                    // the first failure is the one to report
                }
            }
        }
    }

    private void writeOnHadoop(Path file, Content content) throws IOException {
        try (FSDataOutputStream out = fs.create(file, HADOOP_FILE_PERMISSIONS, false,
                fs.getConf().getInt("io.file.buffer.size", 4096), fs.getDefaultReplication(file),
                fs.getDefaultBlockSize(file), null)) {
            writeUnclosable(out, content);
            if (out.hasCapability(StreamCapabilities.HSYNC)) {
                out.hsync();
            } else if (out.hasCapability(StreamCapabilities.HFLUSH)) {
                out.hflush();
            }
        }
    }

    private static void writeAndForce(FileChannel channel, Content content) throws IOException {
        writeUnclosable(Channels.newOutputStream(channel), content);
        channel.force(true);
    }

    /**
     * Writes {@code content} through a buffer whose {@code close()} only flushes: some writers close the stream
     * they are given (DL4J's {@code ModelSerializer} does), and the file must stay open to be synced.
     */
    private static void writeUnclosable(OutputStream target, Content content) throws IOException {
        OutputStream out = new BufferedOutputStream(target, 1 << 16) {
            @Override
            public void close() throws IOException {
                flush();
            }
        };
        content.writeTo(out);
        out.flush();
    }

    /** Forces a folder's entries (a rename, a new file) to disk; a no-op where the platform cannot. */
    private static void forceDirectory(java.nio.file.Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException ignored) {
            // some file systems refuse to open or sync a folder; the data itself was forced
        }
    }

    private static void deleteRecursively(java.nio.file.Path path) throws IOException {
        try (var walk = Files.walk(path)) {
            for (java.nio.file.Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static FileAttribute<Set<PosixFilePermission>> directoryAttribute() {
        return PosixFilePermissions.asFileAttribute(DIRECTORY_PERMISSIONS);
    }

    private static java.nio.file.Path localPath(Path qualified) {
        return java.nio.file.Path.of(qualified.toUri());
    }

    /** A local file as users write it, a URI elsewhere. */
    static String displayed(Path path) {
        return "file".equals(path.toUri().getScheme()) ? path.toUri().getPath() : path.toString();
    }

    /**
     * The cause of a failure on one line: the exception's message, and its type where the message alone would
     * only repeat the path (Java's {@code NoSuchFileException}, {@code AccessDeniedException}).
     */
    static String cause(Throwable e) {
        Throwable t = (e instanceof UncheckedIOException || e instanceof FSError) && e.getCause() != null ? e.getCause() : e;
        String message = t.getMessage() == null ? "" : t.getMessage().strip().lines().findFirst().orElse("");
        boolean onlyThePath = t instanceof java.nio.file.FileSystemException fse && fse.getReason() == null;
        return message.isEmpty() || onlyThePath
                ? t.getClass().getSimpleName() + (message.isEmpty() ? "" : " " + message) : message;
    }
}
