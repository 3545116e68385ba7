package dev.lstmspark.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Hadoop file system for tests, {@code faulty:///path}: the local disk under another scheme, so that the code
 * takes its path for file systems other than the local one (as for HDFS: Hadoop streams, rename with overwrite,
 * no file locks), and whose disk can be made full: after {@link #failAfter} more bytes every write fails as a full
 * disk does. Register it with {@link #configuration()}.
 */
public final class FaultyFileSystem extends FileSystem {
    public static final String SCHEME = "faulty";
    private static final AtomicLong BYTES_LEFT = new AtomicLong(Long.MAX_VALUE);

    private final RawLocalFileSystem disk = new RawLocalFileSystem();

    /** A Hadoop configuration in which {@code faulty:} URIs open this file system (a fresh instance each time). */
    public static Configuration configuration() {
        Configuration conf = new Configuration();
        conf.set("fs." + SCHEME + ".impl", FaultyFileSystem.class.getName());
        conf.setBoolean("fs." + SCHEME + ".impl.disable.cache", true);
        return conf;
    }

    /** The disk fills up after {@code bytes} more bytes are written; {@link Long#MAX_VALUE} for never. */
    public static void failAfter(long bytes) {
        BYTES_LEFT.set(bytes);
    }

    /** A {@code faulty:} URI for a local path. */
    public static String uri(java.nio.file.Path local) {
        return SCHEME + "://" + local.toAbsolutePath();
    }

    @Override
    public void initialize(URI uri, Configuration conf) throws IOException {
        super.initialize(uri, conf);
        disk.initialize(URI.create("file:///"), conf);
        setConf(conf);
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    private static Path local(Path p) {
        return new Path("file", null, Path.getPathWithoutSchemeAndAuthority(p).toUri().getPath());
    }

    private Path faulty(Path p) {
        return new Path(SCHEME, null, Path.getPathWithoutSchemeAndAuthority(p).toUri().getPath());
    }

    private FileStatus faulty(FileStatus s) throws IOException {
        FileStatus copy = new FileStatus(s.getLen(), s.isDirectory(), s.getReplication(), s.getBlockSize(),
                s.getModificationTime(), s.getAccessTime(), s.getPermission(), s.getOwner(), s.getGroup(), faulty(s.getPath()));
        return copy;
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        return disk.open(local(f), bufferSize);
    }

    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
                                     short replication, long blockSize, Progressable progress) throws IOException {
        FSDataOutputStream out = disk.create(local(f), permission, overwrite, bufferSize, replication, blockSize, progress);
        OutputStream counting = new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                take(1);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                take(len);
                out.write(b, off, len);
            }
        };
        return new FSDataOutputStream(counting, null);
    }

    @Override
    public FSDataOutputStream append(Path f, int bufferSize, Progressable progress) throws IOException {
        throw new IOException("append is not supported");
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        return disk.rename(local(src), local(dst));
    }

    @Override
    public boolean delete(Path f, boolean recursive) throws IOException {
        return disk.delete(local(f), recursive);
    }

    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        FileStatus[] statuses = disk.listStatus(local(f));
        FileStatus[] out = new FileStatus[statuses.length];
        for (int i = 0; i < statuses.length; i++) {
            out[i] = faulty(statuses[i]);
        }
        return out;
    }

    @Override
    public void setWorkingDirectory(Path dir) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Path getWorkingDirectory() {
        return new Path(SCHEME, null, System.getProperty("user.dir"));
    }

    @Override
    public boolean mkdirs(Path f, FsPermission permission) throws IOException {
        return disk.mkdirs(local(f), permission);
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        return faulty(disk.getFileStatus(local(f)));
    }

    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
        disk.setPermission(local(p), permission);
    }

    private static void take(long bytes) throws IOException {
        if (BYTES_LEFT.addAndGet(-bytes) < 0) {
            BYTES_LEFT.set(0);
            throw new IOException("No space left on device");
        }
    }
}
