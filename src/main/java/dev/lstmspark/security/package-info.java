/**
 * Spark's security settings where this project fills a gap in them.
 *
 * <p>{@link dev.lstmspark.security.StandaloneAuthentication} lets a driver submitted to a standalone cluster read its
 * authentication secret from {@code spark.authenticate.secret.file}, as Spark itself allows only on Kubernetes, so
 * the secret stays off command lines ({@code jobs/cluster-up.sh} writes that file, {@code jobs/submit.sh} passes its
 * path), and fails a driver the master refused in one line instead of leaving it to hang.
 * {@link dev.lstmspark.security.Redaction} widens what Spark redacts wherever it prints its configuration to the
 * Hadoop keys that hold secrets without saying so ({@code fs.s3a.encryption.key} and the like).
 */
package dev.lstmspark.security;
