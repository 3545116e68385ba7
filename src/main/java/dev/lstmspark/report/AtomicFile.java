package dev.lstmspark.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file as a whole: the bytes go to a hidden temporary file in the same folder (so the rename stays on
 * one file system and is atomic), are forced to disk, and the temporary file is renamed over the target. Readers
 * and crashes see either the old file or the new one, never a truncated PNG or half a page.
 */
final class AtomicFile {

    private AtomicFile() {
    }

    /** The temporary file {@link #write} uses for {@code target}; a fixed name, so a crash leaves at most one behind. */
    static Path temporaryFor(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".tmp");
    }

    static void write(Path target, byte[] content) {
        Path tmp = temporaryFor(target);
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                // Without this a power cut right after the rename can leave the new name pointing at empty blocks.
                channel.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Some IOExceptions (NoSuchFileException, AccessDeniedException) say only the path: keep their name.
            throw new UncheckedIOException("cannot write " + target + ": " + e, e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the target is intact either way; a stale temporary file is overwritten by the next write
            }
        }
    }
}
