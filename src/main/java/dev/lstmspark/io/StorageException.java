package dev.lstmspark.io;

import java.io.UncheckedIOException;

/**
 * Reading or writing a file failed for a reason outside the program: a full disk, a lost HDFS connection, a
 * permission change. The message is one line naming the path and the cause; no stack trace helps the user.
 */
public final class StorageException extends UncheckedIOException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message, Throwable cause) {
        super(message, cause instanceof java.io.IOException io ? io : new java.io.IOException(cause));
    }
}
