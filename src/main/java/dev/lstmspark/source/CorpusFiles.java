package dev.lstmspark.source;

import dev.lstmspark.corpus.CorpusException;
import dev.lstmspark.corpus.CorpusLocator;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The files of a corpus, listed on the driver in the order the corpus is read: every file the path names (a file,
 * a glob's matches, everything under a folder, recursively), sorted by path. Names starting with {@code _} or
 * {@code .} inside a folder or among a glob's matches are skipped as Hadoop and Spark skip them ({@code _SUCCESS},
 * {@code .crc} side files); a file named explicitly is read whatever its name.
 *
 * <p>Hadoop's own listing of a folder is in the order the file system returns, which on a local disk is the
 * directory's hash order: {@code part-00007} before {@code part-00000}. Listing and sorting here makes the token
 * order the same on every machine and every run, which resuming a run relies on.
 */
public record CorpusFiles(List<FileStatus> files) {

    public CorpusFiles {
        files = List.copyOf(files);
    }

    /**
     * @throws CorpusException when the path does not exist, matches nothing or holds no files
     */
    public static CorpusFiles list(FileSystem fs, Path path, String name) {
        List<FileStatus> found = new ArrayList<>();
        try {
            boolean glob = CorpusLocator.isGlob(path.toString());
            FileStatus[] matches = glob ? fs.globStatus(path) : new FileStatus[] {fs.getFileStatus(path)};
            if (matches == null || matches.length == 0) {
                throw new CorpusException("corpus " + name + " matches no files: check the pattern, or pass --corpus with a file or folder");
            }
            for (FileStatus match : matches) {
                if (glob && isHidden(match.getPath())) {
                    continue;
                }
                collect(fs, match, found);
            }
        } catch (FileNotFoundException e) {
            throw new CorpusException("corpus " + name + " does not exist: pass --corpus with a text file or an hdfs:/s3a:/file: URI", e);
        } catch (IOException e) {
            throw new CorpusException("corpus " + name + " cannot be opened (" + e.getMessage() + "): check the path and its file system settings", e);
        }
        if (found.isEmpty()) {
            throw new CorpusException("corpus " + name + " holds no files (names starting with _ or . are skipped): pass --corpus with the folder of the corpus's files");
        }
        found.sort(Comparator.comparing(status -> status.getPath().toString()));
        return new CorpusFiles(found);
    }

    private static void collect(FileSystem fs, FileStatus status, List<FileStatus> found) throws IOException {
        if (!status.isDirectory()) {
            found.add(status);
            return;
        }
        for (FileStatus child : fs.listStatus(status.getPath())) {
            if (!isHidden(child.getPath())) {
                collect(fs, child, found);
            }
        }
    }

    private static boolean isHidden(Path path) {
        String name = path.getName();
        return name.startsWith("_") || name.startsWith(".");
    }

    public List<Path> paths() {
        return files.stream().map(FileStatus::getPath).toList();
    }

    /** Bytes on the file system (compressed files count compressed). */
    public long bytes() {
        return files.stream().mapToLong(FileStatus::getLen).sum();
    }

    public int size() {
        return files.size();
    }
}
