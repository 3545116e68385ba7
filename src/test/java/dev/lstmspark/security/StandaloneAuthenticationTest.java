package dev.lstmspark.security;

import dev.lstmspark.config.ConfigException;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StandaloneAuthenticationTest {

    @TempDir
    Path dir;

    private Path secretFile(String content) throws IOException {
        Path file = Files.writeString(dir.resolve("secret"), content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private static SparkConf conf(String master, String... keyValues) {
        SparkConf conf = new SparkConf(false).set("spark.master", master);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            conf.set(keyValues[i], keyValues[i + 1]);
        }
        return conf;
    }

    @ParameterizedTest
    @ValueSource(strings = {"spark://127.0.0.1:7077", "local-cluster[2,1,1024]"})
    void standaloneDriversTakeTheSecretFromTheFileAsKubernetesWould(String master) throws IOException {
        Path file = secretFile("0123abcd");
        SparkConf conf = conf(master, "spark.authenticate", "true", "spark.authenticate.secret.file", file.toString());
        StandaloneAuthentication.readSecretFile(conf);
        assertEquals(Base64.getEncoder().encodeToString("0123abcd".getBytes(StandardCharsets.US_ASCII)),
                conf.get("spark.authenticate.secret"));
        assertFalse(conf.contains("spark.authenticate.secret.file"), "Spark refuses secret files outside Kubernetes");
    }

    @Test
    void theDriverFileWinsOverTheSharedOne() throws IOException {
        Path driver = secretFile("driver");
        SparkConf conf = conf("spark://h:7077", "spark.authenticate", "true", "spark.authenticate.secret.file", "/elsewhere",
                "spark.authenticate.secret.driver.file", driver.toString(), "spark.authenticate.secret.executor.file", "/pods");
        StandaloneAuthentication.readSecretFile(conf);
        assertEquals(Base64.getEncoder().encodeToString("driver".getBytes(StandardCharsets.US_ASCII)), conf.get("spark.authenticate.secret"));
        assertFalse(conf.contains("spark.authenticate.secret.driver.file") || conf.contains("spark.authenticate.secret.executor.file"));
    }

    @Test
    void otherConfigurationsAreLeftAlone() throws IOException {
        String file = secretFile("s").toString();
        SparkConf[] untouched = {
                conf("yarn", "spark.authenticate", "true", "spark.authenticate.secret.file", file),
                conf("k8s://https://api:6443", "spark.authenticate", "true", "spark.authenticate.secret.file", file),
                conf("local[2]", "spark.authenticate", "true", "spark.authenticate.secret.file", file),
                conf("spark://h:7077", "spark.authenticate.secret.file", file),
                conf("spark://h:7077", "spark.authenticate", "true", "spark.authenticate.secret", "given",
                        "spark.authenticate.secret.file", file),
                conf("spark://h:7077", "spark.authenticate", "true")};
        for (SparkConf conf : untouched) {
            String before = conf.toDebugString();
            StandaloneAuthentication.readSecretFile(conf);
            assertEquals(before, conf.toDebugString());
        }
    }

    @Test
    void unusableFilesAreRefusedInOneLineWithoutTheirContents() throws IOException {
        Path missing = dir.resolve("no-such-secret");
        ConfigException e = assertThrows(ConfigException.class, () -> StandaloneAuthentication.readSecretFile(
                conf("spark://h:7077", "spark.authenticate", "true", "spark.authenticate.secret.file", missing.toString())));
        assertEquals("spark.authenticate.secret.file " + missing + " cannot be read (NoSuchFileException): pass the secret file"
                + " of the cluster (jobs/cluster-up.sh writes it to <cluster dir>/secret)", e.getMessage());

        Path empty = secretFile("");
        e = assertThrows(ConfigException.class, () -> StandaloneAuthentication.readSecretFile(
                conf("spark://h:7077", "spark.authenticate", "true", "spark.authenticate.secret.file", empty.toString())));
        assertTrue(e.getMessage().contains(empty + " is empty"), e.getMessage());

        Path shared = secretFile("visible-to-all");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
        e = assertThrows(ConfigException.class, () -> StandaloneAuthentication.readSecretFile(
                conf("spark://h:7077", "spark.authenticate", "true", "spark.authenticate.secret.file", shared.toString())));
        assertEquals("spark.authenticate.secret.file " + shared + " can be read or written by other users (rw-r--r--): chmod 600 "
                + shared, e.getMessage());
        assertFalse(e.getMessage().contains("visible-to-all"));
    }
}
