package dev.lstmspark.security;

import dev.lstmspark.config.ConfigException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Authentication of a driver on a Spark standalone cluster ({@code spark://} and {@code local-cluster} masters).
 *
 * <p>Spark 3.5 reads {@code spark.authenticate.secret.file} only on Kubernetes; a standalone driver needs the secret
 * itself in {@code spark.authenticate.secret}, and passing that with {@code --conf} shows it to every user of the
 * machine in the process list. So {@link #readSecretFile} reads the file on the driver and sets the secret as
 * Kubernetes would (the file's bytes, base64-encoded), before the Spark context starts. The executors need no file:
 * a standalone worker hands its executors the worker's secret in their environment.
 *
 * <p>A master that refuses the driver (wrong or missing secret) or never answers does not fail the Spark context:
 * its constructor returns once Spark gives up registering, while another thread stops the context, and the next
 * call into it may block forever (seen: {@code textFile} waiting on a block lock of the stopped block manager).
 * {@link #requireRegistered} turns that into one line naming the master and the fix.
 */
public final class StandaloneAuthentication {
    static final String AUTHENTICATE = "spark.authenticate";
    static final String SECRET = "spark.authenticate.secret";
    static final String FILE = "spark.authenticate.secret.file";
    static final String DRIVER_FILE = "spark.authenticate.secret.driver.file";
    private static final List<String> FILE_KEYS = List.of(FILE, DRIVER_FILE, "spark.authenticate.secret.executor.file");
    /** The ID every Spark scheduler backend reports before (here: without) a cluster manager assigning one. */
    private static final String UNREGISTERED_ID_PREFIX = "spark-application-";
    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    private StandaloneAuthentication() {
    }

    /**
     * With authentication on, a standalone master, no secret and a secret file: sets the secret from the file and
     * drops the file keys, which Spark refuses outside Kubernetes. Any other configuration is left as it is.
     *
     * @throws ConfigException naming the file and the fix when it cannot be used
     */
    public static void readSecretFile(SparkConf conf) {
        if (!isStandalone(conf.get("spark.master", "")) || !conf.getBoolean(AUTHENTICATE, false) || conf.contains(SECRET)) {
            return;
        }
        String key = conf.contains(DRIVER_FILE) ? DRIVER_FILE : FILE;
        if (!conf.contains(key)) {
            return;
        }
        Path file = Path.of(conf.get(key));
        byte[] secret;
        try {
            if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
                if (permissions.stream().anyMatch(OTHERS::contains)) {
                    throw new ConfigException(key + " " + file + " can be read or written by other users ("
                            + PosixFilePermissions.toString(permissions) + "): chmod 600 " + file);
                }
            }
            secret = Files.readAllBytes(file);
        } catch (IOException e) {
            // The exception's class says enough (no such file, not readable); its message could quote file contents.
            throw new ConfigException(key + " " + file + " cannot be read (" + e.getClass().getSimpleName()
                    + "): pass the secret file of the cluster (jobs/cluster-up.sh writes it to <cluster dir>/secret)");
        }
        if (secret.length == 0) {
            throw new ConfigException(key + " " + file + " is empty: pass the secret file of the cluster"
                    + " (jobs/cluster-up.sh writes it to <cluster dir>/secret)");
        }
        conf.set(SECRET, Base64.getEncoder().encodeToString(secret));
        FILE_KEYS.forEach(conf::remove);
    }

    /**
     * Fails, after stopping it, a context whose standalone master never accepted the application. Spark assigns a
     * standalone application its ID only when the master registers it, and the context's constructor waits for that
     * or for Spark to give up; without one the context keeps Spark's placeholder ID.
     *
     * @throws ConfigException naming the master and the fix
     */
    public static void requireRegistered(JavaSparkContext sc) {
        if (isStandalone(sc.master()) && sc.sc().applicationId().startsWith(UNREGISTERED_ID_PREFIX)) {
            boolean authenticated = sc.getConf().getBoolean(AUTHENTICATE, false);
            sc.stop();
            throw new ConfigException("the standalone master " + sc.master() + " did not accept the application"
                    + (authenticated ? " with the secret given" : " without a secret")
                    + ": if the master runs, submit with its secret (jobs/submit.sh does for the cluster of "
                    + "LSTM_SPARK_CLUSTER_DIR; else --conf spark.authenticate=true --conf spark.authenticate.secret.file=FILE)");
        }
    }

    private static boolean isStandalone(String master) {
        return master.startsWith("spark://") || master.startsWith("local-cluster");
    }
}
