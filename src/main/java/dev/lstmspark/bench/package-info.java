/**
 * The throughput benchmark behind {@code jobs/bench.sh}: the network alone in one JVM, whole epochs through Spark
 * with parameter averaging, and where an epoch's time goes (DL4J's {@code SparkTrainingStats} plus our timers),
 * printed and written to a JSON file so runs can be compared.
 */
package dev.lstmspark.bench;
