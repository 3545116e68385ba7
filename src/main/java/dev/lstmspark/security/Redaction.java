package dev.lstmspark.security;

/** Which configuration keys hold secrets, for the places Spark prints its configuration. */
public final class Redaction {

    /**
     * {@code spark.redaction.regex}: Spark's default ({@code secret|password|token|access[.]?key}) plus the Hadoop
     * keys that hold secrets without saying so, after Hadoop's own {@code hadoop.security.sensitive-config-keys}:
     * credentials, Azure account keys and every key ending in {@code .key}, such as S3A's
     * {@code fs.s3a.encryption.key}, whose value is the SSE-C key of a bucket. Spark applies it to the log of
     * {@code spark.logConf}, the UI's environment page, event logs and {@code spark-submit --verbose}.
     */
    public static final String SPARK_REGEX = "(?i)secret|password|token|access[.]?key|credential|account[.]key|[.]key$";

    private Redaction() {
    }
}
