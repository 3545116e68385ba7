/**
 * Spark's security settings where this project fills a gap in them.
 *
 * <p>{@link dev.lstmspark.security.Redaction} widens what Spark redacts wherever it prints its configuration to the
 * Hadoop keys that hold secrets without saying so ({@code fs.s3a.encryption.key} and the like).
 */
package dev.lstmspark.security;
